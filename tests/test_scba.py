"""The SCBA model on inputs whose answers are known by construction."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from llo.monitor import trajectories as tr
from llo.scba import model as scba
from llo.scba import tables as st
from llo.scba.docs import DOCS_PATH, render_scba_markdown
from llo.scba.parameters import DEADWEIGHTS, load_parameters
from llo.settings import PROJECT_ROOT, ConfigurationError
from tests.kpi_fixtures import catalogue, measurements, participant

PARAMS = load_parameters(PROJECT_ROOT / "config" / "scba_parameters.yaml")
TRAJECTORY, PROGRAMME = scba.TRAJECTORY, scba.PROGRAMME
CPI = {2023: 1.033, 2024: 1.033, 2025: 1.0}  # CPI 2025 / CPI of the year before, from the shipped yearly changes
TO_2025 = {2025: 1.0, 2024: 1.033, 2023: 1.033 ** 2, 2022: 1.038 * 1.033 ** 2}  # 2023: +3.8%, 2024: +3.3%, 2025: +3.3%


def effect(year: int = 2025, **values) -> pd.Series:
    """A unit's effects: quantities in `year` (T1 year for effects, T0 year for costs), and its K1 target."""
    keys = {"planned", "planned_default"}
    quantities = {"cohort": 1, "measured": 1, **{k: v for k, v in values.items() if k not in keys}}
    return pd.Series({**{scba.column(q, year): float(v) for q, v in quantities.items()},
                      "planned": 1, **{k: v for k, v in values.items() if k in keys}})


