"""Plausibility checks for researchers with Great Expectations, over aggregate views of the warehouse.

The Pandera contract (checks/contract.py, checks/outputs.py) proves that every row is well formed. What it
cannot see is whether the figures are believable together: a region whose T1 response drops to a third, a
month with ten times the usual deliveries, a share of improved participants near 100%, or two tables that
disagree. Those questions are asked here, of small views: one aggregate DataFrame per suite, one row per
region (or 'nationaal') and month, never a participant. Suites are built from `RULES` on every run (the code
is the source of truth, not the JSON in the GX folder), results are stored in a file data context and shown
in GX Data Docs, a static HTML site.

Where things land (LLO_HOME/kwaliteit by default):
    gx/               the GX file data context: great_expectations.yml, expectations/ (suites),
                      validation_definitions/, checkpoints/, uncommitted/validations/ (stored results)
    data-docs/        the Data Docs site; data-docs/index.html is its entry page

Great Expectations is imported inside the functions that need it (it takes seconds to import), and so is
pandas, so that the Dagster code location can import this module for its check specs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llo import settings
from llo.settings import MIN_PARTICIPANTS, llo_home

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import sqlalchemy as sa

NATIONAL = "nationaal"  # as in llo.kpi
ALL_MONTHS = "all"  # the month of a comparison over the whole stored table
DATASOURCE, BATCH = "llo_views", "whole_view"
SITE = "llo"  # the one Data Docs site
DOCS_INDEX = "kwaliteit/data-docs/index.html"  # relative to LLO_HOME

# Ratios and shares on few people swing on one person; these bases keep the bands about the programme, not
# about noise. A share of improved participants moves 5+ points per person below 20 people with a T1.
MIN_SHARE_BASIS = 20
MIN_PREVIOUS_MEAN = 10  # a month-over-month ratio against fewer than 10 a month is mostly Poisson noise
PREVIOUS_MONTHS = 3  # a month is compared with the mean of the 3 months before it


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    keys: tuple[str, ...]  # the view's columns that say where a failing row is (region, month, ...)


@dataclass(frozen=True)
class Rule:
    """One expectation. kind: between (column within [low, high]), not_null, equal (column == other),
    at_most (column <= other) or rows (the view has at least `low` rows). `where` limits the rows:
    (column, '>=' or '==', value) conditions."""

    suite: str
    name: str
    column: str
    reason: str
    assets: tuple[str, ...]  # the warehouse tables (Dagster assets) the rule speaks about
    kind: str = "between"
    low: float | None = None
    high: float | None = None
    other: str | None = None
    mostly: float = 1.0
    where: tuple[tuple[str, str, object], ...] = ()

    def band(self) -> str:
        if self.kind == "between":
            text = f"{_number(self.low)} .. {_number(self.high)}"
        else:
            text = {"not_null": "not empty", "equal": f"= {self.other}", "at_most": f"<= {self.other}",
                    "rows": f">= {_number(self.low)} rows"}[self.kind]
        return text + (f" (mostly {self.mostly:.0%})" if self.mostly < 1 else "")

    def condition(self) -> str:
        return " and ".join(f"{c} {op} {v!r}" if isinstance(v, str) else f"{c} {op} {_number(v)}"
                            for c, op, v in self.where)


def _number(value) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


KPI_TABLES = ("kpi_region_month", "kpi_national_month")
SUITES: tuple[Suite, ...] = (
    Suite("t1_response", "T1 response (D6: eenmeting taken among those whose T1 is taken or overdue) per region "
                         "and month", ("region", "month")),
    Suite("month_over_month", "Deliveries, accepted measurements and K1 intake per month against the mean of the "
                              f"{PREVIOUS_MONTHS} months before, per region and nationally",
          ("measure", "region", "month")),
    Suite("improvement_share", "Shares of participants with a T1 (D5) who improved: basic skills (D1), labour-market "
                               "position (K3), social inclusion (K5)", ("region", "month")),
    Suite("cross_table", "Agreement between tables: ingest log, measurements, trajectories, KPI tables, change "
                         "scores and the SCBA cohort", ("comparison", "region", "month")),
)
BY_NAME = {s.name: s for s in SUITES}

_RATIO = dict(kind="between", low=0.25, high=4.0, mostly=0.9)
_RATIO_REASON = ("a quarter or four times the recent level is a missed, partial or doubled delivery rather than "
                 "the month-to-month noise of 10-30 people; mostly 90% because a real start or pause of intake "
                 "happens")
_SHARE = (("n_t1", ">=", MIN_SHARE_BASIS),)
def _agreement(name: str, assets: tuple[str, ...], kind: str = "equal", *, reason: str) -> Rule:
    """A cross-table rule: in the rows of comparison `name`, value equals (or is at most) reference."""
    return Rule("cross_table", name, "value", kind=kind, other="reference", where=(("comparison", "==", name),),
                assets=assets, reason=reason)


RULES: tuple[Rule, ...] = (
    Rule("t1_response", "t1_response_in_band", "t1_response", low=0.60, high=1.0,
         where=(("n_basis", ">=", MIN_PARTICIPANTS),), assets=KPI_TABLES,
         reason="the frame plans an eenmeting for every participant; below 60% the T1 results no longer represent "
                "the cohort (non-response bias). Only where the basis reaches the disclosure threshold."),
    Rule("t1_response", "t1_basis_present", "n_basis", kind="not_null", assets=KPI_TABLES,
         reason="a response share without its basis cannot be weighed or suppressed"),
    Rule("month_over_month", "delivered_rows_jump", "ratio", where=(("measure", "==", "delivered_rows"),
                                                                   ("previous_mean", ">=", MIN_PREVIOUS_MEAN)),
         assets=("ingest_log",), reason=f"rows read per month of receipt: {_RATIO_REASON}", **_RATIO),
    Rule("month_over_month", "accepted_measurements_jump", "ratio",
         where=(("measure", "==", "accepted_measurements"), ("previous_mean", ">=", MIN_PREVIOUS_MEAN)),
         assets=("measurements",), reason=f"accepted rows per month of meetdatum: {_RATIO_REASON}", **_RATIO),
    Rule("month_over_month", "k1_intake_jump", "ratio", where=(("measure", "==", "k1_intake"),
                                                              ("previous_mean", ">=", MIN_PREVIOUS_MEAN)),
         assets=KPI_TABLES, reason=f"participants reached in the month (K1 value_month): {_RATIO_REASON}", **_RATIO),
    Rule("improvement_share", "basic_skills_share", "basic_skills", low=0.10, high=0.90, where=_SHARE,
         assets=KPI_TABLES, reason="basic-skills trajectories lift some, never (almost) none or all, by a level; "
                                   "outside 10-90% T0 and T1 levels are likely miscoded or swapped"),
    Rule("improvement_share", "labour_market_share", "labour_market", low=0.05, high=0.80, where=_SHARE,
         assets=KPI_TABLES, reason="for low-literate job seekers a better work situation within eight months for "
                                   "more than 80% is implausible; under 5% suggests the T1 work situation is not "
                                   "filled in"),
    Rule("improvement_share", "social_inclusion_share", "social_inclusion", low=0.10, high=0.95, where=_SHARE,
         assets=KPI_TABLES, reason="the broadest improvement measure (ladder or a leefgebied); above 95% the T1 "
                                   "scores are likely copied up, under 10% the scales are likely reversed"),
    _agreement("ingest_measurements_stored", ("ingest_log", "measurements"),
               reason="measurement rows stored per region (value) equal the rows accepted in ingest_log (reference)"),
    _agreement("ingest_catalogue_stored", ("ingest_log",),
               reason="catalogue rows stored per region equal the catalogue rows accepted in ingest_log"),
    _agreement("trajectories_equal_t0", ("trajectories", "measurements"),
               reason="one trajectory per stored T0 measurement, per region"),
    _agreement("k1_equals_trajectories", ("kpi_region_month", "trajectories"),
               reason="K1 of a stored month equals the trajectories with a T0 on or before its peildatum: a KPI "
                      "month older than the last ingest must be recomputed"),
    _agreement("national_k1_is_sum", KPI_TABLES,
               reason="national K1 equals the sum of the regions' K1 per month"),
    _agreement("change_scores_within_d5", ("change_scores_month", "kpi_region_month"), kind="at_most",
               reason="paired change scores (largest n over the scores) rest on at most the participants with a T1 "
                      "(D5)"),
    _agreement("scba_cohort_equals_d6_basis", ("scba_overview", "kpi_region_month"),
               reason="the SCBA cohort (gemeten + uitgevallen) is the basis of the T1 response D6, in months with "
                      "both"),
    _agreement("scba_measured_equals_d5", ("scba_overview", "kpi_region_month"),
               reason="'waarvan gemeten' in the SCBA cohort equals D5 (participants with a T1), in months with "
                      "both"),
    *(Rule(s.name, f"{s.name}_not_empty", "*", kind="rows", low=1, assets=(),
           reason="an empty view means the tables were not stored: nothing else here would be tested")
      for s in SUITES),
)


def rules(suite: str) -> list[Rule]:
    return [r for r in RULES if r.suite == suite]


def assets_of(suite: str) -> list[str]:
    """The assets a suite reports on, in a stable order."""
    return sorted({a for r in rules(suite) for a in r.assets})


# ---------------------------------------------------------------------------------------------------------
# Views: aggregates of the warehouse tables, one per suite. Each takes the stored tables as DataFrames.


def _month(values) -> np.ndarray:
    """'YYYY-MM' of each date."""
    import pandas as pd

    return pd.to_datetime(pd.Series(values)).dt.strftime("%Y-%m").to_numpy()


_CODES = ("K1", "K3", "K5", "D1", "D5", "D6")  # the KPIs the views read


def _wide_kpis(kpi_region: pd.DataFrame, kpi_national: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    """(region, month) x KPI code; the nation as region 'nationaal'."""
    import pandas as pd

    both = pd.concat([kpi_region[["peildatum", "region", "kpi", column]],
                      kpi_national[["peildatum", "kpi", column]].assign(region=NATIONAL)], ignore_index=True)
    both["month"] = _month(both["peildatum"])
    wide = both.pivot_table(index=["region", "month"], columns="kpi", values=column, aggfunc="first")
    if wide.empty:
        wide = pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=["region", "month"]))
    return wide.reindex(columns=sorted(set(wide.columns) | set(_CODES))).astype("Float64")


def t1_response_view(kpi_region: pd.DataFrame, kpi_national: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    both = pd.concat([kpi_region, kpi_national.assign(region=NATIONAL)], ignore_index=True)
    d6 = both[both["kpi"] == "D6"]
    return pd.DataFrame({"region": d6["region"].to_numpy(), "month": _month(d6["peildatum"]),
                         "t1_response": d6["share_of_basis"].astype("float64").to_numpy(),
                         "n_taken": d6["value"].astype("Int64").to_numpy(),
                         "n_basis": d6["n_basis"].astype("Int64").to_numpy()}).sort_values(
        ["region", "month"], ignore_index=True)


def improvement_share_view(kpi_region: pd.DataFrame, kpi_national: pd.DataFrame) -> pd.DataFrame:
    wide = _wide_kpis(kpi_region, kpi_national)
    d5 = wide["D5"].where(wide["D5"] > 0)
    view = wide.assign(n_t1=wide["D5"].astype("Int64"), basic_skills=wide["D1"] / d5,
                       labour_market=wide["K3"] / d5, social_inclusion=wide["K5"] / d5)
    view = view[["n_t1", "basic_skills", "labour_market", "social_inclusion"]].reset_index()
    for column in ("basic_skills", "labour_market", "social_inclusion"):
        view[column] = view[column].astype("float64")
    return view.rename_axis(columns=None)


def _jumps(counts: pd.DataFrame, measure: str, fill: bool) -> pd.DataFrame:
    """counts: region, month (Period), value. Per region and the nation: the month's value against the mean of
    the PREVIOUS_MONTHS before it (all of them present). `fill`: months without a row count as 0 (deliveries),
    else they are unknown (months whose KPIs were not computed)."""
    import pandas as pd

    if counts.empty:
        return pd.DataFrame(columns=["measure", "region", "month", "value", "previous_mean", "ratio"])
    national = counts.groupby("month", as_index=False)["value"].sum().assign(region=NATIONAL)
    frames = []
    last = counts["month"].max()
    for region, rows in pd.concat([counts, national], ignore_index=True).groupby("region"):
        series = rows.groupby("month")["value"].sum()
        months = pd.period_range(series.index.min(), last, freq="M")
        series = series.reindex(months, fill_value=0) if fill else series.reindex(months)
        series = series.astype("float64")
        previous = series.shift(1).rolling(PREVIOUS_MONTHS, min_periods=PREVIOUS_MONTHS).mean()
        frames.append(pd.DataFrame({"measure": measure, "region": region, "month": months.strftime("%Y-%m"),
                                    "value": series.to_numpy(), "previous_mean": previous.to_numpy()}))
    view = pd.concat(frames, ignore_index=True)
    view = view[view["value"].notna()]
    view["ratio"] = view["value"] / view["previous_mean"].where(view["previous_mean"] > 0)
    return view


def month_over_month_view(ingest_log: pd.DataFrame, measurements: pd.DataFrame, kpi_region: pd.DataFrame
                          ) -> pd.DataFrame:
    import pandas as pd

    log = ingest_log[ingest_log["status"] != "duplicate"]
    delivered = pd.DataFrame({"region": log["region"].to_numpy(),
                              "month": pd.to_datetime(log["received_at"]).dt.to_period("M").to_numpy(),
                              "value": log["rows_read"].astype("float64").to_numpy()})
    accepted = pd.DataFrame({"region": measurements["regio"].to_numpy(),
                             "month": pd.to_datetime(measurements["meetdatum"]).dt.to_period("M").to_numpy(),
                             "value": 1.0})
    k1 = kpi_region[kpi_region["kpi"] == "K1"]
    intake = pd.DataFrame({"region": k1["region"].to_numpy(),
                           "month": pd.to_datetime(k1["peildatum"]).dt.to_period("M").to_numpy(),
                           "value": k1["value_month"].astype("float64").to_numpy()})
    parts = [_jumps(delivered, "delivered_rows", fill=True), _jumps(accepted, "accepted_measurements", fill=True),
             _jumps(intake, "k1_intake", fill=False)]
    view = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    return view.astype({"value": "float64", "previous_mean": "float64", "ratio": "float64"})


def _comparison(name: str, value: pd.Series, reference: pd.Series, month: str | None = None) -> pd.DataFrame:
    """value and reference indexed alike by region (or region, month); a side missing counts as 0."""
    import pandas as pd

    joined = pd.concat({"value": value, "reference": reference}, axis=1).fillna(0).reset_index()
    if month is not None:
        joined["month"] = month
    return joined.assign(comparison=name)[["comparison", "region", "month", "value", "reference"]]


def cross_table_view(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """tables by warehouse name: ingest_log, measurements, trajectory_catalogue, trajectories, kpi_region_month,
    kpi_national_month, change_scores_month, scba_overview."""
    import pandas as pd

    log = tables["ingest_log"]
    log = log[log["status"] != "duplicate"]
    measurements, trajectories = tables["measurements"], tables["trajectories"]
    accepted = log.groupby(["kind", "region"])["rows_accepted"].sum()

    def by_region(series: pd.Series) -> pd.Series:
        return series.rename_axis("region")

    def kind(name: str) -> pd.Series:
        return accepted.xs(name, level="kind") if name in accepted.index.get_level_values("kind") \
            else pd.Series(dtype="float64")

    frames = [
        _comparison("ingest_measurements_stored", by_region(measurements.groupby("regio").size()),
                    kind("measurements").rename_axis("region"), ALL_MONTHS),
        _comparison("ingest_catalogue_stored", by_region(tables["trajectory_catalogue"].groupby("regio").size()),
                    kind("trajectory_catalogue").rename_axis("region"), ALL_MONTHS),
        _comparison("trajectories_equal_t0", by_region(trajectories.groupby("regio").size()),
                    by_region(measurements[measurements["meetmoment"] == "T0"].groupby("regio").size()), ALL_MONTHS),
    ]
    regional, national = tables["kpi_region_month"], tables["kpi_national_month"]
    wide = _wide_kpis(regional, national)
    if len(wide):
        k1 = wide["K1"].drop(NATIONAL, level="region", errors="ignore")
        starts = pd.to_datetime(trajectories["meetdatum_t0"])
        reached = pd.Series({(region, month): float(((trajectories["regio"] == region)
                                                     & (starts <= pd.Period(month, "M").end_time)).sum())
                             for region, month in k1.index}, dtype="float64")
        reached.index = k1.index
        frames.append(_comparison("k1_equals_trajectories", k1, reached))
        sums = k1.groupby(level="month").sum()
        national_k1 = wide["K1"].xs(NATIONAL, level="region") if NATIONAL in wide.index.get_level_values(0) \
            else pd.Series(dtype="Float64")

        def nation(series: pd.Series) -> pd.Series:
            return pd.Series(series.to_numpy(), index=pd.MultiIndex.from_product(
                [[NATIONAL], series.index], names=["region", "month"]), dtype="Float64")

        frames.append(_comparison("national_k1_is_sum", nation(national_k1), nation(sums)))
        changes = tables["change_scores_month"]
        if len(changes):
            largest = changes.assign(month=_month(changes["peildatum"])).groupby(["region", "month"])["n"].max()
            frames.append(_comparison("change_scores_within_d5", largest.astype("Float64"),
                                      wide["D5"].reindex(largest.index)))
        scba = tables["scba_overview"]
        scba = scba[scba["scenario"] == "basis"].assign(month=lambda f: _month(f["peildatum"]))
        months = sorted(set(scba["month"]) & set(wide.index.get_level_values("month")))
        if months:  # only months with both: an SCBA not yet run for a month is no disagreement
            scba = scba[scba["month"].isin(months)].set_index(["region", "month"])
            basis = _wide_kpis(regional, national, "n_basis")

            def quantity(prefix: str) -> pd.Series:
                return scba.loc[scba["item"].str.startswith(prefix), "quantity"].astype("Float64")

            def in_months(series: pd.Series) -> pd.Series:
                return series[series.index.get_level_values("month").isin(months)]

            frames.append(_comparison("scba_cohort_equals_d6_basis", quantity("Deelnemers in cohort"),
                                      in_months(basis["D6"])))
            frames.append(_comparison("scba_measured_equals_d5", quantity("Waarvan gemeten"), in_months(wide["D5"])))
    view = pd.concat(frames, ignore_index=True)
    view["value"] = view["value"].astype("float64")
    view["reference"] = view["reference"].astype("float64")
    return view.sort_values(["comparison", "region", "month"], ignore_index=True)


VIEW_TABLES = ("ingest_log", "measurements", "trajectory_catalogue", "trajectories", "kpi_region_month",
               "kpi_national_month", "change_scores_month", "scba_overview")


def read_tables(engine: sa.Engine) -> dict[str, pd.DataFrame]:
    """The stored tables the views need, whole (all regions, all months)."""
    from llo import warehouse as wh

    tables = {t.name: t for t in (wh.INGEST_LOG, wh.MEASUREMENTS, wh.TRAJECTORY_CATALOGUE, wh.TRAJECTORIES,
                                  wh.KPI_REGION_MONTH, wh.KPI_NATIONAL_MONTH, wh.CHANGE_SCORES_MONTH,
                                  wh.SCBA_OVERVIEW)}
    return {name: wh.read_typed(engine, table) if table in wh.SCHEMA_OF else wh.read_table(engine, table)
            for name, table in tables.items()}


def views(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every suite's view from the stored tables (see read_tables)."""
    regional, national = tables["kpi_region_month"], tables["kpi_national_month"]
    return {"t1_response": t1_response_view(regional, national),
            "month_over_month": month_over_month_view(tables["ingest_log"], tables["measurements"], regional),
            "improvement_share": improvement_share_view(regional, national),
            "cross_table": cross_table_view(tables)}


