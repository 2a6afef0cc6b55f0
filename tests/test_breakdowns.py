"""KPI breakdowns by group: counts, bases and mean changes on hand-built cohorts whose answers are known, and the
check that the groups add up to the KPI tables."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from checks import kpi_checks
from checks.outputs import KPI_BREAKDOWN_MONTH
from llo.monitor import breakdowns, kpi
from llo.monitor import trajectories as tr
from llo.monitor.targets import Targets
from tests.kpi_fixtures import catalogue, measurements, participant

DAY = kpi.month_end("2024-12")
WORK = {"arbeidssituatie": "betaald werk", "uren_per_week": 24.0, "participatieladder": 6}


def cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Twente (a pilot region): three participants born 1990, one of them 'beide', a durable step for two and the
    ladder +4 and +2; Achterhoek (a scale-up region): two born 1960, one measured without a step, one without T1."""
    people = [
        participant("A", "2024-09-15", start="2024-01-15", t1=WORK),
        participant("B", "2024-10-15", start="2024-02-15", t0={"doelgroep": "beide"},
                    t1={"opleiding": "ingeschreven mbo", "participatieladder": 4}),
        participant("C", start="2024-11-15"),
        participant("D", "2024-10-01", start="2024-02-01", region="achterhoek",
                    t0={"geboortejaar": 1960, "trajectcode": "ACH-1"}),
        participant("E", start="2024-07-01", region="achterhoek", t0={"geboortejaar": 1960, "trajectcode": "ACH-1"}),
    ]
    cat = pd.concat([catalogue(), catalogue("achterhoek", ("ACH-1",)).assign(type="vak")], ignore_index=True)
    return tr.derive(measurements(*people), cat), cat


def figure(rows: pd.DataFrame, region: str, dimension: str, group: str, measure: str) -> tuple:
    hit = rows[(rows["region"] == region) & (rows["dimension"] == dimension) & (rows["group"] == group)
               & (rows["measure"] == measure)]
    assert len(hit) == 1, (region, dimension, group, measure)
    return hit["value"].iloc[0], int(hit["n_basis"].iloc[0])


def test_each_group_gets_its_counts_bases_and_mean_changes():
    trajectories, _ = cohort()
    rows = KPI_BREAKDOWN_MONTH.validate(breakdowns.breakdown_table(trajectories, [DAY]))
    assert figure(rows, "nationaal", "fase", "pilotregio", "K1") == (3, 3)
    assert figure(rows, "nationaal", "fase", "pilotregio", "D9") == (2, 2)  # A works 24 h, B entered mbo
    assert figure(rows, "nationaal", "fase", "opschalingsregio", "D9") == (0, 1)
    assert figure(rows, "nationaal", "fase", "pilotregio", "verandering participatieladder") == (3.0, 2)  # (4+2)/2
    assert figure(rows, "twente", "doelgroep", "beide", "D3") == (1, 1)
    assert figure(rows, "nationaal", "doelgroep", "laaggeletterd", "K1") == (4, 4)
    assert figure(rows, "nationaal", "trajecttype", "vak", "K1") == (2, 2)  # Achterhoek's catalogue says vak
    assert figure(rows, "nationaal", "leeftijd", "27 tot 45 jaar", "K1") == (3, 3)  # born 1990, started 2024
    assert figure(rows, "nationaal", "leeftijd", "55 jaar en ouder", "K1") == (2, 2)  # born 1960
    assert figure(rows, "nationaal", "cohort", "2024-K1", "K1") == (3, 3)  # A, B and D started in January-February
    assert figure(rows, "achterhoek", "cohort", "2024-K3", "D5") == (0, 1)
    assert set(rows.loc[rows["region"] == "achterhoek", "group"]) >= {"opschalingsregio", "vak"}


def test_a_participant_is_counted_where_the_measurement_stood_on_the_peildatum():
    trajectories, _ = cohort()
    early = breakdowns.breakdown_table(trajectories, [kpi.month_end("2024-09")])
    assert figure(early, "nationaal", "fase", "pilotregio", "D5") == (1, 2)  # only A's T1 was taken; C not yet in
    assert figure(early, "nationaal", "fase", "pilotregio", "verandering participatieladder") == (4.0, 1)


