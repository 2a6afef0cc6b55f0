"""Erasure: withdrawn participants removed from the raw deliveries, the one sanctioned change to a landing file.

A withdrawal (llo.intake.withdrawals) already keeps a participant out of every table; the raw files in the landing
folder still hold their rows. `llo erase` honours a request for erasure end to end: each file that holds a row of a
participant in the register is rewritten with those rows emptied (a CSV record becomes an empty line, a sheet row
empty cells; every other byte of a CSV stays as it was), or removed when nothing else is left in it; withdrawal
files lose their rows too, since the register keeps what is needed. An emptied row keeps the numbers of the rows
after it, so an ingest of the erased files stores the same tables, source rows included. The sha256 before and after
go to the warehouse's erasure log, so the ingest keeps each rewritten file's place in the order of arrival, and its
modification time is kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from llo.intake.headers import classify, is_known_header
from llo.intake.landing import delivery_files
from llo.intake.privacy import pseudonym, tombstone
from llo.intake.read import RawTable, RejectedFile, decode, detect_separator, read_tables

LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # physical lines with their endings, as csv splits them


@dataclass(frozen=True)
class Erased:
    file: str
    sha256_before: str
    sha256_after: str | None  # None: nothing else was in the file, so it was removed
    rows_removed: int


def erase_region(folder: Path, region: str, key: bytes, tombstones: set[str]) -> tuple[list[Erased], list[str]]:
    """Rewrite the region's files without the rows of the participants in `tombstones`; the files erased, and the
    names of files that could not be read (to be checked by hand)."""
    erased, unreadable = [], []
    for path in delivery_files(folder):
        data = path.read_bytes()
        try:
            tables = read_tables(path, data, is_known_header)
        except RejectedFile:
            unreadable.append(path.name)
            continue
        drop = {table.sheet: _rows_of(table, region, key, tombstones) for table in tables}
        removed = sum(len(rows) for rows in drop.values())
        if not removed:
            continue
        left = sum(len(table) for table in tables) - removed
        before = hashlib.sha256(data).hexdigest()
        if left == 0:
            path.unlink()
            erased.append(Erased(path.name, before, None, removed))
            continue
        rewritten = _xlsx_without(data, drop) if data[:4] == b"PK\x03\x04" else _csv_without(data, drop[None])
        _replace(path, rewritten)
        erased.append(Erased(path.name, before, hashlib.sha256(rewritten).hexdigest(), removed))
    return erased, unreadable


def _rows_of(table: RawTable, region: str, key: bytes, tombstones: set[str]) -> set[int]:
    """The row numbers of the table's rows that belong to a withdrawn participant."""
    position = next((p for p, name in classify(table.header).columns.items() if name == "deelnemer_id"), None)
    if position is None:
        return set()
    return {number for value, number in zip(table.columns[position], table.row_numbers, strict=True)
            if value and tombstone(key, pseudonym(key, region, value)) in tombstones}


def _csv_without(data: bytes, records: set[int]) -> bytes:
    """The CSV with the given records (numbered from 1 as the reader numbers them) as empty lines, one a record so
    the numbers after them stay; other lines byte for byte."""
    text, encoding = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_separator(text))
    spans, end = [], 0
    for _ in reader:
        spans.append(range(end, reader.line_num))
        end = reader.line_num
    gone = {line for record in records for line in spans[record - 1]}
    last = {spans[record - 1][-1] for record in records}  # the line that keeps the record's place, emptied
    if encoding.startswith("utf-16"):  # newlines are two bytes here: work on the text and encode it again
        lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)
        return "".join(_kept(n, line, gone, last, "") for n, line in enumerate(lines)).encode("utf-16")
    return b"".join(_kept(n, line, gone, last, b"") for n, line in enumerate(LINE.findall(data)))


def _kept(number: int, line, gone: set[int], last: set[int], empty):
    if number not in gone:
        return line
    return line[len(line.rstrip("\r\n" if isinstance(line, str) else b"\r\n")):] if number in last else empty


def _xlsx_without(data: bytes, rows: dict[str | None, set[int]]) -> bytes:
    """The workbook with the given rows per sheet emptied."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, numbers in rows.items():
        for number in numbers:
            for cell in book[sheet][number]:
                cell.value = None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _replace(path: Path, data: bytes) -> None:
    """Write `data` in place of the file at once (a reader sees the old file or the new one), keeping its times."""
    stat = path.stat()
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".erase-", delete=False) as handle:
        handle.write(data)
    os.utime(handle.name, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(handle.name, path)
