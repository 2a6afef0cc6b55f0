"""`llo demo-data`, `llo template`, `llo docs` and `llo regions`: the inputs a region or a reader starts from."""

from __future__ import annotations

from pathlib import Path

import click

from llo import settings
from pipelines.instance import prepare_dagster_home


def landing_has_deliveries(landing: Path) -> bool:
    return landing.is_dir() and any(p.is_file() for d in landing.iterdir() if d.is_dir() for p in d.iterdir())


@click.command("demo-data")
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


@click.command()
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


@click.command()
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


@click.command()
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
        found, skipped = sync_region_partitions(instance, settings.landing_dir())
    for region in found:
        click.echo(f"  {region}")
    for name, reason in skipped.items():
        click.echo(f"  skipped folder '{name}': {reason}", err=True)
