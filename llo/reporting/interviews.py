"""The reports' chapter on research questions 3 (is the route anchored in the region, also after the pilot?) and 4
(success and failure factors), from the coded group interviews (table `interview_codings`).

Interview findings are no participant figures: a finding is what the partners at one table said, coded by the
researchers, and rests on no count of participants. The ledger therefore gets them with n None (never "<10"); the
chapter's method text says so. Only interviews held on or before the peildatum count, so a past month's report
shows what was known then. A theme's *balans* is the mean of its findings' strength with a sign: +1..+3 when it
helps, -1..-3 when it hinders.
"""

from __future__ import annotations

import pandas as pd

from checks.contract import INTERVIEW_THEMES, theme_research_question
from llo.disclosure import resting_on
from llo.regions import region_name
from llo.reporting.data import ReportData
from llo.reporting.publish import Ledger, and_list, day_nl, number

NONE_YET = "nog geen gecodeerde groepsgesprekken"
NO_SECOND_ROUND = "nog geen regio met twee gecodeerde gespreksrondes"
HELPS, HINDERS = "helpt", "hindert"


def codings(data: ReportData) -> pd.DataFrame:
    rows = data.interview_codings.copy()
    rows["balans"] = rows["sterkte"].astype(float).where(rows["richting"] == HELPS, -rows["sterkte"].astype(float))
    rows["label"] = rows["thema"].map(lambda code: INTERVIEW_THEMES[code][0])
    return rows


def _signed(value: float) -> str:
    return NONE_YET if pd.isna(value) else ("+" if value > 0 else "") + number(value, 1)


def _regions(data: ReportData) -> list[str]:
    """The regions the report is about: its region, or every region with KPI rows or codings."""
    if data.region:
        return [data.region]
    return sorted(set(data.kpi_regions["region"]) | set(data.interview_codings["regio"]))


def _empty(ledger: Ledger, label: str, what: str = "Groepsgesprekken", text: str = NONE_YET) -> str:
    return ledger.table(label, pd.DataFrame({what: [text]}))


def top(rows: pd.DataFrame, direction: str, count: int = 2) -> list[tuple[str, int, float]]:
    """The themes mentioned most in a direction (ties by mean strength, then code): (label, findings, strength)."""
    mine = rows[rows["richting"] == direction]
    if mine.empty:
        return []
    # one column's size and mean: the same frame as named aggregations over two columns, in a third of the time
    per = mine.groupby("thema")["sterkte"].agg(n="size", sterkte="mean").reset_index()
    per = per.sort_values(["n", "sterkte", "thema"], ascending=[False, False, True]).head(count)
    return [(INTERVIEW_THEMES[t][0].lower(), int(n), float(s)) for t, n, s in per.itertuples(index=False)]


def summary(data: ReportData, ledger: Ledger) -> str:
    """A short paragraph in words: how many interviews and findings, the most-mentioned helping and hindering themes,
    and which regions have no coded interviews yet."""
    rows = codings(data)
    regions = _regions(data)
    without = [r for r in regions if r not in set(rows["regio"])]
    if rows.empty:
        return (f"Voor {data.name} zijn er op de peildatum {NONE_YET}: deze onderzoeksvragen zijn nog niet met "
                "gesprekken te beantwoorden.")
    interviews = rows.drop_duplicates(["regio", "ronde"])
    count = ledger.number("gesprekken-aantal", number(len(interviews)), None)
    findings = ledger.number("gesprekken-bevindingen", number(len(rows)), None)
    if data.region:
        held = and_list([f"ronde {int(r)} op {day_nl(d)}" for r, d in
                         interviews.sort_values("ronde")[["ronde", "datum_gesprek"]].itertuples(index=False)])
        text = [f"In {data.name} zijn {count} groepsgesprekken gecodeerd ({held}), met {findings} bevindingen."]
    else:
        text = [f"In {number(interviews['regio'].nunique())} regio's zijn samen {count} groepsgesprekken gecodeerd, "
                f"met {findings} bevindingen."]
    for direction, words in ((HELPS, "helpend"), (HINDERS, "belemmerend")):
        most = top(rows, direction)
        if most:
            named = and_list([f"{label} ({number(n)} keer, gemiddelde sterkte {number(s, 1)})" for label, n, s in most])
            text.append(f"Het vaakst als {words} genoemd: {named}.")
    if without:
        text.append(f"Nog geen gecodeerde groepsgesprekken: {and_list([region_name(r) for r in without])}.")
    return " ".join(text)


def themes_table(data: ReportData, ledger: Ledger, label: str) -> str:
    """Per theme of the code list that was coded: group and research question, findings, how many help and hinder,
    the mean strength, the balans and (nationally) in how many regions it came up."""
    rows = codings(data)
    if rows.empty:
        return _empty(ledger, label)
    per = rows.groupby("thema").agg(
        n=("bevinding", "size"), helpt=("richting", lambda s: int((s == HELPS).sum())),
        hindert=("richting", lambda s: int((s == HINDERS).sum())), sterkte=("sterkte", "mean"),
        balans=("balans", "mean"), regios=("regio", "nunique")).reset_index()
    order = {code: i for i, code in enumerate(INTERVIEW_THEMES)}
    per = per.sort_values(["n", "thema"], key=lambda s: s.map(order) if s.name == "thema" else -s, ignore_index=True)
    shown = pd.DataFrame({
        "Thema": per["thema"].map(lambda c: INTERVIEW_THEMES[c][0]),
        "Groep": per["thema"].map(lambda c: INTERVIEW_THEMES[c][1]),
        "Deelvraag": per["thema"].map(lambda c: str(theme_research_question(c))),
        "Bevindingen": per["n"].map(number), "Helpt": per["helpt"].map(number), "Hindert": per["hindert"].map(number),
        "Gem. sterkte": per["sterkte"].map(lambda v: number(v, 1)), "Balans": per["balans"].map(_signed)})
    if not data.region:
        shown["Regio's"] = per["regios"].map(number)
    return ledger.table(label, shown)