# ---------------------------------------------------------------------------------------------------------
# Great Expectations: the file data context, suites from RULES, validation, Data Docs.


DOCS_DIR = "data-docs"


def default_folder() -> Path:
    return llo_home() / "kwaliteit" / "gx"


def docs_folder(folder: Path | None = None) -> Path:
    """The Data Docs site sits beside the GX project: <folder>/../data-docs."""
    return Path(folder or default_folder()).resolve().parent / DOCS_DIR


def docs_link(path: Path) -> str:
    """The address to open a Data Docs page: under LLO_SITE_URL (where `llo ui` serves LLO_HOME) when the page
    lies in LLO_HOME, else a file:// URI."""
    path = Path(path).resolve()
    base = settings.site_url()
    if base:
        try:
            return f"{base}/{path.relative_to(llo_home()).as_posix()}"
        except ValueError:
            pass
    return path.as_uri()


def _quiet_gx() -> None:
    # GX 1.x sends no usage statistics, but older 1.x releases did unless this was false.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import logging

    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def _context(folder: Path | None = None):
    """The file data context under `folder`, configured from code: analytics and progress bars off, one Data
    Docs site at docs_folder(folder). Configuration is written only when it differs, so concurrent readers
    see a stable file."""
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    folder = Path(folder or default_folder()).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", context_root_dir=folder)
    site = {"class_name": "SiteBuilder", "show_how_to_buttons": False,
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(docs_folder(folder))}}
    changed = False
    if context.list_data_docs_sites() != {SITE: site}:
        context.variables.data_docs_sites = {SITE: site}
        changed = True
    if context.variables.analytics_enabled is not False:
        context.variables.analytics_enabled = False
        changed = True
    bars = context.variables.progress_bars
    if not bars or bars.get("globally") is not False or bars.get("metric_calculations") is not False:
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        changed = True
    if changed:
        context.variables.save()
        context = gx.get_context(mode="file", context_root_dir=folder)  # stores re-read with the new sites
    return context


