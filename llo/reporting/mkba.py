"""The running text of the report's MKBA chapter: the saldo of both variants and the PM items first, then the
comparisons with the frame and SEO, the deadweight, the prices and the continuation scenario. Every figure goes
through the ledger (key 'mkba.<name>') and rests on the cohort, so a cohort below the threshold shows none."""

from __future__ import annotations

import pandas as pd

from llo.reporting import findings
from llo.reporting.data import ReportData
from llo.reporting.publish import Ledger, euro, euro_words, number, percent
from llo.reporting.tables import scba_cohort, scba_variant
from llo.scba import tables as scba_tables


class _Text:
    def __init__(self, data: ReportData, ledger: Ledger):
        self.data, self.ledger, self.cohort = data, ledger, scba_cohort(data)
        self.items = {v: scba_variant(data, "overview", v).set_index("item") for v in ("programma", "traject")}
        self.parameters = data.scba_parameters.set_index("parameter")

    def value(self, variant: str, item: str):
        return self.items[variant].at[item, "value"]

    def figure(self, name: str, text: str) -> str:
        return self.ledger.number(f"mkba.{name}", text, self.cohort)

    def parameter(self, name: str, column: str = "value"):
        return self.parameters.at[name, column] if name in self.parameters.index else None


def opening(data: ReportData, ledger: Ledger) -> str:
    """The finding first: the saldo in both variants, what each counts, and the PM items beside it."""
    t = _Text(data, ledger)

    def balance(variant: str) -> str:
        return findings.balance(t.items[variant], t.figure, variant)

    pm = t.items["programma"]
    pm = pm[pm["section"] == "pm"]
    counted = [f"{item[:1].lower()}{item[1:]} ({t.figure(f'pm.{item}', number(q))} deelnemers)"
               for item, q in pm["quantity"].items() if pd.notna(q)]
    unmeasured = [item[:1].lower() + item[1:] for item, q in pm["quantity"].items() if pd.isna(q)]
    return (
        f"De MKBA gaat over het cohort dat op de peildatum klaar is: {t.figure('cohort', number(t.cohort))} deelnemers "
        "met een eenmeting of zonder eenmeting uitgevallen. Ze rekent in twee varianten met dezelfde baten. "
        f"**Op programmaniveau** (het NGF-budget en de inzet van de regionale en landelijke partners, verdeeld over "
        f"de verwachte instroom, plus de kosten van trajecten, deelnemers en werkgevers) is het saldo "
        f"{balance('programma')}. **Op trajectniveau** (alleen de kosten die een deelnemer extra met zich meebrengt: "
        f"het traject, de regionale begeleiding, de eigen tijd en de begeleiding door de werkgever, zoals SEO in 2013 "
        f"rekende) is het saldo {balance('traject')}. Naast het saldo staan baten die niet in geld zijn uitgedrukt "
        f"(PM): {', '.join(counted)}; niet gemeten zijn {' en '.join(unmeasured)}. De baten/kosten-verhouding deelt "
        "de baten door de kosten, met het verlies aan vrije tijd bij de kosten; het saldo is de maatstaf.")


def comparisons(data: ReportData, ledger: Ledger) -> str:
    """Like with like: the productivity benefit per participant against the frame's band (a benefit), the net per
    participant at trajectory level against SEO's net figure."""
    t = _Text(data, ledger)
    productivity = t.value("traject", scba_tables.PRODUCTIVITY_PER_PARTICIPANT)
    net = t.value("traject", scba_tables.NET_PER_PARTICIPANT)
    note = t.items["traject"].at[scba_tables.PRODUCTIVITY_PER_PARTICIPANT, "note"] or ""
    seo_note = t.items["traject"].at[scba_tables.NET_PER_PARTICIPANT, "note"] or ""
    return (f"De productiviteitsbaten per deelnemer (contante waarde, na deadweight en verdringing) zijn "
            f"{t.figure('productiviteit', euro(productivity))}: {note.split(';')[0]}. Het netto per deelnemer op "
            f"trajectniveau is {t.figure('netto', euro(net))}, {seo_note.split(';')[0]}. Het netto op "
            "programmaniveau is niet met SEO te vergelijken: SEO rekende geen programmakosten.")


