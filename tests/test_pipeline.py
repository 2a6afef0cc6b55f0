"""The Dagster code location: its graph, and an in-process materialisation on generated deliveries."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.kpi import region_context
from assets.scba import scba_month, scba_parameter_file
from llo import settings, warehouse
from llo.monitor.kpi import KPIS
from pipelines import code_links, freshness
from pipelines.definitions import defs
from pipelines.partitions import month_partitions
from pipelines.resources import Monitor, Warehouse
from tests.conftest import MONTHS

INGEST = {"measurements", "trajectory_catalogue", "quarantine", "ingest_warnings", "ingest_log", "measurement_versions",
          "catalogue_versions", "withdrawals", "interview_codings", "interview_versions"}
REPORTS = {"national_report", "regional_reports"}
RESEARCH_REPORTS = {"tussenrapport", "eindrapport"}  # on demand, outside the monthly job and its automation
KPI = {"region_context", "kpi_region_month", "kpi_national_month", "change_scores_month", "kpi_breakdown_month"}
QUALITY = {"data_docs"}
SCBA = {"scba_parameter_file", "scba_overview", "scba_distribution", "scba_sensitivity", "scba_monte_carlo",
        "scba_parameters"}


SNAPSHOT = Path(__file__).with_name("graph_snapshot.json")
UPDATE_SNAPSHOT = "LLO_UPDATE_GRAPH_SNAPSHOT"


def freshness_text(policy) -> str | None:
    """A freshness policy in a few words (the snapshot's form)."""
    if policy is None:
        return None
    if isinstance(policy, dg.FreshnessPolicy) and hasattr(policy, "deadline_cron"):
        return f"cron {policy.deadline_cron} {policy.timezone}, window {policy.lower_bound_delta.days} days"
    warn = policy.warn_window.to_timedelta().days if policy.warn_window else None
    return f"time window: warn after {warn} days, fail after {policy.fail_window.to_timedelta().days} days"


def graph_snapshot() -> dict:
    """The resolved graph as the reviewed snapshot holds it: per asset its group, partitions, parents, freshness
    policy and automation; the checks (blocking or not); each job's assets and checks; schedules and sensors."""
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name, "partitions": node.partitions_def.__class__.__name__ if node.partitions_def
            else None, "parents": sorted(k.to_user_string() for k in node.parent_keys),
            "freshness": freshness_text(node.freshness_policy),
            "automation": node.automation_condition.get_label() if node.automation_condition else None}
    checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" + (" (blocking)" if graph.get_check_spec(k).blocking
                                                                   else "") for k in graph.asset_check_keys)
    jobs = {}
    for job in defs.jobs:
        layer = defs.resolve_job_def(job.name).asset_layer
        jobs[job.name] = {"assets": sorted(k.to_user_string() for k in layer.executable_asset_keys),
                          "checks": sorted(f"{k.asset_key.to_user_string()}:{k.name}"
                                           for k in layer.asset_graph.asset_check_keys)}
    schedules = [{"name": s.name, "cron": s.cron_schedule, "timezone": s.execution_timezone, "job": s.job_name}
                 for s in defs.schedules]
    sensors = [{"name": s.name, "default_status": s.default_status.value} for s in defs.sensors]
    return {"assets": assets, "checks": checks, "jobs": jobs, "schedules": schedules, "sensors": sensors}


def test_graph_snapshot(monkeypatch):
    """The graph against tests/graph_snapshot.json (reviewed like code). After an intended change, regenerate it with
    `LLO_UPDATE_GRAPH_SNAPSHOT=1 .venv/bin/pytest tests/test_pipeline.py -k graph_snapshot` and review the diff."""
    text = json.dumps(graph_snapshot(), indent=1, ensure_ascii=False) + "\n"
    if os.environ.get(UPDATE_SNAPSHOT):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == text, \
        f"the Dagster graph changed: if intended, run with {UPDATE_SNAPSHOT}=1 and review the diff of {SNAPSHOT.name}"


