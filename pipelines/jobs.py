"""Jobs, one per stage, and `monthly`: everything computed per month, KPI tables to reports, in one run."""

import dagster as dg

from checks.gx_checks import GX_CHECKS

MONTHLY_GROUPS = ("kpi", "scba", "quality", "reports")
# dagster.yaml lets one run with this tag run at a time: month-level runs write the same tables, the Data Docs
# store and the report folder, and each renders in its own kernel.
MONTH_STAGE = {"llo/stage": "monthly"}
# The Great Expectations checks read whole tables of every region and month: they run with the quality and monthly
# jobs, once after all tables, not after each region's ingest (before the months are recomputed they would warn
# about stale KPIs) nor once per stage job.
QUALITY_CHECKS = dg.AssetSelection.checks(*GX_CHECKS)

ingest_job = dg.define_asset_job(
    "ingest", selection=dg.AssetSelection.groups("ingest", "trajectories") - QUALITY_CHECKS,
    description="Ingest one region's landing folder into the warehouse and derive its trajectories. Started by "
                "the delivery sensor when a region's folder changes.")
kpi_job = dg.define_asset_job(
    "kpi", tags=MONTH_STAGE, selection=dg.AssetSelection.groups("kpi") - QUALITY_CHECKS,
    description="The monthly KPI tables and change scores (peildatum = last day of the month) for every region "
                "and the nation. A range of months runs as one run.")
scba_job = dg.define_asset_job(
    "scba", tags=MONTH_STAGE, selection=dg.AssetSelection.groups("scba") - QUALITY_CHECKS,
    description="The social cost-benefit analysis per month; set a scenario's parameter values in the launchpad "
                "(ops: scba_month: config).")
quality_job = dg.define_asset_job(
    "quality", tags=MONTH_STAGE, selection=dg.AssetSelection.groups("quality") | QUALITY_CHECKS,
    description="The Great Expectations suites on the warehouse tables and the Data Docs site.")
reports_job = dg.define_asset_job(
    "reports", tags=MONTH_STAGE, selection=dg.AssetSelection.groups("reports"),
    description="Render the national and regional reports of a month (after the KPI and SCBA tables).")
monthly_job = dg.define_asset_job(
    "monthly", tags=MONTH_STAGE, selection=dg.AssetSelection.groups(*MONTHLY_GROUPS) | QUALITY_CHECKS,
    description="Everything computed per month in one run: KPI tables, SCBA, data-quality suites and Data Docs, "
                "the national and regional reports. The monthly schedule runs it for the month just ended; a range "
                "of months (a backfill) runs as one run.")

research_reports_job = dg.define_asset_job(
    "tussen_en_eindrapport", tags=MONTH_STAGE, selection=dg.AssetSelection.groups("research_reports"),
    description="The interim report (tussenrapport) and the final report (eindrapport) for a chosen peildatum: pick "
                "the month in the launchpad. Run on demand, after the monthly job of that month; not scheduled.")

JOBS = [ingest_job, kpi_job, scba_job, quality_job, reports_job, monthly_job, research_reports_job]
