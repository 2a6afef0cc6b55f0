"""Great Expectations suites (llo/quality/plausibility.py) as Dagster asset checks on the warehouse tables they concern.

One multi-asset check validates the whole stored tables (every region and month: a month-over-month jump
needs the months before it) and reports each suite on each table its rules speak about: check `gx_<suite>`
on e.g. kpi_region_month passes when none of the suite's rules about that table failed. The bands are
plausibility bands for researchers, so a failure is a warning; the checks on the monthly tables are blocking
so that Dagster runs `data_docs` after them. The result names the failed rules, column, band, regions and
months with the observed values, and links to the result's page in Data Docs.
"""

import dagster as dg

from llo.quality import expectations
from llo.quality import plausibility as quality
from pipelines.resources import Warehouse

PREFIX = "gx_"
MAX_ROWS = 30  # problem rows shown in the UI; Data Docs list them all


def check_name(suite: str) -> str:
    return f"{PREFIX}{suite}"


# Blocking on the monthly tables, so that Dagster runs `data_docs` and the reports after the checks (a failure
# is a warning and blocks nothing). Not blocking on the region tables: that would make the KPI step wait for a
# check that reads the KPI tables, and split the check into one step before and one after it.
MONTHLY_TABLES = {"kpi_region_month", "kpi_national_month", "change_scores_month", "scba_overview"}
SPECS = [dg.AssetCheckSpec(check_name(suite.name), asset=asset, blocking=asset in MONTHLY_TABLES,
                           description=f"Great Expectations suite '{suite.name}': {suite.description} "
                                       "(plausibility bands; warns).")
         for suite in quality.SUITES for asset in quality.assets_of(suite.name)]


def _summary(outcome: "expectations.Outcome", passed: bool, evaluated: int, problems) -> str:
    failed = problems[problems["status"] != "tolerated"]
    if passed:
        tolerated = len(problems)
        return f"{evaluated} expectation(s) met" + (f"; {tolerated} row(s) outside the band within 'mostly'"
                                                   if tolerated else "")
    rules = ", ".join(dict.fromkeys(failed["rule"]))
    where = [" ".join(str(row[k]) for k in quality.BY_NAME[outcome.suite].keys if k in row and row[k] is not None)
             for _, row in failed.head(3).iterrows()]
    return (f"{failed['rule'].nunique()} of {evaluated} expectation(s) failed ({rules}): {len(failed)} row(s), "
            f"e.g. {'; '.join(where)}")


def result(outcome: "expectations.Outcome", asset: str) -> dg.AssetCheckResult:
    """The check result of one suite on one asset, with the facts needed to act."""
    from assets.metadata import markdown_table

    passed, evaluated, problems = outcome.for_assets(asset)
    page = outcome.result_page if outcome.result_page and outcome.result_page.exists() else outcome.docs_index
    return dg.AssetCheckResult(
        check_name=check_name(outcome.suite), asset_key=asset, passed=passed,
        severity=dg.AssetCheckSeverity.WARN, description=_summary(outcome, passed, evaluated, problems),
        metadata={
            "suite": outcome.suite,
            "expectations_evaluated": evaluated,
            "expectations_failed": len(set(problems.loc[problems["status"] != "tolerated", "rule"])),
            "problem_rows": len(problems),
            "problems": dg.MetadataValue.md(markdown_table(problems, MAX_ROWS)),
            "checked_at": outcome.checked_at,
            "data_docs": dg.MetadataValue.url(expectations.docs_link(page)),
            "data_docs_index": dg.MetadataValue.url(expectations.docs_link(outcome.docs_index)),
        })


@dg.multi_asset_check(specs=SPECS, name="great_expectations", can_subset=True,
                      description="Validates the Great Expectations suites on the whole stored warehouse tables and "
                                  "stores the results for Data Docs (LLO_HOME/kwaliteit).")
def great_expectations(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
    selected = context.selected_asset_check_keys
    suites = [s.name for s in quality.SUITES if any(key.name == check_name(s.name) for key in selected)]
    outcomes = expectations.validate_warehouse(warehouse.engine(), suites=suites)
    for outcome in outcomes.values():
        context.log.info(f"{outcome.suite}: {'met' if outcome.success else 'NOT met'}, {outcome.evaluated} "
                         f"expectation(s), {outcome.failed} failed; {outcome.result_page or outcome.docs_index}")
    for key in sorted(selected, key=lambda k: (k.name, k.asset_key.to_user_string())):
        yield result(outcomes[key.name.removeprefix(PREFIX)], key.asset_key.to_user_string())


GX_CHECKS = [great_expectations]
