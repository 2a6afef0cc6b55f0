"""What is late: regions whose deliveries stopped, and eenmetingen (T1) that are due and not delivered.

The clock of both is the monitor's own data: the latest day any region delivered a file (`clock`), not the wall
clock. A re-run or a backfill gives the same answer, and the demo (whose files arrived in 2025) shows what a live
platform showed on its last day. That a whole platform stopped receiving files is what the freshness policy on the
ingest assets catches (wall-clock time since the last ingest, pipelines/definitions.py).

- A region has *started* once it delivered a file of measurements, catalogue or withdrawals. Coded group interviews
  are the researchers' files, not the region's, and do not count as deliveries.
- `overdue_deliveries`: per started region its last delivery and the days since, against the window (default
  `settings.DELIVERY_WINDOW_DAYS`): on time, overdue (past the window) or long overdue (past twice the window).
- `t1_due`: per participant with a T0 and no T1 whose T1 is due on the clock (start + 8 months), or overdue (more
  than 12 months after the start: past the instrument's window), identified by the file, sheet and row of the T0 as
  the region delivered it. The region knows its participants by its own numbers; the warehouse keeps only
  pseudonyms, which a region cannot read, so a pseudonym never leaves this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.outputs import DROPOUT_MONTHS, T1_DUE_MONTHS

# The kinds of file a region delivers (llo.intake.tables: the kind recognised from the columns).
DELIVERY_KINDS = ("measurements", "trajectory_catalogue", "withdrawals")
ON_TIME, OVERDUE, LONG_OVERDUE = "op tijd", "te laat", "ruim te laat"
DUE, PAST_WINDOW = "te doen", "venster verlopen"
DELIVERY_COLUMNS = ["region", "last_delivery", "days_since", "window_days", "status"]
T1_DUE_COLUMNS = ["region", "bron_bestand", "bron_blad", "bron_rij", "startdatum_traject", "t1_gepland",
                  "t1_uiterlijk", "status"]
T1_DUE_READS = ["regio", "deelnemer_id", "meetmoment", "startdatum_traject", "bron_bestand", "bron_blad", "bron_rij"]


def deliveries(ingest_log: pd.DataFrame) -> pd.DataFrame:
    """The lines of the ingest log that are a region's own deliveries (any status: a refused file was delivered)."""
    return ingest_log[ingest_log["kind"].isin(DELIVERY_KINDS)]


def clock(ingest_log: pd.DataFrame) -> pd.Timestamp | None:
    """The latest day any region delivered a file (None before the first delivery)."""
    received = pd.to_datetime(deliveries(ingest_log)["received_at"]).dropna()
    return received.max().normalize() if len(received) else None


