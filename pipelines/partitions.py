"""Region partitions: one per labour-market region that has a landing folder."""

from __future__ import annotations

import warnings
from pathlib import Path

import dagster as dg

from llo.intake.landing import region_folders

# The region and month assets run a range of partitions as one run through `backfill_policy`, which Dagster marks
# as beta on `@asset`; its warning would print with every `llo` command and run.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)

region_partitions = dg.DynamicPartitionsDefinition(name="region")


def region_folder(landing: Path, region: str) -> Path:
    return region_folders(landing)[0].get(region, landing / region)


def sync_region_partitions(instance: dg.DagsterInstance, landing: Path) -> tuple[list[str], dict[str, str]]:
    """Add a partition for every region folder not yet known; returns (all regions, the folders not read with the
    reason: not a region, or a link)."""
    found, skipped = region_folders(landing)
    existing = set(instance.get_dynamic_partitions(region_partitions.name))
    new = sorted(set(found) - existing)
    if new:
        instance.add_dynamic_partitions(region_partitions.name, new)
    return sorted(found), skipped


# Monthly snapshots: a partition per month, its peildatum the last day of the month. The programme's pilots
# started delivering in 2023; earlier months have no data.
month_partitions = dg.MonthlyPartitionsDefinition(start_date="2023-01-01", timezone="Europe/Amsterdam")


def range_tags(keys: list[str]) -> dict[str, str]:
    """Tags that run a range of partitions as one run (the region and month assets have a single-run backfill
    policy)."""
    return {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}
