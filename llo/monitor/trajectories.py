"""Participant trajectories: a participant's T0 and T1 side by side, with the changes and derived flags.

`derive()` gives one row per participant and region that does not depend on a peildatum: T1 fields are
what the T1 says. `as_of()` gives the state on a peildatum: a T1 measured after it counts as absent, and
`status` says whether the T1 is still to come (lopend), present (gemeten) or overdue (uitgevallen).
Every rule here is named in `docs/kpi-definitions.md` (generated from `llo.monitor.kpi`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from checks.contract import LEVELS, Measurement, months_between
from checks.outputs import (  # what the trajectories table holds, by its schema
    DROPOUT_MONTHS,
    FLAGS,
    GEMETEN,
    LEVEL_SCORES,
    LOPEND,
    SCORES,
    SKILLS,
    T1_DUE_MONTHS,
    UITGEVALLEN,
)
from llo.settings import SUSTAINABLE_WORK_HOURS

_FIELDS = Measurement.to_schema().columns
WORK = list(_FIELDS["arbeidssituatie"].metadata["categories"])  # ordered: geen werk ... betaald werk
WORK_RANK = {situation: rank for rank, situation in enumerate(WORK)}
PAID_WORK = WORK[2:]  # werk met ondersteuning (ladder 5) and betaald werk (ladder 6)
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}  # onder 1F = 0 ... 3F = 3
NO_BENEFIT, NO_EDUCATION = "geen", "geen"

SOCIAL_DOMAINS = ("leefgebied_sociaal_netwerk", "leefgebied_maatschappelijke_participatie", "leefgebied_dagbesteding")

_PAIRED = (*SCORES, "arbeidssituatie", "uren_per_week", "uitkering", "opleiding", "bruto_uurloon",
           "bewijs_civiel_effect", "startkwalificatie", "match_werkgever")
T1_COLUMNS = ("meetdatum_t1", "maanden_tot_t1", *(f"{name}_t1" for name in _PAIRED),
              *(f"{name}_verschil" for name in SCORES), "arbeidssituatie_overgang", "uitkering_overgang",
              "bewijs_civiel_effect_behaald", "startkwalificatie_behaald", *FLAGS)


def derive(measurements: pd.DataFrame, catalogue: pd.DataFrame,
           sustainable_hours: float = SUSTAINABLE_WORK_HOURS) -> pd.DataFrame:
    """One row per (regio, deelnemer_id) with a T0; measurements and catalogue as stored in the warehouse."""
    key = ["regio", "deelnemer_id"]
    t0 = measurements[measurements["meetmoment"] == "T0"].set_index(key)
    t1 = measurements[measurements["meetmoment"] == "T1"].set_index(key).reindex(t0.index)
    out = pd.DataFrame(index=t0.index)
    for name in ("trajectcode", "doelgroep", "geboortejaar", "startdatum_traject"):
        out[name] = t0[name]
    kinds = catalogue.drop_duplicates(["regio", "trajectcode"]).set_index(["regio", "trajectcode"])
    codes = pd.MultiIndex.from_arrays([t0.index.get_level_values("regio"), t0["trajectcode"]])
    out["trajecttype"] = kinds["type"].reindex(codes).to_numpy()
    out["trajectkosten"] = kinds["kosten_per_deelnemer"].reindex(codes).to_numpy()
    out["meetdatum_t0"], out["meetdatum_t1"] = t0["meetdatum"], t1["meetdatum"]
    out["t1_gepland"] = out["startdatum_traject"] + pd.DateOffset(months=T1_DUE_MONTHS)
    out["t1_uiterlijk"] = out["startdatum_traject"] + pd.DateOffset(months=DROPOUT_MONTHS)
    out["maanden_tot_t1"] = months_between(out["startdatum_traject"], out["meetdatum_t1"]).round(2)

    hours0, hours1 = t0["uren_per_week"].fillna(0.0), t1["uren_per_week"].fillna(0.0).where(t1["meetdatum"].notna())
    for name in _PAIRED:
        out[f"{name}_t0"], out[f"{name}_t1"] = t0[name], t1[name]
    out["uren_per_week_t0"], out["uren_per_week_t1"] = hours0, hours1
    rank0, rank1 = _ranks(t0), _ranks(t1)
    for name in SCORES:
        out[f"{name}_verschil"] = (rank1[name] - rank0[name]).astype("Int64")
    out["arbeidssituatie_overgang"] = _transition(t0["arbeidssituatie"], t1["arbeidssituatie"])
    out["uitkering_overgang"] = _transition(t0["uitkering"], t1["uitkering"])

    measured = t1["meetdatum"].notna()

    def only_measured(flag: pd.Series) -> pd.Series:
        return flag.astype("boolean").where(measured, pd.NA)

    for name in ("bewijs_civiel_effect", "startkwalificatie"):
        out[f"{name}_behaald"] = only_measured(t1[name].fillna(False) & ~t0[name].fillna(False))
    work0, work1 = t0["arbeidssituatie"].map(WORK_RANK), t1["arbeidssituatie"].map(WORK_RANK)
    more_hours = (work1 == work0) & t1["arbeidssituatie"].isin(PAID_WORK) & (hours1 > hours0)
    out["verbeterde_arbeidsmarktpositie"] = only_measured((work1 > work0) | more_hours)
    social = pd.DataFrame({d: rank1[d] - rank0[d] for d in SOCIAL_DOMAINS})
    out["verbeterde_sociale_inclusie"] = only_measured(
        (rank1["participatieladder"] > rank0["participatieladder"])
        | ((social > 0).any(axis=1) & (social >= 0).all(axis=1)))
    skills = pd.DataFrame({s: rank1[s] - rank0[s] for s in SKILLS})
    out["verbeterde_basisvaardigheden"] = only_measured((skills > 0).any(axis=1) & (skills >= 0).all(axis=1))
    out["duurzaam_werk"] = only_measured(t1["arbeidssituatie"].isin(PAID_WORK) & (hours1 >= sustainable_hours))
    out["certificaat_of_sk_behaald"] = out["bewijs_civiel_effect_behaald"] | out["startkwalificatie_behaald"]
    out["instroom_beroepsonderwijs"] = only_measured(
        (t0["opleiding"] == NO_EDUCATION) & (t1["opleiding"] != NO_EDUCATION))
    out["uit_uitkering"] = only_measured((t0["uitkering"] != NO_BENEFIT) & (t1["uitkering"] == NO_BENEFIT))
    return out.reset_index().sort_values(key, ignore_index=True)


def _ranks(frame: pd.DataFrame) -> pd.DataFrame:
    """Scores as numbers: leefgebieden, ladder and digital skills as given, language and numeracy levels as 0-3."""
    return pd.DataFrame({name: (frame[name].map(LEVEL_RANK) if name in LEVEL_SCORES else frame[name])
                         .astype("Float64") for name in SCORES}, index=frame.index)


def _transition(before: pd.Series, after: pd.Series) -> pd.Series:
    return (before.astype(object) + " → " + after.astype(object)).where(after.notna(), None)


def as_of(trajectories: pd.DataFrame, peildatum: pd.Timestamp) -> pd.DataFrame:
    """The trajectories of participants with a T0 on or before the peildatum, as known on that day."""
    peildatum = pd.Timestamp(peildatum)
    out = trajectories[trajectories["meetdatum_t0"] <= peildatum].copy()
    _without_t1(out, ~(out["meetdatum_t1"] <= peildatum))  # no T1, or one measured after the peildatum
    out["status"] = status(out, peildatum)
    out["peildatum"] = peildatum
    return out


def _without_t1(frame: pd.DataFrame, rows: pd.Series) -> None:
    """Blank the T1 fields of `rows`: not known (yet) on the peildatum."""
    for name in frame.columns.intersection(T1_COLUMNS):
        frame[name] = frame[name].mask(rows)


@dataclass(frozen=True)
class Phases:
    """The states `as_of` gives a participant: lopend and uitgevallen (the T1 fields blank) and gemeten. A
    participant's state changes only on its T0, its T1 and the end of its window, so figures over many peildata
    are computed from these three states (`state`) and each participant's phase on each day (`on`), not from a
    state per day."""
    trajectories: pd.DataFrame
    t0: np.ndarray
    t1: np.ndarray
    latest: np.ndarray

    @classmethod
    def of(cls, trajectories: pd.DataFrame) -> Phases:
        return cls(trajectories, *(_days(trajectories[name]) for name in ("meetdatum_t0", "meetdatum_t1",
                                                                          "t1_uiterlijk")))

    def state(self, status: str) -> pd.DataFrame:
        """Every participant as as_of gives it on a day in the phase `status`: the trajectories' rows, in their
        order, without the peildatum column. Made when asked, so that one state at a time is in memory."""
        if status == GEMETEN:
            state = self.trajectories.copy(deep=False)  # a new column only: the trajectories' own stay shared
        else:
            state = self.trajectories.copy()
            _without_t1(state, pd.Series(True, index=state.index))
        state["status"] = status
        return state

    def on(self, peildatum: pd.Timestamp) -> np.ndarray:
        """Per participant its phase on the peildatum, as a position in PHASES (`phase_on`), or -1 before its T0."""
        return np.where(self.t0 <= _day(peildatum), phase_on(self.t1, self.latest, peildatum), -1)


PHASES = (LOPEND, UITGEVALLEN, GEMETEN)


def phase_on(t1: np.ndarray, latest: np.ndarray, peildatum: pd.Timestamp) -> np.ndarray:
    """The state rule, as positions in PHASES: gemeten with a T1 (`t1`) on or before the peildatum; uitgevallen
    without one when the peildatum is past the window (`latest`, the t1_uiterlijk: 12 months after the start);
    lopend otherwise."""
    day = _day(peildatum)
    return np.select([t1 <= day, latest < day], [PHASES.index(GEMETEN), PHASES.index(UITGEVALLEN)],
                     PHASES.index(LOPEND))


def status(trajectories: pd.DataFrame, peildatum: pd.Timestamp) -> pd.Series:
    """Each participant's state on the peildatum (`phase_on`): gemeten, uitgevallen or lopend."""
    phase = phase_on(_days(trajectories["meetdatum_t1"]), _days(trajectories["t1_uiterlijk"]), peildatum)
    return pd.Series(np.array(PHASES, dtype=object)[phase], index=trajectories.index)


def _day(peildatum: pd.Timestamp) -> np.datetime64:
    return np.datetime64(pd.Timestamp(peildatum).to_datetime64(), "ns")  # NaT too


def _days(column: pd.Series) -> np.ndarray:
    """A date column as datetime64[ns], NaT where missing (whatever the column's dtype: an empty one is object).
    No conversion cache: the columns are datetimes (or empty), for which pandas would first scan a tenth of the
    values as Timestamps to decide whether to cache."""
    return pd.to_datetime(column, cache=False).to_numpy(dtype="datetime64[ns]")
