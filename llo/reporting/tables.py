"""The reports' tables: warehouse rows (llo.reporting.data) shaped into Dutch tables, published through the ledger
so that every cell resting on fewer participants than the threshold reads "<10"."""

from __future__ import annotations

import pandas as pd

from llo.disclosure import resting_on
from llo.monitor import trajectories as tr
from llo.monitor.kpi import BY_CODE, KPIS
from llo.regions import region_name
from llo.reporting.data import ReportData
from llo.reporting.publish import NOT_APPLICABLE, Ledger, and_list, day_nl, euro, number, percent, small_percent

DISTRIBUTIONS_NL = {"triangular": "driehoek", "uniform": "uniform", "fixed": "vast"}


def gdp_share(share) -> str:
    """A small share of GDP as a reader writes it, in two significant digits and never in powers of ten:
    0,00011%; a trailing zero goes (0,002%, not 0,0020%)."""
    shown = small_percent(share)
    if "," in shown:
        shown = shown.removesuffix("%").rstrip("0").rstrip(",") + "%"
    return shown


def _participant_kpi(codes: pd.Series) -> pd.Series:
    return codes.map(lambda code: BY_CODE[code].participants)


def kpi_table(data: ReportData, ledger: Ledger, label: str) -> str:
    """The KPIs on the peildatum: value, added this month, basis, shares and target."""
    rows = data.kpi
    people = _participant_kpi(rows["kpi"]).to_numpy()
    value_n = pd.Series(resting_on(rows["value"], rows["n_basis"])).where(people, None)
    added = rows["value_month"].astype("Float64").fillna(0)
    month_n = pd.Series(resting_on(added, rows["n_basis"])).where(people, None)
    shown = pd.DataFrame({
        "KPI": rows["kpi"], "Omschrijving": rows["label"], "Waarde": rows["value"].map(number),
        "Deze maand": [number(v) if pd.notna(v) else "" for v in rows["value_month"]],
        "Basis (n)": rows["n_basis"].map(number), "Aandeel": rows["share_of_basis"].map(percent),
        "Target": [number(v) if pd.notna(v) else "" for v in rows["target"]],
        "% van target": [percent(v) if pd.notna(v) else "" for v in rows["share_of_target"]]})
    n = pd.DataFrame({"Waarde": value_n, "Deze maand": month_n, "Aandeel": value_n, "% van target": value_n,
                      "Basis (n)": pd.Series(rows["n_basis"].astype(object)).where(people, None)})
    return ledger.table(label, shown, n)


def regions_table(data: ReportData, ledger: Ledger, label: str, codes=("K1", "K2", "K3", "K4", "K5")) -> str:
    """Each active region's KPIs side by side: the count and its share of the target."""
    rows = data.kpi_regions[data.kpi_regions["kpi"].isin(codes)]
    rows = rows.assign(n=resting_on(rows["value"], rows["n_basis"]),
                       text=[f"{number(v)} ({percent(s)})" if pd.notna(s) else number(v)
                             for v, s in zip(rows["value"], rows["share_of_target"], strict=True)])
    shown = rows.pivot(index="region", columns="kpi", values="text")[list(codes)]
    n = rows.pivot(index="region", columns="kpi", values="n")[list(codes)]
    shown.columns = n.columns = [f"{c} {BY_CODE[c].label}" for c in codes]
    names = [region_name(r) for r in shown.index]
    shown, n = shown.reset_index(drop=True), n.reset_index(drop=True)
    shown.insert(0, "Regio", names)
    return ledger.table(label, shown, n)


def change_table(data: ReportData, ledger: Ledger, label: str) -> str:
    """Paired change T0 -> T1 per score with its 95% confidence interval and effect size."""
    rows = data.change_scores

    def value(v, decimals=2):
        return number(v, decimals) if pd.notna(v) else NOT_APPLICABLE

    shown = pd.DataFrame({
        "Score": rows["label"], "n": rows["n"].map(number), "Gemiddeld T0": rows["mean_t0"].map(value),
        "Gemiddeld T1": rows["mean_t1"].map(value), "Verandering": rows["mean_change"].map(value),
        "95%-interval": [f"{value(lo)} tot {value(hi)}" if pd.notna(lo) else NOT_APPLICABLE
                         for lo, hi in zip(rows["ci_low"], rows["ci_high"], strict=True)],
        "Effectgrootte (d_z)": rows["effect_size"].map(value)})
    return ledger.table(label, shown, rows["n"].astype(object), labels=("Score",))


