"""Ingest of one region on hand-built deliveries whose outcome is known by construction."""

from __future__ import annotations

import pandas as pd

from llo.intake.ingest import ingest_region
from tests.conftest import KEY, TODAY, measurement_row, write_csv


def ingest(folder):
    return ingest_region("twente", folder, key=KEY, today=TODAY)


def by_file(result):
    return result.ingest_log.set_index("file")


def assert_rows_accounted(result):
    """Every row read has one outcome; the stored rows are the new ones, the versions the corrected ones."""
    log = result.ingest_log[result.ingest_log["status"] != "duplicate"]
    assert (log["rows_read"] == log["rows_accepted"] + log["rows_quarantined"]).all()
    usable = log[log["status"] != "rejected"]
    assert (usable["rows_read"] == usable[["rows_new", "rows_unchanged", "rows_corrected", "rows_quarantined",
                                           "rows_withdrawn"]].sum(axis=1)).all()
    assert usable["rows_new"].sum() == len(result.measurements) + len(result.trajectory_catalogue)
    assert usable["rows_corrected"].sum() == len(result.measurement_versions) + len(result.catalogue_versions)


def test_clean_region_is_accepted_whole(region_folder):
    result = ingest(region_folder)
    assert len(result.measurements) == 4 and len(result.trajectory_catalogue) == 2
    assert result.quarantine.empty and result.warnings.empty
    assert set(by_file(result)["status"]) == {"accepted"}
    assert by_file(result).loc["catalogus.csv", "kind"] == "trajectory_catalogue"
    assert_rows_accounted(result)


def test_each_rule_quarantines_exactly_its_rows(region_folder):
    rows = [
        measurement_row("B1", leefgebied_financien="7"),                       # out of range
        measurement_row("B2"), measurement_row("B2"),                          # identical: counted once
        measurement_row("B3", "T1", date="2024-09-15"),                        # T1 without T0
        measurement_row("B4", code="XX-9"),                                    # unknown trajectcode
        measurement_row("B5", uren_per_week="12"),                             # hours without work
        measurement_row("B6", meetdatum="2026-06-01"),                         # after the day of ingest
        measurement_row("B7", meetdatum="31-02-2024"),                         # no such date
        measurement_row("B8", taalniveau="4F"),                                # unknown category
        measurement_row("B9"), measurement_row("B9", taalniveau="2F"),         # two versions in one file
    ]
    write_csv(region_folder / "2024-10.csv", rows)
    result = ingest(region_folder)
    q = result.quarantine[result.quarantine["file"] == "2024-10.csv"]
    rules = q.groupby("row_number")["rule"].apply(set).to_dict()
    assert rules == {2: {"less_than_or_equal_to"}, 5: {"t1_na_eerdere_t0"}, 6: {"trajectcode_in_catalogus"},
                     7: {"uren_alleen_bij_werk"}, 8: {"meetdatum_niet_in_toekomst"}, 9: {"formaat_datum"},
                     10: {"isin"}, 11: {"een_versie_per_bestand"}, 12: {"een_versie_per_bestand"}}
    assert "Row 12 of the same file" in q.set_index("row_number").loc[11, "message"]
    line = by_file(result).loc["2024-10.csv"]
    assert (line["rows_read"], line["rows_accepted"], line["rows_quarantined"]) == (11, 2, 9)
    assert (line["rows_new"], line["rows_unchanged"], line["rows_corrected"]) == (1, 1, 0)
    assert line["status"] == "accepted_with_quarantine"
    assert q.set_index("row_number").loc[2, "value"] == "7"
    assert q.set_index("row_number").loc[9, "value"] == "31-02-2024"
    assert "Financiën" in q.set_index("row_number").loc[2, "message"]
    assert_rows_accounted(result)


