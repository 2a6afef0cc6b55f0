"""Monthly KPI assets: the region context, and per month (peildatum = last day) the regional and national KPI
tables and the paired change scores, written in one transaction so they never disagree (llo.monitor.kpi)."""

import dagster as dg

from checks import kpi_checks
from pipelines.partitions import month_partitions
from pipelines.resources import Monitor, Warehouse

GROUP, OWNERS, KINDS = "kpi", ["team:research"], {"pandas", "sqlalchemy"}
ALL_REGIONS = dg.AllPartitionMapping()  # a month's KPIs read every region's trajectories


@dg.asset(group_name=GROUP, kinds={"csv", "sqlalchemy"}, owners=OWNERS,
          check_specs=[dg.AssetCheckSpec("context_file_valid", asset="region_context",
                                         description="The context file parses and satisfies its schema (not "
                                                     "blocking: KPIs are computed without context).")],
          description="Context factors per region (share of low-literate adults, labour-market tightness, "
                      "unemployment) from LLO_HOME/config/region_context.csv; demo values are labelled FICTIEF.")
def region_context(context: dg.AssetExecutionContext, warehouse: Warehouse, monitor: Monitor):
    from assets.metadata import column_schema, markdown_table
    from llo.monitor.context import empty, load_context
    from llo.settings import ConfigurationError
    from llo.warehouse import REGION_CONTEXT, replace_rows

    path = monitor.context_file()
    try:
        rows, error = load_context(path), None
    except ConfigurationError as problem:
        rows, error = empty(), str(problem)
    replace_rows(warehouse.engine(), {REGION_CONTEXT: rows})
    note = error or (f"{len(rows)} region(s) from {path}" if path.exists() else f"no context file at {path}")
    context.log.info(note)
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": len(rows), "dagster/column_schema": column_schema(REGION_CONTEXT),
        "path": dg.MetadataValue.path(str(path)), "preview": dg.MetadataValue.md(markdown_table(rows))})
    yield dg.AssetCheckResult(check_name="context_file_valid", passed=error is None, description=note,
                              metadata={"path": dg.MetadataValue.path(str(path))})


SPECS = [
    dg.AssetSpec("kpi_region_month", group_name=GROUP, kinds=KINDS, owners=OWNERS,
                 deps=[dg.AssetDep("trajectories", partition_mapping=ALL_REGIONS),
                       dg.AssetDep("trajectory_catalogue", partition_mapping=ALL_REGIONS), "region_context"],
                 description="One row per active region, KPI (K1-K6, D1-D8) and month: cumulative value, added "
                             "in the month, basis n, target and share of target, disclosure flag, context factors."),
    dg.AssetSpec("kpi_national_month", group_name=GROUP, kinds=KINDS, owners=OWNERS, deps=["kpi_region_month"],
                 description="One row per KPI and month for the nation: the sum over the active regions; the "
                             "target is the sum of their targets."),
    dg.AssetSpec("change_scores_month", group_name=GROUP, kinds=KINDS, owners=OWNERS,
                 deps=[dg.AssetDep("trajectories", partition_mapping=ALL_REGIONS)],
                 description="Paired T0 -> T1 change per leefgebied, ladder and skill per region and nationally: "
                             "n, means, mean change with 95% confidence interval and effect size (d_z)."),
]


@dg.multi_asset(name="kpi_month", specs=SPECS, check_specs=kpi_checks.KPI_CHECKS, partitions_def=month_partitions,
                backfill_policy=dg.BackfillPolicy.single_run())
