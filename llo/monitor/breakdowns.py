"""KPI shares and paired change scores broken down by who the participants are and how they take part: target group,
trajectory type, age band, programme phase of their region (pilot or scale-up) and intake cohort (quarter of the T0).

A row is one figure for one group on one peildatum: a count of participants with its basis (the group's participants
with a T0 or with a T1, as the KPI's own basis), or the mean paired change of a score with the number of pairs. The
same KPI definitions (llo.monitor.kpi) and change scores (llo.monitor.change_scores) as the monthly tables, so a
group's figures add up to the region's. Disclosure control is the reports' (their ledger), on the basis kept here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from llo.monitor import region_results
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


def groups(trajectories: pd.DataFrame) -> pd.DataFrame:
    """The group of each participant in each dimension: none depends on the peildatum."""
    return pd.DataFrame({
        "doelgroep": trajectories["doelgroep"].astype(object),
        "trajecttype": trajectories["trajecttype"].astype(object).where(trajectories["trajecttype"].notna(),
                                                                        TYPE_UNKNOWN),
        "leeftijd": age_band(trajectories["geboortejaar"], trajectories["meetdatum_t0"]),
        "fase": trajectories["regio"].map({region: phase(region) for region in trajectories["regio"].unique()}),
        "cohort": cohort(trajectories["meetdatum_t0"])}, index=trajectories.index)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the values in sorted order of the values (-1 for a missing one, which no group takes, as
    groupby leaves it out) and the sorted values."""
    codes, labels = pd.factorize(values, sort=True)
    return codes, np.asarray(labels, dtype=object)