def test_a_repeated_row_breaks_the_rules_its_first_copy_breaks(region_folder):
    """The rules about single rows run once per distinct row (llo.intake.validate): each repeat in a later file is
    quarantined with the same rules, values and messages, and a repeat whose text differs but reads the same (a
    date written otherwise) counts as the same row."""
    rows = [measurement_row("B1", leefgebied_financien="7"), measurement_row("B2"),
            measurement_row("B4", code="XX-9"), measurement_row("B7", meetdatum="31-02-2024"),
            measurement_row("B8", taalniveau="4F")]
    write_csv(region_folder / "2024-10.csv", rows)
    write_csv(region_folder / "2024-11.csv", [*rows[:3], measurement_row("B7", meetdatum="30-02-2024"), rows[4],
                                              measurement_row("B1", leefgebied_financien="7", date="15-01-2024")])
    result = ingest(region_folder)
    q = result.quarantine.set_index(["file", "row_number"])[["rule", "value", "message"]]
    first, again = q.loc["2024-10.csv"], q.loc["2024-11.csv"]
    expected = {2: "less_than_or_equal_to", 4: "trajectcode_in_catalogus", 5: "formaat_datum", 6: "isin"}
    assert first["rule"].to_dict() == expected
    assert again["rule"].to_dict() == {**expected, 7: "less_than_or_equal_to"}
    pd.testing.assert_frame_equal(again.drop(index=[5, 7]), first.drop(index=5))
    assert again.loc[5, "value"] == "30-02-2024" and again.loc[7, "value"] == "7"
    line = by_file(result).loc["2024-11.csv"]
    assert (line["rows_unchanged"], line["rows_quarantined"]) == (1, 5)
    assert_rows_accounted(result)


def test_a_t1_loses_its_t0_when_that_t0_is_refused(region_folder):
    write_csv(region_folder / "2024-02.csv", [measurement_row("C1", participatieladder="9")])
    write_csv(region_folder / "2024-10.csv", [measurement_row("C1", "T1", date="2024-10-01")])
    q = ingest(region_folder).quarantine
    assert list(q.sort_values("file")["rule"]) == ["less_than_or_equal_to", "t1_na_eerdere_t0"]


def test_first_valid_row_wins_a_duplicate(region_folder):
    write_csv(region_folder / "2024-02.csv", [measurement_row("D1", digitale_vaardigheden="0"),
                                              measurement_row("D1", digitale_vaardigheden="4")])
    result = ingest(region_folder)
    q = result.quarantine[result.quarantine["file"] == "2024-02.csv"]
    assert list(q["rule"]) == ["greater_than_or_equal_to"]  # the invalid first row; the valid one is kept
    assert (result.measurements["digitale_vaardigheden"] == 4).sum() == 1


def test_t1_outside_window_is_a_warning_not_a_rejection(region_folder):
    write_csv(region_folder / "2025-03.csv", [measurement_row("E1", date="2024-01-10", start="2024-01-10"),
                                              measurement_row("E1", "T1", date="2025-03-10", start="2024-01-10")])
    result = ingest(region_folder)
    assert result.quarantine.empty
    assert list(result.warnings["rule"]) == ["t1_tussen_6_en_12_maanden_na_start"]
    assert by_file(result).loc["2025-03.csv", "rows_with_warnings"] == 1
    assert len(result.measurements) == 6


def test_dutch_spreadsheet_habits_are_read(region_folder):
    titles = ["  deelnemer id", "REGIO", "meetmoment", "Meetdatum", "Startdatum trajekt", "Trajectcode",
              "geboorte jaar", "Doelgroep", "Taalniveau", "Rekenniveau", "Digitale vaardigheden", "Financiën",
              "Huisvesting", "Gezondheid", "Sociaal netwerk", "Maatschappelijke participatie", "Dagbesteding",
              "Partcipatieladder", "Arbeidssituatie", "Uren per week", "Uitkering", "Bruto uurloon", "Opleiding",
              "Bewijs met civiel effect", "Startkwalificatie", "Match met werkgever"]
    row = measurement_row("F1", "nulmeting", date="15-01-2024", start="15-1-2024", taalniveau="onder 1f",
                          uitkering="Participatiewet", bewijs_civiel_effect="Nee", arbeidssituatie="Betaald werk",
                          uren_per_week="12,5", bruto_uurloon="14,25", regio="twente")
    write_csv(region_folder / "dutch.csv", [row], titles=titles, sep=";", encoding="cp1252")
    result = ingest(region_folder)
    line = by_file(result).loc["dutch.csv"]
    assert (line["encoding"], line["separator"], line["decimal_mark"]) == ("cp1252", ";", ",")
    assert "'Partcipatieladder' read as participatieladder" in line["corrected_headers"]
    got = result.measurements.set_index("bron_bestand").loc["dutch.csv"]
    assert (got["meetmoment"], got["taalniveau"], got["uitkering"]) == ("T0", "onder 1F", "bijstand")
    assert (got["uren_per_week"], got["bruto_uurloon"], got["bewijs_civiel_effect"]) == (12.5, 14.25, False)
    assert got["startdatum_traject"] == pd.Timestamp("2024-01-15") and got["regio"] == "twente"


