"""Ingest one region's landing folder: every file read, every row accepted or quarantined with its reason.

The result is a set of frames for the warehouse (accepted measurements and catalogue, quarantine,
warnings, ingest log). Files are processed in name order; a file whose bytes were already seen (same
sha256) is logged as a duplicate delivery and not counted again. Nothing here writes anywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from checks.contract import MODELS, catalogue_schema, measurement_schema
from checks.outputs import ISSUE_TABLE_COLUMNS, LOG_COLUMNS
from llo import settings
from llo.intake import privacy
from llo.intake.headers import HeaderMatch, classify, is_known_header, required_columns
from llo.intake.landing import delivery_files, file_sha256
from llo.intake.parse import FORMAT_RULES, detect_decimal, parse_column
from llo.intake.read import RawTable, RejectedFile, read_tables
from llo.intake.validate import ISSUE_COLUMNS, format_value, rejections, warning_records
from llo.regions import region_name, region_slug

MIN_SHARE_OF_COLUMNS = 0.5
SOURCE_COLUMNS = ["bron_bestand", "bron_blad", "bron_rij"]

ACCEPTED, PARTLY, REJECTED, DUPLICATE = "accepted", "accepted_with_quarantine", "rejected", "duplicate"


@dataclass
class Table:
    """One table of a file, parsed: typed contract columns plus its format failures."""

    file: str
    sheet: str | None
    kind: str
    frame: pd.DataFrame
    format_issues: pd.DataFrame
    log: dict


@dataclass
class RegionIngest:
    region: str
    measurements: pd.DataFrame
    trajectory_catalogue: pd.DataFrame
    quarantine: pd.DataFrame
    warnings: pd.DataFrame
    ingest_log: pd.DataFrame


def store_region(engine, result: RegionIngest) -> None:
    """Replace everything stored for the region by `result`, atomically."""
    from llo.warehouse import replace_region

    replace_region(engine, result.region, {
        "measurements": result.measurements, "trajectory_catalogue": result.trajectory_catalogue.assign(
            regio=result.region), "quarantine": result.quarantine, "ingest_warnings": result.warnings,
        "ingest_log": result.ingest_log})


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ingest_region(region: str, folder: Path, *, key: bytes, today: dt.date,
                  received_at: dict[str, dt.datetime] | None = None,
                  now: dt.datetime | None = None) -> RegionIngest:
    """Read, check and split everything delivered for `region` (a slug) in `folder`."""
    received_at = received_at or {}
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    limit = settings.max_file_bytes()
    logs, tables, seen = [], [], {}
    for path in delivery_files(folder):
        size = path.stat().st_size
        data = path.read_bytes() if size <= limit else None  # a larger file is hashed in blocks, never loaded
        digest = sha256(data) if data is not None else file_sha256(path)
        base = {"region": region, "file": path.name, "sheet": None, "sha256": digest,
                "size_bytes": size if data is None else len(data), "received_at": received_at.get(digest, now)}
        if data is None:
            logs.append({**base, "status": REJECTED, "rows_read": 0,
                         "reason": f"the file is {size / 2**20:.1f} MB, over the limit of {limit / 2**20:g} MB "
                                   "(LLO_MAX_FILE_MB): split it into smaller deliveries or raise the limit"})
            continue
        if digest in seen:
            logs.append({**base, "status": DUPLICATE, "rows_read": 0,
                         "reason": f"identical to '{seen[digest]}' (same sha256): not counted again"})
            continue
        seen[digest] = path.name
        try:
            for raw in read_tables(path, data, is_known_header):
                try:
                    tables.append(parse_table(raw, path.name, region, key, base))
                except RejectedFile as exc:
                    logs.append({**base, "sheet": raw.sheet, "status": REJECTED, "rows_read": len(raw.rows),
                                 "rows_accepted": 0, "rows_quarantined": len(raw.rows), "reason": exc.reason})
        except RejectedFile as exc:
            logs.append({**base, "status": REJECTED, "rows_read": 0, "reason": exc.reason})

    catalogue, cat_issues, _ = _check(tables, "trajectory_catalogue", catalogue_schema())
    codes = set(catalogue["trajectcode"]) if not catalogue.empty else set()
    measurements, meas_issues, warns = _check(tables, "measurements", measurement_schema(codes, today))
    quarantine = pd.concat([cat_issues, meas_issues], ignore_index=True).assign(region=region)
    warns = warns.assign(region=region)
    for table in tables:
        logs.append(_account(table, quarantine, warns))
    log = pd.DataFrame(logs, columns=LOG_COLUMNS)
    for column in ("rows_read", "rows_accepted", "rows_quarantined", "rows_with_warnings", "empty_rows_skipped"):
        log[column] = log[column].fillna(0).astype(int)
    return RegionIngest(region, measurements, catalogue, quarantine, warns, log)


def _listed(names: list[str], shown: int = 20) -> str | None:
    """Names for the log, the first `shown` of them and how many more (a sheet may carry thousands)."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more if names else None


