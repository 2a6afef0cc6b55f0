"""What the interim and final report add to the national report: a section per region (its findings and KPIs, from
the same tables as its regional report) and the lessons for scaling up, the evaluation's main question. Every figure
goes through the report's ledger, under keys and labels that name the region."""

from __future__ import annotations

import pandas as pd

from llo.monitor.kpi import TARGETED
from llo.regions import PILOT, SCALE_UP, phase
from llo.reporting import breakdowns, findings, interviews
from llo.reporting import tables as t
from llo.reporting.data import ReportData
from llo.reporting.publish import Ledger, number, percent


def section(data: ReportData, ledger: Ledger) -> str:
    """One region's section: heading, phase and months running, its Kernbevindingen and its KPI table."""
    k1 = data.kpi.set_index("kpi").loc["K1"]
    months = f", {number(k1['months_active'])} maanden actief op de peildatum" if pd.notna(k1["months_active"]) \
        else ""
    label = f"tbl-kpi-{data.region}"
    return "\n".join([
        f"### {data.name} {{#sec-regio-{data.region}}}", "",
        f"*{phase(data.region).capitalize()}{months}.*", "",
        findings.markdown(findings.key_findings(data, ledger)),
        t.kpi_table(data, ledger, label),
        f": KPI's van {data.name} op de peildatum {{#{label}}}", ""])


def lessons(data: ReportData, ledger: Ledger) -> str:
    """The lessons for scaling up the data can support: how the scale-up regions fare against the pilots (reach
    against what is due, results of those measured), for whom the approach works least, and what it cannot tell."""
    regions = data.kpi_regions[data.kpi_regions["kpi"].isin(TARGETED)]
    by_phase = regions.assign(fase=regions["region"].map(phase)).groupby(["fase", "kpi"])[
        ["value", "n_basis", "target_pro_rata"]].sum(min_count=1)
    parts = []
    if {(PILOT, "K1"), (SCALE_UP, "K1")} <= set(by_phase.index):
        reach = {}
        for group in (PILOT, SCALE_UP):
            row = by_phase.loc[(group, "K1")]
            due = row["target_pro_rata"]
            reach[group] = ledger.number(f"lessen.K1.{group}", percent(row["value"] / due) if due else "n.v.t.",
                                         int(row["value"]))
        parts.append(f"De opschalingsregio's bereikten {reach[SCALE_UP]} van de deelnemers die naar rato van hun "
                     f"looptijd te verwachten waren, de pilotregio's {reach[PILOT]}: de aanpak laat zich in nieuwe "
                     "regio's " + ("in hetzelfde tempo" if _close(by_phase) else "niet in hetzelfde tempo")
                     + " opzetten als in de pilots.")
    rows = breakdowns.group_figures(data, "fase")
    results = []
    for code in ("K5", "D9"):
        shares = rows[rows["measure"] == code].set_index("group")
        if {PILOT, SCALE_UP} <= set(shares.index):
            shown = {g: ledger.number(f"lessen.{code}.{g}", percent(shares.at[g, "value"] / shares.at[g, "n_basis"])
                                      if shares.at[g, "n_basis"] else "n.v.t.", int(shares.at[g, "n"]))
                     for g in (PILOT, SCALE_UP)}
            results.append(f"{code} {shown[PILOT]} tegen {shown[SCALE_UP]}")
    if results:
        parts.append("Van wie een eenmeting heeft, zijn de resultaten in pilot- en opschalingsregio's (pilot tegen "
                     "opschaling): " + "; ".join(results) + ". De opschalingsregio's hebben nog maar weinig "
                     "eenmetingen, van hun eerste deelnemers.")
    parts.append(breakdowns.differences(data, ledger, ("doelgroep", "trajecttype", "leeftijd")).strip()
                 + " Waar een groep achterblijft, is daar de eerste plaats om de aanpak bij te stellen.")
    parts.append(_interviews_by_phase(data))
    parts.append("Wat de monitor niet kan zeggen: zonder controlegroep is geen verandering een bewezen effect van de "
                 f"aanpak, en duurzaamheid is gemeten op één moment, {findings.MONTHS_IN_WORDS} maanden na de start.")
    return "\n\n".join(parts) + "\n"


def _interviews_by_phase(data: ReportData) -> str:
    """What the group interviews say in pilot and scale-up regions: the theme that hindered and the one that helped
    most often in each (interview findings rest on no participant counts)."""
    rows = interviews.codings(data)
    if rows.empty:
        return "Uit de groepsgesprekken zijn nog geen lessen te trekken: er zijn nog geen gecodeerde gesprekken."
    said = []
    for group, name in ((PILOT, "de pilotregio's"), (SCALE_UP, "de opschalingsregio's")):
        mine = rows[rows["regio"].map(phase) == group]
        helps, hinders = (interviews.top(mine, direction, 1) for direction in (interviews.HELPS, interviews.HINDERS))
        if helps or hinders:
            parts = ([f"hielp {helps[0][0]} het vaakst ({number(helps[0][1])} keer)"] if helps else []) + \
                ([f"hinderde {hinders[0][0]} het vaakst ({number(hinders[0][1])} keer)"] if hinders else [])
            said.append(f"in {name} " + " en ".join(parts))
    if not said:
        return ""
    return ("Volgens de groepsgesprekken " + "; ".join(said) + ". Wat in de pilots hinderde en in de nieuwe regio's "
            "terugkomt, vraagt bij verdere opschaling als eerste aandacht.")


def _close(by_phase: pd.DataFrame, tolerance: float = 0.2) -> bool:
    """Whether the scale-up regions' reach against what is due lies within `tolerance` of the pilots'."""
    share = {g: by_phase.loc[(g, "K1"), "value"] / by_phase.loc[(g, "K1"), "target_pro_rata"]
             for g in (PILOT, SCALE_UP)}
    return abs(share[SCALE_UP] - share[PILOT]) <= tolerance * share[PILOT]
