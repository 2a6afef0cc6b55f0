"""`llo materialize`, `llo backfill` and `llo report`: Dagster runs in this process, recorded in DAGSTER_HOME, with a
line of progress per region and per run."""

from __future__ import annotations

import os
import sys

import click

from llo import settings
from pipelines.instance import prepare_dagster_home

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # progress is printed per region



def use_demo_key_for_demo_data() -> None:
    """Synthetic demo data may use the fixed demo key; anything else needs LLO_PSEUDONYM_KEY."""
    if not os.environ.get("LLO_PSEUDONYM_KEY") and (settings.landing_dir() / settings.DEMO_MARKER).exists():
        os.environ["LLO_DEMO"] = "1"


@click.command()
@click.option("--region", "chosen", multiple=True, help="Only ingest these region slugs (default: every folder).")
@click.option("--months", default="", metavar="YYYY-MM[:YYYY-MM]",
              help="KPI months to compute (default: every month with measurements).")
@click.option("--reports/--no-reports", default=True, show_default=True,
              help="Render the national and regional reports of the last month.")
def materialize(chosen: tuple[str, ...], months: str, reports: bool) -> None:
    """Ingest every region folder, compute the monthly tables and render the last month's reports; runs are
    recorded in DAGSTER_HOME."""
    if not run_all(chosen, months, reports):
        sys.exit(1)


def run_all(chosen: tuple[str, ...] = (), months: str = "", reports: bool = True) -> bool:
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.partitions import sync_region_partitions

    prepare_dagster_home()
    use_demo_key_for_demo_data()
    ok = True
    with dg.DagsterInstance.get() as instance:
        found, skipped = sync_region_partitions(instance, settings.landing_dir())
        for name, reason in skipped.items():
            click.echo(f"skipped folder '{name}': {reason}", err=True)
        regions = [r for r in found if not chosen or r in chosen]
        if not regions:
            raise click.ClickException(f"no region folders to ingest in {settings.landing_dir()}")
        ok &= ingest_regions(instance, defs.resolve_job_def("ingest"), regions)
        keys = month_keys(months)
        if not keys:
            click.echo("no measurements yet: no KPI months to compute")
            return ok
        computed = run_months(instance, keys, reports=False)
        ok &= computed
        if reports and computed:
            ok &= render_reports(instance, keys[-1])
    return ok


def ingest_regions(instance, job, regions: list[str]) -> bool:
    """Ingest the regions and derive their trajectories, printing a line per region."""
    ok, done = True, 0
    for stretch, result in ingest_runs(instance, job, regions, announce=click.echo):
        ok &= result.success
        for region, line in region_lines(result, stretch).items():
            done += 1
            click.echo(f"[{done}/{len(regions)}] {region}: {line}")
    return ok


def ingest_runs(instance, job, regions: list[str], announce=lambda line: None):
    """One ingest run per stretch of consecutive region partitions, so every region is one run (a single-run
    backfill: Dagster's cost per run exceeds a region's work); yields (its regions, its result)."""
    from pipelines.partitions import range_tags, region_partitions

    for stretch in stretches(region_partitions.get_partition_keys(dynamic_partitions_store=instance), regions):
        if len(stretch) > 1:
            announce(f"[ingest] {len(stretch)} regions in one run ({stretch[0]} .. {stretch[-1]}) ...")
        one = {"tags": range_tags(stretch)} if len(stretch) > 1 else {"partition_key": stretch[0]}
        yield stretch, job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET, **one)


def stretches(order: list[str], chosen: list[str]) -> list[list[str]]:
    """The chosen keys as stretches of consecutive keys in `order` (a run covers a range of partitions)."""
    wanted, runs, previous = set(chosen), [], False
    for key in order:
        if key in wanted:
            if not previous:
                runs.append([])
            runs[-1].append(key)
        previous = key in wanted
    return runs


@click.command()
@click.argument("months", metavar="YYYY-MM[:YYYY-MM]")
@click.option("--reports/--no-reports", default=True, show_default=True, help="Render every month's reports too.")
def backfill(months: str, reports: bool) -> None:
    """Compute past months again from the warehouse as the monthly schedule does: KPI tables, SCBA, data quality
    and reports. A range runs as one run; the tables come out byte-identical to the first materialisation."""
    import dagster as dg

    keys = month_keys(months)
    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        if not run_months(instance, keys, reports):
            sys.exit(1)


def run_months(instance, keys: list[str], reports: bool = True) -> bool:
    """The monthly job over a range of months as one run: KPI tables, SCBA and data quality, and the reports of
    every month unless `reports` is False."""
    from pipelines.definitions import defs
    from pipelines.partitions import range_tags

    job, graph = defs.resolve_job_def("monthly"), defs.resolve_asset_graph()
    selection = None if reports else [key for key in job.asset_layer.executable_asset_keys
                                      if graph.get(key).group_name != "reports"]
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET,
                                    tags={**range_tags(keys), "llo/trigger": "llo"}, asset_selection=selection)
    click.echo(f"[monthly] {keys[0][:7]}..{keys[-1][:7]} ({len(keys)} months): {describe(result)}")
    if reports and result.success:
        for event in report_events(result):
            click.echo(f"[report] {event}")
    return result.success


def render_reports(instance, month_key: str) -> bool:
    """The national report and every region's report of one month: one run, one kernel."""
    from pipelines.definitions import defs

    result = defs.resolve_job_def("reports").execute_in_process(
        partition_key=month_key, instance=instance, raise_on_error=False, run_config=QUIET)
    if not result.success:
        click.echo(f"[report] {month_key[:7]}: FAILED (run {result.run_id}; see the run in the UI)")
    for event in report_events(result):
        click.echo(f"[report] {event}")
    return result.success