def frame(**units: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(units.values(), index=list(units)).fillna(0.0)


NOTHING_ELSE = {**dict.fromkeys(DEADWEIGHTS, 0.0), "displacement": 0.0, "effect_duration_years": 1,
                "annual_decay": 0.0, "leisure_share": 0.0, "employer_on_costs": 0.0, "discount_rate": 0.0,
                "training_hours": 0.0, "participant_time_value": 0.0, "guidance_cost_per_participant": 0.0,
                "employer_guidance_cost": 0.0, "programme_cost_pilots": 0.0, "programme_cost_scale_up": 0.0,
                "partner_contribution_share": 0.0}


def simple(**overrides):
    """One year of effect, nothing netted out or discounted, no programme budget or marginal costs but the
    trajectories: only what a test puts in."""
    return PARAMS.with_overrides({**NOTHING_ELSE, **overrides})


def value(e: pd.Series, params, region: str = "achterhoek", variant: str = TRAJECTORY, **p) -> dict:
    return scba.valuate(e, region, {**params.values(), **p}, params)[variant]


def test_discount_factors_at_2_25_percent():
    factors = scba.discount_factors(0.0225, 21)
    assert [round(float(factors[t]), 4) for t in (0, 1, 5, 10, 20)] == [1.0, 0.9780, 0.8947, 0.8005, 0.6408]


def test_the_price_index_brings_every_year_to_the_price_year():
    assert PARAMS.price_year == 2025 and PARAMS.zichtjaar == 2025
    for year, factor in TO_2025.items():
        assert PARAMS.price_factor(year) == pytest.approx(factor, rel=1e-12)
    assert PARAMS.price_factor(2027) == 1.0  # after the last published year: no forecast
    assert PARAMS.price_factor(2010) == PARAMS.price_factor(2015)  # before the base year: the first level


def test_seo_per_participant_figures_give_net_1000_and_bc_1_5():
    """Benefits of EUR 3,000 and costs of EUR 2,000 per participant (SEO 2013), nothing discounted."""
    params = simple()
    v = value(effect(wage_bill_week_known_overig=3000 / 52, trajectory_costs=2000.0), params)
    assert float(v["benefits"]) == pytest.approx(3000) and float(v["costs"]) == pytest.approx(2000)
    assert float(v["npv"]) == pytest.approx(1000)
    assert float(v["benefits"] / v["costs"]) == pytest.approx(1.5)


def test_the_first_year_counts_half_and_the_effect_lasts_its_duration():
    """Half-year convention: an effect of two years from the T1 year counts 0.5, 1, 0.5 in the calendar years."""
    p = simple(effect_duration_years=2).values()
    assert scba.calendar_weights(p).tolist()[:4] == [0.5, 1.0, 0.5, 0.0]
    e = effect(wage_bill_week_known_overig=1000 / 52)
    assert float(value(e, simple(effect_duration_years=2), discount_rate=0.1)["pv_productivity"]) == \
        pytest.approx(500 + 1000 / 1.1 + 500 / 1.1 ** 2)


def test_npv_against_an_independent_computation():
    """Effects from 2024, costs in 2023: discounted to the zichtjaar 2025, so both are compounded up; the wage of
    2024 and the trajectory costs of 2023 in euro of 2025."""
    params = simple(effect_duration_years=4, annual_decay=0.1, deadweight_bijstand=0.4, deadweight_health=0.5,
                    displacement=0.2, employer_on_costs=0.25, leisure_share=0.3, discount_rate=0.0225)
    p = params.values()
    e = pd.concat([effect(2024, wage_bill_week_known_bijstand=100.0, health_net=2, cohort=0, measured=1),
                   effect(2023, trajectory_costs=5000.0, cohort=1, measured=0).drop(["planned"])])
    productivity = 100 * TO_2025[2024] * 52 * 1.25 * 0.6 * 0.8
    yearly = productivity + 2 * p["qaly_gain"] * p["qaly_value"] * 0.5
    leisure = 0.3 * (1 - p["tax_wedge"]) * productivity
    weights = [0.9 ** t for t in range(4)] + [0.0]
    calendar = [(weights[j] + (weights[j - 1] if j else 0)) / 2 for j in range(5)]
    effects = sum((yearly - leisure) * c / 1.0225 ** (2024 + j - 2025) for j, c in enumerate(calendar))
    costs = 5000 * TO_2025[2023] * 1.0225 ** 2
    assert float(value(e, params)["npv"]) == pytest.approx(effects - costs, rel=1e-12)


def test_the_horizon_cuts_off_a_longer_effect():
    short = simple(effect_duration_years=8, horizon_years=5).values()
    assert scba.effect_weights(short).sum() == 5


def test_deadweight_depends_on_the_benefit_a_participant_starts_from():
    """The same hour of work is worth (1 - deadweight) of its group: bijstand 30%, WW 70% in the file."""
    params = simple(deadweight_bijstand=0.3, deadweight_ww=0.7, deadweight_wia_wajong=0.2, deadweight_overig=0.5)
    worth = {slug: float(value(effect(**{f"wage_bill_week_known_{slug}": 100 / 52}), params)["pv_productivity"])
             for slug in ("bijstand", "ww", "wia_wajong", "overig")}
    assert worth == pytest.approx({"bijstand": 70.0, "ww": 30.0, "wia_wajong": 80.0, "overig": 50.0})
    exits = value(effect(benefit_out_bijstand=1, benefit_out_ww=1, benefit_in_bijstand=1), params)
    assert float(exits["pv_benefits"]) == pytest.approx(16000 * 0.7 + 20000 * 0.3 - 16000 * 0.5)
    assert float(value(effect(health_net=1), simple(deadweight_health=0.25))["pv_health"]) == pytest.approx(
        0.02 * 60000 * 0.75)


def test_full_deadweight_leaves_no_benefits():
    params = simple(**dict.fromkeys(DEADWEIGHTS, 1.0))
    e = effect(wage_bill_week_known_bijstand=200.0, health_net=5, benefit_out_bijstand=3, trajectory_costs=100.0)
    v = value(e, params)
    assert float(v["benefits"]) == 0 and float(v["pv_benefits"]) == 0 and float(v["npv"]) == -100.0


def test_transfers_cancel_and_actors_add_up_to_the_saldo_in_both_variants():
    e = frame(twente=effect(wage_bill_week_known_bijstand=300.0, hours_week_bijstand=20, health_net=3,
                            benefit_out_bijstand=2, benefit_in_ww=1, benefit_out_anders=1, in_work_t1=5,
                            trajectory_costs=4000.0, cohort=12, measured=10, planned=400))
    for unit in st.units(e, PARAMS):
        for variant in scba.VARIANTS:
            rows = pd.DataFrame(st.distribution(unit, PARAMS, variant))
            assert rows.loc[rows["kind"] == "transfer", "value"].sum() == pytest.approx(0, abs=1e-6)
            saldo = rows.loc[rows["kind"] == "saldo", "value"].iloc[0]
            assert rows.loc[~rows["kind"].isin(["saldo", "pm"]), "value"].sum() == pytest.approx(saldo)
            assert saldo == pytest.approx(float(unit.value[variant]["npv"]))
            assert rows.loc[rows["kind"] == "pm", "actor"].tolist() == ["zorgverzekeraar", "onderwijsinstellingen"]


def test_benefit_savings_go_to_the_municipality_and_uwv_and_trajectory_costs_to_their_payers():
    params = simple()
    e = frame(twente=effect(benefit_out_bijstand=1, benefit_out_ww=1, benefit_out_wia_wajong=1, benefit_out_anders=1,
                            trajectory_costs=1000.0, planned=400))
    unit = st.units(e, params)[0]
    for variant in scba.VARIANTS:
        rows = pd.DataFrame(st.distribution(unit, params, variant)).set_index(["actor", "item"])["value"]
        assert rows["gemeente", "Bespaarde bijstand en andere gemeentelijke uitkeringen"] == 16000 + 12000
        assert rows["UWV", "Bespaarde WW en WIA/Wajong"] == 20000 + 17000
        costs = {actor: -value for (actor, item), value in rows.items() if item.startswith("Trajectkosten")}
        expected = {"gemeente": 400.0, "O&O-fondsen": 100.0, "werkgever": 100.0, "financier onbekend": 300.0}
        if variant == TRAJECTORY:
            expected["rijksoverheid"] = 100.0  # in the programme variant the NGF share is inside the NGF budget
        assert costs == pytest.approx(expected)


def test_programme_costs_follow_the_award_in_euro_of_the_price_year():
    """The pilots' EUR 7.6 million of 2022 and the scale-up's 42.9 million of 2025, in euro of 2025, shared by the
    expected intake; a region's own budget is in euro of the price year."""
    params = PARAMS.with_overrides({"discount_rate": 0.0})
    p = params.values()
    e = effect(cohort=40, planned=400)
    pilot, scale_up = (scba.valuate(e, region, p, params)[PROGRAMME] for region in ("twente", "achterhoek"))
    assert float(pilot["cost_ngf"]) == pytest.approx(7_600_000 * TO_2025[2022] / 2 * 0.1)
    assert float(scale_up["cost_ngf"]) == pytest.approx(42_900_000 / 18 * 0.1)
    assert float(scale_up["cost_partners"]) == pytest.approx(42_900_000 / 18 * 0.1 * 0.25)
    own = type(params)(**{**params.__dict__, "programme_costs": {"achterhoek": 1_000_000}})
    assert float(scba.valuate(e, "achterhoek", p, own)[PROGRAMME]["cost_ngf"]) == pytest.approx(100_000)
    assert float(scba.valuate(e, "achterhoek", p, params)[TRAJECTORY]["cost_ngf"]) == 0


def test_the_allocation_key_shares_the_budget_by_the_expected_intake_and_the_lasting_part_with_continuation():
    """key = min(cohort / (K1 x realisation), 1) x ((1 - lasting) + lasting / (1 + continuation))."""
    params = PARAMS.with_overrides({"discount_rate": 0.0})
    budget = 42_900_000 / 18

    def cost(**p) -> float:
        return float(scba.valuate(effect(cohort=100, planned=400), "achterhoek", {**params.values(), **p},
                                  params)[PROGRAMME]["cost_ngf"])

    assert cost() == pytest.approx(budget * 0.25)
    assert cost(intake_realisation=0.5) == pytest.approx(budget * 0.5)  # half the intake: twice the share
    assert cost(continuation_share=1.0) == pytest.approx(budget * 0.25 * (0.75 + 0.25 / 2))
    assert cost(continuation_share=1.0, infrastructure_share=0.4) == pytest.approx(budget * 0.25 * (0.6 + 0.2))


def test_a_cohort_over_its_k1_target_carries_its_whole_budget_once():
    """Share = min(cohort / K1, 1): 600 participants against a K1 of 400 carry the budget, not 1.5 times it."""
    params = PARAMS.with_overrides({"discount_rate": 0.0})
    p = params.values()
    over = scba.valuate(effect(cohort=600, planned=400), "achterhoek", p, params)[PROGRAMME]
    assert round(float(over["cost_ngf"]), 2) == 2_383_333.33  # 42,900,000 / 18, not 3,575,000.00
    assert float(over["programme_capped"]) == 1 and float(over["programme_default_key"]) == 0
    exact = scba.valuate(effect(cohort=400, planned=400), "achterhoek", p, params)[PROGRAMME]
    assert round(float(exact["cost_ngf"]), 2) == 2_383_333.33 and float(exact["programme_capped"]) == 0


def test_a_region_without_a_k1_target_is_charged_per_participant_at_the_default_k1():
    """10 participants, no K1 target, default K1 400: 10 / 400 of the budget share, not 10 times the budget."""
    params = PARAMS.with_overrides({"discount_rate": 0.0})
    p = params.values()
    v = scba.valuate(effect(cohort=10, planned=0, planned_default=400), "achterhoek", p, params)[PROGRAMME]
    assert round(float(v["cost_ngf"]), 2) == 59_583.33  # 2,383,333.33 x 10 / 400
    assert float(v["programme_default_key"]) == 1 and float(v["programme_capped"]) == 0
    with pytest.raises(ConfigurationError, match="region achterhoek: no K1 target and no default K1"):
        scba.valuate(effect(cohort=10, planned=0), "achterhoek", p, params)
    assert float(scba.valuate(effect(cohort=0, measured=0, planned=0), "achterhoek", p, params)[PROGRAMME][
        "cost_ngf"]) == 0


def test_the_nation_carries_the_programmes_average_cost_per_participant_not_the_regions_mix():
    """Nationally: cohort / planned intake of the programme x the whole award, whatever the regions' mix."""
    params = PARAMS.with_overrides({"discount_rate": 0.0})
    e = frame(twente=effect(cohort=300, planned=400), achterhoek=effect(cohort=20, planned=400))
    nation = st.units(e, params)[-1]
    award = 7_600_000 * TO_2025[2022] + 42_900_000
    assert float(nation.value[PROGRAMME]["cost_ngf"]) == pytest.approx(award * 320 / 8000)
    assert float(nation.value[TRAJECTORY]["cost_ngf"]) == 0


def test_the_programme_cost_row_says_what_the_allocation_key_did():
    e = frame(twente=effect(cohort=600, planned=400, planned_default=400),
              achterhoek=effect(cohort=10, planned=0, planned_default=400))
    notes = {unit.region: next(r for r in st.overview(unit, PARAMS, PROGRAMME)
                               if r["item"].startswith("Programmakosten NGF"))["note"]
             for unit in st.units(e, PARAMS)}
    key = "verdeelsleutel: het cohort gedeeld door de verwachte instroom (het K1-doel), maal het budget van de regio"
    assert notes["twente"] == (f"{key}; cohort boven het K1-doel van 400 deelnemers: het hele budget toegerekend, "
                               "niet meer (het budget wordt één keer uitgegeven)")
    assert notes["achterhoek"] == f"{key}; geen K1-doel: per deelnemer toegerekend bij het standaard-K1 van 400 " \
                                  "deelnemers"
    assert notes["nationaal"].startswith("verdeelsleutel: het cohort gedeeld door de verwachte instroom van het hele "
                                         "programma")


def small_cohort_tables() -> dict[str, pd.DataFrame]:
    """Twente (a pilot, K1 target 2) with three in its cohort: A from bijstand to 20 hours at EUR 15 and better
    health, B from 30 to 20 hours (no wage given), C started in 2023 and dropped out; Achterhoek (no K1 target, the
    default K1 of 400) with D from WW to 10 hours at EUR 20. Peildatum 31 December 2024."""
    people = [participant("A", "2024-09-15", t0={"uitkering": "bijstand"},
                          t1={"arbeidssituatie": "betaald werk", "uren_per_week": 20.0, "uitkering": "geen",
                              "bruto_uurloon": 15.0, "leefgebied_gezondheid": 4}),
              participant("B", "2024-09-15", t0={"arbeidssituatie": "betaald werk", "uren_per_week": 30.0,
                                                 "uitkering": "geen"},
                          t1={"arbeidssituatie": "betaald werk", "uren_per_week": 20.0}),
              participant("C", start="2023-06-01"),
              participant("D", "2024-11-01", start="2024-03-01", region="achterhoek", t0={"uitkering": "WW"},
                          t1={"arbeidssituatie": "betaald werk", "uren_per_week": 10.0, "uitkering": "geen",
                              "bruto_uurloon": 20.0})]
    trajectories = pd.concat([tr.derive(measurements(*people[:3]), catalogue()),
                              tr.derive(measurements(people[3]), catalogue("achterhoek"))], ignore_index=True)
    return st.month_tables(trajectories, [pd.Timestamp("2024-12-31")], PARAMS, {"twente": 2}, n_draws=200,
                           default_planned=400)


def test_both_variants_by_hand_for_a_small_cohort():
    """Every amount worked out here with the file's values, independently of the model, to the cent."""
    tables = small_cohort_tables()
    overview = tables["scba_overview"].set_index(["region", "variant", "item"])["value"]
    r, d = 0.0225, 1.0225  # a flow of 2024 is worth (1 + r) of 2025, one of 2023 (1 + r)^2
    weights = [0.8 ** t for t in range(5)] + [0.0] * 5  # five years, 20% less each year, horizon ten
    annuity = sum((weights[j] + (weights[j - 1] if j else 0)) / 2 / (1 + r) ** j for j in range(10)) + \
        weights[9] / 2 / (1 + r) ** 10
    wage_2024 = 1.033  # a wage of 2024 in euro of 2025
    prod_a = 20 * 15 * wage_2024 * 52 * 1.25 * (1 - 0.3) * (1 - 0.1)
    prod_b = -10 * 16 * 52 * 1.25 * (1 - 0.5) * (1 - 0.1)
    prod_d = 10 * 20 * wage_2024 * 52 * 1.25 * (1 - 0.7) * (1 - 0.1)
    health_a = 0.02 * 60_000 * (1 - 0.5)

    def pv(yearly: float) -> float:  # effects from 2024
        return yearly * annuity * d

    benefits = {"twente": pv(prod_a + prod_b + health_a), "achterhoek": pv(prod_d)}
    leisure = {"twente": pv(0.25 * 0.7 * (prod_a + prod_b)), "achterhoek": pv(0.25 * 0.7 * prod_d)}
    trajectories = {"twente": 1500 * 1.033 * d * 2 + 1500 * 1.033 ** 2 * d ** 2, "achterhoek": 1500 * 1.033 * d}
    per_t0 = {"twente": 2 * d + d ** 2, "achterhoek": d}  # the cohort's T0 years, discounted
    employer = {"twente": 500 * d * 2, "achterhoek": 500 * d}  # A, B and D work at the T1
    time = {k: 120 * 7.5 * v for k, v in per_t0.items()}
    trajectory_costs = {k: trajectories[k] + 750 * per_t0[k] + time[k] + employer[k] + leisure[k] for k in per_t0}
    pilots = 7_600_000 * 1.038 * 1.033 ** 2
    ngf = {"twente": pilots / 2 * 1.0 * per_t0["twente"] / 3,  # 3 in the cohort against a K1 of 2: capped at 1
           "achterhoek": 42_900_000 / 18 * (1 / 400) * d}  # no K1: the default 400
    programme_costs = {k: ngf[k] * 1.25 + trajectories[k] * 0.9 + time[k] + employer[k] + leisure[k] for k in ngf}
    for region in ("twente", "achterhoek"):
        assert round(overview[region, TRAJECTORY, st.SALDO], 2) == round(benefits[region] - trajectory_costs[region], 2)
        assert round(overview[region, PROGRAMME, st.SALDO], 2) == round(benefits[region] - programme_costs[region], 2)
        assert round(overview[region, PROGRAMME, "Programmakosten NGF (toegerekend aan het cohort)"], 2) == round(
            ngf[region], 2)
    national_ngf = (pilots + 42_900_000) * 4 / 8000 * (3 * d + d ** 2) / 4
    national = sum(benefits.values()) - sum(programme_costs.values()) + sum(1.25 * ngf[k] for k in ngf) \
        - 1.25 * national_ngf
    assert round(overview["nationaal", PROGRAMME, st.SALDO], 2) == round(national, 2)
    assert round(overview["nationaal", TRAJECTORY, st.SALDO], 2) == round(
        sum(benefits.values()) - sum(trajectory_costs.values()), 2)
    notes = tables["scba_overview"].set_index(["region", "variant", "item"])["note"]
    assert "cohort boven het K1-doel van 2" in notes["twente", PROGRAMME, "Programmakosten NGF (toegerekend aan het "
                                                                           "cohort)"]
    assert "geen K1-doel" in notes["achterhoek", PROGRAMME, "Programmakosten NGF (toegerekend aan het cohort)"]


def test_the_checks_hold_for_both_variants_of_the_small_cohort():
    from checks import scba_checks

    tables = small_cohort_tables()
    assert set(tables["scba_distribution"]["variant"]) == set(scba.VARIANTS)
    assert scba_checks.transfers_not_cancelling(tables["scba_distribution"]).empty
    assert scba_checks.distribution_not_saldo(tables["scba_distribution"], tables["scba_overview"]).empty
    assert scba_checks.monte_carlo_far(tables["scba_monte_carlo"]).empty
    assert len(tables["scba_monte_carlo"]) == 3 * 2  # two regions and the nation, two variants


def test_break_even_deadweight_on_a_known_flow():
    """2,000 of benefits at zero deadweight against 1,500 of costs: the saldo is zero at 25%, for every group."""
    params = simple()
    e = effect(wage_bill_week_known_bijstand=1000 / 52, wage_bill_week_known_ww=1000 / 52, trajectory_costs=1500.0)
    assert scba.break_even_deadweight(e, "achterhoek", params.values(), params, TRAJECTORY) == pytest.approx(0.25)
    costly = effect(wage_bill_week_known_ww=1000 / 52, trajectory_costs=1500.0)
    assert math.isnan(scba.break_even_deadweight(costly, "achterhoek", params.values(), params, TRAJECTORY))


def test_physical_effects_from_trajectories():
    people = [participant("A", "2024-09-15", t0={"uitkering": "bijstand"},
                          t1={"arbeidssituatie": "betaald werk", "uren_per_week": 20.0, "uitkering": "geen",
                              "bruto_uurloon": 15.0, "leefgebied_gezondheid": 4}),
              participant("B", "2024-09-15", t0={"arbeidssituatie": "betaald werk", "uren_per_week": 30.0,
                                                 "uitkering": "geen"},
                          t1={"arbeidssituatie": "betaald werk", "uren_per_week": 20.0, "leefgebied_gezondheid": 2}),
              participant("C", start="2023-06-01"),  # uitgevallen: in the cohort, no effect
              participant("D", start="2024-08-01")]  # lopend: not in the cohort
    state = tr.as_of(tr.derive(measurements(*people), catalogue()), pd.Timestamp("2024-09-30"))
    e = scba.effects(state).loc["twente"]
    assert scba.by_year(e, "cohort") == {2023: 1, 2024: 2} and scba.by_year(e, "measured") == {2024: 2}
    assert scba.total(e, "entered_work") == 1 and scba.total(e, "in_work_t1") == 2
    assert scba.by_year(e, "hours_week_bijstand") == {2024: 20} and scba.by_year(e, "hours_week_overig") == {2024: -10}
    assert scba.total(e, "wage_bill_week_known_bijstand") == 300 and scba.total(
        e, "hours_week_unknown_wage_overig") == -10
    assert scba.total(e, "benefit_out_bijstand") == 1 and scba.total(e, "health_net") == 0  # one better, one worse
    assert scba.by_year(e, "trajectory_costs") == {2023: 1500, 2024: 3000}


@pytest.mark.parametrize(("name", "direction"), [
    ("deadweight_bijstand", -1), ("deadweight_health", -1), ("displacement", -1), ("effect_duration_years", +1),
    ("annual_decay", -1), ("hourly_wage", +1), ("leisure_share", -1), ("qaly_gain", +1), ("qaly_value", +1),
    ("training_hours", -1), ("guidance_cost_per_participant", -1), ("intake_realisation", +1),
    ("infrastructure_share", 0), ("partner_contribution_share", -1), ("discount_rate", -1)])
def test_sensitivity_moves_the_saldo_in_the_expected_direction(name, direction):
    """Programme level for the programme's own parameters, trajectory level for guidance; the lasting part of the
    budget only matters when the regions continue after the NGF period (a scenario, not the base)."""
    e = frame(twente=effect(2024, hours_week_unknown_wage_bijstand=200.0, health_net=20, trajectory_costs=50_000.0,
                            cohort=40, measured=35, planned=400))
    rows = pd.DataFrame(st.sensitivity(e, PARAMS))
    variant = TRAJECTORY if name == "guidance_cost_per_participant" else PROGRAMME
    row = rows[(rows["parameter"] == name) & (rows["kind"] == "range") & (rows["region"] == "twente")
               & (rows["variant"] == variant)].iloc[0]
    change = row["npv_high"] - row["npv_low"]
    assert (np.sign(change) == direction) if direction else change == pytest.approx(0, abs=1e-6)
    scenarios = rows[(rows["parameter"] == "continuation_share") & (rows["kind"] == "scenario")
                     & (rows["variant"] == PROGRAMME)]
    assert sorted(scenarios["value_low"].unique()) == [0.5, 1.0]
    assert (scenarios["npv_low"] > scenarios["npv_base"]).all()  # the lasting part shared by more participants


def test_the_budgets_are_known_and_the_monte_carlo_varies_the_allocation_key_instead():
    varied = {name for name, p in PARAMS.parameters.items() if p.varies}
    assert not {"programme_cost_pilots", "programme_cost_scale_up"} & varied
    assert {"intake_realisation", "infrastructure_share", "partner_contribution_share"} <= varied


def test_the_horizon_is_a_choice_that_covers_every_effect_not_a_sensitivity():
    """Durability is assumed, not measured (there is no T2): duration and decay carry that uncertainty. A horizon
    shorter than the longest duration would cut effects off unseen, so the file refuses it; the tornado has no
    horizon bar (it could only ever be 0)."""
    e = frame(twente=effect(hours_week_unknown_wage_overig=200.0, cohort=40, measured=35, planned=400))
    rows = pd.DataFrame(st.sensitivity(e, PARAMS))
    assert "horizon_years" not in set(rows["parameter"])
    assert {"effect_duration_years", "annual_decay"} <= set(rows.loc[rows["kind"] == "range", "parameter"])
    assert PARAMS.parameters["horizon_years"].low >= PARAMS.parameters["effect_duration_years"].high


def test_a_horizon_shorter_than_the_longest_effect_is_refused(tmp_path):
    text = (PROJECT_ROOT / "config" / "scba_parameters.yaml").read_text(encoding="utf-8")
    path = tmp_path / "scba.yaml"
    path.write_text(text.replace("    value: 10\n    low: 10\n    high: 10\n", "    value: 10\n    low: 5\n"
                                 "    high: 10\n", 1), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"horizon_years: the horizon \(5 years at its lowest\) must cover "
                                                 r"the longest effect duration in the range \(10 years\)"):
        load_parameters(path)


def test_sensitivity_values_every_case_as_the_point_estimate_does():
    """All cases are valued at once, as parameter sets; each must equal the point valuation with that one
    parameter moved, for every region, the nation and both variants."""
    e = frame(twente=effect(2024, hours_week_unknown_wage_bijstand=200.0, health_net=20, trajectory_costs=50_000.0,
                            cohort=40, measured=35, planned=400),
              achterhoek=effect(wage_bill_week_known_ww=3_000.0, benefit_out_ww=4, cohort=25, measured=20,
                                planned=300))
    rows = pd.DataFrame(st.sensitivity(e, PARAMS))
    cases = rows[["parameter", "kind", "value_low", "value_high"]].drop_duplicates()
    assert len(rows) == 3 * 2 * len(cases) and len(cases) > 25  # two regions and the nation, two variants

    def npv(values: dict) -> dict[tuple[str, str], float]:
        return {(u.region, variant): float(v["npv"]) for u in st.units(e, PARAMS, {**PARAMS.values(), **values})
                for variant, v in u.value.items()}

    point = npv({})
    for case in cases.itertuples():
        low, high = npv({case.parameter: case.value_low}), npv({case.parameter: case.value_high})
        for row in rows[(rows["parameter"] == case.parameter) & (rows["kind"] == case.kind)
                        & (rows["value_low"] == case.value_low)].itertuples():
            key = (row.region, row.variant)
            assert row.npv_base == pytest.approx(point[key], rel=1e-12)
            assert row.npv_low == pytest.approx(low[key], rel=1e-12, abs=1e-6)
            assert row.npv_high == pytest.approx(high[key], rel=1e-12, abs=1e-6)
    scenarios = rows[rows["kind"] == "scenario"]
    assert len(scenarios) and (scenarios["swing"] == 0).all()  # one set of values: the same saldo to the last bit


def test_monte_carlo_is_seeded_and_centred_on_the_estimate():
    e = frame(twente=effect(hours_week_unknown_wage_bijstand=200.0, health_net=20, trajectory_costs=50_000.0,
                            cohort=40, measured=35, planned=400))
    first, again = st.monte_carlo(e, PARAMS, 2000, 7), st.monte_carlo(e, PARAMS, 2000, 7)
    assert first == again
    assert st.monte_carlo(e, PARAMS, 2000, 8) != first
    for national in first[-2:]:
        assert national["region"] == "nationaal" and national["draws"] == 2000
        assert abs(national["npv_p50"] - national["npv_deterministic"]) < (
            national["npv_p90"] - national["npv_p10"]) / 4
        assert 0 <= national["p_npv_positive"] <= 1
    assert {row["variant"] for row in first} == set(scba.VARIANTS)


def test_overview_rows_with_pm_and_frame_comparison():
    params = simple()
    e = frame(achterhoek=effect(wage_bill_week_known_overig=3000 / 52, trajectory_costs=2000.0, pm_social_inclusion=1))
    rows = pd.DataFrame(st.overview(st.units(e, params)[0], params, TRAJECTORY)).set_index("item")
    assert rows.at[st.SALDO, "value"] == pytest.approx(1000)
    assert rows.at["Baten/kosten-verhouding", "value"] == pytest.approx(1.5)
    assert rows.at["Baten/kosten-verhouding", "note"].startswith("baten gedeeld door de kosten; het verlies aan vrije "
                                                                 "tijd telt bij de kosten")
    assert rows.at[st.PRODUCTIVITY_PER_PARTICIPANT, "note"].startswith("binnen de bandbreedte")
    assert rows.at[st.NET_PER_PARTICIPANT, "note"].startswith("gelijk aan het netto van SEO 2013")
    assert rows.at["Bruto baten per deelnemer", "note"].startswith("inclusief gezondheid")
    assert rows.at["Verbeterde sociale inclusie", "note"] == "PM" and rows.at["Verbeterde sociale inclusie",
                                                                              "quantity"] == 1
    assert math.isnan(rows.at["Verbeterde sociale inclusie", "value"])
    assert rows.at["Onderwijsinstellingen (kosten en opbrengsten buiten de catalogusprijs)", "note"] == \
        "PM: niet gemeten"
    assert "Interne rentevoet" not in rows.index  # one cohort's flow: the saldo and the break-even say more
    programme = pd.DataFrame(st.overview(st.units(e, params)[0], params, PROGRAMME)).set_index("item")
    assert programme.at[st.NET_PER_PARTICIPANT, "note"] == ("niet te vergelijken met het netto van SEO 2013, dat "
                                                            "geen programmakosten rekende")


def test_figures_of_a_cohort_below_the_threshold_are_not_stored():
    """A cohort of one gets no B/C ratio, saldo or Monte Carlo figure in any table: only its size and the row names."""
    state = tr.derive(measurements(participant("A", "2024-09-15", t1={
        "arbeidssituatie": "betaald werk", "uren_per_week": 20.0, "bruto_uurloon": 15.0})), catalogue())
    tables = st.month_tables(state, [pd.Timestamp("2024-09-30")], PARAMS, {"twente": 400}, n_draws=50)
    assert tables["scba_overview"]["value"].notna().any()  # computed: the checks see every cohort
    stored = st.suppress_small_cohorts(tables, 10)
    overview = stored["scba_overview"]
    assert overview["suppress"].all()
    assert overview["value"].isna().all() and overview["per_participant"].isna().all()
    assert overview.loc[overview["item"] == st.COHORT, "quantity"].tolist() == [1, 1, 1, 1]  # twente, nation x 2
    assert stored["scba_distribution"]["value"].isna().all()
    assert stored["scba_sensitivity"][["npv_base", "npv_low", "npv_high", "swing"]].isna().all().all()
    assert stored["scba_monte_carlo"][["npv_p50", "p_npv_positive"]].isna().all().all()
    kept = st.suppress_small_cohorts(tables, 1)
    assert not kept["scba_overview"]["suppress"].any()
    pd.testing.assert_frame_equal(kept["scba_distribution"], tables["scba_distribution"])


def kengetal_cohort() -> pd.DataFrame:
    """40 participants, one year of effect, deadweight 50%, displacement 20%, no programme budget, no leisure, no
    discounting: productivity 1,000 x 52 x 0.5 x 0.8 = 20,800.00; health 10 x 0.02 x 60,000 x 0.5 = 6,000.00;
    costs 20,000.00."""
    params = simple(deadweight_overig=0.5, deadweight_health=0.5, displacement=0.2)
    e = frame(achterhoek=effect(wage_bill_week_known_overig=1000.0, health_net=10, trajectory_costs=20_000.0,
                                cohort=40, measured=40, planned=400))
    return pd.DataFrame(st.overview(st.units(e, params)[0], params, TRAJECTORY)).set_index("item")


def test_the_frame_band_is_set_against_the_productivity_benefit_per_participant():
    rows = kengetal_cohort()
    assert round(rows.at[st.PRODUCTIVITY_PER_PARTICIPANT, "value"], 2) == 520.00  # 20,800 / 40
    assert rows.at[st.PRODUCTIVITY_PER_PARTICIPANT, "note"] == (
        "onder de bandbreedte van het evaluatiekader (EUR 1.000-3.000 aan baten uit arbeidsproductiviteit en "
        "inkomen); contante waarde na deadweight en verdringing")
    assert round(rows.at["Bruto baten per deelnemer", "value"], 2) == 670.00  # (20,800 + 6,000) / 40
    assert rows.at["Bruto baten per deelnemer", "note"] == ("inclusief gezondheid, dus niet te vergelijken met de "
                                                            "bandbreedte van het kader")
    assert round(rows.at[st.NET_PER_PARTICIPANT, "value"], 2) == 170.00  # (26,800 - 20,000) / 40
    assert rows.at[st.NET_PER_PARTICIPANT, "note"].startswith(
        "onder het netto van SEO 2013 (ongeveer EUR 1.000 per deelnemer aan een cursus van zes maanden)")
    assert not rows["note"].fillna("").str.contains("bandbreedte van het evaluatiekader").drop(
        st.PRODUCTIVITY_PER_PARTICIPANT).any()


def test_the_gdp_effect_is_projected_to_the_programmes_planned_intake():
    rows = kengetal_cohort()
    assert round(rows.at["Toegevoegde waarde per jaar", "value"], 2) == 20_800.00
    assert rows.at["Bbp-effect", "value"] == pytest.approx(20_800 / 1.1e12, rel=1e-12)
    assert rows.at["Bbp-effect", "note"].startswith("het cohort tot nu toe")
    assert rows.at[st.PROJECTED_VALUE, "quantity"] == 8000
    assert round(rows.at[st.PROJECTED_VALUE, "value"], 2) == 4_160_000.00  # 20,800 / 40 x 8,000
    assert rows.at[st.PROJECTED_GDP, "value"] == pytest.approx(4_160_000 / 1.1e12, rel=1e-12)  # 0.00038%
    assert rows.at[st.PROJECTED_GDP, "note"] == "19% van het kader (0,002% bbp voor het hele programma)"
    assert rows.at[st.FRAME_GDP, "value"] == 0.00002
    assert rows.at[st.FRAME_GDP, "note"] == "ongeveer EUR 22 miljoen per jaar"  # 0.002% of EUR 1,100 billion
    assert PARAMS["planned_intake_programme"] == 8000 and not PARAMS.parameters["planned_intake_programme"].varies


def test_a_comparison_group_replaces_the_deadweight_assumption(tmp_path):
    path = tmp_path / "comparison_group.csv"
    path.write_text("uitkomst;startpositie;verandering_deelnemers;verandering_vergelijkingsgroep;n_deelnemers;"
                    "n_vergelijkingsgroep;bron\n"
                    "werk;bijstand;4,0;1,0;400;1200;CBS-microdata, matching op leeftijd en uitkeringsduur\n"
                    "werk;WW;4,0;6,0;100;300;CBS-microdata\n"
                    "gezondheid;alle;0,20;0,05;500;1500;CBS-microdata\n", encoding="utf-8")
    params = load_parameters(PROJECT_ROOT / "config" / "scba_parameters.yaml", path)
    bijstand = params.parameters["deadweight_bijstand"]
    assert (bijstand.value, bijstand.low, bijstand.high, bijstand.distribution) == (0.25, 0.25, 0.25, "fixed")
    assert bijstand.source.startswith("Vergelijkingsgroep (CBS-microdata, matching op leeftijd en uitkeringsduur): "
                                      "verandering 1 bij 1200 gematchte niet-deelnemers tegen 4 bij 400 deelnemers")
    assert params["deadweight_ww"] == 1.0  # the comparison group gained more: at most all of it is deadweight
    assert params["deadweight_health"] == 0.25
    assert params.parameters["deadweight_overig"] == PARAMS.parameters["deadweight_overig"]  # not in the file
    assert params.comparison == str(path)
    assert load_parameters(PROJECT_ROOT / "config" / "scba_parameters.yaml", tmp_path / "none.csv").comparison == ""


@pytest.mark.parametrize(("row", "message"), [
    ("loon;bijstand;4;1;400;1200;CBS", "row 2, column uitkomst: one of werk, gezondheid, got 'loon'"),
    ("gezondheid;WW;4;1;400;1200;CBS", "row 2, column startpositie: one of alle, got 'WW'"),
    ("werk;bijstand;vier;1;400;1200;CBS", "row 2, column verandering_deelnemers: expected a number, got 'vier'"),
    ("werk;bijstand;0;1;400;1200;CBS", "row 2, column verandering_deelnemers: 0 leaves nothing to attribute"),
    ("werk;bijstand;4;1;400;1200;", "row 2: column(s) bron empty or missing"),
])
def test_a_bad_comparison_group_file_names_file_row_column_and_value(tmp_path, row, message):
    path = tmp_path / "comparison_group.csv"
    path.write_text("uitkomst;startpositie;verandering_deelnemers;verandering_vergelijkingsgroep;n_deelnemers;"
                    f"n_vergelijkingsgroep;bron\n{row}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="comparison_group.csv") as error:
        load_parameters(PROJECT_ROOT / "config" / "scba_parameters.yaml", path)
    assert message in str(error.value)


def test_the_method_document_matches_the_code():
    assert DOCS_PATH.read_text(encoding="utf-8") == render_scba_markdown(), "run `llo docs`"


def write(tmp_path, text: str):
    path = tmp_path / "scba.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_scenario_overrides_are_checked():
    with pytest.raises(ConfigurationError, match="unknown parameter"):
        PARAMS.with_overrides({"dedweight": 0.2})
    with pytest.raises(ConfigurationError, match="deadweight_ww must be a share between 0 and 1"):
        PARAMS.with_overrides({"deadweight_ww": 1.5})
    scenario = PARAMS.with_overrides({"deadweight_ww": 0.2})
    assert scenario["deadweight_ww"] == 0.2 and scenario.parameters["deadweight_ww"].overridden


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("    value: 0.70\n    low: 0.50", "    value: 0.90\n    low: 0.50"), "low <= value <= high"),
    (lambda t: t.replace("  ngf: 0.10", "  ngf: 0.20"),
     "trajectory_cost_payers: shares of at least 0 that add up to 1"),
    (lambda t: t.replace("    2019: 2.6\n", ""), "price_index.yearly_change_percent: every year from 2016 on"),
    (lambda t: t.replace("zichtjaar: 2025", "zichtjaar: volgend jaar"), "zichtjaar: expected a year"),
    (lambda t: t.replace("    source: \"Aanname (uitdoving van het effect); er is geen officieel cijfer\"\n", ""),
     "parameters.annual_decay: missing 'source'"),
    (lambda t: t.replace("  gdp:", "  bbp:"), "missing parameter(s) gdp"),
    (lambda t: t.replace("value: 0.0225", "value: twee"), "discount_rate.value: expected a number"),
    (lambda t: t + "\n  - broken", "not valid YAML"),
])
def test_invalid_parameter_files_name_file_parameter_and_field(tmp_path, edit, message):
    text = (PROJECT_ROOT / "config" / "scba_parameters.yaml").read_text(encoding="utf-8")
    with pytest.raises(ConfigurationError, match="scba.yaml") as error:
        load_parameters(write(tmp_path, edit(text)))
    assert message in str(error.value)


