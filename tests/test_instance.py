"""The Dagster instance: the repository's dagster.yaml, its PostgreSQL variant and concurrent runs on it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from llo import settings
from pipelines import instance as llo_instance
from pipelines.instance import (
    POSTGRES_DRIVER_PREFIX,
    POSTGRES_MAX_CONCURRENT_RUNS,
    POSTGRES_URL_ENV,
    prepare_dagster_home,
)
from tests.conftest import PG_SERVER, postgres_databases

REGIONS = ("twente", "achterhoek", "fryslan")  # a pilot region (36 monthly files) and two scale-up regions
SECRET_URL = "postgresql+psycopg2://llo_dagster:n0t-a-real-password@db.internal.example:5432/dagster"


@pytest.fixture
def llo_home(tmp_path, monkeypatch) -> Path:
    """LLO_HOME in tmp_path, no DAGSTER_HOME or DAGSTER_POSTGRES_URL; prepare_dagster_home's write to
    os.environ["DAGSTER_HOME"] is undone afterwards."""
    for name in ("DAGSTER_HOME", POSTGRES_URL_ENV, "LLO_WAREHOUSE_URL"):
        monkeypatch.setenv(name, "")  # recorded, so the value before the test comes back afterwards
        monkeypatch.delenv(name)
    monkeypatch.setenv("LLO_HOME", str(tmp_path))
    return tmp_path


def repository_settings() -> dict:
    return yaml.safe_load(llo_instance.repository_config().read_text(encoding="utf-8"))


def test_repository_dagster_yaml_is_a_valid_sqlite_instance(llo_home):
    import dagster as dg
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster._core.storage.runs import SqliteRunStorage

    home = prepare_dagster_home()
    assert home == llo_home / "dagster" and os.environ["DAGSTER_HOME"] == str(home)
    assert (home / "dagster.yaml").read_bytes() == llo_instance.repository_config().read_bytes()
    config = repository_settings()
    assert "storage" not in config  # Dagster's default: SQLite inside DAGSTER_HOME

    with dg.DagsterInstance.get() as instance:  # validates dagster.yaml against Dagster's schema
        assert isinstance(instance.run_storage, SqliteRunStorage)
        assert Path(instance.root_directory) == home
        assert instance.telemetry_enabled is False
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_start_timeout_seconds == 180
        assert instance.run_monitoring_max_runtime_seconds == 3600
        assert instance.run_monitoring_max_resume_run_attempts == 0
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 2
        limits = {(limit["key"], str(limit.get("value"))): limit["limit"] for limit in queue.tag_concurrency_limits}
        assert limits == {("dagster/partition", "{'applyLimitPerUniqueValue': True}"): 1, ("llo/stage", "monthly"): 1}


def test_queue_limits_hold_back_a_second_run_of_a_region_and_a_second_monthly_run():
    """The queue's rule (Dagster's own counter) on the repository's limits: what a waiting run is held back by."""
    from dagster._core.storage.dagster_run import DagsterRun
    from dagster._utils.tags import TagConcurrencyLimitsCounter

    limits = repository_settings()["concurrency"]["runs"]["tag_concurrency_limits"]

    def run(**tags):
        return DagsterRun(job_name="job", run_id=uuid.uuid4().hex, tags=tags)

    ingest_twente = run(**{"dagster/partition": "twente"})
    monthly_range = run(**{"llo/stage": "monthly", "dagster/asset_partition_range_start": "2025-01-01",
                           "dagster/asset_partition_range_end": "2025-12-01"})
    counter = TagConcurrencyLimitsCounter(limits, [ingest_twente, monthly_range])
    assert counter.is_blocked(run(**{"dagster/partition": "twente"}))
    assert not counter.is_blocked(run(**{"dagster/partition": "rijnmond"}))
    assert counter.is_blocked(run(**{"dagster/partition": "2025-12-01", "llo/stage": "monthly"}))
    idle = TagConcurrencyLimitsCounter(limits, [ingest_twente])
    assert not idle.is_blocked(run(**{"dagster/partition": "2025-12-01", "llo/stage": "monthly"}))


def test_postgres_dagster_yaml_reads_the_url_from_the_environment(llo_home, monkeypatch):
    from dagster._core.instance.config import dagster_instance_config

    monkeypatch.setenv(POSTGRES_URL_ENV, SECRET_URL)
    home = prepare_dagster_home()
    written = (home / "dagster.yaml").read_text(encoding="utf-8")
    assert "n0t-a-real-password" not in written and "db.internal.example" not in written
    config = yaml.safe_load(written)
    assert config["storage"] == {"postgres": {"postgres_url": {"env": POSTGRES_URL_ENV}}}
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == POSTGRES_MAX_CONCURRENT_RUNS > 2
    shared = repository_settings()
    shared["concurrency"]["runs"]["max_concurrent_runs"] = POSTGRES_MAX_CONCURRENT_RUNS
    assert {k: v for k, v in config.items() if k != "storage"} == shared  # everything else from the repository

    validated, _ = dagster_instance_config(str(home))  # Dagster's schema, with the env reference resolved
    assert validated["storage"] == config["storage"]  # the URL is resolved only when the storage connects

    modified = (home / "dagster.yaml").stat().st_mtime_ns
    time.sleep(0.01)
    prepare_dagster_home()
    assert (home / "dagster.yaml").stat().st_mtime_ns == modified  # unchanged content: not rewritten
    monkeypatch.delenv(POSTGRES_URL_ENV)
    prepare_dagster_home()
    assert (home / "dagster.yaml").read_bytes() == llo_instance.repository_config().read_bytes()


