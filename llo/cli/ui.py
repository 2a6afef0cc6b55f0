"""`llo ui`: the Dagster UI and daemon, with the reports and Data Docs served next to them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from llo import settings
from llo.cli.runs import use_demo_key_for_demo_data
from pipelines.instance import prepare_dagster_home

STOP_SECONDS = 5.0  # after a stop signal, how long the UI's processes get to shut down before they are killed


class _Stop(Exception):
    """A stop signal (SIGTERM, or Ctrl-C's SIGINT) reached `llo ui`."""


@click.command()
@click.option("--port", default=3000, show_default=True, help="The UI port; reports and Data Docs use the next.")
def ui(port: int) -> None:
    """Start the Dagster UI and daemon on 127.0.0.1, and serve the reports and Data Docs next to it. Ctrl-C or
    SIGTERM stops all of it, every process it started included, within a few seconds."""
    import contextlib
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

    def stop(signum, _frame):
        raise _Stop(signum)

    dev, code = None, None
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        # Run from DAGSTER_HOME so dagster finds the instance's dagster.yaml, not the repository copy. In a process
        # group of its own: the webserver, daemon, code server and run workers all join it, and are stopped as one.
        dev = subprocess.Popen([str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port),
                                "-w", str(settings.PROJECT_ROOT / "workspace.yaml")], cwd=home,
                               start_new_session=True)
        # Python runs signal handlers in the main thread only, and a signal that the kernel delivers to the site's
        # thread does not interrupt a blocking wait: wait a second at a time.
        while code is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = dev.wait(timeout=1)
    except _Stop as received:
        code = 128 + received.args[0]
        click.echo("stopping the UI, the daemon and the report site ...", err=True)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the stop short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if dev is not None:
            _stop_group(dev)
        site.shutdown()
        site.server_close()
    sys.exit(code)


def _stop_group(dev) -> None:
    """Ask every process of `dev`'s group to stop (SIGTERM), and kill what is still there after STOP_SECONDS:
    `dagster dev` does not always stop its code server on a loaded machine."""
    import signal
    import time

    def alive() -> bool:
        dev.poll()  # reap it, so a finished `dagster dev` does not keep the group alive as a zombie
        try:
            os.killpg(dev.pid, 0)
            return True
        except ProcessLookupError:
            return False

    if not alive():
        return
    os.killpg(dev.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive():
        os.killpg(dev.pid, signal.SIGKILL)
        dev.wait()