def parse_table(raw: RawTable, file: str, region: str, key: bytes, base: dict) -> Table:
    match = classify(raw.header)
    _refuse_unusable(raw, match)
    positions = {canonical: position for position, canonical in match.columns.items()}
    allowed = set(match.columns)
    id_position = positions.get("deelnemer_id")
    problems = privacy.identifier_problems(raw.header, raw.rows, id_position, allowed)
    if problems:
        raise RejectedFile("direct identifiers found, the file was not read further and none of its values "
                           "were stored: " + "; ".join(problems))
    schema = MODELS[match.kind].to_schema()
    index = pd.RangeIndex(len(raw.rows))
    texts = {name: pd.Series([row[positions[name]] for row in raw.rows] if name in positions else [""] * len(index),
                             index=index, dtype=object) for name in schema.columns}
    numeric = [n for n, c in schema.columns.items() if str(c.dtype) in ("Int64", "float64")]
    decimal = detect_decimal([v for n in numeric for v in texts[n]], raw.separator)
    typed_columns, issues = {}, []
    for name, column in schema.columns.items():
        dtype = str(column.dtype)
        typed_columns[name], failed = parse_column(texts[name], dtype, column.metadata or {}, decimal)
        if failed.any():
            rule = FORMAT_RULES[dtype]
            message = f"'{column.title}' cannot be read as {rule.removeprefix('formaat_').replace('_', ' ')}"
            issues += [(row_id, name, rule, texts[name].iat[row_id], message) for row_id in np.flatnonzero(failed)]
    frame = pd.DataFrame(typed_columns, index=index)
    for row_number, width in raw.too_wide:
        issues.append((raw.row_numbers.index(row_number), f"column {len(raw.header) + 1}+ (no header)",
                       "aantal_kolommen", str(width),
                       f"the row has {width} values but the header has {len(raw.header)} columns"))
    if match.kind == "measurements":
        _check_region(frame, region)
        frame["regio"] = frame["regio"].where(frame["regio"].isna(), region)
        frame["deelnemer_id"] = frame["deelnemer_id"].map(
            lambda v: privacy.pseudonym(key, region, v) if isinstance(v, str) and v else v)
    frame["bron_bestand"], frame["bron_blad"], frame["bron_rij"] = file, raw.sheet, raw.row_numbers
    log = {**base, "sheet": raw.sheet, "kind": match.kind, "encoding": raw.encoding,
           "separator": {"\t": "tab"}.get(raw.separator, raw.separator), "decimal_mark": decimal,
           "header_row": raw.header_row, "rows_read": len(raw.rows), "empty_rows_skipped": raw.empty_rows_skipped,
           "ignored_columns": _listed([text for _, text in match.unknown]),
           "corrected_headers": ", ".join(f"'{t}' read as {c}" for t, c in match.corrected.items()) or None}
    return Table(file, raw.sheet, match.kind, frame, pd.DataFrame(issues, columns=ISSUE_COLUMNS), log)


