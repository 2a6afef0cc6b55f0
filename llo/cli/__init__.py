"""The `llo` command: demo data, the intake template, contract docs, materialising, exports and the UI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from llo import settings
from pipelines.instance import prepare_dagster_home

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # progress is printed per region


def use_demo_key_for_demo_data() -> None:
    """Synthetic demo data may use the fixed demo key; anything else needs LLO_PSEUDONYM_KEY."""
    if not os.environ.get("LLO_PSEUDONYM_KEY") and (settings.landing_dir() / settings.DEMO_MARKER).exists():
        os.environ["LLO_DEMO"] = "1"


def landing_has_deliveries(landing: Path) -> bool:
    return landing.is_dir() and any(p.is_file() for d in landing.iterdir() if d.is_dir() for p in d.iterdir())


@click.group()
def main() -> None:
    """LLO impact monitor: ingest regional deliveries, check them and build the monitor's tables."""


@main.command("demo-data")
@click.option("--seed", default=2025, show_default=True, help="Same seed, same files.")
@click.option("--faults/--clean", default=True, show_default=True,
              help="Inject the faults real deliveries have (formats, bad rows, a few refused files).")
@click.option("--force", is_flag=True, help="Write even when the landing folder already holds deliveries.")
def demo_data(seed: int, faults: bool, force: bool) -> None:
    """Write synthetic deliveries for the demo regions into LLO_HOME/landing."""
    from llo.demo_data import generate, summary

    landing = settings.landing_dir()
    if landing_has_deliveries(landing) and not force:
        raise click.ClickException(f"{landing} already holds deliveries; use --force to add demo files anyway")
    deliveries = generate(landing, seed=seed, faults=faults)
    click.echo(summary(deliveries))
    click.echo(f"Synthetic deliveries written to {landing}")
    write_demo_context(seed)


def write_demo_context(seed: int = 2025) -> None:
    """Fictitious region context for the demo, unless the site already has a context file."""
    from llo.demo_data import write_context
    from llo.monitor.context import FILE_NAME

    path = settings.config_dir() / FILE_NAME
    if not path.exists():
        click.echo(f"Fictitious region context written to {write_context(path, seed=seed)}")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
def template(path: Path | None) -> None:
    """Write the Excel intake template derived from the data contract."""
    from llo.intake.template import write_template

    path = path or settings.llo_home() / "template" / "llo_aanlevertemplate.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    click.echo(f"Template written to {write_template(path)}")


def generated_docs() -> dict[Path, object]:
    """The documents rendered from code, by path."""
    from llo.intake.contract_docs import DOCS_PATH as CONTRACT
    from llo.intake.contract_docs import render_contract_markdown
    from llo.monitor.kpi_docs import DOCS_PATH as KPI
    from llo.monitor.kpi_docs import render_kpi_markdown
    from llo.scba.docs import DOCS_PATH as SCBA
    from llo.scba.docs import render_scba_markdown

    return {CONTRACT: render_contract_markdown, KPI: render_kpi_markdown, SCBA: render_scba_markdown}


@main.command()
@click.option("--check", is_flag=True, help="Only check that the generated documents are up to date.")
def docs(check: bool) -> None:
    """Regenerate docs/data-contract.md, docs/kpi-definitions.md and docs/scba-method.md from the code."""
    stale = []
    for path, render in generated_docs().items():
        text = render()
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            stale += [path] if current != text else []
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        click.echo(f"Written {path}")
    if stale:
        raise click.ClickException(f"out of date: {', '.join(map(str, stale))}; run `llo docs`")
    if check:
        click.echo("generated documents are up to date")


@main.command()
@click.option("--all", "everything", is_flag=True, help="List every labour-market region a folder can be named after.")
def regions(everything: bool) -> None:
    """List the region folders in the landing folder and register them as partitions."""
    import dagster as dg

    from pipelines.partitions import sync_region_partitions

    if everything:
        from llo.regions import REGIONS

        for slug, name in sorted(REGIONS.items()):
            click.echo(f"  {slug:40} {name}")
        return
    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        found, unknown = sync_region_partitions(instance, settings.landing_dir())
    for region in found:
        click.echo(f"  {region}")
    for name in unknown:
        click.echo(f"  skipped folder '{name}': not a known labour-market region (`llo regions --all` lists them)",
                   err=True)


@main.command()
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
        found, unknown = sync_region_partitions(instance, settings.landing_dir())
        for name in unknown:
            click.echo(f"skipped folder '{name}': not a known labour-market region", err=True)
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
    from pipelines.partitions import region_partitions

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


@main.command()
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


def range_tags(keys: list[str]) -> dict[str, str]:
    """Tags that run a range of partitions as one run (the region and month assets have a single-run backfill
    policy)."""
    return {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}


