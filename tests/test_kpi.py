"""KPI tables on hand-built cases whose values are known by construction, plus their invariants."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import kpi_checks
from checks.outputs import KPI_NATIONAL_MONTH, KPI_REGION_MONTH
from llo.monitor import kpi
from llo.monitor import trajectories as tr
from llo.monitor.change_scores import from_sums
from llo.monitor.kpi_docs import DOCS_PATH, render_kpi_markdown
from llo.monitor.targets import Targets, load_targets
from llo.settings import PROJECT_ROOT, ConfigurationError
from tests.kpi_fixtures import catalogue, measurements, participant

TARGETS = load_targets(PROJECT_ROOT / "config" / "targets.yaml", set(kpi.TARGETED))


def tables(people, months, targets=TARGETS, cat=None, **options):
    traj = tr.derive(measurements(*people), catalogue() if cat is None else cat)
    regional = kpi.region_month_table(traj, catalogue() if cat is None else cat,
                                      [kpi.month_end(m) for m in months], targets, **options)
    return KPI_REGION_MONTH.validate(regional), KPI_NATIONAL_MONTH.validate(kpi.national_month_table(regional))


def values(table: pd.DataFrame, month: str, region: str | None = None) -> dict[str, int]:
    rows = table[table["peildatum"] == kpi.month_end(month)]
    if region:
        rows = rows[rows["region"] == region]
    return dict(zip(rows["kpi"], rows["value"].astype(int), strict=True))


def test_each_kpi_rule_on_a_known_cohort():
    people = [
        participant("A", "2024-09-15", t1={"bewijs_civiel_effect": True, "arbeidssituatie": "betaald werk",
                                           "uren_per_week": 24.0, "match_werkgever": True, "uitkering": "geen",
                                           "participatieladder": 6, "opleiding": "ingeschreven mbo"}),
        participant("B", "2024-09-20", t1={"leefgebied_sociaal_netwerk": 4, "taalniveau": "2F"}),
        participant("C", "2024-09-25", t0={"match_werkgever": True}),
        participant("D", start="2024-01-20"),  # no T1: uitgevallen after 2025-01-20
        participant("E", start="2024-08-01"),  # lopend
    ]
    regional, national = tables(people, ["2024-09", "2025-02"])
    assert values(regional, "2024-09", "twente") == {
        "K1": 5, "K2": 1, "K3": 1, "K4": 2, "K5": 2, "K6": 1, "D1": 1, "D2": 1, "D3": 1, "D4": 1, "D5": 3,
        "D6": 3, "D7": 0, "D8": 2, "D9": 1}  # A has durable work and entered mbo: one durable step
    assert values(regional, "2025-02")["D7"] == 1 and values(regional, "2025-02")["D8"] == 1
    row = regional[(regional["peildatum"] == kpi.month_end("2024-09")) & (regional["kpi"] == "D6")].iloc[0]
    assert row["n_basis"] == 3 and row["share_of_basis"] == 1.0
    row = regional[(regional["peildatum"] == kpi.month_end("2025-02")) & (regional["kpi"] == "D6")].iloc[0]
    assert row["n_basis"] == 4 and row["share_of_basis"] == 0.75  # 3 measured of 3 measured + 1 overdue
    assert values(national, "2024-09") == values(regional, "2024-09", "twente")


def test_a_durable_step_is_work_or_vocational_education_and_counts_a_participant_once():
    people = [participant("W", "2024-09-15", t1={"arbeidssituatie": "betaald werk", "uren_per_week": 20.0}),
              participant("O", "2024-09-16", t1={"opleiding": "ingeschreven mbo"}),
              participant("B", "2024-09-17", t1={"arbeidssituatie": "betaald werk", "uren_per_week": 32.0,
                                                 "opleiding": "mbo-diploma"}),
              participant("K", "2024-09-18", t1={"arbeidssituatie": "betaald werk", "uren_per_week": 8.0}),
              participant("N", "2024-09-19")]
    regional, _ = tables(people, ["2024-09"])
    counted = values(regional, "2024-09", "twente")
    assert (counted["D2"], counted["D3"], counted["D9"], counted["D5"]) == (2, 2, 3, 5)  # 8 hours is no durable work


def test_progress_against_the_target_pro_rata_to_the_months_a_region_runs():
    people = [participant("A", start="2024-01-10"), participant("B", start="2024-06-20"),
              participant("C", start="2024-12-05")]
    regional, national = tables(people, ["2024-12"])
    k1 = regional[regional["kpi"] == "K1"].iloc[0]
    # running from January to December 2024 (12 of the 48 months in config/targets.yaml): 400 x 12 / 48 = 100
    assert (k1["months_active"], k1["target_pro_rata"], k1["share_of_target_pro_rata"]) == (12, 100, 0.03)
    assert national[national["kpi"] == "K1"].iloc[0]["target_pro_rata"] == 100
    earlier = Targets(TARGETS.defaults, active_from={"twente": pd.Timestamp("2023-01-01")}, runtime_months=48)
    regional, _ = tables(people, ["2024-12"], targets=earlier)
    k5 = regional[regional["kpi"] == "K5"].iloc[0]
    assert (k5["months_active"], k5["target_pro_rata"]) == (24, 80)  # active_from is earlier: 160 x 24 / 48
    late = tables(people, ["2024-12"], targets=Targets(TARGETS.defaults, runtime_months=6))[0]
    assert late[late["kpi"] == "K1"].iloc[0]["target_pro_rata"] == 400  # never more than the whole target
    assert regional.loc[regional["kpi"] == "D5", "target_pro_rata"].isna().all()  # no target, nothing due


def test_no_months_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one peildatum"):
        tables([participant("A")], [])


def test_month_values_and_cumulative_series():
    people = [participant("A", start="2024-01-10"), participant("B", start="2024-01-20"),
              participant("C", start="2024-03-05")]
    regional, _ = tables(people, ["2024-01", "2024-02", "2024-03"])
    k1 = regional[regional["kpi"] == "K1"].set_index("peildatum")
    assert k1["value"].tolist() == [2, 2, 3] and k1["value_month"].tolist() == [2, 0, 1]
    assert regional.loc[regional["kpi"] == "D8", "value_month"].isna().all()  # not cumulative


def test_a_t1_exactly_on_the_peildatum_counts_and_one_day_later_does_not():
    on = participant("A", "2024-09-30", t1={"participatieladder": 5})
    later = participant("B", "2024-10-01", t1={"participatieladder": 5})
    regional, _ = tables([on, later], ["2024-09", "2024-10"])
    assert values(regional, "2024-09")["K5"] == 1 and values(regional, "2024-10")["K5"] == 2


def test_a_participant_who_moves_region_counts_in_both():
    """Pseudonyms are per region: an intake in Twente, then a new intake and T1 in Achterhoek."""
    people = [participant("X", start="2024-01-15", region="twente"),
              participant("Y", "2025-03-15", start="2024-07-01", region="achterhoek",
                          t1={"arbeidssituatie": "betaald werk", "uren_per_week": 30.0})]
    cat = pd.concat([catalogue("twente"), catalogue("achterhoek")])
    regional, national = tables(people, ["2025-03"], cat=cat)
    assert values(regional, "2025-03", "twente")["D7"] == 1  # uitgevallen in the region of the first intake
    assert values(regional, "2025-03", "achterhoek")["K3"] == 1
    assert values(national, "2025-03")["K1"] == 2
    assert national.loc[national["kpi"] == "K1", "target"].iloc[0] == 800


def test_regions_become_active_with_their_first_intake_or_active_from():
    people = [participant("A", start="2024-01-15"), participant("B", start="2024-03-15", region="achterhoek")]
    cat = pd.concat([catalogue("twente"), catalogue("achterhoek")])
    targets = Targets(defaults={"K1": 400}, regions={"rijnmond": {"K1": 250}},
                      active_from={"rijnmond": pd.Timestamp("2024-02-01")}, path="targets.yaml")
    _, national = tables(people, ["2024-01", "2024-02", "2024-03"], targets=targets, cat=cat)
    k1 = national[national["kpi"] == "K1"].set_index("peildatum")
    assert k1["regions"].tolist() == [1, 2, 3]
    assert k1["target"].tolist() == [400, 650, 1050]
    regional, _ = tables(people, ["2024-03"], targets=targets, cat=cat)
    rijnmond = regional[(regional["region"] == "rijnmond") & (regional["kpi"] == "K1")].iloc[0]
    assert rijnmond["value"] == 0 and rijnmond["target"] == 250
    assert rijnmond["target_source"].startswith("regionale afwijking")
    assert set(national["target_source"]) == {"som over de actieve regio's (standaard evaluatiekader)",
                                              "som over de actieve regio's (regionale afwijking: rijnmond)"}


def test_shares_of_target_and_trajectories_developed():
    cat = catalogue(codes=("TW-1", "TW-2", "TW-3"))
    cat.loc[2, "startdatum"] = pd.Timestamp("2024-06-01")
    regional, _ = tables([participant("A")], ["2024-01", "2024-06"], cat=cat)
    assert values(regional, "2024-01")["K6"] == 2 and values(regional, "2024-06")["K6"] == 3
    k1 = regional[(regional["kpi"] == "K1")].iloc[0]
    assert k1["target"] == 400 and k1["share_of_target"] == pytest.approx(1 / 400)
    assert regional.loc[regional["kpi"] == "K6", "target"].isna().all()


def test_disclosure_flags():
    people = [participant(f"P{i}", "2024-09-15", t1={"participatieladder": 3} if i < 3 else {})
              for i in range(12)]
    regional, _ = tables(people, ["2024-09"])
    flags = dict(zip(regional["kpi"], regional["suppress"], strict=True))
    assert not flags["K1"]  # 12 participants
    assert flags["K5"]  # 3 of 12: a small count
    assert not flags["K3"]  # 0 of 12 discloses nothing about a person
    assert not flags["K6"]  # trajectories, not people
    few, _ = tables(people[:9], ["2024-09"])
    assert few.loc[few["kpi"] == "K1", "suppress"].iloc[0]  # basis of 9
    loose, _ = tables(people[:9], ["2024-09"], min_participants=5)
    assert not loose.loc[loose["kpi"] == "K1", "suppress"].iloc[0]


def test_context_factors_are_joined_to_the_regional_rows():
    context = pd.DataFrame({"region": ["twente"], "peiljaar": [2025], "aandeel_laaggeletterden": [14.5],
                            "spanningsindicator": [1.2], "werkloosheid": [3.9], "context_bron": ["FICTIEF"]})
    regional, _ = tables([participant("A")], ["2024-01"], context=context)
    assert (regional["aandeel_laaggeletterden"] == 14.5).all() and (regional["context_bron"] == "FICTIEF").all()


def statistics(t0: list[float], change: list[float]) -> dict:
    sums = pd.DataFrame([{"n": len(change), "t0": sum(t0), "d": sum(change), "dd": sum(d * d for d in change)}])
    return from_sums(sums).iloc[0].to_dict()


def test_paired_change_with_known_interval_and_effect_size():
    result = statistics([1.0, 3.0], [0.0, 2.0])
    assert result["n"] == 2 and result["mean_change"] == 1.0 and result["sd_change"] == pytest.approx(math.sqrt(2))
    half = 12.706204736174698  # t(0.975, 1) * sd / sqrt(n), with sd / sqrt(n) = 1
    assert result["ci_low"] == pytest.approx(1 - half) and result["ci_high"] == pytest.approx(1 + half)
    assert result["effect_size"] == pytest.approx(1 / math.sqrt(2))
    assert result["mean_t0"] == 2.0 and result["mean_t1"] == 3.0
    constant = statistics([2.0] * 4, [1.0] * 4)  # equal changes: sd exactly 0, no effect size
    assert constant["sd_change"] == 0 and constant["ci_low"] == constant["ci_high"] == 1.0
    assert math.isnan(constant["effect_size"])
    single = statistics([1.0], [1.0])
    assert single["n"] == 1 and single["mean_change"] == 1.0 and math.isnan(single["sd_change"])
    assert math.isnan(statistics([], [])["mean_change"])


def test_change_scores_per_region_and_nation():
    from llo.monitor.change_scores import change_scores

    people = [participant(f"P{i}", "2024-09-15", t1={"leefgebied_financien": 3 + i % 2}) for i in range(10)]
    state = tr.as_of(tr.derive(measurements(*people), catalogue()), pd.Timestamp("2024-09-30"))
    scores = change_scores(state, pd.Timestamp("2024-09-30")).set_index(["region", "variable"])
    financien = scores.loc[("nationaal", "leefgebied_financien")]
    assert financien["n"] == 10 and financien["mean_change"] == 0.5 and not financien["suppress"]
    assert scores.loc[("twente", "taalniveau"), "mean_change"] == 0.0
    assert change_scores(state, pd.Timestamp("2024-09-30"), min_participants=11)["suppress"].all()


def test_change_scores_of_a_series_equal_those_computed_month_by_month(demo_run):
    """The accumulated sums give, for every month, what one pass over the trajectories as of that day gives."""
    from llo import warehouse as wh
    from llo.monitor.change_scores import change_scores, change_scores_months

    trajectories = wh.read_typed(demo_run[2], wh.TRAJECTORIES)
    days = [kpi.month_end(m) for m in ("2023-06", "2024-01", "2025-04", "2025-12")]
    series = change_scores_months(trajectories, days)
    one_by_one = pd.concat([change_scores(tr.as_of(trajectories, day), day) for day in days], ignore_index=True)
    pd.testing.assert_frame_equal(series, one_by_one)
    first = series[series["peildatum"] == days[0]]  # no T1 yet: the nation alone, with no pairs
    assert set(first["region"]) == {"nationaal"} and (first["n"] == 0).all()
    assert set(series.loc[series["peildatum"] == days[1], "region"]) == {"twente", "zuidoost-brabant", "nationaal"}
    national = series[(series["region"] == "nationaal") & (series["variable"] == "leefgebied_financien")]
    assert national["n"].is_monotonic_increasing and national["n"].iloc[-1] > national["n"].iloc[1] > 0


def test_the_kpi_document_matches_the_code():
    assert DOCS_PATH.read_text(encoding="utf-8") == render_kpi_markdown(), (
        "docs/kpi-definitions.md is out of date with llo/monitor/kpi.py: run `llo docs`")


def test_every_kpi_is_documented_with_its_rule():
    text = render_kpi_markdown()
    for definition in kpi.KPIS:
        assert f"| {definition.code} | {definition.label} | {definition.rule}" in text
    for flag in tr.FLAGS:
        assert f"`{flag}`" in text


# --- targets file ---------------------------------------------------------------------------------------

def write(tmp_path, text):
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_targets_follow_the_evaluation_frame():
    assert TARGETS.defaults == {"K1": 400, "K2": 200, "K3": 200, "K4": 200, "K5": 160}


def test_a_regional_override(tmp_path):
    text = "defaults: {K1: 400}\nregions:\n  Twente: {K1: 450, active_from: '2023-01'}\n"
    targets = load_targets(write(tmp_path, text), set(kpi.TARGETED))
    assert targets.target("twente", "K1")[0] == 450
    assert targets.target("achterhoek", "K1") == (400, "standaard evaluatiekader")
    assert targets.active_from == {"twente": pd.Timestamp("2023-01-01")}


@pytest.mark.parametrize(("text", "message"), [
    ("defaults: {K9: 1}\n", "unknown KPI 'K9'"),
    ("defaults: {K1: -5}\n", "defaults.K1: target must be a whole number"),
    ("defaults: {K1: 'veel'}\n", "defaults.K1"),
    ("regions: {}\n", "needs a 'defaults' mapping"),
    ("defaults: {K1: 4}\nregions: {Atlantis: {K1: 1}}\n", "'Atlantis' is not a known labour-market region"),
    ("defaults: {K1: 4}\nregions: {twente: {active_from: 'soon'}}\n", "active_from: expected a month"),
    ("defaults: [\n", "not valid YAML"),
])
def test_invalid_targets_name_the_file_and_key(tmp_path, text, message):
    with pytest.raises(ConfigurationError, match="targets.yaml") as error:
        load_targets(write(tmp_path, text), set(kpi.TARGETED))
    assert message in str(error.value)


# --- checks fail on broken tables ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good():
    people = [participant(f"P{i}", "2024-09-15", t1={"participatieladder": 4}) for i in range(3)]
    people += [participant("Q", start="2024-03-01", region="achterhoek")]
    cat = pd.concat([catalogue("twente"), catalogue("achterhoek")])
    return tables(people, ["2024-08", "2024-09", "2024-10"], cat=cat)


def test_checks_pass_on_computed_tables(good):
    regional, national = good
    assert kpi_checks.national_mismatches(regional, national).empty
    assert kpi_checks.decreases(regional, ["region"]).empty and kpi_checks.decreases(national, []).empty
    assert kpi_checks.k1_below_measured(regional).empty and kpi_checks.basis_problems(regional).empty


def test_checks_catch_broken_tables(good):
    regional, national = good
    national = national.copy()
    national.loc[national["kpi"] == "K1", "value"] += 1
    assert len(kpi_checks.national_mismatches(regional, national)) == 3
    shrunk = regional.copy()
    last = (shrunk["kpi"] == "K1") & (shrunk["peildatum"] == shrunk["peildatum"].max()) & (shrunk["region"] == "twente")
    shrunk.loc[last, "value"] = 0
    assert kpi_checks.decreases(shrunk, ["region"])[["region", "kpi"]].values.tolist() == [["twente", "K1"]]
    assert len(kpi_checks.k1_below_measured(shrunk)) == 1
    assert len(kpi_checks.basis_problems(shrunk.assign(n_basis=shrunk["n_basis"].mask(last)))) == 1
    assert kpi_checks.regions_without_context(regional)["region"].tolist() == ["achterhoek", "twente"]


# --- invariants on random cohorts (hypothesis) ------------------------------------------------------------

REGIONS = ("twente", "achterhoek", "rijnmond")
person = st.tuples(st.sampled_from(REGIONS), st.integers(0, 400), st.one_of(st.none(), st.integers(150, 420)),
                   st.integers(1, 6), st.integers(1, 6), st.sampled_from(tr.WORK), st.floats(0, 40), st.booleans())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(person, min_size=1, max_size=40))
def test_invariants_hold_for_any_cohort(people):
    start0 = pd.Timestamp("2024-01-01")
    rows = []
    for i, (region, start_day, t1_after, ladder0, ladder1, work, hours, match) in enumerate(people):
        start = start0 + pd.Timedelta(days=start_day)
        t1_date = None if t1_after is None else str((start + pd.Timedelta(days=t1_after)).date())
        rows.append(participant(f"P{i}", t1_date, start=str(start.date()), region=region,
                                t0={"participatieladder": ladder0, "match_werkgever": match},
                                t1={"participatieladder": ladder1, "arbeidssituatie": work,
                                    "uren_per_week": hours if work != tr.WORK[0] else None}))
    cat = pd.concat([catalogue(r) for r in REGIONS])
    months = [str(p) for p in pd.period_range("2024-01", "2025-12", freq="M")[::3]] + ["2025-12"]
    regional, national = tables(rows, months, cat=cat)
    assert kpi_checks.national_mismatches(regional, national).empty
    assert kpi_checks.decreases(regional, ["region"]).empty and kpi_checks.decreases(national, []).empty
    assert kpi_checks.k1_below_measured(regional).empty and kpi_checks.basis_problems(regional).empty
    wide = national.pivot_table(index="peildatum", columns="kpi", values="value")
    assert (wide["D5"] + wide["D7"] + wide["D8"] == wide["K1"]).all()  # every participant has one status
    assert wide.loc[kpi.month_end("2025-12"), "K1"] == len(rows)


def test_the_series_of_counts_and_effects_equal_those_computed_day_by_day(demo_run):
    """region_counts and the SCBA's region_effects sum what each participant adds in its phase (tr.Phases); on the
    demo's trajectories they give, to the bit, what a state per day (as_of) gives, also on days between phases."""
    from llo import warehouse as wh
    from llo.scba import model as scba
    from llo.scba.tables import REACHED, region_effects

    engine = demo_run[2]
    trajectories = wh.read_typed(engine, wh.TRAJECTORIES)
    catalogue_rows = wh.read_typed(engine, wh.TRAJECTORY_CATALOGUE)
    days = [pd.Timestamp(day) for day in ("2023-01-14", "2023-06-30", "2024-01-31", "2025-04-30", "2025-12-31")]
    series = kpi.region_counts(trajectories, catalogue_rows, days)
    for day in days:
        wide = kpi.counts_on(trajectories, catalogue_rows, day).unstack("kpi")
        wide.columns = [f"{code} {field}" for field, code in wide.columns]
        active = kpi.months_active(trajectories, day).reindex(wide.index, fill_value=0).fillna(0).astype("Int64")
        pd.testing.assert_frame_equal(series[series["peildatum"] == day].drop(columns="peildatum"),
                                      wide[kpi.COUNTS].assign(**{kpi.MONTHS_ACTIVE: active}))
    assert series.loc[series["peildatum"] == days[-1], "K1 value"].sum() == len(trajectories)

    regions = sorted(set(trajectories["regio"]))
    effects = region_effects(trajectories, days, regions)
    for day in days:
        state = tr.as_of(trajectories[scba.EFFECT_COLUMNS].astype({c: "category" for c in scba.EFFECT_CATEGORIES}),
                         day)
        expected = scba.effects(state).reindex(regions, fill_value=0.0)
        expected[REACHED] = state.groupby("regio").size().reindex(regions, fill_value=0)
        on_day = effects[effects["peildatum"] == day].drop(columns="peildatum")
        on_day = on_day.loc[:, (on_day != 0).any() | on_day.columns.isin(expected.columns)]  # other days' years
        pd.testing.assert_frame_equal(on_day, expected.fillna(0.0).rename_axis("region"), check_like=True)
    assert effects.loc[effects["peildatum"] == days[-1], REACHED].sum() == len(trajectories)
