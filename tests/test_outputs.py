"""`llo demo` gives the same tables and reports as the reviewed snapshot (tests/output_snapshot.json): what makes the
pipeline faster must not change what it computes. After an intended change of the outputs, regenerate it with
`LLO_UPDATE_OUTPUT_SNAPSHOT=1 .venv/bin/pytest tests/test_outputs.py` and review the diff."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import output_snapshot

SNAPSHOT = Path(__file__).with_name("output_snapshot.json")
UPDATE = "LLO_UPDATE_OUTPUT_SNAPSHOT"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    """`llo demo` on an empty LLO_HOME, in its own process, on the embedded defaults."""
    home = tmp_path_factory.mktemp("demo_home")
    env = {**os.environ, "LLO_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    for name in ("LLO_WAREHOUSE_URL", "DAGSTER_POSTGRES_URL", "LLO_SITE_URL", "LLO_PSEUDONYM_KEY", "LLO_DEMO"):
        env.pop(name, None)
    env.update(output_snapshot.numpy_code_paths())
    done = subprocess.run([sys.executable, "-m", "llo.cli", "demo"], env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return home


@pytest.fixture(scope="module")
def found(demo_home) -> dict:
    return {"toolchain": output_snapshot.toolchain(),
            "tables": output_snapshot.tables(f"sqlite:///{demo_home / 'warehouse.sqlite'}"),
            "reports": output_snapshot.reports(demo_home / "reports")}


@pytest.fixture(scope="module")
def expected(found) -> dict:
    if os.environ.get(UPDATE):
        SNAPSHOT.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def _differences(found: dict, expected: dict) -> list[str]:
    return [f"{name}: {expected.get(name, 'missing')} -> {found.get(name, 'missing')}"
            for name in sorted(set(found) | set(expected)) if found.get(name) != expected.get(name)]


def test_the_demo_tables_are_those_of_the_snapshot(found, expected):
    assert len(expected["tables"]) >= 25 and all(" rows " in value for value in expected["tables"].values())
    assert _differences(found["tables"], expected["tables"]) == []


def test_the_demo_reports_are_those_of_the_snapshot(found, expected):
    if found["toolchain"] != expected["toolchain"]:
        pytest.skip(f"the reports' renderers differ from the snapshot's: {found['toolchain']} against "
                    f"{expected['toolchain']}")
    assert sum(name.endswith(".html") for name in expected["reports"]) == 9  # the national and 8 regional reports
    assert _differences(found["reports"], expected["reports"]) == []
