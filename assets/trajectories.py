"""Trajectories asset, partitioned by region: each participant's T0 and T1 side by side (llo.trajectories)."""

import dagster as dg

from checks import kpi_checks
from pipelines.partitions import region_partitions
from pipelines.resources import Monitor, Warehouse


@dg.asset(
    partitions_def=region_partitions, deps=["measurements", "trajectory_catalogue"], group_name="trajectories",
    kinds={"pandas", "sqlalchemy"}, owners=["team:data-engineering"], check_specs=kpi_checks.TRAJECTORY_CHECKS,
    description="One row per participant: T0 and T1 side by side, the change per leefgebied, skill level and "
                "participatieladder, work and benefit transitions, certificates, employer match and the derived "
                "flags (improved labour-market position, social inclusion, basic skills, sustainable work). "
                "Status (lopend / gemeten / uitgevallen) as of the region's latest meetdatum.")
def trajectories(context: dg.AssetExecutionContext, warehouse: Warehouse, monitor: Monitor):
    from assets.metadata import column_schema, markdown_table
    from checks.outputs import TRAJECTORIES
    from llo import trajectories as tr
    from llo.warehouse import MEASUREMENTS, TRAJECTORY_CATALOGUE, read_typed, replace_rows
    from llo.warehouse import TRAJECTORIES as TABLE

    region, engine = context.partition_key, warehouse.engine()
    measurements = read_typed(engine, MEASUREMENTS, region)
    derived = tr.derive(measurements, read_typed(engine, TRAJECTORY_CATALOGUE, region), monitor.sustainable_work_hours)
    latest = measurements["meetdatum"].max()
    rows = TRAJECTORIES.validate(tr.as_of(derived, latest))
    replace_rows(engine, {TABLE: rows}, "regio", [region])
    statuses = rows["status"].value_counts().reindex(list(tr.STATUSES), fill_value=0)
    context.log.info(f"{region}: {len(rows)} trajectories, " + ", ".join(f"{n} {s}" for s, n in statuses.items()))
    problems = kpi_checks.trajectory_accounting(rows, measurements)
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": len(rows), "dagster/column_schema": column_schema(TABLE), "region": region,
        "peildatum": str(latest.date()) if len(rows) else "-",
        **{f"status_{s}": int(n) for s, n in statuses.items()},
        "flags": dg.MetadataValue.md(markdown_table(
            rows[list(tr.FLAGS)].sum().rename("participants").rename_axis("flag").reset_index()))})
    yield kpi_checks.result(kpi_checks.TRAJECTORY_ACCOUNTING, "trajectories", problems,
                            f"{len(rows)} trajectories for {len(rows)} T0 rows", "{n} region(s) do not add up")
