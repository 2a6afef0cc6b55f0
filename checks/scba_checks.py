"""Checks of the SCBA tables: plain functions returning offending rows (empty: passed); see kpi_checks.result."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    import pandas as pd

PARAMETER_FILE_VALID = "parameter_file_valid"
TRANSFERS_CANCEL = "transfers_cancel_out"
DISTRIBUTION_ADDS_UP = "distribution_adds_up_to_saldo"
MONTE_CARLO_NEAR = "monte_carlo_median_near_estimate"

PARAMETER_CHECKS = [dg.AssetCheckSpec(
    PARAMETER_FILE_VALID, asset="scba_parameter_file", blocking=True,
    description="The SCBA parameter file parses, has every parameter with value, unit, source and range.")]
SCBA_CHECKS = [
    dg.AssetCheckSpec(TRANSFERS_CANCEL, asset="scba_distribution", blocking=True,
                      description="Transfers (wages, taxes, benefits) sum to zero over the actors."),
    dg.AssetCheckSpec(DISTRIBUTION_ADDS_UP, asset="scba_distribution",
                      description="The actors' effects add up to the saldo of the overview."),
    dg.AssetCheckSpec(MONTE_CARLO_NEAR, asset="scba_monte_carlo",
                      description="The Monte Carlo median lies near the deterministic saldo: within a quarter of "
                                  "the P10-P90 spread of the draws."),
]


def _tolerance(values: pd.Series) -> float:
    return 1e-6 * max(1.0, float(values.abs().max() if len(values) else 0.0))


def transfers_not_cancelling(distribution: pd.DataFrame) -> pd.DataFrame:
    transfers = distribution[distribution["kind"] == "transfer"]
    sums = transfers.groupby(["peildatum", "scenario", "region", "variant"])["value"].sum()
    return sums[sums.abs() > _tolerance(transfers["value"])].rename("transfer_sum").reset_index()


def distribution_not_saldo(distribution: pd.DataFrame, overview: pd.DataFrame) -> pd.DataFrame:
    key = ["peildatum", "scenario", "region", "variant"]
    measured = distribution[~distribution["kind"].isin(["saldo", "pm"])]  # PM rows have no value
    effects = measured.groupby(key)["value"].sum(min_count=1).rename("sum_of_actors")
    saldo = overview[overview["item"] == "Saldo (netto contante waarde)"].set_index(key)["value"].rename("saldo")
    both = saldo.to_frame().join(effects, how="outer")
    bad = (both["saldo"] - both["sum_of_actors"]).abs() > _tolerance(both["saldo"].fillna(0))
    return both[bad.fillna(True)].reset_index()


def monte_carlo_far(monte_carlo: pd.DataFrame) -> pd.DataFrame:
    """Rows whose median is further from the deterministic saldo than a quarter of the P10-P90 spread."""
    spread = (monte_carlo["npv_p90"] - monte_carlo["npv_p10"]) / 4
    allowed = spread.clip(lower=1e-6 * monte_carlo["npv_deterministic"].abs().clip(lower=1.0))
    outside = (monte_carlo["npv_p50"] - monte_carlo["npv_deterministic"]).abs() > allowed
    return monte_carlo.loc[outside, ["peildatum", "scenario", "region", "variant", "npv_deterministic", "npv_p10",
                                     "npv_p50", "npv_p90"]]
