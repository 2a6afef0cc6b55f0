"""`llo export`: region feedback and the tables of published reports as Excel and CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from llo import settings


@click.command("export")
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
