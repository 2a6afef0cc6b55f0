"""What is late on the peildatum, for the data-quality section of the reports: per region its last delivery, the days
since and whether that is past the delivery window (llo.monitor.due), and how many eenmetingen (T1) are due and not
delivered. Dates and days are process figures and are published as they are; the T1 counts are participants and go
through the ledger (fewer than the threshold read "<10")."""

from __future__ import annotations

import pandas as pd

from llo import settings
from llo import warehouse as wh
from llo.monitor import due
from llo.regions import region_name
from llo.reporting.data import ReportData
from llo.reporting.publish import Ledger, and_list, day_nl, number

STATUS_TEXT = {due.ON_TIME: "op tijd", due.OVERDUE: "te laat", due.LONG_OVERDUE: "ruim te laat"}


def on_peildatum(data: ReportData, window_days: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(deliveries, T1 counts) as known on the peildatum: files received after it do not count, measurements
    taken after it neither, so a report rendered again later shows the same."""
    window_days = window_days or settings.delivery_window_days()
    end = data.peildatum + pd.Timedelta(days=1)
    log = data.ingest_log
    log = log[pd.to_datetime(log["received_at"]) < end]
    late = due.overdue_deliveries(log, window_days, today=data.peildatum)
    return late, t1_counts(data, list(late["region"]))


def t1_counts(data: ReportData, regions: list[str]) -> pd.DataFrame:
    """due.t1_due_counts on the peildatum, counted in the database from the trajectories, a row per participant with
    its planned and latest T1 date (start + 8 and + 12 months, as due.t1_due): a T0 by the peildatum, no T1 by then,
    the T1 planned by then; past its window when the latest date has passed. The same counts as due.t1_due on the
    stored measurements (tests/test_due.py), without reading a row per measurement."""
    table, day = wh.TRAJECTORIES, data.peildatum.date()
    where = ((table.c.meetdatum_t0 <= day) & (table.c.t1_gepland <= day)
             & (table.c.meetdatum_t1.is_(None) | (table.c.meetdatum_t1 > day)))
    if data.region:
        where &= table.c.regio == data.region
    counts = wh.read_counts(data.engine, table, ["regio", "t1_uiterlijk"], where=where)
    past = pd.to_datetime(counts["t1_uiterlijk"]) < data.peildatum.normalize()
    return due.t1_due_counts(counts.assign(region=counts["regio"], participants=counts["rows"],
                                           status=past.map({True: due.PAST_WINDOW, False: due.DUE})), regions)


def overdue_table(data: ReportData, ledger: Ledger, label: str, window_days: int | None = None) -> str:
    """Per region that has started: last delivery, days without a delivery, status against the window, and the
    eenmetingen due (from eight months after the start) and past their window (more than twelve months)."""
    late, t1 = on_peildatum(data, window_days)
    if late.empty:
        return ledger.table(label, pd.DataFrame({"Regio": ["nog geen leveringen"], "Laatste levering": [""],
                                                 "Dagen zonder levering": [""], "Status": [""],
                                                 "T1 te doen": [""], "T1 termijn verstreken": [""]}))
    shown = pd.DataFrame({
        "Regio": late["region"].map(region_name), "Laatste levering": late["last_delivery"].map(day_nl),
        "Dagen zonder levering": late["days_since"].map(number), "Status": late["status"].map(STATUS_TEXT),
        "T1 te doen": t1["due"].map(number), "T1 termijn verstreken": t1["past_window"].map(number)})
    n = pd.DataFrame({"T1 te doen": t1["due"], "T1 termijn verstreken": t1["past_window"]})
    return ledger.table(label, shown, n)


def overdue_text(data: ReportData, ledger: Ledger, window_days: int | None = None) -> str:
    """One paragraph in words: which regions sent nothing for longer than the window, and how many eenmetingen are
    due in all (through the ledger)."""
    window_days = window_days or settings.delivery_window_days()
    late, t1 = on_peildatum(data, window_days)
    if late.empty:
        return "Op de peildatum had nog geen regio bestanden geleverd."
    behind = late[late["status"] != due.ON_TIME]
    if behind.empty:
        first = (f"Op de peildatum was de laatste levering van de regio {number(late['days_since'].iloc[0])} dagen "
                 f"oud, binnen de termijn van {window_days} dagen." if data.region else
                 f"Op de peildatum had geen enkele regio langer dan {window_days} dagen niets geleverd.")
    else:
        named = [f"{region_name(r.region)} ({STATUS_TEXT[r.status]}: laatste levering {day_nl(r.last_delivery)}, "
                 f"{number(r.days_since)} dagen eerder)" for r in behind.itertuples()]
        first = (f"Op de peildatum {'had' if len(named) == 1 else 'hadden'} {and_list(named)} langer dan "
                 f"{window_days} dagen niets geleverd; na twee keer die termijn ({2 * window_days} dagen) heet een "
                 "regio ruim te laat.")
    total_due, total_past = int(t1["due"].sum()), int(t1["past_window"].sum())
    second = (f"Van {ledger.number('t1-te-doen', number(total_due), total_due)} deelnemers is de eenmeting (acht "
              "maanden na de start) wel gepland maar nog niet geleverd; bij "
              f"{ledger.number('t1-termijn-verstreken', number(total_past), total_past)} deelnemers is ook de uiterste "
              "termijn van twaalf maanden verstreken. De regio's vinden deze deelnemers in hun terugkoppelingsbestand, "
              "aangeduid met het bestand en de rij van hun nulmeting.")
    return f"{first} {second}"
