"""The social cost-benefit analysis (SCBA / MKBA), after the CPB/PBL Algemene leidraad, in two variants.

Unit of analysis: the *finished cohort* on a peildatum, i.e. participants with a T1 (gemeten) or overdue
without one (uitgevallen). Their measured T0 -> T1 changes are the yearly effects; dropouts carry costs and
no measured effect. Effects are net of deadweight (the nulalternatief, by the benefit a participant starts from
and for health) and, for work, displacement.

Time and prices: every flow sits in its calendar year, in euro of the price year (nominal amounts brought there
with the CPI), and is discounted to the zichtjaar: year y by 1 / (1 + r)^(y - zichtjaar). A participant's costs
fall in the year of the T0; the effects start in the year of the T1, and since T1s fall throughout the year the
first year counts half (half-year convention): calendar year j after it holds half of effect year j - 1 and half
of effect year j. An effect lasts `effect_duration_years` with an `annual_decay`, within `horizon_years`.

Two variants share the benefits and differ in the costs:
- *traject* (trajectory level): the marginal costs per participant: trajectory costs from the catalogue, regional
  guidance, participants' time and employers' guidance; comparable with SEO 2013 and the frame.
- *programma* (programme level): the NGF budget and the partners' effort, allocated by the intake they are meant
  for (the allocation key), plus the trajectory costs outside the NGF budget, participants' and employers' time.

Welfare effects form the saldo. Transfers (benefits, taxes and premiums, wages) only move money between actors:
they cancel in the distribution table. Valuation is vectorised over parameter draws, so the Monte Carlo analysis
runs the same code as the point estimate.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from llo.monitor import trajectories as tr
from llo.monitor.kpi import NATIONAL
from llo.regions import PILOTS
from llo.scba.parameters import DEADWEIGHT_GROUPS, DEADWEIGHT_HEALTH, DEADWEIGHTS

if TYPE_CHECKING:
    from llo.scba.parameters import ScbaParameters

TRAJECTORY, PROGRAMME = "traject", "programma"
VARIANTS = {TRAJECTORY: "trajectniveau", PROGRAMME: "programmaniveau"}

BENEFITS = {"bijstand": "benefit_bijstand", "WW": "benefit_ww", "WIA/Wajong": "benefit_wia_wajong",
            "anders": "benefit_anders"}
PARTICIPANT, EMPLOYER, MUNICIPALITY, UWV, GOVERNMENT, PARTNERS, INSURER, SCHOOLS, SOCIETY = (
    "deelnemer", "werkgever", "gemeente", "UWV", "rijksoverheid", "regionale en landelijke partners",
    "zorgverzekeraar", "onderwijsinstellingen", "maatschappij (saldo)")
# Who saves a benefit: the municipality pays bijstand and the other municipal benefits (IOAW, IOAZ), UWV the
# employee insurances.
BENEFIT_PAYERS = {"bijstand": MUNICIPALITY, "WW": UWV, "WIA/Wajong": UWV, "anders": MUNICIPALITY}
GROUPS = {"bijstand": "bijstand", "WW": "ww", "WIA/Wajong": "wia_wajong"}  # starting benefit -> group; else overig
OTHER = "overig"
SLUGS = {"bijstand": "bijstand", "WW": "ww", "WIA/Wajong": "wia_wajong", "anders": "anders"}


# --- physical effects ----------------------------------------------------------------------------------------

# The trajectory columns `effects` reads (with what as_of needs): as_of() on these alone keeps a monthly series cheap,
# and reading only these keeps memory low at the national scale.
EFFECT_COLUMNS = ["regio", "meetdatum_t0", "meetdatum_t1", "t1_uiterlijk", "trajectkosten",
                  *(f"{name}_{moment}" for name in ("uren_per_week", "arbeidssituatie", "uitkering")
                    for moment in ("t0", "t1")),
                  "bruto_uurloon_t1", "leefgebied_gezondheid_verschil", "certificaat_of_sk_behaald",
                  "verbeterde_sociale_inclusie", "verbeterde_basisvaardigheden"]
EFFECT_CATEGORIES = [f"{name}_{moment}" for name in ("arbeidssituatie", "uitkering") for moment in ("t0", "t1")]
SEPARATOR = "|"  # effects' columns: "<quantity>|<year>"


def column(quantity: str, year: int) -> str:
    return f"{quantity}{SEPARATOR}{year}"


class Effects(dict):
    """One unit's effects (a row of `effects`, by column name), with each quantity's years parsed from the column
    names once: a unit is valued and described dozens of times, and reading its columns anew each time was most of
    the SCBA stage's time."""

    @classmethod
    def of(cls, e: pd.Series | dict) -> Effects:
        return e if isinstance(e, Effects) else cls(e.items())

    @cached_property
    def years(self) -> dict[str, dict[int, float]]:
        """Per quantity its non-zero values per calendar year, in column order."""
        found: dict[str, dict[int, float]] = {}
        for name, value in self.items():
            if isinstance(name, str) and SEPARATOR in name and value:
                quantity, year = name.rsplit(SEPARATOR, 1)
                found.setdefault(quantity, {})[int(year)] = float(value)
        return found


