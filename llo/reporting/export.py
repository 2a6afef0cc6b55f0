"""CSV and Excel exports: each region's delivery feedback from the warehouse, and the tables of published reports.

Spreadsheets evaluate a cell that starts with "=" (and, on import, "+", "-", "@", a tab or a carriage return)
as a formula: a delivered `=HYPERLINK(...)` or `=cmd|' /C calc'!A0` would run when a coordinator opens the
file (CSV injection, OWASP). The quarantine's `value` column carries text exactly as a region delivered it, so
every cell passes `safe_cell`, which puts a single quote before such text: Excel and LibreOffice then show it
as text. Numbers stay numbers. The XLSX writer also stores every text cell as a string, because openpyxl writes
any str starting with "=" as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from llo import warehouse as wh
from llo.monitor import due
from llo.reporting.render import ledger_file

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and full-width = + - @
# A minus and then only digits, dots and commas is a negative number written as text (a report's "-0,12"): it
# cannot hold a formula, so it keeps its form (as defusedcsv does). "-2+3" is not one and gets the quote.
NEGATIVE_NUMBER = re.compile(r"-[0-9][0-9.,]*")
# Characters XML 1.0 cannot hold (openpyxl refuses them); a delivered value may contain them.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_WIDTH = 60  # characters; longer texts stay whole in the cell
FEEDBACK = {wh.INGEST_LOG: ["delivery_order", "sheet"],  # each table in the order to read it: files as they arrived
            wh.QUARANTINE: ["file", "sheet", "row_number", "column_name"],
            wh.WARNINGS: ["file", "sheet", "row_number", "column_name"],
            wh.MEASUREMENT_VERSIONS: ["superseded_at", "superseded_by_file", "superseded_by_row"]}
# The eenmetingen (T1) to plan: each participant by the file, sheet and row of their T0 as the region delivered it.
T1_DUE_SHEET = "eenmetingen_te_doen"
T1_DUE_COLUMNS = ["bron_bestand", "bron_blad", "bron_rij", "startdatum_traject", "t1_gepland", "t1_uiterlijk", "status"]
# Of a corrected row, where it was and what replaced it; not its values (they are in the region's own files).
CORRECTION_COLUMNS = ["bron_bestand", "bron_blad", "bron_rij", "meetmoment", "received_at", "superseded_at",
                      "superseded_by_file", "superseded_by_row", "changed_fields"]


def safe_cell(value):
    """`value` as a cell no spreadsheet evaluates: text starting with = + - @, a tab or a carriage return (or a
    full-width = + - @) gets a leading single quote; numbers, dates and other text are returned as they are,
    missing values as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.number | np.bool_):
        value = value.item()
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NEGATIVE_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv_text(value) -> str:
    value = safe_cell(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")  # Dutch Excel reads "0.5" as text (or a date), "0,5" as a number
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """`frame` as CSV for Dutch Excel: UTF-8 with a BOM (without one Excel reads the file as Windows-1252 and
    garbles ë and €) and ";" between fields (the list separator of a Dutch Excel, whose decimal mark is the
    comma). Fields with a ";", a quote or a line break are quoted, so they stay one cell."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([_csv_text(column) for column in frame.columns])
        writer.writerows([_csv_text(value) for value in row] for row in frame.itertuples(index=False))
    return path


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """One sheet per frame: a bold header row, frozen, with a filter; columns as wide as their text (up to
    MAX_WIDTH). No cell is a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")  # the intake template's header style
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(name[:31])  # Excel's limit for a sheet name
        rows = [list(frame.columns), *frame.itertuples(index=False)]
        widths = [0] * len(frame.columns)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                value = safe_cell(value)
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, str):
                    cell.value = XML_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
                    cell.data_type = "s"  # text, never a formula, whatever it starts with
                else:
                    cell.value = value
                widths[c - 1] = max(widths[c - 1], len(str(cell.value or "")))
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = min(MAX_WIDTH, max(10, width + 2))
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_tables(folder: Path, stem: str, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """`stem`.xlsx with a sheet per table, and `stem`-<table>.csv per table, in `folder`."""
    return [write_xlsx(folder / f"{stem}.xlsx", tables),
            *(write_csv(folder / f"{stem}-{name}.csv", frame) for name, frame in tables.items())]


def regions_in_warehouse(engine: sa.Engine) -> list[str]:
    """Every region with files in the ingest log."""
    return sorted(wh.read_table(engine, wh.INGEST_LOG, columns=["region"])["region"].dropna().unique())


def region_feedback(engine: sa.Engine, region: str) -> dict[str, pd.DataFrame]:
    """What a region's delivery coordinator needs to fix their files, by table name: per file, in the order the
    files arrived, what was read and what became of it (new, unchanged, corrected, quarantined, withdrawn) and why
    (`ingest_log`), every refused row with its column, rule and value (`quarantine`), every warning
    (`ingest_warnings`), every row a later delivery corrected, with the file and row that replaced it
    (`measurement_versions`), and the participants whose eenmeting (T1) is due or past its window and not delivered,
    by the file, sheet and row of their T0 (`eenmetingen_te_doen`, on the clock of llo.monitor.due: the latest
    delivery of any region), so intakers can plan the conversations. No pseudonym: the region cannot read one."""
    tables = {}
    for table, order in FEEDBACK.items():
        frame = wh.read_table(engine, table, region)
        counts = {c.name: "Int64" for c in table.columns if isinstance(c.type, sa.Integer)}  # NULLs read as floats
        frame = frame.astype(counts).drop(columns=wh.REGION_COLUMN[table])
        if table is wh.MEASUREMENT_VERSIONS:
            frame = frame[CORRECTION_COLUMNS]
        tables[table.name] = frame.sort_values(order, kind="stable", na_position="first").reset_index(drop=True)
    tables[T1_DUE_SHEET] = t1_due_list(engine, region)
    return tables


def t1_due_list(engine: sa.Engine, region: str) -> pd.DataFrame:
    """The region's T1s due and not delivered, by T0 file, sheet and row (dates as dates)."""
    today = due.clock(wh.read_table(engine, wh.INGEST_LOG, columns=["region", "kind", "received_at"]))
    if today is None:
        return pd.DataFrame(columns=T1_DUE_COLUMNS)
    listed = due.t1_due(due.open_nulmetingen(engine, today, region), today)[T1_DUE_COLUMNS]
    return listed.assign(**{c: listed[c].dt.date for c in ("startdatum_traject", "t1_gepland", "t1_uiterlijk")},
                         bron_rij=listed["bron_rij"].astype("Int64"))


def published_reports(root: Path, regions: list[str] | None = None) -> list[Path]:
    """The published reports under `root` (LLO_HOME/reports/YYYY-MM/*.html) that have a ledger: the national
    ones and those of `regions` (default all). Drafts and withheld reports (`_tegengehouden/`) are not among
    them."""
    found = []
    for html in sorted(root.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/*.html")):
        region = html.stem.removeprefix("regio-") if html.stem.startswith("regio-") else None
        if html.name.startswith(".") or not ledger_file(html).exists():
            continue
        if region is None or not regions or region in regions:
            found.append(html)
    return found


def published_tables(ledger: dict) -> dict[str, pd.DataFrame]:
    """The tables a report published, by label, as the report shows them (cells on too few participants read
    "<10"). Never the ledger's `n`: it holds the participant count behind each suppressed cell."""
    return {label: pd.DataFrame(table["rows"], columns=table["columns"])
            for label, table in ledger.get("tables", {}).items()}
