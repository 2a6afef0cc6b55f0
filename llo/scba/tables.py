"""The SCBA output tables per peildatum, scenario and variant (trajectory and programme level), for every region and
the nation: overview (with PM rows and key figures), distribution over actors, one-way sensitivity (tornado data)
and Monte Carlo summary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from checks.outputs import SCHEMAS
from llo.dutch_numbers import small_percent
from llo.monitor.kpi import NATIONAL
from llo.scba import model as scba
from llo.scba.parameters import DEADWEIGHTS, PAYERS, ScbaParameters
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
    """A region or the nation on a peildatum: its effects and point valuation per variant."""
    region: str
    effects: scba.Effects
    value: dict[str, dict]


def break_even_note(level: float, params: ScbaParameters) -> str:
    """What the break-even deadweight says, also when there is none: with a saldo that stays negative even if nobody
    would have reached the result without the programme (0% deadweight)."""
    assumed = f"aannames {_deadweight_range(params)}"
    if not np.isnan(level):
        return f"de deadweight, voor elke groep gelijk, waarbij het saldo nul is ({assumed})"
    return f"geen: het saldo is ook bij 0% deadweight negatief ({assumed})"


def _deadweight_range(params: ScbaParameters) -> str:
    values = sorted({params[name] for name in DEADWEIGHTS})
    return f"{values[0]:.0%}" if len(values) == 1 else f"{values[0]:.0%} tot {values[-1]:.0%}"


def units(effects: pd.DataFrame, params: ScbaParameters, p: dict | None = None) -> list[Unit]:
    """Every region and the nation (the sum of the regions' effects, with the programme's own allocation key)."""
    p = params.values() if p is None else p
    if effects.empty:
        return []
    rows = [(region, scba.Effects.of(row)) for region, row in effects.iterrows()]
    rows.append((NATIONAL, scba.Effects.of(effects.sum())))
    return [Unit(region, e, scba.valuate(e, region, p, params)) for region, e in rows]


def _f(x) -> float:
    return float(np.asarray(x))


B_C = ("baten gedeeld door de kosten; het verlies aan vrije tijd telt bij de kosten (CPB/PBL: het saldo is de "
       "maatstaf, de verhouding een hulpmiddel)")


def overview(unit: Unit, params: ScbaParameters, variant: str) -> list[dict]:
    e, v, p = unit.effects, unit.value[variant], params.values()
    cohort = int(scba.total(e, "cohort"))
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
    break_even = scba.break_even_deadweight(e, unit.region, p, params, variant)

    def against_frame(amount: float) -> str:
        """The frame's EUR 1,000-3,000 is a benefit from labour productivity and income: only the productivity
        benefit per participant compares with it."""
        if np.isnan(amount):
            return "n.v.t."
        side = "onder" if amount < low else "boven" if amount > high else "binnen"
        return (f"{side} de bandbreedte van het evaluatiekader (EUR {_euro(low)}-{_euro(high)} aan baten uit "
                "arbeidsproductiviteit en inkomen); contante waarde na deadweight en verdringing")

    def against_seo(amount: float) -> str:
        """SEO counted the costs of a course, not of a programme: only the trajectory level compares."""
        if variant == scba.PROGRAMME:
            return "niet te vergelijken met het netto van SEO 2013, dat geen programmakosten rekende"
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
    participants = (cohort, "deelnemers in cohort")
    if variant == scba.TRAJECTORY:
        cost_rows = [
            ("Trajectkosten (catalogus)", *participants, v["cost_trajectories"], None),
            ("Regionale begeleiding", *participants, v["cost_guidance"], None),
        ]
    else:
        cost_rows = [
            ("Programmakosten NGF (toegerekend aan het cohort)", *participants, v["cost_ngf"],
             allocation_note(unit, v)),
            ("Inzet van regionale en landelijke partners", *participants, v["cost_partners"],
             f"{p['partner_contribution_share']:.0%} van de toegerekende NGF-kosten".replace(".", ",")),
            ("Trajectkosten buiten het NGF-budget", *participants, v["cost_trajectories"],
             f"{1 - params.payers.get('ngf', 0):.0%} van de catalogusprijs; het NGF-deel zit in het budget"),
        ]
    cost_rows += [
        ("Tijd van deelnemers in opleiding", *participants, v["cost_time"], None),
        ("Begeleiding door werkgevers", scba.total(e, "in_work_t1"), "deelnemers met betaald werk bij de eenmeting",
         v["cost_employer"], None),
        ("Verlies vrije tijd", None, None, v["pv_leisure"], None),
    ]
    rows = [
        ("baten", "Productiviteit (extra betaalde uren)", _hours(e), "uur per week (netto, vóór deadweight)",
         _f(v["pv_productivity"]), "euro", None),
        ("baten", "Gezondheid (QALY)", scba.total(e, "health_net"), "deelnemers met betere gezondheid (netto)",
         _f(v["pv_health"]), "euro", None),
        *(("kosten", item, quantity, unit_, _f(value), "euro", note)
          for item, quantity, unit_, value, note in cost_rows),
        ("saldo", "Totaal baten", None, None, benefits, "euro", None),
        ("saldo", "Totaal kosten", None, None, costs, "euro", None),
        ("saldo", SALDO, None, None, npv, "euro", None),
        ("saldo", "Baten/kosten-verhouding", None, None, benefits / costs if costs else np.nan, "ratio", B_C),
        ("saldo", "Break-even deadweight", None, None, break_even, "aandeel", break_even_note(break_even, params)),
        ("pm", "Verbeterde sociale inclusie", scba.total(e, "pm_social_inclusion"), "deelnemers", None, None, "PM"),
        ("pm", "Bewijs met civiel effect of startkwalificatie", scba.total(e, "pm_certificates"), "deelnemers", None,
         None, "PM"),
        ("pm", "Verbeterde basisvaardigheden", scba.total(e, "pm_basic_skills"), "deelnemers", None, None, "PM"),
        ("pm", "Zorgkosten (zorgverzekeraar)", None, None, None, None, "PM: niet gemeten"),
        ("pm", "Onderwijsinstellingen (kosten en opbrengsten buiten de catalogusprijs)", None, None, None, None,
         "PM: niet gemeten"),
        ("kengetal", COHORT, cohort, "deelnemers", None, None, None),
        ("kengetal", MEASURED, scba.total(e, "measured"), "deelnemers", None, None, None),
        ("kengetal", "Naar betaald werk", scba.total(e, "entered_work"), "deelnemers", None, None, None),
        ("kengetal", "Kosten per deelnemer", None, None, per(costs), "euro",
         "alle kosten van deze variant, inclusief het verlies aan vrije tijd"),
        ("kengetal", "Bruto baten per deelnemer", None, None, gross, "euro",
         "inclusief gezondheid, dus niet te vergelijken met de bandbreedte van het kader"),
        ("kengetal", PRODUCTIVITY_PER_PARTICIPANT, None, None, productivity, "euro", against_frame(productivity)),
        ("kengetal", NET_PER_PARTICIPANT, None, None, net, "euro", against_seo(net)),
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
    if variant == scba.PROGRAMME:
        rows.insert(rows.index(next(r for r in rows if r[1] == "Break-even deadweight")) + 1, (
            "saldo", CONTINUED, None, None, _continued(unit, params), "euro",
            "scenario: na de NGF-periode gaan de regio's door met evenveel instroom, die het blijvende deel van het "
            f"budget ({p['infrastructure_share']:.0%}) deelt".replace(".", ",")))
    return [{"region": unit.region, "variant": variant, "section": section, "item": item, "quantity": quantity,
             "unit": unit_, "value": value, "value_unit": value_unit,
             "per_participant": per(value) if value_unit == "euro" and section != "kengetal" else np.nan,
             "note": note, "suppress": False}
            for section, item, quantity, unit_, value, value_unit, note in rows]


SALDO, COHORT, MEASURED = ("Saldo (netto contante waarde)", "Deelnemers in cohort (gemeten + uitgevallen)",
                           "Waarvan gemeten")
COUNTS = (COHORT, MEASURED)
NET_PER_PARTICIPANT = "Netto baten per deelnemer"
CONTINUED = "Saldo bij voortzetting na de NGF-periode"


def _hours(e: pd.Series) -> float:
    return sum(scba.total(e, f"hours_week_{slug}") for slug in (*scba.GROUPS.values(), scba.OTHER))


def _continued(unit: Unit, params: ScbaParameters) -> float:
    """The programme saldo if the regions go on after the NGF period with as many participants again."""
    p = {**params.values(), "continuation_share": 1.0}
    return _f(scba.valuate(unit.effects, unit.region, p, params)[scba.PROGRAMME]["npv"])


def _euro(amount: float) -> str:
    return f"{amount:,.0f}".replace(",", ".")


def allocation_note(unit: Unit, v: dict) -> str:
    """How the programme costs were allocated (llo.scba.model.programme_share)."""
    if unit.region == NATIONAL:
        return ("verdeelsleutel: het cohort gedeeld door de verwachte instroom van het hele programma, maal het hele "
                "NGF-budget (gemiddelde kosten per deelnemer van het programma)")
    notes = ["verdeelsleutel: het cohort gedeeld door de verwachte instroom (het K1-doel), maal het budget van de "
             "regio"]
    if round(_f(v["programme_default_key"])):
        notes.append(f"geen K1-doel: per deelnemer toegerekend bij het standaard-K1 van "
                     f"{int(unit.effects['planned_default'])} deelnemers")
    if round(_f(v["programme_capped"])):
        notes.append(f"cohort boven het K1-doel van {int(_planned(unit))} deelnemers: het hele budget "
                     "toegerekend, niet meer (het budget wordt één keer uitgegeven)")
    return "; ".join(notes)


def _planned(unit: Unit) -> float:
    planned = unit.effects.get("planned")
    return planned if planned and not pd.isna(planned) else unit.effects["planned_default"]


def distribution(unit: Unit, params: ScbaParameters, variant: str) -> list[dict]:
    """Who gains and who pays; transfers cancel, the rest adds up to the saldo. PM rows have no value."""
    v = unit.value[variant]
    payers = params.payers
    in_budget = variant == scba.PROGRAMME  # the NGF part of the trajectory costs is inside the NGF budget there
    trajectories = [(PAYERS[payer], f"Trajectkosten ({PAYER_ITEMS[payer]})", "kosten",
                     -share * v["cost_trajectories_all"])
                    for payer, share in payers.items() if share and not (in_budget and payer == "ngf")]
    municipal = sum(v[f"pv_benefits_{scba.SLUGS[k]}"] for k, a in scba.BENEFIT_PAYERS.items() if a == scba.MUNICIPALITY)
    insured = sum(v[f"pv_benefits_{scba.SLUGS[k]}"] for k, a in scba.BENEFIT_PAYERS.items() if a == scba.UWV)
    rows = [
        (scba.PARTICIPANT, "Netto loon", "transfer", v["pv_productivity"] - v["pv_taxes"]),
        (scba.PARTICIPANT, "Uitkering vervalt", "transfer", -v["pv_benefits"]),
        (scba.PARTICIPANT, "Gezondheid", "welvaart", v["pv_health"]),
        (scba.PARTICIPANT, "Verlies vrije tijd", "welvaart", -v["pv_leisure"]),
        (scba.PARTICIPANT, "Tijd in opleiding", "kosten", -v["cost_time"]),
        (scba.EMPLOYER, "Productiviteit", "welvaart", v["pv_productivity"]),
        (scba.EMPLOYER, "Loonkosten", "transfer", -v["pv_productivity"]),
        (scba.EMPLOYER, "Begeleiding op de werkplek", "kosten", -v["cost_employer"]),
        (scba.MUNICIPALITY, "Bespaarde bijstand en andere gemeentelijke uitkeringen", "transfer", municipal),
        (scba.UWV, "Bespaarde WW en WIA/Wajong", "transfer", insured),
        (scba.GOVERNMENT, "Belastingen en premies", "transfer", v["pv_taxes"]),
        *trajectories,
        *([(scba.GOVERNMENT, "Regionale begeleiding (NGF)", "kosten", -v["cost_guidance"])] if not in_budget else
          [(scba.GOVERNMENT, "Programmakosten NGF", "kosten", -v["cost_ngf"]),
           (scba.PARTNERS, "Inzet (cofinanciering en uren)", "kosten", -v["cost_partners"])]),
        (scba.INSURER, "Zorgkosten", "pm", np.nan),
        (scba.SCHOOLS, "Kosten en opbrengsten buiten de catalogusprijs", "pm", np.nan),
    ]
    out = [{"region": unit.region, "variant": variant, "actor": actor, "item": item, "kind": kind, "value": _f(value)}
           for actor, item, kind, value in rows]
    out.append({"region": unit.region, "variant": variant, "actor": scba.SOCIETY, "item": "Saldo", "kind": "saldo",
                "value": _f(v["npv"])})
    return out


PAYER_ITEMS = {"gemeente": "educatie en re-integratie", "oo_fondsen": "O&O-fondsen", "werkgevers": "werkgevers",
               "ngf": "NGF", "onbekend": "financier onbekend"}


def sensitivity(effects: pd.DataFrame, params: ScbaParameters) -> list[dict]:
    """One-way: each parameter at its low and high end, the others at their values; scenarios. Each case is a set
    of parameter values, and all sets are valued in one call per region, as draws are; per variant."""
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
    npv = {(u.region, variant): np.asarray(value["npv"], dtype=float)
           for u in units(effects, params, {name: np.array([values[name] for values in sets], dtype=float)
                                            for name in base})
           for variant, value in u.value.items()}
    return [{"region": region, "variant": variant, "parameter": parameter.name, "kind": kind, "unit": parameter.unit,
             "base_value": parameter.value, "value_low": low, "value_high": high, "npv_base": float(v[0]),
             "npv_low": float(v[i_low]), "npv_high": float(v[i_high]), "swing": abs(float(v[i_high] - v[i_low]))}
            for parameter, kind, low, high, i_low, i_high in cases for (region, variant), v in npv.items()]


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
                seed: int = DEFAULT_SEED, point_units: list[Unit] | None = None) -> list[dict]:
    """Per unit and variant, the saldo over n draws of every varying parameter; the draws are shared by the regions
    and the variants, so the national distribution keeps their correlation. `point_units`: `units(effects, params)`
    when the caller has them already."""
    drawn = draws(params, n, seed)
    point = {(u.region, variant): _f(value["npv"])
             for u in point_units or units(effects, params) for variant, value in u.value.items()}
    rows = []
    for unit in units(effects, params, drawn):
        for variant, value in unit.value.items():
            npv = value["npv"]
            q = np.quantile(npv, [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95])
            rows.append({"region": unit.region, "variant": variant, "draws": n, "seed": seed,
                         "npv_deterministic": point[unit.region, variant], "npv_mean": float(npv.mean()),
                         **dict(zip(("npv_p05", "npv_p10", "npv_p25", "npv_p50", "npv_p75", "npv_p90", "npv_p95"),
                                    map(float, q), strict=True)),
                         "p_npv_positive": float((npv > 0).mean())})
    return rows


def parameter_rows(params: ScbaParameters) -> list[dict]:
    """Every parameter as used, and the two years every amount refers to (fixed choices, not varied)."""
    years = [{"parameter": "price_year", "label": "Prijsjaar", "value": params.price_year, "unit": "jaar",
              "source": f"Constante prijzen: nominale bedragen omgerekend met de CPI ({params.price_index_source})"},
             {"parameter": "zichtjaar", "label": "Zichtjaar", "value": params.zichtjaar, "unit": "jaar",
              "source": "Basisjaar van de contante waarden (CPB/PBL, Algemene leidraad MKBA 2013)"}]
    return [{"parameter": p.name, "label": p.label, "value": p.value, "low": p.low, "high": p.high, "unit": p.unit,
             "distribution": p.distribution, "source": p.source, "overridden": p.overridden}
            for p in params.parameters.values()] + [
        {**year, "low": year["value"], "high": year["value"], "distribution": "fixed", "overridden": False}
        for year in years]


def suppress_small_cohorts(tables: dict[str, pd.DataFrame], min_participants: int = MIN_PARTICIPANTS
                           ) -> dict[str, pd.DataFrame]:
    """The tables as stored and exported: every figure of a cohort smaller than the disclosure threshold is
    removed. The overview keeps its rows' names and notes, flagged `suppress`, and the cohort's counts, which the
    KPI tables hold as well (D6's basis, D5), so that the reports can say why nothing is shown."""
    overview = tables["scba_overview"]
    cohort = overview[overview["item"] == COHORT].set_index(["peildatum", "scenario", "region"])["quantity"]
    small = {key for key, size in cohort.items() if size < min_participants}
    out = dict(tables)
    for name, columns in SUPPRESSED.items():
        frame = tables[name].copy()
        hidden = pd.Series([key in small for key in zip(frame["peildatum"], frame["scenario"], frame["region"],
                                                        strict=True)], index=frame.index, dtype=bool)
        if name == "scba_overview":
            frame["suppress"] = hidden
            hidden = hidden & ~frame["item"].isin(COUNTS)
        frame[columns] = frame[columns].astype("float64").mask(hidden, axis=0)
        out[name] = frame
    return out


SUPPRESSED = {"scba_overview": ["quantity", "value", "per_participant"], "scba_distribution": ["value"],
              "scba_sensitivity": ["npv_base", "npv_low", "npv_high", "swing"],
              "scba_monte_carlo": ["npv_deterministic", "npv_mean", "npv_p05", "npv_p10", "npv_p25", "npv_p50",
                                   "npv_p75", "npv_p90", "npv_p95", "p_npv_positive"]}


REACHED = "reached"  # region_effects: participants with a T0 on or before the peildatum


def region_effects(trajectories: pd.DataFrame, peildata: list[pd.Timestamp],
                   regions: list[str] | None = None) -> pd.DataFrame:
    """scba.effects on each peildatum without the planned intake, a row per region (those of the trajectories, or
    `regions`) and peildatum, with a peildatum column and the participants reached by then: a region takes part
    from its first. Every region's row is its own part: the monthly asset keeps it per region."""
    from llo.monitor import trajectories as tr

    regions = sorted(set(trajectories["regio"])) if regions is None else regions
    # Categories, so that every month compares codes instead of hundreds of thousands of strings.
    trajectories = trajectories[scba.EFFECT_COLUMNS].astype({name: "category" for name in scba.EFFECT_CATEGORIES})
    # What a participant adds depends only on its phase (tr.Phases): what each adds when measured is computed once,
    # and each peildatum takes the rows of those measured by then, in the order as_of gives them.
    phases = tr.Phases.of(trajectories)
    measured_state = phases.state(tr.GEMETEN)
    adds = scba.per_person(measured_state)
    names, region = np.unique(trajectories["regio"].to_numpy(dtype=object), return_inverse=True)
    frames = []
    for day in sorted(set(map(pd.Timestamp, peildata))):
        phase = phases.on(day)
        measured = phase == tr.PHASES.index(tr.GEMETEN)
        cohort = measured | (phase == tr.PHASES.index(tr.UITGEVALLEN))
        reached = pd.Series(np.bincount(region[phase >= 0], minlength=len(names)), index=names)
        effects = scba.summed(adds[measured], measured_state[measured], trajectories[cohort],
                              list(reached.index[reached > 0])).reindex(regions, fill_value=0.0)
        effects[REACHED] = reached[reached > 0].reindex(regions, fill_value=0)
        frames.append(effects.assign(peildatum=day))
    return pd.concat(frames).fillna(0.0).rename_axis("region")


def month_tables(trajectories: pd.DataFrame, peildata: list[pd.Timestamp], params: ScbaParameters,
                 planned: dict[str, int], scenario: str = "basis", n_draws: int = DEFAULT_DRAWS,
                 seed: int = DEFAULT_SEED, default_planned: int | None = None) -> dict[str, pd.DataFrame]:
    """Every SCBA table for the peildata, keyed by table name (see checks.outputs), before suppression."""
    return tables_from_effects(region_effects(trajectories, peildata), peildata, params, planned, scenario, n_draws,
                               seed, default_planned)


def tables_from_effects(effects: pd.DataFrame, peildata: list[pd.Timestamp], params: ScbaParameters,
                        planned: dict[str, int], scenario: str = "basis", n_draws: int = DEFAULT_DRAWS,
                        seed: int = DEFAULT_SEED, default_planned: int | None = None) -> dict[str, pd.DataFrame]:
    """month_tables from region_effects on the peildata. `planned`: each region's K1 target (the planned intake its
    NGF budget is shared by); `default_planned`: the targets file's default K1, charged per participant to a
    region without a K1 target (llo.scba.model.programme_share). The figures of small cohorts are still in:
    the checks hold them too, and suppress_small_cohorts removes them before they are stored."""
    collected: dict[str, list[dict]] = {name: [] for name in TABLES}
    for peildatum in peildata:
        on_day = effects[(effects["peildatum"] == pd.Timestamp(peildatum)) & (effects[REACHED] > 0)].drop(
            columns=["peildatum", REACHED]).fillna(0.0)
        on_day = on_day.assign(planned=[planned.get(region) or 0 for region in on_day.index],
                               planned_default=default_planned or 0)
        point = units(on_day, params)
        key = {"peildatum": pd.Timestamp(peildatum), "scenario": scenario}
        for name, rows in (("scba_overview", [r for u in point for variant in scba.VARIANTS
                                              for r in overview(u, params, variant)]),
                           ("scba_distribution", [r for u in point for variant in scba.VARIANTS
                                                  for r in distribution(u, params, variant)]),
                           ("scba_sensitivity", sensitivity(on_day, params)),
                           ("scba_monte_carlo", monte_carlo(on_day, params, n_draws, seed, point)),
                           ("scba_parameters", parameter_rows(params))):
            collected[name] += [{**key, **row} for row in rows]
    return {name: pd.DataFrame(rows, columns=TABLES[name]) for name, rows in collected.items()}
