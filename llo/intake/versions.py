"""Which delivered row is the current version of a measurement (or catalogue row), by the order files arrived in.

A measurement is identified by (region, participant pseudonym, meetmoment), a catalogue row by (region,
trajectcode). A region's files are applied in the order they were received (ties by name), so:

- the first row of an identity is *new*;
- a later row identical in every contract field to the current version is *unchanged*: counted, not stored again;
- a later row that differs is a *correction*: it becomes the current version, and the version it replaces is kept
  as history with the time it stopped being current;
- two different rows for one identity within one file are *ambiguous*: both are refused, each naming the other;
  identical rows within one file count once.

This is what a cumulative export (every month the whole history again) and a correction file need: the first gives
no quarantine at all, the second wins whatever its file is called. Rows reach this module only after passing every
rule about a single row; rules about sets of rows (a T1 needs an earlier T0) are applied to the current versions
afterwards (llo.intake.ingest), and a correction that would break one is refused there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NEW, UNCHANGED, CORRECTED = "new", "unchanged", "corrected"
AMBIGUOUS = "een_versie_per_bestand"  # the rule an ambiguous pair breaks, as quarantine records name it


@dataclass
class Resolution:
    """The outcome of every row that was resolved, by row id."""

    outcome: pd.Series  # NEW, UNCHANGED or CORRECTED; ambiguous rows are absent (see `ambiguous`)
    current: pd.Index  # the row ids of the current versions
    superseded: pd.Series  # row id of a version that was replaced -> row id of the version that replaced it
    ambiguous: pd.DataFrame  # row_id, others: the rows of one file that disagree about one identity


def resolve(frame: pd.DataFrame, key: list[str], fields: list[str], rank: pd.Series) -> Resolution:
    """Resolve the rows of `frame` (valid rows, in arrival order; `rank` is each row's file in arrival order)."""
    if frame.empty:
        empty = pd.Index([], dtype="int64")
        return Resolution(pd.Series(dtype=object), empty, pd.Series(dtype="int64"),
                          pd.DataFrame({"row_id": pd.Series(dtype="int64"), "others": pd.Series(dtype=object)}))
    identity = frame.groupby(key, sort=False, dropna=False).ngroup().to_numpy()
    content = pd.util.hash_pandas_object(frame[fields], index=False).to_numpy()
    rows = pd.DataFrame({"identity": identity, "rank": rank.to_numpy(), "content": content,
                         "row": frame["bron_rij"].to_numpy()}, index=frame.index)

    versions_in_file = rows.groupby(["identity", "rank"])["content"].transform("nunique")
    disagreeing = rows[versions_in_file.to_numpy() > 1]
    ambiguous = _ambiguous(disagreeing)
    rows = rows[versions_in_file.to_numpy() == 1]

    repeated = rows.duplicated(["identity", "rank"])  # identical rows within one file count once
    outcome = pd.Series(UNCHANGED, index=rows.index[repeated.to_numpy()], dtype=object)
    delivered = rows[~repeated.to_numpy()].sort_values(["identity", "rank"], kind="stable")
    same_identity = np.r_[False, delivered["identity"].to_numpy()[1:] == delivered["identity"].to_numpy()[:-1]]
    same_content = np.r_[False, delivered["content"].to_numpy()[1:] == delivered["content"].to_numpy()[:-1]]
    kind = np.where(~same_identity, NEW, np.where(same_content, UNCHANGED, CORRECTED))
    outcome = pd.concat([outcome, pd.Series(kind, index=delivered.index, dtype=object)]).sort_index()

    events = delivered[kind != UNCHANGED]  # the versions: each was current from its arrival until the next one
    last = ~np.r_[events["identity"].to_numpy()[1:] == events["identity"].to_numpy()[:-1], False]
    current = events.index[last].sort_values()
    superseded = pd.Series(events.index[1:][~last[:-1]], index=events.index[:-1][~last[:-1]], dtype="int64")
    return Resolution(outcome, current, superseded, ambiguous)


def _ambiguous(rows: pd.DataFrame) -> pd.DataFrame:
    """Per disagreeing row, the row numbers of the others in its file that give the same identity another value."""
    if rows.empty:
        return pd.DataFrame({"row_id": pd.Series(dtype="int64"), "others": pd.Series(dtype=object)})
    others = []
    for _, group in rows.groupby(["identity", "rank"], sort=False):
        for row_id, content in zip(group.index, group["content"], strict=True):
            differing = group.loc[group["content"] != content, "row"]
            others.append((row_id, ", ".join(str(r) for r in sorted(differing))))
    return pd.DataFrame(others, columns=["row_id", "others"])


def as_delivered_on(current: pd.DataFrame, history: pd.DataFrame, log: pd.DataFrame, day: pd.Timestamp,
                    region_column: str = "regio") -> pd.DataFrame:
    """The rows that were current at the end of `day`: the current rows whose file had arrived by then, and the
    replaced versions that were current then (arrived by then, replaced after). `log` is the ingest log (region,
    file, received_at). A withdrawn participant is in neither table, so not here either: a withdrawal removes the
    history too."""
    end = pd.Timestamp(day).normalize() + pd.Timedelta(days=1)
    arrived = (log.assign(received_at=pd.to_datetime(log["received_at"]))
               .groupby(["region", "file"])["received_at"].min().rename("arrived"))
    when = pd.Series(list(zip(current[region_column], current["bron_bestand"], strict=True)), index=current.index,
                     dtype=object).map(arrived)
    then = history[(pd.to_datetime(history["received_at"]) < end) & (pd.to_datetime(history["superseded_at"]) >= end)]
    parts = [part[current.columns] for part in (current[when.to_numpy() < end], then) if len(part)]
    return pd.concat(parts, ignore_index=True) if parts else current.iloc[:0]


def first_changed_day(before: pd.DataFrame, after: pd.DataFrame, fields: list[str], date: str = "meetdatum"
                      ) -> pd.Timestamp | None:
    """The earliest `date` among the rows stored before and not after, or after and not before (compared on the
    contract fields): from that month on, the monthly figures change. None when nothing changed."""
    if before.empty and after.empty:
        return None

    def hashed(frame: pd.DataFrame) -> pd.Series:
        return pd.util.hash_pandas_object(frame[fields].astype(after[fields].dtypes.to_dict()), index=False)

    old, new = hashed(before), hashed(after)
    changed = pd.concat([before.loc[~old.isin(new).to_numpy(), date], after.loc[~new.isin(old).to_numpy(), date]])
    return pd.Timestamp(changed.min()) if len(changed) else None
