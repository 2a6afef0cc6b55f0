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
from llo.scba.parameters import load_parameters
from llo.settings import PROJECT_ROOT, ConfigurationError
from tests.kpi_fixtures import catalogue, measurements, participant

PARAMS = load_parameters(PROJECT_ROOT / "config" / "scba_parameters.yaml")
ZERO = dict.fromkeys(["wage_bill_week_known", "hours_week_unknown_wage", "hours_week", "entered_work", "health_net",
                      "pm_certificates", "pm_social_inclusion", "pm_basic_skills", "trajectory_costs",
                      *(f"benefit_exits_{k}" for k in scba.BENEFITS)], 0.0)


def effect(**values) -> pd.Series:
    return pd.Series({**ZERO, "cohort": 1, "measured": 1, "planned": 1, **values})


def simple(**overrides):
    """One year of effect, nothing netted out, no programme budget: only what a test puts in."""
    base = {"deadweight": 0.0, "displacement": 0.0, "effect_duration_years": 1, "annual_decay": 0.0,
            "leisure_share": 0.0, "employer_on_costs": 0.0, "trajectory_costs_additional": 1.0,
            "programme_cost_pilots": 0.0, "programme_cost_scale_up": 0.0}
    return PARAMS.with_overrides({**base, **overrides})


def test_discount_factors_at_2_25_percent():
    factors = scba.discount_factors(0.0225, 21)
    assert [round(float(factors[t]), 4) for t in (0, 1, 5, 10, 20)] == [1.0, 0.9780, 0.8947, 0.8005, 0.6408]


def test_seo_per_participant_figures_give_net_1000_and_bc_1_5():
    """Benefits of EUR 3,000 and costs of EUR 2,000 per participant in year 0 (SEO 2013)."""
    params = simple()
    e = effect(wage_bill_week_known=3000 / 52, trajectory_costs=2000.0)
    v = scba.valuate(e, "achterhoek", params.values(), {})
    assert float(v["benefits"]) == pytest.approx(3000) and float(v["costs"]) == pytest.approx(2000)
    assert float(v["npv"]) == pytest.approx(1000)
    assert float(v["benefits"] / v["costs"]) == pytest.approx(1.5)


def test_npv_against_an_independent_computation():
    params = simple(effect_duration_years=4, annual_decay=0.1, deadweight=0.4, displacement=0.2,
                    employer_on_costs=0.25, leisure_share=0.3, horizon_years=10)
    p = params.values()
    e = effect(wage_bill_week_known=100.0, health_net=2, trajectory_costs=5000.0)
    yearly = 100 * 52 * 1.25 * 0.6 * 0.8 + 2 * p["qaly_gain"] * p["qaly_value"] * 0.6
    leisure = 0.3 * (1 - p["tax_wedge"]) * 100 * 52 * 1.25 * 0.6 * 0.8
    npv = -5000.0
    for year in range(4):  # year 0 undiscounted, 10% less effect every year, four years
        npv += (yearly - leisure) * 0.9 ** year / 1.0225 ** year
    assert float(scba.valuate(e, "achterhoek", p, {})["npv"]) == pytest.approx(npv)


def test_a_fractional_duration_counts_pro_rata_and_the_horizon_cuts_off():
    p = simple(effect_duration_years=2.5, discount_rate=0.0).values()
    assert scba.effect_weights(p).tolist()[:4] == [1.0, 1.0, 0.5, 0.0]
    short = simple(effect_duration_years=8, horizon_years=5, discount_rate=0.0).values()
    assert scba.effect_weights(short).sum() == 5


def test_full_deadweight_leaves_no_benefits():
    params = simple(deadweight=1.0)
    e = effect(wage_bill_week_known=200.0, health_net=5, benefit_exits_bijstand=3, trajectory_costs=100.0)
    v = scba.valuate(e, "achterhoek", params.values(), {})
    assert float(v["benefits"]) == 0 and float(v["pv_benefits"]) == 0 and float(v["npv"]) == -100.0


