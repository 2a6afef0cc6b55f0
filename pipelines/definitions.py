"""The Dagster code location: one Definitions object for the whole pipeline."""

import dagster as dg

from assets.ingest import region_ingest
from assets.kpi import kpi_breakdown_month, kpi_month, region_context
from assets.quality import data_docs
from assets.reports import reports_month, research_reports
from assets.scba import scba_month, scba_parameter_file
from assets.trajectories import trajectories
from checks.due_checks import DUE_CHECKS
from checks.gx_checks import GX_CHECKS
from pipelines.code_links import with_code_links
from pipelines.freshness import with_freshness
from pipelines.jobs import JOBS
from pipelines.resources import Landing, Monitor, Reports, Warehouse
from pipelines.schedules import monthly_schedule
from pipelines.sensors import delivery_sensor, refresh_latest_month, revision_sensor, with_refresh_condition

ASSETS = [region_ingest, trajectories, region_context, kpi_month, kpi_breakdown_month, scba_parameter_file, scba_month,
          data_docs, reports_month, research_reports]

# The policies, in one place: the refresh of the latest month (pipelines/sensors.py), freshness (pipelines/freshness.py)
# and code links (pipelines/code_links.py), on every asset and check.
defs = dg.Definitions(
    assets=[with_code_links(with_freshness(with_refresh_condition(a))) for a in ASSETS],
    asset_checks=[with_code_links(c) for c in [*GX_CHECKS, *DUE_CHECKS]],
    jobs=JOBS,
    schedules=[monthly_schedule],
    sensors=[delivery_sensor, refresh_latest_month, revision_sensor],
    resources={"warehouse": Warehouse(), "landing": Landing(), "monitor": Monitor(), "reports": Reports()},
    # Every run executes its steps one after another in the run's own process, as `llo materialize` does.
    # Dagster's default starts a process per step that imports the code location and pandas again: the run
    # after one late delivery at 100x took 55 s that way against 39 s (BENCHMARKS.md, fifth round).
    executor=dg.in_process_executor,
)
