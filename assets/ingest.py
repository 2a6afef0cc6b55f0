"""Ingest assets, partitioned by region: the landing folder becomes warehouse tables.
One step writes all ten tables of a region in one transaction (so they never disagree); each table is its
own asset in the UI with row count, column schema and a preview. The logic lives in llo.intake.ingest.
"""


import datetime as dt

import dagster as dg

from checks import ingest_checks
from pipelines.partitions import region_folder, region_partitions
from pipelines.resources import Landing, Warehouse

GROUP = "ingest"
# On the ingest_log materialisation: per region the first month (partition key) whose figures the run changed, so
# the revision sensor recomputes the months from there (pipelines/sensors.py).
FIRST_CHANGED_MONTH = "first_changed_month"
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
    dg.AssetSpec("ingest_log", description="One line per delivered file, in the order the files arrived: sha256, "
                 "received at, rows read and what became of them (new, unchanged, corrected, quarantined, withdrawn), "
                 "status and reason.", group_name=GROUP, kinds=KINDS, owners=OWNERS),
    dg.AssetSpec("measurement_versions", description="Measurement rows a later delivery corrected: the file and row, "
                 "when it arrived and when and by which file it was replaced, and the fields that changed.",
                 group_name=GROUP, kinds=KINDS, owners=OWNERS),
    dg.AssetSpec("catalogue_versions", description="Catalogue rows a later delivery corrected.",
                 group_name=GROUP, kinds=KINDS, owners=OWNERS),
    dg.AssetSpec("withdrawals", description="The register of withdrawn participants: a keyed hash (no identifier), "
                 "the date, the reason and the rows removed.", group_name=GROUP, kinds=KINDS, owners=OWNERS),
    dg.AssetSpec("interview_codings", description="Coded findings of the group interviews (research questions 3 and "
                 "4): per region and round a theme from the code list, helps or hinders, strength 1-3 and an "
                 "anonymised quote.", group_name=GROUP, kinds=KINDS, owners=OWNERS),
    dg.AssetSpec("interview_versions", description="Interview findings a later delivery corrected.",
                 group_name=GROUP, kinds=KINDS, owners=OWNERS),
]


@dg.multi_asset(name="region_ingest", specs=SPECS, check_specs=ingest_checks.CHECK_SPECS,
                partitions_def=region_partitions, backfill_policy=dg.BackfillPolicy.single_run())
