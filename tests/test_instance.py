"""The Dagster instance: the repository's dagster.yaml, its PostgreSQL variant and concurrent runs on it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from llo import settings
from pipelines import instance as llo_instance
from pipelines.instance import (
    POSTGRES_DRIVER_PREFIX,
    POSTGRES_MAX_CONCURRENT_RUNS,
    POSTGRES_URL_ENV,
    prepare_dagster_home,
)

PG_SERVER = "postgres@127.0.0.1:5432/"  # the local server, trust authentication
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


def _fresh_databases(*suffixes: str):
    """Fresh databases on the local server (admin engine, names), or None when no server answers."""
    try:
        admin = sa.create_engine(f"postgresql+psycopg://{PG_SERVER}postgres", isolation_level="AUTOCOMMIT",
                                 connect_args={"connect_timeout": 3})
        stem = f"llo_test_{uuid.uuid4().hex[:8]}"
        names = [f"{stem}_{suffix}" for suffix in suffixes]
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        return admin, names
    except Exception:  # noqa: BLE001 - any failure to reach the server means: skip
        return None


@pytest.fixture
def postgres_databases():
    """URLs of a fresh instance storage database (psycopg2, as dagster-postgres needs) and a fresh warehouse
    database (psycopg 3, as the project uses), both dropped afterwards."""
    server = _fresh_databases("dagster", "warehouse")
    if server is None:
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    admin, (instance_db, warehouse_db) = server
    yield f"{POSTGRES_DRIVER_PREFIX}{PG_SERVER}{instance_db}", f"postgresql+psycopg://{PG_SERVER}{warehouse_db}"
    names = (instance_db, warehouse_db)
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# One process per region: load the code location, open the instance from DAGSTER_HOME, wait until every
# process is ready (so the runs really overlap), then run the ingest job for the region.
RUN_INGEST = """
import sys, time
from pathlib import Path
import dagster as dg
from pipelines.definitions import defs

region, barrier = sys.argv[1], Path(sys.argv[2])
job = defs.resolve_job_def("ingest")
with dg.DagsterInstance.get() as instance:
    (barrier / f"ready-{region}").touch()
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    result = job.execute_in_process(partition_key=region, instance=instance,
                                    run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    print(result.run_id)
"""


def test_concurrent_ingest_runs_on_postgres_instance_storage(llo_home, monkeypatch, postgres_databases):
    import dagster as dg

    from llo import warehouse
    from llo.demo_data import generate
    from pipelines.partitions import sync_region_partitions

    instance_url, warehouse_url = postgres_databases
    landing = llo_home / "landing"
    deliveries = generate(landing, seed=11, regions=REGIONS, faults=False)
    monkeypatch.setenv("LLO_DEMO", "1")
    monkeypatch.delenv("LLO_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv(POSTGRES_URL_ENV, instance_url)
    monkeypatch.setenv("LLO_WAREHOUSE_URL", warehouse_url)
    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert sync_region_partitions(instance, landing) == (sorted(REGIONS), [])

    barrier = llo_home / "barrier"
    barrier.mkdir()
    processes = {region: subprocess.Popen([sys.executable, "-c", RUN_INGEST, region, str(barrier)],
                                          cwd=settings.PROJECT_ROOT, env=dict(os.environ), text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for region in REGIONS}
    try:
        deadline = time.monotonic() + 45
        while (len(list(barrier.glob("ready-*"))) < len(REGIONS) and time.monotonic() < deadline
               and all(p.poll() is None for p in processes.values())):
            time.sleep(0.05)
        (barrier / "go").touch()
        outputs = {region: p.communicate(timeout=60) for region, p in processes.items()}
    finally:
        for p in processes.values():
            if p.poll() is None:
                p.kill()
                p.communicate()
    failed = {region: err[-3000:] for region, (_, err) in outputs.items() if processes[region].returncode != 0}
    assert not failed, failed
    run_ids = {region: out.split()[-1] for region, (out, _) in outputs.items()}

    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records(dg.RunsFilter(job_name="ingest"))
        assert len(records) == len(REGIONS)
        assert {r.dagster_run.run_id for r in records} == set(run_ids.values())
        assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
        assert {r.dagster_run.tags["dagster/partition"] for r in records} == set(REGIONS)
        # The runs overlapped: the last one started before the first one ended.
        assert max(r.start_time for r in records) < min(r.end_time for r in records)
        for region, run_id in run_ids.items():
            events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
            materialized = {(e.asset_materialization.asset_key.to_user_string(), e.asset_materialization.partition)
                            for e in events}
            assert materialized == {(key, region) for key in ("measurements", "trajectory_catalogue", "quarantine",
                                                              "ingest_warnings", "ingest_log", "trajectories")}

    engine = warehouse.engine_for(warehouse_url)
    try:
        for region in REGIONS:
            expected = sum(d.rows_written - d.expected_quarantined for d in deliveries
                           if d.region == region and d.kind == "measurements")
            assert expected > 0
            assert len(warehouse.read_table(engine, warehouse.MEASUREMENTS, region)) == expected, region
    finally:
        engine.dispose()
