"""Coded group interviews (research questions 3 and 4) through the same door as measurements: hand-built coding
files whose outcome is known by construction."""

from __future__ import annotations

import os
import re

import pandas as pd

from checks.contract import INTERVIEW_THEMES, MODELS, PARTNERS, THEME_GROUPS, interview_schema
from llo import warehouse as wh
from llo.intake.ingest import ingest_region, store_region
from llo.intake.validate import failure_records
from tests.conftest import KEY, TODAY, interview_row, write_csv


def ingest(folder):
    return ingest_region("twente", folder, key=KEY, today=TODAY)


def arrive(path, when: int):
    """Give a delivered file its arrival time (the order of arrival decides, not the name)."""
    os.utime(path, (when, when))
    return path


def test_code_list_is_documented_and_serves_questions_3_and_4():
    assert {group for _, group in INTERVIEW_THEMES.values()} == set(THEME_GROUPS)
    assert {question for question, _ in THEME_GROUPS.values()} == {3, 4}
    assert {"financiering_structureel", "regie_governance", "inbedding_regulier_aanbod", "samenwerking_partners",
            "wachttijden", "regelgeving_uitkering", "begeleiding_coach"} <= set(INTERVIEW_THEMES)
    categories = MODELS["interview_codings"].to_schema().columns["thema"].metadata["categories"]
    assert list(categories) == list(INTERVIEW_THEMES)


def test_a_coding_file_gives_exactly_its_findings(tmp_path):
    folder = tmp_path / "landing" / "twente"
    write_csv(folder / "gesprek ronde 1.csv", [
        interview_row(1, "financiering_structureel", "hindert", "3", partners="UWV; werkgevers; ROC; gemeenten",
                      quote="Na de pilot weet [organisatie] niet wie betaalt"),
        interview_row(2, "Betrokkenheid van werkgevers", "helpend", "2",  # the label is read as its code
                      partners="UWV; werkgevers; ROC; gemeenten"),
        interview_row(3, "wachttijden", "negatief", "1", partners="UWV; werkgevers; ROC; gemeenten")])
    result = ingest(folder)
    got = result.interview_codings
    assert got[["ronde", "bevinding", "thema", "richting", "sterkte"]].values.tolist() == [
        [1, 1, "financiering_structureel", "hindert", 3], [1, 2, "werkgeversbetrokkenheid", "helpt", 2],
        [1, 3, "wachttijden", "hindert", 1]]
    assert set(got["partners"]) == {"gemeente, ROC, UWV, werkgevers"}  # the fixed order of the contract
    assert list(PARTNERS)[:4] == ["gemeente", "ROC", "UWV", "werkgevers"]
    assert got["datum_gesprek"].tolist() == [pd.Timestamp("2024-03-15")] * 3
    assert got["citaat"].tolist() == ["Na de pilot weet [organisatie] niet wie betaalt", None, None]
    assert got["bron_rij"].tolist() == [2, 3, 4]
    assert result.measurements.empty and result.quarantine.empty
    line = result.ingest_log.iloc[0]
    assert (line["kind"], line["rows_read"], line["rows_new"], line["rows_quarantined"]) == (
        "interview_codings", 3, 3, 0)


def test_bad_values_are_quarantined_with_file_row_column_rule_and_value(tmp_path):
    folder = tmp_path / "landing" / "twente"
    write_csv(folder / "ronde1.csv", [
        interview_row(1), interview_row(2, theme="sfeer"), interview_row(3, strength="5"),
        interview_row(4, direction="neutraal"), interview_row(5, partners="ROC; kerk"),
        interview_row(6, date="2024-03-16"), interview_row(7, date="2027-01-01"),
        interview_row(8), interview_row(8, strength="3")])
    result = ingest(folder)
    q = result.quarantine.set_index("row_number")
    assert set(q["file"]) == {"ronde1.csv"}
    found = {row: (q.loc[[row], "column_name"].iloc[0], q.loc[[row], "rule"].iloc[0], q.loc[[row], "value"].iloc[0])
             for row in q.index.unique()}
    assert found == {
        3: ("thema", "isin", "sfeer"),
        4: ("sterkte", "less_than_or_equal_to", "5"),
        5: ("richting", "isin", "neutraal"),
        6: ("partners", "partners_uit_lijst", "ROC; kerk"),
        7: ("ronde, datum_gesprek, partners", "een_gesprek_per_ronde",
            "ronde=1; datum_gesprek=2024-03-16; partners=gemeente, ROC, UWV"),
        8: ("datum_gesprek", "datum_gesprek_niet_in_toekomst", "2027-01-01"),
        9: ("ronde, bevinding", "een_versie_per_bestand", "ronde=1; bevinding=8"),
        10: ("ronde, bevinding", "een_versie_per_bestand", "ronde=1; bevinding=8")}
    assert result.interview_codings["bevinding"].tolist() == [1]
    line = result.ingest_log.iloc[0]
    assert (line["rows_read"], line["rows_new"], line["rows_quarantined"]) == (9, 1, 8)