def test_transfers_cancel_and_actors_add_up_to_the_saldo():
    e = pd.DataFrame([effect(wage_bill_week_known=300.0, hours_week=20, health_net=3, benefit_exits_bijstand=2,
                             benefit_exits_WW=-1, trajectory_costs=4000.0, cohort=12, measured=10, planned=400)],
                     index=["twente"])
    for unit in st.units(e, PARAMS):
        rows = pd.DataFrame(st.distribution(unit))
        assert rows.loc[rows["kind"] == "transfer", "value"].sum() == pytest.approx(0, abs=1e-6)
        saldo = rows.loc[rows["kind"] == "saldo", "value"].iloc[0]
        assert rows.loc[rows["kind"] != "saldo", "value"].sum() == pytest.approx(saldo)
        assert saldo == pytest.approx(float(unit.value["npv"]))


def test_programme_costs_follow_the_award_and_region_budgets():
    p = PARAMS.values()
    pilot = scba.valuate(effect(cohort=40, planned=400), "twente", p, {})
    scale_up = scba.valuate(effect(cohort=40, planned=400), "achterhoek", p, {})
    own = scba.valuate(effect(cohort=40, planned=400), "achterhoek", p, {"achterhoek": 1_000_000})
    assert float(pilot["cost_programme"]) == pytest.approx(7_600_000 / 2 * 0.1)
    assert float(scale_up["cost_programme"]) == pytest.approx(42_900_000 / 18 * 0.1)
    assert float(own["cost_programme"]) == pytest.approx(100_000)


def test_a_cohort_over_its_k1_target_carries_its_whole_budget_once():
    """Share = min(cohort / K1, 1): 600 participants against a K1 of 400 carry the budget, not 1.5 times it."""
    p = PARAMS.values()
    over = scba.valuate(effect(cohort=600, planned=400), "achterhoek", p, {})
    assert round(float(over["cost_programme"]), 2) == 2_383_333.33  # 42,900,000 / 18, not 3,575,000.00
    assert float(over["programme_capped"]) == 1 and float(over["programme_default_key"]) == 0
    pilot = scba.valuate(effect(cohort=600, planned=400), "twente", p, {})
    assert round(float(pilot["cost_programme"]), 2) == 3_800_000.00  # 7,600,000 / 2, not 5,700,000.00
    exact = scba.valuate(effect(cohort=400, planned=400), "twente", p, {})
    assert round(float(exact["cost_programme"]), 2) == 3_800_000.00 and float(exact["programme_capped"]) == 0


def test_a_region_without_a_k1_target_is_charged_per_participant_at_the_default_k1():
    """10 participants, no K1 target, default K1 400: 10 / 400 of the budget share, not 10 times the budget
    (EUR 23,833,333.33 before)."""
    p = PARAMS.values()
    v = scba.valuate(effect(cohort=10, planned=0, planned_default=400), "achterhoek", p, {})
    assert round(float(v["cost_programme"]), 2) == 59_583.33  # 2,383,333.33 x 10 / 400
    assert float(v["programme_default_key"]) == 1 and float(v["programme_capped"]) == 0
    with pytest.raises(ConfigurationError, match="region achterhoek: no K1 target and no default K1"):
        scba.valuate(effect(cohort=10, planned=0), "achterhoek", p, {})
    assert float(scba.valuate(effect(cohort=0, planned=0), "achterhoek", p, {})["cost_programme"]) == 0


def test_the_programme_cost_row_says_what_the_allocation_key_did():
    e = pd.DataFrame([effect(cohort=600, planned=400, planned_default=400),
                      effect(cohort=10, planned=0, planned_default=400)], index=["twente", "achterhoek"])
    notes, costs = {}, {}
    for unit in st.units(e, PARAMS):
        row = next(r for r in st.overview(unit, PARAMS) if r["item"].startswith("Programmakosten NGF"))
        notes[unit.region], costs[unit.region] = row["note"], round(row["value"], 2)
    assert costs == {"twente": 3_800_000.00, "achterhoek": 59_583.33, "nationaal": 3_859_583.33}
    assert notes["twente"] == ("cohort boven het K1-doel van 400 deelnemers: het hele budget toegerekend, niet meer "
                               "(het budget wordt één keer uitgegeven)")
    assert notes["achterhoek"] == "geen K1-doel: per deelnemer toegerekend bij het standaard-K1 van 400 deelnemers"
    assert notes["nationaal"] == ("1 regio('s) zonder K1-doel: per deelnemer toegerekend bij het standaard-K1; "
                                  "1 regio('s) met een cohort boven het K1-doel: het hele budget toegerekend, niet "
                                  "meer (het budget wordt één keer uitgegeven)")
    plain = st.units(pd.DataFrame([effect(cohort=40, planned=400)], index=["twente"]), PARAMS)
    assert all(next(r for r in st.overview(u, PARAMS) if r["item"].startswith("Programmakosten"))["note"] is None
               for u in plain)


