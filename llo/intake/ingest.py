"""Ingest one region's landing folder: every file read, every row accepted or quarantined with its reason.

The result is a set of frames for the warehouse (current measurements and catalogue, their superseded versions,
quarantine, warnings, ingest log). Files are applied in the order they were received: the time the platform first
saw their content (an earlier run's ingest log), else their modification time in the landing folder; ties by name.
A later row of the same participant and meetmoment is unchanged or a correction (llo.intake.versions). A file whose
bytes were already seen (same sha256) is logged as a duplicate delivery and not counted again. Every row read is
counted as new, unchanged, corrected or quarantined. Reading and parsing a file is llo.intake.tables; a file parsed in
an earlier run comes from what was kept of it (llo.intake.parsed), the only thing written here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from checks.contract import MODELS, Withdrawal, catalogue_schema, interview_schema, measurement_schema
from checks.outputs import ACCEPTED, DUPLICATE, ISSUE_TABLE_COLUMNS, LOG_COLUMNS, PARTLY, REJECTED
from llo import settings
from llo.intake import versions, withdrawals
from llo.intake.landing import delivery_files, file_sha256, skipped_entries
from llo.intake.parsed import ParsedFiles
from llo.intake.tables import Refused, Table, read_file
from llo.intake.validate import (
    ISSUE_COLUMNS,
    failure_records,
    format_value,
    row_rejections,
    set_rejections,
    set_schema,
    warning_records,
)

SOURCE_COLUMNS = ["bron_bestand", "bron_blad", "bron_rij"]
VERSION_COLUMNS = ["received_at", "superseded_at", "superseded_by_file", "superseded_by_row", "changed_fields"]

QUARANTINED = "quarantined"
# what became of each row read
OUTCOMES = (versions.NEW, versions.UNCHANGED, versions.CORRECTED, QUARANTINED, withdrawals.WITHDRAWN)
_COUNTS = ("rows_read", "rows_accepted", "rows_quarantined", "rows_with_warnings", "empty_rows_skipped",
           *(f"rows_{outcome}" for outcome in OUTCOMES))
IDENTITY = {"measurements": ["regio", "deelnemer_id", "meetmoment"], "trajectory_catalogue": ["trajectcode"],
            "interview_codings": ["ronde", "bevinding"]}


@dataclass
class RegionIngest:
    region: str
    measurements: pd.DataFrame
    trajectory_catalogue: pd.DataFrame
    quarantine: pd.DataFrame
    warnings: pd.DataFrame
    ingest_log: pd.DataFrame
    measurement_versions: pd.DataFrame  # superseded versions: when each arrived and stopped being current
    catalogue_versions: pd.DataFrame
    withdrawals: pd.DataFrame  # the register of withdrawn participants (tombstones, no identifiers)
    files_parsed: int = 0  # files read and parsed in this run; the others came from their kept parse
    # the coded group interviews (a finding per row; no participant data) and their superseded versions
    interview_codings: pd.DataFrame = field(default_factory=pd.DataFrame)
    interview_versions: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class Stored:
    """What became of a region's ingest: its result, as stored, with what the warehouse held before."""

    result: RegionIngest
    received_before: dict[str, dt.datetime]  # when each file content (sha256) was first received, before this run
    first_changed_month: str | None  # the month partition key from which the region's figures changed (None: none)


def ingest_and_store(engine, region: str, folder: Path, *, key: bytes, today: dt.date, parsed_root: Path) -> Stored:
    """One region of a run: read what the warehouse holds of it, ingest its landing folder and store the result.
    What the previous region's work freed goes back to the system first (llo.memory)."""
    from llo.memory import release_freed_memory
    from llo.warehouse import (
        INTERVIEW_CODINGS,
        MEASUREMENTS,
        TRAJECTORY_CATALOGUE,
        read_typed,
        received_at,
        withdrawals_of,
    )

    release_freed_memory()
    known = received_at(engine, region)
    stored = {table.name: read_typed(engine, table, region)
              for table in (MEASUREMENTS, TRAJECTORY_CATALOGUE, INTERVIEW_CODINGS)}
    result = ingest_region(region, folder, key=key, today=today, received_at=known,
                           withdrawn=withdrawals_of(engine, region), cache=ParsedFiles(parsed_root, region, key))
    store_region(engine, result, stored)
    return Stored(result, known, first_changed_month(stored, result))


