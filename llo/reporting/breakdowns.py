"""The reports' breakdowns: for whom and in which trajectories the results come about (research questions 1 and 2 by
doelgroep, trajectory type, age band, phase and intake cohort), and each region's progress against the part of its
target due by the peildatum. Every figure goes through the ledger: a count or share resting on fewer participants
than the threshold reads "<10", a mean on fewer pairs too."""

from __future__ import annotations

import pandas as pd

from llo.disclosure import resting_on
from llo.monitor.breakdowns import CHANGE_PREFIX, DIMENSIONS
from llo.monitor.kpi import BY_CODE, TARGETED
from llo.regions import phase, region_name
from llo.reporting.data import ReportData
from llo.reporting.publish import NOT_APPLICABLE, Ledger, number, percent

# The columns of a breakdown table: (heading, measure, shown as) with "aantal" a count, "aandeel" the share of the
# measure's basis, "gemiddeld" a mean change.
COLUMNS = (("Bereikt (K1)", "K1", "aantal"), ("Met eenmeting (D5)", "D5", "aantal"),
           ("Verbeterde arbeidsmarktpositie (K3)", "K3", "aandeel"), ("Sociale inclusie (K5)", "K5", "aandeel"),
           ("Basisvaardigheden (D1)", "D1", "aandeel"), ("Duurzame stap (D9)", "D9", "aandeel"),
           ("waarvan naar werk (D2)", "D2", "aandeel"), ("waarvan naar mbo (D3)", "D3", "aandeel"),
           ("Verandering participatieladder", CHANGE_PREFIX + "participatieladder", "gemiddeld"))


def group_figures(data: ReportData, dimension: str) -> pd.DataFrame:
    """One row per group of the dimension, per measure: value, n_basis and the participants a figure rests on."""
    rows = data.breakdown[data.breakdown["dimension"] == dimension]
    change = rows["measure"].str.startswith(CHANGE_PREFIX)
    resting = pd.Series(resting_on(rows["value"].fillna(0), rows["n_basis"].astype("float64")), index=rows.index)
    return rows.assign(n=resting.where(~change, rows["n_basis"].astype("float64")))


def breakdown_table(data: ReportData, ledger: Ledger, dimension: str, label: str) -> str:
    """The groups of one dimension side by side: reach, T1s, the shares that improved or took a durable step, and
    the mean change on the participatieladder."""
    rows = group_figures(data, dimension)
    if rows.empty:
        return ledger.table(label, pd.DataFrame({DIMENSIONS[dimension]: ["geen deelnemers op de peildatum"]}))
    groups = list(dict.fromkeys(rows["group"]))
    shown, n = {DIMENSIONS[dimension]: groups}, {}
    for heading, measure, kind in COLUMNS:
        figures = rows[rows["measure"] == measure].set_index("group").reindex(groups)
        if kind == "aantal":
            shown[heading] = [number(v) if pd.notna(v) else NOT_APPLICABLE for v in figures["value"]]
        elif kind == "aandeel":
            shown[heading] = [percent(v / b) if pd.notna(v) and b else NOT_APPLICABLE
                              for v, b in zip(figures["value"], figures["n_basis"], strict=True)]
        else:
            shown[heading] = [number(v, 2).replace("-", "−") if pd.notna(v) else NOT_APPLICABLE
                              for v in figures["value"]]
        n[heading] = [None if pd.isna(v) else int(v) for v in figures["n"]]
    return ledger.table(label, pd.DataFrame(shown), pd.DataFrame(n), labels=(DIMENSIONS[dimension],))


def range_between_groups(data: ReportData, ledger: Ledger, dimension: str, measure: str) -> str | None:
    """'van 52% (laaggeletterd) tot 61% (beide)': the lowest and highest share of the groups shown (resting on at
    least the threshold), or None with fewer than two such groups."""
    rows = group_figures(data, dimension)
    rows = rows[(rows["measure"] == measure) & (rows["n_basis"] > 0)]
    shown = rows[~rows["n"].map(ledger.hidden).astype(bool)]
    if len(shown) < 2:
        return None
    share = shown["value"] / shown["n_basis"].astype("float64")
    ends = []
    for end, row in (("laag", shown.loc[share.idxmin()]), ("hoog", shown.loc[share.idxmax()])):
        text = ledger.number(f"uitsplitsing.{dimension}.{measure}.{end}", percent(row["value"] / row["n_basis"]),
                             int(row["n"]))
        ends.append(f"{text} ({row['group']})")
    return f"van {ends[0]} tot {ends[1]}"


def differences(data: ReportData, ledger: Ledger, dimensions: tuple[str, ...], measure: str = "D9") -> str:
    """One sentence on how far the groups of each dimension lie apart on a KPI's share, naming the dimensions that
    have too few groups on enough participants to compare."""
    what = BY_CODE[measure].label.lower()
    ranges = {d: range_between_groups(data, ledger, d, measure) for d in dimensions}
    known = [f"naar {DIMENSIONS[d].lower()} {text}" for d, text in ranges.items() if text]
    unknown = [DIMENSIONS[d].lower() for d, text in ranges.items() if not text]
    sentence = (f"Het aandeel deelnemers met een eenmeting dat een {what} zette ({measure}), loopt "
                + ", ".join(known) + ". ") if known else ""
    if unknown:
        sentence += ("Naar " + " en ".join(unknown) + " zijn nog geen groepen te vergelijken: te weinig groepen "
                     "rusten op genoeg deelnemers met een eenmeting. ")
    return sentence


def progress_table(data: ReportData, ledger: Ledger, label: str) -> str:
    """Each region's progress against the part of its targets due by the peildatum (pro rata to the months it has
    been running): months running, K1 reached and due, and every targeted KPI as a share of what is due."""
    rows = data.kpi_regions
    codes = [c for c in TARGETED if BY_CODE[c].participants]
    regions = list(dict.fromkeys(rows["region"]))
    wide = {code: rows[rows["kpi"] == code].set_index("region").reindex(regions) for code in codes}
    k1 = wide["K1"]
    shown = {"Regio": [region_name(r) for r in regions], "Fase": [phase(r) for r in regions],
             "Maanden actief": [number(m) if pd.notna(m) else NOT_APPLICABLE for m in k1["months_active"]],
             "K1 bereikt": k1["value"].map(number).tolist(),
             "K1 verwacht naar rato": [number(t) if pd.notna(t) else NOT_APPLICABLE for t in k1["target_pro_rata"]]}
    n = {"K1 bereikt": list(resting_on(k1["value"], k1["n_basis"]))}
    for code in codes:
        heading = f"{code} % van verwacht"
        shown[heading] = [percent(s) if pd.notna(s) else NOT_APPLICABLE
                          for s in wide[code]["share_of_target_pro_rata"]]
        n[heading] = list(resting_on(wide[code]["value"], wide[code]["n_basis"]))
    return ledger.table(label, pd.DataFrame(shown), pd.DataFrame(n), labels=("Regio", "Fase", "Maanden actief"))


def on_schedule(data: ReportData, code: str = "K1") -> tuple[int, int]:
    """How many active regions have reached at least the part of the KPI's target due by the peildatum, of how many
    with a target."""
    rows = data.kpi_regions[(data.kpi_regions["kpi"] == code) & data.kpi_regions["target_pro_rata"].notna()]
    return int((rows["share_of_target_pro_rata"] >= 1).sum()), len(rows)
