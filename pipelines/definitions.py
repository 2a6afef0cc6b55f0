"""The Dagster code location: one Definitions object for the whole pipeline."""

import dagster as dg

from assets.ingest import region_ingest
from assets.kpi import kpi_month, region_context
from assets.scba import scba_month, scba_parameter_file
from assets.trajectories import trajectories
from pipelines.resources import Landing, Monitor, Warehouse

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

defs = dg.Definitions(
    assets=[region_ingest, trajectories, region_context, kpi_month, scba_parameter_file, scba_month],
    jobs=[ingest_job, kpi_job, scba_job, monthly_job],
    resources={"warehouse": Warehouse(), "landing": Landing(), "monitor": Monitor()},
)
