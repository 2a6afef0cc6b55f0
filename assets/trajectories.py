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
    """The trajectories of the run's regions (one, or every region of a full run), each region written on its own.
    A region whose measurements, catalogue, threshold and derivation code are those its stored trajectories were
    derived from keeps them: a re-delivery that changed nothing derives and writes nothing."""
    import pandas as pd

    from assets.metadata import column_schema, markdown_table
    from checks import contract, outputs
    from checks.outputs import STATUSES, TRAJECTORIES
    from llo.fingerprints import code_version, fingerprint
    from llo.monitor import trajectories as tr
    from llo.monitor.region_results import trajectory_versions
    from llo.warehouse import MEASUREMENTS, TRAJECTORY_CATALOGUE, TRAJECTORY_VERSIONS, read_typed, replace_rows
    from llo.warehouse import TRAJECTORIES as TABLE

    regions, engine = context.partition_keys, warehouse.engine()
    code = f"{code_version(tr, contract, outputs)}-{monitor.sustainable_work_hours:g}"
    derived_from = trajectory_versions(engine, "derived_from")
    counts, statuses, flags, checks, latest, kept = {}, [], [], {}, [], []
    for region in regions:
        measurements = read_typed(engine, MEASUREMENTS, region)
        catalogue = read_typed(engine, TRAJECTORY_CATALOGUE, region)
        latest.append(measurements["meetdatum"].max())
        inputs = f"{fingerprint(measurements, catalogue)}-{code}"
        if derived_from.get(region) == inputs:  # what is stored was derived from these very inputs
            rows = read_typed(engine, TABLE, region, columns=["regio", "status", "meetdatum_t1", *tr.FLAGS])
            kept.append(region)
        else:
            rows = TRAJECTORIES.validate(tr.as_of(tr.derive(measurements, catalogue, monitor.sustainable_work_hours),
                                                  latest[-1]))
            # the region's version with its rows, in one transaction: the monthly assets use what they kept of the
            # region only while it is unchanged (llo.monitor.region_results)
            version = pd.DataFrame({"regio": [region], "version": [fingerprint(rows, catalogue)],
                                    "derived_from": [inputs]})
            replace_rows(engine, {TABLE: rows, TRAJECTORY_VERSIONS: version}, "regio", [region])
        counts[region] = len(rows)
        statuses.append(rows["status"].value_counts().reindex(list(STATUSES), fill_value=0))
        flags.append(rows[list(tr.FLAGS)].sum())
        context.log.info(f"{region}: {len(rows)} trajectories" + (" (unchanged, kept)" if kept[-1:] == [region] else "")
                         + ", " + ", ".join(f"{n} {s}" for s, n in statuses[-1].items()))
        checks[region] = kpi_checks.result(
            kpi_checks.TRAJECTORY_ACCOUNTING, "trajectories", kpi_checks.trajectory_accounting(rows, measurements),
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
