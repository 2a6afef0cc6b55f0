"""Kernbevindingen: one short paragraph per research question of the evaluation frame, written from the tables.

Every sentence is generated from the report's data (llo.reporting.data) and every figure in it goes through the
ledger, so a figure resting on fewer participants than the threshold reads "<10" in the text as in the tables. A
paragraph gives the figure, its basis, the comparison that matters (the target due by now, the month before, pilot
against scale-up regions) and the caveat where it applies; a question the data cannot answer yet says so and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from checks.contract import ANCHORING, FAILURE, INTERVIEW_THEMES, SUCCESS
from checks.outputs import T1_DUE_MONTHS
from llo.disclosure import resting_on
from llo.regions import PILOT, SCALE_UP
from llo.reporting import breakdowns, interviews
from llo.reporting.data import ReportData
from llo.reporting.publish import Ledger, and_list, euro_words, number, percent, small_percent
from llo.reporting.tables import scba_cohort, scba_variant
from llo.scba import tables as scba_tables
from llo.settings import SUSTAINABLE_WORK_HOURS

QUESTIONS = {
    1: "Sociale inclusie en basisvaardigheden",
    2: "Een duurzame route naar werk of beroepsonderwijs",
    3: "Verankering in de regio, ook na de pilot",
    4: "Succes- en faalfactoren",
    5: "De KPI's van het Groeifonds",
    6: "Het economisch effect",
}
MONTHS_IN_WORDS = {8: "acht"}.get(T1_DUE_MONTHS, str(T1_DUE_MONTHS))
NO_CONTROL_GROUP = "Zonder controlegroep is dit een verandering, geen bewezen effect van de aanpak."


@dataclass(frozen=True)
class Finding:
    question: int
    text: str

    @property
    def title(self) -> str:
        return QUESTIONS[self.question]


class _Figures:
    """The report's KPI figures for running text, each through the ledger as 'bevinding.<report>.<question>.<name>'.
    """

    def __init__(self, data: ReportData, ledger: Ledger):
        self.data, self.ledger = data, ledger
        self.kpi = data.kpi.set_index("kpi")

    def count(self, question: int, code: str) -> str:
        row = self.kpi.loc[code]
        return self.ledger.number(f"bevinding.{self.data.key}.{question}.{code}", number(row["value"]),
                                  int(resting_on(row["value"], row["n_basis"])))

    def share(self, question: int, code: str, of: str = "share_of_basis") -> str:
        row = self.kpi.loc[code]
        return self.ledger.number(f"bevinding.{self.data.key}.{question}.{code}.{of}", percent(row[of]),
                                  int(resting_on(row["value"], row["n_basis"])))

    def value(self, code: str, column: str = "value"):
        return self.kpi.at[code, column]

    def measured(self) -> int:
        return int(self.value("D5"))


def key_findings(data: ReportData, ledger: Ledger) -> list[Finding]:
    """The paragraphs for research questions 1 to 6, in order."""
    figures = _Figures(data, ledger)
    return [Finding(1, _inclusion(data, ledger, figures)), Finding(2, _route(data, ledger, figures)),
            Finding(3, _anchoring(data, ledger)), Finding(4, _factors(data, ledger)),
            Finding(5, _kpis(data, ledger, figures)), Finding(6, _economy(data, ledger))]


def markdown(findings: list[Finding]) -> str:
    """The Kernbevindingen as Markdown: a bold lead per question, then its paragraph."""
    return "\n\n".join(f"**{f.question}. {f.title}.** {f.text}" for f in findings) + "\n"


def _not_yet_measured(question: int, ledger: Ledger, figures: _Figures) -> str | None:
    """Why a question on results cannot be answered yet, or None when it can."""
    if ledger.hidden(figures.measured()):
        reached = figures.count(question, "K1")
        return (f"Nog niet te beantwoorden: van de {reached} bereikte deelnemers hebben er "
                f"{ledger.suppressed} een eenmeting (T1), die {MONTHS_IN_WORDS} maanden na de start volgt; "
                "uitkomsten worden pas gepubliceerd vanaf de onthullingsdrempel.")
    return None


def _inclusion(data: ReportData, ledger: Ledger, figures: _Figures) -> str:
    waiting = _not_yet_measured(1, ledger, figures)
    if waiting:
        return waiting
    text = (f"Van de {figures.count(1, 'D5')} deelnemers met een eenmeting verbeterden "
            f"{figures.share(1, 'K5')} hun sociale inclusie (K5) en {figures.share(1, 'D1')} hun "
            f"basisvaardigheden (D1).")
    ladder = data.change_scores.set_index("variable")
    if "participatieladder" in ladder.index:
        row = ladder.loc["participatieladder"]
        n = int(row["n"])
        mean = ledger.number(f"bevinding.{data.key}.1.ladder", _signed(row["mean_change"]), n)
        if not ledger.hidden(n) and pd.notna(row["ci_low"]):
            low, high = (ledger.number(f"bevinding.{data.key}.1.ladder.{end}", _signed(row[f"ci_{end}"]), n)
                         for end in ("low", "high"))
            sure = ("het interval ligt boven nul" if row["ci_low"] > 0 else "het interval ligt onder nul"
                    if row["ci_high"] < 0 else "het interval bevat nul: geen aantoonbare verandering")
            text += (f" Op de participatieladder veranderden zij gemiddeld {mean} treden (95%-interval {low} tot "
                     f"{high}; {sure}).")
    text += " " + _phases(data, ledger, "K5", 1) + NO_CONTROL_GROUP
    return text


def _route(data: ReportData, ledger: Ledger, figures: _Figures) -> str:
    waiting = _not_yet_measured(2, ledger, figures)
    if waiting:
        return waiting
    return (f"{_capital(figures.share(2, 'D9'))} van de deelnemers met een eenmeting ({figures.count(2, 'D9')}) "
            f"zette een duurzame stap (D9): {figures.count(2, 'D2')} hebben betaald werk van minstens "
            f"{number(SUSTAINABLE_WORK_HOURS)} uur per week (D2) en {figures.count(2, 'D3')} stroomden in in het "
            f"beroepsonderwijs (D3); wie allebei deed, telt één keer. {figures.share(2, 'K3')} verbeterde de "
            f"arbeidsmarktpositie (K3). " + _phases(data, ledger, "D9", 2)
            + f"Duurzaamheid is gemeten op één moment, {MONTHS_IN_WORDS} maanden na de start: of het werk of de "
            "opleiding standhoudt, laat de monitor nog niet zien.")


def _phases(data: ReportData, ledger: Ledger, code: str, question: int) -> str:
    """Pilot against scale-up regions on a share (the national report), or empty where there is one phase."""
    rows = breakdowns.group_figures(data, "fase")
    rows = rows[rows["measure"] == code].set_index("group")
    if data.region or not {PILOT, SCALE_UP} <= set(rows.index):
        return ""
    shares = {group: ledger.number(f"bevinding.{data.key}.{question}.{code}.{group}",
                                   percent(rows.at[group, "value"] / rows.at[group, "n_basis"])
                                   if rows.at[group, "n_basis"] else "n.v.t.", int(rows.at[group, "n"]))
              for group in (PILOT, SCALE_UP)}
    bases = {group: number(rows.at[group, "n_basis"]) for group in (PILOT, SCALE_UP)}
    return (f"In de pilotregio's is dat {shares[PILOT]} (van {bases[PILOT]} met een eenmeting), in de "
            f"opschalingsregio's {shares[SCALE_UP]} (van {bases[SCALE_UP]}); de opschalingsregio's zijn later "
            "begonnen, zodat hun aandeel nog op weinig en alleen op hun eerste deelnemers rust. ")


def _anchoring(data: ReportData, ledger: Ledger) -> str:
    return _from_interviews(data, ledger, 3, (ANCHORING,), "de borging van de route na de pilot",
                            "Dit zijn oordelen van de partners, gecodeerd door de onderzoekers; of de route na de "
                            "pilot blijft bestaan, blijkt pas als het NGF-geld is opgehouden.")


def _factors(data: ReportData, ledger: Ledger) -> str:
    return _from_interviews(data, ledger, 4, (SUCCESS, FAILURE), "succes- en faalfactoren",
                            "Een thema kan in de ene regio helpen en in de andere hinderen: de tabellen van het "
                            "hoofdstuk over de groepsgesprekken geven het per regio.")


def _from_interviews(data: ReportData, ledger: Ledger, question: int, groups: tuple[str, ...], about: str,
                     caveat: str) -> str:
    """Research questions 3 and 4 from the coded group interviews: how many interviews and findings on the themes of
    `groups`, the themes that help and hinder most, and how the balance moved between the rounds. Interview findings
    rest on no participant counts: they go through the ledger with n None."""
    rows = interviews.codings(data)
    if rows.empty:
        return ("Nog niet te beantwoorden: deze vraag rust op de groepsgesprekken met de partners in de regio, en er "
                "zijn op de peildatum nog geen gecodeerde groepsgesprekken.")
    rows = rows[rows["thema"].map(lambda code: INTERVIEW_THEMES[code][1]).isin(groups)]
    held = interviews.codings(data).drop_duplicates(["regio", "ronde"])
    regions = held["regio"].nunique()
    where = "" if data.region else f" in {number(regions)} regio{'' if regions == 1 else chr(39) + 's'}"
    if rows.empty:
        return (f"In de {number(len(held))} gecodeerde groepsgesprekken{where} kwam {about} nog niet ter sprake; "
                "de vraag is daarmee nog niet te beantwoorden.")
    key = f"bevinding.{data.key}.{question}"
    text = (f"In {ledger.number(f'{key}.gesprekken', number(len(held)), None)} groepsgesprekken{where} gingen "
            f"{ledger.number(f'{key}.bevindingen', number(len(rows)), None)} bevindingen over {about}.")
    for direction, words in ((interviews.HELPS, "helpt"), (interviews.HINDERS, "hindert")):
        named = [f"{label} ({number(n)} keer)" for label, n, _ in interviews.top(rows, direction)]
        if named:
            text += f" Het vaakst {words}: {and_list(named)}."
    both = rows.groupby("regio")["ronde"].nunique()
    again = rows[rows["regio"].isin(both[both > 1].index)]
    if len(again):
        balance = again.groupby("ronde")["balans"].mean()
        first, second = (ledger.number(f"{key}.balans.{r}", _signed(balance.get(r), 1), None) for r in (1, 2))
        direction = "gunstiger" if balance.get(2) > balance.get(1) else "ongunstiger" \
            if balance.get(2) < balance.get(1) else "even gunstig"
        text += (f" In de regio's met twee gespreksrondes werd het beeld {direction}: de balans (gemiddelde sterkte, "
                 f"+ helpt, − hindert) ging van {first} in de eerste naar {second} in de tweede ronde.")
    return f"{text} {caveat}"


def _kpis(data: ReportData, ledger: Ledger, figures: _Figures) -> str:
    k1 = data.kpi.set_index("kpi").loc["K1"]
    target = k1["target"]
    if pd.isna(target):
        return f"Op de peildatum zijn {figures.count(5, 'K1')} deelnemers bereikt (K1); er is geen target vastgelegd."
    text = (f"Op de peildatum zijn {figures.count(5, 'K1')} deelnemers bereikt (K1), "
            f"{figures.share(5, 'K1', 'share_of_target')} van het target van {number(target)} voor de hele "
            "looptijd")
    due = k1["target_pro_rata"]
    if pd.notna(due) and due > 0:
        running = (f"de {number(k1['months_active'])} maanden dat de regio loopt" if data.region else
                   "de tijd dat elke regio loopt")
        text += (f". Naar rato van {running}, was {number(due)} te verwachten: "
                 f"{figures.share(5, 'K1', 'share_of_target_pro_rata')} daarvan")
        if data.region is None:
            ahead, regions = breakdowns.on_schedule(data, "K1")
            text += f" ({number(ahead)} van de {number(regions)} regio's liggen op of voor op schema)"
    before = data.kpi_before.set_index("kpi")
    if "K1" in before.index:
        added = int(k1["value"]) - int(before.at["K1", "value"])
        more = ledger.number(f"bevinding.{data.key}.5.K1.erbij", number(added),
                             int(resting_on(added, k1["n_basis"])))
        text += (f"; er kwamen deze maand {more} deelnemers bij" if added else
                 "; deze maand kwamen er geen deelnemers bij")
    others = []
    for code in ("K2", "K3", "K4", "K5"):
        row = data.kpi.set_index("kpi").loc[code]
        if pd.notna(row["share_of_target_pro_rata"]):
            others.append(f"{code} {figures.share(5, code, 'share_of_target_pro_rata')}")
    if others:
        text += (". Van het deel van de targets dat nu verwacht mag worden, is gehaald: " + ", ".join(others[:-1])
                 + f" en {others[-1]}")
    return (text + f". K2, K3 en K5 tellen pas na de eenmeting, {MONTHS_IN_WORDS} maanden na de start: de eerste "
            "maanden van een regio blijven ze daardoor achter bij het bereik.")


def _economy(data: ReportData, ledger: Ledger) -> str:
    rows = data.scba("overview")
    if rows.empty:
        return "Nog niet te beantwoorden: voor deze peildatum is geen MKBA berekend."
    cohort = scba_cohort(data)
    if ledger.hidden(cohort):
        return (f"Nog niet te beantwoorden: het cohort dat op de peildatum klaar is (met een eenmeting of zonder "
                f"eenmeting uitgevallen), telt {ledger.suppressed} deelnemers; de MKBA wordt gepubliceerd vanaf de "
                "onthullingsdrempel.")

    def figure(item: str, text: str) -> str:
        return ledger.number(f"bevinding.{data.key}.6.{item}", text, cohort)

    programme, trajectory = (scba_variant(data, "overview", v).set_index("item") for v in ("programma", "traject"))
    text = (f"Voor de {figure('cohort', number(cohort))} deelnemers van wie het traject op de peildatum is afgerond "
            f"(met een eenmeting of uitgevallen), is het saldo van maatschappelijke baten en kosten op programmaniveau "
            f"(het NGF-budget en de inzet van de partners, verdeeld over de verwachte instroom) "
            f"{balance(programme, figure, 'programma')}. Op trajectniveau (alleen de kosten die een deelnemer extra "
            f"met zich meebrengt, zoals SEO in 2013 rekende) is het {balance(trajectory, figure, 'traject')}. ")
    break_even = programme.at["Break-even deadweight", "value"]
    if pd.notna(break_even):
        text += (f"Op programmaniveau is het saldo positief zolang hoogstens "
                 f"{figure('breakeven', percent(break_even))} van het resultaat ook zonder de aanpak was bereikt "
                 "(deadweight, voor elke groep gelijk)")
    else:
        text += ("Ook als niemand het resultaat zonder de aanpak had bereikt (0% deadweight), blijven op "
                 "programmaniveau de kosten hoger dan de baten")
    assumed = deadweight_range(data)
    text += (f"; de MKBA rekent met {assumed} naar de uitkering waarmee deelnemers begonnen, en zonder "
             "vergelijkingsgroep is die aanname niet te toetsen. " if assumed else ". ")
    text += ("Niet in geld uitgedrukt (PM) zijn onder meer de betere sociale inclusie en basisvaardigheden en de "
             "zorgkosten. ")
    text += _gdp(programme, figure)
    return text


def balance(items: pd.DataFrame, figure, variant: str) -> str:
    """A variant's saldo in words and its B/C ratio as what a euro of costs brings (`figure` puts each through the
    ledger)."""
    saldo, ratio = items.at[scba_tables.SALDO, "value"], items.at["Baten/kosten-verhouding", "value"]
    words = figure(f"{variant}.saldo", euro_words(abs(saldo)))
    balance = (f"positief: de baten zijn {words} hoger dan de kosten" if saldo >= 0 else
               f"negatief: de kosten zijn {words} hoger dan de baten")
    return f"{balance} (contante waarde); elke euro kosten levert {figure(f'{variant}.bk', _cents(ratio))} aan baten op"


def deadweight_range(data: ReportData) -> str:
    """The deadweights the month used, as 'een deadweight van 30% tot 70%' (or one figure when they are equal)."""
    rows = data.scba_parameters
    values = sorted(set(rows.loc[rows["parameter"].str.startswith("deadweight"), "value"]))
    if not values:
        return ""
    return (f"een deadweight van {percent(values[0])}" if len(values) == 1 else
            f"een deadweight van {percent(values[0])} tot {percent(values[-1])}")


def _gdp(items: pd.DataFrame, figure) -> str:
    """The cohort's yearly added value and GDP share, and the projection to the programme's planned intake set
    against the frame's GDP share, which is the whole programme's (about 20 regions x 400 participants)."""
    def value(item: str):
        return items.at[item, "value"] if item in items.index and pd.notna(items.at[item, "value"]) else None

    yearly, share = value("Toegevoegde waarde per jaar"), value("Bbp-effect")
    projected, projected_share = value(scba_tables.PROJECTED_VALUE), value(scba_tables.PROJECTED_GDP)
    frame = value(scba_tables.FRAME_GDP)
    if yearly is None or share is None:
        return ""
    text = (f"De extra productiviteit van dit cohort is {figure('jaar', euro_words(yearly))} per jaar, "
            f"{figure('bbp', small_percent(share))} van het bbp.")
    if projected is None or projected_share is None or not frame:
        return text
    intake = items.at[scba_tables.PROJECTED_GDP, "quantity"]
    return text + (
        f" Doorgetrokken naar de geplande instroom van het hele programma ({figure('instroom', number(intake))} "
        f"deelnemers) wordt dat {figure('projectie', euro_words(projected))} per jaar, "
        f"{figure('projectie_bbp', small_percent(projected_share))} van het bbp: "
        f"{figure('kader_deel', small_percent(projected_share / frame))} van de "
        f"{figure('kader', small_percent(frame, 1))} waarmee het evaluatiekader voor het hele programma rekent.")


def _cents(ratio) -> str:
    """A benefit-cost ratio as what a euro of costs brings: '€ 0,64'."""
    return "€\u00a0" + number(ratio, 2) if pd.notna(ratio) else "n.v.t."


def _signed(value, decimals: int = 2) -> str:
    return ("+" if value > 0 else "") + number(value, decimals).replace("-", "−") if pd.notna(value) else "n.v.t."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
