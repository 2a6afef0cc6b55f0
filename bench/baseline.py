"""The baseline: the pipeline's computations as a plain pandas script, without Dagster.

    python -m bench.baseline RESULT.json [--national-only]

From the same landing folder and configuration (LLO_HOME) it runs what the assets compute, in the order the
asset graph gives them: every region's tables and trajectories, the KPI tables, change scores and SCBA of every
month with data, the Great Expectations suites and Data Docs, and the latest month's national report (and regional
reports unless --national-only). It calls the same `llo` functions as the assets, so the difference with the
Dagster run is the orchestration: run and event storage, asset checks and metadata. Dagster is never imported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path)
    parser.add_argument("--national-only", action="store_true")
    args = parser.parse_args()
    seconds, clock = {}, time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = round(now - clock, 3)
        clock = now
        print(f"  {step:<13} {seconds[step]:>8.1f} s", flush=True)

    import os

    from checks.outputs import CHANGE_SCORES_MONTH, KPI_NATIONAL_MONTH, KPI_REGION_MONTH, SCHEMAS
    from llo import settings
    from llo import warehouse as wh
    from llo.intake.ingest import ingest_and_store
    from llo.monitor import kpi
    from llo.monitor.change_scores import COLUMNS as SCORE_COLUMNS
    from llo.monitor.change_scores import change_scores_months
    from llo.monitor.context import load_context
    from llo.monitor.region_trajectories import derive_and_store
    from llo.monitor.targets import load_targets
    from llo.quality import expectations
    from llo.regions import REGIONS
    from llo.reporting.data import regions_with_figures
    from llo.reporting.render import Renderer, report_file
    from llo.scba import model as scba
    from llo.scba.parameters import COMPARISON_FILE, load_parameters
    from llo.scba.tables import DEFAULT_DRAWS, DEFAULT_SEED, month_tables, suppress_small_cohorts

    if (settings.landing_dir() / settings.DEMO_MARKER).exists():
        os.environ.setdefault("LLO_DEMO", "1")  # as `llo materialize` does for synthetic data
    engine, today = wh.engine_for(settings.warehouse_url()), dt.date.today()
    lap("imports")

    regions = sorted(p.name for p in settings.landing_dir().iterdir() if p.is_dir() and p.name in REGIONS)
    for region in regions:  # a region's tables, then its trajectories, as the assets do
        ingest_and_store(engine, region, settings.landing_dir() / region, key=settings.pseudonym_key(), today=today,
                         parsed_root=settings.parsed_files_dir())
        derive_and_store(engine, region, None, code="baseline", hours=settings.SUSTAINABLE_WORK_HOURS)
    lap("ingest")

    peildata = [kpi.month_end(str(p)) for p in wh.data_months(engine)]
    targets = load_targets(settings.config_file("targets.yaml"), set(kpi.TARGETED))
    wh.replace_rows(engine, {wh.REGION_CONTEXT: load_context(settings.config_dir() / "region_context.csv")})
    trajectories = wh.read_typed(engine, wh.TRAJECTORIES, columns=list(dict.fromkeys(kpi.COLUMNS + SCORE_COLUMNS)))
    regional = KPI_REGION_MONTH.validate(kpi.region_month_table(
        trajectories, wh.read_typed(engine, wh.TRAJECTORY_CATALOGUE), peildata, targets,
        wh.read_typed(engine, wh.REGION_CONTEXT), settings.MIN_PARTICIPANTS))
    national = KPI_NATIONAL_MONTH.validate(kpi.national_month_table(regional, settings.MIN_PARTICIPANTS))
    changes = CHANGE_SCORES_MONTH.validate(change_scores_months(trajectories, peildata, settings.MIN_PARTICIPANTS))
    wh.replace_rows(engine, {wh.KPI_REGION_MONTH: regional, wh.KPI_NATIONAL_MONTH: national,
                             wh.CHANGE_SCORES_MONTH: changes}, "peildatum", peildata)
    lap("kpi")

    params = load_parameters(settings.config_file("scba_parameters.yaml"), settings.config_file(COMPARISON_FILE))
    trajectories = wh.read_typed(engine, wh.TRAJECTORIES, columns=scba.EFFECT_COLUMNS)
    planned = {region: targets.target(region, "K1")[0] for region in sorted(set(trajectories["regio"]))}
    tables = {wh.metadata.tables[name]: SCHEMAS[name].validate(frame) for name, frame in suppress_small_cohorts(
        month_tables(trajectories, peildata, params, planned, "basis", DEFAULT_DRAWS, DEFAULT_SEED,
                     targets.defaults.get("K1")), settings.MIN_PARTICIPANTS).items()}
    wh.replace_rows(engine, tables, "peildatum", peildata, scenario="basis")
    lap("scba")

    expectations.validate_warehouse(engine)
    expectations.build_data_docs()
    lap("quality")

    month = f"{peildata[-1]:%Y-%m}-01"
    url = settings.warehouse_url()
    regions = [None] + ([] if args.national_only else regions_with_figures(url, month))
    renderer = Renderer(workers=settings.REPORT_WORKERS)  # as many at a time as the pipeline
    list(renderer.render_all([{"month": month, "region": region, "warehouse_url": url,
                               "target": report_file(month, region)} for region in regions]))
    lap("reports")
    if "dagster" in sys.modules:
        raise SystemExit("the baseline must run without Dagster, but something imported it")
    args.result.write_text(json.dumps({"seconds": seconds}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
