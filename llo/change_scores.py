"""Paired T0 -> T1 change scores with 95% confidence intervals and an effect size (research question 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.contract import Measurement
from checks.outputs import CHANGE_SCORES_MONTH
from llo import trajectories as tr
from llo.kpi import NATIONAL
from llo.settings import MIN_PARTICIPANTS

LABELS = {name: Measurement.to_schema().columns[name].title for name in tr.SCORES}


def paired_change(before: pd.Series, change: pd.Series) -> dict:
    """n, means, mean change with a t-based 95% interval and Cohen's d_z (mean change / sd of the change)."""
    from scipy import stats

    pairs = pd.DataFrame({"t0": before, "d": change}).astype("float64").dropna()
    n = len(pairs)
    out = {"n": n, "mean_t0": np.nan, "mean_t1": np.nan, "mean_change": np.nan, "sd_change": np.nan,
           "ci_low": np.nan, "ci_high": np.nan, "effect_size": np.nan}
    if n == 0:
        return out
    mean = pairs["d"].mean()
    out.update(mean_t0=pairs["t0"].mean(), mean_t1=pairs["t0"].mean() + mean, mean_change=mean)
    if n >= 2:
        sd = pairs["d"].std(ddof=1)
        half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
        out.update(sd_change=sd, ci_low=mean - half, ci_high=mean + half,
                   effect_size=mean / sd if sd > 0 else np.nan)
    return out


def change_scores(state: pd.DataFrame, peildatum: pd.Timestamp,
                  min_participants: int = MIN_PARTICIPANTS) -> pd.DataFrame:
    """Per region and nationally, for every score: the paired change of participants measured by the peildatum."""
    measured = state[state["status"] == tr.GEMETEN]
    groups = [(region, rows) for region, rows in measured.groupby("regio", sort=True)] + [(NATIONAL, measured)]
    records = []
    for region, rows in groups:
        for name in tr.SCORES:
            before = rows[f"{name}_t0"].map(tr.LEVEL_RANK) if name in tr.LEVEL_SCORES else rows[f"{name}_t0"]
            records.append({"peildatum": pd.Timestamp(peildatum), "region": region, "variable": name,
                            "label": LABELS[name], **paired_change(before, rows[f"{name}_verschil"])})
    out = pd.DataFrame(records, columns=list(CHANGE_SCORES_MONTH.columns)[:-1])
    out["n"] = out["n"].astype("Int64")
    out["suppress"] = (out["n"] < min_participants).astype(bool)
    return out
