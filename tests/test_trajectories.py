"""Trajectories: T0 and T1 side by side, statuses on a peildatum and the derived flags, on known cases."""

from __future__ import annotations

import pandas as pd
import pytest

from checks.outputs import TRAJECTORIES
from llo.monitor import trajectories as tr
from tests.kpi_fixtures import catalogue, measurements, participant


def derive(*people, **options) -> pd.DataFrame:
    return tr.derive(measurements(*people), catalogue(), **options).set_index("deelnemer_id")


def test_t0_and_t1_side_by_side_with_changes_and_transitions():
    t = derive(participant("A", "2024-09-15", t1={"leefgebied_financien": 5, "taalniveau": "2F",
                                                 "arbeidssituatie": "betaald werk", "uren_per_week": 24.0,
                                                 "uitkering": "geen", "participatieladder": 6}))
    a = t.loc["A"]
    assert a["meetdatum_t0"] == pd.Timestamp("2024-01-15") and a["meetdatum_t1"] == pd.Timestamp("2024-09-15")
    assert a["maanden_tot_t1"] == 8.0
    assert a["leefgebied_financien_verschil"] == 2 and a["taalniveau_verschil"] == 1
    assert a["participatieladder_verschil"] == 4
    assert a["arbeidssituatie_overgang"] == "geen werk → betaald werk"
    assert a["uitkering_overgang"] == "bijstand → geen"
    assert a["uit_uitkering"] and a["verbeterde_arbeidsmarktpositie"] and a["duurzaam_werk"]
    assert a["trajecttype"] == "taal" and a["trajectkosten"] == 1500.0
    assert a["t1_gepland"] == pd.Timestamp("2024-09-15") and a["t1_uiterlijk"] == pd.Timestamp("2025-01-15")


def test_without_t1_every_t1_field_is_empty():
    a = derive(participant("A")).loc["A"]
    assert all(pd.isna(a[name]) for name in tr.T1_COLUMNS)


@pytest.mark.parametrize(("t0", "t1", "improved"), [
    ({"arbeidssituatie": "betaald werk", "uren_per_week": 20.0}, {"uren_per_week": 24.0}, True),
    ({"arbeidssituatie": "betaald werk", "uren_per_week": 24.0}, {"uren_per_week": 20.0}, False),
    ({"arbeidssituatie": "betaald werk", "uren_per_week": 24.0}, {"uren_per_week": 24.0}, False),
    ({"arbeidssituatie": "werk met ondersteuning", "uren_per_week": 16.0}, {"uren_per_week": 18.0}, True),
    ({"arbeidssituatie": "vrijwilligerswerk", "uren_per_week": 8.0}, {"uren_per_week": 12.0}, False),
    ({"arbeidssituatie": "werk met ondersteuning", "uren_per_week": 30.0},
     {"arbeidssituatie": "betaald werk", "uren_per_week": 20.0}, True),
    ({"arbeidssituatie": "betaald werk", "uren_per_week": 30.0},
     {"arbeidssituatie": "vrijwilligerswerk", "uren_per_week": 30.0}, False),
    ({}, {"arbeidssituatie": "vrijwilligerswerk", "uren_per_week": 4.0}, True),
])
def test_labour_market_position_including_hours_within_paid_work(t0, t1, improved):
    assert derive(participant("A", "2024-09-15", t0=t0, t1=t1)).loc["A", "verbeterde_arbeidsmarktpositie"] == improved


@pytest.mark.parametrize(("hours", "threshold", "sustainable"), [
    (12.0, 12.0, True), (11.5, 12.0, False), (24.0, 12.0, True), (16.0, 20.0, False), (20.0, 20.0, True)])
def test_sustainable_work_proxy_with_a_configurable_threshold(hours, threshold, sustainable):
    people = participant("A", "2024-09-15", t1={"arbeidssituatie": "betaald werk", "uren_per_week": hours})
    assert derive(people, sustainable_hours=threshold).loc["A", "duurzaam_werk"] == sustainable


def test_unpaid_work_is_never_sustainable_work():
    people = participant("A", "2024-09-15", t1={"arbeidssituatie": "vrijwilligerswerk", "uren_per_week": 30.0})
    assert not derive(people).loc["A", "duurzaam_werk"]


@pytest.mark.parametrize(("t1", "improved"), [
    ({"participatieladder": 3}, True),
    ({"leefgebied_sociaal_netwerk": 4}, True),
    ({"leefgebied_sociaal_netwerk": 4, "leefgebied_dagbesteding": 2}, False),
    ({"leefgebied_financien": 5}, False),  # not a social leefgebied
    ({}, False),
])
def test_social_inclusion(t1, improved):
    assert derive(participant("A", "2024-09-15", t1=t1)).loc["A", "verbeterde_sociale_inclusie"] == improved