def work_counts(data: ReportData) -> pd.DataFrame:
    """Participants with a T1 per work situation at T0 and T1 (for the chart); n is what a bar reveals."""
    counts = data.work_situations
    rows = [{"moment": moment, "situatie": situation,
             "aantal": int(counts.loc[counts[f"arbeidssituatie_{moment.lower()}"] == situation, "rows"].sum())}
            for moment in ("T0", "T1") for situation in tr.WORK]
    frame = pd.DataFrame(rows)
    return frame.assign(n=resting_on(frame["aantal"], int(counts["rows"].sum())))


def work_transitions(data: ReportData, ledger: Ledger, label: str) -> str:
    """Work situation at T0 (rows) against T1 (columns), for participants with a T1."""
    counts = data.work_situations
    table = (counts.groupby(["arbeidssituatie_t0", "arbeidssituatie_t1"])["rows"].sum().unstack()
             .reindex(index=list(tr.WORK), columns=list(tr.WORK)).fillna(0).astype(int))
    shown = table.map(number).reset_index(drop=True)
    n = pd.DataFrame(resting_on(table.to_numpy(), int(counts["rows"].sum())), columns=table.columns)
    shown.columns = n.columns = [f"T1: {c}" for c in table.columns]
    shown.insert(0, "T0", list(table.index))
    return ledger.table(label, shown, n)


def kpi_number(data: ReportData, ledger: Ledger, code: str, what: str = "value") -> str:
    """One KPI figure of the peildatum for running text (count, or share of basis / target)."""
    row = data.kpi[data.kpi["kpi"] == code].iloc[0]
    n = int(resting_on(row["value"], row["n_basis"])) if BY_CODE[code].participants else None
    text = number(row["value"]) if what == "value" else percent(row[what])
    return ledger.number(f"{code}.{what}", text, n)


def revision_note(data: ReportData, ledger: Ledger) -> str:
    """One sentence for the top of a report rendered again after deliveries changed its figures: which headline KPIs
    changed since the first publication, by how much, and what was received since. Empty when nothing changed. Every
    figure goes through the ledger: a difference of fewer participants than the threshold reads "<10" too."""
    first = data.first_published
    if first.empty:
        return ""
    then, now = first.set_index("kpi"), data.kpi.set_index("kpi")
    changes = []
    for code in (c for c in then.index if c in now.index and BY_CODE[c].participants):
        before, after = then.at[code, "value"], now.at[code, "value"]
        if pd.isna(before) or pd.isna(after) or int(before) == int(after):
            continue
        old = ledger.number(f"herzien.{code}.eerder", number(before),
                            int(resting_on(before, then.at[code, "n_basis"])))
        new = ledger.number(f"herzien.{code}.nu", number(after), int(resting_on(after, now.at[code, "n_basis"])))
        delta = int(after) - int(before)
        shown = ledger.number(f"herzien.{code}.verschil", f"{delta:+d}".replace("-", "−"), abs(delta))
        changes.append(f"{BY_CODE[code].label.lower()} ({code}) van {old} naar {new} ({shown})")
    if not changes:
        return ""
    published = first["published_at"].min()
    log = data.ingest_log.assign(received_at=pd.to_datetime(data.ingest_log["received_at"]))
    later = log[log["received_at"] > published]
    reasons = [word for word, mask in (
        ("correcties", later["rows_corrected"].fillna(0) > 0),
        ("intrekkingen", (later["rows_withdrawn"].fillna(0) > 0) | (later["kind"] == "withdrawals")),
        ("nagekomen metingen", (later["kind"] == "measurements") & (later["rows_new"].fillna(0) > 0))) if mask.any()]
    days = [day_nl(day) for day in sorted(later["received_at"].dt.normalize().unique())]
    why = f" door {and_list(reasons)} ontvangen op {and_list(days)}" if reasons else ""
    return (f"::: {{.callout-important title=\"Herziene cijfers\"}}\nNa de eerste publicatie op "
            f"{day_nl(published)} zijn de kerncijfers van deze peildatum herzien{why}: {and_list(changes)}.\n:::\n")


VARIANT_COLUMNS = {"traject": "Trajectniveau", "programma": "Programmaniveau"}


