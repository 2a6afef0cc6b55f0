"""Trajectories asset, partitioned by region: each participant's T0 and T1 side by side (llo.monitor.trajectories)."""

import dagster as dg

from checks import ingest_checks, kpi_checks
from pipelines.partitions import region_partitions
from pipelines.resources import Monitor, Warehouse


@dg.asset(
    partitions_def=region_partitions, backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["measurements", "trajectory_catalogue"], group_name="trajectories",
    kinds={"pandas", "sqlalchemy"}, owners=["team:data-engineering"], check_specs=kpi_checks.TRAJECTORY_CHECKS,
    description="One row per participant: T0 and T1 side by side, the change per leefgebied, skill level and "
                "participatieladder, work and benefit transitions, certificates, employer match and the derived "
                "flags (improved labour-market position, social inclusion, basic skills, sustainable work). "
                "Status (lopend / gemeten / uitgevallen) as of the region's latest meetdatum.")
def trajectories(context: dg.AssetExecutionContext, warehouse: Warehouse, monitor: Monitor):
    """The trajectories of the run's regions (one, or every region of a full run), each region written on its own
    (llo.monitor.region_trajectories). A region whose measurements, catalogue, threshold and derivation code are
    those its stored trajectories were derived from keeps them: a re-delivery that changed nothing derives and writes
    nothing."""
    import pandas as pd

    from assets.metadata import column_schema, markdown_table
    from checks import contract, outputs
    from checks.outputs import STATUSES
    from llo.fingerprints import code_version
    from llo.monitor import trajectories as tr
    from llo.monitor.region_results import trajectory_versions
    from llo.monitor.region_trajectories import derive_and_store
    from llo.warehouse import TRAJECTORIES as TABLE

    regions, engine = context.partition_keys, warehouse.engine()
    code = f"{code_version(tr, contract, outputs)}-{monitor.sustainable_work_hours:g}"
    derived_from = trajectory_versions(engine, "derived_from")
    counts, statuses, flags, checks, latest, kept = {}, [], [], {}, [], []
    for region in regions:
        derived = derive_and_store(engine, region, derived_from.get(region), code=code,
                                   hours=monitor.sustainable_work_hours)
        rows = derived.rows
        latest.append(derived.latest)
        if derived.kept:
            kept.append(region)
        counts[region] = len(rows)
        statuses.append(rows["status"].value_counts().reindex(list(STATUSES), fill_value=0))
        flags.append(rows[list(tr.FLAGS)].sum())
        context.log.info(f"{region}: {len(rows)} trajectories" + (" (unchanged, kept)" if derived.kept else "")
                         + ", " + ", ".join(f"{n} {s}" for s, n in statuses[-1].items()))
        checks[region] = kpi_checks.result(
            kpi_checks.TRAJECTORY_ACCOUNTING, "trajectories", kpi_checks.trajectory_accounting(rows, derived.moments),
            f"{len(rows)} trajectories for {len(rows)} T0 rows", "{n} region(s) do not add up")
    known = [day for day in latest if pd.notna(day)]
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": sum(counts.values()), "dagster/column_schema": column_schema(TABLE),
        **ingest_checks.regions_metadata(regions), "rows_by_region": dg.MetadataValue.json(counts),
        "peildatum": str(max(known).date()) if known else "-", "regions_kept": dg.MetadataValue.json(kept),
        **{f"status_{s}": int(n) for s, n in sum(statuses).items()},
        "flags": dg.MetadataValue.md(markdown_table(
            sum(flags).rename("participants").rename_axis("flag").reset_index()))})
    yield ingest_checks.over_regions(checks)