def overdue_deliveries(ingest_log: pd.DataFrame, window_days: int, today: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per region that has started: its last delivery (day), the days from it to `today` (default: the
    `clock`), the window and the status: op tijd, te laat (more than `window_days`), ruim te laat (more than twice
    `window_days`). Sorted by region."""
    if window_days < 1:
        raise ValueError(f"the delivery window must be at least 1 day, not {window_days}")
    delivered = deliveries(ingest_log)
    today = clock(ingest_log) if today is None else pd.Timestamp(today).normalize()
    if delivered.empty or today is None:
        return pd.DataFrame(columns=DELIVERY_COLUMNS)
    last = pd.to_datetime(delivered["received_at"]).dt.normalize().groupby(delivered["region"]).max()
    days = (today - last).dt.days.clip(lower=0)
    status = pd.Series(ON_TIME, index=last.index).mask(days > window_days, OVERDUE).mask(
        days > 2 * window_days, LONG_OVERDUE)
    return pd.DataFrame({"region": last.index, "last_delivery": last.to_numpy(), "days_since": days.to_numpy(),
                         "window_days": window_days, "status": status.to_numpy()}).sort_values(
        "region", ignore_index=True)[DELIVERY_COLUMNS]


def _open_where(today: pd.Timestamp):
    """The stored T0s of participants without a T1 that started at least seven months before `today` (a T1 is due
    from eight), as a condition for the database."""
    import sqlalchemy as sa

    from llo.warehouse import MEASUREMENTS

    m = MEASUREMENTS.c
    # one text key per participant: SQLite looks a single value up in an index of the subquery's rows; a NOT IN of
    # the pair (regio, deelnemer_id) it answers by scanning them, row by row
    participant = m.regio + "|" + m.deelnemer_id
    with_t1 = sa.select(participant).where(m.meetmoment == "T1", m.regio.is_not(None), m.deelnemer_id.is_not(None))
    started = (pd.Timestamp(today) - pd.DateOffset(months=T1_DUE_MONTHS - 1)).date()
    return sa.and_(m.meetmoment == "T0", m.startdatum_traject <= started, participant.not_in(with_t1))


def open_nulmetingen(engine, today: pd.Timestamp, region: str | None = None) -> pd.DataFrame:
    """What `t1_due` needs of the stored measurements (of one region, or all) on `today`: the T0 rows of participants
    without a T1 that started at least seven months before, selected by the database. At national scale that is a
    tenth of a million measurements; `t1_due` of them is `t1_due` of all (tested)."""
    from llo.warehouse import MEASUREMENTS, read_table

    return read_table(engine, MEASUREMENTS, region, columns=T1_DUE_READS, where=_open_where(today))


def open_counts(engine, today: pd.Timestamp) -> pd.DataFrame:
    """`open_nulmetingen` counted in the database per region, T0 file and start (columns regio, bron_bestand,
    startdatum_traject and rows): all `due_per_file` needs, without a row per participant."""
    from llo.warehouse import MEASUREMENTS, read_counts

    return read_counts(engine, MEASUREMENTS, ["regio", "bron_bestand", "startdatum_traject"],
                       where=_open_where(today))


def _windows(start: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The day a T1 is planned (start + 8 months) and the last day of its window (start + 12 months)."""
    return start + pd.DateOffset(months=T1_DUE_MONTHS), start + pd.DateOffset(months=DROPOUT_MONTHS)


def _status(latest: pd.Series, today: pd.Timestamp) -> np.ndarray:
    return np.where(latest < today, PAST_WINDOW, DUE).astype(object)


def t1_due(measurements: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """Participants with a T0 and no T1 whose T1 is due on `today`: `te doen` from start + 8 months, `venster
    verlopen` once more than 12 months have passed since the start. Identified by their T0's file, sheet and row
    (`bron_*`), sorted by region, file and row; never by participant id."""
    today = pd.Timestamp(today).normalize()
    key = ["regio", "deelnemer_id"]
    t0 = measurements[measurements["meetmoment"] == "T0"]
    with_t1 = measurements.loc[measurements["meetmoment"] == "T1", key].drop_duplicates()
    open_ = t0.merge(with_t1, on=key, how="left", indicator=True)
    open_ = open_[open_["_merge"] == "left_only"]
    start = pd.to_datetime(open_["startdatum_traject"])
    planned, latest = _windows(start)
    due = open_.assign(startdatum_traject=start, t1_gepland=planned, t1_uiterlijk=latest)[planned <= today]
    due = due.assign(status=_status(due["t1_uiterlijk"], today))
    out = due.rename(columns={"regio": "region"})[T1_DUE_COLUMNS]
    return out.sort_values(["region", "bron_bestand", "bron_blad", "bron_rij"], na_position="first",
                           ignore_index=True)


PER_FILE = ["region", "bron_bestand", "status"]  # and `participants`


def per_file(listed: pd.DataFrame) -> pd.DataFrame:
    """The participants of a `t1_due` list counted per region, T0 file and status."""
    return listed.groupby(PER_FILE).size().rename("participants").reset_index()


def due_per_file(counts: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """`per_file` of `t1_due` from the open T0s counted per region, file and start (`open_counts`): the same windows
    and statuses, a start at a time instead of a participant at a time (tested against `t1_due` on every day)."""
    today = pd.Timestamp(today).normalize()
    planned, latest = _windows(pd.to_datetime(counts["startdatum_traject"]))
    planned_by_today = planned <= today
    due = counts[planned_by_today].assign(region=counts.loc[planned_by_today, "regio"],
                                          status=_status(latest[planned_by_today], today))
    return due.groupby(PER_FILE)["rows"].sum().rename("participants").reset_index()


def t1_due_counts(due: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    """Per region (every one of `regions`, zero where none are due): how many T1s are due (te doen), how many are
    past the window, and both together; `due` has the participants per region and status (`per_file`)."""
    counts = due.groupby(["region", "status"])["participants"].sum().unstack().reindex(
        index=regions, columns=[DUE, PAST_WINDOW]).fillna(0)
    return pd.DataFrame({"region": regions, "due": counts[DUE].astype(int).to_numpy(),
                         "past_window": counts[PAST_WINDOW].astype(int).to_numpy()}).assign(
        total=lambda f: f["due"] + f["past_window"])