def first_changed_month(stored: dict[str, pd.DataFrame], result: RegionIngest) -> str | None:
    """The month partition key of the first month whose figures change: of a measurement stored before and not now or
    the other way round, or, for a changed catalogue row, from its startdatum on; for a changed interview finding,
    from the month of its interview (the reports of later months show it)."""
    days = [versions.first_changed_day(stored["measurements"], result.measurements,
                                       list(MODELS["measurements"].to_schema().columns)),
            versions.first_changed_day(stored["trajectory_catalogue"], result.trajectory_catalogue,
                                       list(MODELS["trajectory_catalogue"].to_schema().columns), date="startdatum"),
            versions.first_changed_day(stored["interview_codings"], result.interview_codings,
                                       list(MODELS["interview_codings"].to_schema().columns), date="datum_gesprek")]
    days = [day for day in days if day is not None and not pd.isna(day)]
    return f"{min(days):%Y-%m}-01" if days else None


def store_region(engine, result: RegionIngest, stored: dict[str, pd.DataFrame] | None = None) -> None:
    """Replace everything stored for the region by `result`, atomically. A table whose rows in `stored` (by table
    name, as read before the ingest) are already these rows is not written again: after a cumulative re-delivery
    the measurements are what they were."""
    from llo.warehouse import replace_region

    tables = {"measurements": result.measurements, "trajectory_catalogue": result.trajectory_catalogue.assign(
        regio=result.region), "quarantine": result.quarantine, "ingest_warnings": result.warnings,
        "ingest_log": result.ingest_log, "measurement_versions": result.measurement_versions,
        "catalogue_versions": result.catalogue_versions.assign(regio=result.region),
        "withdrawals": result.withdrawals,
        "interview_codings": result.interview_codings.assign(regio=result.region),
        "interview_versions": result.interview_versions.assign(regio=result.region)}
    replace_region(engine, result.region, {name: frame for name, frame in tables.items()
                                           if name not in (stored or {}) or not same_rows(stored[name], frame)})


def same_rows(stored: pd.DataFrame, rows: pd.DataFrame) -> bool:
    """Whether `stored` holds exactly `rows`, in any order, every column compared (by a hash of each row). Where the
    two cannot be compared the answer is no, and the table is written."""
    if len(stored) != len(rows) or set(stored.columns) != set(rows.columns):
        return False
    columns = list(rows.columns)
    try:
        before = pd.util.hash_pandas_object(stored[columns].astype(rows[columns].dtypes.to_dict()), index=False)
        after = pd.util.hash_pandas_object(rows[columns], index=False)
    except (TypeError, ValueError):
        return False
    return bool(np.array_equal(np.sort(before.to_numpy()), np.sort(after.to_numpy())))


