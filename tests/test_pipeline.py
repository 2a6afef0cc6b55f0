"""The Dagster code location: its graph, and an in-process materialisation on generated deliveries."""

from __future__ import annotations

import dagster as dg
import pytest

from assets.ingest import region_ingest
from llo import warehouse
from llo.demo_data import generate
from pipelines.definitions import defs
from pipelines.partitions import sync_region_partitions
from pipelines.resources import Landing, Warehouse


def test_graph_snapshot():
    graph = defs.resolve_asset_graph()
    assert {k.to_user_string() for k in graph.get_all_asset_keys()} == {
        "measurements", "trajectory_catalogue", "quarantine", "ingest_warnings", "ingest_log"}
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert checks == {("measurements", "contract_conformance"), ("measurements", "quarantine_rate"),
                      ("ingest_log", "rejected_files")}
    assert [job.name for job in defs.jobs] == ["ingest"]
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name == "ingest" and node.description and node.kinds and node.owners


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """All demo regions with faults, materialised once for the tests below."""
    home = tmp_path_factory.mktemp("llo_home")
    deliveries = generate(home / "landing", seed=7, faults=True)
    url = f"sqlite:///{home / 'warehouse.sqlite'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("LLO_DEMO", "1")
    mp.delenv("LLO_PSEUDONYM_KEY", raising=False)
    instance = dg.DagsterInstance.ephemeral()
    regions, unknown = sync_region_partitions(instance, home / "landing")
    results = {region: dg.materialize([region_ingest], partition_key=region, instance=instance,
                                      resources={"warehouse": Warehouse(url=url),
                                                 "landing": Landing(path=str(home / "landing"))})
               for region in regions}
    mp.undo()
    yield deliveries, results, warehouse.engine_for(url), unknown
    warehouse.engine_for(url).dispose()


def test_every_region_is_materialised(demo_run):
    deliveries, results, engine, unknown = demo_run
    assert unknown == [] and set(results) == {d.region for d in deliveries}
    assert all(r.success for r in results.values())


def test_each_file_is_accounted_as_the_generator_intended(demo_run):
    deliveries, _, engine, _ = demo_run
    log = warehouse.read_table(engine, warehouse.INGEST_LOG).set_index("file")
    assert len(log) == len(deliveries)
    for d in deliveries:
        line = log.loc[d.path.name]
        assert line["rows_read"] == line["rows_accepted"] + line["rows_quarantined"], d.path.name
        if d.expected_rejected:
            assert line["status"] == "rejected", d.path.name
            assert line["rows_accepted"] == 0
        else:
            assert line["rows_read"] == d.rows_written, d.path.name
            assert line["rows_quarantined"] == d.expected_quarantined, (d.path.name, d.faults)
    measurements = warehouse.read_table(engine, warehouse.MEASUREMENTS)
    accepted = log.loc[log["kind"] == "measurements", "rows_accepted"].sum()
    assert len(measurements) == accepted


def test_check_results_show_what_failed(demo_run):
    deliveries, results, _, _ = demo_run
    with_rows = {d.region for d in deliveries if d.expected_quarantined}
    with_rejects = {d.region for d in deliveries if d.expected_rejected}
    assert with_rows and with_rejects
    for region, result in results.items():
        checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
        assert checks["contract_conformance"].passed
        assert checks["quarantine_rate"].passed is (region not in with_rows)
        assert checks["rejected_files"].passed is (region not in with_rejects)
        if region in with_rejects:
            files = checks["rejected_files"].metadata["files"].value
            assert "reason" in files and ".csv" in files


def test_materialisation_metadata(demo_run):
    _, results, _, _ = demo_run
    result = results["twente"]
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        assert metadata["dagster/row_count"].value >= 0
        assert metadata["dagster/column_schema"].schema.columns
    measurements = next(e for e in result.get_asset_materialization_events()
                        if e.asset_key.to_user_string() == "measurements")
    columns = [c.name for c in measurements.materialization.metadata["dagster/column_schema"].schema.columns]
    assert columns[:3] == ["deelnemer_id", "regio", "meetmoment"]
