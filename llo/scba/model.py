"""The social cost-benefit analysis (SCBA / MKBA), after the CPB/PBL Algemene leidraad.

Unit of analysis: the *finished cohort* on a peildatum, i.e. participants with a T1 (gemeten) or overdue
without one (uitgevallen). Their measured T0 -> T1 changes are the yearly effects; dropouts carry costs and
no measured effect. Effects are net of deadweight (the nulalternatief) and, for work, displacement; they
start in year 0 (the year of the T1, undiscounted), last `effect_duration_years` with an `annual_decay`,
within `horizon_years`, and are discounted at `discount_rate` from year 1 on. Costs fall in year 0.

Welfare effects (productivity, health, lost leisure, costs) form the saldo. Transfers (benefits, taxes
and premiums, wages) only move money between actors: they cancel in the distribution table. Valuation is
vectorised over parameter draws, so the Monte Carlo analysis runs the same code as the point estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llo.monitor import trajectories as tr
from llo.regions import PILOTS

BENEFITS = {"bijstand": "benefit_bijstand", "WW": "benefit_ww", "WIA/Wajong": "benefit_wia_wajong",
            "anders": "benefit_anders"}
PARTICIPANT, EMPLOYER, MUNICIPALITY, GOVERNMENT, SOCIETY = (
    "deelnemer", "werkgever", "gemeente/UWV", "rijksoverheid", "maatschappij (saldo)")


# --- physical effects ----------------------------------------------------------------------------------------

# The trajectory columns `effects` reads (with what as_of needs): as_of() on these alone keeps a monthly series cheap,
# and reading only these keeps memory low at the national scale.
EFFECT_COLUMNS = ["regio", "meetdatum_t0", "meetdatum_t1", "t1_uiterlijk", "trajectkosten",
                  *(f"{name}_{moment}" for name in ("uren_per_week", "arbeidssituatie", "uitkering")
                    for moment in ("t0", "t1")),
                  "bruto_uurloon_t1", "leefgebied_gezondheid_verschil", "certificaat_of_sk_behaald",
                  "verbeterde_sociale_inclusie", "verbeterde_basisvaardigheden"]
EFFECT_CATEGORIES = [f"{name}_{moment}" for name in ("arbeidssituatie", "uitkering") for moment in ("t0", "t1")]


def effects(state: pd.DataFrame) -> pd.DataFrame:
    """Per region, the physical effects of the finished cohort on the peildatum (`state` from tr.as_of); the planned
    intake the programme costs are shared by is added where they are valued (scba_tables.tables_from_effects)."""
    cohort = state[state["status"].isin([tr.GEMETEN, tr.UITGEVALLEN])]
    measured = cohort[cohort["status"] == tr.GEMETEN]

    def paid_hours(moment: str) -> pd.Series:
        return measured[f"uren_per_week_{moment}"].fillna(0).where(
            measured[f"arbeidssituatie_{moment}"].isin(tr.PAID_WORK), 0.0)

    gained = paid_hours("t1") - paid_hours("t0")  # net: work lost counts against work gained
    wage = measured["bruto_uurloon_t1"]
    rows = pd.DataFrame({
        "regio": measured["regio"], "hours_week": gained, "hours_week_unknown_wage": gained.where(wage.isna(), 0.0),
        "wage_bill_week_known": (gained * wage).fillna(0.0),
        "entered_work": (~measured["arbeidssituatie_t0"].isin(tr.PAID_WORK)
                         & measured["arbeidssituatie_t1"].isin(tr.PAID_WORK)).astype(int),
        "health_net": np.sign(measured["leefgebied_gezondheid_verschil"].astype("float64").fillna(0)),
        "pm_certificates": measured["certificaat_of_sk_behaald"].fillna(False).astype(int),
        "pm_social_inclusion": measured["verbeterde_sociale_inclusie"].fillna(False).astype(int),
        "pm_basic_skills": measured["verbeterde_basisvaardigheden"].fillna(False).astype(int),
        **{f"benefit_exits_{kind}": _moved(measured, kind, "geen") - _moved(measured, "geen", kind)
           for kind in BENEFITS},
    })
    out = rows.groupby("regio").sum()
    regions = sorted(set(state["regio"]))
    out = out.reindex(regions, fill_value=0)
    out["cohort"] = cohort.groupby("regio").size().reindex(regions, fill_value=0)
    out["measured"] = measured.groupby("regio").size().reindex(regions, fill_value=0)
    out["trajectory_costs"] = cohort.groupby("regio")["trajectkosten"].sum().reindex(regions, fill_value=0.0)
    return out


def _moved(measured: pd.DataFrame, before: str, after: str) -> pd.Series:
    return ((measured["uitkering_t0"] == before) & (measured["uitkering_t1"] == after)).astype(int)


# --- valuation -----------------------------------------------------------------------------------------------

def discount_factors(rate, years: int) -> np.ndarray:
    """1 / (1 + r)^t for t = 0 .. years - 1: year 0 undiscounted (numpy-financial's npv convention)."""
    return 1.0 / (1.0 + np.asarray(rate, dtype=float)[..., None]) ** np.arange(years)


def effect_weights(p: dict) -> np.ndarray:
    """Share of the year-0 effect left in year t: decay, a possibly fractional duration, the horizon."""
    years = int(np.max(p["horizon_years"]))
    t = np.arange(years)
    duration = np.clip(np.asarray(p["effect_duration_years"], dtype=float)[..., None] - t, 0, 1)
    within = t < np.asarray(p["horizon_years"])[..., None]
    return duration * within * (1 - np.asarray(p["annual_decay"], dtype=float)[..., None]) ** t


def budget_share(region: str, p: dict, programme_costs: dict[str, float]):
    """The region's NGF programme budget: its own amount, else its share of the pilot or scale-up award."""
    if region in programme_costs:
        return programme_costs[region]
    if region in PILOTS:
        return p["programme_cost_pilots"] / len(PILOTS)
    return p["programme_cost_scale_up"] / p["scale_up_regions"]


def programme_share(e: pd.Series, region: str) -> tuple[float, bool, bool]:
    """The cohort's share of the region's NGF budget (the allocation key): cohort / planned intake (the region's
    K1 target, `planned`), at most 1, with whether the default K1 was used and whether the share was capped.

    - At most 1: the budget is spent once. A region whose cohort outgrows its K1 target is charged its whole
      budget, not more (600 participants against a K1 of 400 carry the budget, not 1.5 times it).
    - A region without a K1 target (`planned` missing or 0) is charged per participant at the default K1 of the
      targets file (`planned_default`), not its whole budget over one participant; the overview's note on the
      programme costs says so. Without a default K1 either, a cohort cannot be charged: a ConfigurationError."""
    from llo.settings import ConfigurationError

    cohort = float(e["cohort"])
    planned, default_key = _count(e.get("planned")), False
    if planned <= 0:
        planned, default_key = _count(e.get("planned_default")), True
    if planned <= 0:
        if cohort <= 0:
            return 0.0, default_key, False
        raise ConfigurationError(f"SCBA, region {region}: no K1 target and no default K1 in the targets file, so "
                                 "the NGF programme costs cannot be allocated to its cohort")
    share = cohort / planned
    return min(share, 1.0), default_key, share > 1


def _count(value) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)


