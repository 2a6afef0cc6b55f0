"""The KPIs of the impact monitor, defined once: each with its exact rule, its basis and its target.

`docs/kpi-definitions.md` is rendered from `KPIS` (and a test keeps it equal), so the document cannot drift
from the code. A KPI is a count of participants (or, for K6, of trajectories) on a peildatum, computed from
the trajectories as known on that day (`llo.monitor.trajectories.as_of`): only measurements with a meetdatum on or
before the peildatum count, so a past month gives the same figures whenever it is recomputed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from checks.outputs import CONTEXT_COLUMNS, KPI_NATIONAL_MONTH, KPI_REGION_MONTH
from llo.disclosure import resting_on
from llo.monitor import trajectories as tr
from llo.monitor.targets import DEFAULT_SOURCE, Targets
from llo.settings import MIN_PARTICIPANTS

NATIONAL = "nationaal"

Mask = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str  # Dutch, as published
    rule: str  # the exact rule, as implemented by `count`
    basis: str  # what n_basis counts
    count: Mask  # over the trajectories as of the peildatum
    of: Mask  # the basis the count rests on
    cumulative: bool = True  # the count can only grow from month to month
    headline: str = "aantal"  # "aandeel": read share_of_basis rather than the count
    participants: bool = True  # False: counts trajectories, not people (no disclosure control)
    regel: str = ""  # the rule in Dutch, as the reports print it

    def __post_init__(self):
        if not self.regel:
            raise ValueError(f"KPI {self.code} needs its rule in Dutch (regel): the reports print it")


def _reached(t: pd.DataFrame) -> pd.Series:
    return pd.Series(True, index=t.index)


def _status(*statuses: str) -> Mask:
    return lambda t: t["status"].isin(statuses)


def _flag(name: str) -> Mask:
    return lambda t: t[name].fillna(False).astype(bool)


def _matched(t: pd.DataFrame) -> pd.Series:
    return t["match_werkgever_t0"].fillna(False).astype(bool) | t["match_werkgever_t1"].fillna(False).astype(bool)


def _durable_step(t: pd.DataFrame) -> pd.Series:  # D9: the route into work or into vocational education
    return _flag("duurzaam_werk")(t) | _flag("instroom_beroepsonderwijs")(t)


def _trajectories(c: pd.DataFrame) -> pd.Series:  # K6 counts catalogue rows; see CATALOGUE_KPI
    return pd.Series(True, index=c.index)


MEASURED = _status(tr.GEMETEN)
WITH_T0, WITH_T1 = "deelnemers met T0", "deelnemers met T1"
KPIS: tuple[Kpi, ...] = (
    Kpi("K1", "Bereikte deelnemers",
        "Participants with a valid nulmeting (T0) whose meetdatum is on or before the peildatum. A person with "
        "intakes in two regions (pseudonyms are per region) counts once in each.", WITH_T0, _reached, _reached,
        regel="Deelnemers met een geldige nulmeting (T0) met een meetdatum op of voor de peildatum. Wie in "
        "twee regio's een intake had, telt in elk van beide regio's één keer (pseudoniemen zijn per "
        "regio)."),
    Kpi("K2", "Bewijs met civiel effect of startkwalificatie behaald",
        "Participants with a T1 on or before the peildatum who hold a bewijs met civiel effect or a "
        "startkwalificatie at T1 that they did not hold at T0.", WITH_T1, _flag("certificaat_of_sk_behaald"),
        MEASURED,
        regel="Deelnemers met een eenmeting (T1) op of voor de peildatum die bij T1 een bewijs met civiel "
        "effect of een startkwalificatie hebben dat ze bij T0 nog niet hadden."),
    Kpi("K3", "Verbeterde arbeidsmarktpositie",
        "Participants with a T1 on or before the peildatum whose work situation is higher than at T0 (geen werk "
        "< vrijwilligerswerk < werk met ondersteuning < betaald werk), or who are in the same paid work "
        "(with or without support) with more hours per week.", WITH_T1, _flag("verbeterde_arbeidsmarktpositie"),
        MEASURED,
        regel="Deelnemers met een eenmeting op of voor de peildatum met een hogere arbeidssituatie dan bij T0 "
        "(geen werk < vrijwilligerswerk < werk met ondersteuning < betaald werk), of met hetzelfde "
        "betaalde werk (met of zonder ondersteuning) voor meer uren per week."),
    Kpi("K4", "Matches met werkgevers",
        "Participants with 'match met werkgever' = ja at the T0 or at a T1 on or before the peildatum.",
        WITH_T0, _matched, _reached,
        regel="Deelnemers met 'match met werkgever' = ja bij de T0 of bij een T1 op of voor de peildatum."),
    Kpi("K5", "Verbeterde sociale inclusie",
        "Participants with a T1 on or before the peildatum who are at least one rung higher on the "
        "participatieladder, or higher on at least one of the leefgebieden sociaal netwerk, maatschappelijke "
        "participatie and dagbesteding and lower on none.", WITH_T1, _flag("verbeterde_sociale_inclusie"),
        MEASURED,
        regel="Deelnemers met een eenmeting op of voor de peildatum die minstens één trede hoger staan op de "
        "participatieladder, of hoger scoren op minstens één van de leefgebieden sociaal netwerk, "
        "maatschappelijke participatie en dagbesteding en op geen daarvan lager."),
    Kpi("K6", "Ontwikkelde trajecten",
        "Trajectories in the region's catalogue whose startdatum is on or before the peildatum.",
        "trajecten", _trajectories, _trajectories, participants=False,
        regel="Trajecten in de trajectcatalogus van de regio met een startdatum op of voor de peildatum."),
    Kpi("D1", "Verbeterde basisvaardigheden",
        "Participants with a T1 on or before the peildatum who are higher on at least one of taalniveau, "
        "rekenniveau and digitale vaardigheden and lower on none.", WITH_T1,
        _flag("verbeterde_basisvaardigheden"), MEASURED,
        regel="Deelnemers met een eenmeting op of voor de peildatum die hoger scoren op minstens één van "
        "taalniveau, rekenniveau en digitale vaardigheden en op geen daarvan lager."),
    Kpi("D2", "Duurzaam werk (proxy)",
        "Participants with a T1 on or before the peildatum in paid work (with or without support) for at least "
        "the configured hours per week (default 12) at T1.", WITH_T1, _flag("duurzaam_werk"), MEASURED,
        regel="Deelnemers met een eenmeting op of voor de peildatum die bij T1 betaald werk hebben (met of "
        "zonder ondersteuning) van minstens het ingestelde aantal uren per week (standaard 12)."),
    Kpi("D3", "Instroom beroepsonderwijs",
        "Participants with a T1 on or before the peildatum without vocational education at T0 who are enrolled "
        "in or finished mbo at T1.", WITH_T1, _flag("instroom_beroepsonderwijs"), MEASURED,
        regel="Deelnemers met een eenmeting op of voor de peildatum zonder beroepsonderwijs bij T0 die bij T1 "
        "in het mbo zijn ingeschreven of een mbo-certificaat of -diploma hebben."),
    Kpi("D4", "Uitstroom uit uitkering",
        "Participants with a T1 on or before the peildatum who received a benefit at T0 and none at T1.",
        WITH_T1, _flag("uit_uitkering"), MEASURED,
        regel="Deelnemers met een eenmeting op of voor de peildatum die bij T0 een uitkering hadden en bij T1 "
        "geen."),
    Kpi("D5", "Eenmeting afgenomen",
        "Participants with a T1 on or before the peildatum (status gemeten).", WITH_T0, MEASURED, _reached,
        regel="Deelnemers met een eenmeting op of voor de peildatum (status gemeten)."),
    Kpi("D6", "T1-respons",
        "Share of participants whose T1 is taken among those whose T1 was taken or is overdue: gemeten / "
        "(gemeten + uitgevallen). Read share_of_basis.", "deelnemers met T1 of uitgevallen", MEASURED,
        _status(tr.GEMETEN, tr.UITGEVALLEN), headline="aandeel",
        regel="Aandeel deelnemers met een eenmeting onder wie de eenmeting heeft gedaan of had moeten doen: "
        "gemeten / (gemeten + uitgevallen)."),
    Kpi("D7", "Uitgevallen / geen eenmeting",
        f"Participants without a T1 whose start lies more than {tr.DROPOUT_MONTHS} months before the peildatum. "
        "Not cumulative: a late T1 moves a participant back to gemeten.", WITH_T0, _status(tr.UITGEVALLEN),
        _reached, cumulative=False,
        regel=f"Deelnemers zonder eenmeting van wie de start meer dan {tr.DROPOUT_MONTHS} maanden voor de "
        f"peildatum ligt. Niet cumulatief: een late eenmeting maakt iemand weer 'gemeten'."),
    Kpi("D8", "Lopend",
        f"Participants without a T1 whose start lies at most {tr.DROPOUT_MONTHS} months before the peildatum.",
        WITH_T0, _status(tr.LOPEND), _reached, cumulative=False,
        regel=f"Deelnemers zonder eenmeting van wie de start hoogstens {tr.DROPOUT_MONTHS} maanden voor de "
        "peildatum ligt."),
    Kpi("D9", "Duurzame stap naar werk of beroepsonderwijs",
        "Participants with a T1 on or before the peildatum who took a durable step by T1: durable work (D2) or "
        "entry into vocational education (D3), or both (research question 2).", WITH_T1, _durable_step, MEASURED,
        regel="Deelnemers met een eenmeting op of voor de peildatum die bij T1 een duurzame stap hebben gezet: "
        "duurzaam werk (D2) of instroom in het beroepsonderwijs (D3), of allebei (onderzoeksvraag 2)."),
)
BY_CODE = {k.code: k for k in KPIS}
CATALOGUE_KPI = "K6"
TARGETED = ("K1", "K2", "K3", "K4", "K5", "K6")  # the KPIs a targets file may set

# Columns of the trajectories the KPIs read; as_of() on these alone keeps a monthly series cheap, and reading only
# these keeps memory low at the national scale.
COLUMNS = ["regio", "meetdatum_t0", "meetdatum_t1", "t1_uiterlijk", "match_werkgever_t0", "match_werkgever_t1",
           *tr.FLAGS]


def month_end(month: str | pd.Timestamp | pd.Period) -> pd.Timestamp:
    """The peildatum of a month: its last day."""
    return pd.Period(month, freq="M").end_time.normalize()


def counts_on(trajectories: pd.DataFrame, catalogue: pd.DataFrame, peildatum: pd.Timestamp) -> pd.DataFrame:
    """value and n_basis per (region, kpi) on a peildatum, for every region in the data (zeros included)."""
    state = tr.as_of(trajectories[COLUMNS], peildatum)
    people = [k for k in KPIS if k.code != CATALOGUE_KPI]
    hits = pd.DataFrame({k.code: k.count(state) for k in people}, index=state.index).astype(int)
    basis = pd.DataFrame({k.code: k.of(state) for k in people}, index=state.index).astype(int)
    developed = catalogue.loc[catalogue["startdatum"] <= peildatum, "regio"].value_counts()
    regions = sorted(set(trajectories["regio"]) | set(catalogue["regio"]))
    value = hits.groupby(state["regio"]).sum().reindex(regions, fill_value=0).assign(
        **{CATALOGUE_KPI: developed.reindex(regions, fill_value=0)})
    n = basis.groupby(state["regio"]).sum().reindex(regions, fill_value=0).assign(
        **{CATALOGUE_KPI: developed.reindex(regions, fill_value=0)})
    codes = [k.code for k in KPIS]
    return pd.DataFrame({"value": value[codes].stack(), "n_basis": n[codes].stack()}).rename_axis(
        ["region", "kpi"]).astype("Int64")


def counted_days(peildata: Iterable[pd.Timestamp]) -> list[pd.Timestamp]:
    """The peildata with the month-end before each: value_month is the change since the month before."""
    peildata = set(map(pd.Timestamp, peildata))
    return sorted(peildata | {month_end(pd.Period(day, "M") - 1) for day in peildata})


COUNTS = [f"{k.code} {field}" for k in KPIS for field in ("value", "n_basis")]  # the columns of region_counts
MONTHS_ACTIVE = "maanden_actief"  # region_counts: months from the region's first nulmeting to the peildatum


def months_active(trajectories: pd.DataFrame, peildatum: pd.Timestamp) -> pd.Series:
    """Per region, the months it has been running on the peildatum: from the month of its first nulmeting on or
    before that day to the peildatum's month, both counted."""
    started = trajectories.loc[trajectories["meetdatum_t0"] <= peildatum].groupby("regio")["meetdatum_t0"].min()
    day = pd.Timestamp(peildatum)
    return (day.year * 12 + day.month - started.dt.year * 12 - started.dt.month + 1).astype("Int64")