def test_the_checks_catch_broken_tables():
    from checks import scba_checks

    e = frame(twente=effect(wage_bill_week_known_bijstand=300.0, benefit_out_bijstand=2, trajectory_costs=4000.0,
                            cohort=12, planned=400))
    tables = small_cohort_tables()
    key = {"peildatum": pd.Timestamp("2024-01-31"), "scenario": "basis"}
    units = st.units(e, PARAMS)
    distribution = pd.DataFrame([{**key, **r} for u in units for v in scba.VARIANTS
                                 for r in st.distribution(u, PARAMS, v)])
    overview = pd.DataFrame([{**key, **r} for u in units for v in scba.VARIANTS for r in st.overview(u, PARAMS, v)])
    assert scba_checks.transfers_not_cancelling(distribution).empty
    assert scba_checks.distribution_not_saldo(distribution, overview).empty
    broken = distribution.copy()
    broken.loc[broken["item"].str.startswith("Bespaarde bijstand"), "value"] *= 2
    assert set(scba_checks.transfers_not_cancelling(broken)["region"]) == {"twente", "nationaal"}
    assert len(scba_checks.distribution_not_saldo(broken, overview)) == 4  # two units, two variants
    costly = distribution.copy()
    costly.loc[(costly["item"] == "Programmakosten NGF") & (costly["region"] == "twente"), "value"] -= 1
    assert scba_checks.distribution_not_saldo(costly, overview)[["region", "variant"]].values.tolist() == [
        ["twente", PROGRAMME]]
    mc = tables["scba_monte_carlo"]
    assert scba_checks.monte_carlo_far(mc).empty
    assert len(scba_checks.monte_carlo_far(mc.assign(npv_deterministic=mc["npv_p90"] + 1000))) == len(mc)
    spread = pd.DataFrame({"peildatum": [1, 1], "scenario": "basis", "region": ["a", "b"], "variant": TRAJECTORY,
                           "npv_deterministic": [100.0, 100.0], "npv_p10": [0.0, 0.0], "npv_p50": [140.0, 160.0],
                           "npv_p90": [200.0, 200.0]})
    assert scba_checks.monte_carlo_far(spread)["region"].tolist() == ["b"]  # allowed: 50 either side