def region_ingest(context: dg.AssetExecutionContext, warehouse: Warehouse, landing: Landing):
    """Read, check and store everything the run's regions delivered: one region after a delivery, or every region
    of a full run in one run (a single-run backfill: Dagster's cost per run is larger than a region's work). Each
    region is stored in a transaction of its own (llo.intake.ingest.ingest_and_store)."""
    import pandas as pd

    from assets.metadata import column_schema, markdown_table
    from llo import settings
    from llo.intake.ingest import OUTCOMES, ingest_and_store
    from llo.warehouse import (
        CATALOGUE_VERSIONS,
        INGEST_LOG,
        INTERVIEW_CODINGS,
        INTERVIEW_VERSIONS,
        MEASUREMENT_VERSIONS,
        MEASUREMENTS,
        QUARANTINE,
        TRAJECTORY_CATALOGUE,
        WARNINGS,
        WITHDRAWALS,
    )

    regions, engine, today, key = context.partition_keys, warehouse.engine(), dt.date.today(), settings.pseudonym_key()
    tables = {MEASUREMENTS: "measurements", TRAJECTORY_CATALOGUE: "trajectory_catalogue", QUARANTINE: "quarantine",
              WARNINGS: "warnings", INGEST_LOG: "ingest_log", MEASUREMENT_VERSIONS: "measurement_versions",
              CATALOGUE_VERSIONS: "catalogue_versions", WITHDRAWALS: "withdrawals",
              INTERVIEW_CODINGS: "interview_codings", INTERVIEW_VERSIONS: "interview_versions"}
    outcomes = {}  # rows read per outcome and region
    changed = {}  # per region the first month whose figures this ingest changed (None: none)
    rows = {table: {} for table in tables}  # rows stored per table and region
    previews = {table: [] for table in tables}  # small per-region summaries; whole frames are not kept
    checks = {name: {} for name in ingest_checks.NAMES}
    for number, region in enumerate(regions, start=1):
        folder = region_folder(landing.folder(), region)
        stored = ingest_and_store(engine, region, folder, key=key, today=today, parsed_root=settings.parsed_files_dir())
        result, known = stored.result, stored.received_before
        changed[region] = stored.first_changed_month
        log = result.ingest_log
        new_files = set(log.loc[~log["sha256"].isin(known), "file"])
        outcomes[region] = {outcome: int(log[f"rows_{outcome}"].sum()) for outcome in OUTCOMES}
        context.log.info(f"[{number}/{len(regions)}] {region} ({folder}): {len(log)} file(s) "
                         f"({result.files_parsed} parsed, the others as kept from an earlier run), "
                         f"{int(log['rows_read'].sum())} rows read: "
                         + ", ".join(f"{count} {outcome}" for outcome, count in outcomes[region].items()))
        for table, field in tables.items():
            rows[table][region] = len(getattr(result, field))
        previews[MEASUREMENTS].append(result.measurements.groupby("meetmoment").size().rename("rows").reset_index())
        previews[TRAJECTORY_CATALOGUE].append(
            result.trajectory_catalogue.assign(regio=region)[["regio", "trajectcode", "naam", "type",
                                                              "kosten_per_deelnemer"]])
        previews[QUARANTINE].append(result.quarantine.groupby(["rule", "column_name"], dropna=False).size()
                                    .rename("rows").reset_index())
        previews[WARNINGS].append(result.warnings.groupby("rule").size().rename("rows").reset_index())
        previews[MEASUREMENT_VERSIONS].append(result.measurement_versions.groupby(
            ["meetmoment", "changed_fields"]).size().rename("rows").reset_index())
        previews[CATALOGUE_VERSIONS].append(result.catalogue_versions.assign(regio=region)[
            ["regio", "trajectcode", "superseded_at", "changed_fields"]])
        previews[WITHDRAWALS].append(result.withdrawals[["region", "datum_intrekking", "reden", "file",
                                                         "rows_withdrawn"]])
        previews[INTERVIEW_CODINGS].append(result.interview_codings.assign(regio=region).groupby(
            ["regio", "ronde", "richting"]).size().rename("rows").reset_index())
        previews[INTERVIEW_VERSIONS].append(result.interview_versions.assign(regio=region)[
            ["regio", "ronde", "bevinding", "superseded_at", "changed_fields"]])
        previews[INGEST_LOG].append(log[["region", "delivery_order", "file", "sheet", "kind", "status", "rows_read",
                                         *(f"rows_{outcome}" for outcome in OUTCOMES), "reason"]])
        checks[ingest_checks.CONTRACT_CONFORMANCE][region] = ingest_checks.contract_conformance(engine, region, today)
        checks[ingest_checks.QUARANTINE_RATE][region] = ingest_checks.quarantine_rate(
            result, landing.quarantine_error_share)
        checks[ingest_checks.REJECTED_FILES][region] = ingest_checks.rejected_files(result)
        checks[ingest_checks.CORRECTIONS_APPLIED][region] = ingest_checks.corrections_applied(result, new_files)
        checks[ingest_checks.WITHDRAWALS_APPLIED][region] = ingest_checks.withdrawals_applied(
            engine, result, new_files, key)
        checks[ingest_checks.INTERVIEW_ROUNDS][region] = ingest_checks.interview_rounds(
            result.interview_codings, result.measurements)

    def together(frames: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)

    def summed(frames: list[pd.DataFrame], by: list[str]) -> pd.DataFrame:
        return (together(frames).groupby(by, dropna=False)["rows"].sum().reset_index()
                .sort_values("rows", ascending=False, kind="stable"))

    shown = {MEASUREMENTS: summed(previews[MEASUREMENTS], ["meetmoment"]).sort_values("meetmoment"),
             TRAJECTORY_CATALOGUE: together(previews[TRAJECTORY_CATALOGUE]),
             QUARANTINE: summed(previews[QUARANTINE], ["rule", "column_name"]),
             WARNINGS: summed(previews[WARNINGS], ["rule"]),
             INGEST_LOG: together(previews[INGEST_LOG]),
             MEASUREMENT_VERSIONS: summed(previews[MEASUREMENT_VERSIONS], ["meetmoment", "changed_fields"]),
             CATALOGUE_VERSIONS: together(previews[CATALOGUE_VERSIONS]),
             WITHDRAWALS: together(previews[WITHDRAWALS]),
             INTERVIEW_CODINGS: together(previews[INTERVIEW_CODINGS]),
             INTERVIEW_VERSIONS: together(previews[INTERVIEW_VERSIONS])}
    if len(regions) == 1:
        shown[TRAJECTORY_CATALOGUE] = shown[TRAJECTORY_CATALOGUE].drop(columns="regio")
        shown[INGEST_LOG] = shown[INGEST_LOG].drop(columns="region")
    titles = {QUARANTINE: "**Quarantine reasons**\n\n"}
    for table in tables:
        # A run of several regions stamps the same metadata on each region's materialisation: the row count is the
        # run's total, rows_by_region says what each region holds.
        also = {"rows_by_outcome": dg.MetadataValue.json(outcomes),
                FIRST_CHANGED_MONTH: dg.MetadataValue.json(changed)} if table is INGEST_LOG else {}
        yield dg.MaterializeResult(asset_key=table.name, metadata={
            "dagster/row_count": sum(rows[table].values()), "dagster/column_schema": column_schema(table),
            **ingest_checks.regions_metadata(regions), "rows_by_region": dg.MetadataValue.json(rows[table]),
            "preview": dg.MetadataValue.md(titles.get(table, "") + markdown_table(shown[table])), **also})
    for results in checks.values():
        yield ingest_checks.over_regions(results)