def test_xlsx_with_title_row_and_excel_dates(region_folder):
    import datetime as dt

    import openpyxl

    from tests.conftest import MEASUREMENT_TITLES

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Metingen Twente januari 2024"])
    sheet.append([])
    sheet.append(MEASUREMENT_TITLES)
    row = measurement_row("G1")
    values = [row[n] for n in row]
    values[3] = dt.datetime(2024, 1, 15)  # meetdatum as a real Excel date
    values[10] = 3                        # a number cell
    sheet.append(values)
    book.save(region_folder / "metingen.xlsx")
    result = ingest(region_folder)
    line = by_file(result).loc["metingen.xlsx"]
    assert (line["status"], line["header_row"], line["rows_accepted"]) == ("accepted", 3, 1)
    got = result.measurements.set_index("bron_bestand").loc["metingen.xlsx"]
    assert got["meetdatum"] == pd.Timestamp("2024-01-15") and got["bron_rij"] == 4


def test_identical_redelivery_is_not_counted_twice(region_folder):
    (region_folder / "2024-01 (kopie).csv").write_bytes((region_folder / "2024-01.csv").read_bytes())
    result = ingest(region_folder)
    assert len(result.measurements) == 4 and result.quarantine.empty
    statuses = by_file(result)["status"]
    assert statuses["2024-01 (kopie).csv"] == "accepted"  # files are taken in name order: the copy sorts first
    assert statuses["2024-01.csv"] == "duplicate" and statuses["2024-09.csv"] == "accepted"


def test_unusable_files_are_rejected_whole_with_a_reason(region_folder):
    (region_folder / "leeg.csv").write_bytes(b"")
    (region_folder / "pagina.csv").write_text("<html><body>Not found</body></html>")
    (region_folder / "oud.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (region_folder / "kapot.xlsx").write_bytes(b"PK\x03\x04 truncated")
    write_csv(region_folder / "rijnmond.csv", [measurement_row("H1", region="Rijnmond")])
    write_csv(region_folder / "half.csv", [{k: v for k, v in measurement_row("H2").items() if k != "taalniveau"}],
              titles=[t for t in __import__("tests.conftest").conftest.MEASUREMENT_TITLES if t != "Taalniveau"])
    result = ingest(region_folder)
    reasons = by_file(result)["reason"]
    assert "empty" in reasons["leeg.csv"]
    assert "web page" in reasons["pagina.csv"]
    assert ".xls" in reasons["oud.xls"]
    assert "cannot be opened" in reasons["kapot.xlsx"]
    assert "another or unknown region ('Rijnmond')" in reasons["rijnmond.csv"]
    assert "required columns missing" in reasons["half.csv"] and "taalniveau" in reasons["half.csv"]
    assert len(result.measurements) == 4  # the good files still go through
    assert_rows_accounted(result)


def test_a_t1_needs_an_earlier_t0_of_the_same_participant_in_the_same_region():
    """The set rule on a frame whose answers are known: only a T1 after its participant's first T0 passes."""
    from checks.contract import Measurement

    rows = [("twente", "A", "T0", "2024-01-10"), ("twente", "A", "T1", "2024-09-10"),  # after: passes
            ("twente", "B", "T0", "2024-01-10"), ("twente", "B", "T1", "2024-01-10"),  # the same day: fails
            ("twente", "C", "T0", "2024-05-10"), ("twente", "C", "T1", "2024-03-10"),  # before: fails
            ("twente", "D", "T1", "2024-09-10"),  # no T0: fails
            ("zeeland", "A", "T1", "2024-09-10"),  # A's T0 is Twente's: fails
            ("twente", "E", "T0", "2024-06-10"), ("twente", "E", "T0", "2024-01-10"),
            ("twente", "E", "T1", "2024-03-10"),  # after E's first T0, before its second: passes
            ("twente", "G", "T1", "2024-03-10"), ("twente", "G", "T1", "2024-09-10"),  # two T1s, no T0: both fail
            ("twente", None, "T1", "2024-09-10")]  # no participant: fails
    frame = pd.DataFrame(rows, columns=["regio", "deelnemer_id", "meetmoment", "meetdatum"]).assign(
        meetdatum=lambda f: pd.to_datetime(f["meetdatum"]))
    assert Measurement.t1_after_t0(frame).tolist() == [True, True, True, False, True, False, False, False, True,
                                                       True, True, False, False, False]