def valuate(e: pd.Series, region: str, p: dict, programme_costs: dict[str, float]) -> dict[str, np.ndarray]:
    """Yearly welfare effects and transfers in year 0, costs, present values and the saldo for one unit.
    `p` holds a number or an array of draws per parameter; the results broadcast over the draws."""
    net = 1 - np.asarray(p["deadweight"], dtype=float)
    wage_bill = (e["wage_bill_week_known"] + e["hours_week_unknown_wage"] * p["hourly_wage"]) * p["weeks_per_year"]
    productivity = wage_bill * (1 + p["employer_on_costs"]) * net * (1 - p["displacement"])
    weights = effect_weights(p)
    pv = np.sum(weights * discount_factors(p["discount_rate"], weights.shape[-1]), axis=-1)
    benefit_flow = sum(e[f"benefit_exits_{kind}"] * p[name] for kind, name in BENEFITS.items()) * net
    yearly = {
        "productivity": productivity,
        "health": e["health_net"] * p["qaly_gain"] * p["qaly_value"] * net,
        "leisure": p["leisure_share"] * (1 - p["tax_wedge"]) * productivity,
        "taxes": p["tax_wedge"] * productivity,
        "benefits": benefit_flow,
    }
    share, default_key, capped = programme_share(e, region)
    costs = {"programme": share * budget_share(region, p, programme_costs),
             "trajectories": e["trajectory_costs"] * p["trajectory_costs_additional"]}
    present = {name: flow * pv for name, flow in yearly.items()}
    benefits = present["productivity"] + present["health"]
    total_costs = costs["programme"] + costs["trajectories"] + present["leisure"]
    amounts = {**{f"yearly_{k}": v for k, v in yearly.items()}, **{f"pv_{k}": v for k, v in present.items()},
               **{f"cost_{k}": v for k, v in costs.items()}, "pv_factor": pv, "benefits": benefits,
               "costs": total_costs, "npv": benefits - total_costs,
               # the allocation key, recorded per region (the nation sums them: how many regions)
               "programme_default_key": float(default_key), "programme_capped": float(capped)}
    shape = np.broadcast(*(np.asarray(v) for v in p.values())).shape  # () for a point estimate, (draws,)
    return {**{k: np.broadcast_to(np.asarray(v, dtype=float), shape) for k, v in amounts.items()},
            "weights": weights}


def combine(results: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The nation: sums of the regions' amounts (the model is linear in the effects)."""
    keys = [k for k in results[0] if k not in ("pv_factor", "weights")]
    out = {k: sum(r[k] for r in results) for k in keys}
    out["pv_factor"], out["weights"] = results[0]["pv_factor"], results[0]["weights"]
    return out


def irr(v: dict) -> float:
    """Internal rate of return of the yearly net flows (costs in year 0), or NaN where it is not defined."""
    from scipy.optimize import brentq

    yearly = v["yearly_productivity"] + v["yearly_health"] - v["yearly_leisure"]
    flows = np.array(yearly * v["weights"], dtype=float)
    flows[0] -= v["cost_programme"] + v["cost_trajectories"]

    def value(rate: float) -> float:
        return float(np.sum(flows / (1 + rate) ** np.arange(len(flows))))

    low, high = -0.99, 100.0
    if flows[0] >= 0 or value(low) * value(high) > 0:
        return float("nan")
    return float(brentq(value, low, high))


def break_even_deadweight(v: dict, p: dict) -> float:
    """The deadweight at which the saldo is zero (benefits and lost leisure scale with 1 - deadweight)."""
    scale = 1 - p["deadweight"]
    if scale <= 0:
        return float("nan")
    gross = (v["benefits"] - v["pv_leisure"]) / scale  # at zero deadweight
    fixed = v["cost_programme"] + v["cost_trajectories"]
    if gross <= 0:
        return float("nan")
    level = 1 - fixed / gross
    return float(level) if 0 <= level <= 1 else float("nan")