def kpi_month(context: dg.AssetExecutionContext, warehouse: Warehouse, monitor: Monitor):
    """The KPI tables of the months in this run (one month, or a range in a single-run backfill)."""
    from assets.metadata import column_schema, markdown_table
    from checks.outputs import CHANGE_SCORES_MONTH, KPI_NATIONAL_MONTH, KPI_REGION_MONTH
    from llo import warehouse as wh
    from llo.monitor import change_scores, kpi

    engine, targets = warehouse.engine(), monitor.targets()
    peildata = [kpi.month_end(key) for key in context.partition_keys]
    parts = region_parts(engine, kpi.counted_days(peildata))
    context.log.info(f"Regions: {parts.describe()}")
    regional = KPI_REGION_MONTH.validate(kpi.month_table(
        parts.frame, peildata, targets, wh.read_typed(engine, wh.REGION_CONTEXT), monitor.min_participants))
    national = KPI_NATIONAL_MONTH.validate(kpi.national_month_table(regional, monitor.min_participants))
    changes = CHANGE_SCORES_MONTH.validate(
        change_scores.from_region_sums(parts.frame, peildata, monitor.min_participants))
    wh.replace_rows(engine, {wh.KPI_REGION_MONTH: regional, wh.KPI_NATIONAL_MONTH: national,
                             wh.CHANGE_SCORES_MONTH: changes}, "peildatum", peildata)
    last = national[national["peildatum"] == peildata[-1]].set_index("kpi")
    months = f"{peildata[0].date()} .. {peildata[-1].date()}" if len(peildata) > 1 else str(peildata[0].date())
    context.log.info(f"KPIs for {len(peildata)} month(s) ({months}) and {regional['region'].nunique()} region(s); "
                     f"targets: {targets.describe()}")

    def materialized(table, frame, extra):
        return dg.MaterializeResult(asset_key=table.name, metadata={
            "dagster/row_count": len(frame), "dagster/column_schema": column_schema(table), "peildata": months,
            "targets": targets.describe(), "regions_computed": len(parts.computed), "regions_kept": len(parts.kept),
            **extra})

    # Numbers the UI plots over materialisations: only for a single month, since a single-run backfill
    # attaches the same metadata to every month of its range.
    values = {code: dg.MetadataValue.int(int(last.at[code, "value"])) for code in last.index} \
        if len(peildata) == 1 else {}
    headline = ["peildatum", "kpi", "label", "value", "target", "share_of_target", "n_basis", "suppress"]
    yield materialized(wh.KPI_REGION_MONTH, regional, {"regions": int(regional["region"].nunique())})
    yield materialized(wh.KPI_NATIONAL_MONTH, national, {
        **values, "latest": dg.MetadataValue.md(markdown_table(last.reset_index()[headline], 30))})
    yield materialized(wh.CHANGE_SCORES_MONTH, changes, {})

    stored_regional = wh.read_typed(engine, wh.KPI_REGION_MONTH)
    stored_national = wh.read_typed(engine, wh.KPI_NATIONAL_MONTH)
    yield kpi_checks.result(kpi_checks.NATIONAL_EQUALS_REGIONS, "kpi_national_month",
                            kpi_checks.national_mismatches(regional, national),
                            f"{len(national)} national rows equal the sum of the regions",
                            "{n} national rows differ from the sum of the regions")
    for asset, table, by in (("kpi_region_month", stored_regional, ["region"]),
                             ("kpi_national_month", stored_national, [])):
        yield kpi_checks.result(kpi_checks.CUMULATIVE, asset, kpi_checks.decreases(table, by),
                                f"no decrease over {table['peildatum'].nunique()} stored month(s)",
                                "{n} cumulative figure(s) lower than the month before: recompute (backfill) the "
                                "later months")
    yield kpi_checks.result(kpi_checks.K1_COVERS_MEASURED, "kpi_region_month", kpi_checks.k1_below_measured(regional),
                            "K1 covers the participants with a T1 in every region and month",
                            "{n} region-months with more participants with T1 than reached")
    yield kpi_checks.result(kpi_checks.BASIS_PRESENT, "kpi_region_month", kpi_checks.basis_problems(regional),
                            f"{len(regional)} rows with their basis n", "{n} rows without basis or above it")
    yield kpi_checks.result(kpi_checks.CONTEXT_COVERAGE, "kpi_region_month",
                            kpi_checks.regions_without_context(regional), "context factors for every region",
                            "{n} region(s) without context factors", severity=dg.AssetCheckSeverity.WARN)


@dg.asset(group_name=GROUP, kinds=KINDS, owners=OWNERS, partitions_def=month_partitions,
          backfill_policy=dg.BackfillPolicy.single_run(), check_specs=kpi_checks.BREAKDOWN_CHECKS,
          deps=[dg.AssetDep("trajectories", partition_mapping=ALL_REGIONS), "kpi_region_month"],
          description="The KPIs broken down per month, per region and nationally, by doelgroep, trajectory type, age "
                      "band, pilot or scale-up region and intake cohort (quarter of the T0): counts of reach, T1s and "
                      "results (K2, K3, K5, D1-D3, D9) with their basis, and mean changes of the ladder and the basic "
                      "skills (llo.monitor.breakdowns).")