def region_lines(result, regions: list[str]) -> dict[str, str]:
    """Per region of an ingest run: its rows and check outcomes (a run of several regions stamps the same metadata
    on each region's materialisation; rows_by_region and by_region hold each region's own)."""
    if not result.success:
        return {region: f"FAILED (run {result.run_id}; see the run in the UI)" for region in regions}
    rows = {m.asset_key.path[-1]: m.materialization.metadata["rows_by_region"].data
            for m in result.get_asset_materialization_events() if "rows_by_region" in m.materialization.metadata}
    checks = [(e.check_name, e.metadata["by_region"].data) for e in result.get_asset_check_evaluations()]
    shown = {"measurements": "measurements", "quarantine": "quarantine records", "ingest_log": "files logged",
             "trajectories": "trajectories"}
    return {region: ", ".join(f"{rows[name][region]} {label}" for name, label in shown.items() if name in rows)
            + "; checks: " + ", ".join(sorted(f"{name} {outcome[region]}" for name, outcome in checks))
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


def one_month(rows, month: str, what: str):
    """The peildatum asked for (default: the latest stored) and its rows, or a message saying what to run."""
    from llo.monitor.kpi import month_end

    if rows.empty:
        raise click.ClickException(f"no {what}: run `llo materialize` first")
    day = month_end(month) if month else rows["peildatum"].max()
    if not (rows["peildatum"] == day).any():
        raise click.ClickException(f"no {what} on {day.date()}: run `llo materialize --months {day:%Y-%m}`")
    return day, rows[rows["peildatum"] == day]


@main.command("kpi")
@click.option("--month", default="", metavar="YYYY-MM", help="Peildatum month (default: the latest computed).")
@click.option("--region", default="", help="A region slug (default: the nation).")
def show_kpi(month: str, region: str) -> None:
    """Print the KPI table of a month from the warehouse."""
    click.echo(kpi_table_text(month, region))


def kpi_table_text(month: str = "", region: str = "") -> str:
    import pandas as pd

    from llo import warehouse as wh

    engine = wh.engine_for(settings.warehouse_url())
    table = wh.KPI_REGION_MONTH if region else wh.KPI_NATIONAL_MONTH
    rows = wh.read_typed(engine, table, region or None)
    day, rows = one_month(rows, month, f"KPI rows{' for ' + region if region else ''}")
    hide = rows["suppress"].to_numpy()  # disclosure control: a suppressed row shows only its basis

    def cells(values, fmt=str, hidden_as=""):
        return [hidden_as if hidden else "" if pd.isna(v) else fmt(v) for v, hidden in zip(values, hide, strict=True)]

    shown = pd.DataFrame({
        "kpi": rows["kpi"].to_numpy(), "naam": rows["label"].str.slice(0, 44).to_numpy(),
        "waarde": cells(rows["value"], hidden_as="<10"), "deze maand": cells(rows["value_month"]),
        "n": rows["n_basis"].to_numpy(), "aandeel": cells(rows["share_of_basis"], "{:.0%}".format),
        "target": rows["target"].astype(object).fillna("").to_numpy(),
        "% target": cells(rows["share_of_target"], "{:.0%}".format)})
    title = f"KPIs {region or 'nationaal'} op peildatum {day.date()} ({rows['target_source'].iloc[0]})"
    return title + "\n" + shown.to_string(index=False)


@main.command("scba")
@click.option("--month", default="", metavar="YYYY-MM", help="Peildatum month (default: the latest computed).")
@click.option("--region", default="nationaal", show_default=True, help="A region slug, or nationaal.")
@click.option("--scenario", default="basis", show_default=True)
def show_scba(month: str, region: str, scenario: str) -> None:
    """Print the SCBA overview of a month from the warehouse."""
    click.echo(scba_table_text(month, region, scenario))


def scba_table_text(month: str = "", region: str = "nationaal", scenario: str = "basis") -> str:
    import pandas as pd

    from llo import warehouse as wh

    engine = wh.engine_for(settings.warehouse_url())
    rows = wh.read_typed(engine, wh.SCBA_OVERVIEW, where=(wh.SCBA_OVERVIEW.c.region == region)
                         & (wh.SCBA_OVERVIEW.c.scenario == scenario))
    day, rows = one_month(rows, month, f"SCBA rows for {region} / scenario {scenario}")
    if rows["suppress"].any():
        return f"SCBA {region} {day.date()}: cohort below the disclosure threshold, not shown"

    def amount(value, unit) -> str:
        if pd.isna(value):
            return ""
        if unit == "euro":
            return f"{value:,.0f}".replace(",", ".")
        return f"{value:.2f}" if unit == "ratio" else f"{value:.2e}" if unit == "aandeel bbp" else f"{value:.1%}"

    shown = pd.DataFrame({
        "": rows["section"].to_numpy(), "post": rows["item"].str.slice(0, 48).to_numpy(),
        "omvang": [("" if pd.isna(q) else f"{q:,.0f}".replace(",", ".")) for q in rows["quantity"]],
        "waarde": [amount(v, u) for v, u in zip(rows["value"], rows["value_unit"], strict=True)],
        "per deelnemer": [amount(v, "euro") for v in rows["per_participant"]],
        "toelichting": rows["note"].fillna("").str.slice(0, 70).to_numpy()})
    return f"MKBA {region}, scenario {scenario}, peildatum {day.date()} (euro, contante waarde)\n" + \
        shown.to_string(index=False)


@main.command()
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
    from llo.reporting.render import report_file

    click.echo(f"National report: {report_file(key[0])}")
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


@main.command("export")
@click.option("--region", "chosen", multiple=True, help="A region slug (repeatable; default: every region in the "
              "warehouse).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The folder to write to (default: LLO_HOME/exports).")
def export_command(chosen: tuple[str, ...], out: Path | None) -> None:
    """Write each region's delivery feedback (ingest log, quarantine, warnings) and the tables of the published
    reports as Excel and CSV; text a spreadsheet would run as a formula is written as text."""
    from llo import warehouse as wh
    from llo.reporting import export

    engine = wh.engine_for(settings.warehouse_url())
    stored = export.regions_in_warehouse(engine)
    if not stored:
        raise click.ClickException("no deliveries in the warehouse: run `llo materialize` first")
    missing = sorted(set(chosen) - set(stored))
    if missing:
        raise click.ClickException(f"no deliveries of {', '.join(missing)} in the warehouse (it holds "
                                   f"{', '.join(stored)})")
    out = out or settings.llo_home() / "exports"
    for region in chosen or stored:
        click.echo(f"Feedback for {region}:")
        for path in export.write_tables(out / "regio" / region, f"{region}-terugkoppeling",
                                        export.region_feedback(engine, region)):
            click.echo(f"  {path}")
    if not export_published_tables(out / "onderzoek", list(chosen)):
        sys.exit(1)


def export_published_tables(out: Path, regions: list[str]) -> bool:
    """The tables of every published report (national, and of `regions` or all), as the report shows them: the
    same cells, the same disclosure control. A report whose HTML no longer matches its ledger is not exported
    (returns False)."""
    import json

    from checks.report_checks import disclosure_problems
    from llo.reporting import export
    from llo.reporting.render import ledger_file

    root = settings.llo_home() / "reports"
    reports = export.published_reports(root, regions)
    if not reports:
        click.echo(f"No published reports in {root} (`llo report` renders them): no research tables written")
    ok = True
    for html in reports:
        ledger = json.loads(ledger_file(html).read_text(encoding="utf-8"))
        problems = disclosure_problems(html.read_text(encoding="utf-8"), ledger)
        if problems:  # the same check that published it: an edited or mismatched pair is not exported
            click.echo(f"Skipped {html}: fails disclosure control ({problems[0]})", err=True)
            ok = False
            continue
        click.echo(f"Tables of {html}:")
        for path in export.write_tables(out / html.parent.name, html.stem, export.published_tables(ledger)):
            click.echo(f"  {path}")
    return ok


@main.command()
def demo() -> None:
    """Demo data (when the landing folder is empty), the whole pipeline, and where the outputs are."""
    landing = settings.landing_dir()
    if not landing_has_deliveries(landing):
        from llo.demo_data import generate, summary

        click.echo(summary(generate(landing, faults=True)))
        write_demo_context()
    ok = run_all()
    click.echo("\n" + kpi_table_text())
    click.echo("\n" + scba_table_text())
    click.echo("\nOutputs:")
    click.echo(f"  landing folder   {landing}")
    click.echo(f"  warehouse        {settings.warehouse_url()}")
    latest = latest_computed_month()
    if latest:
        from llo.reporting.render import report_file

        click.echo(f"  reports          {report_file(latest[0]).parent}")
        click.echo(f"  national report  {report_file(latest[0])}")
    from llo.quality.expectations import docs_folder

    if (docs_folder() / "index.html").exists():
        click.echo(f"  data docs        {docs_folder() / 'index.html'}")
    click.echo(f"  dagster instance {settings.dagster_home()}  (browse with `make ui`)")
    if not ok:
        sys.exit(1)


@main.command()
@click.option("--port", default=3000, show_default=True, help="The UI port; reports and Data Docs use the next.")
def ui(port: int) -> None:
    """Start the Dagster UI and daemon on 127.0.0.1, and serve the reports and Data Docs next to it."""
    import signal
    import subprocess

    from llo.reporting.site import serve

    home = prepare_dagster_home()
    use_demo_key_for_demo_data()
    site = serve(settings.llo_home(), port + 1)
    os.environ["LLO_SITE_URL"] = f"http://127.0.0.1:{port + 1}"  # asset metadata links point here
    click.echo(f"Reports and Data Docs: {os.environ['LLO_SITE_URL']}/reports/ and "
               f"{os.environ['LLO_SITE_URL']}/kwaliteit/data-docs/index.html")
    dagster = Path(sys.executable).with_name("dagster")
    # run from DAGSTER_HOME so dagster finds the instance's dagster.yaml, not the repository copy
    dev = subprocess.Popen([str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port),
                            "-w", str(settings.PROJECT_ROOT / "workspace.yaml")], cwd=home)
    signal.signal(signal.SIGTERM, lambda *_: dev.terminate())  # stopping `llo ui` stops the webserver and daemon
    try:
        code = dev.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches dagster dev too; let it shut down its processes
        code = dev.wait()
    finally:
        site.shutdown()
    sys.exit(code)


if __name__ == "__main__":
    main()
