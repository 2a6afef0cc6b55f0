"""The SCBA output tables per peildatum and scenario, for every region and the nation: overview (with PM
rows and key figures), distribution over actors, one-way sensitivity (tornado data) and Monte Carlo summary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from checks.outputs import SCHEMAS
from llo.dutch_numbers import small_percent
from llo.monitor.kpi import NATIONAL
from llo.scba import model as scba
from llo.scba.parameters import ScbaParameters
from llo.settings import MIN_PARTICIPANTS

DEFAULT_DRAWS, DEFAULT_SEED = 10_000, 2025
PRODUCTIVITY_PER_PARTICIPANT = "Productiviteitsbaten per deelnemer (contante waarde, na deadweight)"
PROJECTED_VALUE = "Toegevoegde waarde per jaar bij de geplande instroom (projectie)"
PROJECTED_GDP = "Bbp-effect bij de geplande instroom (projectie)"
FRAME_GDP = "Bbp-effect volgens het evaluatiekader (hele programma)"
TABLES = {name: list(SCHEMAS[name].columns) for name in
          ("scba_overview", "scba_distribution", "scba_sensitivity", "scba_monte_carlo", "scba_parameters")}


@dataclass
class Unit:
    """A region or the nation on a peildatum: its effects and point valuation."""
    region: str
    effects: pd.Series
    value: dict


def break_even_note(level: float, p: dict) -> str:
    """What the break-even deadweight says, also when there is none: without benefits, or with a saldo that stays
    negative even if nobody would have reached the result without the programme (0% deadweight)."""
    assumed = f"aanname {p['deadweight']:.0%}"
    if not np.isnan(level):
        return f"het saldo is positief bij een deadweight tot {level:.0%} ({assumed})"
    return f"geen: het saldo is ook bij 0% deadweight negatief ({assumed})"


def units(effects: pd.DataFrame, params: ScbaParameters, p: dict | None = None) -> list[Unit]:
    p = params.values() if p is None else p
    regional = [Unit(region, row, scba.valuate(row, region, p, params.programme_costs))
                for region, row in effects.iterrows()]
    if not regional:
        return []
    nation = Unit(NATIONAL, effects.sum(), scba.combine([u.value for u in regional]))
    return [*regional, nation]


def _f(x) -> float:
    return float(np.asarray(x))


def overview(unit: Unit, params: ScbaParameters, min_participants: int = MIN_PARTICIPANTS) -> list[dict]:
    e, v, p = unit.effects, unit.value, params.values()
    cohort = int(e["cohort"])
    ref = params.reference

    def per(value):
        return value / cohort if cohort else np.nan

    benefits, costs, npv = _f(v["benefits"]), _f(v["costs"]), _f(v["npv"])
    gross, net, productivity = per(benefits), per(npv), per(_f(v["pv_productivity"]))
    yearly = _f(v["yearly_productivity"])
    gdp_share = yearly / p["gdp"]
    # The frame's 0.002% of GDP is the whole programme's: the cohort's yearly added value per participant,
    # projected to the programme's planned intake (about 20 regions x K1), is what compares with it.
    intake = p["planned_intake_programme"]
    projected = per(yearly) * intake
    projected_share = projected / p["gdp"]
    low, high = ref["benefit_per_participant_low"], ref["benefit_per_participant_high"]
    rate = scba.irr(v)
    break_even = scba.break_even_deadweight(v, p)

    def against_frame(amount: float) -> str:
        """The frame's EUR 1,000-3,000 is a benefit from labour productivity and income: only the productivity
        benefit per participant compares with it."""
        if np.isnan(amount):
            return "n.v.t."
        side = "onder" if amount < low else "boven" if amount > high else "binnen"
        return (f"{side} de bandbreedte van het evaluatiekader (EUR {_euro(low)}-{_euro(high)} aan baten uit "
                "arbeidsproductiviteit en inkomen); contante waarde na deadweight en verdringing")

    def against_seo(amount: float) -> str:
        if np.isnan(amount):
            return "n.v.t."
        seo = ref["seo_net_per_participant"]
        side = "onder" if amount < seo else "boven" if amount > seo else "gelijk aan"
        return (f"{side} het netto van SEO 2013 (ongeveer EUR {_euro(seo)} per deelnemer aan een cursus van zes "
                "maanden); niet te vergelijken met de bandbreedte van het kader, die over baten gaat")

    frame_share = f"{ref['gdp_share']:.3%}".replace(".", ",")
    projection_note = ("n.v.t." if np.isnan(projected_share) else
                       f"{small_percent(projected_share / ref['gdp_share'])} van het kader ({frame_share} bbp voor "
                       "het hele programma)")

    rows = [
        ("baten", "Productiviteit (extra betaalde uren)", float(e["hours_week"]),
         "uur per week (netto, vóór deadweight)", _f(v["pv_productivity"]), "euro", None),
        ("baten", "Gezondheid (QALY)", float(e["health_net"]), "deelnemers met betere gezondheid (netto)",
         _f(v["pv_health"]), "euro", None),
        ("kosten", "Programmakosten NGF (toegerekend aan het cohort)", cohort, "deelnemers in cohort",
         _f(v["cost_programme"]), "euro", allocation_note(unit, v)),
        ("kosten", "Trajectkosten (catalogus)", cohort, "deelnemers in cohort", _f(v["cost_trajectories"]), "euro",
         None),
        ("kosten", "Verlies vrije tijd", None, None, _f(v["pv_leisure"]), "euro", None),
        ("saldo", "Totaal baten", None, None, benefits, "euro", None),
        ("saldo", "Totaal kosten", None, None, costs, "euro", None),
        ("saldo", "Saldo (netto contante waarde)", None, None, npv, "euro", None),
        ("saldo", "Baten/kosten-verhouding", None, None, benefits / costs if costs else np.nan, "ratio", None),
        ("saldo", "Interne rentevoet", None, None, rate, "per jaar",
         "n.v.t.: de kasstroom wisselt niet van teken" if np.isnan(rate) else None),
        ("saldo", "Break-even deadweight", None, None, break_even, "aandeel", break_even_note(break_even, p)),
        ("pm", "Verbeterde sociale inclusie", float(e["pm_social_inclusion"]), "deelnemers", None, None, "PM"),
        ("pm", "Bewijs met civiel effect of startkwalificatie", float(e["pm_certificates"]), "deelnemers", None,
         None, "PM"),
        ("pm", "Verbeterde basisvaardigheden", float(e["pm_basic_skills"]), "deelnemers", None, None, "PM"),
        ("pm", "Zorgkosten (zorgverzekeraar)", None, None, None, None, "PM: niet gemeten"),
        ("kengetal", "Deelnemers in cohort (gemeten + uitgevallen)", cohort, "deelnemers", None, None, None),
        ("kengetal", "Waarvan gemeten", float(e["measured"]), "deelnemers", None, None, None),
        ("kengetal", "Naar betaald werk", float(e["entered_work"]), "deelnemers", None, None, None),
        ("kengetal", "Bruto baten per deelnemer", None, None, gross, "euro",
         "inclusief gezondheid, dus niet te vergelijken met de bandbreedte van het kader"),
        ("kengetal", PRODUCTIVITY_PER_PARTICIPANT, None, None, productivity, "euro", against_frame(productivity)),
        ("kengetal", "Netto baten per deelnemer", None, None, net, "euro", against_seo(net)),
        ("kengetal", "Toegevoegde waarde per jaar", None, None, yearly, "euro", "het cohort tot nu toe"),
        ("kengetal", "Bbp-effect", None, None, gdp_share, "aandeel bbp",
         f"het cohort tot nu toe; het kader ({frame_share} bbp) geldt voor het hele programma"),
        ("kengetal", PROJECTED_VALUE, intake, "geplande instroom programma (personen)", projected, "euro",
         "toegevoegde waarde per deelnemer van het cohort maal de geplande instroom"),
        ("kengetal", PROJECTED_GDP, intake, "geplande instroom programma (personen)", projected_share,
         "aandeel bbp", projection_note),
        ("kengetal", FRAME_GDP, None, None, ref["gdp_share"], "aandeel bbp",
         f"ongeveer EUR {_euro(ref['gdp_share'] * p['gdp'] / 1e6)} miljoen per jaar"),
    ]
    return [{"region": unit.region, "section": section, "item": item, "quantity": quantity, "unit": unit_,
             "value": value, "value_unit": value_unit,
             "per_participant": per(value) if value_unit == "euro" and section != "kengetal" else np.nan,
             "note": note, "suppress": cohort < min_participants}
            for section, item, quantity, unit_, value, value_unit, note in rows]


def _euro(amount: float) -> str:
    return f"{amount:,.0f}".replace(",", ".")


def allocation_note(unit: Unit, v: dict) -> str | None:
    """What the allocation key did where it is not simply cohort / K1 target (llo.scba.model.programme_share)."""
    default, capped = round(_f(v["programme_default_key"])), round(_f(v["programme_capped"]))
    notes = []
    if unit.region == NATIONAL:
        if default:
            notes.append(f"{default} regio('s) zonder K1-doel: per deelnemer toegerekend bij het standaard-K1")
        if capped:
            notes.append(f"{capped} regio('s) met een cohort boven het K1-doel: het hele budget toegerekend, niet "
                         "meer (het budget wordt één keer uitgegeven)")
    else:
        if default:
            notes.append(f"geen K1-doel: per deelnemer toegerekend bij het standaard-K1 van "
                         f"{int(unit.effects['planned_default'])} deelnemers")
        if capped:
            notes.append(f"cohort boven het K1-doel van {int(_planned(unit))} deelnemers: het hele budget "
                         "toegerekend, niet meer (het budget wordt één keer uitgegeven)")
    return "; ".join(notes) or None


def _planned(unit: Unit) -> float:
    planned = unit.effects.get("planned")
    return planned if planned and not pd.isna(planned) else unit.effects["planned_default"]


def distribution(unit: Unit) -> list[dict]:
    v = unit.value
    rows = [
        (scba.PARTICIPANT, "Netto loon", "transfer", v["pv_productivity"] - v["pv_taxes"]),
        (scba.PARTICIPANT, "Uitkering vervalt", "transfer", -v["pv_benefits"]),
        (scba.PARTICIPANT, "Gezondheid", "welvaart", v["pv_health"]),
        (scba.PARTICIPANT, "Verlies vrije tijd", "welvaart", -v["pv_leisure"]),
        (scba.EMPLOYER, "Productiviteit", "welvaart", v["pv_productivity"]),
        (scba.EMPLOYER, "Loonkosten", "transfer", -v["pv_productivity"]),
        (scba.MUNICIPALITY, "Bespaarde uitkeringen", "transfer", v["pv_benefits"]),
        (scba.MUNICIPALITY, "Trajectkosten", "kosten", -v["cost_trajectories"]),
        (scba.GOVERNMENT, "Belastingen en premies", "transfer", v["pv_taxes"]),
        (scba.GOVERNMENT, "Programmakosten NGF", "kosten", -v["cost_programme"]),
    ]
    out = [{"region": unit.region, "actor": actor, "item": item, "kind": kind, "value": _f(value)}
           for actor, item, kind, value in rows]
    out.append({"region": unit.region, "actor": scba.SOCIETY, "item": "Saldo", "kind": "saldo",
                "value": _f(v["npv"])})
    return out


def sensitivity(effects: pd.DataFrame, params: ScbaParameters) -> list[dict]:
    """One-way: each parameter at its low and high end, the others at their values; discount scenarios.
    Each case is a set of parameter values, and all sets are valued in one call per region, as draws are."""
    base = params.values()
    sets, position = [base], {None: 0}  # the first set: every parameter at its value

    def at(name: str, value: float) -> int:
        """The position of the set with `name` at `value` and the others at theirs; each distinct set once, so
        equal sets give equal saldos to the last bit (a scenario's low and high, a bound at the value)."""
        key = (name, value) if value != base[name] else None
        if key not in position:
            position[key] = len(sets)
            sets.append({**base, name: value})
        return position[key]

    cases = []  # (parameter, kind, low, high, position of low, position of high)
    for parameter in params.parameters.values():
        ends = [("range", parameter.low, parameter.high)] if parameter.low < parameter.high else []
        ends += [("scenario", value, value) for value in parameter.scenarios]
        cases += [(parameter, kind, low, high, at(parameter.name, low), at(parameter.name, high))
                  for kind, low, high in ends]
    npv = {u.region: np.asarray(u.value["npv"], dtype=float) for u in units(effects, params, {
        name: np.array([values[name] for values in sets], dtype=float) for name in base})}
    return [{"region": region, "parameter": parameter.name, "kind": kind, "unit": parameter.unit,
             "base_value": parameter.value, "value_low": low, "value_high": high, "npv_base": float(v[0]),
             "npv_low": float(v[i_low]), "npv_high": float(v[i_high]), "swing": abs(float(v[i_high] - v[i_low]))}
            for parameter, kind, low, high, i_low, i_high in cases for region, v in npv.items()]


def draws(params: ScbaParameters, n: int, seed: int) -> dict:
    """n draws of every varying parameter (triangular or uniform); fixed ones stay at their value."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, parameter in params.parameters.items():  # file order: the same seed gives the same draws
        if not parameter.varies:
            out[name] = np.full(n, parameter.value)
        elif parameter.distribution == "uniform":
            out[name] = rng.uniform(parameter.low, parameter.high, n)
        else:
            mode = min(max(parameter.value, parameter.low), parameter.high)
            out[name] = rng.triangular(parameter.low, mode, parameter.high, n)
    return out


def monte_carlo(effects: pd.DataFrame, params: ScbaParameters, n: int = DEFAULT_DRAWS,
                seed: int = DEFAULT_SEED) -> list[dict]:
    drawn = draws(params, n, seed)
    point = {u.region: _f(u.value["npv"]) for u in units(effects, params)}
    rows = []
    for unit in units(effects, params, drawn):
        npv = unit.value["npv"]
        q = np.quantile(npv, [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95])
        rows.append({"region": unit.region, "draws": n, "seed": seed, "npv_deterministic": point[unit.region],
                     "npv_mean": float(npv.mean()), **dict(zip(
                         ("npv_p05", "npv_p10", "npv_p25", "npv_p50", "npv_p75", "npv_p90", "npv_p95"),
                         map(float, q), strict=True)),
                     "p_npv_positive": float((npv > 0).mean())})
    return rows


def parameter_rows(params: ScbaParameters) -> list[dict]:
    return [{"parameter": p.name, "value": p.value, "low": p.low, "high": p.high, "unit": p.unit,
             "distribution": p.distribution, "source": p.source, "overridden": p.overridden}
            for p in params.parameters.values()]


REACHED = "reached"  # region_effects: participants with a T0 on or before the peildatum


def region_effects(trajectories: pd.DataFrame, peildata: list[pd.Timestamp],
                   regions: list[str] | None = None) -> pd.DataFrame:
    """scba.effects on each peildatum without the planned intake, a row per region (those of the trajectories, or
    `regions`) and peildatum, with a peildatum column and the participants reached by then: a region takes part
    from its first. Every region's row is its own part: the monthly asset keeps it per region."""
    from llo.monitor.trajectories import as_of

    regions = sorted(set(trajectories["regio"])) if regions is None else regions
    # Categories, so that every month compares codes instead of hundreds of thousands of strings.
    trajectories = trajectories[scba.EFFECT_COLUMNS].astype({name: "category" for name in scba.EFFECT_CATEGORIES})
    frames = []
    for day in sorted(set(map(pd.Timestamp, peildata))):
        state = as_of(trajectories, day)
        effects = scba.effects(state).reindex(regions, fill_value=0)
        effects[REACHED] = state.groupby("regio").size().reindex(regions, fill_value=0)
        frames.append(effects.assign(peildatum=day))
    return pd.concat(frames).rename_axis("region")


def month_tables(trajectories: pd.DataFrame, peildata: list[pd.Timestamp], params: ScbaParameters,
                 planned: dict[str, int], scenario: str = "basis", n_draws: int = DEFAULT_DRAWS,
                 seed: int = DEFAULT_SEED, min_participants: int = MIN_PARTICIPANTS,
                 default_planned: int | None = None) -> dict[str, pd.DataFrame]:
    """Every SCBA table for the peildata, keyed by table name (see checks.outputs)."""
    return tables_from_effects(region_effects(trajectories, peildata), peildata, params, planned, scenario, n_draws,
                               seed, min_participants, default_planned)


def tables_from_effects(effects: pd.DataFrame, peildata: list[pd.Timestamp], params: ScbaParameters,
                        planned: dict[str, int], scenario: str = "basis", n_draws: int = DEFAULT_DRAWS,
                        seed: int = DEFAULT_SEED, min_participants: int = MIN_PARTICIPANTS,
                        default_planned: int | None = None) -> dict[str, pd.DataFrame]:
    """month_tables from region_effects on the peildata. `planned`: each region's K1 target (the planned intake its
    NGF budget is shared by); `default_planned`: the targets file's default K1, charged per participant to a
    region without a K1 target (llo.scba.model.programme_share)."""
    collected: dict[str, list[dict]] = {name: [] for name in TABLES}
    for peildatum in peildata:
        on_day = effects[(effects["peildatum"] == pd.Timestamp(peildatum)) & (effects[REACHED] > 0)].drop(
            columns=["peildatum", REACHED])
        on_day = on_day.assign(planned=[planned.get(region) or 0 for region in on_day.index],
                               planned_default=default_planned or 0)
        point = units(on_day, params)
        key = {"peildatum": pd.Timestamp(peildatum), "scenario": scenario}
        for name, rows in (("scba_overview", [r for u in point for r in overview(u, params, min_participants)]),
                           ("scba_distribution", [r for u in point for r in distribution(u)]),
                           ("scba_sensitivity", sensitivity(on_day, params)),
                           ("scba_monte_carlo", monte_carlo(on_day, params, n_draws, seed)),
                           ("scba_parameters", parameter_rows(params))):
            collected[name] += [{**key, **row} for row in rows]
    return {name: pd.DataFrame(rows, columns=TABLES[name]) for name, rows in collected.items()}
