"""KPI shares and paired change scores broken down by who the participants are and how they take part: target group,
trajectory type, age band, programme phase of their region (pilot or scale-up) and intake cohort (quarter of the T0).

A row is one figure for one group on one peildatum: a count of participants with its basis (the group's participants
with a T0 or with a T1, as the KPI's own basis), or the mean paired change of a score with the number of pairs. The
same KPI definitions (llo.monitor.kpi) and change scores (llo.monitor.change_scores) as the monthly tables, so a
group's figures add up to the region's. Disclosure control is the reports' (their ledger), on the basis kept here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llo.monitor import trajectories as tr
from llo.monitor.kpi import BY_CODE, NATIONAL
from llo.regions import phase

# The dimensions, in the order the reports show them, with their Dutch names.
DIMENSIONS = {"doelgroep": "Doelgroep", "trajecttype": "Soort traject", "leeftijd": "Leeftijd bij de start",
              "fase": "Fase van de regio", "cohort": "Instroomcohort (kwartaal van de nulmeting)"}
TYPE_UNKNOWN = "onbekend"  # a trajectcode missing from the region's catalogue
AGE_BANDS = ((0, 27, "tot 27 jaar"), (27, 45, "27 tot 45 jaar"), (45, 55, "45 tot 55 jaar"),
             (55, 200, "55 jaar en ouder"))
# The KPIs broken down: reach, the T1s taken, and the results among those measured.
MEASURES = ("K1", "D5", "K2", "K3", "K5", "D1", "D2", "D3", "D9")
CHANGES = ("participatieladder", "taalniveau", "rekenniveau", "digitale_vaardigheden")
CHANGE_PREFIX = "verandering "  # measure name of a mean change: 'verandering participatieladder'
COLUMNS = ["regio", "doelgroep", "trajecttype", "geboortejaar", "meetdatum_t0", "meetdatum_t1", "t1_uiterlijk",
           "match_werkgever_t0", "match_werkgever_t1", *tr.FLAGS, *(f"{name}_verschil" for name in CHANGES)]


def age_band(birth_year: pd.Series, start: pd.Series) -> pd.Series:
    """The age band at the nulmeting, from the year of birth (the only part of the birth date delivered)."""
    age = (start.dt.year - birth_year.astype("float64")).to_numpy()
    bands = np.select([(low <= age) & (age < high) for low, high, _ in AGE_BANDS], [name for *_, name in AGE_BANDS],
                      TYPE_UNKNOWN)
    return pd.Series(bands, index=birth_year.index, dtype=object)


def cohort(start: pd.Series) -> pd.Series:
    """The intake cohort: the quarter of the nulmeting, as '2025-K2'."""
    return start.dt.year.astype(str) + "-K" + start.dt.quarter.astype(str)


def groups(state: pd.DataFrame) -> pd.DataFrame:
    """The group of each participant in each dimension."""
    return pd.DataFrame({
        "doelgroep": state["doelgroep"].astype(object),
        "trajecttype": state["trajecttype"].astype(object).where(state["trajecttype"].notna(), TYPE_UNKNOWN),
        "leeftijd": age_band(state["geboortejaar"], state["meetdatum_t0"]),
        "fase": state["regio"].map(phase),
        "cohort": cohort(state["meetdatum_t0"])}, index=state.index)


def breakdown(trajectories: pd.DataFrame, peildatum: pd.Timestamp) -> pd.DataFrame:
    """Every figure for every group of every dimension on the peildatum, for the nation and for each region:
    peildatum, region, dimension, group, measure, value, n_basis. One grouping per dimension computes them all."""
    state = tr.as_of(trajectories, peildatum)
    if state.empty:
        return empty()
    measured = state["status"] == tr.GEMETEN
    sums = {}
    for code in MEASURES:
        sums[f"{code} value"] = BY_CODE[code].count(state).astype("int64")
        sums[f"{code} n_basis"] = BY_CODE[code].of(state).astype("int64")
    for name in CHANGES:
        change = state[f"{name}_verschil"].astype("float64").where(measured)
        sums[f"{CHANGE_PREFIX}{name} value"] = change.fillna(0.0)
        sums[f"{CHANGE_PREFIX}{name} n_basis"] = change.notna().astype("int64")
    sums = pd.DataFrame(sums, index=state.index)
    names = [*MEASURES, *(CHANGE_PREFIX + name for name in CHANGES)]
    grouped, frames = groups(state), []
    for dimension in DIMENSIONS:
        for region, keys in ((NATIONAL, [grouped[dimension]]), (None, [state["regio"], grouped[dimension]])):
            total = sums.groupby(keys, sort=True).sum()
            regions = [region] * len(total) if region else total.index.get_level_values(0)
            frames.append(pd.DataFrame({  # one row per group and measure, the measures of a group together
                "region": np.repeat(np.asarray(regions, dtype=object), len(names)),
                "group": np.repeat(total.index.get_level_values(-1).to_numpy(dtype=object), len(names)),
                "measure": np.tile(np.asarray(names, dtype=object), len(total)),
                "value": total[[f"{n} value" for n in names]].to_numpy(dtype="float64").ravel(),
                "n_basis": total[[f"{n} n_basis" for n in names]].to_numpy(dtype="float64").ravel(),
                "dimension": dimension}))
    rows = pd.concat(frames, ignore_index=True)
    change = rows["measure"].str.startswith(CHANGE_PREFIX)
    rows["value"] = rows["value"].where(~change, rows["value"] / rows["n_basis"].where(rows["n_basis"] > 0))
    rows = rows.assign(peildatum=pd.Timestamp(peildatum))
    rows["value"] = rows["value"].astype("float64")
    rows["n_basis"] = rows["n_basis"].round().astype("Int64")
    return rows[["peildatum", "region", "dimension", "group", "measure", "value", "n_basis"]]


def breakdown_table(trajectories: pd.DataFrame, peildata: list[pd.Timestamp]) -> pd.DataFrame:
    """The breakdowns of each peildatum."""
    frames = [f for f in (breakdown(trajectories, day) for day in peildata) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty()


def empty() -> pd.DataFrame:
    return pd.DataFrame({"peildatum": pd.Series(dtype="datetime64[ns]"), "region": pd.Series(dtype=object),
                         "dimension": pd.Series(dtype=object), "group": pd.Series(dtype=object),
                         "measure": pd.Series(dtype=object), "value": pd.Series(dtype="float64"),
                         "n_basis": pd.Series(dtype="Int64")})
