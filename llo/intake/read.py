"""Read a delivered file into rows of text, whatever Dutch spreadsheet habits it was saved with.

Recognises CSV (any of `;` `,` tab `|`, UTF-8 with or without BOM, UTF-16, Windows-1252, or lines of both
UTF-8 and Windows-1252 in one file) and XLSX (each
sheet that holds a table, with title rows above the header allowed). Everything comes back as strings so
that one parser (llo.intake.parse) decides what a value means. The file itself is only read, never changed.
A table comes back as columns: every later step (the identifier scan, the parse) works on a column's distinct
values, and a cell is stripped of its spaces once per distinct value rather than once per cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

SEPARATORS = (";", ",", "\t", "|")
HEADER_SEARCH_ROWS = 15
MIN_HEADER_MATCHES = 3
DELIVERY_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
LINE_ENCODINGS = ("utf-8", "cp1252", "latin-1")  # tried in this order; latin-1 reads any byte
UNPACKED_FACTOR = 10  # a workbook may unpack to this many times the file-size limit (its XML compresses well)


class RejectedFile(Exception):
    """The file (or sheet) cannot be used at all; `reason` says why in words a data engineer can act on."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class RawTable:
    header: list[str]
    columns: list[np.ndarray]      # per header column its cells, stripped text (object arrays, one per data row)
    row_numbers: list[int]         # the line (CSV) or row (XLSX) number of each data row, as a person sees it
    header_row: int
    sheet: str | None = None
    encoding: str | None = None
    separator: str | None = None
    empty_rows_skipped: int = 0
    too_wide: list[tuple[int, int]] = field(default_factory=list)  # (row number, values) beyond the header

    def __len__(self) -> int:
        return len(self.row_numbers)


