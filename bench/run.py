"""`make bench`: the pipeline at scale 1x (the demo), 10x and 100x (the national roll-out), stage by stage; on request
(`make bench BENCH_ARGS=--scales 1000`) the 1000x point on PostgreSQL, added to the figures of the other scales.

Per scale, the full run is one process (bench/pipeline.py) on a fresh LLO_HOME and Dagster instance that measures
its stages; the incremental run after one late delivery and the plain-script baseline (bench/baseline.py) are
processes of their own. A process's wall time, CPU time and peak memory (its own and that of the processes it
waited for, such as the report kernel) come from os.wait4. Generated deliveries are kept and reused.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import report

LATE_REGION = "twente"  # the incremental delivery goes to the largest region: the worst case
NATIONAL_ONLY_FROM = 10  # from this scale on only the national report is rendered (35 regional reports add nothing)
# From this scale on the warehouse is PostgreSQL, where a national roll-out runs, and only the full run is measured
# (an incremental run or a re-delivery would take as long again); the point is opt-in (--scales 1000).
POSTGRES_FROM = 1000
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"  # the local server (trust authentication)
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measured:
    """One process: wall, CPU (user + system, with the processes it waited for) and peak resident memory."""

    wall: float
    cpu: float
    peak_mib: float
    detail: dict = field(default_factory=dict)


def measure(command: list[str], env: dict, result: Path | None = None, log: Path | None = None) -> Measured:
    """Run `command` to completion (its output goes to ours, or to `log`); stop the benchmark when it fails."""
    import json

    started = time.perf_counter()
    with open(log or os.devnull, "wb") as sink:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=sink if log else None,
                                   stderr=subprocess.STDOUT if log else None)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"bench: {' '.join(command[1:4])} failed with exit code {code}")
    detail = json.loads(result.read_text(encoding="utf-8")) if result else {}
    return Measured(round(wall, 2), round(usage.ru_utime + usage.ru_stime, 2), round(usage.ru_maxrss / 1024, 1),
                    detail)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def environment(home: Path, warehouse_url: str | None = None) -> dict:
    """The embedded defaults (SQLite and local files under `home`), or the warehouse at `warehouse_url`."""
    env = {**os.environ, "LLO_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    for name in ("LLO_WAREHOUSE_URL", "DAGSTER_POSTGRES_URL", "LLO_SITE_URL"):
        env.pop(name, None)
    if warehouse_url:
        env["LLO_WAREHOUSE_URL"] = warehouse_url
    return env


def fresh_postgres_database(server: str, name: str) -> str:
    """An empty database `name` on the PostgreSQL server (dropped first when it exists); its URL."""
    import sqlalchemy as sa

    admin = sa.create_engine(f"{server}postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        raise SystemExit(f"the {POSTGRES_FROM}x point runs on PostgreSQL, and none answers at {server}: start one, "
                         f"or give another with --postgres ({exc.orig})") from None
    finally:
        admin.dispose()
    return f"{server}{name}"


def deliveries(scale: int, folder: Path) -> tuple[Path, float | None]:
    """The generated landing folder and context of a scale (generated when missing; seconds when generated)."""
    from llo import demo_data

    data = folder / "data" / f"{scale}x"
    if (data / "complete").exists():
        return data, None
    shutil.rmtree(data, ignore_errors=True)
    regions = demo_data.DEMO_REGIONS if scale == 1 else demo_data.ROLL_OUT
    print(f"[{scale}x] generating deliveries for {len(regions)} regions ...", flush=True)
    started = time.perf_counter()
    written = demo_data.generate(data / "landing", regions=regions, faults=True, scale=scale)
    demo_data.write_context(data / "config" / "region_context.csv", regions=regions)
    (data / "complete").write_text(f"{sum(d.rows_written for d in written)}\n", encoding="utf-8")
    return data, time.perf_counter() - started


def fresh_home(data: Path, home: Path) -> Path:
    """An empty LLO_HOME whose landing folder holds the generated files (hard links: nothing is copied, and the
    pipeline never writes into the landing folder)."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copytree(data / "landing", home / "landing", copy_function=os.link)
    shutil.copytree(data / "config", home / "config")
    return home


def late_delivery(home: Path) -> Path:
    """A late delivery for LATE_REGION: the intakes of its last month once more, as new participants."""
    import pandas as pd

    from checks.contract import Measurement

    columns = Measurement.to_schema().columns
    moment, participant = columns["meetmoment"].title, columns["deelnemer_id"].title
    folder = home / "landing" / LATE_REGION
    last = sorted(folder.glob("*_metingen.csv"))[-1]
    rows = pd.read_csv(last, dtype=str, keep_default_na=False)
    rows = rows[rows[moment] == "T0"].assign(**{participant: lambda df: df[participant] + "N"})
    path = folder / f"nalevering_{last.stem}.csv"
    rows.to_csv(path, index=False)
    return path


def cumulative_redelivery(home: Path, scale: int) -> int:
    """Every region sends its whole history again in one CSV file, as a cumulative export does (without the faulty
    rows of its monthly files). Rows written."""
    from llo import demo_data

    written = 0
    for folder in sorted(p for p in (home / "landing").iterdir() if p.is_dir()):
        _, measurements = demo_data.synthetic_region(folder.name, scale=scale)
        written += demo_data.write_delivery(measurements, folder / f"herlevering_{folder.name}_alles.csv").rows_written
    return written


