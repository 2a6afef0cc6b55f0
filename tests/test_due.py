"""What is late (llo/monitor/due.py, checks/due_checks.py, the feedback export): a late region and due eenmetingen
built by hand, with the days, statuses and counts known by construction."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pandas as pd
import pytest

from checks import due_checks
from checks.outputs import TRAJECTORIES
from llo import settings
from llo import warehouse as wh
from llo.intake.ingest import ingest_region, store_region
from llo.monitor import due
from llo.monitor import trajectories as tr
from llo.reporting import deliveries, export
from pipelines.resources import Warehouse
from tests.conftest import KEY, TODAY, catalogue_rows, measurement_row, write_csv

CLOCK = pd.Timestamp("2025-12-31")


def log(*lines: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"region": r, "kind": k, "received_at": pd.Timestamp(t)} for r, k, t in lines])


def test_regions_late_by_the_window_and_twice_the_window():
    ingest_log = log(("twente", "measurements", "2025-12-31 09:00"), ("twente", "measurements", "2025-11-05"),
                     ("rijnmond", "trajectory_catalogue", "2025-10-01"), ("rijnmond", "measurements", "2025-11-05"),
                     ("midden-limburg", "measurements", "2025-09-05"),
                     ("achterhoek", "interview_codings", "2025-12-20"))  # the researchers' file: not a delivery
    assert due.clock(ingest_log) == CLOCK
    late = due.overdue_deliveries(ingest_log, 45)
    assert late.to_dict("list") == {
        "region": ["midden-limburg", "rijnmond", "twente"],
        "last_delivery": [pd.Timestamp("2025-09-05"), pd.Timestamp("2025-11-05"), CLOCK],
        "days_since": [117, 56, 0], "window_days": [45, 45, 45], "status": [due.LONG_OVERDUE, due.OVERDUE, due.ON_TIME]}
    # A wider window: only midden-limburg is late, and no longer past twice the window.
    assert due.overdue_deliveries(ingest_log, 60)["status"].tolist() == [due.OVERDUE, due.ON_TIME, due.ON_TIME]
    result = due_checks.delivery_result(ingest_log, 45)
    assert (result.passed, result.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert result.metadata["by_region"].data == {"midden-limburg": "ERROR", "rijnmond": "WARN", "twente": "ok"}
    assert result.metadata["last_delivery_by_region"].data["rijnmond"] == "2025-11-05"
    assert (result.metadata["window_days"].value, result.metadata["regions_overdue"].value,
            result.metadata["regions_long_overdue"].value) == (45, 1, 1)
    only_warn = due_checks.delivery_result(ingest_log[ingest_log["region"] != "midden-limburg"], 45)
    assert (only_warn.passed, only_warn.severity) == (False, dg.AssetCheckSeverity.WARN)
    on_time = due_checks.delivery_result(ingest_log[ingest_log["region"] == "twente"], 45)
    assert on_time.passed and on_time.metadata["regions_overdue"].value == 0


def test_the_window_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("LLO_DELIVERY_WINDOW_DAYS", raising=False)
    assert settings.delivery_window_days() == 45
    monkeypatch.setenv("LLO_DELIVERY_WINDOW_DAYS", "30")
    assert settings.delivery_window_days() == 30
    monkeypatch.setenv("LLO_DELIVERY_WINDOW_DAYS", "een maand")
    with pytest.raises(settings.ConfigurationError, match="LLO_DELIVERY_WINDOW_DAYS"):
        settings.delivery_window_days()


def measurement(region: str, pid: str, moment: str, start: str, file: str, row: int) -> dict:
    return {"regio": region, "deelnemer_id": pid, "meetmoment": moment, "startdatum_traject": pd.Timestamp(start),
            "bron_bestand": file, "bron_blad": None, "bron_rij": row}


def test_eenmetingen_due_and_past_their_window():
    rows = pd.DataFrame([
        measurement("twente", "p1", "T0", "2025-03-03", "2025-03.csv", 2),  # T1 planned 2025-11-03: te doen
        measurement("twente", "p2", "T0", "2024-11-12", "2024-11.csv", 3),  # window ended 2025-11-12: verlopen
        measurement("twente", "p3", "T0", "2024-11-04", "2024-11.csv", 2),  # has its T1: not listed
        measurement("twente", "p3", "T1", "2024-11-04", "2025-07.csv", 2),
        measurement("twente", "p4", "T0", "2025-05-01", "2025-05.csv", 2),  # planned 2026-01-01: not yet due
        measurement("twente", "p5", "T0", "2025-04-30", "2025-05.csv", 3),  # planned 2025-12-30: due
        measurement("twente", "p6", "T0", "2024-12-31", "2024-12.csv", 2),  # window ends today: still te doen
        measurement("rijnmond", "p1", "T0", "2025-10-01", "2025-10.csv", 2)])  # same pseudonym, other region
    listed = due.t1_due(rows, CLOCK)
    assert listed[["region", "bron_bestand", "bron_rij", "status"]].values.tolist() == [
        ["twente", "2024-11.csv", 3, due.PAST_WINDOW], ["twente", "2024-12.csv", 2, due.DUE],
        ["twente", "2025-03.csv", 2, due.DUE], ["twente", "2025-05.csv", 3, due.DUE]]
    assert "deelnemer_id" not in listed
    counts = due.t1_due_counts(due.per_file(listed), ["rijnmond", "twente"])
    assert counts.values.tolist() == [["rijnmond", 0, 0, 0], ["twente", 3, 1, 4]]
    result = due_checks.t1_due_result(log(("twente", "measurements", "2025-12-31")),
                                      lambda day: due.per_file(due.t1_due(rows, day)))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert (result.metadata["t1_due"].value, result.metadata["t1_past_window"].value) == (3, 1)
    assert result.metadata["due_by_region"].data == {"twente": {"due": 3, "past_window": 1}}
    assert all("p1" not in str(value.value) for value in result.metadata.values())  # no pseudonym in the UI


def arrived(path: Path, day: str) -> Path:
    stamp = pd.Timestamp(day).tz_localize("UTC").timestamp()
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture(scope="module")
def late_warehouse(tmp_path_factory) -> str:
    """Three regions ingested from hand-made deliveries: Twente delivered on the clock's day (2025-12-31), Rijnmond
    last on 2025-11-05 (56 days: late), Midden-Limburg last on 2025-09-05 (117 days: more than twice 45)."""
    home = tmp_path_factory.mktemp("late")
    landing = home / "landing"
    twente, rijnmond, limburg = landing / "twente", landing / "rijnmond", landing / "midden-limburg"
    arrived(write_csv(twente / "catalogus.csv", catalogue_rows("TW-1")), "2024-11-01")
    arrived(write_csv(twente / "2024-11.csv", [measurement_row("B1", date="2024-11-04", start="2024-11-04"),
                                               measurement_row("B2", date="2024-11-12", start="2024-11-12")]),
            "2024-12-05")
    arrived(write_csv(twente / "2025-03.csv", [measurement_row("A1", date="2025-03-03", start="2025-03-03")]),
            "2025-04-05")
    arrived(write_csv(twente / "2025-12.csv", [measurement_row("B1", "T1", date="2025-07-10", start="2024-11-04"),
                                               measurement_row("C1", date="2025-12-01", start="2025-12-01")]),
            "2025-12-31")
    arrived(write_csv(rijnmond / "catalogus.csv", catalogue_rows("RM-1")), "2025-10-01")
    arrived(write_csv(rijnmond / "2025-10.csv", [measurement_row("R1", region="Rijnmond", code="RM-1",
                                                                 date="2025-10-01", start="2025-10-01")]), "2025-11-05")
    arrived(write_csv(limburg / "catalogus.csv", catalogue_rows("ML-1")), "2025-04-01")
    arrived(write_csv(limburg / "2025-04.csv", [measurement_row("M1", region="Midden-Limburg", code="ML-1",
                                                                date="2025-04-01", start="2025-04-01")]), "2025-09-05")
    url = f"sqlite:///{home / 'warehouse.sqlite'}"
    engine = wh.engine_for(url)
    for folder in (twente, rijnmond, limburg):
        store_region(engine, ingest_region(folder.name, folder, key=KEY, today=TODAY))
        stored = wh.read_typed(engine, wh.MEASUREMENTS, folder.name)  # the trajectories as the pipeline stores them
        trajectories = tr.derive(stored, wh.read_typed(engine, wh.TRAJECTORY_CATALOGUE, folder.name))
        wh.replace_rows(engine, {wh.TRAJECTORIES: TRAJECTORIES.validate(tr.as_of(
            trajectories, stored["meetdatum"].max()))}, "regio", [folder.name])
    yield url
    engine.dispose()


def test_the_checks_on_a_late_region_and_due_eenmetingen(late_warehouse, monkeypatch):
    monkeypatch.delenv("LLO_DELIVERY_WINDOW_DAYS", raising=False)
    resource = Warehouse(url=late_warehouse)
    late = due_checks.delivery_overdue(warehouse=resource)
    assert late.metadata["clock"].value == "2025-12-31"
    assert late.metadata["by_region"].data == {"midden-limburg": "ERROR", "rijnmond": "WARN", "twente": "ok"}
    assert late.severity == dg.AssetCheckSeverity.ERROR and not late.passed
    t1 = due_checks.t1_due(warehouse=resource)
    # Twente: A1 due (planned 2025-11-03), B2 past its window (2025-11-12); Midden-Limburg: M1 due (2025-12-01).
    assert t1.metadata["due_by_region"].data == {"midden-limburg": {"due": 1, "past_window": 0},
                                                 "rijnmond": {"due": 0, "past_window": 0},
                                                 "twente": {"due": 1, "past_window": 1}}


def test_the_open_nulmetingen_the_database_selects_give_the_same_list_on_every_day(tmp_path):
    """`open_nulmetingen` leaves out, in SQL, the T0s with a T1 and those started less than seven months before the
    day; `t1_due` of what it selects is `t1_due` of every measurement, on each day of fifteen months, with starts on
    the last days of months (eight months later is a shorter month: the due day is its last day). The check's counts
    per file from the database's counts per start (`open_counts`, `due_per_file`) are those of the list."""
    starts = ["2024-06-30", "2024-07-31", "2024-08-29", "2024-08-31", "2024-10-31", "2024-12-31", "2025-01-31",
              "2025-02-28", "2025-03-15"]
    rows = [measurement_row(f"P{n}", date=start, start=start) for n, start in enumerate(starts)]
    rows += [measurement_row("P1", "T1", date="2025-04-30", start=starts[1]),  # P1 and P5 have their T1
             measurement_row("P5", "T1", date="2025-08-29", start=starts[5])]
    folder = tmp_path / "twente"
    write_csv(folder / "catalogus.csv", catalogue_rows("TW-1"))
    write_csv(folder / "metingen.csv", rows)
    engine = wh.engine_for(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    store_region(engine, ingest_region("twente", folder, key=KEY, today=TODAY))
    stored = wh.read_table(engine, wh.MEASUREMENTS, columns=due.T1_DUE_READS)
    assert len(stored) == len(rows)
    listed = 0
    for day in pd.date_range("2025-01-01", "2026-03-31"):
        selected = due.open_nulmetingen(engine, day)
        assert set(selected["meetmoment"]) <= {"T0"} and len(selected) <= len(starts) - 2
        expected = due.t1_due(stored, day)
        # (an empty selection reads as columns of no type: the same empty list)
        pd.testing.assert_frame_equal(due.t1_due(selected, day), expected, check_dtype=len(expected) > 0,
                                      check_index_type=len(expected) > 0)
        counted = due.due_per_file(due.open_counts(engine, day), day)
        pd.testing.assert_frame_equal(counted, due.per_file(expected), check_dtype=len(expected) > 0,
                                      check_index_type=len(expected) > 0)
        listed += len(expected)
    assert listed > 1000  # the days compared list participants, due and past their window
    assert due.t1_due(due.open_nulmetingen(engine, pd.Timestamp("2025-02-28")), pd.Timestamp("2025-02-28"))[
        "startdatum_traject"].dt.strftime("%Y-%m-%d").tolist() == ["2024-06-30"]  # planned 2025-02-28, a month-end
    engine.dispose()


@pytest.mark.parametrize(("day", "expected"), [
    ("2025-12-31", {"midden-limburg": (1, 0), "rijnmond": (0, 0), "twente": (1, 1)}),
    ("2025-07-31", {"midden-limburg": (0, 0), "rijnmond": (0, 0), "twente": (1, 0)}),  # B2 (B1's T1 came 07-10)
    ("2025-07-09", {"midden-limburg": (0, 0), "rijnmond": (0, 0), "twente": (1, 0)}),  # B1, before its T1; B2 from
    # 07-12
])
def test_the_reports_count_due_eenmetingen_from_the_trajectories_as_the_check_does_from_the_measurements(
        late_warehouse, day, expected):
    """The reports count in the database from the trajectories (a row per participant); the check lists from the
    measurements: the same counts on every peildatum."""
    engine, peildatum = wh.engine_for(late_warehouse), pd.Timestamp(day)
    regions = ["midden-limburg", "rijnmond", "twente"]
    counted = deliveries.t1_counts(SimpleNamespace(engine=engine, peildatum=peildatum, region=None), regions)
    stored = wh.read_typed(engine, wh.MEASUREMENTS)
    listed = due.t1_due_counts(due.per_file(due.t1_due(stored[stored["meetdatum"] <= peildatum], peildatum)),
                               regions)
    pd.testing.assert_frame_equal(counted, listed)
    assert {r.region: (r.due, r.past_window) for r in counted.itertuples()} == expected
    twente = deliveries.t1_counts(SimpleNamespace(engine=engine, peildatum=peildatum, region="twente"), ["twente"])
    assert (int(twente["due"].iloc[0]), int(twente["past_window"].iloc[0])) == expected["twente"]


def test_the_feedback_export_lists_due_eenmetingen_by_file_and_row(late_warehouse, tmp_path):
    engine = wh.engine_for(late_warehouse)
    tables = export.region_feedback(engine, "twente")
    listed = tables[export.T1_DUE_SHEET]
    assert listed[["bron_bestand", "bron_rij", "status"]].values.tolist() == [
        ["2024-11.csv", 3, due.PAST_WINDOW], ["2025-03.csv", 2, due.DUE]]  # B2 is the file's second row
    assert listed["t1_gepland"].astype(str).tolist() == ["2025-07-12", "2025-11-03"]
    stored = wh.read_table(engine, wh.MEASUREMENTS, "twente")
    pseudonyms = set(stored["deelnemer_id"])
    paths = export.write_tables(tmp_path, "twente-terugkoppeling", tables)
    text = "".join(p.read_text(encoding="utf-8-sig") for p in paths if p.suffix == ".csv")
    assert "eenmetingen_te_doen" in "".join(p.name for p in paths)
    assert not any(p in text for p in pseudonyms) and "B2" not in text  # neither pseudonym nor the region's own id
    assert export.region_feedback(engine, "rijnmond")[export.T1_DUE_SHEET].empty
