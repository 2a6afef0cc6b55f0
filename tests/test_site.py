"""The report site `llo ui` serves: published reports and Data Docs, and nothing else under LLO_HOME."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from llo.reporting.site import serve
from tests.conftest import free_port

FILES = {"reports/2025-12/nationaal.html": b"<html>rapport</html>",
         "reports/2025-12/nationaal.openbaarheid.json": b'{"n": 3}',
         "reports/2025-12/.concept-regio-twente.html": b"half",
         "reports/_tegengehouden/2025-12/nationaal.html": b"withheld",
         "kwaliteit/data-docs/index.html": b"<html>docs</html>",
         "kwaliteit/samenvatting.json": b"{}",
         "landing/twente/metingen.csv": b"Deelnemer ID\nTW-1",
         "warehouse.sqlite": b"SQLite format 3"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = tmp_path_factory.mktemp("llo_home")
    for name, content in FILES.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_bytes(content)
    port = free_port()
    server = serve(home, port)
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@pytest.mark.parametrize("path", ["reports/2025-12/nationaal.html", "kwaliteit/data-docs/index.html"])
def test_reports_and_data_docs_are_served(site, path):
    assert get(f"{site}/{path}") == (200, FILES[path])


@pytest.mark.parametrize("path", [
    "reports/2025-12/nationaal.openbaarheid.json", "reports/2025-12/nationaal%2Eopenbaarheid.json",
    "reports/2025-12/.concept-regio-twente.html", "reports/_tegengehouden/2025-12/nationaal.html",
    "reports/%5Ftegengehouden/2025-12/nationaal.html", "reports//_tegengehouden/2025-12/nationaal.html",
    "reports/2025-12/../../landing/twente/metingen.csv", "reports/%2e%2e/landing/twente/metingen.csv",
    "landing/twente/metingen.csv", "warehouse.sqlite", "kwaliteit/samenvatting.json", ""])
def test_nothing_else_is_served(site, path):
    assert get(f"{site}/{path}") == (404, b"")


def test_the_reports_folder_lists_its_months(site):
    status, page = get(f"{site}/reports/")
    assert status == 200 and b"2025-12/" in page