def scba_variant(data: ReportData, name: str, variant: str) -> pd.DataFrame:
    """One variant's rows of an SCBA table of this month (overview, distribution, sensitivity, monte_carlo)."""
    rows = data.scba(name)
    return rows[rows["variant"] == variant].reset_index(drop=True)


def scba_cohort(data: ReportData) -> int:
    """Participants in the SCBA cohort (0 without SCBA rows); both variants count the same cohort."""
    rows = data.scba("overview")
    cohort = rows[rows["item"].str.startswith("Deelnemers in cohort")]["quantity"]
    return int(cohort.iloc[0]) if len(cohort) and pd.notna(cohort.iloc[0]) else 0


def scba_value(value, unit) -> str:
    """An SCBA overview value in the format of its value_unit."""
    return {"euro": euro, "ratio": lambda v: number(v, 2), "per jaar": lambda v: percent(v, 1),
            "aandeel": lambda v: percent(v, 1), "aandeel bbp": gdp_share}.get(unit, number)(value)


SECTIONS = ["baten", "kosten", "saldo", "pm", "kengetal"]


def _side_by_side(rows: pd.DataFrame, keys: list[str], value) -> pd.DataFrame:
    """The variants next to each other: a row per key, a column per variant (empty where a variant has no such row).
    Each variant's order is kept (programme level first where they differ), rows grouped by section."""
    lists = [list(dict.fromkeys(map(tuple, rows.loc[rows["variant"] == v, keys].itertuples(index=False, name=None))))
             for v in ("programma", "traject")]
    order = _merged(*lists)
    if "section" in keys:
        order.sort(key=lambda key: SECTIONS.index(key[keys.index("section")]))
    out = pd.DataFrame(order, columns=keys)
    for variant, column in VARIANT_COLUMNS.items():
        mine = rows[rows["variant"] == variant].set_index(keys, drop=False)
        out[column] = [value(mine.loc[key]) if key in mine.index else "" for key in order]
    return out


def _merged(first: list, second: list) -> list:
    """Both lists in one, each one's order kept: an item only in `second` comes just before the next item it shares
    with `first`."""
    out: list = []
    for item in first:
        if item in second:
            out += [other for other in second[:second.index(item)] if other not in out and other not in first]
        out.append(item)
    return out + [other for other in second if other not in out]


def scba_overview(data: ReportData, ledger: Ledger, label: str) -> str:
    """Both variants of the SCBA side by side: benefits, costs, saldo, key figures and the PM items; a cost that is
    not part of a variant is empty there. A note that differs between the variants is given for each."""
    rows, cohort = data.scba("overview"), scba_cohort(data)

    def shown_value(row) -> str:
        if row["section"] == "pm":
            return "PM"
        if pd.isna(row["value_unit"]):
            return ""
        return scba_value(row["value"], row["value_unit"]) if pd.notna(row["value"]) else NOT_APPLICABLE

    table = _side_by_side(rows, ["section", "item"], shown_value)
    first = rows.drop_duplicates(["section", "item"]).set_index(["section", "item"])
    keys = list(zip(table["section"], table["item"], strict=True))

    def note(key) -> str:
        notes = rows[(rows["section"] == key[0]) & (rows["item"] == key[1])].set_index("variant")["note"].dropna()
        if notes.nunique() <= 1:
            return notes.iloc[0] if len(notes) else ""
        return "; ".join(f"{column.lower()}: {notes[v]}" for v, column in VARIANT_COLUMNS.items() if v in notes)

    def size(key) -> str:
        q, unit = first.at[key, "quantity"], first.at[key, "unit"]
        return f"{number(q, 0 if q == round(q) else 1)} {unit}" if pd.notna(q) and pd.notna(unit) else ""

    shown = pd.DataFrame({"Onderdeel": table["section"], "Post": table["item"], "Omvang": [size(k) for k in keys],
                          **{c: table[c] for c in VARIANT_COLUMNS.values()},
                          "Toelichting": [note(k) for k in keys]})
    people = [str(first.at[k, "unit"]).startswith("deelnemers") for k in keys]
    quantity_n = [resting_on(first.at[k, "quantity"], cohort) if p and pd.notna(first.at[k, "quantity"]) else cohort
                  for k, p in zip(keys, people, strict=True)]
    n = pd.DataFrame({"Omvang": quantity_n, **{c: cohort for c in VARIANT_COLUMNS.values()}})
    return ledger.table(label, shown, n, labels=("Onderdeel", "Post", "Toelichting"))