def test_the_graph_holds_its_policies():
    """What the snapshot holds, as rules: groups, partitions, the refresh condition and freshness on every monthly
    asset, freshness on the ingest, a code reference on every asset and check."""
    graph = defs.resolve_asset_graph()
    assert {k.to_user_string() for k in graph.get_all_asset_keys()} == \
        INGEST | {"trajectories"} | KPI | SCBA | QUALITY | REPORTS | RESEARCH_REPORTS
    groups = {"ingest": INGEST, "trajectories": {"trajectories"}, "kpi": KPI, "scba": SCBA, "quality": QUALITY,
              "reports": REPORTS, "research_reports": RESEARCH_REPORTS}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert key.to_user_string() in groups[node.group_name]
        assert node.description and node.kinds and node.owners
    assert graph.get(dg.AssetKey("kpi_national_month")).partitions_def.get_first_partition_key() == "2023-01-01"
    monthly = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is not None
               and graph.get(k).group_name not in ("ingest", "trajectories", "research_reports")}
    assert monthly == (KPI | SCBA | QUALITY | REPORTS) - {"region_context", "scba_parameter_file"}  # one run a month
    assert all(graph.get(dg.AssetKey(k)).partitions_def == month_partitions for k in monthly)
    assert {k for k in monthly if graph.get(dg.AssetKey(k)).automation_condition is not None} == monthly
    assert all(graph.get(dg.AssetKey(k)).automation_condition is None and graph.get(dg.AssetKey(k)).partitions_def
               == month_partitions for k in RESEARCH_REPORTS)  # a researcher picks the peildatum
    fresh = {k.to_user_string(): graph.get(k).freshness_policy for k in graph.get_all_asset_keys()}
    assert {k for k, p in fresh.items() if p == freshness.MONTHLY} == monthly
    assert {k for k, p in fresh.items() if p is not None and p != freshness.MONTHLY} == INGEST | {"trajectories"}
    window = dt.timedelta(days=settings.DELIVERY_WINDOW_DAYS)
    assert fresh["ingest_log"].warn_window.to_timedelta() == window
    assert fresh["ingest_log"].fail_window.to_timedelta() == 2 * window
    for key in graph.get_all_asset_keys():
        refs = graph.get(key).metadata[code_links.CODE_REFERENCES].code_references
        assert refs and all(Path(r.file_path).is_file() and r.line_number for r in refs), key
    for key in graph.asset_check_keys:
        refs = graph.get_check_spec(key).metadata[code_links.CODE_REFERENCES].code_references
        source = Path(refs[0].file_path).read_text(encoding="utf-8").splitlines()
        assert source[refs[0].line_number - 1].lstrip().startswith(("def ", "@")), key  # the function (decorated)
    upstream = {k.to_user_string() for k in graph.get(dg.AssetKey("national_report")).parent_keys}
    assert {"kpi_national_month", "scba_overview", "ingest_log", "trajectories"} <= upstream


def test_every_region_is_materialised(demo_run):
    deliveries, results, engine, unknown, _, _ = demo_run
    assert unknown == {} and set(results) == {d.region for d in deliveries}
    assert all(r.success for r in results.values())


def test_each_file_is_accounted_as_the_generator_intended(demo_run):
    deliveries, _, engine, *_ = demo_run
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
            assert (line["rows_unchanged"], line["rows_corrected"], line["rows_withdrawn"]) == \
                (d.expected_unchanged, d.expected_corrected, d.expected_withdrawn), d.path.name
    assert log["rows_unchanged"].sum() > 0 and log["rows_corrected"].sum() == 1 and log["rows_withdrawn"].sum() == 2
    measurements = warehouse.read_table(engine, warehouse.MEASUREMENTS)
    assert len(measurements) == log.loc[log["kind"] == "measurements", "rows_new"].sum()
    assert len(warehouse.read_table(engine, warehouse.MEASUREMENT_VERSIONS)) == 1
    assert len(warehouse.read_table(engine, warehouse.WITHDRAWALS)) == 1