def kpi_breakdown_month(context: dg.AssetExecutionContext, warehouse: Warehouse):
    from assets.metadata import column_schema
    from checks.outputs import KPI_BREAKDOWN_MONTH
    from llo import warehouse as wh
    from llo.monitor import breakdowns, kpi

    engine = warehouse.engine()
    peildata = [kpi.month_end(key) for key in context.partition_keys]
    parts = region_breakdowns(engine, peildata)
    context.log.info(f"Regions: {parts.describe()}")
    rows = KPI_BREAKDOWN_MONTH.validate(breakdowns.table(parts.frame))
    wh.replace_rows(engine, {wh.KPI_BREAKDOWN_MONTH: rows}, "peildatum", peildata)
    context.log.info(f"{len(rows)} breakdown rows for {len(peildata)} month(s) and "
                     f"{rows['region'].nunique()} region(s) including the nation")
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": len(rows), "dagster/column_schema": column_schema(wh.KPI_BREAKDOWN_MONTH),
        "dimensions": ", ".join(breakdowns.DIMENSIONS), "regions_computed": len(parts.computed),
        "regions_kept": len(parts.kept)})
    regional = wh.read_typed(engine, wh.KPI_REGION_MONTH, where=wh.KPI_REGION_MONTH.c.peildatum.in_(
        [day.date() for day in peildata]))
    yield kpi_checks.result(kpi_checks.BREAKDOWN_ADDS_UP, "kpi_breakdown_month",
                            kpi_checks.breakdown_mismatches(rows, regional),
                            "every dimension's groups add up to the KPI tables",
                            "{n} figure(s) whose groups do not add up to the KPI tables: a participant missing from "
                            "a group or counted twice")


def region_parts(engine, days: list):
    """Each region's KPI counts and change-score sums on the days (llo.monitor.region_results): kept where still true,
    otherwise computed from the region's trajectories and catalogue."""
    from llo import warehouse as wh
    from llo.fingerprints import code_version
    from llo.monitor import change_scores, kpi, region_results
    from llo.monitor import trajectories as tr

    def compute(regions, days):
        where = wh.TRAJECTORIES.c.regio.in_(regions)
        trajectories = wh.read_typed(engine, wh.TRAJECTORIES, where=where,
                                     columns=list(dict.fromkeys(kpi.COLUMNS + change_scores.COLUMNS)))
        catalogue = wh.read_typed(engine, wh.TRAJECTORY_CATALOGUE, where=wh.TRAJECTORY_CATALOGUE.c.regio.in_(regions))
        counts = kpi.region_counts(trajectories, catalogue, days).rename_axis("region").reset_index()
        sums = change_scores.region_sums(trajectories, days).rename_axis("region").reset_index()
        parts = counts.merge(sums, on=["region", "peildatum"], how="left")
        return parts.fillna({name: 0 for name in change_scores.SUMS}).astype(
            {name: sums[name].dtype for name in change_scores.SUMS}).set_index("region")

    code = code_version(kpi, tr, change_scores, region_results)
    return region_results.region_results(engine, "kpi_month", code, days, compute)


def region_breakdowns(engine, peildata: list):
    """Each region's sums of the breakdowns on the peildata (llo.monitor.region_results): kept where still true,
    otherwise computed from the region's trajectories."""
    from llo import regions
    from llo import warehouse as wh
    from llo.fingerprints import code_version
    from llo.monitor import breakdowns, kpi, region_results
    from llo.monitor import trajectories as tr

    def compute(names, days):
        return breakdowns.region_sums(wh.read_typed(engine, wh.TRAJECTORIES, columns=breakdowns.COLUMNS,
                                                    where=wh.TRAJECTORIES.c.regio.in_(names)), days)

    code = code_version(breakdowns, kpi, tr, regions, region_results)
    return region_results.region_results(engine, "kpi_breakdown_month", code, peildata, compute, breakdowns.KEPT)
