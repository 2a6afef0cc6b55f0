"""Plausibility checks for researchers: what is checked, over which aggregate views of the warehouse.

The Pandera contract (checks/contract.py, checks/outputs.py) proves that every row is well formed. What it
cannot see is whether the figures are believable together: a region whose T1 response drops to a third, a
month with ten times the usual deliveries, a share of improved participants near 100%, or two tables that
disagree. Those questions are asked here, of small views: one aggregate DataFrame per suite, one row per
region (or 'nationaal') and month, never a participant. `RULES` holds every band with its reason;
llo.quality.expectations turns them into Great Expectations suites, validates the views and builds the Data Docs.

pandas is imported inside the functions that need it, so that the Dagster code location can import this
module for its check specs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from llo.settings import MIN_PARTICIPANTS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import sqlalchemy as sa

NATIONAL = "nationaal"  # as in llo.monitor.kpi
ALL_MONTHS = "all"  # the month of a comparison over the whole stored table

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
    omschrijving: str  # the description in Dutch, as the reports print it


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
                         "and month", ("region", "month"),
          "T1-respons (D6: eenmetingen afgenomen onder wie de eenmeting heeft gedaan of had moeten doen) per regio "
          "en maand"),
    Suite("month_over_month", "Deliveries, accepted measurements and K1 intake per month against the mean of the "
                              f"{PREVIOUS_MONTHS} months before, per region and nationally",
          ("measure", "region", "month"),
          "Leveringen, geaccepteerde metingen en instroom (K1) per maand tegen het gemiddelde van de "
          f"{PREVIOUS_MONTHS} maanden ervoor, per regio en landelijk"),
    Suite("improvement_share", "Shares of participants with a T1 (D5) who improved: basic skills (D1), labour-market "
                               "position (K3), social inclusion (K5)", ("region", "month"),
          "Aandelen deelnemers met een eenmeting (D5) die vooruitgingen: basisvaardigheden (D1), "
          "arbeidsmarktpositie (K3), sociale inclusie (K5)"),
    Suite("cross_table", "Agreement between tables: ingest log, measurements, trajectories, KPI tables, change "
                         "scores and the SCBA cohort", ("comparison", "region", "month"),
          "Aansluiting tussen de tabellen: leveringslog, metingen, trajecten, KPI-tabellen, veranderscores en het "
          "MKBA-cohort"),
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
         assets=("ingest_log",), reason=f"rows delivered per month of receipt that were not there before (read "
                                       f"minus unchanged, so a cumulative export counts what it adds): {_RATIO_REASON}",
         **_RATIO),
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
               reason="measurement rows stored per region (value) equal the new rows in ingest_log (reference): "
                      "unchanged and corrected rows replace none and add none"),
    _agreement("ingest_catalogue_stored", ("ingest_log",),
               reason="catalogue rows stored per region equal the new catalogue rows in ingest_log"),
    _agreement("ingest_interviews_stored", ("ingest_log",),
               reason="interview findings stored per region equal the new interview rows in ingest_log"),
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
    """measurements: counted (see COUNTED), a `rows` column per region, moment and day."""
    import pandas as pd

    log = ingest_log[ingest_log["status"] != "duplicate"]
    delivered = pd.DataFrame({"region": log["region"].to_numpy(),
                              "month": pd.to_datetime(log["received_at"]).dt.to_period("M").to_numpy(),
                              "value": (log["rows_read"] - log["rows_unchanged"].fillna(0)).astype("float64")
                              .to_numpy()})
    accepted = pd.DataFrame({"region": measurements["regio"].to_numpy(),
                             "month": pd.to_datetime(measurements["meetdatum"]).dt.to_period("M").to_numpy(),
                             "value": measurements["rows"].astype("float64").to_numpy()})
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
    """tables by warehouse name: ingest_log, measurements, trajectory_catalogue, interview_codings (may be left out),
    trajectories, kpi_region_month, kpi_national_month, change_scores_month, scba_overview; measurements and
    trajectories counted (COUNTED)."""
    import pandas as pd

    log = tables["ingest_log"]
    log = log[log["status"] != "duplicate"]
    measurements, trajectories = tables["measurements"], tables["trajectories"]
    accepted = log.groupby(["kind", "region"])["rows_new"].sum()

    def by_region(series: pd.Series) -> pd.Series:
        return series.rename_axis("region")

    def kind(name: str) -> pd.Series:
        return accepted.xs(name, level="kind") if name in accepted.index.get_level_values("kind") \
            else pd.Series(dtype="float64")

    frames = [
        _comparison("ingest_measurements_stored", by_region(measurements.groupby("regio")["rows"].sum()),
                    kind("measurements").rename_axis("region"), ALL_MONTHS),
        _comparison("ingest_catalogue_stored", by_region(tables["trajectory_catalogue"].groupby("regio").size()),
                    kind("trajectory_catalogue").rename_axis("region"), ALL_MONTHS),
        _comparison("ingest_interviews_stored", by_region(tables.get(
            "interview_codings", pd.DataFrame(columns=["regio"])).groupby("regio").size()),
                    kind("interview_codings").rename_axis("region"), ALL_MONTHS),
        _comparison("trajectories_equal_t0", by_region(trajectories.groupby("regio")["rows"].sum()),
                    by_region(measurements[measurements["meetmoment"] == "T0"].groupby("regio")["rows"].sum()),
                    ALL_MONTHS),
    ]
    regional, national = tables["kpi_region_month"], tables["kpi_national_month"]
    wide = _wide_kpis(regional, national)
    if len(wide):
        k1 = wide["K1"].drop(NATIONAL, level="region", errors="ignore")
        # participants with a T0 by the end of each month: intakes per region and month, accumulated
        intakes = (trajectories.groupby(["regio", _month(trajectories["meetdatum_t0"])])["rows"].sum()
                   .unstack(fill_value=0))
        months = sorted(set(intakes.columns) | set(k1.index.get_level_values("month")))
        cumulative = intakes.reindex(columns=months, fill_value=0).cumsum(axis=1).stack()
        reached = cumulative.reindex(list(k1.index), fill_value=0).astype("float64")
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
        # Both variants count the same cohort: one of them is compared.
        scba = scba[(scba["scenario"] == "basis") & (scba["variant"] == "traject")].assign(
            month=lambda f: _month(f["peildatum"]))
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


# The two largest tables (a row per measurement, a row per participant) are only counted by the views: they are
# read as the number of rows per distinct value of these columns (counted in the database), not row by row.
COUNTED = {"measurements": ["regio", "meetmoment", "meetdatum"], "trajectories": ["regio", "meetdatum_t0"]}


def read_tables(engine: sa.Engine) -> dict[str, pd.DataFrame]:
    """The stored tables the views need, whole (all regions, all months); the two largest counted (COUNTED)."""
    from llo import warehouse as wh

    tables = {t.name: t for t in (wh.INGEST_LOG, wh.MEASUREMENTS, wh.TRAJECTORY_CATALOGUE, wh.INTERVIEW_CODINGS,
                                  wh.TRAJECTORIES,
                                  wh.KPI_REGION_MONTH, wh.KPI_NATIONAL_MONTH, wh.CHANGE_SCORES_MONTH,
                                  wh.SCBA_OVERVIEW)}
    return {name: wh.read_counts(engine, table, COUNTED[name]) if name in COUNTED
            else wh.read_typed(engine, table) if table in wh.SCHEMA_OF else wh.read_table(engine, table)
            for name, table in tables.items()}


def views(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every suite's view from the stored tables (see read_tables)."""
    regional, national = tables["kpi_region_month"], tables["kpi_national_month"]
    return {"t1_response": t1_response_view(regional, national),
            "month_over_month": month_over_month_view(tables["ingest_log"], tables["measurements"], regional),
            "improvement_share": improvement_share_view(regional, national),
            "cross_table": cross_table_view(tables)}
