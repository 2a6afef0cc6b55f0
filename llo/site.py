"""A read-only HTTP server for what researchers open from the Dagster UI: the published reports and the Data Docs.

Browsers do not follow file:// links from an http:// page, so `llo ui` serves these folders of LLO_HOME on
127.0.0.1 next to the UI. Nothing else under LLO_HOME is served: the landing folder holds raw deliveries with
personal data, and withheld reports failed disclosure control.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SERVED = ("reports/", "kwaliteit/data-docs/")  # paths under LLO_HOME, as URL prefixes
WITHHELD = "reports/_tegengehouden/"


class _Handler(SimpleHTTPRequestHandler):
    def send_head(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        if ".." in path.split("/") or not path.startswith(SERVED) or path.startswith(WITHHELD):
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
