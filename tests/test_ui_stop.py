"""`llo ui` stops within seconds of SIGTERM or Ctrl-C (SIGINT to `llo ui` alone, as a terminal or a service manager
sends it): the webserver, the daemon, the code server and the report site, every process it started, and both
ports are free again."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

STARTED_WITHIN = 180  # seconds; a loaded 2-core machine takes a while to start dagster dev
STOPPED_WITHIN = 15  # seconds: STOP_SECONDS of llo.cli.ui plus the time to notice


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def code_location_loaded(port: int) -> bool:
    query = json.dumps({"query": "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }"})
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query.encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return bool(json.load(response)["data"]["repositoriesOrError"].get("nodes"))
    except (OSError, ValueError, KeyError, TypeError):
        return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_llo_ui_stops_every_process_it_started_and_frees_both_ports(tmp_path, signum):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LLO_WAREHOUSE_URL", "LLO_SITE_URL")}
    env.update(LLO_HOME=str(tmp_path), LLO_DEMO="1")
    with (tmp_path / "ui.log").open("wb") as log:
        process = subprocess.Popen([str(Path(sys.executable).with_name("llo")), "ui", "--port", str(port)], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    family: set[int] = set()
    try:
        deadline = time.monotonic() + STARTED_WITHIN
        while not (code_location_loaded(port) and listening(port + 1)):
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "ui.log").read_text()
            time.sleep(1)
        family = descendants(process.pid)
        commands = " ".join(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace") for pid in family
                            if running(pid))
        assert "dagster_webserver" in commands and "dagster._daemon" in commands and "grpc" in commands

        stopped = time.monotonic()
        process.send_signal(signum)  # to llo ui alone, not its process group
        try:
            process.wait(timeout=STOPPED_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail("llo ui still runs: " + (tmp_path / "ui.log").read_text()[-3000:])
        while any(running(pid) for pid in family) and time.monotonic() - stopped < STOPPED_WITHIN:
            time.sleep(0.2)
        assert time.monotonic() - stopped < STOPPED_WITHIN
        assert [pid for pid in family if running(pid)] == []
        assert not listening(port) and not listening(port + 1)
    finally:
        for pid in {process.pid, *family}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()
