"""Paired T0 -> T1 change scores with 95% confidence intervals and an effect size (research question 1).

Every statistic follows from four sums per group: the number of pairs n, the sum of the T0 scores, of the changes
and of the squared changes. Sums add up over months, so a whole series of peildata costs one pass over the
trajectories (each pair counts from the first peildatum on or after its T1) instead of one per month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.contract import Measurement
from checks.outputs import CHANGE_SCORES_MONTH
from llo import trajectories as tr
from llo.kpi import NATIONAL
from llo.settings import MIN_PARTICIPANTS

LABELS = {name: Measurement.to_schema().columns[name].title for name in tr.SCORES}
COLUMNS = ["regio", "meetdatum_t1", *(f"{name}_{part}" for name in tr.SCORES for part in ("t0", "verschil"))]


def from_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """n, means, mean change with a t-based 95% interval and Cohen's d_z (mean change / sd of the change)."""
    from scipy import stats

    n = sums["n"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_t0, mean = sums["t0"] / n, sums["d"] / n
        # sum of squared deviations: exactly 0 for equal changes, since the scores are whole numbers
        sd = np.sqrt(((sums["dd"] - sums["d"] ** 2 / n) / (n - 1)).clip(lower=0)).where(n >= 2)
        half = pd.Series(stats.t.ppf(0.975, n - 1), index=sums.index) * sd / np.sqrt(n)
        return pd.DataFrame({"n": sums["n"], "mean_t0": mean_t0, "mean_t1": mean_t0 + mean, "mean_change": mean,
                             "sd_change": sd, "ci_low": mean - half, "ci_high": mean + half,
                             "effect_size": (mean / sd).where(sd > 0)}, index=sums.index)


def _sums(measured: pd.DataFrame, bucket: np.ndarray, buckets: int) -> pd.DataFrame:
    """The four sums per region, variable and bucket (peildatum) of the participants with a T0 score and a change,
    added up by np.bincount on a (region, bucket) code: no row per participant and score is built."""
    codes, regions = pd.factorize(measured["regio"], sort=True)
    key, size = codes * buckets + bucket, len(regions) * buckets
    names, frames = ["region", "variable", "bucket"], []
    for name in tr.SCORES:
        before = measured[f"{name}_t0"].map(tr.LEVEL_RANK) if name in tr.LEVEL_SCORES else measured[f"{name}_t0"]
        t0, d = before.astype("float64").to_numpy(), measured[f"{name}_verschil"].astype("float64").to_numpy()
        paired = ~(np.isnan(t0) | np.isnan(d))
        k, t0, d = key[paired], t0[paired], d[paired]
        frames.append(pd.DataFrame(
            {"n": np.bincount(k, minlength=size), "t0": np.bincount(k, t0, size), "d": np.bincount(k, d, size),
             "dd": np.bincount(k, d * d, size)},
            index=pd.MultiIndex.from_product([regions, [name], range(buckets)], names=names)))
    return pd.concat(frames)


def change_scores_months(trajectories: pd.DataFrame, peildata: list[pd.Timestamp],
                         min_participants: int = MIN_PARTICIPANTS) -> pd.DataFrame:
    """Per peildatum, region (those with a participant measured by then) and the nation, for every score: the
    paired change of the participants whose T1 lies on or before the peildatum."""
    days = pd.DatetimeIndex(sorted(set(map(pd.Timestamp, peildata))))
    measured = trajectories[trajectories["meetdatum_t1"].notna()]
    bucket = days.searchsorted(measured["meetdatum_t1"].to_numpy(), side="left")  # first peildatum on or after
    measured, bucket = measured[bucket < len(days)], bucket[bucket < len(days)]
    regions = sorted(set(measured["regio"]))
    grid = pd.MultiIndex.from_product([[*regions, NATIONAL], list(tr.SCORES), range(len(days))],
                                      names=["region", "variable", "bucket"])
    per_region = _sums(measured, bucket, len(days))
    national = per_region.groupby(level=["variable", "bucket"]).sum().assign(region=NATIONAL).set_index(
        "region", append=True).reorder_levels(grid.names)
    sums = pd.concat([per_region, national]).reindex(grid, fill_value=0).groupby(level=["region", "variable"]).cumsum()
    # a region is listed from the first peildatum on which it has a measured participant
    first = pd.Series(bucket, index=measured.index).groupby(measured["regio"]).min()
    listed = np.where(sums.index.get_level_values("region") == NATIONAL, 0,
                      sums.index.get_level_values("region").map(first).fillna(len(days)))
    sums = sums[sums.index.get_level_values("bucket") >= listed]
    out = from_sums(sums).reset_index()
    out["peildatum"] = days[out["bucket"].to_numpy()]
    out["label"] = out["variable"].map(LABELS)
    out["n"] = out["n"].astype("Int64")
    out["suppress"] = (out["n"] < min_participants).astype(bool)
    out = out.assign(national=out["region"] == NATIONAL, score=out["variable"].map(tr.SCORES.index))
    out = out.sort_values(["peildatum", "national", "region", "score"], ignore_index=True)  # the nation last
    return out[list(CHANGE_SCORES_MONTH.columns)]


def change_scores(state: pd.DataFrame, peildatum: pd.Timestamp,
                  min_participants: int = MIN_PARTICIPANTS) -> pd.DataFrame:
    """The change scores of one peildatum from trajectories as of that day (`trajectories.as_of`)."""
    return change_scores_months(state[state["status"] == tr.GEMETEN], [peildatum], min_participants)