def _condition(rule: Rule):
    from great_expectations.expectations.row_conditions import Column

    condition = None
    for column, op, value in rule.where:
        part = Column(column) >= value if op == ">=" else Column(column) == value
        condition = part if condition is None else condition & part
    return condition


def expectation(rule: Rule):
    """The GX expectation of a rule: its name and reason are notes (shown in Data Docs), and its name, band and
    assets ride along in meta. Severity warning: these are plausibility bands."""
    import great_expectations.expectations as gxe

    meta = {"rule": rule.name, "band": rule.band(), "assets": list(rule.assets)}
    common = {"meta": meta, "notes": f"{rule.name}: {rule.reason}", "severity": "warning",
              **({"row_condition": _condition(rule)} if rule.where else {})}
    if rule.kind == "between":
        return gxe.ExpectColumnValuesToBeBetween(column=rule.column, min_value=rule.low, max_value=rule.high,
                                                 mostly=rule.mostly, **common)
    if rule.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=rule.column, mostly=rule.mostly, **common)
    if rule.kind == "equal":
        return gxe.ExpectColumnPairValuesToBeEqual(column_A=rule.column, column_B=rule.other, mostly=rule.mostly,
                                                   **common)
    if rule.kind == "at_most":  # column <= other, as other >= column
        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A=rule.other, column_B=rule.column, or_equal=True,
                                                           mostly=rule.mostly, **common)
    if rule.kind == "rows":
        return gxe.ExpectTableRowCountToBeBetween(min_value=int(rule.low), **common)
    raise ValueError(f"rule {rule.name}: unknown kind {rule.kind!r}")


