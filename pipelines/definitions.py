"""The Dagster code location: one Definitions object for the whole pipeline."""

import dagster as dg

from assets.ingest import region_ingest
from pipelines.resources import Landing, Warehouse

ingest_job = dg.define_asset_job(
    "ingest", selection=dg.AssetSelection.groups("ingest"),
    description="Ingest one region's landing folder into the warehouse.")

defs = dg.Definitions(
    assets=[region_ingest],
    jobs=[ingest_job],
    resources={"warehouse": Warehouse(), "landing": Landing()},
)