def measured_rows(url: str) -> int:
    """Measurement rows read from the deliveries (accepted and quarantined), from the ingest log."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT sum(rows_read) FROM ingest_log WHERE kind = 'measurements'")).scalar()
    engine.dispose()
    return int(rows or 0)


def run_scale(scale: int, folder: Path, baseline: bool, postgres: str = POSTGRES_SERVER) -> dict:
    data, generated = deliveries(scale, folder)
    home = fresh_home(data, folder / "run" / f"{scale}x")
    url = fresh_postgres_database(postgres, f"llo_bench_{scale}x") if scale >= POSTGRES_FROM else None
    env, national_only = environment(home, url), scale >= NATIONAL_ONLY_FROM
    flags = ["--national-only"] if national_only else []
    print(f"[{scale}x] full run" + (f" on {url}" if url else ""), flush=True)
    out = home / "bench-full.json"
    full = measure(python("-m", "bench.pipeline", str(out), *flags), env, out)
    print(f"[{scale}x] full run {full.wall:.1f} s wall, {full.cpu:.1f} s CPU, {full.peak_mib:.0f} MiB peak", flush=True)
    result = {"scale": scale, "regions": len([p for p in (data / "landing").iterdir() if p.is_dir()]),
              "measurement_rows": measured_rows(url or f"sqlite:///{home / 'warehouse.sqlite'}"),
              "generated_seconds": generated, "national_only": national_only, "warehouse": "PostgreSQL" if url
              else "SQLite", "measured": time.strftime("%Y-%m-%d"), "full": asdict(full)}
    if url:
        return result
    late = late_delivery(home)
    print(f"[{scale}x] incremental run after {late.relative_to(home / 'landing')}", flush=True)
    out = home / "bench-incremental.json"
    result["incremental"] = asdict(measure(python("-m", "bench.pipeline", str(out), "--incremental", LATE_REGION,
                                                  *flags), env, out))
    result["late_delivery"] = f"{LATE_REGION}/{late.name}"
    result["redelivery_rows"] = cumulative_redelivery(home, scale)
    print(f"[{scale}x] cumulative re-delivery of every region ({result['redelivery_rows']:,} rows again): the ingest "
          "run", flush=True)
    out = home / "bench-redelivery.json"
    result["redelivery"] = asdict(measure(python("-m", "bench.pipeline", str(out), "--redelivery"), env, out))
    if baseline:
        plain = fresh_home(data, folder / "run" / f"{scale}x-baseline")
        out = plain / "bench-baseline.json"
        print(f"[{scale}x] baseline: the same computations as a plain script, no Dagster", flush=True)
        result["baseline"] = asdict(measure(python("-m", "bench.baseline", str(out), *flags), environment(plain),
                                            out))
        print(f"[{scale}x] baseline {result['baseline']['wall']:.1f} s wall", flush=True)
    return result


def code_location_load(folder: Path, times: int = 5) -> dict:
    """A fresh interpreter importing the code location and resolving its jobs, as Dagster's code server does."""
    env = environment(folder / "run" / "load")
    snippet = "from pipelines.definitions import defs; defs.get_repository_def().get_all_jobs()"
    walls = [measure(python("-c", snippet), env).wall for _ in range(times)]
    return {"median_seconds": round(statistics.median(walls), 2), "runs": walls}


def dagster_event_cost(folder: Path, events: int = 500) -> dict:
    """Dagster's cost per stored event on the embedded defaults (a fresh SQLite instance): see bench/pipeline.py."""
    home = folder / "run" / "events"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    result = home / "events.json"
    return measure(python("-m", "bench.pipeline", str(result), "--event-cost", str(events)), environment(home),
                   result=result).detail


def demo(folder: Path) -> dict:
    """`llo demo` on an empty LLO_HOME: demo data, the whole pipeline and the reports."""
    home = folder / "run" / "demo"
    shutil.rmtree(home, ignore_errors=True)
    log = folder / "run" / "demo.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    m = measure([str(Path(sys.executable).with_name("llo")), "demo"], environment(home), log=log)
    print(f"[demo] llo demo {m.wall:.1f} s wall, {m.peak_mib:.0f} MiB peak (output in {log})", flush=True)
    return asdict(m)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="comma-separated scale factors (default 1,10,100; "
                        f"from {POSTGRES_FROM} on the warehouse is PostgreSQL, see --postgres)")
    parser.add_argument("--baseline", default="10", help="scales that also run the plain script (default 10)")
    parser.add_argument("--postgres", default=POSTGRES_SERVER, help="the PostgreSQL server of the scales from "
                        f"{POSTGRES_FROM} on, as a URL ending in '/' (default {POSTGRES_SERVER}): each gets a fresh "
                        "database llo_bench_<scale>x")
    parser.add_argument("--folder", type=Path, default=ROOT / ".bench", help="generated data and run folders")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md", help="the report (JSON beside it)")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",") if s]
    with_baseline = {int(s) for s in args.baseline.split(",") if s}
    args.folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = {"load": code_location_load(args.folder)}
    print(f"[load] code location {results['load']['median_seconds']} s (median of 5)", flush=True)
    results["dagster_events"] = dagster_event_cost(args.folder)
    print(f"[events] Dagster stores an event in {results['dagster_events']['ms_per_event']} ms", flush=True)
    results["demo"] = demo(args.folder)
    results["scales"] = [run_scale(scale, args.folder, scale in with_baseline, args.postgres) for scale in scales]
    results["machine"] = report.machine()
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    report.write(report.merged(results, args.out.with_suffix(".json")), args.out)
    print(f"Written {args.out} and {args.out.with_suffix('.json')} ({results['bench_seconds']:.0f} s in all)")


if __name__ == "__main__":
    main()