def _plain(expectation) -> dict:
    """An expectation's configuration without its store id, to compare stored with wanted."""
    return {k: v for k, v in expectation.configuration.to_json_dict().items() if k != "id"}


def _suite(context, suite: Suite):
    """Create or update the suite from RULES; unchanged suites are not rewritten."""
    import great_expectations as gx
    from great_expectations.exceptions import DataContextError

    wanted = gx.ExpectationSuite(name=suite.name, expectations=[expectation(r) for r in rules(suite.name)],
                                 meta={"description": suite.description})
    try:
        stored = context.suites.get(suite.name)
    except DataContextError:
        return context.suites.add(wanted)
    same = [_plain(e) for e in stored.expectations] == [_plain(e) for e in wanted.expectations]
    if same and stored.meta.get("description") == suite.description:
        return stored
    return context.suites.add_or_update(wanted)


def _checkpoint(context, suite: Suite):
    """Suite, batch definition (a whole DataFrame), validation definition and checkpoint of one suite. The
    checkpoint asks for every failing row with its keys. It has no UpdateDataDocsAction: that action builds the
    site once per suite, compiling GX's page templates each time (about a second); `validate` updates the
    pages of all its results in one build instead."""
    import great_expectations as gx
    from great_expectations.exceptions import DataContextError

    try:
        source = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = source.get_asset(suite.name)
    except LookupError:
        asset = source.add_dataframe_asset(suite.name)
    try:
        batch = asset.get_batch_definition(BATCH)
    except KeyError:
        batch = asset.add_batch_definition_whole_dataframe(BATCH)
    stored_suite = _suite(context, suite)
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": list(suite.keys),
                     "partial_unexpected_count": 20}
    try:
        checkpoint = context.checkpoints.get(suite.name)
        definition = checkpoint.validation_definitions[0]
        fresh = (definition.suite.id == stored_suite.id and definition.data.id == batch.id
                 and checkpoint.result_format == result_format and not checkpoint.actions)
        if fresh:
            return checkpoint
    except (DataContextError, IndexError, ValueError):
        pass
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=stored_suite))
    return context.checkpoints.add_or_update(gx.Checkpoint(
        name=suite.name, validation_definitions=[definition], result_format=result_format, actions=[]))


