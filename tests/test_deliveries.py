"""Deliveries as regions send them (llo.intake.versions): cumulative exports, corrections, order of arrival.
Every case is built by hand; the counts, versions and KPI values are known by construction."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import pandas as pd
import pytest

from llo.intake.ingest import ingest_region, store_region
from llo.intake.parsed import ParsedFiles
from llo.monitor import kpi
from llo.monitor import trajectories as tr
from llo.monitor.targets import load_targets
from llo.settings import PROJECT_ROOT
from tests.conftest import KEY, TODAY, catalogue_rows, measurement_row, write_csv

TARGETS = load_targets(PROJECT_ROOT / "config" / "targets.yaml", set(kpi.TARGETED))
PEOPLE = [f"P{n:02d}" for n in range(1, 13)]


def deliver(folder, name: str, rows: list[dict], received: str):
    """A file as it arrived: its modification time is the day it was received."""
    path = write_csv(folder / name, rows)
    stamp = dt.datetime.fromisoformat(received).replace(tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def cohort(corrected: bool = False) -> list[dict]:
    """Twelve participants with a T0 (no work) and a T1 (paid work, 24 hours): all improved, unless P03's T0 is
    corrected to the same paid work."""
    rows = []
    for pid in PEOPLE:
        t0 = measurement_row(pid)
        if corrected and pid == "P03":
            t0 = measurement_row(pid, arbeidssituatie="betaald werk", uren_per_week="24")
        rows += [t0, measurement_row(pid, "T1", date="2024-09-15")]
    return rows


def newcomers() -> list[dict]:
    return [measurement_row(pid, date="2024-10-01", start="2024-10-01") for pid in ("P13", "P14")]


@pytest.fixture
def cumulative(tmp_path):
    """Three monthly cumulative exports, with the catalogue each time: month 2 corrects P03's T0 and adds two
    participants (its catalogue is the same file again); month 3 adds a participant and a trajectory."""
    folder = tmp_path / "twente"
    later = [measurement_row("P15", date="2024-11-01", start="2024-11-01")]
    for number, (received, rows, codes) in enumerate([
            ("2024-10-05", cohort(), ("TW-1", "TW-2")),
            ("2024-11-05", cohort(corrected=True) + newcomers(), ("TW-1", "TW-2")),
            ("2024-12-05", cohort(corrected=True) + newcomers() + later, ("TW-1", "TW-2", "TW-3"))], start=1):
        deliver(folder, f"export ({number}).csv", rows, received)
        deliver(folder, f"catalogus ({number}).csv", catalogue_rows(*codes), received)
    return folder


def withdraw(folder, name: str, received: str, *rows: tuple[str, str, str]):
    """A withdrawal file: (participant, date, reason) per row."""
    path = folder / name
    path.write_text("Deelnemer ID,Datum intrekking,Reden\n" + "".join(",".join(row) + "\n" for row in rows))
    stamp = dt.datetime.fromisoformat(received).replace(tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def ingest(folder, **options):
    return ingest_region("twente", folder, key=KEY, today=TODAY, **options)


def line(result, file: str) -> pd.Series:
    return result.ingest_log.set_index("file").loc[file]


def kpis(result, month: str) -> dict[str, int]:
    catalogue = result.trajectory_catalogue.assign(regio="twente")
    table = kpi.region_month_table(tr.derive(result.measurements, catalogue), catalogue, [kpi.month_end(month)],
                                   TARGETS)
    return dict(zip(table["kpi"], table["value"].astype(int), strict=True))


def test_a_cumulative_series_quarantines_nothing_and_keeps_the_corrected_version(cumulative):
    result = ingest(cumulative)
    assert result.quarantine.empty
    counts = result.ingest_log.set_index("file")[["delivery_order", "rows_read", "rows_new", "rows_unchanged",
                                                  "rows_corrected", "rows_quarantined"]]
    assert counts.loc["export (1).csv"].tolist() == [2, 24, 24, 0, 0, 0]
    assert counts.loc["export (2).csv"].tolist() == [4, 26, 2, 23, 1, 0]
    assert counts.loc["export (3).csv"].tolist() == [6, 27, 1, 26, 0, 0]
    assert counts.loc["catalogus (3).csv"].tolist() == [5, 3, 1, 2, 0, 0]
    assert line(result, "catalogus (2).csv")["status"] == "duplicate"  # the same bytes again: not read twice
    assert len(result.measurements) == 27 and len(result.trajectory_catalogue) == 3

    # the versions table holds exactly the superseded row, with when it arrived and was replaced
    versions = result.measurement_versions
    assert len(versions) == 1 and result.catalogue_versions.empty
    old = versions.iloc[0]
    assert (old["meetmoment"], old["arbeidssituatie"], old["bron_bestand"], old["bron_rij"]) == \
        ("T0", "geen werk", "export (1).csv", 6)
    assert (old["received_at"], old["superseded_at"]) == (dt.datetime(2024, 10, 5), dt.datetime(2024, 11, 5))
    assert (old["superseded_by_file"], old["superseded_by_row"]) == ("export (2).csv", 6)
    assert old["changed_fields"] == "arbeidssituatie, uren_per_week"
    current = result.measurements.set_index(["deelnemer_id", "meetmoment"]).loc[(old["deelnemer_id"], "T0")]
    assert (current["arbeidssituatie"], current["bron_bestand"]) == ("betaald werk", "export (2).csv")


def test_the_corrected_version_counts_in_every_month_from_its_measurement_on(cumulative):
    result = ingest(cumulative)
    # K3 counts improved labour-market positions: P03's corrected T0 already had the same paid work
    assert {k: v for k, v in kpis(result, "2024-09").items() if k in ("K1", "K3")} == {"K1": 12, "K3": 11}
    assert {k: v for k, v in kpis(result, "2024-10").items() if k in ("K1", "K3")} == {"K1": 14, "K3": 11}


def test_a_correction_wins_whatever_its_file_is_called(tmp_path):
    results = []
    for name in ("0 CORRECTIE.csv", "zz CORRECTIE.csv"):
        folder = tmp_path / name / "twente"
        deliver(folder, "catalogus.csv", catalogue_rows("TW-1"), "2024-10-01")
        deliver(folder, "export.csv", cohort(), "2024-10-05")
        deliver(folder, name, [measurement_row("P03", arbeidssituatie="betaald werk", uren_per_week="24")],
                "2024-10-20")
        result = ingest(folder)
        assert result.quarantine.empty and line(result, name)["rows_corrected"] == 1
        assert line(result, name)["delivery_order"] == 3
        results.append(result)
    first, last = (r.measurements.drop(columns="bron_bestand") for r in results)
    pd.testing.assert_frame_equal(first, last)
    assert (results[0].measurements["arbeidssituatie"] == "betaald werk").sum() == 12 + 1


def test_files_are_applied_in_the_order_they_arrived_not_by_name(tmp_path):
    folder = tmp_path / "twente"
    deliver(folder, "catalogus.csv", catalogue_rows("TW-1"), "2024-01-01")
    deliver(folder, "a.csv", [measurement_row("P01", taalniveau="2F")], "2024-03-01")  # later, sorts first
    deliver(folder, "b.csv", [measurement_row("P01", taalniveau="3F")], "2024-02-01")
    result = ingest(folder)
    assert result.measurements["taalniveau"].tolist() == ["2F"]
    assert result.ingest_log.sort_values("delivery_order")["file"].tolist() == ["catalogus.csv", "b.csv", "a.csv"]
    # a file an earlier run saw keeps the time it was first received, whatever its modification time says
    earlier = {line(result, "a.csv")["sha256"]: dt.datetime(2024, 1, 15)}
    again = ingest(folder, received_at=earlier)
    assert again.measurements["taalniveau"].tolist() == ["3F"]


def test_a_t1_can_be_corrected_too(tmp_path):
    folder = tmp_path / "twente"
    deliver(folder, "catalogus.csv", catalogue_rows("TW-1"), "2024-01-01")
    deliver(folder, "export.csv", cohort(), "2024-10-05")
    deliver(folder, "t1.csv", [measurement_row("P07", "T1", date="2024-09-15", uren_per_week="32")], "2024-10-09")
    result = ingest(folder)
    t1 = result.measurements[result.measurements["bron_bestand"] == "t1.csv"]
    assert t1[["meetmoment", "uren_per_week"]].values.tolist() == [["T1", 32]]
    assert len(result.measurement_versions) == 1
    assert result.measurement_versions.iloc[0]["uren_per_week"] == 24


def test_a_correction_that_would_break_a_rule_is_refused_and_the_version_before_stays(tmp_path):
    folder = tmp_path / "twente"
    deliver(folder, "catalogus.csv", catalogue_rows("TW-1"), "2024-01-01")
    deliver(folder, "export.csv", cohort(), "2024-10-05")
    # P04's T0 moved after its T1: the T1 would have no earlier T0
    deliver(folder, "fout.csv", [measurement_row("P04", date="2024-09-20")], "2024-10-09")
    deliver(folder, "later.csv", [measurement_row("P04", date="2024-09-20"), measurement_row("P13")],
            "2024-10-20")  # the same correction again, beside a new participant
    result = ingest(folder)
    refused = result.quarantine.set_index("file")
    assert set(refused.index) == {"fout.csv", "later.csv"} and set(refused["rule"]) == {"t1_na_eerdere_t0"}
    assert refused.loc["fout.csv", "message"].startswith("Correction refused")
    assert "row 8 of 'export.csv' stays current" in refused.loc["fout.csv", "message"]
    t0 = result.measurements.set_index(["meetmoment"]).loc["T0"].set_index("bron_rij")
    assert len(result.measurements) == 25 and result.measurement_versions.empty
    assert (line(result, "fout.csv")["rows_quarantined"], line(result, "export.csv")["rows_new"]) == (1, 24)
    assert line(result, "later.csv")[["rows_new", "rows_quarantined"]].tolist() == [1, 1]
    assert t0.loc[8, "meetdatum"] == pd.Timestamp("2024-01-15")


def test_an_ambiguous_pair_is_refused_and_nothing_else_is_affected(tmp_path):
    folder = tmp_path / "twente"
    deliver(folder, "catalogus.csv", catalogue_rows("TW-1"), "2024-01-01")
    deliver(folder, "export.csv", cohort(), "2024-10-05")
    deliver(folder, "dubbel.csv", [measurement_row("P02", taalniveau="2F"), measurement_row("P02", taalniveau="3F"),
                                   measurement_row("P13")], "2024-10-09")
    result = ingest(folder)
    refused = result.quarantine
    assert refused["row_number"].tolist() == [2, 3] and set(refused["rule"]) == {"een_versie_per_bestand"}
    assert "Row 3 of the same file" in refused["message"].iloc[0]
    assert (line(result, "dubbel.csv")[["rows_new", "rows_quarantined"]]).tolist() == [1, 2]
    assert result.measurements.set_index(["deelnemer_id", "meetmoment"])["taalniveau"].eq("1F").all()
    assert len(result.measurements) == 25 and result.measurement_versions.empty


def test_postgresql_and_sqlite_store_the_same_versions(cumulative, warehouse_url):
    from llo import warehouse as wh

    engine = wh.engine_for(warehouse_url)
    result = ingest(cumulative)
    store_region(engine, result)
    stored = wh.read_typed(engine, wh.MEASUREMENT_VERSIONS, "twente")
    assert len(stored) == 1 and stored["superseded_at"].iloc[0] == pd.Timestamp("2024-11-05")
    assert wh.read_table(engine, wh.INGEST_LOG, "twente")["rows_unchanged"].sum() == 23 + 26 + 2


def test_a_withdrawal_removes_the_participant_and_refuses_a_later_delivery(cumulative):
    withdraw(cumulative, "intrekking.csv", "2024-12-05", ("P05", "2024-12-01", "verzoek tot verwijdering"))
    result = ingest(cumulative)
    assert result.quarantine.empty
    counts = result.ingest_log.set_index("file")[["rows_read", "rows_new", "rows_unchanged", "rows_corrected",
                                                  "rows_withdrawn"]]
    assert counts.loc["export (1).csv"].tolist() == [24, 22, 0, 0, 2]
    assert counts.loc["export (2).csv"].tolist() == [26, 2, 21, 1, 2]
    assert counts.loc["export (3).csv"].tolist() == [27, 1, 24, 0, 2]  # the same day, before the withdrawal
    assert counts.loc["intrekking.csv"].tolist() == [1, 1, 0, 0, 0]
    assert len(result.measurements) == 25 and len(result.measurement_versions) == 1  # P03's old T0 stays history
    assert {k: v for k, v in kpis(result, "2024-09").items() if k in ("K1", "K3")} == {"K1": 11, "K3": 10}
    assert {k: v for k, v in kpis(result, "2024-10").items() if k in ("K1", "K3")} == {"K1": 13, "K3": 10}

    # what is kept is a tombstone: no participant id, no pseudonym of a stored row
    register = result.withdrawals
    assert register[["datum_intrekking", "reden", "file", "rows_withdrawn"]].values.tolist() == \
        [[pd.Timestamp("2024-12-01"), "verzoek tot verwijdering", "intrekking.csv", 6]]
    stored = set(result.measurements["deelnemer_id"])
    assert register["tombstone"].iloc[0] not in stored and "P05" not in register.to_string()

    # a later export that still holds the participant is refused, with a reason and none of its values
    deliver(cumulative, "export (4).csv", cohort(corrected=True), "2025-01-05")
    later = ingest(cumulative)
    refused = later.quarantine.set_index("row_number")
    assert set(later.quarantine["file"]) == {"export (4).csv"} and refused["rule"].unique().tolist() == \
        ["deelnemer_ingetrokken"]
    assert sorted(refused.index) == [10, 11] and (refused["value"] == "").all()
    assert "withdrawn on 2024-12-01 (verzoek tot verwijdering)" in refused["message"].iloc[0]
    assert len(later.measurements) == 25


def test_the_register_holds_after_the_withdrawal_file_is_gone(cumulative):
    path = withdraw(cumulative, "intrekking.csv", "2024-12-05", ("P03", "2024-12-01", "toestemming ingetrokken"))
    first = ingest(cumulative)
    assert len(first.measurements) == 25 and first.measurement_versions.empty  # P03's history went too
    path.unlink()
    again = ingest(cumulative, withdrawn=first.withdrawals)
    pd.testing.assert_frame_equal(again.measurements, first.measurements)
    pd.testing.assert_frame_equal(again.withdrawals, first.withdrawals)


def test_a_withdrawal_with_an_unknown_reason_is_quarantined_and_withdraws_nothing(cumulative):
    withdraw(cumulative, "intrekking.csv", "2024-12-05", ("P05", "2024-12-01", "geen zin meer"))
    result = ingest(cumulative)
    assert result.quarantine["rule"].tolist() == ["isin"] and result.withdrawals.empty
    assert len(result.measurements) == 27


def test_llo_withdraw_and_llo_erase_honour_an_erasure_request_end_to_end(cumulative, tmp_path, monkeypatch):
    """`llo withdraw` writes the withdrawal; after its ingest `llo erase` removes the participant from the raw files,
    logs both hashes, and an ingest of the erased files gives the same tables as before the erase."""
    from click.testing import CliRunner

    from llo import warehouse as wh
    from llo.cli import main

    home = cumulative.parent
    landing = home / "landing"
    landing.mkdir()
    cumulative.rename(landing / "twente")
    folder = landing / "twente"
    monkeypatch.setenv("LLO_HOME", str(home))
    monkeypatch.setenv("LLO_PSEUDONYM_KEY", KEY.decode())
    monkeypatch.delenv("LLO_WAREHOUSE_URL", raising=False)
    engine = wh.engine_for(f"sqlite:///{home / 'warehouse.sqlite'}")

    cached = home / "cache" / "parsed" / "twente"

    def run_ingest():
        result = ingest(folder, received_at=wh.received_at(engine, "twente"),
                        withdrawn=wh.withdrawals_of(engine, "twente"),
                        cache=ParsedFiles(cached.parent, "twente", KEY))  # as the ingest asset keeps them
        store_region(engine, result)
        return result

    run_ingest()
    written = CliRunner().invoke(main, ["withdraw", "twente", "P05", "--reason", "verzoek tot verwijdering",
                                        "--date", "2024-12-01"])
    assert written.exit_code == 0, written.output
    assert "P05" not in written.output  # the id is not echoed into logs
    before = run_ingest()
    assert len(before.measurements) == 25 and before.withdrawals["rows_withdrawn"].tolist() == [6]
    raw = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert sum(b"P05," in data for data in raw.values()) == 3 and any(b"P05;" in d for d in raw.values())
    mtimes = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}

    assert any(b"P05" in d for d in raw.values()) and any(cached.rglob("*.parquet"))
    erased = CliRunner().invoke(main, ["erase"])
    assert erased.exit_code == 0, erased.output
    assert not cached.exists()  # the parsed form of the files as they were went with them
    after = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert not any(b"P05" in data for data in after.values())
    assert set(raw) - set(after) == {next(n for n in raw if n.startswith("intrekking_"))}  # nothing else was in it
    for name, data in after.items():  # the participant's lines emptied, other lines byte for byte, times kept
        kept = [b"\n" if line.startswith(b"P05,") else line for line in raw[name].splitlines(keepends=True)]
        assert data == b"".join(kept) and (folder / name).stat().st_mtime_ns == mtimes[name]
    log = wh.read_table(engine, wh.ERASURE_LOG)
    assert len(log) == 4 and log["rows_removed"].tolist().count(2) == 3
    changed = log.dropna(subset=["sha256_after"])
    assert all(hashlib.sha256(after[f]).hexdigest() == sha for f, sha in zip(changed["file"],
                                                                              changed["sha256_after"], strict=True))
    assert all(hashlib.sha256(raw[f]).hexdigest() == sha for f, sha in zip(log["file"], log["sha256_before"],
                                                                           strict=True))

    again = run_ingest()
    pd.testing.assert_frame_equal(again.measurements, before.measurements)
    pd.testing.assert_frame_equal(again.measurement_versions, before.measurement_versions)
    pd.testing.assert_frame_equal(again.withdrawals.drop(columns="rows_withdrawn"),
                                  before.withdrawals.drop(columns="rows_withdrawn"))
    order = again.ingest_log.set_index("file")["received_at"]
    assert order.equals(before.ingest_log.set_index("file")["received_at"].loc[order.index])  # same places
    assert again.quarantine.empty and again.ingest_log["rows_withdrawn"].sum() == 0
    assert again.ingest_log["empty_rows_skipped"].sum() == 6


def test_erase_empties_a_workbook_row_and_a_multi_line_csv_record_keeping_the_rows_after_them(tmp_path):
    from llo import demo_data as dd
    from llo.intake.erase import erase_region
    from llo.intake.privacy import pseudonym, tombstone

    folder = tmp_path / "twente"
    folder.mkdir()
    _, measurements = dd.synthetic_region("twente", seed=3)
    rows = measurements[measurements["meetdatum"].dt.strftime("%Y-%m") == "2024-06"].head(5)
    workbook = dd.write_delivery(rows, folder / "juni.xlsx", faults=["xlsx_title_row"]).path
    gone = rows["deelnemer_id"].iloc[1]
    csv_file = folder / "notities.csv"
    csv_file.write_bytes(b"Deelnemer ID;Meetmoment;Meetdatum;Opmerking\r\nA1;T0;1-2-2024;kort\r\n" + gone.encode()
                         + b';T0;1-2-2024;"twee\r\nregels"\r\nA2;T0;1-2-2024;na\r\n')
    stones = {tombstone(KEY, pseudonym(KEY, "twente", gone))}
    before = ingest_region("twente", folder, key=KEY, today=TODAY).quarantine
    erased, unreadable = erase_region(folder, "twente", KEY, stones)
    assert unreadable == [] and sorted((e.file, e.rows_removed) for e in erased) == [("juni.xlsx", 1),
                                                                                      ("notities.csv", 1)]
    assert csv_file.read_bytes() == \
        b"Deelnemer ID;Meetmoment;Meetdatum;Opmerking\r\nA1;T0;1-2-2024;kort\r\n\r\nA2;T0;1-2-2024;na\r\n"
    import openpyxl

    sheet = openpyxl.load_workbook(workbook).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert values[1] == [None] * len(values[1]) and gone not in str(values)
    assert len([v for v in values if any(v)]) == 4
    after = ingest_region("twente", folder, key=KEY, today=TODAY).quarantine  # no catalogue: every row refused
    kept = before[before["row_number"] != 4].reset_index(drop=True)
    assert after[["file", "row_number", "rule"]].equals(kept[["file", "row_number", "rule"]])


def test_llo_kpi_as_delivered_on_a_day_traces_the_figure_published_then(cumulative, tmp_path, monkeypatch):
    """K3 of 2024-09 was 12 as delivered in October; P03's correction (received 2024-11-05) made it 11."""
    from click.testing import CliRunner

    from llo import warehouse as wh
    from llo.cli import main
    from llo.cli.show import as_delivered_rows

    monkeypatch.setenv("LLO_HOME", str(tmp_path))
    monkeypatch.delenv("LLO_WAREHOUSE_URL", raising=False)
    engine = wh.engine_for(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    result = ingest(cumulative)
    store_region(engine, result)
    catalogue = result.trajectory_catalogue.assign(regio="twente")
    derived = tr.as_of(tr.derive(result.measurements, catalogue), result.measurements["meetdatum"].max())
    now = kpi.region_month_table(derived, catalogue, [kpi.month_end("2024-09")], TARGETS)
    wh.replace_rows(engine, {wh.KPI_REGION_MONTH: now, wh.KPI_NATIONAL_MONTH: kpi.national_month_table(now)})

    def k3(day: str) -> int:
        rows = as_delivered_rows(engine, kpi.month_end("2024-09"), pd.Timestamp(day), "twente")
        return int(rows.set_index("kpi").loc["K3", "value"])

    assert (k3("2024-10-20"), k3("2024-11-04"), k3("2024-11-05"), k3("2025-06-01")) == (12, 12, 11, 11)
    assert int(now.set_index("kpi").loc["K3", "value"]) == 11
    earlier = as_delivered_rows(engine, kpi.month_end("2024-09"), pd.Timestamp("2024-10-20"))
    assert int(earlier.set_index("kpi").loc["K1", "value"]) == 12  # the nation, before the newcomers
    shown = CliRunner().invoke(main, ["kpi", "--month", "2024-09", "--region", "twente",
                                      "--as-delivered-on", "2024-10-20"])
    assert shown.exit_code == 0, shown.output
    assert "zoals aangeleverd tot en met 2024-10-20" in shown.output
    line = next(row for row in shown.output.splitlines() if row.strip().startswith("K3"))
    assert " 12 " in line
    none = CliRunner().invoke(main, ["kpi", "--month", "2024-09", "--as-delivered-on", "2024-01-01"])
    assert none.exit_code != 0 and "nothing had been delivered by 2024-01-01" in none.output


def test_a_delivery_that_changes_earlier_months_has_them_computed_again(cumulative, tmp_path, monkeypatch):
    """The ingest run says which month it changed first (a correction of January's T0: January); the revision sensor
    asks for the months from there to the month before the latest (the latest is refresh_latest_month's)."""
    import dagster as dg

    from assets.ingest import region_ingest
    from assets.trajectories import trajectories
    from pipelines.partitions import month_partitions, sync_region_partitions
    from pipelines.resources import Landing, Monitor, Warehouse
    from pipelines.sensors import REVISION, revised_months, revision_sensor

    landing = tmp_path / "landing"
    landing.mkdir()
    cumulative.rename(landing / "twente")
    monkeypatch.setenv("LLO_HOME", str(tmp_path))
    monkeypatch.setenv("LLO_PSEUDONYM_KEY", KEY.decode())
    instance = dg.DagsterInstance.ephemeral()
    sync_region_partitions(instance, landing)
    resources = {"warehouse": Warehouse(url=f"sqlite:///{tmp_path / 'warehouse.sqlite'}"),
                 "landing": Landing(path=str(landing)), "monitor": Monitor()}

    def ingest_run():
        run = dg.materialize([region_ingest, trajectories], partition_key="twente", instance=instance,
                             resources=resources)
        assert run.success
        return run

    months = month_partitions.get_partition_keys()
    first = ingest_run()
    assert revised_months(instance, first.run_id) == months[:-1]  # from the catalogue's startdatum, 2023-01
    unchanged = ingest_run()  # the same deliveries again: nothing changed
    assert revised_months(instance, unchanged.run_id) == []

    deliver(landing / "twente", "t1.csv", [measurement_row("P07", "T1", date="2024-09-15", uren_per_week="32")],
            "2024-12-20")
    corrected = ingest_run()
    assert revised_months(instance, corrected.run_id) == [m for m in months[:-1] if m >= "2024-09-01"]
    run = instance.get_run_by_id(corrected.run_id)
    success = next(e for e in instance.all_logs(corrected.run_id) if e.is_dagster_event
                   and e.dagster_event.event_type == dg.DagsterEventType.RUN_SUCCESS).dagster_event
    request = revision_sensor(dg.build_run_status_sensor_context(
        sensor_name="revision_sensor", dagster_instance=instance, dagster_run=run, dagster_event=success))
    assert request.run_key == f"revision:{corrected.run_id}" and request.tags["llo/trigger"] == REVISION
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) \
        == ("2024-09-01", months[-2])