def ingest_region(region: str, folder: Path, *, key: bytes, today: dt.date,
                  received_at: dict[str, dt.datetime] | None = None, now: dt.datetime | None = None,
                  withdrawn: pd.DataFrame | None = None, cache: ParsedFiles | None = None) -> RegionIngest:
    """Read, check and split everything delivered for `region` (a slug) in `folder`. From earlier runs:
    `received_at` holds when each file content (sha256) was first received, `withdrawn` the register of
    withdrawals (llo.intake.withdrawals), `cache` the files parsed before (llo.intake.parsed; it is the one thing
    this writes to)."""
    received_at = received_at or {}
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    limit = settings.max_file_bytes()
    logs, tables, seen, files_parsed = [], [], {}, 0
    for order, (received, path, digest, size) in enumerate(arrivals(folder, received_at, now), start=1):
        base = {"region": region, "file": path.name, "sheet": None, "sha256": digest, "size_bytes": size,
                "received_at": received, "delivery_order": order}
        if size > limit:  # hashed in blocks, never loaded
            logs.append({**base, "status": REJECTED, "rows_read": 0,
                         "reason": f"the file is {size / 2**20:.1f} MB, over the limit of {limit / 2**20:g} MB "
                                   "(LLO_MAX_FILE_MB): split it into smaller deliveries or raise the limit"})
            continue
        if digest in seen:
            logs.append({**base, "status": DUPLICATE, "rows_read": 0,
                         "reason": f"identical to '{seen[digest]}' (same sha256): not counted again"})
            continue
        seen[digest] = path.name
        parsed = cache.get(digest, path.name) if cache else None
        if parsed is None:
            parsed = read_file(path, region, key)
            files_parsed += 1
            if cache:
                cache.put(digest, parsed)
        for item in parsed:
            if isinstance(item, Refused):
                logs.append({**base, "sheet": item.sheet, "status": REJECTED, "rows_read": item.rows_read,
                             "rows_accepted": 0, "rows_quarantined": item.rows_read, "reason": item.reason})
            else:
                item.log = {**base, **item.log}
                tables.append(item)
    if cache:
        cache.keep_only(set(seen))

    register = _register(tables, region, key, withdrawn)
    catalogue = _check(tables, "trajectory_catalogue", catalogue_schema())
    codes = set(catalogue.accepted["trajectcode"]) if not catalogue.accepted.empty else set()
    measurements = _check(tables, "measurements", measurement_schema(codes, today), register.accepted, key)
    register.accepted["rows_withdrawn"] = register.accepted["tombstone"].map(measurements.withdrawn).fillna(0) \
        .astype(int)
    interviews = _check(tables, "interview_codings", interview_schema(today))
    quarantine = pd.concat([register.quarantine, catalogue.quarantine, measurements.quarantine, interviews.quarantine],
                           ignore_index=True).assign(region=region)
    warns = measurements.warnings.assign(region=region)
    for table in tables:
        logs.append(_account(table, {**register.outcomes, **catalogue.outcomes, **measurements.outcomes,
                                     **interviews.outcomes}, warns))
    log = pd.DataFrame(logs, columns=LOG_COLUMNS).sort_values(["delivery_order", "sheet"], na_position="first",
                                                                kind="stable", ignore_index=True)
    skipped = _skipped_lines(region, folder, now)
    if len(skipped):
        log = pd.concat([log, skipped], ignore_index=True)
    log["delivery_order"] = log["delivery_order"].astype("Int64")  # none for what was not read
    for column in _COUNTS:
        log[column] = log[column].fillna(0).astype(int)
    return RegionIngest(region, measurements.accepted, catalogue.accepted, quarantine, warns, log,
                        measurements.superseded, catalogue.superseded, register.accepted[withdrawals.COLUMNS],
                        files_parsed, interviews.accepted, interviews.superseded)


def arrivals(folder: Path, received_at: dict[str, dt.datetime], now: dt.datetime):
    """(received, path, sha256, size) of every file in the folder, in the order the files were received: the time
    an earlier run first saw the content, else the file's modification time (not after `now`); ties by name."""
    found = []
    for path in delivery_files(folder):
        stat = path.stat()
        digest = file_sha256(path)
        modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(microsecond=0, tzinfo=None)
        found.append((received_at.get(digest) or min(modified, now), path, digest, stat.st_size))
    return sorted(found, key=lambda arrival: (arrival[0], arrival[1].name))


@dataclass
class Checked:
    """One kind of table of a region, checked: the current versions and what became of every row read."""

    accepted: pd.DataFrame
    superseded: pd.DataFrame  # the versions that were replaced, with when they arrived and stopped being current
    quarantine: pd.DataFrame
    warnings: pd.DataFrame
    outcomes: dict[tuple[str, str], pd.Series]  # (file, sheet) -> rows per outcome
    withdrawn: pd.Series | None = None  # rows withdrawn per tombstone


