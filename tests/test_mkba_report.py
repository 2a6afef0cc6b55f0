"""The MKBA as a researcher reads it: both variants side by side, the saldo and the PM items first, the comparisons
like with like; every figure is the stored table's, and a cohort below the threshold shows none."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from checks.outputs import KPI_NATIONAL_MONTH, KPI_REGION_MONTH
from llo import warehouse as wh
from llo.monitor import kpi
from llo.monitor import trajectories as tr
from llo.monitor.targets import Targets
from llo.reporting import findings, mkba
from llo.reporting import tables as t
from llo.reporting.data import ReportData
from llo.reporting.publish import Ledger, euro_words
from llo.scba import tables as st
from llo.scba.parameters import load_parameters
from llo.settings import PROJECT_ROOT
from tests.kpi_fixtures import catalogue, measurements, participant

MONTH = "2024-12"
WORK = {"arbeidssituatie": "betaald werk", "uren_per_week": 24.0, "bruto_uurloon": 15.0, "uitkering": "geen"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> str:
    """Twente: 12 participants from bijstand, 6 of them into 24 hours of paid work; Achterhoek: 3 participants (below
    the threshold). The SCBA tables as the pipeline stores them (suppressed where the cohort is small)."""
    people = [participant(f"T{i}", "2024-09-10", start="2024-01-10", t1=WORK if i < 6 else {}) for i in range(12)]
    people += [participant(f"A{i}", "2024-11-10", start="2024-03-10", region="achterhoek",
                           t0={"trajectcode": "ACH-1"}, t1=WORK) for i in range(3)]
    cat = pd.concat([catalogue(), catalogue("achterhoek", ("ACH-1",))], ignore_index=True)
    params = load_parameters(PROJECT_ROOT / "config" / "scba_parameters.yaml")
    trajectories, day = tr.derive(measurements(*people), cat), kpi.month_end(MONTH)
    tables = st.suppress_small_cohorts(st.month_tables(trajectories, [day], params, {"twente": 400, "achterhoek": 400},
                                                       n_draws=500))
    regional = KPI_REGION_MONTH.validate(kpi.region_month_table(trajectories, cat, [day], Targets({"K1": 400})))
    url = f"sqlite:///{tmp_path_factory.mktemp('mkba') / 'warehouse.sqlite'}"
    engine = wh.engine_for(url)
    wh.create_tables(engine)
    wh.replace_rows(engine, {wh.metadata.tables[name]: frame for name, frame in tables.items()}, "peildatum", [day],
                    scenario="basis")
    wh.replace_rows(engine, {wh.KPI_REGION_MONTH: regional,
                             wh.KPI_NATIONAL_MONTH: KPI_NATIONAL_MONTH.validate(kpi.national_month_table(regional))},
                    "peildatum", [day])
    return url


def overview(url: str, region: str = "nationaal") -> pd.DataFrame:
    rows = wh.read_typed(wh.engine_for(url), wh.SCBA_OVERVIEW)
    return rows[rows["region"] == region].set_index(["variant", "item"])


def test_the_economic_finding_gives_both_variants_saldo_from_the_table(warehouse):
    rows = overview(warehouse)
    ledger = Ledger(None)
    text = findings._economy(ReportData(warehouse, MONTH, None), ledger)
    for variant, name in (("programma", "programmaniveau"), ("traject", "trajectniveau")):
        saldo = rows.at[(variant, st.SALDO), "value"]
        words = ("positief: de baten zijn" if saldo >= 0 else "negatief: de kosten zijn") + f" {euro_words(abs(saldo))}"
        assert words in text, (variant, text)
        assert name in text
    assert text.startswith("Voor de 15 deelnemers van wie het traject op de peildatum is afgerond")
    assert "de MKBA rekent met een deadweight van 30% tot 70% naar de uitkering waarmee deelnemers begonnen" in text
    assert "Niet in geld uitgedrukt (PM)" in text
    assert all(entry["n"] == 15 for entry in ledger.entries["numbers"].values())


def test_a_region_below_the_threshold_gets_no_mkba_figure(warehouse):
    rows = overview(warehouse, "achterhoek")
    assert rows["suppress"].all() and rows["value"].isna().all()
    ledger = Ledger(None)
    text = findings._economy(ReportData(warehouse, MONTH, "achterhoek"), ledger)
    assert text.startswith("Nog niet te beantwoorden: het cohort dat op de peildatum klaar is")
    assert "<10 deelnemers" in text and not re.search(r"\d{3}", text)


def test_the_chapter_opens_with_the_saldo_of_both_variants_and_the_pm_items(warehouse):
    data, ledger = ReportData(warehouse, MONTH, None), Ledger(None)
    rows = overview(warehouse)
    text = mkba.opening(data, ledger)
    assert text.index("**Op programmaniveau**") < text.index("**Op trajectniveau**") < text.index("(PM)")
    for variant in ("programma", "traject"):
        assert euro_words(abs(rows.at[(variant, st.SALDO), "value"])) in text
        ratio = rows.at[(variant, "Baten/kosten-verhouding"), "value"]
        assert f"€\u00a0{ratio:.2f}".replace(".", ",") in text
    # the PM items with their size: 15 improved their social inclusion? the table says how many
    inclusion = int(rows.at[("programma", "Verbeterde sociale inclusie"), "quantity"])
    assert f"verbeterde sociale inclusie ({inclusion} deelnemers)" in text
    assert "niet gemeten zijn zorgkosten (zorgverzekeraar) en onderwijsinstellingen" in text
    assert "met het verlies aan vrije tijd bij de kosten; het saldo is de maatstaf" in text


def test_the_comparisons_are_like_with_like(warehouse):
    data, ledger = ReportData(warehouse, MONTH, None), Ledger(None)
    text = mkba.comparisons(data, ledger)
    rows = overview(warehouse)
    band = rows.at[("traject", st.PRODUCTIVITY_PER_PARTICIPANT), "note"].split(";")[0]
    assert "De productiviteitsbaten per deelnemer (contante waarde, na deadweight en verdringing) zijn" in text
    assert band in text and "bandbreedte van het evaluatiekader" in band
    assert "Het netto per deelnemer op trajectniveau" in text and "het netto van SEO 2013" in text
    assert "Het netto op programmaniveau is niet met SEO te vergelijken" in text


def test_deadweight_prices_and_continuation_are_explained(warehouse):
    data, ledger = ReportData(warehouse, MONTH, None), Ledger(None)
    text = mkba.deadweight(data, ledger)
    assert "een deadweight van 30% tot 70%" in text and "Er is geen vergelijkingsgroep" in text
    assumptions = mkba.assumptions(data, ledger)
    assert assumptions.startswith("Alle bedragen zijn in euro's van 2025 (omgerekend met de consumentenprijsindex van "
                                  "het CBS) en contant gemaakt naar 2025 met een reële discontovoet van 2,25%")
    assert "0,020 QALY per jaar (bandbreedte 0,005 tot 0,040)" in assumptions
    continued = overview(warehouse).at[("programma", st.CONTINUED), "value"]
    assert f"wordt het saldo op programmaniveau {euro_words(continued)}" in assumptions


def test_the_overview_table_sets_the_variants_side_by_side(warehouse):
    table = t.scba_overview(ReportData(warehouse, MONTH, None), Ledger(None), "tbl-mkba")
    lines = table.splitlines()
    assert lines[0].split("|")[1:-1] == [" Onderdeel ", " Post ", " Omvang ", " Trajectniveau ", " Programmaniveau ",
                                         " Toelichting "]
    cells = {line.split("|")[2].strip(): [c.strip() for c in line.split("|")[1:-1]] for line in lines[2:]}
    assert cells["Programmakosten NGF (toegerekend aan het cohort)"][3] == ""  # not a trajectory-level cost
    assert cells["Regionale begeleiding"][4] == ""  # inside the NGF budget at programme level
    assert cells["Totaal baten"][3] == cells["Totaal baten"][4]  # the same benefits
    costs = [post for post, c in cells.items() if c[0] == "kosten"]
    assert costs == ["Programmakosten NGF (toegerekend aan het cohort)", "Inzet van regionale en landelijke partners",
                     "Trajectkosten buiten het NGF-budget", "Trajectkosten (catalogus)", "Regionale begeleiding",
                     "Tijd van deelnemers in opleiding", "Begeleiding door werkgevers", "Verlies vrije tijd"]
    sections = [c[0] for c in cells.values()]
    assert sections == sorted(sections, key=["baten", "kosten", "saldo", "pm", "kengetal"].index)
    note = cells["Netto baten per deelnemer"][5]
    assert note.startswith("trajectniveau: ") and "; programmaniveau: niet te vergelijken met het netto van SEO " \
        "2013" in note  # in the order of the columns
