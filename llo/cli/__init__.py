"""The `llo` command line, one module per group of commands: data and templates (`data`), withdrawals and erasure
(`deliveries`), Dagster runs (`runs`: materialize, backfill, report), tables from the warehouse (`show`), exports
(`exports`), the demo (`demo`) and the UI (`ui`). It is the outermost layer: the only part of `llo` that may import
the Dagster code location (pipelines/, assets/), which it runs in-process; nothing imports it."""

from __future__ import annotations

import click

from llo.cli import data, deliveries, demo, exports, runs, show, ui


@click.group()
def main() -> None:
    """LLO impact monitor: ingest regional deliveries, check them and build the monitor's tables."""


for command in (data.demo_data, data.template, data.docs, data.regions, deliveries.withdraw, deliveries.erase,
                runs.materialize, runs.backfill, runs.report, show.show_kpi, show.show_scba, exports.export_command,
                demo.demo, ui.ui):
    main.add_command(command)