def scba_distribution(data: ReportData, ledger: Ledger, label: str) -> str:
    """Who gains and who pays, in both variants: welfare effects, transfers, costs and PM items per actor; the
    transfers cancel out."""
    rows = data.scba("distribution")
    table = _side_by_side(rows, ["actor", "item", "kind"],
                          lambda row: "PM" if row["kind"] == "pm" else euro(row["value"]))
    shown = table.rename(columns={"actor": "Actor", "item": "Post", "kind": "Soort"})
    return ledger.table(label, shown, pd.Series([scba_cohort(data)] * len(shown), dtype=object),
                        labels=("Actor", "Post", "Soort"))


def scba_number(data: ReportData, ledger: Ledger, item: str, variant: str = "programma") -> str:
    """One overview value of a variant (by the start of its item name) for running text."""
    rows = scba_variant(data, "overview", variant)
    row = rows[rows["item"].str.startswith(item)].iloc[0]
    return ledger.number(f"scba.{variant}.{item}", scba_value(row["value"], row["value_unit"]), scba_cohort(data))


def parameter_labels(data: ReportData) -> dict[str, str]:
    """Each SCBA parameter's Dutch name (from the parameter file, as the month used it)."""
    rows = data.scba_parameters
    return dict(zip(rows["parameter"], rows["label"], strict=True))


def deadweight_table(data: ReportData, ledger: Ledger, label: str) -> str:
    """The deadweight of each target group and benefit: value, range and where it comes from (an assumption, or a
    comparison-group estimate that replaced it)."""
    rows = data.scba_parameters
    rows = rows[rows["parameter"].str.startswith("deadweight")]
    names = rows["label"].str.removeprefix("Deadweight ")
    shown = pd.DataFrame({"Deadweight": names.str[:1].str.upper() + names.str[1:],
                          "Waarde": rows["value"].map(percent), "Laag": rows["low"].map(percent),
                          "Hoog": rows["high"].map(percent),
                          "Herkomst": ["vergelijkingsgroep" if str(source).startswith("Vergelijkingsgroep") else
                                       "aanname" for source in rows["source"]],
                          "Bron": rows["source"]})
    return ledger.table(label, shown)


def parameters_table(data: ReportData, ledger: Ledger, label: str) -> str:
    """The SCBA parameters this month's scenario used, with their ranges and sources."""
    rows = data.scba_parameters

    def value(v):
        return number(v, 0 if abs(v) >= 100 or v == round(v) else 4)

    shown = pd.DataFrame({
        "Parameter": rows["label"], "Waarde": rows["value"].map(value),
        "Laag": rows["low"].map(value), "Hoog": rows["high"].map(value), "Eenheid": rows["unit"],
        "Verdeling": rows["distribution"].map(lambda d: DISTRIBUTIONS_NL.get(d, d)), "Bron": rows["source"]})
    return ledger.table(label, shown)


def deliveries_table(data: ReportData, ledger: Ledger, label: str) -> str:
    """Per region: files delivered and refused, rows read, accepted and quarantined, T1 response."""
    log = data.ingest_log.copy()
    for column in ("rows_read", "rows_accepted", "rows_quarantined"):
        log[column] = pd.to_numeric(log[column]).fillna(0)
    per = log.groupby("region").agg(
        files=("file", "nunique"), refused=("status", lambda s: int((s == "rejected").sum())),
        read=("rows_read", "sum"), accepted=("rows_accepted", "sum"), quarantined=("rows_quarantined", "sum"),
    ).reset_index()
    response = data.kpi_regions[data.kpi_regions["kpi"] == "D6"].set_index("region")
    if data.region:
        response = response.loc[[data.region]] if data.region in response.index else response.iloc[:0]
    shown = pd.DataFrame({
        "Regio": per["region"].map(region_name), "Bestanden": per["files"].map(number),
        "Geweigerd": per["refused"].map(number), "Rijen gelezen": per["read"].map(number),
        "Geaccepteerd": per["accepted"].map(number), "In quarantaine": per["quarantined"].map(number),
        "T1-respons": [percent(response.loc[r, "share_of_basis"]) if r in response.index else NOT_APPLICABLE
                       for r in per["region"]]})
    n = pd.DataFrame({"T1-respons": [int(response.loc[r, "n_basis"]) if r in response.index else None
                                     for r in per["region"]]})
    return ledger.table(label, shown, n)