def _refuse_unusable(raw: RawTable, match: HeaderMatch) -> None:
    required = required_columns(match.kind)
    if len(required) - len(match.missing) < MIN_SHARE_OF_COLUMNS * len(required):
        raise RejectedFile("not a measurement file or trajectory catalogue: too few known columns "
                           f"({', '.join(sorted(set(match.columns.values()))) or 'none'})")
    if match.missing:
        raise RejectedFile(f"required columns missing for a {match.kind.replace('_', ' ')} file: "
                           + ", ".join(match.missing))
    if match.doubled:
        raise RejectedFile("; ".join(f"columns {', '.join(repr(t) for t in texts)} all read as {canonical}"
                                     for canonical, texts in match.doubled.items()))
    if not raw.rows:
        raise RejectedFile("the table has a header but no data rows")


def _check_region(frame: pd.DataFrame, region: str) -> None:
    """A file holds rows of the folder's region only; otherwise it was misfiled and is refused whole."""
    named = frame["regio"].dropna()
    other = sorted({v for v in named if region_slug(v) != region})
    if other:
        count = sum(1 for v in named if region_slug(v) != region)
        raise RejectedFile(f"{count} row(s) name another or unknown region ({', '.join(map(repr, other[:5]))}) "
                           f"in the folder of {region_name(region)}: deliver each region's rows in its own folder")


def _check(tables: list[Table], kind: str, schema) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Accepted rows, quarantine records and warning records for all tables of one kind."""
    parts = [t for t in tables if t.kind == kind]
    columns = [*MODELS[kind].to_schema().columns, *SOURCE_COLUMNS]
    if not parts:
        return pd.DataFrame(columns=columns), _issue_table([], []), _issue_table([], [])
    frame = pd.concat([t.frame for t in parts], ignore_index=True)
    offsets = [0]
    for t in parts[:-1]:
        offsets.append(offsets[-1] + len(t.frame))
    prefailed = pd.concat([t.format_issues.assign(row_id=t.format_issues["row_id"] + off)
                           for t, off in zip(parts, offsets, strict=True)], ignore_index=True)
    rejected = rejections(frame, schema, prefailed)
    accepted = frame.drop(index=rejected["row_id"].unique())
    warns = warning_records(accepted, schema)
    return accepted.reset_index(drop=True)[columns], _issue_table(rejected, frame), _issue_table(warns, frame)


def _issue_table(issues, frame) -> pd.DataFrame:
    if len(issues) == 0:
        return pd.DataFrame(columns=ISSUE_TABLE_COLUMNS)
    source = frame.loc[issues["row_id"]]
    table = pd.DataFrame({
        "region": None,
        "file": source["bron_bestand"].to_numpy(), "sheet": source["bron_blad"].to_numpy(),
        "row_number": source["bron_rij"].to_numpy(), "column_name": issues["column_name"].to_numpy(),
        "rule": issues["rule"].to_numpy(), "value": issues["value"].map(format_value).to_numpy(),
        "message": issues["message"].to_numpy()})
    return table.sort_values(["file", "sheet", "row_number", "rule"], na_position="first",
                             ignore_index=True)


def _account(table: Table, quarantine: pd.DataFrame, warns: pd.DataFrame) -> dict:
    """The ingest-log line of one table: rows read = rows accepted + rows quarantined."""
    def rows_in(issues: pd.DataFrame) -> int:
        mine = issues[(issues["file"] == table.file) & (issues["sheet"].fillna("") == (table.sheet or ""))]
        return mine["row_number"].nunique()

    read, quarantined = table.log["rows_read"], rows_in(quarantine)
    return {**table.log, "rows_accepted": read - quarantined, "rows_quarantined": quarantined,
            "rows_with_warnings": rows_in(warns), "status": PARTLY if quarantined else ACCEPTED}