def test_postgresql_and_sqlite_give_identical_tables(cumulative, tmp_path):
    """The same deliveries, with a correction and a withdrawal, stored on both backends: the same frames."""
    from llo import warehouse as wh
    from tests.conftest import PG_SERVER, postgres_databases

    withdraw(cumulative, "intrekking.csv", "2024-12-05", ("P05", "2024-12-01", "verzoek tot verwijdering"))
    result = ingest(cumulative)
    with postgres_databases("identical") as (name,):
        stored = {}
        for url in (f"sqlite:///{tmp_path / 'warehouse.sqlite'}", f"postgresql+psycopg://{PG_SERVER}{name}"):
            engine = wh.engine_for(url)
            store_region(engine, result)
            stored[url] = {table.name: wh.read_typed(engine, table).sort_values(
                [c for c in ("bron_bestand", "bron_rij", "file", "sheet", "tombstone") if c in table.c],
                ignore_index=True) for table in (wh.MEASUREMENTS, wh.MEASUREMENT_VERSIONS, wh.TRAJECTORY_CATALOGUE)}
            stored[url]["withdrawals"] = wh.withdrawals_of(engine, "twente")
            stored[url]["ingest_log"] = wh.read_table(engine, wh.INGEST_LOG).sort_values(
                "delivery_order", ignore_index=True).drop(columns="received_at")
            engine.dispose()
        sqlite, postgres = stored.values()
        assert len(sqlite["measurement_versions"]) == 1 and len(sqlite["withdrawals"]) == 1
        for name in sqlite:
            pd.testing.assert_frame_equal(sqlite[name], postgres[name], check_dtype=name != "ingest_log", obj=name)


