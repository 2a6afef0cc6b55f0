"""The pipeline as the benchmark runs it: one process, the real Definitions, Dagster's in-process executor on the
instance in DAGSTER_HOME, as `llo materialize` does, measured stage by stage.

    python -m bench.pipeline RESULT.json [--national-only] [--incremental REGION | --redelivery]
    python -m bench.pipeline RESULT.json --event-cost EVENTS

The full run's stages are the stage jobs: ingest (the ingest job over every region in one run, as `llo materialize`
runs it), kpi, scba and quality over every month with data, and the reports of the latest month.
With --incremental, one stage: the region's ingest job, then the monthly job for the latest month (what the
delivery sensor and the refresh of the latest month start). With --redelivery, one stage: the ingest job over
every region again, after each sent its whole history once more (a cumulative export). Per stage: wall and CPU
time (with the processes waited for, such as the report kernel) and peak memory (the high-water mark is reset before
each stage); the parent measures the whole process.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

STAGES = ("ingest", "kpi", "scba", "quality", "reports")


def _status(field: str) -> int:
    """A field of /proc/self/status in KiB (VmHWM: the peak resident memory, VmRSS: the current)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def _reset_peak() -> bool:
    """Reset the process's memory high-water mark (Linux); False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measured(name: str, work, instance) -> dict:
    """Wall, CPU and peak memory of `work()`, plus what its runs materialised."""
    reset = _reset_peak()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, cpu = time.perf_counter(), time.process_time()
    results = work()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    child_peak = after.ru_maxrss if after.ru_maxrss > children.ru_maxrss else 0  # a child that outgrew the others
    stage = {"wall": round(time.perf_counter() - wall, 2), "cpu": round(time.process_time() - cpu + child_cpu, 2),
             "peak_mib": round(max(_status("VmHWM"), child_peak) / 1024, 1), "peak_since_start": not reset,
             "detail": summary(results, instance)}
    print(f"  {name:<13} {stage['wall']:>8.1f} s wall {stage['cpu']:>8.1f} s CPU {stage['peak_mib']:>7.0f} MiB peak",
          flush=True)
    return stage


def run(incremental: str | None, national_only: bool, redelivery: bool = False) -> dict:
    """The stages of a full run (or the incremental run), each measured."""
    import dagster as dg

    from assets.reports import NATIONAL, REGIONAL
    from llo import settings
    from llo.cli.runs import QUIET, ingest_runs, month_keys, use_demo_key_for_demo_data
    from pipelines.definitions import defs
    from pipelines.instance import prepare_dagster_home
    from pipelines.partitions import range_tags, sync_region_partitions

    prepare_dagster_home()
    use_demo_key_for_demo_data()
    ingest = defs.resolve_job_def("ingest")
    monthly = [k for k in defs.resolve_job_def("monthly").asset_layer.executable_asset_keys
               if not (national_only and k == dg.AssetKey(REGIONAL))]
    with dg.DagsterInstance.get() as instance:
        regions, _ = sync_region_partitions(instance, settings.landing_dir())

        def all_regions():
            return [result for _, result in ingest_runs(instance, ingest, regions)]

        def months(job: str, latest_only: bool = False, selection=None):
            def work():
                keys = month_keys("")
                one = {"partition_key": keys[-1]} if latest_only else {"tags": range_tags(keys)}
                return [defs.resolve_job_def(job).execute_in_process(instance=instance, run_config=QUIET,
                                                                     asset_selection=selection, **one)]
            return work

        if redelivery:
            return {"redelivery": measured("redelivery", all_regions, instance)}
        if incremental:
            return {"incremental": measured("incremental", lambda: [
                ingest.execute_in_process(partition_key=incremental, instance=instance, run_config=QUIET),
                *months("monthly", latest_only=True, selection=monthly)()], instance)}
        work = {"ingest": all_regions, "kpi": months("kpi"), "scba": months("scba"), "quality": months("quality"),
                "reports": months("reports", latest_only=True,
                                  selection=[dg.AssetKey(NATIONAL)] if national_only else None)}
        return {name: measured(name, work[name], instance) for name in STAGES}


def summary(results: list, instance) -> dict:
    """Runs, rows written and reports rendered, from the runs' materialisation metadata, and the events Dagster
    stored for the runs (each a write to its event log: a materialisation and its planned event per partition, a
    check, a step's start and end, a log line); a failed run stops the benchmark."""
    rows, reports, steps = 0, [], {}
    for result in results:
        if not result.success:
            raise SystemExit(f"run {result.run_id} ({result.job_def.name}) failed: see DAGSTER_HOME")
        for event in result.get_step_success_events():  # Dagster's own wall time per step (asset)
            steps[event.step_key] = steps.get(event.step_key, 0) + event.event_specific_data.duration_ms / 1000
        once = {}  # a run over a range of partitions stamps the same metadata on each: count it once per asset
        for event in result.get_asset_materialization_events():
            once.setdefault(event.asset_key, event.materialization.metadata)
        for asset, metadata in once.items():
            if "render_seconds" in metadata:
                reports.append({"asset": asset.to_user_string(), "reports": metadata["reports"].value,
                                "render_seconds": metadata["render_seconds"].value})
            if "dagster/row_count" in metadata:
                rows += metadata["dagster/row_count"].value
    checks = [e for r in results for e in r.get_asset_check_evaluations()]
    events = sum(len(instance.all_logs(result.run_id)) for result in results)
    return {"runs": len(results), "rows_written": rows, "reports": reports, "checks": len(checks), "events": events,
            "step_seconds": {step: round(seconds, 2) for step, seconds in steps.items()},
            "checks_not_passed": sorted({e.check_name for e in checks if not e.passed})}


def event_cost(events: int) -> dict:
    """Milliseconds per event Dagster stores on the instance in DAGSTER_HOME: `events` materialisations of one asset,
    a partition each, as a run over a range of months stores them. Times the events a run stored, it is the part of
    the run that is Dagster's own bookkeeping, whatever the assets compute."""
    import dagster as dg

    from pipelines.instance import prepare_dagster_home

    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        started = time.perf_counter()
        for number in range(events):
            instance.report_runless_asset_event(dg.AssetMaterialization(
                "bench_event_probe", partition=str(number), metadata={"dagster/row_count": number}))
        return {"events": events, "ms_per_event": round((time.perf_counter() - started) / events * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path)
    parser.add_argument("--incremental", metavar="REGION")
    parser.add_argument("--national-only", action="store_true")
    parser.add_argument("--redelivery", action="store_true")
    parser.add_argument("--event-cost", type=int, metavar="EVENTS", help="only time storing this many events")
    args = parser.parse_args()
    if args.event_cost:
        args.result.write_text(json.dumps(event_cost(args.event_cost)), encoding="utf-8")
        return
    started, cpu = time.perf_counter(), time.process_time()
    import pipelines.definitions  # noqa: F401  (the code location, as a run worker loads it)

    load = {"wall": round(time.perf_counter() - started, 2), "cpu": round(time.process_time() - cpu, 2),
            "peak_mib": round(_status("VmHWM") / 1024, 1)}
    stages = {"startup": load, **run(args.incremental, args.national_only, args.redelivery)}
    args.result.write_text(json.dumps(stages, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
