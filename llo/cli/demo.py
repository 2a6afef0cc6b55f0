"""`llo demo`: demo data when the landing folder is empty, the whole pipeline, and where the outputs are."""

from __future__ import annotations

import sys

import click

from llo import settings
from llo.cli.data import landing_has_deliveries, write_demo_context
from llo.cli.runs import latest_computed_month, run_all
from llo.cli.show import kpi_table_text, scba_table_text


def findings_text(month: str) -> str:
    """The national report's Kernbevindingen, as the report writes them (the same code, the same threshold)."""
    import textwrap

    from llo.reporting import findings
    from llo.reporting.data import ReportData
    from llo.reporting.publish import Ledger, day_nl

    data = ReportData(settings.warehouse_url(), month)
    lines = [f"Kernbevindingen (nationaal, peildatum {day_nl(data.peildatum)}):"]
    for finding in findings.key_findings(data, Ledger(None, settings.MIN_PARTICIPANTS)):
        lines += textwrap.wrap(f"{finding.question}. {finding.title}: {finding.text.replace('*', '')}", width=110,
                               initial_indent="  ", subsequent_indent="     ")
    return "\n".join(lines)


@click.command()
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
    latest = latest_computed_month()
    if latest:
        click.echo("\n" + findings_text(latest[0]))
    click.echo("\nOutputs:")
    click.echo(f"  landing folder   {landing}")
    click.echo(f"  warehouse        {settings.warehouse_url()}")
    if latest:
        from llo.reporting.qmd import beside
        from llo.reporting.render import report_file

        national = report_file(latest[0])
        click.echo(f"  reports          {national.parent}")
        click.echo(f"  national report  {national}")
        for kind in ("docx", "pdf"):  # the same report, written beside the HTML
            if beside(national, kind).exists():
                click.echo(f"    as {kind.upper():<12} {beside(national, kind)}")
    from llo.quality.expectations import docs_folder

    if (docs_folder() / "index.html").exists():
        click.echo(f"  data docs        {docs_folder() / 'index.html'}")
    click.echo(f"  dagster instance {settings.dagster_home()}  (browse with `make ui`)")
    if not ok:
        sys.exit(1)