def quarantine_reasons(data: ReportData, ledger: Ledger, label: str, top: int = 10) -> str:
    """The most frequent reasons rows were quarantined: rule and column (row counts, not participants)."""
    rows = data.quarantine
    if rows.empty:
        return ledger.table(label, pd.DataFrame({"Regel": ["geen rijen in quarantaine"], "Kolom": [""],
                                                 "Rijen": ["0"]}))
    counts = rows.groupby(["rule", "column_name"], dropna=False).size().sort_values(ascending=False).head(top)
    shown = pd.DataFrame({"Regel": [r for r, _ in counts.index], "Kolom": [c or "" for _, c in counts.index],
                          "Rijen": counts.map(number).to_numpy()})
    return ledger.table(label, shown)


def context_table(data: ReportData, ledger: Ledger, label: str) -> str:
    rows = data.context
    if rows.empty:
        return ledger.table(label, pd.DataFrame({"Regio": ["geen contextgegevens"]}))
    shown = pd.DataFrame({
        "Regio": rows["region"].map(region_name),
        "Peiljaar": [str(int(year)) if pd.notna(year) else NOT_APPLICABLE for year in rows["peiljaar"]],
        "Laaggeletterden (%)": rows["aandeel_laaggeletterden"].map(lambda v: number(v, 1)),
        "Spanning (vacatures per werkzoekende)": rows["spanningsindicator"].map(lambda v: number(v, 2)),
        "Werkloosheid (%)": rows["werkloosheid"].map(lambda v: number(v, 1)),
        "Bron": rows["context_bron"].fillna("")})
    return ledger.table(label, shown)


def definitions_table(ledger: Ledger, label: str) -> str:
    """The KPI rules (llo.monitor.kpi, the same definitions that computed the tables)."""
    shown = pd.DataFrame({"KPI": [k.code for k in KPIS], "Omschrijving": [k.label for k in KPIS],
                          "Regel": [k.regel for k in KPIS], "Basis": [k.basis for k in KPIS]})
    return ledger.table(label, shown)


def provenance(data: ReportData, path: str) -> str:
    """Write the input files behind the figures (region, file, SHA-256 of the content, when received, status) to the
    provenance file beside the report, and say where it is: file names and hashes are for whoever checks the
    report, not for its readers."""
    import json
    from pathlib import Path

    log = data.ingest_log.drop_duplicates(["region", "file", "sha256"]).sort_values(["region", "file"])
    files = [{"regio": region, "bestand": file, "sha256": sha, "ontvangen": str(received)[:19], "status": status}
             for region, file, sha, received, status in
             log[["region", "file", "sha256", "received_at", "status"]].itertuples(index=False)]
    if not path:
        return f"{number(len(files))} invoerbestanden (geen herkomstbestand gevraagd)"
    Path(path).write_text(json.dumps({"peildatum": str(data.peildatum.date()), "rapport": data.key,
                                      "invoerbestanden": files}, ensure_ascii=False, indent=1), encoding="utf-8")
    return (f"{number(len(files))} invoerbestanden, elk met de SHA-256 van de inhoud in het herkomstbestand naast "
            "dit rapport (dezelfde naam, eindigend op `.herkomst.json`)")


QUALITY_COLUMNS = ["Controle", "Wat", "Uitkomst", "Verwachtingen", "Niet voldaan", "Gecontroleerd"]


def quality_checks(summary: str, ledger: Ledger, label: str) -> str:
    """The latest outcome of each Great Expectations suite (llo.quality writes the summary with the Data Docs).
    Counts of expectations, not of participants."""
    import json
    from pathlib import Path

    path = Path(summary) if summary else None
    suites = json.loads(path.read_text(encoding="utf-8"))["suites"] if path and path.exists() else []
    shown = pd.DataFrame([[s["suite"], s.get("omschrijving") or s["description"],
                           "voldaan" if s["success"] else "niet voldaan", str(s["evaluated"]), str(s["failed"]),
                           str(s["checked_at"])[:16].replace("T", " ")] for s in suites]
                         or [["(nog niet uitgevoerd)", "", "", "", "", ""]], columns=QUALITY_COLUMNS)
    return ledger.table(label, shown)


def data_docs_link(link: str) -> str:
    """Where the full results are: a relative link, so it opens from disk and from the report site alike."""
    if not link:
        return ""
    return (f"De volledige uitkomsten, met per regel de regio's en maanden die buiten de band vallen, staan in de "
            f"[Data Docs]({link}).")