def _drop_obsolete(context) -> None:
    """Suites (with their checkpoint and validation definition) no longer in SUITES: code is the source."""
    from great_expectations.exceptions import DataContextError

    for name in {s.name for s in context.suites.all()} - set(BY_NAME):
        for remove in (context.checkpoints.delete, context.validation_definitions.delete, context.suites.delete):
            with contextlib.suppress(DataContextError, KeyError, ValueError):  # a part already absent is fine
                remove(name=name)


def ensure_suites(folder: Path | None = None) -> list[str]:
    """Create or update every suite (and its checkpoint) from RULES; returns the suite names."""
    context = _context(folder)
    _drop_obsolete(context)
    for suite in SUITES:
        _checkpoint(context, suite)
    return sorted(s.name for s in context.suites.all())


@dataclass
class Outcome:
    """The result of one suite on one view: what failed, where, and where to read more."""

    suite: str
    success: bool
    evaluated: int
    failed: int  # expectations that failed
    problems: pd.DataFrame  # rule, column, band, <keys>, observed, status (failed / tolerated by mostly)
    checked_at: str
    result_page: Path | None
    docs_index: Path
    by_rule: dict[str, bool] = field(default_factory=dict)  # rule name -> passed

    def for_assets(self, asset: str) -> tuple[bool, int, pd.DataFrame]:
        """Passed, rules evaluated and problem rows of the rules that concern one asset."""
        mine = {r.name for r in rules(self.suite) if asset in r.assets or not r.assets}
        problems = self.problems[self.problems["rule"].isin(mine)]
        return all(self.by_rule.get(r, True) for r in mine), len(mine), problems


