"""The Great Expectations Data Docs site: a static HTML site with the suites and their stored results."""

import dagster as dg

from pipelines.partitions import month_partitions

ALL_REGIONS = dg.AllPartitionMapping()  # the checks read every region's ingest and trajectories


@dg.asset(
    group_name="quality", owners=["team:research"], kinds={"great_expectations", "html"},
    partitions_def=month_partitions, backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["kpi_region_month", "kpi_national_month", "change_scores_month", "scba_overview",
          dg.AssetDep("trajectories", partition_mapping=ALL_REGIONS),
          dg.AssetDep("measurements", partition_mapping=ALL_REGIONS),
          dg.AssetDep("ingest_log", partition_mapping=ALL_REGIONS)],
    description="Great Expectations Data Docs (LLO_HOME/kwaliteit/data-docs/index.html): the plausibility suites "
                "for researchers (T1 response, month-over-month jumps, improvement shares, agreement between "
                "tables) with every stored validation result. Rebuilt after the gx_* asset checks of the tables "
                "above; views are aggregates per region and month, no participant data.")
def data_docs(context: dg.AssetExecutionContext):
    from assets.metadata import frame_schema, markdown_table
    from llo.quality import expectations

    site = expectations.build_data_docs()
    latest = site.latest
    context.log.info(f"Data Docs at {site.index}: {len(latest)} suite(s), {site.results} stored result(s)")
    shown = latest.assign(data_docs=[expectations.docs_link(p) for p in latest["data_docs"]])
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(site.index)),
        "url": dg.MetadataValue.url(expectations.docs_link(site.index)),
        "validation_results": site.results,
        "suites_failing": int((~latest["success"]).sum()),
        "latest": dg.MetadataValue.md(markdown_table(shown.drop(columns=["description"]))),
        "dagster/row_count": len(latest),
        "dagster/column_schema": frame_schema(latest, {
            "suite": "Great Expectations suite", "success": "every expectation met in the latest result",
            "evaluated": "expectations evaluated", "failed": "expectations not met",
            "checked_at": "when the latest result was stored", "data_docs": "the result's page"}),
    })
