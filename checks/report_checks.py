"""Checks of a rendered report: disclosure control (proved from the HTML and its ledger) and offline opening.

`disclosure_problems` holds the report to the ledger (llo/reporting/publish.py): every table and figure in the HTML
must be in the ledger with the same cells, and no ledger entry may show a figure resting on fewer
participants than the threshold. A report that adds a table or chart outside the ledger fails, so the
rule cannot be bypassed by forgetting to register a figure. `docx_problems` holds the DOCX to the HTML: the same
tables with the same cells and as many pictures, so a format cannot show what the HTML (and so the ledger) does not.
The PDF is written from the same Markdown by the same filter as the DOCX (llo/reporting/qmd.py).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

DISCLOSURE, OFFLINE = "disclosure_control", "opens_offline"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""", re.I)


class _Structure(HTMLParser):
    """Tables (header and body cell texts) and images, each with the id of its nearest labelled ancestor."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.tables: list[dict] = []
        self.images: list[str | None] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_head = False

    def _label(self) -> str | None:
        return next((label for _, label in reversed(self.stack) if label), None)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("img", "br", "hr", "meta", "link", "input", "col"):
            if tag == "img":
                self.images.append(attrs.get("id") or self._label())
            return
        self.stack.append((tag, attrs.get("id")))
        if tag == "table":
            self.tables.append({"label": self._label(), "header": [], "rows": []})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            (self.tables[-1]["header"] if self._in_head else self.tables[-1]["rows"]).append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def structure(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    return parser


def disclosure_problems(html: str, ledger: dict) -> list[str]:
    """Every way the report breaks the disclosure rule or escapes the ledger; empty when it complies."""
    minimum = int(ledger["min_participants"])
    allowed = {f"<{minimum}", "n.v.t.", ""}
    problems = []

    def small(n) -> bool:
        return n is not None and n < minimum

    for label, table in ledger.get("tables", {}).items():
        for r, (row, ns) in enumerate(zip(table["rows"], table["n"], strict=True), start=1):
            for column, text, n in zip(table["columns"], row, ns, strict=True):
                if small(n) and text not in allowed:
                    problems.append(f"{label}, row {r}, column '{column}': shows '{text}', resting on {n} "
                                    f"participant(s) (threshold {minimum})")
    for key, entry in ledger.get("numbers", {}).items():
        if small(entry["n"]) and entry["shown"] not in allowed:
            problems.append(f"number {key}: shows '{entry['shown']}', resting on {entry['n']} participant(s)")
    for label, figure in ledger.get("figures", {}).items():
        few = [n for n in figure["n"] if small(n)]
        if few:
            problems.append(f"{label}: {len(few)} chart point(s) resting on fewer than {minimum} participants")

    found = structure(html)
    published = {}
    for table in found.tables:
        if table["label"] not in ledger.get("tables", {}):
            problems.append(f"a table {'labelled ' + table['label'] if table['label'] else 'without label'} is in "
                            "the report but not in the ledger: its cells were not checked")
        else:
            published[table["label"]] = table
    for label, table in ledger.get("tables", {}).items():
        if label not in published:
            problems.append(f"{label}: in the ledger but not in the report")
        elif published[label]["rows"] != [[" ".join(text.split()) for text in row] for row in table["rows"]]:
            shown, expected = published[label]["rows"], table["rows"]
            at = next((i for i, (a, b) in enumerate(zip(shown, expected, strict=False), start=1) if a != b),
                      min(len(shown), len(expected)) + 1)
            problems.append(f"{label}: the report's table differs from the ledger from row {at} on")
    for label in found.images:
        if label not in ledger.get("figures", {}):
            problems.append(f"an image {'in ' + label if label else 'without label'} is in the report but not in "
                            "the ledger: its points were not checked")
    return problems


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_structure(docx: bytes) -> tuple[list[list[list[str]]], int]:
    """The tables of a DOCX (rows of cell texts, whitespace as the HTML check reads it) and its number of pictures."""
    import io
    import zipfile
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        body = ElementTree.fromstring(archive.read("word/document.xml"))
    tables = [[[" ".join("".join(t.text or "" for t in cell.iter(f"{W}t")).split()) for cell in row.iter(f"{W}tc")]
               for row in table.iter(f"{W}tr")] for table in body.iter(f"{W}tbl")]
    pictures = sum(1 for _ in body.iter("{http://schemas.openxmlformats.org/drawingml/2006/picture}pic"))
    return tables, pictures


def docx_problems(html: str, docx: bytes) -> list[str]:
    """Every way the DOCX shows more or other than the HTML: a table or cell the HTML does not have, another
    number of pictures."""
    found = structure(html)
    expected = [table["header"] + table["rows"] for table in found.tables]
    tables, pictures = docx_structure(docx)
    problems = []
    if len(tables) != len(expected):
        problems.append(f"the DOCX has {len(tables)} table(s), the HTML {len(expected)}")
    for number, (shown, html_rows) in enumerate(zip(tables, expected, strict=False), start=1):
        if shown != html_rows:
            label = found.tables[number - 1]["label"] or f"table {number}"
            problems.append(f"{label}: the DOCX's table differs from the HTML's")
    if pictures != len(found.images):
        problems.append(f"the DOCX has {pictures} picture(s), the HTML {len(found.images)}")
    return problems


def external_references(html: str) -> list[str]:
    """Scripts, styles, images or links the report would load from the network."""
    return sorted({match.group(0) for match in EXTERNAL.finditer(html)})


def result(check_name: str, problems: list[str], passed_note: str, asset_key=None):
    """An AssetCheckResult listing the problems (at most 20) for the UI."""
    import dagster as dg

    shown = "\n".join(f"- {p}" for p in problems[:20]) + (f"\n- ... and {len(problems) - 20} more"
                                                          if len(problems) > 20 else "")
    return dg.AssetCheckResult(check_name=check_name, asset_key=asset_key, passed=not problems,
                               severity=dg.AssetCheckSeverity.ERROR,
                               description=passed_note if not problems else f"{len(problems)} problem(s)",
                               metadata={"problems": len(problems),
                                         "details": dg.MetadataValue.md(shown or passed_note)})