def _observed(rule: Rule, row: dict) -> str:
    def show(value) -> str:
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    if rule.kind in ("equal", "at_most"):
        return f"{show(row.get(rule.column))} vs {show(row.get(rule.other))}"
    return show(row.get(rule.column))


def _outcome(suite: Suite, result, result_page: Path | None, docs_index: Path) -> Outcome:
    import pandas as pd

    by_name = {r.name: r for r in rules(suite.name)}
    problems, by_rule = [], {}
    for item in result.results:
        rule = by_name[item.expectation_config.meta["rule"]]
        by_rule[rule.name] = bool(item.success)
        details = item.result or {}
        status = "tolerated" if item.success else "failed"
        if item.exception_info and item.exception_info.get("raised_exception"):
            problems.append({"rule": rule.name, "column": rule.column, "band": rule.band(), "status": "error",
                             "observed": str(item.exception_info.get("exception_message"))[:200]})
            by_rule[rule.name] = False
            continue
        if rule.kind == "rows":
            if not item.success:
                problems.append({"rule": rule.name, "column": "*", "band": rule.band(), "status": status,
                                 "observed": f"{details.get('observed_value')} rows"})
            continue
        for row in details.get("unexpected_index_list") or []:
            problems.append({"rule": rule.name, "column": rule.column if rule.kind not in ("equal", "at_most")
                             else f"{rule.column}, {rule.other}", "band": rule.band(), "status": status,
                             **{k: row.get(k) for k in suite.keys}, "observed": _observed(rule, row)})
    columns = ["rule", "column", "band", *suite.keys, "observed", "status"]
    frame = pd.DataFrame(problems, columns=columns).sort_values(
        ["status", "rule", *suite.keys], key=lambda s: s.astype(str), ignore_index=True)
    statistics = result.statistics
    return Outcome(suite=suite.name, success=bool(result.success),
                   evaluated=int(statistics["evaluated_expectations"]),
                   failed=int(statistics["unsuccessful_expectations"]), problems=frame,
                   checked_at=str(result.meta["run_id"].run_time.isoformat(timespec="seconds")),
                   result_page=result_page, docs_index=docs_index, by_rule=by_rule)


