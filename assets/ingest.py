"""Ingest assets, partitioned by region: the landing folder becomes warehouse tables.
One step writes all five tables of a region in one transaction (so they never disagree); each table is its
own asset in the UI with row count, column schema and a preview. The logic lives in llo.ingest.
"""


import datetime as dt

import dagster as dg

from checks import ingest_checks
from pipelines.partitions import region_folder, region_partitions
from pipelines.resources import Landing, Warehouse

GROUP = "ingest"
OWNERS = ["team:data-engineering"]
KINDS = {"pandas", "pandera", "sqlalchemy"}

SPECS = [
    dg.AssetSpec("measurements", description="Accepted measurement rows (T0 nulmeting, T1 eenmeting) per "
                 "region, participant ids pseudonymised.", group_name=GROUP, kinds=KINDS, owners=OWNERS),
    dg.AssetSpec("trajectory_catalogue", description="Accepted trajectory catalogue rows per region.",
                 group_name=GROUP, kinds=KINDS, owners=OWNERS),
    dg.AssetSpec("quarantine", description="Rows refused by a contract rule, with file, row, column, rule and "
                 "offending value.", group_name=GROUP, kinds=KINDS, owners=OWNERS),
    dg.AssetSpec("ingest_warnings", description="Accepted rows that break a warning rule (e.g. a T1 outside "
                 "6-12 months after the start).", group_name=GROUP, kinds=KINDS, owners=OWNERS),
    dg.AssetSpec("ingest_log", description="One line per delivered file: sha256, received at, rows read, "
                 "accepted and quarantined, status and reason.", group_name=GROUP, kinds=KINDS, owners=OWNERS),
]


@dg.multi_asset(name="region_ingest", specs=SPECS, check_specs=ingest_checks.CHECK_SPECS,
                partitions_def=region_partitions)
def region_ingest(context: dg.AssetExecutionContext, warehouse: Warehouse, landing: Landing):
    """Read, check and store everything a region delivered."""
    from assets.metadata import column_schema, markdown_table
    from llo import settings
    from llo.ingest import ingest_region
    from llo.warehouse import (
        INGEST_LOG,
        MEASUREMENTS,
        QUARANTINE,
        TRAJECTORY_CATALOGUE,
        WARNINGS,
        received_at,
        replace_region,
    )

    region = context.partition_key
    engine = warehouse.engine()
    folder = region_folder(landing.folder(), region)
    today = dt.date.today()
    context.log.info(f"Ingesting {folder}")
    result = ingest_region(region, folder, key=settings.pseudonym_key(), today=today,
                           received_at=received_at(engine, region))
    replace_region(engine, result)
    log = result.ingest_log
    context.log.info(f"{region}: {len(log)} file(s), {int(log['rows_read'].sum())} rows read, "
                     f"{int(log['rows_accepted'].sum())} accepted, {int(log['rows_quarantined'].sum())} quarantined")

    def materialized(table, frame, preview):
        return dg.MaterializeResult(asset_key=table.name, metadata={
            "dagster/row_count": len(frame), "dagster/column_schema": column_schema(table),
            "region": region, "preview": dg.MetadataValue.md(preview)})

    reasons = (result.quarantine.groupby(["rule", "column_name"], dropna=False).size().rename("rows")
               .reset_index().sort_values("rows", ascending=False))
    yield materialized(MEASUREMENTS, result.measurements, markdown_table(
        result.measurements.groupby(["meetmoment"]).size().rename("rows").reset_index()))
    yield materialized(TRAJECTORY_CATALOGUE, result.trajectory_catalogue, markdown_table(
        result.trajectory_catalogue[["trajectcode", "naam", "type", "kosten_per_deelnemer"]]))
    yield materialized(QUARANTINE, result.quarantine, "**Quarantine reasons**\n\n" + markdown_table(reasons))
    yield materialized(WARNINGS, result.warnings, markdown_table(
        result.warnings.groupby("rule").size().rename("rows").reset_index()))
    yield materialized(INGEST_LOG, log, markdown_table(
        log[["file", "sheet", "kind", "status", "rows_read", "rows_accepted", "rows_quarantined", "reason"]]))
    yield ingest_checks.contract_conformance(engine, region, today)
    yield ingest_checks.quarantine_rate(result, landing.quarantine_error_share)
    yield ingest_checks.rejected_files(result)