def deadweight(data: ReportData, ledger: Ledger) -> str:
    """Deadweight decides the sign: by target group, with the break-even of both variants, and where it comes from."""
    t = _Text(data, ledger)
    sources = t.data.scba_parameters
    sources = sources[sources["parameter"].str.startswith("deadweight")]
    measured = sources["source"].str.startswith("Vergelijkingsgroep")
    origin = ("Er is geen vergelijkingsgroep: elke deadweight is een aanname, die een voor- en nameting niet kan "
              "toetsen. Een bestand met de uitkomsten van gematchte niet-deelnemers (bijvoorbeeld uit "
              "CBS-microdata) vervangt de aanname zodra het er is (docs/scba-method.md)." if not measured.any() else
              f"De deadweight van {number(int(measured.sum()))} van de {number(len(sources))} groepen komt uit een "
              "vergelijkingsgroep van gematchte niet-deelnemers; de andere zijn aannames.")

    def level(variant: str) -> str:
        value = t.value(variant, "Break-even deadweight")
        return (t.figure(f"{variant}.breakeven", percent(value)) if pd.notna(value) else
                "geen enkele deadweight (het saldo is ook bij 0% negatief)")

    return (f"Hoeveel van het resultaat ook zonder de aanpak was bereikt (deadweight), bepaalt het teken van het "
            f"saldo. De MKBA rekent met {findings.deadweight_range(data)}, naar de uitkering waarmee een deelnemer "
            "begon: wie uit de WW komt, vindt vaker zelf werk dan wie uit de bijstand komt (@tbl-deadweight). Het "
            f"saldo is positief tot een deadweight van {level('programma')} op programmaniveau en "
            f"{level('traject')} op trajectniveau, voor elke groep gelijk. {origin}")


def assumptions(data: ReportData, ledger: Ledger) -> str:
    """Prices and base year, the QALY assumption, the continuation scenario."""
    t = _Text(data, ledger)
    price_year, zichtjaar = t.parameter("price_year"), t.parameter("zichtjaar")
    rate = t.parameter("discount_rate")
    text = (f"Alle bedragen zijn in euro's van {int(price_year)} (omgerekend met de consumentenprijsindex van het "
            f"CBS) en contant gemaakt naar {int(zichtjaar)} met een reële discontovoet van {percent(rate, 2)}; kosten "
            "vallen in het jaar van de nulmeting, effecten beginnen halverwege het jaar van de eenmeting. "
            if price_year and zichtjaar else "")
    gain, low, high = (t.parameter("qaly_gain", c) for c in ("value", "low", "high"))
    if gain is not None:
        text += (f"De gezondheidsbaat rust op een aanname: een hogere score op het leefgebied gezondheid telt als "
                 f"{number(gain, 3)} QALY per jaar (bandbreedte {number(low, 3)} tot {number(high, 3)}); er is geen "
                 "gevalideerde omrekening van die score naar QALY's. ")
    items = t.items["programma"]
    if scba_tables.CONTINUED in items.index:
        lasting = t.parameter("infrastructure_share")
        continued = items.at[scba_tables.CONTINUED, "value"]
        text += (f"Gaan de regio's na de NGF-periode door met evenveel instroom, dan deelt die instroom het blijvende "
                 f"deel van het budget ({percent(lasting)}: landelijke ondersteuning, de impactmeting en "
                 f"professionalisering) en wordt het saldo op programmaniveau "
                 f"{t.figure('voortzetting', euro_words(continued))}.")
    return text


def chances(data: ReportData, ledger: Ledger) -> str:
    """The share of Monte Carlo draws with a positive saldo, per variant."""
    t = _Text(data, ledger)
    mc = data.scba("monte_carlo").set_index("variant")
    if not {"programma", "traject"} <= set(mc.index):
        return ""
    draws = number(mc.at["programma", "draws"])
    return (f"In {t.figure('kans.programma', percent(mc.at['programma', 'p_npv_positive']))} van de {draws} "
            f"trekkingen is het saldo op programmaniveau positief, op trajectniveau in "
            f"{t.figure('kans.traject', percent(mc.at['traject', 'p_npv_positive']))}.")