def _check(tables: list[Table], kind: str, schema, register: pd.DataFrame | None = None, key: bytes = b""
           ) -> Checked:
    """Rows of one kind, all files together in arrival order: the participants withdrawn (llo.intake.withdrawals),
    the rules about single rows, then the versions (llo.intake.versions), then the rules about sets of rows on the
    current versions."""
    parts, columns = [t for t in tables if t.kind == kind], [*MODELS[kind].to_schema().columns, *SOURCE_COLUMNS]
    if not parts:
        return Checked(pd.DataFrame(columns=columns), _superseded(pd.DataFrame(columns=columns), [], {}),
                       _issue_table([], []), _issue_table([], []), {}, pd.Series(dtype="int64"))
    frame, rank, prefailed = _together(parts)
    received_by_rank = {t.rank: t.log["received_at"] for t in parts}
    received = rank.map(received_by_rank)
    gone, later, withdrawn = withdrawals.apply(frame, received, register if register is not None else
                                               pd.DataFrame(columns=withdrawals.COLUMNS), key)
    out = gone.union(pd.Index(later["row_id"], dtype="int64"))
    refused = [row_rejections(frame.drop(index=out), schema, prefailed[~prefailed["row_id"].isin(out)]), later]
    valid = frame.drop(index=out.union(pd.Index(refused[0]["row_id"].unique(), dtype="int64")))
    fields, key_columns = list(MODELS[kind].to_schema().columns), IDENTITY[kind]
    for _ in range(len(parts) + 1):  # a refused correction can make a later copy of it a correction in turn
        resolution = versions.resolve(valid, key_columns, fields, rank.loc[valid.index])
        breaking = _breaking_corrections(valid, resolution, schema, rank) if kind == "measurements" else None
        if breaking is None or breaking.empty:
            break
        refused.append(breaking)
        valid = valid.drop(index=breaking["row_id"])
    refused.append(_ambiguous_records(frame, resolution.ambiguous, key_columns))
    current = valid.loc[resolution.current]
    failing = set_rejections(current, schema)
    refused.append(_whole_identity(valid, failing, key_columns))
    issues = pd.concat([r for r in refused if not r.empty] or [refused[0]], ignore_index=True)
    quarantined = pd.Index(issues["row_id"].unique(), dtype="int64")
    accepted = current.drop(index=current.index.intersection(quarantined))
    warns = warning_records(accepted, schema)
    outcome = resolution.outcome.drop(index=resolution.outcome.index.intersection(quarantined))
    outcome = pd.concat([part for part in (outcome, pd.Series(QUARANTINED, index=quarantined, dtype=object),
                                           pd.Series(withdrawals.WITHDRAWN, index=gone, dtype=object))
                         if len(part)] or [outcome])
    superseded = resolution.superseded[resolution.superseded.index.isin(valid.index.difference(quarantined))]
    return Checked(accepted.reset_index(drop=True)[columns], _superseded(frame, superseded, received_by_rank, rank),
                   _issue_table(issues, frame), _issue_table(warns, frame), _per_part(parts, outcome), withdrawn)


def _register(tables: list[Table], region: str, key: bytes, earlier: pd.DataFrame | None) -> Checked:
    """The register of withdrawals: from the withdrawal files (checked by the rules about single rows) and from
    earlier runs."""
    parts = [t for t in tables if t.kind == "withdrawals"]
    if not parts:
        table, _ = withdrawals.register(pd.DataFrame(columns=[*MODELS["withdrawals"].to_schema().columns,
                                                              *SOURCE_COLUMNS]), pd.Series(dtype=object), key,
                                        region, earlier)
        return Checked(table, pd.DataFrame(), _issue_table([], []), _issue_table([], []), {})
    frame, rank, prefailed = _together(parts)
    issues = row_rejections(frame, Withdrawal.to_schema(), prefailed)
    valid = frame.drop(index=issues["row_id"].unique())
    received = rank.map({t.rank: t.log["received_at"] for t in parts})
    table, outcome = withdrawals.register(valid, received.loc[valid.index], key, region, earlier)
    quarantined = pd.Index(issues["row_id"].unique(), dtype="int64")
    outcome = outcome.reindex(outcome.index.union(quarantined)).fillna(QUARANTINED)
    return Checked(table, pd.DataFrame(), _issue_table(issues, frame), _issue_table([], []), _per_part(parts, outcome))


def _together(parts: list[Table]) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """The tables of one kind as one frame in arrival order, each row's file in arrival order (its rank), and the
    format failures found while parsing, by row of the frame."""
    frame = pd.concat([t.frame for t in parts], ignore_index=True)
    rank = pd.Series(np.repeat([t.rank for t in parts], [len(t.frame) for t in parts]), index=frame.index)
    offsets = np.cumsum([0] + [len(t.frame) for t in parts[:-1]])
    prefailed = pd.concat([t.format_issues.assign(row_id=t.format_issues["row_id"] + off)
                           for t, off in zip(parts, offsets, strict=True)], ignore_index=True)
    return frame, rank, prefailed