def by_year(e: pd.Series | dict, quantity: str) -> dict[int, float]:
    """A quantity of `effects` per calendar year (the T1 year for effects, the T0 year for costs)."""
    return dict(Effects.of(e).years.get(quantity, {}))


def total(e: pd.Series | dict, quantity: str) -> float:
    return sum(by_year(e, quantity).values())


def effects(state: pd.DataFrame) -> pd.DataFrame:
    """Per region, the physical effects of the finished cohort on the peildatum (`state` from tr.as_of), one column
    per quantity and year (`column`): effects in the year of the T1, by the benefit the participant started from
    (GROUPS, else overig) where deadweight depends on it; the cohort and its trajectory costs in the year of the T0.
    Each region's K1 target is added where they are valued (scba_tables.tables_from_effects)."""
    cohort = state[state["status"].isin([tr.GEMETEN, tr.UITGEVALLEN])]
    measured = cohort[cohort["status"] == tr.GEMETEN]
    return summed(per_person(measured), measured, cohort, sorted(set(state["regio"])))


def per_person(measured: pd.DataFrame) -> pd.DataFrame:
    """What each measured participant adds to each effect, in the year of its T1 (a row per participant)."""
    def paid_hours(moment: str) -> pd.Series:
        return measured[f"uren_per_week_{moment}"].fillna(0).where(
            measured[f"arbeidssituatie_{moment}"].isin(tr.PAID_WORK), 0.0)

    gained = paid_hours("t1") - paid_hours("t0")  # net: work lost counts against work gained
    wage = measured["bruto_uurloon_t1"]
    group = measured["uitkering_t0"].astype(object).map(GROUPS).fillna(OTHER)
    adds = {"measured": pd.Series(1, index=measured.index),
            "health_net": np.sign(measured["leefgebied_gezondheid_verschil"].astype("float64").fillna(0)),
            "entered_work": (~measured["arbeidssituatie_t0"].isin(tr.PAID_WORK)
                             & measured["arbeidssituatie_t1"].isin(tr.PAID_WORK)).astype(int),
            "in_work_t1": measured["arbeidssituatie_t1"].isin(tr.PAID_WORK).astype(int),
            "pm_certificates": measured["certificaat_of_sk_behaald"].fillna(False).astype(int),
            "pm_social_inclusion": measured["verbeterde_sociale_inclusie"].fillna(False).astype(int),
            "pm_basic_skills": measured["verbeterde_basisvaardigheden"].fillna(False).astype(int)}
    for slug in (*GROUPS.values(), OTHER):
        mine = group == slug
        adds[f"hours_week_{slug}"] = gained.where(mine, 0.0)
        adds[f"hours_week_unknown_wage_{slug}"] = gained.where(mine & wage.isna(), 0.0)
        adds[f"wage_bill_week_known_{slug}"] = (gained * wage).fillna(0.0).where(mine, 0.0)
    for kind, slug in SLUGS.items():  # leaving a benefit for none, and entering one from none
        adds[f"benefit_out_{slug}"] = _moved(measured, kind, "geen")
        adds[f"benefit_in_{slug}"] = _moved(measured, "geen", kind)
    return pd.DataFrame(adds)