def read_tables(path: Path, data: bytes, is_header: Callable[[str], bool]) -> list[RawTable]:
    """All tables in a file. `is_header` tells whether a cell text is a known column header."""
    if not data.strip():
        raise RejectedFile("the file is empty")
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, is_header)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # an OLE compound file
        if "EncryptedPackage".encode("utf-16-le") in data:  # how Office stores a workbook with a password
            raise RejectedFile("the workbook is protected with a password: remove the password (File > Info > "
                               "Protect workbook) and deliver it again")
        raise RejectedFile("this is an old Excel 97-2003 (.xls) workbook: save it as .xlsx")
    return [_read_csv(data, is_header)]


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[3:]  # saved as UTF-8, then lines in another encoding added: read per line below
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise RejectedFile("the file starts as UTF-16 text but is not valid UTF-16 (truncated or damaged): "
                               "save it again as CSV") from None
    if b"\x00" in data[:4096]:
        raise RejectedFile("the file holds binary data, not a text table (CSV) or an Excel workbook")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Not UTF-8 as a whole. A file pasted together from two programs has lines of both: each line is read with
    # the encoding it is valid in (Windows-1252 text is almost never valid UTF-8, and vice versa).
    texts, used = [], set()
    for line in data.splitlines(keepends=True):
        for encoding in LINE_ENCODINGS:
            try:
                texts.append(line.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        if not line.isascii():
            used.add(encoding)
    return "".join(texts), "+".join(e for e in LINE_ENCODINGS if e in used)


def _read_csv(data: bytes, is_header: Callable[[str], bool]) -> RawTable:
    text, encoding = decode(data)
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype", "<html", "<?xml", "<table")):
        raise RejectedFile("the file is a web page (HTML/XML) saved with a table extension, not a CSV table")
    separator = detect_separator(text)
    table = _table_from_rows(list(csv.reader(io.StringIO(text, newline=""), delimiter=separator)), is_header)
    table.encoding, table.separator = encoding, separator
    return table


def detect_separator(text: str) -> str:
    """The separator that splits the first lines into the most consistent number of fields (> 1)."""
    sample = text.splitlines()[:60]
    best, best_score = ",", (0.0, 0)
    for sep in SEPARATORS:
        widths = [len(r) for r in csv.reader(sample, delimiter=sep) if any(c.strip() for c in r)]
        wide = [w for w in widths if w > 1]  # title lines above the header are one field with any separator
        if not wide:
            continue
        width, count = Counter(wide).most_common(1)[0]
        score = (count / len(widths), width)
        if score > best_score:
            best, best_score = sep, score
    if best_score[1] < 2:
        raise RejectedFile("no column separator found: the file does not look like a table "
                           "(expected ; or , or tab between columns)")
    return best


def _refuse_zip_bomb(data: bytes) -> None:
    """A workbook is a zip archive: refuse one that would unpack to more than UNPACKED_FACTOR times the file-size
    limit, before anything is unpacked (a zip bomb unpacks a few kilobytes into gigabytes). The sizes are those the
    archive declares; a member that unpacks to more than it declares fails its checksum and is refused as damaged."""
    from llo import settings

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable archive: openpyxl says so below
    limit = UNPACKED_FACTOR * settings.max_file_bytes()
    if unpacked > limit:
        raise RejectedFile(
            f"the workbook would unpack to {_megabytes(unpacked)} from {_megabytes(len(data))} "
            f"({unpacked / max(len(data), 1):,.0f} times its size), over the limit of {_megabytes(limit)} "
            f"({UNPACKED_FACTOR} x LLO_MAX_FILE_MB): a zip bomb or a damaged file, and it was not unpacked; "
            "save it again as .xlsx, or split it into smaller deliveries")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size >= 2**17 else f"{size / 2**10:,.0f} KB"


def _read_xlsx(data: bytes, is_header: Callable[[str], bool]) -> list[RawTable]:
    import openpyxl  # heavy: only when a workbook arrives

    _refuse_zip_bomb(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RejectedFile(f"the Excel workbook cannot be opened ({type(exc).__name__}): it may be truncated "
                           "or damaged; save it again as .xlsx") from None
    tables, problems = [], []
    try:
        for sheet in book.worksheets:
            if getattr(sheet, "sheet_state", "visible") != "visible":
                continue
            rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            try:
                table = _table_from_rows(rows, is_header)
            except RejectedFile as exc:
                problems.append(f"sheet '{sheet.title}': {exc.reason}")
                continue
            table.sheet = sheet.title
            tables.append(table)
    finally:
        book.close()
    if not tables:
        raise RejectedFile("no sheet holds a table with known column headers (" + "; ".join(problems) + ")")
    return tables


def cell_text(value) -> str:
    """An Excel cell as the text a person sees, with dates in ISO form and no float noise."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)  # the shortest text that reads back as the value, but without an exponent: 0.00001
        return format(Decimal(text), "f") if "e" in text else text
    return str(value).strip()


def _table_from_rows(rows: list[list[str]], is_header: Callable[[str], bool]) -> RawTable:
    """The table under the header row, as columns of stripped text. A row whose cells are all blank is skipped and
    counted; a row with values beyond the header is noted. Rows are only joined and measured here, in C: the cells
    are stripped per distinct value of a column (`_stripped`)."""
    header_index = find_header(rows, is_header)
    header = [cell.strip() for cell in rows[header_index]]
    while header and not header[-1]:
        header = header[:-1]
    width = len(header)
    data_rows, numbers, too_wide = [], [], []
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not "".join(row).strip():  # every cell blank (empty or spaces only)
            continue
        if len(row) != width:
            if len(row) > width and "".join(row[width:]).strip():
                too_wide.append((offset, len(row)))
            row = (row + [""] * width)[:width]
        data_rows.append(row)
        numbers.append(offset)
    columns = [_stripped(cells) for cells in zip(*data_rows, strict=True)] if data_rows \
        else [np.empty(0, dtype=object) for _ in header]
    return RawTable(header=header, columns=columns, row_numbers=numbers,
                    header_row=header_index + 1, empty_rows_skipped=len(rows) - header_index - 1 - len(numbers),
                    too_wide=too_wide)


def _stripped(cells: tuple[str, ...]) -> np.ndarray:
    """A column's cells without surrounding spaces, stripped once per distinct value."""
    codes, distinct = pd.factorize(np.array(cells, dtype=object))
    return np.array([value.strip() for value in distinct] + [""], dtype=object)[codes]


def find_header(rows: list[list[str]], is_header: Callable[[str], bool]) -> int:
    """Index of the first row among the top rows with enough known headers (title rows may sit above)."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if (text := cell.strip()) and is_header(text)) >= MIN_HEADER_MATCHES:
            return index
    raise RejectedFile(f"no header row with known column names in the first {HEADER_SEARCH_ROWS} rows")