def _per_part(parts: list[Table], outcome: pd.Series) -> dict[tuple[str, str], pd.Series]:
    """Rows per outcome for each table (file and sheet); `outcome` by row of the frame of `_together`."""
    by_part = np.repeat(np.arange(len(parts)), [len(t.frame) for t in parts])
    counted = pd.DataFrame({"part": by_part[outcome.index.to_numpy(dtype="int64")], "outcome": outcome}).value_counts()
    return {(t.file, t.sheet): counted.xs(number, level="part") if number in counted.index.get_level_values(0)
            else pd.Series(dtype="int64") for number, t in enumerate(parts)}


def _breaking_corrections(valid: pd.DataFrame, resolution: versions.Resolution, schema, rank: pd.Series
                          ) -> pd.DataFrame:
    """Issue records of the corrections that would break a rule about sets of rows (a T1 now before its T0): each
    participant whose current versions break one is replayed file by file, and a file's corrections that turn a
    valid state into a broken one are refused, so the versions before them stay current."""
    corrected = set(resolution.outcome.index[resolution.outcome == versions.CORRECTED])
    participant = IDENTITY["measurements"][:-1]
    if not corrected:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    rules = set_schema(schema)
    current = valid.loc[resolution.current]
    touched = valid.loc[list(corrected), participant].drop_duplicates()  # the set rules are per participant
    current = current[pd.MultiIndex.from_frame(current[participant]).isin(pd.MultiIndex.from_frame(touched))]
    broken = failure_records(current, rules)
    records = []
    for values in current.loc[broken["row_id"].unique(), participant].drop_duplicates().itertuples(index=False):
        mine = valid.index[(valid[participant] == list(values)).all(axis=1)]
        events = resolution.outcome.loc[mine].index[resolution.outcome.loc[mine] != versions.UNCHANGED]
        if corrected.isdisjoint(events):
            continue
        state: dict = {}  # meetmoment -> row id of its current version
        for _, file_rows in rank.loc[events].groupby(rank.loc[events]):
            fixes = [r for r in file_rows.index if r in corrected]
            trial = {**state, **{valid.at[r, "meetmoment"]: r for r in file_rows.index}}
            failed = failure_records(valid.loc[list(trial.values())], rules)
            if fixes and not failed.empty and failure_records(valid.loc[list(state.values())], rules).empty:
                records += [_refusal(valid, row_id, state, failed) for row_id in fixes]
                trial = {**state, **{valid.at[r, "meetmoment"]: r for r in file_rows.index if r not in fixes}}
            state = trial
    return pd.DataFrame(records, columns=ISSUE_COLUMNS)


def _refusal(valid: pd.DataFrame, row_id: int, state: dict, failed: pd.DataFrame) -> tuple:
    """The issue record of a refused correction: which rule it would break and which version stays current."""
    rule = failed["rule"].iloc[0]
    kept = state.get(valid.at[row_id, "meetmoment"])
    stays = (f"; row {valid.at[kept, 'bron_rij']} of '{valid.at[kept, 'bron_bestand']}' stays current"
             if kept is not None else "")
    value = "; ".join(f"{c}={format_value(valid.at[row_id, c])}" for c in ("deelnemer_id", "meetmoment", "meetdatum"))
    return (row_id, "deelnemer_id, meetmoment, meetdatum", rule, value,
            f"Correction refused: with it, {failed['message'].iloc[0][:1].lower()}{failed['message'].iloc[0][1:]}"
            + stays)


_IDENTITY_WORDS = {"meetmoment": "participant and meetmoment", "trajectcode": "trajectcode",
                   "bevinding": "round and finding"}


