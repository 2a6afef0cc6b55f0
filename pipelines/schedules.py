"""The monthly schedule: on the first of the month the month just ended, KPI tables to reports, in one run."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.jobs import monthly_job
from pipelines.partitions import month_partitions

TIMEZONE = month_partitions.timezone  # Europe/Amsterdam
CRON = "0 6 1 * *"  # 06:00 on the first: after the night, before anyone reads the reports


def previous_month(moment: dt.datetime) -> str:
    """The partition key of the month before the one `moment` falls in (in Amsterdam time)."""
    first = moment.date().replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1).isoformat()


@dg.schedule(job=monthly_job, cron_schedule=CRON, execution_timezone=TIMEZONE,
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="On the first of every month at 06:00 (Europe/Amsterdam): the monthly job for the month "
                         "just ended, KPI tables, SCBA, data-quality suites and reports, in one run.")
def monthly_schedule(context: dg.ScheduleEvaluationContext):
    key = previous_month(context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE)))
    return dg.RunRequest(run_key=key, partition_key=key, tags={"llo/trigger": "monthly schedule"})
