"""The Dagster code location: one Definitions object for the whole pipeline."""

import dagster as dg

from assets.ingest import region_ingest
from assets.kpi import kpi_month, region_context
from assets.trajectories import trajectories
from pipelines.resources import Landing, Monitor, Warehouse

ingest_job = dg.define_asset_job(
    "ingest", selection=dg.AssetSelection.groups("ingest", "trajectories"),
    description="Ingest one region's landing folder into the warehouse and derive its trajectories.")
kpi_job = dg.define_asset_job(
    "kpi", selection=dg.AssetSelection.groups("kpi"),
    description="The monthly KPI tables and change scores (peildatum = last day of the month) for every region "
                "and the nation. A range of months runs as one run.")

defs = dg.Definitions(
    assets=[region_ingest, trajectories, region_context, kpi_month],
    jobs=[ingest_job, kpi_job],
    resources={"warehouse": Warehouse(), "landing": Landing(), "monitor": Monitor()},
)