def regions_table(data: ReportData, ledger: Ledger, label: str) -> str:
    """Per region its interviews next to its quantitative results of the same peildatum: rounds coded, findings,
    helping and hindering, the most-mentioned theme each way, and participants reached (K1) and with an improved
    labour-market position (K3), the latter two under disclosure control."""
    rows = codings(data)
    kpi = data.kpi_regions[data.kpi_regions["kpi"].isin(["K1", "K3"])]
    records, n = [], []
    for region in _regions(data):
        mine = rows[rows["regio"] == region]
        figures = kpi[kpi["region"] == region].set_index("kpi")
        results = {code: (figures.loc[code, "value"], resting_on(pd.Series([figures.loc[code, "value"]]),
                                                                 pd.Series([figures.loc[code, "n_basis"]]))[0])
                   if code in figures.index else (None, None) for code in ("K1", "K3")}
        helps, hinders = top(mine, HELPS, 1), top(mine, HINDERS, 1)
        records.append({
            "Regio": region_name(region),
            "Rondes": ", ".join(str(int(r)) for r in sorted(mine["ronde"].unique())) or NONE_YET,
            "Bevindingen": number(len(mine)), "Helpt": number(int((mine["richting"] == HELPS).sum())),
            "Hindert": number(int((mine["richting"] == HINDERS).sum())),
            "Meest genoemd: helpt": helps[0][0] if helps else "–",
            "Meest genoemd: hindert": hinders[0][0] if hinders else "–",
            "Bereikt (K1)": number(results["K1"][0]), "Betere positie (K3)": number(results["K3"][0])})
        n.append({"Bereikt (K1)": results["K1"][1], "Betere positie (K3)": results["K3"][1]})
    shown = pd.DataFrame(records)
    return ledger.table(label, shown, pd.DataFrame(n, index=shown.index))


def rounds_table(data: ReportData, ledger: Ledger, label: str) -> str:
    """How each theme changed between round 1 and round 2, in the regions that coded both rounds (so a theme does
    not seem to change because other regions were heard): findings and balans per round and the shift."""
    rows = codings(data)
    both = rows.groupby("regio")["ronde"].nunique()
    rows = rows[rows["regio"].isin(both[both == 2].index)]
    if rows.empty:
        return _empty(ledger, label, "Verandering tussen de rondes", NO_SECOND_ROUND)
    per = rows.pivot_table(index="thema", columns="ronde", values="balans", aggfunc=["size", "mean"])
    records = []
    for code in [c for c in INTERVIEW_THEMES if c in per.index]:
        counts = {r: per.loc[code].get(("size", r)) for r in (1, 2)}
        balans = {r: per.loc[code].get(("mean", r)) for r in (1, 2)}
        first, second = (balans[r] if counts[r] and not pd.isna(counts[r]) else None for r in (1, 2))
        if first is None:
            shift = "nieuw in ronde 2"
        elif second is None:
            shift = "niet meer genoemd"
        else:
            delta = second - first
            shift = "gelijk" if abs(delta) < 0.5 else ("meer helpend" if delta > 0 else "meer belemmerend") + \
                f" ({_signed(delta)})"
        records.append({"Thema": INTERVIEW_THEMES[code][0],
                        "Ronde 1: bevindingen": number(counts[1] if counts[1] and not pd.isna(counts[1]) else 0),
                        "Ronde 1: balans": _signed(first) if first is not None else "–",
                        "Ronde 2: bevindingen": number(counts[2] if counts[2] and not pd.isna(counts[2]) else 0),
                        "Ronde 2: balans": _signed(second) if second is not None else "–",
                        "Verschuiving": shift})
    return ledger.table(label, pd.DataFrame(records))


def quotes_table(data: ReportData, ledger: Ledger, label: str) -> str:
    """The anonymised quotes, per theme (in the order of the code list), with region, round and direction."""
    rows = codings(data).dropna(subset=["citaat"])
    if rows.empty:
        return _empty(ledger, label, "Citaten")
    order = {code: i for i, code in enumerate(INTERVIEW_THEMES)}
    rows = rows.assign(order=rows["thema"].map(order)).sort_values(["order", "regio", "ronde", "bevinding"])
    shown = pd.DataFrame({"Thema": rows["label"], "Regio": rows["regio"].map(region_name),
                          "Ronde": rows["ronde"].map(lambda r: str(int(r))), "Richting": rows["richting"],
                          "Citaat": rows["citaat"].map(lambda q: f"“{q}”")}).reset_index(drop=True)
    return ledger.table(label, shown)
