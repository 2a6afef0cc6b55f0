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
from llo.monitor import trajectories as tr
from llo.monitor.kpi import NATIONAL
from llo.settings import MIN_PARTICIPANTS

LABELS = {name: Measurement.to_schema().columns[name].title for name in tr.SCORES}
MEASURED = "measured"  # region_sums: the participants with a T1 on or before the peildatum
SUMS = [MEASURED, *(f"{name} {part}" for name in tr.SCORES for part in ("n", "t0", "d", "dd"))]
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


def _sums(measured: pd.DataFrame, regions: list[str], bucket: np.ndarray, buckets: int) -> pd.DataFrame:
    """The four sums per region, variable and bucket (peildatum) of the participants with a T0 score and a change,
    and the participants measured, added up by np.bincount on a (region, bucket) code: no row per participant and
    score is built."""
    codes = pd.Categorical(measured["regio"], categories=regions).codes.astype("int64")
    key, size = codes * buckets + bucket, len(regions) * buckets
    columns = {MEASURED: np.bincount(key, minlength=size)}
    for name in tr.SCORES:
        before = measured[f"{name}_t0"].map(tr.LEVEL_RANK) if name in tr.LEVEL_SCORES else measured[f"{name}_t0"]
        t0, d = before.astype("float64").to_numpy(), measured[f"{name}_verschil"].astype("float64").to_numpy()
        paired = ~(np.isnan(t0) | np.isnan(d))
        k, t0, d = key[paired], t0[paired], d[paired]
        columns |= {f"{name} n": np.bincount(k, minlength=size), f"{name} t0": np.bincount(k, t0, size),
                    f"{name} d": np.bincount(k, d, size), f"{name} dd": np.bincount(k, d * d, size)}
    return pd.DataFrame(columns, index=pd.MultiIndex.from_product([regions, range(buckets)],
                                                                  names=["region", "bucket"]))


def region_sums(trajectories: pd.DataFrame, peildata: list[pd.Timestamp]) -> pd.DataFrame:
    """Per region and peildatum (like kpi.region_counts): the sums of each score ('taalniveau n', 't0', 'd', 'dd')
    over the participants whose T1 lies on or before the peildatum, and how many were measured by then. Sums add
    up over months, so a series of peildata costs one pass over the trajectories (each pair counts from the first
    peildatum on or after its T1) instead of one per month."""
    days = pd.DatetimeIndex(sorted(set(map(pd.Timestamp, peildata))))
    regions = sorted(set(trajectories["regio"]))
    measured = trajectories[trajectories["meetdatum_t1"].notna()]
    bucket = days.searchsorted(measured["meetdatum_t1"].to_numpy(), side="left")  # first peildatum on or after
    measured, bucket = measured[bucket < len(days)], bucket[bucket < len(days)]
    sums = _sums(measured, regions, bucket, len(days)).groupby(level="region").cumsum()
    return sums.assign(peildatum=days[sums.index.get_level_values("bucket")]).reset_index("bucket", drop=True)


def from_region_sums(sums: pd.DataFrame, peildata: list[pd.Timestamp],
                     min_participants: int = MIN_PARTICIPANTS) -> pd.DataFrame:
    """The change-score table from region_sums: every region from the first peildatum on which it has a measured
    participant, and the nation (the sum of the regions) on every peildatum."""
    days = sorted(set(map(pd.Timestamp, peildata)))
    sums = sums.loc[sums["peildatum"].isin(days), ["peildatum", *SUMS]]
    national = sums.groupby("peildatum").sum().reindex(days, fill_value=0).reset_index().assign(region=NATIONAL)
    listed = pd.concat([sums[sums[MEASURED] > 0].reset_index(names="region"), national], ignore_index=True)
    parts = listed.set_index(["region", "peildatum"]).drop(columns=MEASURED)
    parts.columns = pd.MultiIndex.from_tuples([tuple(c.split(" ")) for c in parts.columns], names=["variable", None])
    long = parts.stack(level="variable", future_stack=True).reorder_levels(["region", "variable", "peildatum"])
    out = from_sums(long).reset_index()
    out["label"] = out["variable"].map(LABELS)
    out["n"] = out["n"].astype("Int64")
    out["suppress"] = (out["n"] < min_participants).astype(bool)
    out = out.assign(national=out["region"] == NATIONAL, score=out["variable"].map(tr.SCORES.index))
    out = out.sort_values(["peildatum", "national", "region", "score"], ignore_index=True)  # the nation last
    return out[list(CHANGE_SCORES_MONTH.columns)]


def change_scores_months(trajectories: pd.DataFrame, peildata: list[pd.Timestamp],
                         min_participants: int = MIN_PARTICIPANTS) -> pd.DataFrame:
    """Per peildatum, region (those with a participant measured by then) and the nation, for every score: the
    paired change of the participants whose T1 lies on or before the peildatum."""
    return from_region_sums(region_sums(trajectories, peildata), peildata, min_participants)


def change_scores(state: pd.DataFrame, peildatum: pd.Timestamp,
                  min_participants: int = MIN_PARTICIPANTS) -> pd.DataFrame:
    """The change scores of one peildatum from trajectories as of that day (`trajectories.as_of`)."""
    return change_scores_months(state[state["status"] == tr.GEMETEN], [peildatum], min_participants)