@pytest.mark.parametrize("url", ["postgresql://llo:pw-secret@db/dagster", "postgresql+psycopg://llo:pw-secret@db/d",
                                 "postgres://llo:pw-secret@db/dagster"])
def test_postgres_url_without_psycopg2_is_refused_without_echoing_it(llo_home, monkeypatch, url):
    monkeypatch.setenv(POSTGRES_URL_ENV, url)
    with pytest.raises(settings.ConfigurationError, match=r"postgresql\+psycopg2://") as refused:
        prepare_dagster_home()
    assert "pw-secret" not in str(refused.value)
    assert not (llo_home / "dagster" / "dagster.yaml").exists()


# One process per region: load the code location, open the instance from DAGSTER_HOME, wait until every
# process is ready (so the runs really overlap), then run the ingest job for the region.
RUN_INGEST = """
import sys, time
from pathlib import Path
import dagster as dg
from pipelines.definitions import defs

region, barrier, name = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
job = defs.resolve_job_def("ingest")
with dg.DagsterInstance.get() as instance:
    (barrier / f"ready-{name}").touch()
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    result = job.execute_in_process(partition_key=region, instance=instance,
                                    run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    print(result.run_id)
"""


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request, llo_home, monkeypatch):
    """The storage of the instance and the warehouse, and the ingest runs it takes at once: on the default SQLite
    set-up the two runs the run queue lets through; on PostgreSQL three regions plus a second run of Twente at the
    same time."""
    if request.param == "sqlite":
        yield "SqliteRunStorage", ("twente", "achterhoek")
        return
    with postgres_databases("dagster", "warehouse") as (instance_db, warehouse_db):
        monkeypatch.setenv(POSTGRES_URL_ENV, f"{POSTGRES_DRIVER_PREFIX}{PG_SERVER}{instance_db}")
        monkeypatch.setenv("LLO_WAREHOUSE_URL", f"postgresql+psycopg://{PG_SERVER}{warehouse_db}")
        yield "PostgresRunStorage", (*REGIONS, "twente")


def test_concurrent_ingest_runs_lose_and_duplicate_no_row(llo_home, monkeypatch, storage):
    import dagster as dg

    from llo import warehouse
    from llo.demo_data import generate
    from pipelines.partitions import sync_region_partitions

    run_storage, runs = storage
    regions = sorted(set(runs))
    landing = llo_home / "landing"
    deliveries = generate(landing, seed=11, regions=regions, faults=False)
    monkeypatch.setenv("LLO_DEMO", "1")
    monkeypatch.delenv("LLO_PSEUDONYM_KEY", raising=False)
    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == run_storage
        assert sync_region_partitions(instance, landing) == (regions, {})

    barrier = llo_home / "barrier"
    barrier.mkdir()
    processes = {(i, region): subprocess.Popen([sys.executable, "-c", RUN_INGEST, region, str(barrier), str(i)],
                                               cwd=settings.PROJECT_ROOT, env=dict(os.environ), text=True,
                                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for i, region in enumerate(runs)}
    try:
        deadline = time.monotonic() + 45
        while (len(list(barrier.glob("ready-*"))) < len(runs) and time.monotonic() < deadline
               and all(p.poll() is None for p in processes.values())):
            time.sleep(0.05)
        (barrier / "go").touch()
        outputs = {run: p.communicate(timeout=90) for run, p in processes.items()}
    finally:
        for p in processes.values():
            if p.poll() is None:
                p.kill()
                p.communicate()
    failed = {run: err[-3000:] for run, (_, err) in outputs.items() if processes[run].returncode != 0}
    assert not failed, failed
    run_ids = {run: out.split()[-1] for run, (out, _) in outputs.items()}

    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records(dg.RunsFilter(job_name="ingest"))
        assert len(records) == len(runs)
        assert {r.dagster_run.run_id for r in records} == set(run_ids.values())
        assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
        assert {r.dagster_run.tags["dagster/partition"] for r in records} == set(regions)
        # The runs overlapped: the last one started before the first one ended.
        assert max(r.start_time for r in records) < min(r.end_time for r in records)
        for (_, region), run_id in run_ids.items():
            events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
            materialized = {(e.asset_materialization.asset_key.to_user_string(), e.asset_materialization.partition)
                            for e in events}
            assert materialized == {(key, region) for key in ("measurements", "trajectory_catalogue", "quarantine",
                                                              "ingest_warnings", "ingest_log", "measurement_versions",
                                                              "catalogue_versions", "withdrawals", "trajectories",
                                                              "interview_codings", "interview_versions")}

    assert not [line for _, err in outputs.values() for line in err.splitlines() if "database is locked" in line]
    engine = warehouse.engine_for(settings.warehouse_url())
    try:  # every row once: runs of one region took turns, the second replaced the first's rows
        for region in regions:
            expected = sum(d.rows_written - d.expected_quarantined for d in deliveries
                           if d.region == region and d.kind == "measurements")
            assert expected > 0
            assert len(warehouse.read_table(engine, warehouse.MEASUREMENTS, region)) == expected, region
            participants = warehouse.read_table(engine, warehouse.TRAJECTORIES, region, columns=["deelnemer_id"])
            assert len(participants) > 0 and not participants.duplicated().any(), region
    finally:
        engine.dispose()