def test_a_corrected_resend_replaces_a_finding_and_keeps_the_old_version(tmp_path):
    folder = tmp_path / "landing" / "twente"
    first = [interview_row(1, "financiering_structureel", "hindert", "3"), interview_row(2)]
    arrive(write_csv(folder / "ronde 1.csv", first), 1_700_000_000)
    # cumulative re-send with finding 1 corrected (strength 3 -> 2), a week later, whatever its name
    arrive(write_csv(folder / "CORRECTIE.csv", [interview_row(1, "financiering_structureel", "hindert", "2"),
                                                interview_row(2)]), 1_700_600_000)
    result = ingest(folder)
    assert result.interview_codings.set_index("bevinding")["sterkte"].to_dict() == {1: 2, 2: 2}
    assert result.interview_codings.set_index("bevinding").loc[1, "bron_bestand"] == "CORRECTIE.csv"
    old = result.interview_versions
    assert old[["bevinding", "sterkte", "bron_bestand", "superseded_by_file", "changed_fields"]].values.tolist() == [
        [1, 3, "ronde 1.csv", "CORRECTIE.csv", "sterkte"]]
    log = result.ingest_log.set_index("file")
    assert log.loc["CORRECTIE.csv", ["rows_read", "rows_new", "rows_unchanged", "rows_corrected"]].tolist() == [
        2, 0, 1, 1]
    assert result.quarantine.empty