def test_the_monthly_tables_pass_the_default_k1_to_a_region_without_a_target():
    state = tr.derive(measurements(participant("A", "2024-09-15")), catalogue())
    day = [pd.Timestamp("2024-09-30")]
    tables = st.month_tables(state, day, PARAMS, {}, n_draws=50, default_planned=400)
    rows = tables["scba_overview"]
    row = rows[(rows["region"] == "twente") & rows["item"].str.startswith("Programmakosten")].iloc[0]
    assert row["quantity"] == 1 and round(row["value"], 2) == 9_500.00  # 3,800,000 / 400
    assert row["note"].startswith("geen K1-doel")
    with pytest.raises(ConfigurationError, match="no K1 target"):
        st.month_tables(state, day, PARAMS, {}, n_draws=50)


def test_irr_and_break_even_deadweight_on_a_known_flow():
    params = simple(effect_duration_years=2, discount_rate=0.0)
    e = effect(wage_bill_week_known=1000 / 52, trajectory_costs=1500.0)  # -1500 + 1000 now, +1000 next year
    v = scba.valuate(e, "achterhoek", params.values(), {})
    assert scba.irr(v) == pytest.approx(1.0)  # -500 + 1000 / (1 + r) = 0
    half = simple(effect_duration_years=2, discount_rate=0.0, deadweight=0.5)
    v = scba.valuate(e, "achterhoek", half.values(), {})
    assert scba.break_even_deadweight(v, half.values()) == pytest.approx(0.25)  # 2000 (1 - d) = 1500


def test_physical_effects_from_trajectories():
    people = [participant("A", "2024-09-15", t0={"uitkering": "bijstand"},
                          t1={"arbeidssituatie": "betaald werk", "uren_per_week": 20.0, "uitkering": "geen",
                              "bruto_uurloon": 15.0, "leefgebied_gezondheid": 4}),
              participant("B", "2024-09-15", t0={"arbeidssituatie": "betaald werk", "uren_per_week": 30.0},
                          t1={"arbeidssituatie": "betaald werk", "uren_per_week": 20.0, "leefgebied_gezondheid": 2}),
              participant("C", start="2023-06-01"),  # uitgevallen: in the cohort, no effect
              participant("D", start="2024-08-01")]  # lopend: not in the cohort
    state = tr.as_of(tr.derive(measurements(*people), catalogue()), pd.Timestamp("2024-09-30"))
    e = scba.effects(state).loc["twente"]
    assert e["cohort"] == 3 and e["measured"] == 2 and e["entered_work"] == 1
    assert e["hours_week"] == 10 and e["wage_bill_week_known"] == 300 and e["hours_week_unknown_wage"] == -10
    assert e["benefit_exits_bijstand"] == 1 and e["health_net"] == 0  # one better, one worse
    assert e["trajectory_costs"] == 3 * 1500


@pytest.mark.parametrize(("name", "direction"), [
    ("deadweight", -1), ("displacement", -1), ("effect_duration_years", +1), ("annual_decay", -1),
    ("hourly_wage", +1), ("leisure_share", -1), ("qaly_gain", +1), ("qaly_value", +1),
    ("programme_cost_pilots", -1), ("trajectory_costs_additional", -1), ("discount_rate", -1)])
def test_sensitivity_moves_the_saldo_in_the_expected_direction(name, direction):
    e = pd.DataFrame([effect(hours_week_unknown_wage=200.0, health_net=20, trajectory_costs=50_000.0, cohort=40,
                             measured=35, planned=400)], index=["twente"])
    rows = pd.DataFrame(st.sensitivity(e, PARAMS))
    row = rows[(rows["parameter"] == name) & (rows["kind"] == "range") & (rows["region"] == "twente")].iloc[0]
    change = row["npv_high"] - row["npv_low"]
    assert (np.sign(change) == direction) if direction else change == pytest.approx(0, abs=1e-6)
    scenarios = rows[(rows["parameter"] == "discount_rate") & (rows["kind"] == "scenario")]
    assert sorted(scenarios["value_low"].unique()) == [0.03, 0.045]


