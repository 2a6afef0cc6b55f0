"""A delivered file's tables, parsed: each table's header matched to the contract (llo.intake.headers), scanned for
direct identifiers (llo.intake.privacy), its values typed column by column (llo.intake.parse) and its participant
ids pseudonymised. A table that cannot be used is refused whole with its reason. What comes out depends only on the
file's bytes, its region and the pseudonymisation key, so it can be kept between runs (llo.intake.parsed)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from checks.contract import MODELS
from llo.intake import privacy
from llo.intake.headers import HeaderMatch, classify, is_known_header, required_columns
from llo.intake.parse import FORMAT_RULES, detect_decimal, each_distinct, parse_column
from llo.intake.read import RawTable, RejectedFile, read_tables
from llo.intake.validate import ISSUE_COLUMNS
from llo.regions import region_name, region_slug

MIN_SHARE_OF_COLUMNS = 0.5


@dataclass
class Table:
    """One table of a file, parsed: typed contract columns plus its format failures. `log` holds what reading found
    (kind, encoding, separator, header row, rows read, ...); the ingest adds when the file arrived and its place in
    the order of arrival."""

    file: str
    sheet: str | None
    kind: str
    frame: pd.DataFrame
    format_issues: pd.DataFrame
    log: dict

    @property
    def rank(self) -> int:
        return self.log["delivery_order"]


@dataclass
class Refused:
    """A table (a sheet) or a whole file that cannot be used, with the reason in words a data engineer can act on."""

    sheet: str | None
    rows_read: int
    reason: str


def read_file(path: Path, region: str, key: bytes) -> list[Table | Refused]:
    """Every table of a delivered file, parsed, or why a table or the whole file was refused."""
    try:
        raws = read_tables(path, path.read_bytes(), is_known_header)
    except RejectedFile as exc:
        return [Refused(None, 0, exc.reason)]
    found: list[Table | Refused] = []
    for raw in raws:
        try:
            found.append(parse_table(raw, path.name, region, key))
        except RejectedFile as exc:
            found.append(Refused(raw.sheet, len(raw), exc.reason))
    return found


def _listed(names: list[str], shown: int = 20) -> str | None:
    """Names for the log, the first `shown` of them and how many more (a sheet may carry thousands)."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more if names else None


def parse_table(raw: RawTable, file: str, region: str, key: bytes) -> Table:
    """The table typed by the contract; refused whole (RejectedFile) when it cannot be used or holds direct
    identifiers."""
    match = classify(raw.header)
    _refuse_unusable(raw, match)
    positions = {canonical: position for position, canonical in match.columns.items()}
    allowed = set(match.columns)
    id_position = positions.get("deelnemer_id")
    columns = MODELS[match.kind].to_schema().columns
    free_text = {position for position, name in match.columns.items()
                 if (columns[name].metadata or {}).get("free_text")}
    problems = privacy.identifier_problems(raw.header, raw.columns, id_position, allowed, free_text)
    if problems:
        raise RejectedFile("direct identifiers found, the file was not read further and none of its values "
                           "were stored: " + "; ".join(problems))
    schema = MODELS[match.kind].to_schema()
    index = pd.RangeIndex(len(raw))
    texts = {name: pd.Series(raw.columns[positions[name]] if name in positions else np.full(len(raw), "", object),
                             index=index, dtype=object) for name in schema.columns}
    numeric = [n for n, c in schema.columns.items() if str(c.dtype) in ("Int64", "float64")]
    decimal = detect_decimal(np.concatenate([texts[n].to_numpy() for n in numeric]).tolist() if numeric else [],
                             raw.separator)
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
    if "deelnemer_id" in frame:
        frame["deelnemer_id"] = each_distinct(frame["deelnemer_id"].to_numpy(dtype=object),
                                              lambda v: privacy.pseudonym(key, region, v) if isinstance(v, str) and v
                                              else v)
    frame["bron_bestand"], frame["bron_blad"], frame["bron_rij"] = file, raw.sheet, raw.row_numbers
    log = {"sheet": raw.sheet, "kind": match.kind, "encoding": raw.encoding,
           "separator": {"\t": "tab"}.get(raw.separator, raw.separator), "decimal_mark": decimal,
           "header_row": raw.header_row, "rows_read": len(raw), "empty_rows_skipped": raw.empty_rows_skipped,
           "ignored_columns": _listed([text for _, text in match.unknown]),
           "corrected_headers": ", ".join(f"'{t}' read as {c}" for t, c in match.corrected.items()) or None}
    return Table(file, raw.sheet, match.kind, frame, pd.DataFrame(issues, columns=ISSUE_COLUMNS), log)


def _refuse_unusable(raw: RawTable, match: HeaderMatch) -> None:
    required = required_columns(match.kind)
    if len(required) - len(match.missing) < MIN_SHARE_OF_COLUMNS * len(required):
        raise RejectedFile("not a measurement file, trajectory catalogue, withdrawal file or interview coding: "
                           "too few known columns "
                           f"({', '.join(sorted(set(match.columns.values()))) or 'none'})")
    if match.missing:
        raise RejectedFile(f"required columns missing for a {match.kind.replace('_', ' ')} file: "
                           + ", ".join(match.missing))
    if match.doubled:
        raise RejectedFile("; ".join(f"columns {', '.join(repr(t) for t in texts)} all read as {canonical}"
                                     for canonical, texts in match.doubled.items()))
    if not len(raw):
        raise RejectedFile("the table has a header but no data rows")


def _check_region(frame: pd.DataFrame, region: str) -> None:
    """A file holds rows of the folder's region only; otherwise it was misfiled and is refused whole."""
    named = Counter(frame["regio"].dropna().tolist())
    other = sorted(v for v in named if region_slug(v) != region)
    if other:
        count = sum(named[v] for v in other)
        raise RejectedFile(f"{count} row(s) name another or unknown region ({', '.join(map(repr, other[:5]))}) "
                           f"in the folder of {region_name(region)}: deliver each region's rows in its own folder")
