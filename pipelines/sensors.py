"""What starts runs besides the schedule: a new delivery starts its region's ingest run (delivery_sensor); new data
refreshes the latest month's tables and reports (declarative automation, refresh_latest_month); and a delivery that
changes earlier months (a late row, a correction, a withdrawal) has those months computed again, with the reports
already published for them (revision_sensor)."""

import json
import time

import dagster as dg

from assets.ingest import FIRST_CHANGED_MONTH
from assets.reports import REVISION  # the llo/trigger of a run that computes earlier months again
from pipelines.jobs import MONTH_STAGE, MONTHLY_GROUPS, ingest_job, monthly_job
from pipelines.partitions import month_partitions, range_tags, region_partitions
from pipelines.resources import Landing, Warehouse

SKIPPED_FOLDER = "folder '{name}' in {landing} is {reason}"


@dg.sensor(job=ingest_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Looks at LLO_HOME/landing/<region>/ every 30 s. A new, changed or removed file starts an "
                       "ingest run for that region; a new region folder becomes a partition first. Run keys are "
                       "content hashes, so the same content never triggers twice; a file still being written "
                       "(modified in the last 10 s) is waited for.")
def delivery_sensor(context: dg.SensorEvaluationContext, landing: Landing, warehouse: Warehouse):
    from llo.intake.landing import scan

    folder = landing.folder()
    cursor = json.loads(context.cursor) if context.cursor else None
    found = scan(folder, cursor, time.time(), ingested=None if cursor else _ingested(warehouse))
    for name, reason in found.skipped.items():
        context.log.error(SKIPPED_FOLDER.format(name=name, landing=folder, reason=reason))
    for region, files in found.waiting.items():
        context.log.info(f"{region}: waiting for {len(files)} file(s) still being written ({', '.join(files)})")
    known = set(context.instance.get_dynamic_partitions(region_partitions.name))
    new_regions = sorted({c.region for c in found.changes} - known)
    runs = [dg.RunRequest(
        partition_key=c.region, run_key=f"{c.region}:{c.before[:16]}..{c.after[:16]}",
        tags={"llo/trigger": "delivery", "llo/changed_files": str(len(c.files))}) for c in found.changes]
    for change in found.changes:
        context.log.info(f"{change.region}: {len(change.files)} new or changed file(s): "
                         f"{', '.join(change.files) or 'files removed'}")
    skip = None if runs else "no new deliveries" + \
        (f"; {len(found.skipped)} folder(s) not read: {', '.join(found.skipped)}" if found.skipped else "")
    return dg.SensorResult(
        run_requests=runs, cursor=json.dumps(found.cursor, sort_keys=True), skip_reason=skip,
        dynamic_partitions_requests=[region_partitions.build_add_request(new_regions)] if new_regions else [])


def _ingested(warehouse: Warehouse) -> dict[str, dict[str, str]]:
    """What the warehouse holds per region, so a sensor without cursor does not ingest it all again."""
    from llo.warehouse import ingested_files

    return ingested_files(warehouse.engine())




@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[ingest_job], request_job=monthly_job,
                      minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
                      description="After an ingest run that changed the figures of months before the latest one (a "
                                  "late row, a correction, a withdrawal), computes those months again in one run, "
                                  "re-rendering only the reports already published for them; the latest month is "
                                  "refresh_latest_month's.")
def revision_sensor(context: dg.RunStatusSensorContext):
    keys = revised_months(context.instance, context.dagster_run.run_id)
    if not keys:
        return dg.SkipReason("the ingest run changed no month before the latest")
    context.log.info(f"months {keys[0][:7]}..{keys[-1][:7]} changed: computing them again")
    return dg.RunRequest(run_key=f"{REVISION}:{context.dagster_run.run_id}",
                         tags={**range_tags(keys), **MONTH_STAGE, "llo/trigger": REVISION})


def revised_months(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The month partitions before the latest whose figures the ingest run changed: from the first month it changed
    (its ingest_log metadata, per region) up to the month before the latest."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    firsts = [month for record in records
              if (event := record.event_log_entry.asset_materialization) and event.asset_key.path == ["ingest_log"]
              and FIRST_CHANGED_MONTH in event.metadata
              for month in event.metadata[FIRST_CHANGED_MONTH].data.values() if month]
    months = month_partitions.get_partition_keys()
    if not firsts or not months:
        return []
    return [key for key in months[:-1] if key >= min(firsts)]


# The month being reported on (the latest month partition: the month just ended) is computed again when new data
# arrives: after an ingest run, once no ingest run is in progress, in one run for all its assets. Unlike eager()
# it does not fill a new month as soon as it appears; the schedule does that on the first at 06:00. The
# configuration assets are re-read by every monthly run (a backfill of an old month too), so their updates are
# no news for the latest month.
CONFIGURATION = dg.AssetSelection.assets("region_context", "scba_parameter_file")
REFRESH_LATEST_MONTH = (
    dg.AutomationCondition.in_latest_time_window()
    & dg.AutomationCondition.any_deps_updated().ignore(CONFIGURATION).since_last_handled()
    & ~dg.AutomationCondition.any_deps_missing()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("refresh the latest month after new data")

refresh_latest_month = dg.AutomationConditionSensorDefinition(
    "refresh_latest_month", target=dg.AssetSelection.groups(*MONTHLY_GROUPS), minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING, run_tags=MONTH_STAGE,
    description="Declarative automation: after new data (an ingest run, a new parameter or context file) the "
                "latest month's KPI tables, SCBA, data quality and reports are computed again in one run.")


def with_refresh_condition(assets_def):
    """Month-partitioned assets refresh with REFRESH_LATEST_MONTH (one policy, applied in one place)."""
    if not any(spec.partitions_def is not None and spec.group_name in MONTHLY_GROUPS for spec in assets_def.specs):
        return assets_def
    return assets_def.map_asset_specs(lambda spec: spec.replace_attributes(automation_condition=REFRESH_LATEST_MONTH))
