"""Freshness policies: what the UI's freshness status holds each asset to (evaluated by the Dagster daemon).

- Monthly assets (the month-partitioned assets of the groups kpi, scba, quality and reports): the month just ended
  must be materialised within `settings.MONTHLY_DUE_DAYS` (5) days after its peildatum. The schedule runs it at
  06:00 on the first; an asset whose last materialisation is from before the first of the month is late (FAIL) from
  the sixth, 00:00 Europe/Amsterdam, until the month is computed.
- Ingest (the ten tables of region_ingest and the trajectories derived in the same run): no delivery for longer than
  the delivery window (`settings.delivery_window_days()`, LLO_DELIVERY_WINDOW_DAYS, default 45 days) is WARN, twice
  the window FAIL.
  An ingest runs when a region delivers, so this is the wall-clock time since the last delivery of any region;
  which region is late is the check `delivery_overdue` (checks/due_checks.py), per region on the monitor's clock.

Dagster keeps freshness per asset, not per partition: a backfill of an old month also counts as a materialisation.
The policies are applied in one place, `with_freshness` in pipelines/definitions.py.
"""

import datetime as dt

import dagster as dg

from llo import settings
from pipelines.jobs import MONTHLY_GROUPS
from pipelines.partitions import month_partitions

INGEST_GROUPS = ("ingest", "trajectories")  # materialised together, in a region's ingest run
MONTHLY = dg.FreshnessPolicy.cron(
    deadline_cron=f"0 0 {settings.MONTHLY_DUE_DAYS + 1} * *",
    lower_bound_delta=dt.timedelta(days=settings.MONTHLY_DUE_DAYS), timezone=month_partitions.timezone)


def ingest_policy(window_days: int) -> dg.FreshnessPolicy:
    return dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(days=2 * window_days),
                                          warn_window=dt.timedelta(days=window_days))


def policy_for(spec: dg.AssetSpec) -> dg.FreshnessPolicy | None:
    """The policy an asset is held to: monthly, ingest, or none (configuration assets, research reports)."""
    if spec.group_name in MONTHLY_GROUPS and spec.partitions_def is not None:
        return MONTHLY
    if spec.group_name in INGEST_GROUPS:
        return ingest_policy(settings.delivery_window_days())
    return None


def with_freshness(assets_def):
    """`assets_def` with each asset's policy (policy_for)."""
    return assets_def.map_asset_specs(
        lambda spec: dg.apply_freshness_policy(spec, policy) if (policy := policy_for(spec)) else spec)
