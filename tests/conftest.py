"""Shared fixtures: hand-built deliveries whose outcome is known by construction."""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from checks.contract import InterviewCoding, Measurement, TrajectoryCatalogue

KEY = b"test-key-for-pseudonyms-0123456789"
TODAY = dt.date(2026, 1, 1)
MEASUREMENT_TITLES = [c.title for c in Measurement.to_schema().columns.values()]
CATALOGUE_TITLES = [c.title for c in TrajectoryCatalogue.to_schema().columns.values()]


def measurement_row(pid: str, moment: str = "T0", *, date: str = "2024-01-15", start: str = "2024-01-15",
                    region: str = "Twente", code: str = "TW-1", **overrides) -> dict[str, str]:
    """One valid measurement row as a region types it (Dutch headers), with overrides by canonical name."""
    row = {"deelnemer_id": pid, "regio": region, "meetmoment": moment, "meetdatum": date,
           "startdatum_traject": start, "trajectcode": code, "geboortejaar": "1980", "doelgroep": "laaggeletterd",
           "taalniveau": "1F", "rekenniveau": "1F", "digitale_vaardigheden": "2",
           "leefgebied_financien": "3", "leefgebied_huisvesting": "4", "leefgebied_gezondheid": "3",
           "leefgebied_sociaal_netwerk": "2", "leefgebied_maatschappelijke_participatie": "2",
           "leefgebied_dagbesteding": "3", "participatieladder": "2", "arbeidssituatie": "geen werk",
           "uren_per_week": "", "uitkering": "bijstand", "bruto_uurloon": "", "opleiding": "geen",
           "bewijs_civiel_effect": "nee", "startkwalificatie": "nee", "match_werkgever": "nee"}
    if moment == "T1":
        row.update(arbeidssituatie="betaald werk", uren_per_week="24", participatieladder="6", uitkering="geen")
    row.update(overrides)
    return row


def interview_row(finding: int, theme: str = "begeleiding_coach", direction: str = "helpt", strength: str = "2", *,
                  round_: str = "1", date: str = "2024-03-15", partners: str = "ROC; gemeente; UWV", quote: str = "",
                  **overrides) -> dict[str, str]:
    """One valid coded finding of a group interview as a researcher types it, with overrides by canonical name."""
    row = {"ronde": round_, "datum_gesprek": date, "partners": partners, "bevinding": str(finding), "thema": theme,
           "richting": direction, "sterkte": strength, "citaat": quote}
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict], *, titles: list[str] | None = None, sep: str = ",",
              encoding: str = "utf-8", extra: dict[str, list[str]] | None = None) -> Path:
    """Write rows keyed by canonical name under the contract's Dutch headers (plus extra raw columns)."""
    model = Measurement if "meetmoment" in rows[0] else InterviewCoding if "thema" in rows[0] else TrajectoryCatalogue
    schema = model.to_schema()
    names = list(schema.columns)
    titles = titles or [schema.columns[n].title for n in names]
    extra = extra or {}
    lines = [sep.join([*titles, *extra])]
    for i, row in enumerate(rows):
        lines.append(sep.join([row.get(n, "") for n in names] + [values[i] for values in extra.values()]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def catalogue_rows(*codes: str) -> list[dict]:
    return [{"trajectcode": c, "naam": f"Traject {c}", "type": "taal", "startdatum": "2023-01-01",
             "kosten_per_deelnemer": "1500"} for c in codes]


@pytest.fixture
def region_folder(tmp_path: Path) -> Path:
    """A Twente folder with a catalogue (TW-1, TW-2) and a clean file of 2 participants with T0 and T1."""
    folder = tmp_path / "landing" / "twente"
    write_csv(folder / "catalogus.csv", catalogue_rows("TW-1", "TW-2"))
    write_csv(folder / "2024-01.csv", [measurement_row("A1"), measurement_row("A2", code="TW-2")])
    write_csv(folder / "2024-09.csv", [measurement_row("A1", "T1", date="2024-09-15"),
                                       measurement_row("A2", "T1", date="2024-09-20", code="TW-2")])
    return folder



MONTHS = ("2025-10-01", "2025-12-01")  # the monthly range of the session's demo run


def monthly_assets() -> list:
    from assets.kpi import kpi_breakdown_month, kpi_month, region_context
    from assets.scba import scba_month, scba_parameter_file

    return [region_context, kpi_month, kpi_breakdown_month, scba_parameter_file, scba_month]


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """All demo regions with faults, ingested region by region, then the monthly tables of three months in one run.
    Shared by the pipeline and report tests: a test may add rows, but leaves the basis tables as it found them."""
    import dagster as dg

    from assets.ingest import region_ingest
    from assets.trajectories import trajectories
    from llo import warehouse
    from llo.demo_data import generate, write_context
    from pipelines.partitions import range_tags, sync_region_partitions
    from pipelines.resources import Landing, Monitor, Warehouse

    home = tmp_path_factory.mktemp("llo_home")
    deliveries = generate(home / "landing", seed=7, faults=True)
    write_context(home / "config" / "region_context.csv", seed=7)
    url = f"sqlite:///{home / 'warehouse.sqlite'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("LLO_DEMO", "1")
    mp.setenv("LLO_HOME", str(home))
    mp.delenv("LLO_PSEUDONYM_KEY", raising=False)
    instance = dg.DagsterInstance.ephemeral()
    regions, unknown = sync_region_partitions(instance, home / "landing")
    resources = {"warehouse": Warehouse(url=url), "landing": Landing(path=str(home / "landing")),
                 "monitor": Monitor(context_path=str(home / "config" / "region_context.csv"))}
    results = {region: dg.materialize([region_ingest, trajectories], partition_key=region, instance=instance,
                                      resources=resources)
               for region in regions}
    kpi = dg.materialize(monthly_assets(), instance=instance, resources=resources, tags=range_tags(list(MONTHS)))
    mp.undo()
    yield deliveries, results, warehouse.engine_for(url), unknown, kpi, (instance, resources)
    warehouse.engine_for(url).dispose()


PG_SERVER = "postgres@127.0.0.1:5432/"  # the local server, trust authentication


@contextmanager
def postgres_databases(*suffixes: str):
    """Fresh databases on the local server, named `llo_test_<random>_<suffix>`, dropped afterwards; the test
    is skipped when no server answers."""
    import sqlalchemy as sa

    try:
        admin = sa.create_engine(f"postgresql+psycopg://{PG_SERVER}postgres", isolation_level="AUTOCOMMIT",
                                 connect_args={"connect_timeout": 3})
        stem = f"llo_test_{uuid.uuid4().hex[:8]}"
        names = [f"{stem}_{suffix}" for suffix in suffixes]
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - any failure to reach the server means: skip
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    try:
        yield names
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(request, tmp_path):
    """A fresh, empty warehouse: SQLite in tmp_path, and a database on the local PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
        return
    with postgres_databases("warehouse") as (name,):
        yield f"postgresql+psycopg://{PG_SERVER}{name}"


def free_port() -> int:
    """A free port whose successor is free too (the report site runs on the UI port + 1)."""
    while True:
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                    return port
                except OSError:
                    continue
