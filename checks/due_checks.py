"""What is late, as asset checks over every region (llo/monitor/due.py has the rules and the clock):

- delivery_overdue (on ingest_log): per region that has started, its last delivery against the window
  (LLO_DELIVERY_WINDOW_DAYS, default 45 days): WARN past the window, ERROR past twice the window.
- t1_due (on trajectories): per region, the participants whose eenmeting (T1) is due (start + 8 months) or past its
  window (start + 12 months) and not delivered, counted. The list itself, by file, sheet and row of the T0, is in
  the region's feedback export (`llo export`), never in the metadata.

Both read the whole stored tables, so they run after every ingest run (the ingest job selects them with the ingest
assets) and can be executed on their own from the UI. The clock is the latest delivery of any region, so a
re-run gives the same answer; that nothing arrives at all is the ingest freshness policy's (wall clock).
"""

from __future__ import annotations

import dagster as dg

from pipelines.resources import Warehouse

DELIVERY_OVERDUE = "delivery_overdue"
T1_DUE = "t1_due"
OUTCOME = {"op tijd": "ok", "te laat": "WARN", "ruim te laat": "ERROR"}


def delivery_result(ingest_log, window_days: int) -> dg.AssetCheckResult:
    """The check result for the stored ingest log: fails with the worst severity among the regions that are late."""
    from assets.metadata import markdown_table
    from llo.monitor import due

    late = due.overdue_deliveries(ingest_log, window_days)
    today = due.clock(ingest_log)
    overdue = late[late["status"] == due.OVERDUE]
    long_overdue = late[late["status"] == due.LONG_OVERDUE]
    shown = late.assign(last_delivery=late["last_delivery"].dt.date.astype(str))
    metadata = {"window_days": window_days, "clock": str(today.date()) if today is not None else "no deliveries",
                "regions_started": len(late), "regions_overdue": len(overdue),
                "regions_long_overdue": len(long_overdue),
                "last_delivery_by_region": dg.MetadataValue.json(dict(zip(shown["region"], shown["last_delivery"],
                                                                          strict=True))),
                "deliveries": dg.MetadataValue.md(markdown_table(shown, len(shown))),
                "by_region": dg.MetadataValue.json({r.region: OUTCOME[r.status] for r in late.itertuples()})}
    behind = late[late["status"] != due.ON_TIME]
    if behind.empty:
        description = (f"every region of {len(late)} delivered within {window_days} days of {today.date()}"
                       if len(late) else "no region has delivered yet")
    else:
        description = "; ".join(f"{r.region}: no delivery for {r.days_since} days (last {r.last_delivery.date()}, "
                                f"window {window_days})" for r in behind.itertuples())
    return dg.AssetCheckResult(
        check_name=DELIVERY_OVERDUE, asset_key="ingest_log", passed=behind.empty,
        severity=dg.AssetCheckSeverity.ERROR if len(long_overdue) else dg.AssetCheckSeverity.WARN,
        description=description, metadata=metadata)


def t1_due_result(ingest_log, per_file_on) -> dg.AssetCheckResult:
    """Counts per region of T1s due and past their window on the clock; warns when any is due. `per_file_on(day)`
    gives the participants due on that day per region, T0 file and status (llo.monitor.due.due_per_file)."""
    import pandas as pd

    from assets.metadata import markdown_table
    from llo.monitor import due

    today = due.clock(ingest_log)
    regions = sorted(set(due.deliveries(ingest_log)["region"]))
    by_file = per_file_on(today) if today is not None else pd.DataFrame(columns=[*due.PER_FILE, "participants"])
    counts = due.t1_due_counts(by_file, regions)
    total, past = int(counts["total"].sum()), int(counts["past_window"].sum())
    metadata = {"clock": str(today.date()) if today is not None else "no deliveries", "t1_due": total - past,
                "t1_past_window": past,
                "due_by_region": dg.MetadataValue.json({r.region: {"due": r.due, "past_window": r.past_window}
                                                        for r in counts.itertuples()}),
                "counts": dg.MetadataValue.md(markdown_table(counts, len(counts))),
                "by_t0_file": dg.MetadataValue.md(markdown_table(by_file)),
                "by_region": dg.MetadataValue.json({r.region: "ok" if r.total == 0 else "WARN"
                                                    for r in counts.itertuples()})}
    return dg.AssetCheckResult(
        check_name=T1_DUE, asset_key="trajectories", passed=total == 0, severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=(f"{total - past} eenmeting(en) due and {past} past the 12-month window, not delivered, on "
                     f"{today.date()}: " + ", ".join(f"{r.region} {r.due}+{r.past_window}"
                                                   for r in counts.itertuples() if r.total)
                     + " (the list by T0 file and row: llo export)") if total else
                    "no eenmeting due and not delivered")


@dg.asset_check(asset="ingest_log", name=DELIVERY_OVERDUE, description=(
    "Per region that has started delivering: its last delivery against the window (LLO_DELIVERY_WINDOW_DAYS, default "
    "45 days): WARN past the window, ERROR past twice the window. The clock is the latest delivery of any region."))
def delivery_overdue(warehouse: Warehouse) -> dg.AssetCheckResult:
    from llo import settings
    from llo.warehouse import INGEST_LOG, read_table

    return delivery_result(read_table(warehouse.engine(), INGEST_LOG), settings.delivery_window_days())


@dg.asset_check(asset="trajectories", name=T1_DUE, additional_deps=["measurements", "ingest_log"], description=(
    "Per region: participants whose eenmeting (T1) is due (start + 8 months) or past its window (start + 12 months) "
    "and not delivered, counted (WARN when any). The region's feedback export (llo export) lists them by the file, "
    "sheet and row of their T0."))
def t1_due(warehouse: Warehouse) -> dg.AssetCheckResult:
    from llo.monitor.due import due_per_file, open_counts
    from llo.warehouse import INGEST_LOG, read_table

    engine = warehouse.engine()
    return t1_due_result(read_table(engine, INGEST_LOG), lambda today: due_per_file(open_counts(engine, today), today))


DUE_CHECKS = [delivery_overdue, t1_due]