def test_withdrawals_applied_errors_while_a_withdrawn_participant_is_still_stored(cumulative, tmp_path):
    import dagster as dg

    from checks.ingest_checks import withdrawals_applied
    from llo import warehouse as wh

    engine = wh.engine_for(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    store_region(engine, ingest(cumulative))
    withdraw(cumulative, "intrekking.csv", "2024-12-05", ("P05", "2024-12-01", "verzoek tot verwijdering"))
    result = ingest(cumulative)
    before = withdrawals_applied(engine, result, {"intrekking.csv"}, KEY)  # P05's rows are still stored
    assert not before.passed and before.severity == dg.AssetCheckSeverity.ERROR
    assert before.metadata["withdrawn_participants_still_stored"].value == 1
    store_region(engine, result)
    after = withdrawals_applied(engine, result, {"intrekking.csv"}, KEY)
    assert not after.passed and after.severity == dg.AssetCheckSeverity.WARN  # withdrawn by this delivery
    assert after.metadata["rows_withdrawn"].value == 6
    assert withdrawals_applied(engine, result, set(), KEY).passed  # an older withdrawal: nothing new


def test_a_table_whose_rows_did_not_change_is_not_written_again(cumulative, warehouse_url):
    """After a cumulative re-export that changes nothing, the stored measurements are the same rows (on SQLite the
    same rowids: not deleted and inserted again); a correction rewrites them. On SQLite and PostgreSQL."""
    import sqlalchemy as sa

    from llo import warehouse as wh

    engine = wh.engine_for(warehouse_url)

    def run():
        stored = {t.name: wh.read_typed(engine, t, "twente") for t in (wh.MEASUREMENTS, wh.TRAJECTORY_CATALOGUE)}
        result = ingest(cumulative, received_at=wh.received_at(engine, "twente"))
        store_region(engine, result, stored)
        return result

    def snapshot() -> tuple[pd.DataFrame, list]:
        frame = wh.read_typed(engine, wh.MEASUREMENTS, "twente").sort_values(["deelnemer_id", "meetmoment"],
                                                                             ignore_index=True)
        if engine.dialect.name != "sqlite":
            return frame, []
        with engine.connect() as conn:
            query = sa.text("SELECT rowid FROM measurements WHERE regio = 'twente'")
            return frame, sorted(conn.execute(query).scalars())

    run()
    rows, _ = snapshot()
    # another region's row after Twente's: Twente's rows written again would get rowids above it
    wh.replace_region(engine, "achterhoek", {"measurements": rows.head(1).assign(regio="achterhoek")})
    _, ids = snapshot()
    last = sorted(cumulative.glob("export*.csv"))[-1]
    again = cumulative / "export (4).csv"
    again.write_bytes(last.read_bytes().replace(b"\n", b"\r\n"))  # the same rows in other bytes
    os.utime(again, (last.stat().st_mtime + 86400,) * 2)
    line = run().ingest_log.set_index("file").loc["export (4).csv"]
    assert line["rows_read"] == line["rows_unchanged"] > 0 and line["rows_new"] == line["rows_corrected"] == 0
    same, same_ids = snapshot()
    pd.testing.assert_frame_equal(same, rows)
    assert same_ids == ids  # on SQLite: the very rows stored before

    deliver(cumulative, "export (5).csv", [measurement_row("P01", arbeidssituatie="vrijwilligerswerk")], "2024-12-07")
    assert run().ingest_log.set_index("file").loc["export (5).csv", "rows_corrected"] == 1
    corrected, corrected_ids = snapshot()
    p01 = corrected[(corrected["bron_bestand"] == "export (5).csv")]
    assert p01["arbeidssituatie"].tolist() == ["vrijwilligerswerk"] and len(corrected) == len(rows)
    assert engine.dialect.name != "sqlite" or corrected_ids != ids  # written again
    engine.dispose()
