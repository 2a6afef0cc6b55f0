"""The `llo` command: demo data, the intake template, contract docs, materialising and the UI."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from llo import settings

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # progress is printed per region


def prepare_dagster_home() -> Path:
    """DAGSTER_HOME under LLO_HOME with the project's dagster.yaml in it (the repository file is the source)."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    source, target = settings.PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


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


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
def template(path: Path | None) -> None:
    """Write the Excel intake template derived from the data contract."""
    from llo.template import write_template

    path = path or settings.llo_home() / "template" / "llo_aanlevertemplate.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    click.echo(f"Template written to {write_template(path)}")


@main.command("contract-docs")
@click.option("--check", is_flag=True, help="Only check that docs/data-contract.md is up to date.")
def contract_docs(check: bool) -> None:
    """Regenerate docs/data-contract.md from the Pandera models."""
    from llo.contract_docs import DOCS_PATH, render_contract_markdown, write_contract_docs

    if check:
        current = DOCS_PATH.read_text(encoding="utf-8") if DOCS_PATH.exists() else ""
        if current != render_contract_markdown():
            raise click.ClickException(f"{DOCS_PATH} is out of date: run `llo contract-docs`")
        click.echo(f"{DOCS_PATH} is up to date")
        return
    click.echo(f"Written {write_contract_docs()}")


@main.command()
def regions() -> None:
    """List the region folders in the landing folder and register them as partitions."""
    import dagster as dg

    from pipelines.partitions import sync_region_partitions

    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        found, unknown = sync_region_partitions(instance, settings.landing_dir())
    for region in found:
        click.echo(f"  {region}")
    for name in unknown:
        click.echo(f"  skipped folder '{name}': not a known labour-market region (see llo/regions.py)", err=True)


@main.command()
@click.option("--region", "chosen", multiple=True, help="Only these region slugs (default: every folder).")
def materialize(chosen: tuple[str, ...]) -> None:
    """Materialise every asset for every region folder, recording the runs in DAGSTER_HOME."""
    if not run_all(chosen):
        sys.exit(1)


def run_all(chosen: tuple[str, ...] = ()) -> bool:
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
        job = defs.resolve_job_def("ingest")
        for number, region in enumerate(regions, start=1):
            result = job.execute_in_process(partition_key=region, instance=instance, raise_on_error=False,
                                            run_config=QUIET)
            ok &= result.success
            click.echo(f"[{number}/{len(regions)}] {region}: {describe(result)}")
    return ok


def describe(result) -> str:
    """One line per region run: rows and check outcomes."""
    if not result.success:
        return f"FAILED (run {result.run_id}; see the run in the UI)"
    counts = {m.asset_key.path[-1]: m.materialization.metadata["dagster/row_count"].value
              for m in result.get_asset_materialization_events()}
    checks = ", ".join(f"{e.check_name} {'ok' if e.passed else e.severity.value}"
                       for e in result.get_asset_check_evaluations())
    return (f"{counts.get('measurements', 0)} measurements, {counts.get('quarantine', 0)} quarantine records, "
            f"{counts.get('ingest_log', 0)} files logged; checks: {checks}")


@main.command()
def demo() -> None:
    """Demo data (when the landing folder is empty), the whole pipeline, and where the outputs are."""
    landing = settings.landing_dir()
    if not landing_has_deliveries(landing):
        from llo.demo_data import generate, summary

        click.echo(summary(generate(landing, faults=True)))
    ok = run_all()
    click.echo("\nOutputs:")
    click.echo(f"  landing folder   {landing}")
    click.echo(f"  warehouse        {settings.warehouse_url()}")
    click.echo(f"  dagster instance {settings.dagster_home()}  (browse with `make ui`)")
    if not ok:
        sys.exit(1)


@main.command()
@click.option("--port", default=3000, show_default=True)
def ui(port: int) -> None:
    """Start the Dagster UI and daemon on 127.0.0.1."""
    os.chdir(prepare_dagster_home())  # so dagster finds the instance's dagster.yaml, not the repository copy
    use_demo_key_for_demo_data()
    dagster = Path(sys.executable).with_name("dagster")
    os.execv(dagster, [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port),
                       "-w", str(settings.PROJECT_ROOT / "workspace.yaml")])


if __name__ == "__main__":
    main()