def test_the_horizon_is_a_choice_that_covers_every_effect_not_a_sensitivity():
    """Durability is assumed, not measured (there is no T2): duration and decay carry that uncertainty. A horizon
    shorter than the longest duration would cut effects off unseen, so the file refuses it; the tornado has no
    horizon bar (it could only ever be 0)."""
    e = pd.DataFrame([effect(hours_week_unknown_wage=200.0, cohort=40, measured=35, planned=400)], index=["twente"])
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
    parameter moved, for every region and the nation."""
    e = pd.DataFrame([effect(hours_week_unknown_wage=200.0, health_net=20, trajectory_costs=50_000.0, cohort=40,
                             measured=35, planned=400),
                      effect(wage_bill_week_known=3_000.0, benefit_exits_WW=4, cohort=25, measured=20, planned=300)],
                     index=["twente", "achterhoek"])
    rows = pd.DataFrame(st.sensitivity(e, PARAMS))
    cases = rows[["parameter", "kind", "value_low", "value_high"]].drop_duplicates()
    assert len(rows) == 3 * len(cases) and len(cases) > 15  # two regions and the nation per case

    def npv(values: dict) -> dict[str, float]:
        return {u.region: float(u.value["npv"]) for u in st.units(e, PARAMS, {**PARAMS.values(), **values})}

    point = npv({})
    for case in cases.itertuples():
        low, high = npv({case.parameter: case.value_low}), npv({case.parameter: case.value_high})
        for row in rows[(rows["parameter"] == case.parameter) & (rows["kind"] == case.kind)
                        & (rows["value_low"] == case.value_low)].itertuples():
            assert row.npv_base == pytest.approx(point[row.region], rel=1e-12)
            assert row.npv_low == pytest.approx(low[row.region], rel=1e-12, abs=1e-6)
            assert row.npv_high == pytest.approx(high[row.region], rel=1e-12, abs=1e-6)
    scenarios = rows[rows["kind"] == "scenario"]
    assert len(scenarios) and (scenarios["swing"] == 0).all()  # one set of values: the same saldo to the last bit


def test_monte_carlo_is_seeded_and_centred_on_the_estimate():
    e = pd.DataFrame([effect(hours_week_unknown_wage=200.0, health_net=20, trajectory_costs=50_000.0, cohort=40,
                             measured=35, planned=400)], index=["twente"])
    first, again = st.monte_carlo(e, PARAMS, 2000, 7), st.monte_carlo(e, PARAMS, 2000, 7)
    assert first == again
    assert st.monte_carlo(e, PARAMS, 2000, 8) != first
    national = first[-1]
    assert national["region"] == "nationaal" and national["draws"] == 2000
    assert abs(national["npv_p50"] - national["npv_deterministic"]) < (national["npv_p90"] - national["npv_p10"]) / 4
    assert 0 <= national["p_npv_positive"] <= 1


def test_overview_rows_with_pm_and_frame_comparison():
    e = pd.DataFrame([effect(wage_bill_week_known=3000 / 52, trajectory_costs=2000.0, pm_social_inclusion=1)],
                     index=["achterhoek"])
    rows = pd.DataFrame(st.overview(st.units(e, simple())[0], simple())).set_index("item")
    assert rows.at["Saldo (netto contante waarde)", "value"] == pytest.approx(1000)
    assert rows.at["Baten/kosten-verhouding", "value"] == pytest.approx(1.5)
    assert rows.at[st.PRODUCTIVITY_PER_PARTICIPANT, "note"].startswith("binnen de bandbreedte")
    assert rows.at["Netto baten per deelnemer", "note"].startswith("gelijk aan het netto van SEO 2013")
    assert rows.at["Bruto baten per deelnemer", "note"].startswith("inclusief gezondheid")
    assert rows.at["Verbeterde sociale inclusie", "note"] == "PM" and rows.at["Verbeterde sociale inclusie",
                                                                              "quantity"] == 1
    assert math.isnan(rows.at["Verbeterde sociale inclusie", "value"])
    assert rows["suppress"].all()  # a cohort of one


def kengetal_cohort() -> pd.DataFrame:
    """40 participants, one year of effect, deadweight 50%, displacement 20%, no programme budget, no leisure:
    productivity 1,000 x 52 x 0.5 x 0.8 = 20,800.00; health 10 x 0.02 x 60,000 x 0.5 = 6,000.00; costs 20,000.00."""
    e = pd.DataFrame([effect(wage_bill_week_known=1000.0, health_net=10, trajectory_costs=20_000.0, cohort=40,
                             measured=40, planned=400)], index=["achterhoek"])
    params = simple(deadweight=0.5, displacement=0.2)
    return pd.DataFrame(st.overview(st.units(e, params)[0], params)).set_index("item")


def test_the_frame_band_is_set_against_the_productivity_benefit_per_participant():
    rows = kengetal_cohort()
    assert round(rows.at[st.PRODUCTIVITY_PER_PARTICIPANT, "value"], 2) == 520.00  # 20,800 / 40
    assert rows.at[st.PRODUCTIVITY_PER_PARTICIPANT, "note"] == (
        "onder de bandbreedte van het evaluatiekader (EUR 1.000-3.000 aan baten uit arbeidsproductiviteit en "
        "inkomen); contante waarde na deadweight en verdringing")
    assert round(rows.at["Bruto baten per deelnemer", "value"], 2) == 670.00  # (20,800 + 6,000) / 40
    assert rows.at["Bruto baten per deelnemer", "note"] == ("inclusief gezondheid, dus niet te vergelijken met de "
                                                            "bandbreedte van het kader")
    assert round(rows.at["Netto baten per deelnemer", "value"], 2) == 170.00  # (26,800 - 20,000) / 40
    assert rows.at["Netto baten per deelnemer", "note"].startswith(
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


def test_the_method_document_matches_the_code():
    assert DOCS_PATH.read_text(encoding="utf-8") == render_scba_markdown(), "run `llo docs`"


def write(tmp_path, text: str):
    path = tmp_path / "scba.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_scenario_overrides_are_checked():
    with pytest.raises(ConfigurationError, match="unknown parameter"):
        PARAMS.with_overrides({"dedweight": 0.2})
    with pytest.raises(ConfigurationError, match="deadweight must be a share between 0 and 1"):
        PARAMS.with_overrides({"deadweight": 1.5})
    scenario = PARAMS.with_overrides({"deadweight": 0.2})
    assert scenario["deadweight"] == 0.2 and scenario.parameters["deadweight"].overridden


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("  deadweight:\n    value: 0.50", "  deadweight:\n    value: 0.90"), "low <= value <= high"),
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

    e = pd.DataFrame([effect(wage_bill_week_known=300.0, benefit_exits_bijstand=2, trajectory_costs=4000.0,
                             cohort=12, planned=400)], index=["twente"])
    tables = st.month_tables(tr.as_of(tr.derive(measurements(participant("A")), catalogue()), pd.Timestamp(
        "2024-01-31")), [pd.Timestamp("2024-01-31")], PARAMS, {"twente": 400}, n_draws=200)
    key = {"peildatum": pd.Timestamp("2024-01-31"), "scenario": "basis"}
    distribution = pd.DataFrame([{**key, **r} for u in st.units(e, PARAMS) for r in st.distribution(u)])
    overview = pd.DataFrame([{**key, **r} for u in st.units(e, PARAMS) for r in st.overview(u, PARAMS)])
    assert scba_checks.transfers_not_cancelling(distribution).empty
    assert scba_checks.distribution_not_saldo(distribution, overview).empty
    broken = distribution.copy()
    broken.loc[broken["item"] == "Bespaarde uitkeringen", "value"] *= 2
    assert set(scba_checks.transfers_not_cancelling(broken)["region"]) == {"twente", "nationaal"}
    assert len(scba_checks.distribution_not_saldo(broken, overview)) == 2
    mc = tables["scba_monte_carlo"]
    assert scba_checks.monte_carlo_far(mc).empty
    assert len(scba_checks.monte_carlo_far(mc.assign(npv_deterministic=mc["npv_p90"] + 1000))) == len(mc)
    spread = pd.DataFrame({"peildatum": [1, 1], "scenario": "basis", "region": ["a", "b"],
                           "npv_deterministic": [100.0, 100.0], "npv_p10": [0.0, 0.0], "npv_p50": [140.0, 160.0],
                           "npv_p90": [200.0, 200.0]})
    assert scba_checks.monte_carlo_far(spread)["region"].tolist() == ["b"]  # allowed: 50 either side
