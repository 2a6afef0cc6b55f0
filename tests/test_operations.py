"""Operating the pipeline: the monthly schedule, the delivery sensor, declarative refresh and backfills."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from llo import warehouse
from llo.cli import main
from llo.intake.landing import scan
from pipelines.definitions import defs
from pipelines.resources import Landing, Warehouse
from pipelines.schedules import monthly_schedule, previous_month
from pipelines.sensors import delivery_sensor
from tests.conftest import catalogue_rows, measurement_row, write_csv

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(("moment", "month"), [
    (dt.datetime(2026, 12, 1, 6, tzinfo=AMSTERDAM), "2026-11-01"),
    (dt.datetime(2027, 1, 1, 6, tzinfo=AMSTERDAM), "2026-12-01"),
    (dt.datetime(2026, 3, 1, 0, 30, tzinfo=AMSTERDAM), "2026-02-01"),  # 23:30 UTC on 28 February
])
def test_the_schedule_runs_the_month_just_ended_in_one_run(moment, month):
    assert previous_month(moment) == month
    request = monthly_schedule(dg.build_schedule_context(scheduled_execution_time=moment))
    assert request.partition_key == month and request.run_key == month  # a second tick of the same month is a no-op
    assert request.tags["llo/trigger"] == "monthly schedule"


def test_the_monthly_job_spans_the_graph_from_kpi_tables_to_reports():
    job = defs.resolve_job_def("monthly")
    groups = {defs.resolve_asset_graph().get(k).group_name for k in job.asset_layer.executable_asset_keys}
    assert {"kpi", "scba", "reports"} <= groups and "ingest" not in groups
    assert monthly_schedule.job_name == "monthly"


def _old(path, seconds=60):
    """Back-date a file: a delivery that finished arriving a while ago."""
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def landing(tmp_path):
    folder = tmp_path / "landing"
    _old(write_csv(folder / "twente" / "catalogus.csv", catalogue_rows("TW-1")))
    _old(write_csv(folder / "twente" / "2024-01.csv", [measurement_row("A1")]))
    return folder


def tick(landing, instance, cursor=None):
    url = f"sqlite:///{landing.parent / 'warehouse.sqlite'}"
    context = dg.build_sensor_context(cursor=cursor, instance=instance, resources={
        "landing": Landing(path=str(landing)), "warehouse": Warehouse(url=url)})
    return delivery_sensor(context)


def test_content_already_in_the_warehouse_does_not_run_again(landing):
    """A sensor started after `llo materialize` (no cursor yet) knows what the warehouse holds."""
    from llo.intake.ingest import ingest_region, store_region
    from tests.conftest import KEY, TODAY

    engine = warehouse.engine_for(f"sqlite:///{landing.parent / 'warehouse.sqlite'}")
    store_region(engine, ingest_region("twente", landing / "twente", key=KEY, today=TODAY))
    instance = dg.DagsterInstance.ephemeral()
    first = tick(landing, instance)
    assert first.run_requests == [] and first.skip_reason.skip_message == "no new deliveries"
    _old(write_csv(landing / "twente" / "2024-02.csv", [measurement_row("A2")]))
    [run] = tick(landing, instance, first.cursor).run_requests
    assert run.partition_key == "twente" and run.tags["llo/changed_files"] == "1"
    engine.dispose()


def test_a_delivery_starts_its_regions_ingest_run_once(landing):
    instance = dg.DagsterInstance.ephemeral()
    first = tick(landing, instance)
    [run] = first.run_requests
    assert run.partition_key == "twente" and run.job_name in (None, "ingest")
    assert run.tags == {"llo/trigger": "delivery", "llo/changed_files": "2"}
    [add] = first.dynamic_partitions_requests  # a new region folder becomes a partition first
    assert add.partitions_def_name == "region" and list(add.partition_keys) == ["twente"]

    again = tick(landing, instance, first.cursor)
    assert again.run_requests == [] and again.skip_reason.skip_message == "no new deliveries"
    _old(landing / "twente" / "2024-01.csv", 30)  # touched, same bytes: nothing to do
    assert tick(landing, instance, again.cursor).run_requests == []

    _old(write_csv(landing / "twente" / "2024-02.csv", [measurement_row("A2")]))
    added = tick(landing, instance, again.cursor)
    [run2] = added.run_requests
    assert run2.tags["llo/changed_files"] == "1" and run2.run_key != run.run_key
    assert json.loads(added.cursor)["files"]["twente/2024-02.csv"][2] == \
        hashlib.sha256((landing / "twente" / "2024-02.csv").read_bytes()).hexdigest()

    _old(write_csv(landing / "twente" / "2024-02.csv", [measurement_row("A3")]))  # changed in place
    changed = tick(landing, instance, added.cursor)
    assert [r.tags["llo/changed_files"] for r in changed.run_requests] == ["1"]
    assert len({run.run_key, run2.run_key, changed.run_requests[0].run_key}) == 3


def test_a_file_still_arriving_is_waited_for(landing):
    instance = dg.DagsterInstance.ephemeral()
    cursor = tick(landing, instance).cursor
    fresh = write_csv(landing / "twente" / "2024-03.csv", [measurement_row("A4")])  # modified just now
    waiting = tick(landing, instance, cursor)
    assert waiting.run_requests == []
    _old(fresh)
    assert [r.partition_key for r in tick(landing, instance, waiting.cursor).run_requests] == ["twente"]


def test_new_region_folders_are_picked_up_and_unknown_ones_named(landing):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("region", ["twente"])
    cursor = tick(landing, instance).cursor
    _old(write_csv(landing / "Regio Rijnmond" / "2024-01.csv", [measurement_row("R1", region="Rijnmond")]))
    _old(write_csv(landing / "Atlantis" / "2024-01.csv", [measurement_row("X1")]))
    result = tick(landing, instance, cursor)
    assert [r.partition_key for r in result.run_requests] == ["rijnmond"]
    assert list(result.dynamic_partitions_requests[0].partition_keys) == ["rijnmond"]
    alone = tick(landing, instance, result.cursor)
    assert alone.run_requests == [] and "1 folder(s) not read: Atlantis" in alone.skip_reason.skip_message


def test_links_are_never_followed_and_what_is_not_read_is_still_named(landing, tmp_path):
    """A region folder that is a link is not read; in a region's folder a link (to a file or a folder) is refused,
    hidden files, lock files and sub-folders are ignored: each by name, with its reason, in the scan and the log."""
    from llo.intake.ingest import ingest_region
    from llo.intake.landing import A_LINK
    from tests.conftest import KEY, TODAY

    elsewhere = write_csv(tmp_path / "elders" / "2024-01.csv", [measurement_row("O1", region="Achterhoek")]).parent
    (landing / "Achterhoek").symlink_to(elsewhere, target_is_directory=True)
    first = scan(landing, None, time.time())
    assert first.skipped == {"Achterhoek": A_LINK} and [c.region for c in first.changes] == ["twente"]

    folder = landing / "twente"
    (folder / "map").symlink_to(elsewhere, target_is_directory=True)
    (folder / "oud").mkdir()
    _old(write_csv(folder / "oud" / "2023-12.csv", [measurement_row("Z9")]))
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    _old(folder / ".DS_Store")
    again = scan(landing, first.cursor, time.time())
    assert [(c.region, c.files) for c in again.changes] == [("twente", (".DS_Store", "map", "oud"))]
    assert scan(landing, again.cursor, time.time()).changes == []  # named once, not on every tick

    log = ingest_region("twente", folder, key=KEY, today=TODAY).ingest_log.set_index("file")
    assert log.loc[["map", "oud", ".DS_Store"], "status"].tolist() == ["rejected", "ignored", "ignored"]
    assert "never followed" in log.loc["map", "reason"] and "folder inside" in log.loc["oud", "reason"]
    assert "hidden file" in log.loc[".DS_Store", "reason"]
    assert (log.loc[["map", "oud", ".DS_Store"], ["rows_read", "rows_accepted"]] == 0).all().all()
    assert log.loc[["map", "oud", ".DS_Store"], "delivery_order"].isna().all()
    assert log.loc[["2024-01.csv", "catalogus.csv"], "delivery_order"].tolist() == [1, 2]  # ties by name


def test_the_scan_keeps_hashes_and_reports_removals(landing):
    first = scan(landing, None, time.time())
    assert [(c.region, c.before, c.files) for c in first.changes] == [("twente", "", ("2024-01.csv", "catalogus.csv"))]
    (landing / "twente" / "2024-01.csv").unlink()
    removed = scan(landing, first.cursor, time.time())
    assert [(c.region, c.before, c.files) for c in removed.changes] == [("twente", first.changes[0].after, ())]
    assert scan(landing, removed.cursor, time.time()).changes == []


def test_new_data_refreshes_only_the_latest_month_of_every_monthly_asset():
    """Declarative automation: after an ingest the month just ended is recomputed, KPI tables to reports (one
    partition key of one partitions definition, which Dagster launches as one run)."""
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("region", ["twente", "rijnmond"])
    graph = defs.resolve_asset_graph()

    def ingested(*regions):
        for region in regions:
            for asset in ("measurements", "trajectory_catalogue", "quarantine", "ingest_warnings", "ingest_log",
                          "trajectories"):
                instance.report_runless_asset_event(dg.AssetMaterialization(asset, partition=region))

    for asset in ("region_context", "scba_parameter_file"):
        instance.report_runless_asset_event(dg.AssetMaterialization(asset))
    ingested("twente", "rijnmond")
    moment = dt.datetime(2026, 11, 15, 12, tzinfo=AMSTERDAM)
    quiet = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=moment)
    assert quiet.total_requested == 0  # data that was there before is no news; a new month waits for the schedule
    ingested("twente")
    fresh = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=quiet.cursor,
                                              evaluation_time=moment + dt.timedelta(minutes=1))
    requested = {k.to_user_string(): fresh.get_requested_partitions(k) for k in graph.get_all_asset_keys()
                 if fresh.get_num_requested(k)}
    monthly = defs.resolve_job_def("monthly").asset_layer.executable_asset_keys
    assert set(requested) == {k.to_user_string() for k in monthly if graph.get(k).partitions_def is not None}
    assert all(partitions == {"2026-10-01"} for partitions in requested.values())
    after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=fresh.cursor,
                                              evaluation_time=moment + dt.timedelta(minutes=2))
    assert after.total_requested == 0  # requested once, not again on every tick


def test_a_backfill_from_llo_reproduces_the_tables_byte_for_byte(demo_run, monkeypatch):
    *_, engine, _, _, _ = demo_run
    home = Path(engine.url.database).parent  # the demo's LLO_HOME: its landing, config and warehouse
    day = pd.Timestamp("2025-11-30").date()
    tables = [t for t in warehouse.SCHEMA_OF if "peildatum" in t.c and t is not warehouse.TRAJECTORIES]

    def snapshot():
        return {t.name: hashlib.sha256(warehouse.read_table(engine, t, where=t.c.peildatum == day)
                                       .to_csv(index=False).encode()).hexdigest() for t in tables}

    before = snapshot()
    with engine.begin() as conn:  # so the rows compared below can only come from the backfill itself
        for table in tables:
            conn.execute(table.delete().where(table.c.peildatum == day))
    assert snapshot() != before
    monkeypatch.setenv("LLO_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("LLO_WAREHOUSE_URL", str(engine.url))
    monkeypatch.setenv("LLO_DEMO", "1")
    result = CliRunner().invoke(main, ["backfill", "2025-11", "--no-reports"])
    assert result.exit_code == 0, result.output
    assert "[monthly] 2025-11..2025-11 (1 months)" in result.output
    assert snapshot() == before
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        [run] = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS and run.job_name == "monthly"
        assert run.tags["dagster/asset_partition_range_start"] == "2025-11-01"
        event = instance.get_latest_materialization_event(dg.AssetKey("kpi_national_month"))
        assert event.asset_materialization.metadata["K1"].value > 0  # a single month's KPIs are numbers to plot


def test_a_backfill_of_an_old_month_does_not_refresh_the_latest_one():
    """A monthly run re-reads the configuration assets; that alone is no reason to recompute the latest month."""
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("region", ["twente"])
    for asset in ("measurements", "trajectory_catalogue", "quarantine", "ingest_warnings", "ingest_log",
                  "trajectories"):
        instance.report_runless_asset_event(dg.AssetMaterialization(asset, partition="twente"))
    moment = dt.datetime(2026, 11, 15, 12, tzinfo=AMSTERDAM)
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=moment)
    for asset in ("region_context", "scba_parameter_file"):
        instance.report_runless_asset_event(dg.AssetMaterialization(asset))
    later = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor,
                                              evaluation_time=moment + dt.timedelta(minutes=1))
    assert later.total_requested == 0


def test_running_again_over_the_same_deliveries_leaves_every_table_byte_for_byte(demo_run, monkeypatch):
    """Every region's ingest and trajectories, then the monthly tables, a second time on the session's demo."""
    from assets.ingest import region_ingest
    from assets.trajectories import trajectories
    from pipelines.partitions import range_tags
    from tests.conftest import MONTHS, monthly_assets

    _, results, engine, _, _, (instance, resources) = demo_run
    tables = [t for t in warehouse.metadata.sorted_tables if sa.inspect(engine).has_table(t.name)]

    def snapshot():  # every stored row as text; a SQL table has no order, so in sorted order
        return {t.name: hashlib.sha256("\n".join(sorted(warehouse.read_table(engine, t).to_csv(index=False)
                                                         .splitlines())).encode()).hexdigest() for t in tables}

    before = snapshot()
    assert len(before) >= 15
    monkeypatch.setenv("LLO_DEMO", "1")  # as the demo ran
    monkeypatch.delenv("LLO_PSEUDONYM_KEY", raising=False)
    for region in results:
        assert dg.materialize([region_ingest, trajectories], partition_key=region, instance=instance,
                              resources=resources).success
    assert dg.materialize(monthly_assets(), instance=instance, resources=resources,
                          tags=range_tags(list(MONTHS))).success
    assert snapshot() == before
