"""Kernbevindingen written from a warehouse whose figures are known by construction: every figure in the text is the
table's, small figures read "<10" in the text too, and a question the data cannot answer yet says why."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from checks.outputs import CHANGE_SCORES_MONTH, KPI_BREAKDOWN_MONTH, KPI_NATIONAL_MONTH, KPI_REGION_MONTH
from llo import warehouse as wh
from llo.monitor import breakdowns, change_scores, kpi
from llo.monitor import trajectories as tr
from llo.monitor.targets import Targets
from llo.reporting import findings, per_region
from llo.reporting.data import ReportData
from llo.reporting.publish import Ledger
from tests.kpi_fixtures import catalogue, measurements, participant

MONTH = "2024-12"
WORK = {"arbeidssituatie": "betaald werk", "uren_per_week": 24.0, "participatieladder": 6}
MBO = {"opleiding": "ingeschreven mbo", "participatieladder": 4}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> str:
    """Twente (pilot): 20 participants started in January 2024 with a T1 in September, 10 in paid work, 4 in mbo;
    Achterhoek (scale-up): 5 participants with a T1, none improved. Tables computed by the pipeline's own code."""
    people = [participant(f"T{i}", "2024-09-10", start="2024-01-10", t1=WORK if i < 10 else MBO if i < 14 else {})
              for i in range(20)]
    people += [participant(f"A{i}", "2024-11-10", start="2024-03-10", region="achterhoek",
                           t0={"trajectcode": "ACH-1"}) for i in range(5)]
    cat = pd.concat([catalogue(), catalogue("achterhoek", ("ACH-1",))], ignore_index=True)
    trajectories = tr.derive(measurements(*people), cat)
    days = [kpi.month_end("2024-11"), kpi.month_end(MONTH)]
    regional = KPI_REGION_MONTH.validate(kpi.region_month_table(trajectories, cat, days, Targets(
        {"K1": 400, "K2": 200, "K3": 200, "K4": 200, "K5": 160}, runtime_months=48)))
    url = f"sqlite:///{tmp_path_factory.mktemp('findings') / 'warehouse.sqlite'}"
    engine = wh.engine_for(url)
    wh.create_tables(engine)
    wh.replace_rows(engine, {
        wh.KPI_REGION_MONTH: regional,
        wh.KPI_NATIONAL_MONTH: KPI_NATIONAL_MONTH.validate(kpi.national_month_table(regional)),
        wh.CHANGE_SCORES_MONTH: CHANGE_SCORES_MONTH.validate(change_scores.change_scores_months(trajectories, days)),
        wh.KPI_BREAKDOWN_MONTH: KPI_BREAKDOWN_MONTH.validate(breakdowns.breakdown_table(trajectories, days))},
        "peildatum", days)
    wh.append_rows(engine, wh.INTERVIEW_CODINGS, pd.DataFrame(
        [("twente", 1, "2024-03-01", 1, "financiering_structureel", "hindert", 3),
         ("twente", 1, "2024-03-01", 2, "samenwerking_partners", "helpt", 2),
         ("twente", 1, "2024-03-01", 3, "werkgeversbetrokkenheid", "helpt", 3),
         ("twente", 1, "2024-03-01", 4, "capaciteit_uitvoering", "hindert", 2),
         ("twente", 2, "2024-11-01", 1, "financiering_structureel", "hindert", 1),
         ("twente", 2, "2024-11-01", 2, "samenwerking_partners", "helpt", 3),
         ("twente", 2, "2024-11-01", 3, "werkgeversbetrokkenheid", "helpt", 2),
         ("achterhoek", 1, "2025-01-15", 1, "financiering_structureel", "helpt", 3)],  # after the peildatum
        columns=["regio", "ronde", "datum_gesprek", "bevinding", "thema", "richting", "sterkte"]).assign(
        datum_gesprek=lambda f: pd.to_datetime(f["datum_gesprek"]), partners="gemeente, ROC", citaat=None,
        bron_bestand="gesprek.xlsx", bron_blad="Groepsgesprekken", bron_rij=lambda f: f.index + 2))
    return url


def paragraphs(url: str, region: str | None = None) -> tuple[dict[int, str], Ledger]:
    ledger = Ledger(None)
    found = findings.key_findings(ReportData(url, MONTH, region), ledger)
    assert [f.question for f in found] == [1, 2, 3, 4, 5, 6]
    return {f.question: f.text for f in found}, ledger


def test_the_national_findings_give_the_tables_figures_with_their_basis_and_comparison(warehouse):
    text, ledger = paragraphs(warehouse)
    # 25 measured; K5: the 10 in work and the 4 in mbo went up the ladder; nobody's skills changed
    assert text[1].startswith("Van de 25 deelnemers met een eenmeting verbeterden 56% hun sociale inclusie (K5) en "
                              "0% hun basisvaardigheden (D1).")
    assert "Zonder controlegroep" in text[1]
    # D9 = 10 in durable work + 4 in mbo, of 25; the 4 are fewer than the threshold
    assert text[2].startswith("56% van de deelnemers met een eenmeting (14) zette een duurzame stap (D9): 10 hebben "
                              "betaald werk van minstens 12 uur per week (D2) en <10 stroomden in in het "
                              "beroepsonderwijs (D3)")
    # pilot 14 of 20 = 70%; the scale-up region's 0 of 5 rests on 5 participants: "<10" in the text as in a table
    assert "In de pilotregio's is dat 70% (van 20 met een eenmeting), in de opschalingsregio's <10 (van 5)" in text[2]
    # K1 25 of 800; due: Twente 12 months (400 x 12/48 = 100) + Achterhoek 10 months (400 x 10/48 = 83)
    assert text[5].startswith("Op de peildatum zijn 25 deelnemers bereikt (K1), 3% van het target van 800 voor de "
                              "hele looptijd. Naar rato van de tijd dat elke regio loopt, was 183 te verwachten: 14% "
                              "daarvan (0 van de 2 regio's liggen op of voor op schema); deze maand kwamen er geen "
                              "deelnemers bij.")
    assert text[6].startswith("Nog niet te beantwoorden: voor deze peildatum is geen MKBA berekend")
    assert all(entry["n"] is None or entry["n"] >= 10 or entry["shown"] == "<10"
               for entry in ledger.entries["numbers"].values())