def test_stored_per_region_with_versions_and_read_back_against_the_contract(tmp_path):
    folder = tmp_path / "landing" / "twente"
    arrive(write_csv(folder / "r1.csv", [interview_row(1), interview_row(2, "wachttijden", "hindert")]), 1_700_000_000)
    arrive(write_csv(folder / "r1b.csv", [interview_row(2, "wachttijden", "hindert", "3")]), 1_700_600_000)
    engine = wh.engine_for(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    store_region(engine, ingest(folder))
    stored = wh.read_typed(engine, wh.INTERVIEW_CODINGS, "twente")
    assert stored[["regio", "ronde", "bevinding", "thema", "sterkte"]].values.tolist() == [
        ["twente", 1, 1, "begeleiding_coach", 2], ["twente", 1, 2, "wachttijden", 3]]
    assert len(wh.read_table(engine, wh.INTERVIEW_VERSIONS, "twente")) == 1
    assert failure_records(stored.drop(columns=["bron_bestand", "bron_blad", "bron_rij"]),
                           interview_schema(TODAY)).empty


def test_a_quote_naming_a_person_refuses_the_whole_file_and_stores_nothing(tmp_path):
    folder = tmp_path / "landing" / "twente"
    write_csv(folder / "goed.csv", [interview_row(1)])
    write_csv(folder / "fout.csv", [interview_row(1, round_="2", date="2025-06-01"),
                                    interview_row(2, round_="2", date="2025-06-01",
                                                  quote="Mw. Hendriksen belt elke deelnemer zelf")])
    result = ingest(folder)
    log = result.ingest_log.set_index("file")
    assert log.loc["fout.csv", "status"] == "rejected"
    assert "name a person" in log.loc["fout.csv", "reason"] and "Hendriksen" not in log.loc["fout.csv", "reason"]
    assert result.interview_codings["ronde"].tolist() == [1]  # nothing of round 2
    assert not result.quarantine.astype(str).apply(lambda c: c.str.contains("Hendriksen")).any().any()


def test_interview_rounds_warns_when_a_round_is_overdue():
    from checks.ingest_checks import interview_rounds

    def measured(first: str, latest: str) -> pd.DataFrame:
        return pd.DataFrame({"meetdatum": pd.to_datetime([first, latest])})

    def coded(*rounds: int) -> pd.DataFrame:
        return pd.DataFrame({"ronde": list(rounds), "bevinding": range(1, len(rounds) + 1),
                             "datum_gesprek": pd.to_datetime(["2024-03-15"] * len(rounds))})

    none = coded()
    young = interview_rounds(none, measured("2025-04-01", "2025-09-15"))  # 5.5 months: nothing due yet
    assert young.passed and young.metadata["rounds_due"].data == []
    overdue = interview_rounds(none, measured("2025-04-01", "2025-10-01"))  # 6 months: round 1 due
    assert not overdue.passed and overdue.severity.value == "WARN" and "round(s) 1 not coded" in overdue.description
    first_only = interview_rounds(coded(1, 1, 1), measured("2023-01-01", "2025-07-01"))  # 30 months: round 2 due
    assert not first_only.passed and first_only.metadata["rounds_due"].data == [1, 2]
    assert first_only.metadata["findings_per_round"].data == {"1": 3}
    both = interview_rounds(coded(1, 1, 2), measured("2023-01-01", "2025-12-31"))
    assert both.passed and both.metadata["rounds_present"].data == [1, 2]
    assert interview_rounds(none, pd.DataFrame({"meetdatum": pd.Series(dtype="M8[ns]")})).passed  # not started


def report_data(codings: pd.DataFrame, region: str | None = None):
    """What the chapter reads of a ReportData: the codings on the peildatum and the regions' KPI rows."""
    from types import SimpleNamespace

    kpi = pd.DataFrame({"region": ["twente", "twente", "achterhoek", "achterhoek"], "kpi": ["K1", "K3", "K1", "K3"],
                        "value": [120, 40, 30, 4], "n_basis": [120, 80, 30, 12]})
    if region:
        codings = codings[codings["regio"] == region]
    return SimpleNamespace(region=region, name="Twente" if region else "Nederland", kpi_regions=kpi,
                           interview_codings=codings.reset_index(drop=True))


def coded_findings() -> pd.DataFrame:
    rows = [("twente", 1, "2023-07-10", 1, "financiering_structureel", "hindert", 3, "Wie betaalt na [naam]?"),
            ("twente", 1, "2023-07-10", 2, "begeleiding_coach", "helpt", 3, None),
            ("twente", 1, "2023-07-10", 3, "wachttijden", "hindert", 2, None),
            ("twente", 2, "2025-07-10", 1, "financiering_structureel", "hindert", 1, None),
            ("twente", 2, "2025-07-10", 2, "begeleiding_coach", "helpt", 3, "Zonder coach | geen route"),
            ("twente", 2, "2025-07-10", 3, "inbedding_regulier_aanbod", "helpt", 2, None),
            ("achterhoek", 1, "2025-10-07", 1, "financiering_structureel", "hindert", 2, None)]
    frame = pd.DataFrame(rows, columns=["regio", "ronde", "datum_gesprek", "bevinding", "thema", "richting", "sterkte",
                                        "citaat"])
    return frame.assign(datum_gesprek=pd.to_datetime(frame["datum_gesprek"]),
                        ronde=frame["ronde"].astype("Int64"), sterkte=frame["sterkte"].astype("Int64"))


def pipe_rows(markdown: str) -> list[list[str]]:
    lines = [line for line in markdown.strip().splitlines()]
    assert lines[1].startswith("|---")
    return [[re.sub(r"\\(.)", r"\1", cell.strip()) for cell in line.strip().strip("|").split(" | ")]
            for line in [lines[0], *lines[2:]]]  # cells as shown: pandoc's escapes undone


def test_the_chapter_tables_have_known_answers():
    from llo.reporting import interviews
    from llo.reporting.publish import Ledger

    ledger = Ledger(None)
    national = report_data(coded_findings())
    themes = pipe_rows(interviews.themes_table(national, ledger, "tbl-t"))
    assert themes[0] == ["Thema", "Groep", "Deelvraag", "Bevindingen", "Helpt", "Hindert", "Gem. sterkte", "Balans",
                         "Regio's"]
    assert themes[1] == ["Structurele financiering na de pilot", "borging", "3", "3", "0", "3", "2,0", "-2,0", "2"]
    assert themes[2] == ["Persoonlijke begeleiding (coach, jobcoach)", "succesfactor", "4", "2", "2", "0", "3,0",
                         "+3,0", "1"]
    assert ledger.entries["tables"]["tbl-t"]["n"][0] == [None] * 9  # no participant figures: never suppressed
    rounds = {row[0]: row[1:] for row in pipe_rows(interviews.rounds_table(national, ledger, "tbl-r"))[1:]}
    assert rounds["Structurele financiering na de pilot"] == ["1", "-3,0", "1", "-1,0", "meer helpend (+2,0)"]
    assert rounds["Persoonlijke begeleiding (coach, jobcoach)"][-1] == "gelijk"
    assert rounds["Wachttijden en vaste instroommomenten"][-1] == "niet meer genoemd"
    assert rounds["Inbedding in het reguliere aanbod"][-1] == "nieuw in ronde 2"
    quotes = pipe_rows(interviews.quotes_table(national, ledger, "tbl-c"))
    assert [q[:4] for q in quotes[1:]] == [["Persoonlijke begeleiding (coach, jobcoach)", "Twente", "2", "helpt"],
                                           ["Structurele financiering na de pilot", "Twente", "1", "hindert"]]
    assert quotes[1][4] == "“Zonder coach | geen route”"  # escaped: a quote cannot break the pipe table
    regions = {row[0]: row for row in pipe_rows(interviews.regions_table(national, ledger, "tbl-g"))[1:]}
    assert regions["Twente"][1:] == ["1, 2", "6", "3", "3", "persoonlijke begeleiding (coach, jobcoach)",
                                     "structurele financiering na de pilot", "120", "40"]
    assert regions["Achterhoek"][-2:] == ["30", "<10"]  # K3 of 4 participants: the quantitative side is suppressed
    text = interviews.summary(national, ledger)
    assert text.startswith("In 2 regio's zijn samen 3 groepsgesprekken gecodeerd, met 7 bevindingen.")
    assert "Het vaakst als belemmerend genoemd: structurele financiering na de pilot (3 keer" in text


def test_a_region_without_coded_interviews_says_so():
    from llo.reporting import interviews
    from llo.reporting.publish import Ledger

    ledger, empty = Ledger(None), report_data(coded_findings().iloc[:0], "twente")
    assert "nog geen gecodeerde groepsgesprekken" in interviews.summary(empty, ledger)
    for table in (interviews.themes_table, interviews.quotes_table):
        assert "nog geen gecodeerde groepsgesprekken" in table(empty, ledger, "tbl-x")
    first_round_only = report_data(coded_findings()[lambda f: f["ronde"] == 1], "twente")
    assert "nog geen regio met twee gecodeerde gespreksrondes" in interviews.rounds_table(first_round_only, ledger, "r")
    twente = report_data(coded_findings(), "twente")
    assert interviews.summary(twente, ledger).startswith(
        "In Twente zijn 2 groepsgesprekken gecodeerd (ronde 1 op 10 juli 2023 en ronde 2 op 10 juli 2025), met 6 "
        "bevindingen.")
    national = report_data(coded_findings()[lambda f: f["regio"] == "twente"])
    assert "Nog geen gecodeerde groepsgesprekken: Achterhoek." in interviews.summary(national, ledger)


def test_a_new_interview_changes_the_reports_from_its_month_on(tmp_path):
    """The revision sensor re-renders published reports from the first changed month: for an interview finding the
    month of its interview."""
    from llo.intake.ingest import first_changed_month

    folder = tmp_path / "landing" / "twente"
    engine = wh.engine_for(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    arrive(write_csv(folder / "r1.csv", [interview_row(1)]), 1_700_000_000)

    def run():
        stored = {t.name: wh.read_typed(engine, t, "twente")
                  for t in (wh.MEASUREMENTS, wh.TRAJECTORY_CATALOGUE, wh.INTERVIEW_CODINGS)}
        result = ingest(folder)
        store_region(engine, result, stored)
        return first_changed_month(stored, result)

    assert run() == "2024-03-01"
    assert run() is None  # the same delivery again changes nothing
    arrive(write_csv(folder / "r2.csv", [interview_row(1, round_="2", date="2025-06-20")]), 1_760_000_000)
    assert run() == "2025-06-01"