def test_the_groups_add_up_to_the_kpi_tables_and_the_check_finds_a_participant_left_out():
    trajectories, cat = cohort()
    regional = kpi.region_month_table(trajectories, cat, [DAY], Targets({"K1": 400}))
    rows = breakdowns.breakdown_table(trajectories, [DAY])
    assert kpi_checks.breakdown_mismatches(rows, regional).empty
    lost = rows.copy()
    mask = (lost["region"] == "twente") & (lost["dimension"] == "leeftijd") & (lost["measure"] == "K1")
    lost.loc[mask, "value"] -= 1
    problems = kpi_checks.breakdown_mismatches(lost, regional)
    assert problems[["region", "dimension", "measure"]].values.tolist() == [["twente", "leeftijd", "K1"]]


def test_the_age_band_comes_from_the_year_of_birth_and_the_start():
    born = pd.Series([2000, 1998, 1980, 1970, 1969, None], dtype="Int64")
    start = pd.Series(pd.to_datetime(["2026-01-01"] * 6))
    assert breakdowns.age_band(born, start).tolist() == [
        "tot 27 jaar", "27 tot 45 jaar", "45 tot 55 jaar", "55 jaar en ouder", "55 jaar en ouder", "onbekend"]
    assert breakdowns.cohort(pd.Series(pd.to_datetime(["2025-03-31", "2025-04-01"]))).tolist() == [
        "2025-K1", "2025-K2"]


def test_a_series_of_breakdowns_equals_a_groupby_of_each_days_state(demo_run):
    """The breakdowns sum what each participant adds in its phase, per profile of groups; on the demo's trajectories
    they equal, to the bit and in the same order, one groupby per dimension of each day's state (as_of)."""
    import numpy as np

    from llo import warehouse as wh
    from llo.monitor.kpi import BY_CODE

    trajectories = wh.read_typed(demo_run[2], wh.TRAJECTORIES, columns=breakdowns.COLUMNS)
    days = [pd.Timestamp(day) for day in ("2023-03-31", "2024-06-30", "2025-12-31")]
    series = breakdowns.breakdown_table(trajectories, days)
    groups = breakdowns.groups(trajectories)
    for day in days:
        state = tr.as_of(trajectories, day)
        measured = state["status"] == tr.GEMETEN
        sums = {}
        for code in breakdowns.MEASURES:
            sums[f"{code} value"], sums[f"{code} n_basis"] = BY_CODE[code].count(state), BY_CODE[code].of(state)
        for name in breakdowns.CHANGES:
            change = state[f"{name}_verschil"].astype("float64").where(measured)
            sums[f"{breakdowns.CHANGE_PREFIX}{name} value"] = change.fillna(0.0)
            sums[f"{breakdowns.CHANGE_PREFIX}{name} n_basis"] = change.notna()
        sums = pd.DataFrame(sums).astype("float64")
        frames = []
        for dimension in breakdowns.DIMENSIONS:
            group = groups.loc[state.index, dimension]
            for keys in ([group], [state["regio"], group]):
                total = sums.groupby(keys).sum()
                for label, row in total.iterrows():
                    region, name = label if len(keys) > 1 else ("nationaal", label)
                    frames += [(region, dimension, name, measure, row[f"{measure} value"], row[f"{measure} n_basis"])
                               for measure in breakdowns.FIGURES]
        expected = pd.DataFrame(frames, columns=["region", "dimension", "group", "measure", "value", "n_basis"])
        change = expected["measure"].str.startswith(breakdowns.CHANGE_PREFIX)
        expected["value"] = np.where(change, expected["value"] / expected["n_basis"].where(expected["n_basis"] > 0),
                                     expected["value"])
        found = series[series["peildatum"] == day].drop(columns="peildatum").reset_index(drop=True)
        pd.testing.assert_frame_equal(found[expected.columns].astype({"n_basis": "float64"}), expected)


