"""The Dagster code location: one Definitions object for the whole pipeline."""

import dagster as dg

from assets.ingest import region_ingest
from assets.kpi import kpi_month, region_context
from assets.reports import national_report, regional_report
from assets.scba import scba_month, scba_parameter_file
from assets.trajectories import trajectories
from pipelines.resources import Landing, Monitor, Reports, Warehouse

ingest_job = dg.define_asset_job(
    "ingest", selection=dg.AssetSelection.groups("ingest", "trajectories"),
    description="Ingest one region's landing folder into the warehouse and derive its trajectories.")
kpi_job = dg.define_asset_job(
    "kpi", selection=dg.AssetSelection.groups("kpi"),
    description="The monthly KPI tables and change scores (peildatum = last day of the month) for every region "
                "and the nation. A range of months runs as one run.")

scba_job = dg.define_asset_job(
    "scba", selection=dg.AssetSelection.groups("scba"),
    description="The social cost-benefit analysis per month; set a scenario's parameter values in the launchpad "
                "(ops: scba_month: config).")
monthly_job = dg.define_asset_job(
    "monthly", selection=dg.AssetSelection.groups("kpi", "scba"),
    description="Everything computed per month: KPI tables and SCBA. A range of months runs as one run.")
national_report_job = dg.define_asset_job(
    "national_report", selection=dg.AssetSelection.assets("national_report"),
    description="Render the national report of a month (after the monthly job).")
regional_reports_job = dg.define_asset_job(
    "regional_reports", selection=dg.AssetSelection.assets("regional_report"),
    description="Render regional reports (region x month); a range of partitions renders in one run and one kernel.")

defs = dg.Definitions(
    assets=[region_ingest, trajectories, region_context, kpi_month, scba_parameter_file, scba_month, national_report,
            regional_report],
    jobs=[ingest_job, kpi_job, scba_job, monthly_job, national_report_job, regional_reports_job],
    resources={"warehouse": Warehouse(), "landing": Landing(), "monitor": Monitor(), "reports": Reports()},
)