def _ambiguous_records(frame: pd.DataFrame, ambiguous: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    shown = [c for c in key if c != "regio"]
    words = _IDENTITY_WORDS[shown[-1]]
    records = [(row_id, ", ".join(shown), versions.AMBIGUOUS,
                "; ".join(f"{c}={format_value(frame.at[row_id, c])}" for c in shown) if len(shown) > 1
                else format_value(frame.at[row_id, shown[0]]),
                f"Row {others} of the same file gives this {words} other values: both are refused; deliver one row "
                "for it")
               for row_id, others in zip(ambiguous["row_id"], ambiguous["others"], strict=True)]
    return pd.DataFrame(records, columns=ISSUE_COLUMNS)


def _whole_identity(valid: pd.DataFrame, failing: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """A current version that breaks a rule about sets of rows takes every row of its identity with it (its earlier
    versions and the copies a cumulative export repeats), with the same reason."""
    if failing.empty:
        return failing
    first = failing.drop_duplicates("row_id").set_index("row_id")
    identity = valid.groupby(key, sort=False, dropna=False).ngroup()
    owner = pd.Series(first.index, index=identity.loc[first.index].to_numpy())
    owner = owner[~owner.index.duplicated()]
    rows = identity[identity.isin(owner.index)]
    spread = first.loc[owner.loc[rows.to_numpy()].to_numpy()].reset_index(drop=True)
    spread.insert(0, "row_id", rows.index.to_numpy())
    others = spread[~spread["row_id"].isin(failing["row_id"])]
    return pd.concat([failing, others[ISSUE_COLUMNS]], ignore_index=True)


def _superseded(frame: pd.DataFrame, superseded: pd.Series, received: dict, rank: pd.Series | None = None
                ) -> pd.DataFrame:
    """The replaced versions with the file and row they came from, when their file arrived, when (and by which file
    and row) they were replaced, and which contract fields the replacement changed."""
    columns = [*frame.columns, *VERSION_COLUMNS]
    if len(superseded) == 0:
        return pd.DataFrame(columns=columns)
    rows = frame.loc[superseded.index].copy()
    by = frame.loc[superseded.to_numpy()]
    fields = [c for c in frame.columns if c not in SOURCE_COLUMNS]
    before, after = rows[fields].reset_index(drop=True), by[fields].reset_index(drop=True)
    differs = before.ne(after) & ~(before.isna() & after.isna())
    rows["received_at"] = [received[r] for r in rank.loc[superseded.index]]
    rows["superseded_at"] = [received[r] for r in rank.loc[superseded.to_numpy()]]
    rows["superseded_by_file"] = by["bron_bestand"].to_numpy()
    rows["superseded_by_row"] = by["bron_rij"].to_numpy()
    rows["changed_fields"] = [", ".join(np.array(fields)[mask]) for mask in differs.to_numpy(dtype=bool)]
    return rows.reset_index(drop=True)[columns]


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


def _skipped_lines(region: str, folder: Path, now: dt.datetime) -> pd.DataFrame:
    """Log lines for what is in the folder but not read (llo.intake.landing.skipped_entries): links, hidden and lock
    files, folders. Nothing is opened or followed; the time is the entry's own (a link's, not its target's)."""
    lines = []
    for entry in skipped_entries(folder):
        stat = entry.path.lstat()
        modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(microsecond=0, tzinfo=None)
        lines.append({"region": region, "file": entry.path.name, "received_at": min(modified, now),
                      "status": entry.status, "reason": entry.reason, **dict.fromkeys(_COUNTS, 0)})
    return pd.DataFrame(lines, columns=LOG_COLUMNS)


def _account(table: Table, outcomes: dict[tuple[str, str], pd.Series], warns: pd.DataFrame) -> dict:
    """The ingest-log line of one table: rows read = new + unchanged + corrected + quarantined."""
    counts = outcomes.get((table.file, table.sheet), pd.Series(dtype="int64"))
    found = {f"rows_{outcome}": int(counts.get(outcome, 0)) for outcome in OUTCOMES}
    mine = warns[(warns["file"] == table.file) & (warns["sheet"].fillna("") == (table.sheet or ""))]
    quarantined = found[f"rows_{QUARANTINED}"]
    return {**table.log, **found, "rows_accepted": table.log["rows_read"] - quarantined,
            "rows_quarantined": quarantined, "rows_with_warnings": mine["row_number"].nunique(),
            "status": PARTLY if quarantined else ACCEPTED}