def test_check_results_show_what_failed(demo_run):
    deliveries, results, *_ = demo_run
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


def test_one_run_over_every_region_stores_and_reports_what_a_run_per_region_does(demo_run, tmp_path, monkeypatch):
    """A full run ingests every region in one run (a single-run backfill over the region partitions): the stored
    tables, each region's rows and each region's check outcomes are those of the session's run per region."""
    from assets.ingest import region_ingest
    from assets.trajectories import trajectories
    from checks.ingest_checks import outcome
    from llo.cli.runs import region_lines
    from llo.demo_data import generate
    from pipelines.partitions import range_tags, sync_region_partitions
    from pipelines.resources import Landing, Monitor

    _, per_region, engine, *_ = demo_run
    generate(tmp_path / "landing", seed=7, faults=True)  # the session's deliveries again
    monkeypatch.setenv("LLO_DEMO", "1")
    monkeypatch.setenv("LLO_HOME", str(tmp_path))
    monkeypatch.delenv("LLO_PSEUDONYM_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    instance = dg.DagsterInstance.ephemeral()
    regions, _ = sync_region_partitions(instance, tmp_path / "landing")
    run = dg.materialize([region_ingest, trajectories], instance=instance, tags=range_tags(regions), resources={
        "warehouse": Warehouse(url=url), "landing": Landing(path=str(tmp_path / "landing")),
        "monitor": Monitor(context_path=str(tmp_path / "config" / "region_context.csv"))})
    assert run.success and len(regions) == len(per_region) > 1

    materialised = run.get_asset_materialization_events()
    assert {(e.asset_key.to_user_string(), e.partition) for e in materialised} == \
        {(asset, region) for asset in INGEST | {"trajectories"} for region in regions}
    for event in materialised:  # the same metadata on every region: the run's total, and each region's rows
        metadata, asset = event.materialization.metadata, event.asset_key.to_user_string()
        alone = {region: next(m.materialization.metadata["dagster/row_count"].value
                              for m in result.get_asset_materialization_events()
                              if m.asset_key.to_user_string() == asset) for region, result in per_region.items()}
        assert metadata["rows_by_region"].data == alone
        assert metadata["dagster/row_count"].value == sum(alone.values())
    for check in run.get_asset_check_evaluations():
        alone = {region: next(e for e in result.get_asset_check_evaluations() if e.check_name == check.check_name)
                 for region, result in per_region.items()}
        assert check.metadata["by_region"].data == {region: outcome(e) for region, e in alone.items()}
        assert check.passed is all(e.passed for e in alone.values())
        failed = [region for region, e in alone.items() if not e.passed]
        assert all(f"**{region}: " in check.metadata["failed_regions"].value for region in failed)
    assert {e.check_name for e in run.get_asset_check_evaluations() if not e.passed} == \
        {"quarantine_rate", "rejected_files",  # the demo's faults: quarantined rows and refused files
         "corrections_applied", "withdrawals_applied"}  # and, as warnings, its correction and withdrawal
    lines = region_lines(run, regions)
    assert lines["twente"] == region_lines(per_region["twente"], ["twente"])["twente"]

    def stored(on, table):  # received_at is the time of this test's ingest
        rows = warehouse.read_table(on, table).drop(columns=["received_at"], errors="ignore")
        return rows.sort_values(list(rows.columns), ignore_index=True)

    mine = warehouse.engine_for(url)
    for table in (warehouse.MEASUREMENTS, warehouse.TRAJECTORY_CATALOGUE, warehouse.QUARANTINE, warehouse.WARNINGS,
                  warehouse.INGEST_LOG, warehouse.TRAJECTORIES):
        pd.testing.assert_frame_equal(stored(mine, table), stored(engine, table), obj=table.name)
    mine.dispose()


def test_stretches_of_consecutive_partitions():
    from llo.cli.runs import stretches

    order = ["a", "b", "c", "d", "e"]
    assert stretches(order, order) == [order]
    assert stretches(order, ["e", "a", "b", "d"]) == [["a", "b"], ["d", "e"]]
    assert stretches(order, ["c"]) == [["c"]]
    assert stretches(order, ["x"]) == []


def test_materialisation_metadata(demo_run):
    _, results, *_ = demo_run
    result = results["twente"]
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        assert metadata["dagster/row_count"].value >= 0
        assert metadata["dagster/column_schema"].schema.columns
    measurements = next(e for e in result.get_asset_materialization_events()
                        if e.asset_key.to_user_string() == "measurements")
    columns = [c.name for c in measurements.materialization.metadata["dagster/column_schema"].schema.columns]
    assert columns[:3] == ["deelnemer_id", "regio", "meetmoment"]


def test_trajectories_and_kpis_of_every_region_and_month(demo_run):
    deliveries, results, engine, _, kpi, _ = demo_run
    assert kpi.success
    measurements = warehouse.read_table(engine, warehouse.MEASUREMENTS)
    stored = warehouse.read_table(engine, warehouse.TRAJECTORIES)
    assert len(stored) == (measurements["meetmoment"] == "T0").sum()
    assert stored["meetdatum_t1"].notna().sum() == (measurements["meetmoment"] == "T1").sum()
    regional = warehouse.read_typed(engine, warehouse.KPI_REGION_MONTH)
    national = warehouse.read_typed(engine, warehouse.KPI_NATIONAL_MONTH)
    months = pd.period_range(MONTHS[0][:7], MONTHS[1][:7], freq="M")
    assert sorted(regional["peildatum"].dt.to_period("M").unique()) == list(months)
    assert set(regional["region"]) == {d.region for d in deliveries}
    assert len(national) == len(months) * len(KPIS) and national["regions"].eq(8).all()
    assert regional["context_bron"].str.startswith("FICTIEF").all()
    k1 = national[(national["kpi"] == "K1") & (national["peildatum"] == national["peildatum"].max())]
    assert int(k1["value"].iloc[0]) == (pd.to_datetime(measurements.loc[measurements["meetmoment"] == "T0",
                                                                        "meetdatum"]) <= "2025-12-31").sum()
    assert int(k1["target"].iloc[0]) == 8 * 400
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in kpi.get_asset_check_evaluations()}
    failed = {k: e.description for k, e in checks.items()
              if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR}
    assert not failed, failed
    # A warning may fire here: a small regional cohort can be dominated by costs whose distribution is skewed.
    assert checks[("scba_monte_carlo", "monte_carlo_median_near_estimate")].severity == dg.AssetCheckSeverity.WARN