def test_the_breakdowns_of_kept_region_sums_and_of_a_region_at_a_time_equal_those_of_all_regions_at_once(
        demo_run, monkeypatch):
    """The asset sums a group of regions at a time (memory holds one group's trajectories), keeps each region's sums
    and adds the nation up from them: a region per group gives the same rows, to the bit and in the same order, and
    so do the kept sums in the next run, which computes nothing. (The demo's months: the parts kept again are those
    the shared demo run kept.)"""
    from assets.kpi import region_breakdowns
    from llo import warehouse as wh
    from llo.monitor import region_results
    from tests.conftest import MONTHS

    engine = demo_run[2]
    days = [kpi.month_end(month) for month in pd.period_range(*MONTHS, freq="M")]  # as the asset's
    together = breakdowns.breakdown_table(wh.read_typed(engine, wh.TRAJECTORIES, columns=breakdowns.COLUMNS), days)
    monkeypatch.setattr(region_results, "BATCH_TRAJECTORIES", 1)
    regions = region_results.trajectory_regions(engine)
    assert len(region_results.batches(engine, regions)) == len(regions) > 1
    with engine.begin() as conn:
        conn.execute(sa.delete(wh.REGION_RESULTS).where(wh.REGION_RESULTS.c.kind == "kpi_breakdown_month"))
    computed = region_breakdowns(engine, days)
    kept = region_breakdowns(engine, days)
    assert (computed.computed, computed.kept, kept.computed, kept.kept) == (regions, [], [], regions)
    for parts in (computed, kept):
        pd.testing.assert_frame_equal(breakdowns.table(parts.frame), together, check_exact=True)


def test_a_region_without_participants_on_a_day_is_kept_too(demo_run):
    """On 2023-03-31 only the pilot regions had started: the others' sums have no row that day, and they are kept
    all the same (by their marker), so the next run computes no region."""
    from llo import warehouse as wh
    from llo.monitor import region_results

    engine, kind, day = demo_run[2], "probe-breakdowns", kpi.month_end("2023-03")
    computed = []

    def compute(regions, days):
        computed.extend(regions)
        return breakdowns.region_sums(wh.read_typed(engine, wh.TRAJECTORIES, columns=breakdowns.COLUMNS,
                                                    where=wh.TRAJECTORIES.c.regio.in_(regions)), days)

    try:
        first = region_results.region_results(engine, kind, "code", [day], compute, breakdowns.KEPT)
        again = region_results.region_results(engine, kind, "code", [day], compute, breakdowns.KEPT)
    finally:
        with engine.begin() as conn:  # the shared demo warehouse as it was
            conn.execute(sa.delete(wh.REGION_RESULTS).where(wh.REGION_RESULTS.c.kind == kind))
    regions = region_results.trajectory_regions(engine)
    started = set(first.frame["region"])
    assert 0 < len(started) < len(regions) and computed == regions
    assert (again.computed, again.kept) == ([], regions)
    pd.testing.assert_frame_equal(breakdowns.table(again.frame), breakdowns.table(first.frame), check_exact=True)


def test_kept_rows_give_back_the_sums_whatever_a_group_is_called():
    """A region's sums survive being kept as rows of one number, a group name with tabs and spaces included."""
    sums = pd.DataFrame({"peildatum": pd.to_datetime(["2025-01-31", "2025-01-31", "2025-02-28"]),
                         "region": ["twente", "twente", "fryslan"], "dimension": ["trajecttype", "doelgroep", "fase"],
                         "group": ["taal\tcursus 2", "", "pilotregio"],
                         "measure": ["K1", "verandering taalniveau", "D9"],
                         "value": [3.0, -2.0, 0.0], "n_basis": [5.0, 4.0, 0.0]})
    back = breakdowns.kept_sums(breakdowns.kept_rows([sums.iloc[:2], sums.iloc[2:]]).sample(frac=1, random_state=1))
    key = ["peildatum", "region", "dimension", "group", "measure"]
    pd.testing.assert_frame_equal(back.sort_values(key, ignore_index=True),
                                  sums[breakdowns.FIELDS].sort_values(key, ignore_index=True))
    assert breakdowns.kept_sums(breakdowns.kept_rows([sums]).iloc[:0]).columns.tolist() == breakdowns.FIELDS