def region_counts(trajectories: pd.DataFrame, catalogue: pd.DataFrame, days: Iterable[pd.Timestamp]) -> pd.DataFrame:
    """counts_on for each day, a row per region and day: a peildatum column and the value and basis of each KPI
    ('K1 value', 'K1 n_basis', ...). Every region's row is its own part: the monthly asset keeps it per region.
    What a participant adds to a KPI depends only on its phase (tr.Phases): each KPI is evaluated on the three
    states once, and each day sums what the participants add in their phase on that day."""
    days = sorted(set(map(pd.Timestamp, days)))
    if not days:
        return pd.DataFrame(columns=["peildatum", *COUNTS, MONTHS_ACTIVE])
    people = [k for k in KPIS if k.code != CATALOGUE_KPI]
    phases = tr.Phases.of(trajectories[COLUMNS])
    masks = {f"{k.code} {field}": mask for k in people for field, mask in (("value", k.count), ("n_basis", k.of))}
    per_phase = []
    for status in tr.PHASES:
        state = phases.state(status)
        per_phase.append({name: mask(state).astype("int8").to_numpy() for name, mask in masks.items()})
    adds = {name: np.stack([added[name] for added in per_phase]) for name in masks}  # (phase, participant)
    regions = sorted(set(trajectories["regio"]) | set(catalogue["regio"]))
    region = pd.Categorical(trajectories["regio"], categories=regions).codes
    first = trajectories.groupby("regio")["meetdatum_t0"].min().reindex(regions)  # the first nulmeting
    frames = []
    for day in days:
        phase = phases.on(day)
        present = np.flatnonzero(phase >= 0)
        where, phase = region[present], phase[present]
        wide = {name: np.bincount(where, weights=add[phase, present], minlength=len(regions)).astype("int64")
                for name, add in adds.items()}
        developed = catalogue.loc[catalogue["startdatum"] <= day, "regio"].value_counts().reindex(regions,
                                                                                               fill_value=0)
        wide |= {f"{CATALOGUE_KPI} {field}": developed.to_numpy() for field in ("value", "n_basis")}
        started = first.where(first <= day)  # the first nulmeting on or before the day, as months_active takes it
        active = (day.year * 12 + day.month - started.dt.year * 12 - started.dt.month + 1).fillna(0)
        frames.append(pd.DataFrame(wide, index=pd.Index(regions, name="region"))[COUNTS].astype("Int64").assign(
            **{MONTHS_ACTIVE: active.astype("Int64").array}, peildatum=day))
    return pd.concat(frames)