def _adds(state: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """What each participant in the state adds to each figure's value and basis (rows: participants, columns: the
    figures of `FIGURES`). Counts and changes of ranks are whole numbers, exact in float32, which halves the memory."""
    measured = (state["status"] == tr.GEMETEN).to_numpy()
    values, bases = [], []
    for code in MEASURES:
        values.append(BY_CODE[code].count(state).to_numpy(dtype="float32"))
        bases.append(BY_CODE[code].of(state).to_numpy(dtype="float32"))
    for name in CHANGES:
        change = state[f"{name}_verschil"].to_numpy(dtype="float64", na_value=np.nan)
        present = measured & ~np.isnan(change)
        values.append(np.where(present, change, 0.0).astype("float32"))
        bases.append(present.astype("float32"))
    return np.column_stack(values), np.column_stack(bases)


FIGURES = [*MEASURES, *(CHANGE_PREFIX + name for name in CHANGES)]  # the measure of each figure
FIELDS = ["peildatum", "region", "dimension", "group", "measure", "value", "n_basis"]  # of the sums and the table


def _on_day(peildatum: pd.Timestamp, coded: Coded, phases: tr.Phases, adds: tuple[np.ndarray, np.ndarray]
            ) -> pd.DataFrame:
    """Every figure's sums for every group of every dimension in each region on the peildatum: what the participants
    add in their phase on that day, summed per profile (a region and a group in every dimension; many participants
    share one), then per region and group of each dimension. A group is there where it has participants, as a
    groupby shows them."""
    phase = phases.on(peildatum)
    present = np.flatnonzero(phase >= 0)
    if not len(present):
        return _sums_empty()
    phase, profile, n = phase[present], coded.profile[present], len(coded.profiles)
    members = np.bincount(profile, minlength=n)
    totals = [np.stack([np.bincount(profile, weights=column, minlength=n) for column in add[phase, present].T],
                       axis=1) for add in adds]
    region_codes, regions = coded.profiles[:, 0], coded.labels["regio"]
    frames = []
    for number, dimension in enumerate(DIMENSIONS, start=1):
        codes, labels = coded.profiles[:, number], coded.labels[dimension]
        grouped = (region_codes >= 0) & (codes >= 0)  # a missing group is left out, as groupby leaves it out
        cell = region_codes[grouped] * len(labels) + codes[grouped]  # one cell per region and group
        size = len(regions) * len(labels)

        def summed(per_profile, cell=cell, grouped=grouped, size=size, labels=labels):
            return np.stack([np.bincount(cell, weights=column[grouped], minlength=size) for column in per_profile.T],
                            axis=1).reshape(len(regions), len(labels), len(FIGURES))

        present = np.bincount(cell, weights=members[grouped], minlength=size).reshape(len(regions), len(labels)) > 0
        rows, columns = np.nonzero(present)
        frames.append(pd.DataFrame({  # one row per region, group and measure, the measures of a group together
            "region": np.repeat(regions[rows], len(FIGURES)), "group": np.repeat(labels[columns], len(FIGURES)),
            "measure": np.tile(np.asarray(FIGURES, dtype=object), len(rows)),
            "value": summed(totals[0])[present].ravel(), "n_basis": summed(totals[1])[present].ravel(),
            "dimension": dimension}))
    return pd.concat(frames, ignore_index=True).assign(peildatum=pd.Timestamp(peildatum))[FIELDS]


@dataclass(frozen=True)
class Coded:
    """Each participant's region and groups as integer codes (`_codes`): `labels` per dimension (and "regio") the
    names of the codes; `profiles` the distinct combinations (columns: region, then the DIMENSIONS in order);
    `profile` per participant the number of its combination."""
    labels: dict[str, np.ndarray]
    profiles: np.ndarray
    profile: np.ndarray

    @classmethod
    def of(cls, trajectories: pd.DataFrame) -> Coded:
        grouped = groups(trajectories)
        coded = {"regio": _codes(trajectories["regio"]), **{name: _codes(grouped[name]) for name in DIMENSIONS}}
        # each combination as one number (a digit per dimension; a missing group is digit 0): one sort of numbers
        sizes = [len(labels) + 1 for _, labels in coded.values()]
        number = np.zeros(len(trajectories), dtype="int64")
        for (codes, _), size in zip(coded.values(), sizes, strict=True):
            number = number * size + (codes + 1)
        distinct, profile = np.unique(number, return_inverse=True)
        digits = []
        for size in reversed(sizes):
            distinct, digit = np.divmod(distinct, size)
            digits.append(digit - 1)
        return cls({name: labels for name, (_, labels) in coded.items()}, np.column_stack(digits[::-1]),
                   profile.ravel())


def breakdown_table(trajectories: pd.DataFrame, peildata: list[pd.Timestamp]) -> pd.DataFrame:
    """The breakdowns of each peildatum (all regions' trajectories at once; the asset keeps each region's sums, see
    `region_sums`, `KEPT` and `table`)."""
    return table(region_sums(trajectories, peildata))


def region_sums(trajectories: pd.DataFrame, peildata: list[pd.Timestamp]) -> pd.DataFrame:
    """Each region's sums of every figure on each peildatum (columns FIELDS; a change still its sum over the pairs):
    the participants' groups coded once, and what each adds to each figure in each phase of its trajectory
    (tr.Phases) computed once, for every peildatum. A region's sums depend on its own trajectories only, so they
    can be computed for a group of regions at a time."""
    if trajectories.empty:
        return _sums_empty()
    coded, phases = Coded.of(trajectories), tr.Phases.of(trajectories)
    adds = None  # values and bases: (phase, participant, figure), filled a phase at a time (no second copy)
    for number, status in enumerate(tr.PHASES):
        added = _adds(phases.state(status))
        adds = adds or tuple(np.empty((len(tr.PHASES), *part.shape), part.dtype) for part in added)
        for whole, part in zip(adds, added, strict=True):
            whole[number] = part
    frames = [f for f in (_on_day(day, coded, phases, adds) for day in peildata) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else _sums_empty()


def table(sums: pd.DataFrame) -> pd.DataFrame:
    """The breakdowns from the regions' sums (`region_sums`, of one or more groups of regions): the nation's figures
    the sums of the regions' (counts and changes of ranks are whole numbers, so the order of adding does not matter),
    a change the mean over its pairs, and the rows in order: per peildatum and dimension the nation, then each
    region, each group and the FIGURES."""
    if sums.empty:
        return empty()
    key = ["peildatum", "dimension", "group", "measure"]
    national = sums.groupby(key, sort=False, as_index=False)[["value", "n_basis"]].sum().assign(region=NATIONAL)
    rows = pd.concat([national[FIELDS], sums], ignore_index=True)
    dimensions = {name: number for number, name in enumerate(DIMENSIONS)}
    figures = {name: number for number, name in enumerate(FIGURES)}
    order = pd.DataFrame({"peildatum": rows["peildatum"], "dimension": rows["dimension"].map(dimensions),
                          "regional": rows["region"] != NATIONAL, "region": rows["region"], "group": rows["group"],
                          "measure": rows["measure"].map(figures)})
    rows = rows.iloc[order.sort_values(list(order.columns)).index].reset_index(drop=True)
    change = rows["measure"].str.startswith(CHANGE_PREFIX)
    rows["value"] = rows["value"].where(~change, rows["value"] / rows["n_basis"].where(rows["n_basis"] > 0))
    rows["value"] = rows["value"].astype("float64")
    rows["n_basis"] = rows["n_basis"].round().astype("Int64")
    return rows[FIELDS]


def kept_rows(groups: list[pd.DataFrame]) -> pd.DataFrame:
    """The regions' sums (`region_sums` of one or more groups of regions) as parts kept by region_results: a row per
    number, its item the field, dimension, measure and group ('n_basis<TAB>leeftijd<TAB>K1<TAB>tot 27 jaar'; the group
    last, whatever its name holds)."""
    sums = pd.concat(groups, ignore_index=True)
    item = sums["dimension"] + "\t" + sums["measure"] + "\t" + sums["group"]
    return pd.concat([pd.DataFrame({"region": sums["region"], "peildatum": sums["peildatum"],
                                    "item": field + "\t" + item, "dtype": "float64",
                                    "value": sums[field].astype("float64")}) for field in ("value", "n_basis")],
                     ignore_index=True)


def kept_sums(rows: pd.DataFrame) -> pd.DataFrame:
    """The inverse of `kept_rows`: the regions' sums (columns FIELDS)."""
    if rows.empty:
        return _sums_empty()
    codes, items = pd.factorize(rows["item"])  # a few thousand distinct items: each split once
    field, dimension, measure, group = (part.to_numpy()[codes]
                                        for _, part in pd.Series(items).str.split("\t", n=3, expand=True).items())
    key = ["peildatum", "region", "dimension", "group", "measure"]
    long = pd.DataFrame({"peildatum": rows["peildatum"].to_numpy(), "region": rows["region"].to_numpy(),
                         "dimension": dimension, "group": group, "measure": measure, "field": field,
                         "value": rows["value"].to_numpy(dtype="float64")})
    sums = long.pivot(index=key, columns="field", values="value").reset_index().rename_axis(columns=None)
    return sums[FIELDS]


KEPT = region_results.Form(kept_rows, kept_sums)  # how region_results keeps the regions' sums


def _sums_empty() -> pd.DataFrame:
    return empty().astype({"n_basis": "float64"})


def empty() -> pd.DataFrame:
    return pd.DataFrame({"peildatum": pd.Series(dtype="datetime64[ns]"), "region": pd.Series(dtype=object),
                         "dimension": pd.Series(dtype=object), "group": pd.Series(dtype=object),
                         "measure": pd.Series(dtype=object), "value": pd.Series(dtype="float64"),
                         "n_basis": pd.Series(dtype="Int64")})