def test_the_code_location_loads_without_heavy_libraries():
    import subprocess
    import sys

    code = ("import sys, pipelines.definitions; heavy = [m for m in ('pandas', 'pandera', 'sqlalchemy', 'scipy', "
            "'openpyxl', 'great_expectations', 'matplotlib', 'nbclient', 'pypandoc', 'typst', 'docx', 'pypdf') "
            "if m in sys.modules]; "
            "print(','.join(heavy))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", f"imported when the code location loads: {loaded}"


def test_runs_started_by_the_daemon_execute_their_steps_in_the_run_process():
    """The stage jobs and the UI's ad-hoc asset job use the in-process executor (see pipelines/definitions.py)."""
    from pipelines.definitions import defs

    jobs = [job.name for job in defs.get_repository_def().get_all_jobs()]
    assert {"ingest", "monthly", "__ASSET_JOB"} <= set(jobs)
    assert {name: defs.resolve_job_def(name).executor_def.name for name in jobs} == dict.fromkeys(jobs, "in_process")


def test_a_broken_context_file_fails_its_check_and_names_the_problem(tmp_path):
    path = tmp_path / "region_context.csv"
    path.write_text("regio,peiljaar,aandeel_laaggeletterden,spanningsindicator,werkloosheid\nAtlantis,2024,1,1,1\n",
                    encoding="utf-8")
    result = dg.materialize([region_context], resources={
        "warehouse": Warehouse(url=f"sqlite:///{tmp_path / 'w.sqlite'}"), "monitor": Monitor(context_path=str(path))})
    check = result.get_asset_check_evaluations()[0]
    assert result.success and not check.passed
    assert "row 2, column regio: 'Atlantis' is not a known labour-market region" in check.description



def test_scba_tables_for_every_region_and_the_nation(demo_run):
    deliveries, _, engine, _, monthly, _ = demo_run
    overview = warehouse.read_typed(engine, warehouse.SCBA_OVERVIEW)
    assert set(overview["region"]) == {d.region for d in deliveries} | {"nationaal"}
    assert overview["peildatum"].nunique() == 3 and set(overview["scenario"]) == {"basis"}
    national = overview[(overview["region"] == "nationaal") & (overview["peildatum"] == overview["peildatum"].max())]
    assert set(national["variant"]) == {"traject", "programma"}
    for _, rows in national.groupby("variant"):
        items = rows.set_index("item")
        assert items.at["Saldo (netto contante waarde)", "value"] == pytest.approx(
            items.at["Totaal baten", "value"] - items.at["Totaal kosten", "value"])
        assert set(rows.loc[rows["section"] == "pm", "note"]) >= {"PM"}
    benefits = national[national["item"] == "Totaal baten"].set_index("variant")["value"]
    assert benefits["traject"] == benefits["programma"]  # the variants differ in their costs only
    mc = warehouse.read_typed(engine, warehouse.SCBA_MONTE_CARLO)
    assert (mc["draws"] == 10_000).all() and set(mc["variant"]) == {"traject", "programma"}


def test_a_scenario_from_run_config_is_stored_beside_the_basis(demo_run):
    *_, engine, _, _, (instance, resources) = demo_run
    result = dg.materialize([scba_parameter_file, scba_month], instance=instance, resources=resources,
                            partition_key="2025-12-01", run_config={"ops": {"scba_month": {"config": {
                                "scenario": "voortzetting", "overrides": {"continuation_share": 1.0}, "draws": 500}}}})
    assert result.success
    overview = warehouse.read_typed(engine, warehouse.SCBA_OVERVIEW)
    saldo = overview[(overview["item"] == "Saldo (netto contante waarde)") & (overview["region"] == "nationaal")
                     & (overview["peildatum"] == pd.Timestamp("2025-12-31"))].set_index(
                         ["scenario", "variant"])["value"]
    assert saldo["voortzetting", "programma"] > saldo["basis", "programma"]  # the lasting part shared by more
    assert saldo["voortzetting", "traject"] == saldo["basis", "traject"]  # no programme costs at trajectory level
    used = warehouse.read_typed(engine, warehouse.SCBA_PARAMETERS)
    row = used[(used["scenario"] == "voortzetting") & (used["parameter"] == "continuation_share")].iloc[0]
    assert row["value"] == 1.0 and row["overridden"]
    metadata = next(e for e in result.get_asset_materialization_events()
                    if e.asset_key.to_user_string() == "scba_overview").materialization.metadata
    assert metadata["scenario"].value == "voortzetting" and "continuation_share=1.0" in metadata["overrides"].value
    assert isinstance(metadata["programma_npv_eur"].value, float) and isinstance(
        metadata["traject_npv_eur"].value, float)


def test_an_invalid_parameter_file_stops_the_scba_with_its_message(tmp_path):
    path = tmp_path / "scba.yaml"
    path.write_text("parameters: {}\n", encoding="utf-8")
    result = dg.materialize([scba_parameter_file, scba_month], partition_key="2025-12-01", raise_on_error=False,
                            resources={"warehouse": Warehouse(url=f"sqlite:///{tmp_path / 'w.sqlite'}"),
                                       "monitor": Monitor(scba_parameters_path=str(path))})
    check = result.get_asset_check_evaluations()[0]
    assert not check.passed and "missing parameter(s) discount_rate" in check.description
    assert not [e for e in result.get_asset_materialization_events()
                if e.asset_key.to_user_string().startswith("scba_overview")]