def region_month_table(trajectories: pd.DataFrame, catalogue: pd.DataFrame, peildata: Iterable[pd.Timestamp],
                       targets: Targets, context: pd.DataFrame | None = None,
                       min_participants: int = MIN_PARTICIPANTS) -> pd.DataFrame:
    """One row per active region, KPI and peildatum (see checks.outputs.KPI_REGION_MONTH)."""
    peildata = list(peildata)
    return month_table(region_counts(trajectories, catalogue, counted_days(peildata)), peildata, targets, context,
                       min_participants)


def _on(counts: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """counts_on(day) from region_counts."""
    wide = counts.loc[counts["peildatum"] == day, COUNTS]
    if wide.empty:
        return pd.DataFrame({"value": [], "n_basis": []}, dtype="Int64",
                            index=pd.MultiIndex.from_arrays([[], []], names=["region", "kpi"]))
    wide.columns = pd.MultiIndex.from_tuples([tuple(reversed(c.split(" "))) for c in wide.columns])
    return wide.rename_axis("region").stack(level=1, future_stack=True).rename_axis(["region", "kpi"]).reindex(
        columns=["value", "n_basis"]).astype("Int64")


def month_table(counts: pd.DataFrame, peildata: Iterable[pd.Timestamp], targets: Targets,
                context: pd.DataFrame | None = None, min_participants: int = MIN_PARTICIPANTS) -> pd.DataFrame:
    """region_month_table from region_counts on counted_days(peildata)."""
    peildata = sorted(set(map(pd.Timestamp, peildata)))
    if not peildata:
        raise ValueError("region_month_table needs at least one peildatum")
    frames = []
    for peildatum in peildata:
        now, before = _on(counts, peildatum), _on(counts, month_end(pd.Period(peildatum, "M") - 1))
        reached = now.xs("K1", level="kpi")["value"] if len(now) else pd.Series(dtype="Int64")
        active = set(reached[reached > 0].index) | {r for r, when in targets.active_from.items() if when <= peildatum}
        index = pd.MultiIndex.from_product([sorted(active), [k.code for k in KPIS]], names=["region", "kpi"])
        rows = now.reindex(index, fill_value=0).reset_index()
        rows["value_month"] = (rows["value"] - before.reindex(index, fill_value=0)["value"].to_numpy()).astype("Int64")
        rows["peildatum"] = peildatum
        running = _running(counts, peildatum, targets)
        rows["months_active"] = pd.array([running.get(region, 0) for region in rows["region"]], dtype="Int64")
        frames.append(rows)
    rows = pd.concat(frames, ignore_index=True)
    targeted = [targets.target(r, k) for r, k in zip(rows["region"], rows["kpi"], strict=True)]
    rows["target"] = pd.array([t for t, _ in targeted], dtype="Int64")
    rows["target_source"] = [source for _, source in targeted]
    rows["target_pro_rata"] = pd.array([targets.pro_rata(t, int(m)) for (t, _), m in
                                        zip(targeted, rows["months_active"], strict=True)], dtype="Int64")
    rows = _finish(rows, min_participants)
    context = context if context is not None else pd.DataFrame(columns=["region"])
    joined = rows.merge(context.reindex(columns=["region", *CONTEXT_COLUMNS]), on="region", how="left")
    return _ordered(joined, list(KPI_REGION_MONTH.columns), ["peildatum", "region"])


def _running(counts: pd.DataFrame, peildatum: pd.Timestamp, targets: Targets) -> dict[str, int]:
    """Months each region has been running on the peildatum: from its first nulmeting, or from its active_from month
    in the targets file when that is earlier."""
    day = counts.loc[counts["peildatum"] == peildatum]
    running = dict(zip(day.index, day[MONTHS_ACTIVE].fillna(0).astype(int), strict=True)) \
        if MONTHS_ACTIVE in day else {}
    for region, start in targets.active_from.items():
        if start <= peildatum:
            since = peildatum.year * 12 + peildatum.month - start.year * 12 - start.month + 1
            running[region] = max(running.get(region, 0), since)
    return running


def national_month_table(region_rows: pd.DataFrame, min_participants: int = MIN_PARTICIPANTS) -> pd.DataFrame:
    """The nation per KPI and peildatum: the sum of the active regions' counts, bases and targets."""
    grouped = region_rows.groupby(["peildatum", "kpi"], sort=False)
    rows = grouped[["value", "value_month", "n_basis"]].sum(min_count=1).astype("Int64")
    rows["target"] = grouped["target"].sum(min_count=1).astype("Int64")
    rows["target_pro_rata"] = grouped["target_pro_rata"].sum(min_count=1).astype("Int64")
    rows["regions"] = grouped["region"].nunique().astype("Int64")
    rows = rows.reset_index()
    deviating = region_rows[region_rows["target_source"] != DEFAULT_SOURCE].groupby("peildatum")["region"].unique()
    rows["target_source"] = [
        "som over de actieve regio's (" + (f"regionale afwijking: {', '.join(sorted(deviating[day]))}"
                                           if day in deviating.index else DEFAULT_SOURCE) + ")"
        for day in rows["peildatum"]]
    return _ordered(_finish(rows, min_participants), list(KPI_NATIONAL_MONTH.columns), ["peildatum"])


def _finish(rows: pd.DataFrame, min_participants: int) -> pd.DataFrame:
    """Labels, shares and the disclosure flag from the definitions."""
    definition = rows["kpi"].map(BY_CODE)
    rows["label"] = [k.label for k in definition]
    rows["basis"] = [k.basis for k in definition]
    rows["cumulative"] = [k.cumulative for k in definition]
    rows["value_month"] = rows["value_month"].astype("Int64").where(rows["cumulative"], pd.NA)
    value, n, target = (rows[c].astype("Float64") for c in ("value", "n_basis", "target"))
    rows["share_of_basis"] = (value / n.where(n > 0)).astype("float64")
    rows["share_of_target"] = (value / target.where(target > 0)).astype("float64")
    due = rows["target_pro_rata"].astype("Float64")
    rows["share_of_target_pro_rata"] = (value / due.where(due > 0)).astype("float64")
    people = pd.Series([k.participants for k in definition], index=rows.index)
    small = resting_on(rows["value"].astype("float64"), rows["n_basis"].astype("float64")) < min_participants
    rows["suppress"] = (people & small).astype(bool)
    return rows


def _ordered(rows: pd.DataFrame, columns: list[str], key: list[str]) -> pd.DataFrame:
    order = {k.code: i for i, k in enumerate(KPIS)}
    rows = rows.assign(_order=rows["kpi"].map(order)).sort_values([*key, "_order"], ignore_index=True)
    return rows[columns]
