"""Withdrawn participants: the register that withdrawal files build, and what it does to a participant's rows.

A withdrawal file (Deelnemer ID, Datum intrekking, Reden: checks/contract.py `Withdrawal`) sits in the region's
landing folder like any delivery; `llo withdraw` writes one for the operator. The register keeps per withdrawn
participant only a tombstone (a keyed hash of the pseudonym, llo.intake.privacy.tombstone), the date, the reason and
which file brought it, so nothing in it can be joined to what is stored. Against a participant in the register:

- every row of the participant in a file received up to the withdrawal is *withdrawn*: counted, never stored, not
  kept as history and not quarantined (a quarantine record would keep its values);
- a row in a file received after it is refused (rule `deelnemer_ingetrokken`) with a reason and no values.

The register carries over between runs (the warehouse table `withdrawals`), so a withdrawal still holds after
`llo erase` has removed the participant, and the withdrawal itself, from the raw files.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from llo.intake.privacy import tombstone

WITHDRAWN = "withdrawn"
REFUSED = "deelnemer_ingetrokken"  # the rule a later delivery of a withdrawn participant breaks
COLUMNS = ["region", "tombstone", "datum_intrekking", "reden", "file", "received_at", "rows_withdrawn"]


def register(rows: pd.DataFrame, received: pd.Series, key: bytes, region: str,
             earlier: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.Series]:
    """The register from the valid rows of the withdrawal files (in arrival order; `received` per row) and the
    register of earlier runs; and the outcome of each row: new for a participant's first withdrawal, unchanged for
    one already registered."""
    stones = _tombstones(rows["deelnemer_id"], key)
    found = pd.DataFrame({"region": region, "tombstone": stones, "datum_intrekking": rows["datum_intrekking"],
                          "reden": rows["reden"], "file": rows["bron_bestand"], "received_at": received},
                         index=rows.index)
    first = ~found["tombstone"].duplicated()
    earlier = earlier if earlier is not None else pd.DataFrame(columns=COLUMNS)
    carried = earlier[~earlier["tombstone"].isin(found["tombstone"])]  # its file erased, or no longer there
    outcome = pd.Series(np.where(first & ~found["tombstone"].isin(carried["tombstone"]), "new", "unchanged"),
                        index=rows.index, dtype=object)
    parts = [part[COLUMNS[:-1]] for part in (carried, found[first.to_numpy()]) if not part.empty]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS[:-1])
    return table.sort_values(["received_at", "file"], kind="stable", ignore_index=True), outcome


def apply(frame: pd.DataFrame, received: pd.Series, table: pd.DataFrame, key: bytes
          ) -> tuple[pd.Index, pd.DataFrame, pd.Series]:
    """For the rows of `frame` (measurements; `received` per row): the ids of rows withdrawn, the issue records of
    rows refused because they came after the withdrawal, and per tombstone the rows withdrawn."""
    empty = pd.DataFrame(columns=["row_id", "column_name", "rule", "value", "message"])
    if table.empty or frame.empty:
        return pd.Index([], dtype="int64"), empty, pd.Series(dtype="int64")
    stones = pd.Series(_tombstones(frame["deelnemer_id"], key), index=frame.index)
    hit = stones.isin(table["tombstone"])
    if not hit.any():
        return pd.Index([], dtype="int64"), empty, pd.Series(dtype="int64")
    entry = table.drop_duplicates("tombstone").set_index("tombstone")
    mine = entry.loc[stones[hit].to_numpy()]
    later = [(pd.Timestamp(got), file) > (pd.Timestamp(when), by)  # files arrive in (received, name) order
             for got, file, when, by in zip(received[hit], frame.loc[hit, "bron_bestand"], mine["received_at"],
                                            mine["file"], strict=True)]
    after = pd.Series(later, index=stones[hit].index, dtype=bool)
    refused = after.index[after.to_numpy()]
    records = pd.DataFrame({
        "row_id": refused, "column_name": "deelnemer_id", "rule": REFUSED, "value": "",
        "message": [f"This participant was withdrawn on {_day(entry.at[s, 'datum_intrekking'])} "
                    f"({entry.at[s, 'reden']}): a later delivery of the participant is refused; leave the "
                    "participant out of your exports" for s in stones.loc[refused]]})
    withdrawn = after.index[~after.to_numpy()]
    return withdrawn, records, stones.loc[withdrawn].value_counts()


def _tombstones(ids: pd.Series, key: bytes) -> np.ndarray:
    """A tombstone per row, computed once per distinct participant (a cumulative export repeats them)."""
    codes, distinct = pd.factorize(ids)
    stones = np.array([tombstone(key, p) for p in distinct] + [None], dtype=object)
    return stones[codes]


def _day(value) -> str:
    return value.date().isoformat() if isinstance(value, pd.Timestamp | dt.datetime) else str(value)
