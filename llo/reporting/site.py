"""A read-only HTTP server for what researchers open from the Dagster UI: the published reports and the Data Docs.

Browsers do not follow file:// links from an http:// page, so `llo ui` serves these folders of LLO_HOME on
127.0.0.1 next to the UI. Nothing else under LLO_HOME is served: the landing folder holds raw deliveries with
personal data, and withheld reports failed disclosure control. Nor are the reports' ledgers (they hold the
participant counts behind every "<10") or a report still being written (a hidden draft).
"""

from __future__ import annotations

import functools
import posixpath
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from llo.reporting.render import LEDGER_SUFFIX

SERVED = ("reports/", "kwaliteit/data-docs/")  # paths under LLO_HOME, as URL prefixes
WITHHELD = "reports/_tegengehouden/"


class _Handler(SimpleHTTPRequestHandler):
    def send_head(self):
        # The path as the file it names: decoded and normalised as the base class does, so "%5F" or "//" cannot
        # slip past the checks.
        path = posixpath.normpath(unquote(self.path.split("?", 1)[0].split("#", 1)[0])).lstrip("/") + "/"
        name = path.rstrip("/").rsplit("/", 1)[-1]
        if (not path.startswith(SERVED) or path.startswith(WITHHELD) or name.endswith(LEDGER_SUFFIX)
                or name.startswith(".")):
            self.send_error(404, "not served: only published reports and Data Docs are")
            return None
        return super().send_head()

    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass  # the UI's own log is where engineers look; requests carry no news


def serve(home: Path, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Start serving `home`'s reports and Data Docs in a daemon thread; returns the server (call shutdown())."""
    server = ThreadingHTTPServer((host, port), functools.partial(_Handler, directory=str(home)))
    threading.Thread(target=server.serve_forever, name="llo-site", daemon=True).start()
    return server