@pytest.mark.parametrize(("t1", "improved"), [
    ({"rekenniveau": "2F"}, True), ({"digitale_vaardigheden": 3}, True),
    ({"taalniveau": "2F", "rekenniveau": "onder 1F"}, False), ({}, False)])
def test_basic_skills(t1, improved):
    assert derive(participant("A", "2024-09-15", t1=t1)).loc["A", "verbeterde_basisvaardigheden"] == improved


@pytest.mark.parametrize(("t0", "t1", "obtained"), [
    ({}, {"bewijs_civiel_effect": True}, True),
    ({}, {"startkwalificatie": True}, True),
    ({"bewijs_civiel_effect": True}, {"bewijs_civiel_effect": True}, False),  # already held at intake
    ({"startkwalificatie": True}, {"bewijs_civiel_effect": True}, True),
])
def test_certificate_or_startkwalificatie_obtained(t0, t1, obtained):
    assert derive(participant("A", "2024-09-15", t0=t0, t1=t1)).loc["A", "certificaat_of_sk_behaald"] == obtained


def test_status_on_a_peildatum_and_the_dropout_boundary():
    t = tr.derive(measurements(participant("A", "2024-09-30", start="2024-01-31"),
                               participant("B", start="2024-01-31")), catalogue())
    on = {day: tr.as_of(t, pd.Timestamp(day)).set_index("deelnemer_id")["status"].to_dict()
          for day in ("2024-08-31", "2024-09-30", "2025-01-31", "2025-02-28")}
    assert on["2024-08-31"] == {"A": "lopend", "B": "lopend"}
    assert on["2024-09-30"]["A"] == "gemeten"  # a T1 exactly on the peildatum counts
    assert on["2025-01-31"]["B"] == "lopend"  # exactly 12 months after the start: not yet overdue
    assert on["2025-02-28"]["B"] == "uitgevallen"


def test_a_t1_after_the_peildatum_is_not_yet_known():
    t = tr.derive(measurements(participant("A", "2024-10-01", t1={"participatieladder": 5})), catalogue())
    before = tr.as_of(t, pd.Timestamp("2024-09-30")).iloc[0]
    assert before["status"] == "lopend"
    assert pd.isna(before["participatieladder_t1"]) and pd.isna(before["verbeterde_sociale_inclusie"])
    assert tr.as_of(t, pd.Timestamp("2024-10-31")).iloc[0]["verbeterde_sociale_inclusie"]


def test_participants_after_the_peildatum_are_left_out():
    t = tr.derive(measurements(participant("A", start="2024-01-15"), participant("B", start="2024-03-01")),
                  catalogue())
    assert list(tr.as_of(t, pd.Timestamp("2024-02-29"))["deelnemer_id"]) == ["A"]


def test_the_stored_shape_satisfies_the_output_schema():
    t = tr.derive(measurements(participant("A", "2024-09-15"), participant("B")), catalogue())
    TRAJECTORIES.validate(tr.as_of(t, pd.Timestamp("2024-09-15")))


def test_no_measurements_give_an_empty_valid_table():
    empty = measurements(participant("A")).iloc[0:0]
    rows = tr.as_of(tr.derive(empty, catalogue()), pd.NaT)
    assert rows.empty
    TRAJECTORIES.validate(rows)


def test_a_participants_state_on_any_day_is_that_of_its_phase():
    """Phases: on every day each participant is in the state of its phase, as as_of gives it. A is measured within
    its window, B never (lopend, then uitgevallen), C after its window (lopend, uitgevallen, then gemeten), D starts
    later. Letters per participant: - not yet started, L lopend, U uitgevallen, G gemeten."""
    t = tr.derive(measurements(participant("A", "2024-09-30", start="2024-01-31", t1={"participatieladder": 5}),
                               participant("B", start="2024-01-31"),
                               participant("C", "2025-06-30", start="2024-01-31", t1={"participatieladder": 5}),
                               participant("D", start="2024-06-15")), catalogue())
    phases, letter = tr.Phases.of(t), {"-": -1, **{status[0].upper(): n for n, status in enumerate(tr.PHASES)}}
    expected = {"2024-01-30": "----", "2024-08-31": "LLLL", "2024-09-30": "GLLL", "2025-02-28": "GUUL",
                "2025-06-30": "GUGU", "2025-07-31": "GUGU"}
    for day, letters in expected.items():
        on = phases.on(pd.Timestamp(day))
        assert on.tolist() == [letter[c] for c in letters], day
        state = tr.as_of(t, pd.Timestamp(day)).drop(columns="peildatum").reset_index(drop=True)
        rows = [phases.state(tr.PHASES[p]).iloc[[i]] for i, p in enumerate(on) if p >= 0]
        if not rows:
            assert state.empty
            continue
        pd.testing.assert_frame_equal(pd.concat(rows).reset_index(drop=True), state)
    assert "status" not in t  # the states are made beside the trajectories, not in them
