"""Checks of the trajectories and the monthly KPI tables, shown in the Dagster UI.

Each check is a plain function over DataFrames that returns the offending rows (empty: passed), so tests
can feed it broken tables; `result()` turns that into an AssetCheckResult with the facts needed to act.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:  # pandas is imported where it is used, so the code location loads without it
    import pandas as pd

TRAJECTORY_ACCOUNTING = "one_row_per_intake"
NATIONAL_EQUALS_REGIONS = "national_equals_sum_of_regions"
CUMULATIVE = "cumulative_counts_never_decrease"
K1_COVERS_MEASURED = "k1_at_least_participants_with_t1"
BASIS_PRESENT = "basis_n_present"
CONTEXT_COVERAGE = "context_for_every_region"
BREAKDOWN_ADDS_UP = "groups_add_up_to_the_kpis"

TRAJECTORY_CHECKS = [dg.AssetCheckSpec(
    TRAJECTORY_ACCOUNTING, asset="trajectories", blocking=True,
    description="One trajectory per participant with a T0, and as many measured trajectories as stored T1s.")]
KPI_CHECKS = [
    dg.AssetCheckSpec(NATIONAL_EQUALS_REGIONS, asset="kpi_national_month", blocking=True,
                      description="Every national count, basis and target equals the sum over the active regions."),
    dg.AssetCheckSpec(CUMULATIVE, asset="kpi_region_month",
                      description="Cumulative KPIs never decrease from one stored month to the next, per region."),
    dg.AssetCheckSpec(CUMULATIVE, asset="kpi_national_month",
                      description="Cumulative national KPIs never decrease from one stored month to the next."),
    dg.AssetCheckSpec(K1_COVERS_MEASURED, asset="kpi_region_month",
                      description="K1 (participants reached) is at least the participants with a T1 (D5)."),
    dg.AssetCheckSpec(BASIS_PRESENT, asset="kpi_region_month",
                      description="Every KPI row has its basis n, and the count does not exceed it."),
    dg.AssetCheckSpec(CONTEXT_COVERAGE, asset="kpi_region_month",
                      description="Every region in the KPI table has context factors (warns otherwise)."),
]

BREAKDOWN_CHECKS = [dg.AssetCheckSpec(
    BREAKDOWN_ADDS_UP, asset="kpi_breakdown_month", blocking=True,
    description="In every dimension the groups' counts and bases add up to the KPI table's figures of the region "
                "(and the nation): no participant is left out of a breakdown or counted twice.")]


def breakdown_mismatches(breakdown: pd.DataFrame, regional: pd.DataFrame) -> pd.DataFrame:
    """(peildatum, region, dimension, measure) rows whose groups do not add up to the KPI row of the region or to
    the sum over the regions for the nation."""
    import pandas as pd

    from llo.monitor.kpi import NATIONAL

    counts = breakdown[~breakdown["measure"].str.startswith("verandering ")]
    sums = counts.groupby(["peildatum", "region", "dimension", "measure"])[["value", "n_basis"]].sum().reset_index()
    kpis = regional[["peildatum", "region", "kpi", "value", "n_basis"]].rename(columns={"kpi": "measure"})
    nation = kpis.groupby(["peildatum", "measure"])[["value", "n_basis"]].sum().reset_index().assign(region=NATIONAL)
    expected = pd.concat([kpis, nation], ignore_index=True)
    joined = sums.merge(expected, on=["peildatum", "region", "measure"], how="left", suffixes=("", "_kpi"))
    bad = (joined["value"] != joined["value_kpi"].astype("float64")) | \
        (joined["n_basis"].astype("float64") != joined["n_basis_kpi"].astype("float64"))
    return joined[bad.fillna(True)].reset_index(drop=True)


def trajectory_accounting(trajectories: pd.DataFrame, measurements: pd.DataFrame) -> pd.DataFrame:
    """Per region: T0 and T1 rows stored against trajectory rows and measured trajectories, where they differ."""
    import pandas as pd

    moments = measurements.groupby(["regio", "meetmoment"]).size().unstack(fill_value=0)
    facts = pd.DataFrame({
        "t0_rows": moments.get("T0", pd.Series(dtype=int)), "t1_rows": moments.get("T1", pd.Series(dtype=int)),
        "trajectories": trajectories.groupby("regio").size(),
        "with_t1": trajectories.groupby("regio")["meetdatum_t1"].count()}).fillna(0).astype(int)
    return facts[(facts["t0_rows"] != facts["trajectories"]) | (facts["t1_rows"] != facts["with_t1"])].reset_index()


def national_mismatches(regional: pd.DataFrame, national: pd.DataFrame) -> pd.DataFrame:
    """(peildatum, kpi) rows whose national figure differs from the sum of the regions."""
    columns = ["value", "value_month", "n_basis", "target"]
    sums = regional.groupby(["peildatum", "kpi"])[columns].sum(min_count=1)
    mine = national.set_index(["peildatum", "kpi"])[columns]
    sums = sums.reindex(mine.index.union(sums.index))
    mine = mine.reindex(sums.index)
    differs = ~((mine.astype("Float64") == sums.astype("Float64")).fillna(False) | (mine.isna() & sums.isna()))
    bad = differs.any(axis=1)
    return mine[bad].join(sums[bad], rsuffix="_sum_of_regions").reset_index()


def decreases(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Rows of cumulative KPIs whose value is lower than in the month before (stored months, in order)."""
    cumulative = table[table["cumulative"].astype(bool)].sort_values([*by, "kpi", "peildatum"])
    previous = cumulative.groupby([*by, "kpi"])["value"].shift()
    bad = cumulative["value"] < previous
    return cumulative.loc[bad.fillna(False), [*by, "kpi", "peildatum", "value"]].assign(previous=previous[bad])


def k1_below_measured(regional: pd.DataFrame) -> pd.DataFrame:
    wide = regional.pivot_table(index=["peildatum", "region"], columns="kpi", values="value", aggfunc="first")
    return wide.loc[wide["K1"] < wide["D5"], ["K1", "D5"]].reset_index()


def basis_problems(table: pd.DataFrame) -> pd.DataFrame:
    bad = table["n_basis"].isna() | (table["value"] > table["n_basis"])
    return table.loc[bad.fillna(True), ["peildatum", "region", "kpi", "value", "n_basis"]]


def regions_without_context(regional: pd.DataFrame) -> pd.DataFrame:
    missing = regional.groupby("region")["context_bron"].apply(lambda s: s.isna().all())
    return missing[missing].index.to_frame(index=False)


def result(check: str, asset: str, problems: pd.DataFrame, ok: str, failed: str, *,
           severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR, **metadata) -> dg.AssetCheckResult:
    """An AssetCheckResult with the offending rows as a Markdown table."""
    from assets.metadata import markdown_table

    return dg.AssetCheckResult(
        check_name=check, asset_key=asset, passed=problems.empty, severity=severity,
        description=ok if problems.empty else failed.format(n=len(problems)),
        metadata={"problems": len(problems), "rows": dg.MetadataValue.md(markdown_table(problems)), **metadata})