def report_events(result) -> list[str]:
    """One line per report asset of a run: how many reports were published, and the check outcomes (a range run
    stamps the same metadata on every month, so one line per asset)."""
    from assets.reports import NATIONAL, REGIONAL

    lines = {}
    for event in result.get_asset_materialization_events():
        asset = event.asset_key.to_user_string()
        if asset not in (NATIONAL, REGIONAL):
            continue
        metadata = event.materialization.metadata
        checks = ", ".join(sorted(f"{e.check_name} {'ok' if e.passed else e.severity.value}"
                                  for e in result.get_asset_check_evaluations()
                                  if e.asset_key == event.asset_key))
        lines[asset] = (f"{asset}: {metadata['published'].value} of {metadata['reports'].value} published in "
                        f"{metadata['render_seconds'].value} s ({metadata['engine'].value}); checks: {checks}")
    return list(lines.values())


def month_keys(months: str) -> list[str]:
    """Month partition keys from 'YYYY-MM[:YYYY-MM]', or every month with measurements in the warehouse."""
    import pandas as pd

    from pipelines.partitions import month_partitions

    if months:
        first, _, last = months.partition(":")
        try:
            span = pd.period_range(first, last or first, freq="M")
        except ValueError:
            raise click.BadParameter(f"expected YYYY-MM or YYYY-MM:YYYY-MM, got {months!r}",
                                     param_hint="--months") from None
    else:
        from llo.warehouse import data_months, engine_for

        span = data_months(engine_for(settings.warehouse_url()))
    valid = set(month_partitions.get_partition_keys())
    keys = [f"{p}-01" for p in span]
    outside = [k[:7] for k in keys if k not in valid]
    if months and outside:
        raise click.BadParameter(f"no month partition for {', '.join(outside)} (from {min(valid)[:7]} to the last "
                                 "complete month)", param_hint="--months")
    return [k for k in keys if k in valid]


def region_lines(result, regions: list[str]) -> dict[str, str]:
    """Per region of an ingest run: its rows and check outcomes (a run of several regions stamps the same metadata
    on each region's materialisation; rows_by_region and by_region hold each region's own)."""
    if not result.success:
        return {region: f"FAILED (run {result.run_id}; see the run in the UI)" for region in regions}
    events = result.get_asset_materialization_events()
    rows = {m.asset_key.path[-1]: m.materialization.metadata["rows_by_region"].data
            for m in events if "rows_by_region" in m.materialization.metadata}
    read = next((m.materialization.metadata["rows_by_outcome"].data for m in events
                 if "rows_by_outcome" in m.materialization.metadata), {})
    checks = [(e.check_name, e.metadata["by_region"].data) for e in result.get_asset_check_evaluations()]
    shown = {"measurements": "measurements", "interview_codings": "interview findings",
             "quarantine": "quarantine records", "ingest_log": "files logged", "trajectories": "trajectories"}
    return {region: ", ".join(f"{rows[name][region]} {label}" for name, label in shown.items() if name in rows)
            + ("; rows read: " + ", ".join(f"{n} {outcome}" for outcome, n in read[region].items())
               if region in read else "")
            + "; checks: " + ", ".join(sorted(f"{name} {outcome[region]}" for name, outcome in checks
                                              if region in outcome))
            for region in regions}


def describe(result) -> str:
    """One line per monthly run: rows and check outcomes."""
    if not result.success:
        return f"FAILED (run {result.run_id}; see the run in the UI)"
    counts = {m.asset_key.path[-1]: m.materialization.metadata["dagster/row_count"].value
              for m in result.get_asset_materialization_events() if "dagster/row_count" in m.materialization.metadata}
    checks = ", ".join(sorted({f"{e.check_name} {'ok' if e.passed else e.severity.value}"
                               for e in result.get_asset_check_evaluations()}))
    shown = {"kpi_region_month": "regional KPI rows",
             "kpi_national_month": "national KPI rows", "scba_overview": "SCBA overview rows"}
    return ", ".join(f"{counts[name]} {label}" for name, label in shown.items() if name in counts) + \
        f"; checks: {checks}"


@click.command()
@click.option("--month", default="", metavar="YYYY-MM", help="Peildatum month (default: the latest computed).")
def report(month: str) -> None:
    """Render the national and regional reports of a month from the warehouse (run `llo materialize` first)."""
    import dagster as dg

    key = month_keys(month)[-1:] if month else latest_computed_month()
    if not key:
        raise click.ClickException("no KPI months computed yet: run `llo materialize` first")
    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        ok = render_reports(instance, key[0])
    from llo.reporting.qmd import beside
    from llo.reporting.render import report_file

    national = report_file(key[0])
    click.echo(f"National report: {national}")
    for kind in ("docx", "pdf"):  # the same report, beside the HTML
        if beside(national, kind).exists():
            click.echo(f"  as {kind.upper()}: {beside(national, kind)}")
    if not ok:
        sys.exit(1)


def latest_computed_month() -> list[str]:
    """The latest month with national KPI rows, as a partition key ([] when none)."""
    import sqlalchemy as sa

    from llo import warehouse as wh

    engine = wh.engine_for(settings.warehouse_url())
    if not sa.inspect(engine).has_table(wh.KPI_NATIONAL_MONTH.name):
        return []
    with engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(wh.KPI_NATIONAL_MONTH.c.peildatum))).scalar_one()
    return [f"{str(latest)[:7]}-01"] if latest else []
