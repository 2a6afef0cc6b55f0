"""Two full runs at once on one LLO_HOME take turns (llo.locks; the warehouse by its transactions): both succeed,
the shared files are whole, and the tables are those of one run alone. On SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from llo import warehouse as wh
from llo.demo_data import generate, write_context
from tests.conftest import PG_SERVER, postgres_databases

REGIONS = ("twente", "achterhoek", "fryslan", "midden-limburg")  # three scale-up regions carry the faults
TABLES = (wh.MEASUREMENTS, wh.QUARANTINE, wh.TRAJECTORIES, wh.KPI_REGION_MONTH, wh.KPI_NATIONAL_MONTH,
          wh.SCBA_OVERVIEW)


def home_with_deliveries(home: Path) -> Path:
    generate(home / "landing", seed=13, regions=REGIONS, faults=True)
    write_context(home / "config" / "region_context.csv", regions=REGIONS)
    return home


def materialize(home: Path, url: str, count: int) -> list[subprocess.CompletedProcess]:
    """`count` runs of `llo materialize` started at once on `home`, each waited for."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LLO_SITE_URL", "LLO_PSEUDONYM_KEY")}
    env.update(LLO_HOME=str(home), LLO_DEMO="1", LLO_WAREHOUSE_URL=url)
    command = [str(Path(sys.executable).with_name("llo")), "materialize"]
    started = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(count)]
    return [subprocess.CompletedProcess(command, p.wait(), p.communicate()[0]) for p in started]


def tables(url: str) -> dict[str, pd.DataFrame]:
    engine = wh.engine_for(url)
    try:
        found = {}
        for table in TABLES:
            frame = wh.read_table(engine, table).drop(columns=["id"], errors="ignore")
            found[table.name] = frame.sort_values(list(frame.columns), ignore_index=True)
        return found
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_full_runs_at_once_take_turns_and_both_succeed(tmp_path, backend):
    if backend == "sqlite":
        urls = [f"sqlite:///{tmp_path / name / 'warehouse.sqlite'}" for name in ("together", "alone")]
        _run_and_compare(tmp_path, urls)
        return
    with postgres_databases("together", "alone") as names:
        _run_and_compare(tmp_path, [f"postgresql+psycopg://{PG_SERVER}{name}" for name in names])


def _run_and_compare(tmp_path: Path, urls: list[str]) -> None:
    together, alone = (home_with_deliveries(tmp_path / name) for name in ("together", "alone"))
    for run in materialize(together, urls[0], 2):
        assert run.returncode == 0, run.stdout[-3000:]
        assert "Traceback" not in run.stdout and "skipped" not in run.stdout.lower(), run.stdout[-3000:]
    (single,) = materialize(alone, urls[1], 1)
    assert single.returncode == 0, single.stdout[-3000:]

    mine, reference = tables(urls[0]), tables(urls[1])
    for name, frame in reference.items():
        assert len(frame), name
        pd.testing.assert_frame_equal(mine[name], frame, obj=name)
    summary = json.loads((together / "kwaliteit" / "uitkomsten.json").read_text(encoding="utf-8"))
    assert {s["suite"] for s in summary["suites"]} == {s["suite"] for s in json.loads(
        (alone / "kwaliteit" / "uitkomsten.json").read_text(encoding="utf-8"))["suites"]}
    assert (together / "kwaliteit" / "data-docs" / "index.html").exists()
    published = sorted(p.relative_to(together / "reports") for p in (together / "reports").rglob("*.html"))
    assert published == sorted(p.relative_to(alone / "reports") for p in (alone / "reports").rglob("*.html"))
    assert not list((together / "reports").rglob(".concept-*"))  # no draft left behind
