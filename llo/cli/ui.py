"""`llo ui`: the Dagster UI and daemon, with the reports and Data Docs served next to them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from llo import settings
from llo.cli.runs import use_demo_key_for_demo_data
from pipelines.instance import prepare_dagster_home


@click.command()
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