def _page(context, identifier) -> Path | None:
    from urllib.parse import unquote, urlparse

    urls = context.get_docs_sites_urls(resource_identifier=identifier, site_name=SITE, only_if_exists=False)
    url = urls[0].get("site_url") if urls else None
    return Path(unquote(urlparse(url).path)) if url and url.startswith("file:") else None


_TRACKER = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/([\w.-]+)(\?[^\"')]*)?")


# GX's page templates load Bootstrap, jQuery, Font Awesome and Vega from public CDNs. The pages are rendered on
# the server side, so without them they stay complete; a small local stylesheet keeps them readable offline.
_EXTERNAL = re.compile(r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>|<link[^>]*\bhref=[\"']https?://[^>]*>",
                       re.IGNORECASE)
OFFLINE_CSS = """body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1d1d1b; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } td, th { border: 1px solid #ccc; padding: .25rem .5rem; }
th { background: #f0f0f0; text-align: left; } .hide, .d-none, .modal { display: none; }
img { max-height: 3rem; } nav, .navbar { margin-bottom: 1rem; } a { color: #0b5394; }
"""


def _local_assets(docs: Path) -> None:
    """Make the site open offline and tell no one about this project: GX's logo comes from S3 with the data
    context id in its URL (point it at the copy in static/images); CDN scripts and styles are dropped in favour
    of a local stylesheet."""
    images, styles = docs / "static" / "images", docs / "static" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    (styles / "llo-offline.css").write_text(OFFLINE_CSS, encoding="utf-8")
    for page in [*docs.rglob("*.html"), *docs.glob("static/styles/*.css")]:
        text = page.read_text(encoding="utf-8")
        relative = os.path.relpath(images, page.parent).replace(os.sep, "/")
        local = _TRACKER.sub(lambda m, to=relative: f"{to}/{_local_image(images, m.group(1))}", text)
        if page.suffix == ".html" and _EXTERNAL.search(local):
            sheet = os.path.relpath(styles / "llo-offline.css", page.parent).replace(os.sep, "/")
            local = _EXTERNAL.sub("", local).replace("</head>", f'<link rel="stylesheet" href="{sheet}"></head>', 1)
        if local != text:
            page.write_text(local, encoding="utf-8")


def _local_image(images: Path, name: str) -> str:
    return name if (images / name).exists() else "logo-long.png"


def validate(views_by_suite: dict[str, pd.DataFrame], folder: Path | None = None, *,
             update_docs: bool = True) -> dict[str, Outcome]:
    """Validate each suite's view and store the results; `update_docs` adds their pages (and the index) to
    Data Docs at once, else they appear at the next build_data_docs."""
    context = _context(folder)
    docs = docs_folder(folder)
    outcomes, identifiers = {}, []
    for name, view in views_by_suite.items():
        suite = BY_NAME[name]
        run = _checkpoint(context, suite).run(batch_parameters={"dataframe": view})
        identifier, result = next(iter(run.run_results.items()))
        identifiers.append(identifier)
        outcomes[name] = _outcome(suite, result, _page(context, identifier), docs / "index.html")
    if identifiers and update_docs:
        context.build_data_docs(site_names=[SITE], resource_identifiers=identifiers)
        _local_assets(docs)
    return outcomes


def validate_warehouse(engine: sa.Engine, folder: Path | None = None,
                       suites: list[str] | None = None) -> dict[str, Outcome]:
    """Read the stored tables, build the views and validate them (all suites unless named)."""
    every = views(read_tables(engine))
    return validate({name: every[name] for name in (suites or list(BY_NAME))}, folder)


def build_data_docs(folder: Path | None = None) -> Path:
    """(Re)build the whole Data Docs site from the suites and stored results; returns its index.html."""
    context = _context(folder)
    ensure_suites(folder)
    context.build_data_docs(site_names=[SITE])
    docs = docs_folder(folder)
    _local_assets(docs)
    latest = latest_outcomes(folder)
    _add_overview(docs / "index.html", latest)
    summary_file(folder).write_text(json.dumps({"index": str(docs / "index.html"), "suites": latest.to_dict(
        orient="records")}, ensure_ascii=False, indent=1), encoding="utf-8")
    return docs / "index.html"


def summary_file(folder: Path | None = None) -> Path:
    """The latest outcome per suite as JSON beside the site, written with every build: what the reports show."""
    return docs_folder(folder).parent / "uitkomsten.json"


def index_of(summary: Path) -> Path:
    """The Data Docs index beside a summary file."""
    return summary.parent / DOCS_DIR / "index.html"


def _add_overview(index: Path, latest: pd.DataFrame) -> None:
    """GX's index fills its tables with JavaScript from a CDN; a plain table of the latest result per suite at
    the top keeps the index useful offline and puts the answer researchers look for first."""
    from html import escape

    def link(path: str) -> str:
        return os.path.relpath(path, index.parent).replace(os.sep, "/")

    rows = "".join(
        f"<tr><td><a href=\"{escape(link(r.data_docs))}\">{escape(r.suite)}</a></td><td>{escape(r.description)}</td>"
        f"<td>{'voldaan' if r.success else 'NIET voldaan'}</td><td>{r.evaluated}</td><td>{r.failed}</td>"
        f"<td>{escape(r.checked_at)}</td></tr>" for r in latest.itertuples())
    section = (f'<section id="llo-overzicht" style="margin:1rem"><h2>Laatste uitkomst per suite</h2><table>'
               "<tr><th>suite</th><th>wat</th><th>uitkomst</th><th>verwachtingen</th><th>niet voldaan</th>"
               f"<th>gecontroleerd</th></tr>{rows}</table></section>")
    text = index.read_text(encoding="utf-8")
    text = re.sub(r'<section id="llo-overzicht".*?</section>', "", text, flags=re.S)
    index.write_text(re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + section, text, count=1), encoding="utf-8")


def latest_outcomes(folder: Path | None = None) -> pd.DataFrame:
    """The latest stored result per suite: suite, description, success, evaluated, failed, checked_at and
    data_docs (the result's page, or the index when the page is not built). Empty without results."""
    import pandas as pd

    columns = ["suite", "description", "success", "evaluated", "failed", "checked_at", "data_docs"]
    context = _context(folder)
    store = context.validation_results_store
    latest = {}
    for key in store.list_keys():
        name = key.expectation_suite_identifier.name
        if name in BY_NAME and (name not in latest or key.run_id.run_time > latest[name].run_id.run_time):
            latest[name] = key
    rows = []
    index = docs_folder(folder) / "index.html"
    for name in [s.name for s in SUITES if s.name in latest]:
        key = latest[name]
        result = store.get(key)
        page = _page(context, key)
        rows.append({"suite": name, "description": BY_NAME[name].description, "success": bool(result.success),
                     "evaluated": int(result.statistics["evaluated_expectations"]),
                     "failed": int(result.statistics["unsuccessful_expectations"]),
                     "checked_at": key.run_id.run_time.isoformat(timespec="seconds"),
                     "data_docs": str(page if page is not None and page.exists() else index)})
    return pd.DataFrame(rows, columns=columns)


def result_count(folder: Path | None = None) -> int:
    """How many validation results the store holds."""
    return len(_context(folder).validation_results_store.list_keys())