def summed(adds: pd.DataFrame, measured: pd.DataFrame, cohort: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    """`effects` from what the measured participants add (`per_person`) and the cohort."""
    parts = [_per_year(adds, measured["regio"], measured["meetdatum_t1"]),
             _per_year(pd.DataFrame({"cohort": pd.Series(1, index=cohort.index),
                                     "trajectory_costs": cohort["trajectkosten"].astype("float64").fillna(0.0)}),
                       cohort["regio"], cohort["meetdatum_t0"])]
    # Floats throughout: a kept part and a computed one may have other years, whose missing columns are 0.
    return pd.concat(parts, axis=1).reindex(regions).fillna(0.0).astype("float64")


def _per_year(values: pd.DataFrame, region: pd.Series, day: pd.Series) -> pd.DataFrame:
    if values.empty:
        return pd.DataFrame(index=pd.Index([], name="regio"))
    # the dates are datetimes already: without cache=False pandas would scan a tenth of them as Timestamps first
    year = pd.to_datetime(day, cache=False).dt.year.rename("year")
    sums = values.groupby([region.astype(object).rename("regio"), year]).sum()
    wide = sums.unstack("year", fill_value=0)
    wide.columns = [column(quantity, int(year)) for quantity, year in wide.columns]
    return wide


def _moved(measured: pd.DataFrame, before: str, after: str) -> pd.Series:
    return ((measured["uitkering_t0"] == before) & (measured["uitkering_t1"] == after)).astype(int)


# --- valuation -----------------------------------------------------------------------------------------------

def discount_factors(rate, years: int) -> np.ndarray:
    """1 / (1 + r)^t for t = 0 .. years - 1: year 0 undiscounted (numpy-financial's npv convention)."""
    return 1.0 / (1.0 + np.asarray(rate, dtype=float)[..., None]) ** np.arange(years)


def effect_weights(p: dict) -> np.ndarray:
    """Share of the first year's effect left in effect year t: decay, a possibly fractional duration, the horizon."""
    years = int(np.max(p["horizon_years"]))
    t = np.arange(years)
    duration = np.clip(np.asarray(p["effect_duration_years"], dtype=float)[..., None] - t, 0, 1)
    within = t < np.asarray(p["horizon_years"])[..., None]
    return duration * within * (1 - np.asarray(p["annual_decay"], dtype=float)[..., None]) ** t


def calendar_weights(p: dict) -> np.ndarray:
    """effect_weights in calendar years from the year of the T1 (half-year convention): year j holds half of effect
    year j - 1 and half of effect year j, so the first year counts half and the total is unchanged."""
    weights = effect_weights(p)
    padded = np.concatenate([weights, np.zeros(weights.shape[:-1] + (1,))], axis=-1)
    earlier = np.concatenate([np.zeros(weights.shape[:-1] + (1,)), weights], axis=-1)
    return (padded + earlier) / 2


def budget(region: str, p: dict, params: ScbaParameters):
    """The NGF budget a unit carries, in euro of the price year: a region's own amount, else its share of the pilot or
    scale-up award; the nation the whole award."""
    pilots = p["programme_cost_pilots"] * params.price_factor(params.parameters["programme_cost_pilots"].nominal_year
                                                              or params.price_year)
    scale_up = p["programme_cost_scale_up"] * params.price_factor(
        params.parameters["programme_cost_scale_up"].nominal_year or params.price_year)
    if region == NATIONAL:
        return pilots + scale_up
    if region in params.programme_costs:
        return params.programme_costs[region]
    return pilots / len(PILOTS) if region in PILOTS else scale_up / p["scale_up_regions"]


def programme_share(cohort: float, planned, planned_default, region: str, p: dict):
    """The allocation key: the cohort's share of the unit's programme budget, with whether the default K1 was used
    and whether the share was capped.

    - The budget is for an expected intake: the region's K1 target (the nation: `planned_intake_programme`) times
      `intake_realisation` (the share of the targets reached, an uncertainty the Monte Carlo varies). The cohort
      carries cohort / expected intake of it, at most all of it: a region whose cohort outgrows its intake is charged
      its whole budget, not more.
    - A region without a K1 target (`planned` missing or 0) is charged per participant at the default K1 of the
      targets file (`planned_default`), not its whole budget over one participant. Without a default K1 either, a
      cohort cannot be charged: a ConfigurationError.
    - The part `infrastructure_share` of the budget builds what outlasts the NGF period; with a continuation after
      it (`continuation_share` of the intake again), that part is shared by that intake too."""
    from llo.settings import ConfigurationError

    planned, default_key = _count(planned), False
    if np.all(planned <= 0):
        planned, default_key = _count(planned_default), True
    if np.all(planned <= 0):
        if cohort <= 0:
            return 0.0, default_key, False
        raise ConfigurationError(f"SCBA, region {region}: no K1 target and no default K1 in the targets file, so "
                                 "the NGF programme costs cannot be allocated to its cohort")
    share = cohort / (planned * np.asarray(p["intake_realisation"], dtype=float))
    lasting = np.asarray(p["infrastructure_share"], dtype=float)
    key = np.minimum(share, 1.0) * ((1 - lasting) + lasting / (1 + np.asarray(p["continuation_share"], dtype=float)))
    return key, default_key, share > 1


def _count(value) -> np.ndarray:
    """A target or intake (a number, or draws of one), 0 where there is none."""
    return np.nan_to_num(np.asarray(0.0 if value is None else value, dtype=float))


def valuate(e: pd.Series | dict, region: str, p: dict, params: ScbaParameters) -> dict[str, dict[str, np.ndarray]]:
    """Per variant: yearly welfare effects and transfers of the cohort (first full year, euro of the price year),
    present values at the zichtjaar, costs, the saldo. `p` holds a number or an array of draws per parameter; the
    results broadcast over the draws. `e` also holds the unit's K1 target (`planned`, `planned_default`)."""
    e, rate = Effects.of(e), np.asarray(p["discount_rate"], dtype=float)

    def discount(year: int):
        return (1.0 + rate) ** -(year - params.zichtjaar)

    weights = calendar_weights(p)
    annuity = np.sum(weights * discount_factors(rate, weights.shape[-1]), axis=-1)  # from the T1 year
    net_work = {slug: 1 - np.asarray(p[DEADWEIGHT_GROUPS[group]], dtype=float)
                for group, slug in {**GROUPS, OTHER: OTHER}.items()}
    net_health = 1 - np.asarray(p[DEADWEIGHT_HEALTH], dtype=float)
    yearly = {name: 0.0 for name in ("productivity", "health", "leisure", "taxes",
                                     *(f"benefits_{slug}" for slug in SLUGS.values()))}
    present = dict.fromkeys(yearly, 0.0)
    years = sorted({int(str(name).rsplit(SEPARATOR, 1)[1]) for name in e if SEPARATOR in str(name)})
    for year in years:
        def q(quantity: str, year: int = year) -> float:
            return float(e.get(column(quantity, year), 0.0))

        wage_bill = sum((q(f"wage_bill_week_known_{slug}") * params.price_factor(year)
                         + q(f"hours_week_unknown_wage_{slug}") * p["hourly_wage"]) * net_work[slug]
                        for slug in net_work)
        productivity = wage_bill * p["weeks_per_year"] * (1 + p["employer_on_costs"]) * (1 - p["displacement"])
        flows = {"productivity": productivity,
                 "health": q("health_net") * p["qaly_gain"] * p["qaly_value"] * net_health,
                 "leisure": p["leisure_share"] * (1 - p["tax_wedge"]) * productivity,
                 "taxes": p["tax_wedge"] * productivity,
                 **{f"benefits_{slug}": p[BENEFITS[kind]] * (q(f"benefit_out_{slug}") * net_work[
                     GROUPS.get(kind, OTHER)] - q(f"benefit_in_{slug}") * net_work[OTHER])
                    for kind, slug in SLUGS.items()}}
        for name, flow in flows.items():
            yearly[name] = yearly[name] + flow
            present[name] = present[name] + flow * annuity * discount(year)
    yearly["benefits"] = sum(yearly[f"benefits_{slug}"] for slug in SLUGS.values())
    present["benefits"] = sum(present[f"benefits_{slug}"] for slug in SLUGS.values())

    def at_cost_years(quantity: str, factor=lambda year: 1.0):
        return sum(value * factor(year) * discount(year) for year, value in by_year(e, quantity).items())

    cohort = total(e, "cohort")
    trajectories = at_cost_years("trajectory_costs", params.price_factor)
    participants = at_cost_years("cohort")  # each cohort participant in the year of the T0, discounted
    spread = participants / cohort if cohort else 0.0  # the programme costs fall with the cohort's T0s
    marginal = {"time": participants * p["training_hours"] * p["participant_time_value"],
                "employer": sum(value * discount(year) for year, value in by_year(e, "in_work_t1").items())
                * p["employer_guidance_cost"]}
    planned = p["planned_intake_programme"] if region == NATIONAL else e.get("planned")
    key, default_key, capped = programme_share(cohort, planned, e.get("planned_default"), region, p)
    ngf = key * budget(region, p, params) * spread
    ngf_trajectories = params.payers.get("ngf", 0.0)
    costs = {
        TRAJECTORY: {"trajectories": trajectories, "guidance": participants * p["guidance_cost_per_participant"],
                     **marginal, "ngf": 0.0, "partners": 0.0},
        PROGRAMME: {"trajectories": trajectories * (1 - ngf_trajectories), "guidance": 0.0, **marginal, "ngf": ngf,
                    "partners": ngf * p["partner_contribution_share"]},
    }
    benefits = present["productivity"] + present["health"]
    shape = np.broadcast(*(np.asarray(v) for v in p.values())).shape  # () for a point estimate, (draws,)
    out = {}
    for variant, cost in costs.items():
        total_costs = sum(cost.values()) + present["leisure"]
        amounts = {**{f"yearly_{k}": v for k, v in yearly.items()}, **{f"pv_{k}": v for k, v in present.items()},
                   **{f"cost_{k}": v for k, v in cost.items()}, "cost_trajectories_all": trajectories,
                   "pv_factor": annuity, "benefits": benefits, "costs": total_costs, "npv": benefits - total_costs,
                   # the allocation key, recorded per region (the nation sums them: how many regions)
                   "programme_default_key": float(default_key and region != NATIONAL),
                   "programme_capped": np.asarray(capped, dtype=float) * (region != NATIONAL)}
        out[variant] = {k: np.broadcast_to(np.asarray(v, dtype=float), shape) for k, v in amounts.items()}
    return out


def break_even_deadweight(e: pd.Series, region: str, p: dict, params: ScbaParameters, variant: str) -> float:
    """The deadweight, the same for every group and benefit, at which the saldo is zero: benefits and lost leisure
    scale with 1 - deadweight, the costs do not. NaN where no deadweight between 0 and 1 gives a zero saldo."""
    v = valuate(e, region, {**p, **dict.fromkeys(DEADWEIGHTS, 0.0)}, params)[variant]
    gross = float(v["benefits"] - v["pv_leisure"])  # at zero deadweight
    fixed = float(v["costs"] - v["pv_leisure"])
    if gross <= 0:
        return float("nan")
    level = 1 - fixed / gross
    return level if 0 <= level <= 1 else float("nan")
