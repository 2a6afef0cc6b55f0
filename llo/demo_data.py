"""SYNTHETIC demo deliveries for the LLO impact monitor: trajectory catalogues and monthly measurement files.

Nothing here describes real people. Two pilot regions (Twente, Zuidoost-Brabant) deliver from 2023-01 and six
scale-up regions from 2025-04, all up to 2025-12 but Rijnmond, which stops delivering after 2025-10 (an overdue
region). Participants get a T0 at the start of their trajectory and, unless they drop out or it is not yet due, a
T1 about eight months later with realistic progress.
For the benchmark, `scale` multiplies every region's intake and `ROLL_OUT` adds the other labour-market regions
(a second wave from 2024-01, with the pilots' intake per month), so 100x is the national roll-out at about a
million measurement rows.

Headers, category values and yes/no spellings come from the contract (`checks.contract`); nothing is retyped.
With `faults=True`, `generate` injects the faults real deliveries have, and each `Delivery` records what a
correct ingest must do with its file: how many rows it must quarantine and whether it must reject the file.
Everything is deterministic for a seed: same seed, byte-identical files.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from checks.contract import MODELS, PARTNERS, WORK_NONE, InterviewCoding, Measurement, TrajectoryCatalogue
from llo import settings
from llo.regions import PILOTS, REGIONS, region_name, region_slug

SCALE_UP = ("achterhoek", "fryslan", "midden-limburg", "rijnmond", "zuid-holland-zuid", "midden-gelderland")
DEMO_REGIONS = PILOTS + SCALE_UP
# The national roll-out: the 35 labour-market regions (Drechtsteden and Gorinchem rather than the older Zuid-Holland
# Zuid of the demo).
ROLL_OUT = tuple(r for r in DEMO_REGIONS if r != "zuid-holland-zuid") + tuple(
    sorted(set(REGIONS) - set(DEMO_REGIONS)))
FIRST_MONTH = {**dict.fromkeys(PILOTS, "2023-01"), **dict.fromkeys(SCALE_UP, "2025-04")}
SECOND_WAVE = "2024-01"  # regions beyond the demo's eight
LAST_DAY = pd.Timestamp("2025-12-31")
PREFIX = {"twente": "TW", "zuidoost-brabant": "ZOB", "achterhoek": "ACH", "fryslan": "FRL",
          "midden-limburg": "MLB", "rijnmond": "RMD", "zuid-holland-zuid": "ZHZ", "midden-gelderland": "MGL"}
CATALOGUE_XLSX = ("zuidoost-brabant", "midden-limburg")  # these regions keep their catalogue in Excel

# Ordered so that, spread over three or more regions, no region gets two conflicting file formats.
FORMAT_FAULTS = ("semicolon_decimal_comma", "utf8_bom", "xlsx_title_row", "windows_1252",
                 "misspelled_headers", "reordered_headers")
ROW_FAULTS = ("out_of_range", "two_versions", "t1_without_t0", "unknown_trajectcode")
QUARANTINES = {"two_versions": 2}  # rows each row fault sends to quarantine (default 1): a pair in one file, both
# How regions really deliver (with faults=True): one region exports cumulatively (every month the whole history
# again, so earlier rows arrive unchanged), one sends a correction file whose name sorts before the file it corrects,
# one withdraws a participant.
CUMULATIVE, CORRECTING, WITHDRAWING = "midden-gelderland", "twente", "zuidoost-brabant"
CORRECTED_MONTH, WITHDRAWN_MONTH = "2025-02", "2024-03"
# One region stops delivering early: its files of later months never arrive (its participants still exist, so their
# eenmetingen fall due), and its last file arrives on 2025-11-05, 61 days before the demo's last delivery: past the
# 45-day delivery window (checks.due_checks: delivery_overdue WARN).
STOPPED, LAST_DELIVERED_MONTH = "rijnmond", "2025-10"
FILE_FAULTS = ("bsn_column", "other_region")
ALL_FAULTS = FORMAT_FAULTS + ROW_FAULTS + FILE_FAULTS
CSV_ONLY = ("semicolon_decimal_comma", "windows_1252", "utf8_bom")  # not applied to an .xlsx catalogue

M_COLS, C_COLS = Measurement.to_schema().columns, TrajectoryCatalogue.to_schema().columns
YES, NO = (M_COLS["startkwalificatie"].metadata["categories"][b][0] for b in (True, False))
LEVELS = list(M_COLS["taalniveau"].metadata["categories"])  # onder 1F, 1F, 2F, 3F
WORK = list(M_COLS["arbeidssituatie"].metadata["categories"])  # by rung: <=3, 4, 5, 6
BENEFITS = list(M_COLS["uitkering"].metadata["categories"])  # geen, bijstand, WW, WIA/Wajong, anders
EDUCATION = list(M_COLS["opleiding"].metadata["categories"])  # geen, ingeschreven, certificaat, diploma
GROUPS = list(M_COLS["doelgroep"].metadata["categories"])
TYPES = list(C_COLS["type"].metadata["categories"])  # taal, rekenen, digitaal, vak, combinatie
DOMAINS = [name for name in M_COLS if name.startswith("leefgebied_")]
TYPE_CODE = dict(zip(TYPES, ("TAAL", "REK", "DIGI", "VAK", "COMBI"), strict=True))
TYPE_COST = dict(zip(TYPES, ((800, 2000), (800, 1800), (800, 1500), (2000, 4000), (2500, 4000)), strict=True))
NAMES = dict(zip(TYPES, (
    ("Taal op de werkvloer", "Nederlands voor het werk", "Lezen en schrijven in de praktijk"),
    ("Rekenen in het dagelijks leven", "Rekenen voor productie en logistiek"),
    ("Digitaal vaardig", "Werken met de computer", "DigiSterk"),
    ("Assistent café en restaurant", "Logistiek medewerker (entree)", "Productiemedewerker metaal",
     "Helpende zorg en welzijn", "Groenvoorziening"),
    ("Taal en techniek", "Werkfit met taal en rekenen", "Taal in de zorg", "Combitraject schoonmaak")),
    strict=True))
# How a region mistypes a few headers: within a letter or two, case and spaces of the title.
MISSPELL = {"participatieladder": lambda t: t[:4] + t[5:], "startdatum_traject": lambda t: t[:-2] + "kt",
            "geboortejaar": lambda t: t[:8].lower() + " " + t[8:], "meetdatum": lambda t: f" {t.upper()}  ",
            "leefgebied_sociaal_netwerk": lambda t: t.lower().replace(" ", "  "),
            "startdatum": lambda t: t.lower() + " ", "kosten_per_deelnemer": lambda t: t[:-3] + t[-2:]}
FIXED_TIME, FIXED_STAMP = (2026, 1, 1, 0, 0, 0), b"2026-01-01T00:00:00Z"  # so .xlsx files are reproducible


@dataclass(frozen=True)
class Delivery:
    path: Path
    region: str
    kind: str
    rows_written: int
    faults: tuple[str, ...]
    expected_quarantined: int
    expected_rejected: bool
    expected_unchanged: int = 0
    expected_corrected: int = 0
    expected_withdrawn: int = 0
    note: str = ""  # how regions really deliver: what this file shows


def _months(slug: str) -> list[str]:
    return [str(p) for p in pd.period_range(FIRST_MONTH.get(slug, SECOND_WAVE), LAST_DAY, freq="M")]


def _delivered_months(slug: str, stop: bool = True) -> list[str]:
    """The months whose file the region delivers: all of them, but for the region that stopped early (with `stop`)."""
    return [m for m in _months(slug) if not (stop and slug == STOPPED and m > LAST_DELIVERED_MONTH)]


def synthetic_region(slug: str, *, seed: int = 2025, scale: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(catalogue, measurements) of one region as canonical frames with the contract's dtypes; `scale` multiplies
    the number of intakes."""
    rng, months = np.random.default_rng([seed, zlib.crc32(slug.encode())]), _months(slug)
    prefix, first = PREFIX.get(slug, slug[:3].upper()), pd.Timestamp(months[0])
    n_traj = int(rng.integers(6, 11))
    types = TYPES[:1] + TYPES[3:] + list(rng.choice(TYPES, n_traj - 3))  # taal, vak, combinatie from the start
    later = pd.Timestamp(months[len(months) // 2])
    cat = []
    for i, kind in enumerate(types):
        number = types[: i + 1].count(kind)
        low, high = TYPE_COST[kind]
        name = NAMES[kind][(number - 1) % len(NAMES[kind])] + ("" if number <= len(NAMES[kind]) else " (2)")
        start = first if i < 3 else first + pd.DateOffset(months=int(rng.integers(0, len(months) // 2)))
        cat.append({"trajectcode": f"{prefix}-{TYPE_CODE[kind]}-{number:02d}", "naam": name, "type": kind,
                    "startdatum": min(start, later), "kosten_per_deelnemer": round(float(rng.uniform(low, high)), 2)})
    catalogue = pd.DataFrame(cat).astype({"startdatum": "datetime64[ns]"})

    low, high = (250, 351) if slug in PILOTS else (60, 121) if slug in SCALE_UP else (150, 251)
    n = int(rng.integers(low, high)) * scale  # intakes
    month_of = np.concatenate([np.arange(len(months)), rng.integers(0, len(months), n - len(months))])
    ids = np.sort(rng.choice(np.arange(1, max(900_000, 10 * n)), n, replace=False))
    rows = []
    for pid, m in zip(ids, np.sort(month_of), strict=True):
        start = pd.Timestamp(months[m]) + pd.Timedelta(days=int(rng.integers(0, 28)))
        t0 = _t0(rng, [c["trajectcode"] for c in cat if c["startdatum"] <= start])
        base = {"deelnemer_id": f"{prefix}-{pid:06d}", "regio": region_name(slug), "startdatum_traject": start}
        rows.append({**base, **t0, "meetmoment": "T0",
                     "meetdatum": min(start + pd.Timedelta(days=int(rng.integers(0, 4))), LAST_DAY)})
        months_later = int(rng.choice([5, 13])) if rng.random() < 0.03 else int(rng.choice([7, 8, 8, 8]))
        t1_date = start + pd.DateOffset(months=months_later) + pd.Timedelta(days=int(rng.integers(-10, 21)))
        if t1_date <= LAST_DAY and rng.random() > 0.06:  # 6% drop out before the T1
            rows.append({**base, **_t1(rng, t0), "meetmoment": "T1", "meetdatum": t1_date})
    df = pd.DataFrame(rows)[list(M_COLS)].sort_values(["meetdatum", "deelnemer_id"], ignore_index=True)
    dtypes = {name: str(col.dtype) for name, col in M_COLS.items() if str(col.dtype) != "str"}
    return catalogue, df.astype(dtypes)


def _work(rng: np.random.Generator, ladder: int) -> dict:
    work = WORK[max(0, ladder - 3)]
    hours = {0: (4, 16), 1: (4, 16), 2: (12, 32), 3: (16, 38)}[WORK.index(work)]
    uren = (float(rng.integers(*hours) + rng.choice([0, 0.5])) if work != WORK_NONE
            else (0.0 if rng.random() < 0.4 else np.nan))
    wage = round(float(rng.uniform(14, 20)), 2) if work == WORK[3] and rng.random() < 0.5 else np.nan
    return {"participatieladder": ladder, "arbeidssituatie": work, "uren_per_week": uren, "bruto_uurloon": wage}


def _t0(rng: np.random.Generator, codes: list[str]) -> dict:
    group = str(rng.choice(GROUPS, p=[0.35, 0.35, 0.3]))
    p_level = [0.1, 0.3, 0.45, 0.15] if group == GROUPS[1] else [0.45, 0.4, 0.15, 0.0]
    ladder = int(rng.choice(np.arange(1, 7), p=[0.1, 0.25, 0.3, 0.2, 0.1, 0.05]))
    edu = str(rng.choice(EDUCATION, p=[0.75, 0.15, 0.07, 0.03]))
    row = {"trajectcode": str(rng.choice(codes)), "geboortejaar": int(rng.integers(1960, 2006)), "doelgroep": group,
           "taalniveau": str(rng.choice(LEVELS, p=p_level)), "rekenniveau": str(rng.choice(LEVELS, p=p_level)),
           "digitale_vaardigheden": int(rng.choice(np.arange(1, 6), p=[0.2, 0.3, 0.3, 0.15, 0.05])),
           **{d: int(np.clip(round(rng.normal(2.8, 0.9)), 1, 5)) for d in DOMAINS}, **_work(rng, ladder),
           "opleiding": edu, "bewijs_civiel_effect": edu in EDUCATION[2:], "startkwalificatie": edu == EDUCATION[3],
           "match_werkgever": ladder >= 5 and rng.random() < 0.3}
    paid = row["arbeidssituatie"] == WORK[3]
    p_benefit = [0.6, 0.2, 0.05, 0.05, 0.1] if paid else [0.15, 0.6, 0.1, 0.1, 0.05]
    row["uitkering"] = str(rng.choice(BENEFITS, p=p_benefit))
    return row


def _t1(rng: np.random.Generator, t0: dict) -> dict:
    row = dict(t0)
    for d in DOMAINS:
        row[d] = int(np.clip(t0[d] + rng.choice([-1, 0, 1, 2], p=[0.1, 0.45, 0.35, 0.1]), 1, 5))
    rung = t0["participatieladder"] + rng.choice([-1, 0, 1, 2, 3], p=[0.07, 0.4, 0.33, 0.14, 0.06])
    row.update(_work(rng, int(np.clip(rung, 1, 6))))
    for col, p in (("taalniveau", 0.35), ("rekenniveau", 0.25)):
        row[col] = LEVELS[min(LEVELS.index(t0[col]) + int(rng.random() < p), len(LEVELS) - 1)]
    row["digitale_vaardigheden"] = int(min(t0["digitale_vaardigheden"] + rng.choice([0, 1, 2], p=[0.5, 0.4, 0.1]), 5))
    step = int(rng.choice([0, 1, 2], p=[0.55, 0.3, 0.15]))
    row["opleiding"] = EDUCATION[min(EDUCATION.index(t0["opleiding"]) + step, len(EDUCATION) - 1)]
    row["bewijs_civiel_effect"] = t0["bewijs_civiel_effect"] or row["opleiding"] in EDUCATION[2:] or rng.random() < 0.1
    row["startkwalificatie"] = t0["startkwalificatie"] or row["opleiding"] == EDUCATION[3]
    working = row["arbeidssituatie"] in WORK[2:]
    row["match_werkgever"] = t0["match_werkgever"] or rng.random() < (0.7 if working else 0.1)
    if row["arbeidssituatie"] == WORK[3] and t0["uitkering"] != BENEFITS[0] and rng.random() < 0.5:
        row["uitkering"] = BENEFITS[0]  # paid work ends the benefit
    return row


def _bsn(rng: np.random.Generator) -> str:
    """A synthetic BSN passing the elfproef, in the 9999... test range so it is never a real one."""
    while True:
        digits = [9, 9, 9, 9, *rng.integers(0, 10, 4).tolist()]
        check = sum((9 - i) * d for i, d in enumerate(digits)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def _inject_rows(rows: pd.DataFrame, faults: list[str], rng: np.random.Generator) -> tuple[pd.DataFrame, int]:
    """Apply row faults so that exactly one row per fault must be quarantined, without knock-on effects:
    alter only T1 rows (nothing depends on them) or add rows of new participants who appear nowhere else."""
    rows, used = rows.reset_index(drop=True).copy(), set()
    prefix, month = str(rows["deelnemer_id"].iloc[0]).split("-")[0], rows["meetdatum"].min()
    new_ids = (f"{prefix}-9{month.year % 10}{month.month:02d}{k:02d}" for k in range(1, 100))  # unused range

    def use(i: int) -> int:
        used.add(i)
        return i

    def append(new: pd.DataFrame) -> int:
        nonlocal rows
        rows = pd.concat([rows, new], ignore_index=True)
        return use(len(rows) - 1)

    def new_row(moment: str) -> int:
        template = rows.iloc[[int(rng.integers(len(rows)))]].assign(deelnemer_id=next(new_ids), meetmoment=moment)
        if moment == "T1":
            template["startdatum_traject"] = template["meetdatum"] - pd.DateOffset(months=8)
        return append(template)

    def target() -> int:  # a T1 row (nothing depends on it), else the only row of a new participant
        free = [i for i in rows.index[rows["meetmoment"] == "T1"] if i not in used]
        return use(int(rng.choice(free))) if free else new_row("T0")

    for fault in faults:
        if fault == "out_of_range":
            i = target()
            col = str(rng.choice([*DOMAINS, "participatieladder"]))
            rows.loc[i, col] = 0 if col == "participatieladder" else 7
        elif fault == "unknown_trajectcode":
            i = target()
            rows.loc[i, "trajectcode"] = rows.loc[i, "trajectcode"].rsplit("-", 1)[0] + "-99"
        elif fault == "two_versions":  # a T1 twice in one file, one score apart: both refused
            i = target()
            copy = rows.iloc[[i]].copy()
            copy["digitale_vaardigheden"] = 1 if int(copy["digitale_vaardigheden"].iloc[0]) != 1 else 2
            append(copy)
        elif fault == "t1_without_t0":
            new_row("T1")
    return rows, sum(QUARANTINES.get(fault, 1) for fault in faults)


# SYNTHETIC coded group interviews (research questions 3 and 4): per region type and round the findings the
# researchers might code, (theme, direction, strength) before the region's own seeded variation. The pilots show the
# route anchoring between the rounds (governance and the regular offer start to help, funding hinders less); the
# scale-up regions, in their first year, struggle with reach and capacity. Made up, as every quote below.
INTERVIEW_FINDINGS = {
    ("pilot", 1): [("begeleiding_coach", "helpt", 3), ("maatwerk_traject", "helpt", 2),
                   ("combinatie_basis_vak", "helpt", 2), ("samenwerking_partners", "helpt", 2),
                   ("financiering_structureel", "hindert", 3), ("regelgeving_uitkering", "hindert", 2),
                   ("wachttijden", "hindert", 2), ("capaciteit_uitvoering", "hindert", 1),
                   ("administratieve_last", "hindert", 1)],
    ("pilot", 2): [("begeleiding_coach", "helpt", 3), ("werkgeversbetrokkenheid", "helpt", 3),
                   ("samenwerking_partners", "helpt", 3), ("regie_governance", "helpt", 2),
                   ("inbedding_regulier_aanbod", "helpt", 2), ("bestuurlijk_draagvlak", "helpt", 2),
                   ("financiering_structureel", "hindert", 2), ("regelgeving_uitkering", "hindert", 2),
                   ("capaciteit_uitvoering", "hindert", 2)],
    ("opschaling", 1): [("maatwerk_traject", "helpt", 2), ("bestuurlijk_draagvlak", "helpt", 2),
                        ("begeleiding_coach", "helpt", 2), ("bereik_doelgroep", "hindert", 3),
                        ("capaciteit_uitvoering", "hindert", 2), ("regie_governance", "hindert", 2),
                        ("financiering_structureel", "hindert", 2), ("werkgeversbetrokkenheid", "hindert", 1),
                        ("uitval_multiproblematiek", "hindert", 2)],
}
INTERVIEW_QUOTES = {  # anonymised as the researchers write them: [naam], [organisatie]; a region picks one
    ("begeleiding_coach", "helpt"): ("Zonder [naam] als vaste coach waren de meesten in de eerste maand afgehaakt.",
                                     "De jobcoach gaat mee naar de werkgever, dat geeft vertrouwen.",
                                     "Eén vast gezicht voor de deelnemer maakt het verschil."),
    ("maatwerk_traject", "helpt"): ("We kijken per deelnemer wat nodig is, niet welk traject toevallig start.",
                                    "Instappen kan op elk niveau; niemand hoeft eerst een toets te halen."),
    ("combinatie_basis_vak", "helpt"): ("Taal leren op de werkvloer werkt beter dan in een klaslokaal.",),
    ("samenwerking_partners", "helpt"): ("Eén tafel met gemeente, ROC en UWV scheelt weken.",
                                         "We bellen elkaar nu gewoon op in plaats van te mailen over dossiers."),
    ("financiering_structureel", "hindert"): ("Niemand weet wie dit betaalt als de Groeifondsgelden stoppen.",
                                              "Elk jaar opnieuw subsidie aanvragen kost ons een coach.",
                                              "Zonder structureel budget stopt [organisatie] na 2027."),
    ("regelgeving_uitkering", "hindert"): ("Een paar uur extra werken kost sommige deelnemers geld.",
                                           "De angst om de uitkering kwijt te raken remt de instroom."),
    ("wachttijden", "hindert"): ("Soms wachten mensen drie maanden op het volgende instroommoment.",),
    ("capaciteit_uitvoering", "hindert"): ("We hebben te weinig docenten voor de groepen die we willen draaien.",
                                           "De coaches zitten vol; nieuwe aanmeldingen moeten wachten.",
                                           "Goede NT2-docenten zijn in de regio bijna niet te vinden."),
    ("administratieve_last", "hindert"): ("De registratie kost de coaches een halve dag per week.",),
    ("werkgeversbetrokkenheid", "helpt"): ("[organisatie] heeft nu zelf een leerwerkplek ingericht.",
                                           "Werkgevers komen nu zelf met vacatures naar ons toe."),
    ("werkgeversbetrokkenheid", "hindert"): ("Werkgevers willen wel, maar hebben geen tijd om mee te denken.",),
    ("regie_governance", "helpt"): ("De regiegroep besluit nu zelf, ook zonder het projectbureau.",),
    ("regie_governance", "hindert"): ("Nog onduidelijk wie de regie heeft als het project stopt.",
                                      "Elke gemeente doet het net anders; dat maakt afspraken lastig."),
    ("inbedding_regulier_aanbod", "helpt"): ("[organisatie] neemt de combinatietrajecten op in het gewone aanbod.",),
    ("bestuurlijk_draagvlak", "helpt"): ("De wethouders staan erachter, dat maakt veel makkelijker.",
                                         "Het onderwerp staat op de agenda van het regionaal bestuur."),
    ("bereik_doelgroep", "hindert"): ("Laaggeletterden melden zich niet zelf; we vinden ze via [organisatie].",
                                      "Wie niet goed kan lezen, leest ook onze folder niet."),
    ("uitval_multiproblematiek", "hindert"): ("Bij schulden gaat leren voor niemand meer voor.",),
}
INTERVIEW_DUE_MONTHS = {1: 6, 2: 30}  # as checks.ingest_checks.INTERVIEW_ROUND_DUE_MONTHS, a little after it


def interview_rounds(slug: str) -> list[int]:
    """The rounds a demo region has coded by the end of the demo data: round 2 only where the region has run past
    the programme's midpoint (the pilots)."""
    running = len(_months(slug))
    return [r for r, months in INTERVIEW_DUE_MONTHS.items() if running > months]


def synthetic_interview(slug: str, round_: int, *, seed: int = 2025) -> pd.DataFrame:
    """One region's coded group interview of a round (canonical columns), deterministic for the seed."""
    rng = np.random.default_rng(zlib.crc32(f"{seed}/{slug}/gesprek/{round_}".encode()))
    findings = list(INTERVIEW_FINDINGS[("pilot" if slug in PILOTS else "opschaling", round_)])
    dropped = rng.choice(len(findings), 1 + int(rng.integers(0, 2)), replace=False)
    findings = [f for i, f in enumerate(findings) if i not in set(dropped)]
    start = pd.Timestamp(_months(slug)[0]) + pd.DateOffset(months=INTERVIEW_DUE_MONTHS[round_])
    day = start + pd.Timedelta(days=int(rng.integers(3, 25)))
    partners = ["gemeente", "ROC", "UWV"] + (["werkgevers"] if rng.random() < 0.7 else [])
    rows = []
    for number, (theme, direction, strength) in enumerate(findings, start=1):
        strength = int(np.clip(strength + rng.choice([-1, 0, 0, 0, 1]), 1, 3))
        options = INTERVIEW_QUOTES.get((theme, direction), ())
        quote = options[int(rng.integers(len(options)))] if options and rng.random() < 0.6 else None
        rows.append({"ronde": round_, "datum_gesprek": day, "partners": ", ".join(p for p in PARTNERS
                                                                                 if p in partners),
                     "bevinding": number, "thema": theme, "richting": direction, "sterkte": strength,
                     "citaat": quote})
    return pd.DataFrame(rows, columns=list(InterviewCoding.to_schema().columns))


def write_interview(rows: pd.DataFrame, path: Path, region: str) -> Delivery:
    """A coded interview as the researchers deliver it: the template's headers (sheet Groepsgesprekken), under a
    title row saying the codings are synthetic demo data."""
    columns = MODELS["interview_codings"].to_schema().columns
    df = rows.rename(columns={name: column.title for name, column in columns.items()})
    title = (f"SYNTHETISCHE DEMODATA – gecodeerd groepsgesprek {region_name(region)} ronde "
             f"{int(rows['ronde'].iloc[0])}: verzonnen bevindingen, geen echt gesprek")
    _write_xlsx(df, path, title, sheet="Groepsgesprekken")
    return Delivery(path, region, "interview_codings", len(df), (), 0, False)


def write_delivery(rows: pd.DataFrame, path: Path, *, faults: Iterable[str] = (), seed: int = 0,
                   kind: str = "measurements") -> Delivery:
    """Write canonical rows as a region's delivery file, with the given faults applied."""
    faults, rng, path = tuple(faults), np.random.default_rng(seed), Path(path)
    if unknown := set(faults) - set(ALL_FAULTS):
        raise ValueError(f"Unknown faults: {sorted(unknown)}")
    schema = MODELS[kind].to_schema().columns
    region = region_slug(str(rows["regio"].iloc[0])) if "regio" in rows and len(rows) else path.parent.name
    row_faults = [f for f in faults if f in ROW_FAULTS]
    if row_faults and kind != "measurements":
        raise ValueError("Row faults apply to measurement files only")
    df, quarantined = _inject_rows(rows, row_faults, rng) if row_faults else (rows.reset_index(drop=True), 0)
    df = df[[c for c in schema if c in df]].copy()
    if "other_region" in faults:
        others = [region_name(s) for s in DEMO_REGIONS if s != region]
        picked = rng.choice(len(df), max(1, len(df) // 10), replace=False)
        df.loc[picked, "regio"] = str(rng.choice(others))
    if "bsn_column" in faults:
        df.insert(1, "BSN", [_bsn(rng) for _ in range(len(df))])
    headers = [schema[c].title if c in schema else c for c in df]
    if "misspelled_headers" in faults:
        headers = [MISSPELL[c](h) if c in MISSPELL else h for c, h in zip(df, headers, strict=True)]
    if "reordered_headers" in faults:
        order = rng.permutation(len(headers))
        while (order == np.arange(len(headers))).all():
            order = rng.permutation(len(headers))
        df, headers = df.iloc[:, order], [headers[i] for i in order]
    df.columns = headers
    for col in df:
        if df[col].dtype == "boolean":
            df[col] = df[col].map({True: YES, False: NO})
    title = "SYNTHETISCHE DEMODATA – " + (
        f"Metingen {region_name(region)} {rows['meetdatum'].min():%Y-%m}" if kind == "measurements"
        else f"Trajectcatalogus {region_name(region)}")
    if "xlsx_title_row" in faults or path.suffix == ".xlsx":
        path = path.with_suffix(".xlsx")
        _write_xlsx(df, path, title if "xlsx_title_row" in faults else None)
    else:
        semi = "semicolon_decimal_comma" in faults
        for col in df.select_dtypes("datetime"):
            df[col] = df[col].dt.strftime("%d-%m-%Y" if semi else "%Y-%m-%d")
        text = df.to_csv(index=False, sep=";" if semi else ",", decimal="," if semi else ".",
                         lineterminator="\r\n" if "windows_1252" in faults else "\n")
        encoding = "cp1252" if "windows_1252" in faults else "utf-8-sig" if "utf8_bom" in faults else "utf-8"
        path.write_bytes(text.encode(encoding))
    rejected = any(f in FILE_FAULTS for f in faults)
    return Delivery(path, region or "", kind, len(df), faults, 0 if rejected else quarantined, rejected)


def _write_xlsx(df: pd.DataFrame, path: Path, title: str | None, sheet: str = "Gegevens") -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
    ws.append(list(df.columns))
    dates = [i + 1 for i, col in enumerate(df) if pd.api.types.is_datetime64_any_dtype(df[col])]
    for record in df.astype(object).itertuples(index=False):
        ws.append([None if pd.isna(v) else v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in record])
    for row in ws.iter_rows(min_row=ws.max_row - len(df) + 1):
        for i in dates:
            row[i - 1].number_format = "DD-MM-YYYY"
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + FIXED_STAMP, data)
            out.writestr(zipfile.ZipInfo(info.filename, FIXED_TIME), data, zipfile.ZIP_DEFLATED)


def _fault_plan(regions: tuple[str, ...]) -> dict[tuple[str, str], tuple[str, ...]]:
    """(region, month or 'catalogue') -> faults. Pilots stay clean; each scale-up region gets its own format
    habits, row faults go to its second- and third-last month, file faults to the last month of two regions
    (a rejected last file cannot invalidate later T1s)."""
    carriers = [r for r in regions if r not in PILOTS]
    if len(carriers) < 3:
        raise ValueError("faults=True needs at least three non-pilot regions")
    row_carriers = [r for r in carriers if r != CUMULATIVE] or carriers  # its repeated rows would repeat the faults
    plan: dict[tuple[str, str], list[str]] = {}
    for i, fault in enumerate(FORMAT_FAULTS):
        region = carriers[i % len(carriers)]
        for key in ["catalogue", *_delivered_months(region)]:
            plan.setdefault((region, key), []).append(fault)
    slots: dict[str, int] = {}
    for i, fault in enumerate(r for r in ROW_FAULTS for _ in range(2)):
        region = row_carriers[i % len(row_carriers)]
        slots[region] = slots.get(region, 0) + 1
        plan.setdefault((region, _delivered_months(region)[-1 - slots[region]]), []).append(fault)
    for region, fault in zip(row_carriers, FILE_FAULTS, strict=False):
        plan.setdefault((region, _delivered_months(region)[-1]), []).append(fault)
    return {key: tuple(faults) for key, faults in plan.items()}


README = """# SYNTHETISCHE DEMODATA / SYNTHETIC DEMO DATA

**Nederlands.** Alle bestanden in deze map zijn synthetisch: gegenereerd door `llo.demo_data` (seed {seed}).
Ze beschrijven geen echte deelnemers, trajecten of regio-resultaten. Deelnemernummers zijn verzonnen
pseudoniemen; BSN-nummers in foutbestanden zijn testnummers (reeks 9999...). Gebruik deze gegevens nooit
voor conclusies of verantwoording.{nl}

**English.** Every file in this folder is synthetic: generated by `llo.demo_data` (seed {seed}). The files
describe no real participants, trajectories or regional results. Participant ids are made-up pseudonyms;
BSNs in fault files are test numbers (9999... range). Never use this data for conclusions or accountability.{en}
"""
FAULT_NOTE = (" Sommige bestanden bevatten bewust fouten.", " Some files contain deliberate faults.")


def generate(landing: Path, *, seed: int = 2025, regions: Iterable[str] = DEMO_REGIONS,
             faults: bool = False, scale: int = 1, interviews: bool = True) -> list[Delivery]:
    """Write synthetic catalogues and monthly measurement files into `landing/<slug>/`, each with the modification
    time of the day it arrived (the catalogue on the first day, a month's file on the 5th of the next month). With
    `faults`, also the ways regions really deliver: a cumulative region, a correction and a withdrawal. With
    `interviews`, a coded group interview per round due (`interview_rounds`), two weeks after it was held. The region
    STOPPED delivers no file after LAST_DELIVERED_MONTH."""
    landing, regions = Path(landing), tuple(regions)
    plan = _fault_plan(regions) if faults else {}
    landing.mkdir(parents=True, exist_ok=True)
    nl, en = FAULT_NOTE if faults else ("", "")
    (landing / settings.DEMO_MARKER).write_text(README.format(seed=seed, nl=nl, en=en), encoding="utf-8")
    deliveries = []
    for slug in regions:
        (landing / slug).mkdir(exist_ok=True)
        catalogue, measurements = synthetic_region(slug, seed=seed, scale=scale)
        month_of = measurements["meetdatum"].dt.strftime("%Y-%m")
        cumulative = faults and slug == CUMULATIVE
        delivered = set(_delivered_months(slug))
        files = [("catalogue", "trajectcatalogus", catalogue, ".xlsx" if slug in CATALOGUE_XLSX else ".csv",
                  "trajectory_catalogue"),
                 *((month, f"{month}_metingen", measurements[month_of <= month] if cumulative else rows, ".csv",
                    "measurements") for month, rows in measurements.groupby(month_of) if month in delivered)]
        for key, name, rows, suffix, kind in files:
            path = landing / slug / f"demo_{slug}_{name}{suffix}"
            wanted = [f for f in plan.get((slug, key), ()) if suffix == ".csv" or f not in CSV_ONLY]
            delivery = write_delivery(rows, path, faults=wanted, kind=kind,
                                      seed=zlib.crc32(f"{seed}/{path.name}".encode()))
            if cumulative and kind == "measurements":
                earlier = int((month_of < key).sum())
                delivery = replace(delivery, expected_unchanged=earlier,
                                   note="cumulative export: the whole history again" if earlier else "")
            deliveries.append(_arrived(delivery, _first_day(key, slug) if kind != "measurements" else
                                       _next_month(key, 5)))
        if interviews:
            for round_ in interview_rounds(slug):
                rows = synthetic_interview(slug, round_, seed=seed)
                name = f"SYNTHETISCH groepsgesprek {slug} ronde {round_}.xlsx"  # names unique over regions
                delivery = write_interview(rows, landing / slug / name, slug)
                deliveries.append(_arrived(delivery, rows["datum_gesprek"].iloc[0] + pd.Timedelta(days=14)))
        if faults and slug == CORRECTING:
            deliveries.append(_correction(landing / slug, measurements))
        if faults and slug == WITHDRAWING:
            deliveries[:] = _withdrawal(landing / slug, measurements, deliveries)
    return deliveries


def _first_day(key: str, slug: str) -> pd.Timestamp:
    return pd.Timestamp(_months(slug)[0] if key == "catalogue" else key)


def _next_month(month: str, day: int) -> pd.Timestamp:
    return pd.Timestamp(month) + pd.DateOffset(months=1, days=day - 1, hours=9)


def _arrived(delivery: Delivery, when: pd.Timestamp) -> Delivery:
    """The file with the modification time of its arrival: the order in which the platform applies files."""
    stamp = when.tz_localize("UTC").timestamp()
    os.utime(delivery.path, (stamp, stamp))
    return delivery


def _correction(folder: Path, measurements: pd.DataFrame) -> Delivery:
    """A correction file: one participant's T0 of CORRECTED_MONTH again, with another work situation. Its name sorts
    before the month's own file; it arrived two weeks after it, so it wins."""
    month_of = measurements["meetdatum"].dt.strftime("%Y-%m")
    t0 = measurements[(month_of == CORRECTED_MONTH) & (measurements["meetmoment"] == "T0")
                      & (measurements["arbeidssituatie"] == WORK[0])].head(1)
    fixed = t0.assign(arbeidssituatie=WORK[1])  # vrijwilligerswerk instead of geen werk
    delivery = write_delivery(fixed, folder / f"CORRECTIE demo_{CORRECTING}_{CORRECTED_MONTH}.csv")
    delivery = replace(delivery, expected_corrected=1, note="correction of one T0 (arbeidssituatie)")
    return _arrived(delivery, _next_month(CORRECTED_MONTH, 19))


def _withdrawal(folder: Path, measurements: pd.DataFrame, deliveries: list[Delivery]) -> list[Delivery]:
    """A withdrawal file for one participant with a T0 and a T1 (a request for erasure), arriving after both: the
    files that held them count those rows as withdrawn."""
    t0 = measurements[(measurements["meetdatum"].dt.strftime("%Y-%m") == WITHDRAWN_MONTH)
                      & (measurements["meetmoment"] == "T0")]
    both = measurements[measurements["deelnemer_id"].isin(t0["deelnemer_id"])].groupby("deelnemer_id").size()
    participant = both[both == 2].index[0]
    rows = measurements[measurements["deelnemer_id"] == participant]
    last = rows["meetdatum"].max()
    path = folder / f"intrekking_{WITHDRAWING}_{last:%Y-%m}.csv"
    title = {c: MODELS["withdrawals"].to_schema().columns[c].title for c in ("deelnemer_id", "datum_intrekking",
                                                                             "reden")}
    path.write_text(f"{title['deelnemer_id']},{title['datum_intrekking']},{title['reden']}\n"
                    f"{participant},{last + pd.Timedelta(days=20):%Y-%m-%d},verzoek tot verwijdering\n",
                    encoding="utf-8")
    files = {f"demo_{WITHDRAWING}_{day:%Y-%m}_metingen.csv" for day in rows["meetdatum"]}
    updated = [replace(d, expected_withdrawn=1, note="holds the withdrawn participant") if d.path.name in files
               else d for d in deliveries]
    withdrawal = Delivery(path, WITHDRAWING, "withdrawals", 1, (), 0, False,
                          note="withdrawal of one participant (verzoek tot verwijdering)")
    return [*updated, _arrived(withdrawal, _next_month(f"{last:%Y-%m}", 25))]


def summary(deliveries: Iterable[Delivery]) -> str:
    """A short human-readable account: regions, files, rows and which faults went where."""
    deliveries = list(deliveries)
    regions = sorted({d.region for d in deliveries})
    lines = [f"SYNTHETIC demo data: {len(regions)} regions, {len(deliveries)} files, "
             f"{sum(d.rows_written for d in deliveries)} data rows."]
    for region in regions:
        mine = [d for d in deliveries if d.region == region]
        months = sorted(d.path.stem.split("_")[-2] for d in mine if d.path.stem.endswith("_metingen")) or ["-"]
        habits = sorted({f for d in mine for f in d.faults if f in FORMAT_FAULTS})
        lines.append(f"  {region:<18} {len(mine):>3} files {sum(d.rows_written for d in mine):>5} rows "
                     f"{months[0]}..{months[-1]}" + (f"  format: {', '.join(habits)}" if habits else ""))
    faulty = [d for d in deliveries if set(d.faults) - set(FORMAT_FAULTS)]
    for d in faulty:
        outcome = "reject file" if d.expected_rejected else f"quarantine {d.expected_quarantined} rows"
        lines.append(f"  {d.region}/{d.path.name}: {', '.join(f for f in d.faults if f not in FORMAT_FAULTS)}"
                     f" -> {outcome}")
    cumulative = [d for d in deliveries if d.expected_unchanged]
    if cumulative:
        lines.append(f"  {cumulative[0].region}: {len(cumulative)} cumulative exports (the whole history again) -> "
                     f"{sum(d.expected_unchanged for d in cumulative)} rows unchanged")
    for d in deliveries:
        if d.expected_corrected or d.kind == "withdrawals":
            outcome = (f"{d.expected_corrected} row corrected" if d.expected_corrected else
                       f"{sum(e.expected_withdrawn for e in deliveries if e.region == d.region)} rows withdrawn")
            lines.append(f"  {d.region}/{d.path.name}: {d.note} -> {outcome}")
    if not any(d.faults for d in deliveries):
        lines.append("No faults injected (clean deliveries).")
    else:
        lines.append(f"Expected: {sum(d.expected_quarantined for d in deliveries)} rows quarantined, "
                     f"{sum(d.expected_rejected for d in deliveries)} files rejected, "
                     f"{sum(d.expected_unchanged for d in deliveries)} unchanged, "
                     f"{sum(d.expected_corrected for d in deliveries)} corrected, "
                     f"{sum(d.expected_withdrawn for d in deliveries)} withdrawn.")
    return "\n".join(lines)


def write_context(path: Path, *, seed: int = 2025, regions: Iterable[str] = DEMO_REGIONS) -> Path:
    """Fictitious context figures for the demo regions, labelled as such in every row."""
    from llo.monitor.context import FICTITIOUS

    rng = np.random.default_rng([seed, 7])
    rows = [{"regio": region_name(slug), "peiljaar": 2025,
             "aandeel_laaggeletterden": round(float(rng.uniform(12, 22)), 1),
             "spanningsindicator": round(float(rng.uniform(0.8, 1.6)), 2),
             "werkloosheid": round(float(rng.uniform(3.0, 5.5)), 1), "bron": FICTITIOUS} for slug in regions]
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8")
    return path