def test_questions_3_and_4_come_from_the_coded_group_interviews_held_by_the_peildatum(warehouse):
    text, _ = paragraphs(warehouse)
    # borging: financiering (-3, -1) and samenwerking (+2, +3); balance per round (-3+2)/2 and (-1+3)/2
    assert text[3].startswith("In 2 groepsgesprekken in 1 regio gingen 4 bevindingen over de borging van de route na "
                              "de pilot. Het vaakst helpt: samenwerking en afspraken tussen partners (2 keer). Het "
                              "vaakst hindert: structurele financiering na de pilot (2 keer). In de regio's met twee "
                              "gespreksrondes werd het beeld gunstiger: de balans (gemiddelde sterkte, + helpt, − "
                              "hindert) ging van −0,5 in de eerste naar +1,0 in de tweede ronde.")
    # success and failure factors: werkgevers (+3, +2) and capaciteit (-2): (3-2)/2 = 0,5, then 2
    assert text[4].startswith("In 2 groepsgesprekken in 1 regio gingen 3 bevindingen over succes- en faalfactoren. "
                              "Het vaakst helpt: betrokkenheid van werkgevers (2 keer). Het vaakst hindert: capaciteit "
                              "in de uitvoering (docenten, coaches) (1 keer).")
    assert "van +0,5 in de eerste naar +2,0 in de tweede ronde" in text[4]
    achterhoek, _ = paragraphs(warehouse, "achterhoek")  # its interview lies after the peildatum
    assert achterhoek[3].startswith("Nog niet te beantwoorden: deze vraag rust op de groepsgesprekken")


def test_a_region_with_too_few_eenmetingen_says_why_the_questions_cannot_be_answered_yet(warehouse):
    text, _ = paragraphs(warehouse, "achterhoek")
    for question in (1, 2):
        assert text[question] == ("Nog niet te beantwoorden: van de <10 bereikte deelnemers hebben er <10 een "
                                  "eenmeting (T1), die acht maanden na de start volgt; uitkomsten worden pas "
                                  "gepubliceerd vanaf de onthullingsdrempel.")
    assert "Naar rato van de 10 maanden dat de regio loopt, was 83 te verwachten: <10 daarvan" in text[5]
    assert not re.search(r"\b[1-9]\b(?! maanden)", text[5].split("K2")[0].replace("acht", ""))  # no small count


def test_the_findings_text_keeps_no_suppressed_figure_and_names_no_pilot_in_a_regional_report(warehouse):
    text, ledger = paragraphs(warehouse, "twente")
    assert "pilotregio" not in text[1] and "Naar rato van de 12 maanden dat de regio loopt, was 100 te verwachten: " \
        "20% daarvan" in text[5]
    shown = {entry["shown"] for entry in ledger.entries["numbers"].values() if entry["n"] is not None
             and entry["n"] < 10}
    assert shown <= {"<10"}


def test_the_lessons_compare_the_scale_up_regions_with_the_pilots(warehouse):
    text = per_region.lessons(ReportData(warehouse, MONTH), Ledger(None))
    # reach against what is due: pilots 20 of 100, scale-up 5 of 83 (5 participants: "<10")
    assert text.startswith("De opschalingsregio's bereikten <10 van de deelnemers die naar rato van hun looptijd te "
                           "verwachten waren, de pilotregio's 20%")
    assert ("Volgens de groepsgesprekken in de pilotregio's hielp samenwerking en afspraken tussen partners het vaakst "
            "(2 keer) en hinderde structurele financiering na de pilot het vaakst (2 keer).") in text
    assert "Wat de monitor niet kan zeggen" in text


def test_the_gdp_sentence_projects_the_cohort_to_the_programme_and_sets_it_against_the_frame():
    """The overview of a constructed cohort of 40 (tests.test_scba.kengetal_cohort): EUR 20,800 a year, per
    participant 520 x 8,000 planned = EUR 4,160,000 a year = 0.00038% of EUR 1,100 billion, 19% of the frame's
    0.002%; every figure goes through the ledger."""
    from tests.test_scba import kengetal_cohort

    ledger = Ledger(None)
    text = findings._gdp(kengetal_cohort(), lambda item, shown: ledger.number(f"bevinding.test.6.{item}", shown, 40))
    assert text == ("De extra productiviteit van dit cohort is €\u00a020.800 per jaar, 0,0000019% van het bbp. "
                    "Doorgetrokken naar de geplande instroom van het hele programma (8.000 deelnemers) wordt dat "
                    "4,2 miljoen euro per jaar, 0,00038% van het bbp: 19% van de 0,002% waarmee het evaluatiekader "
                    "voor het hele programma rekent.")
    assert {key.rsplit(".", 1)[1] for key in ledger.entries["numbers"]} == {
        "jaar", "bbp", "instroom", "projectie", "projectie_bbp", "kader_deel", "kader"}
