"""The data contract: what a region's delivery must hold. The single source of truth.

Each Pandera model describes one kind of delivery after parsing. Field metadata carries what the rest of
the project derives from it: the Dutch header a region types (`title`), the header spellings that are
accepted (`synonyms`), the category values with their accepted spellings (`categories`) and whether a
column may be left out of a file (`in_file`). The reader, the Excel template, `docs/data-contract.md`
and the Dagster column schemas all read these models; nothing repeats them.

Rules come in two severities: a failing *rejection* rule sends the row to quarantine, a failing *warning*
rule (`raise_warning=True`) keeps the row and records a warning. Rules that need data from outside the file
(the region's trajectory catalogue, today's date) are added per region by `measurement_schema()`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

REQUIRED, OPTIONAL = "required", "optional"
MEASUREMENT_MOMENTS = ("T0", "T1")
T1_WINDOW_MONTHS = (6, 12)
YES_NO = {True: ["ja", "j", "yes", "y", "1", "true", "waar"], False: ["nee", "n", "no", "0", "false", "onwaar"]}
LEVELS = {"onder 1F": ["<1F", "onder 1 F", "lager dan 1F", "0F", "geen"], "1F": ["1 F"], "2F": ["2 F"],
          "3F": ["3 F", "hoger dan 2F"]}
WORK_NONE = "geen werk"


def field(title: str, description: str, *, synonyms: tuple[str, ...] = (), categories: dict | None = None,
          nullable: bool = False, in_file: str = REQUIRED, multiple: bool = False, dropdown: bool = False,
          free_text: bool = False, **checks):
    """A contract field: a Pandera Field plus the metadata the reader, template and docs use. `multiple`: the cell
    holds several categories separated by ',' or ';' (each checked by a rule of the model, not by isin); `dropdown`:
    the template offers a whole-number range as a drop-down list; `free_text`: the privacy scan also looks for
    persons named in it (llo.intake.privacy)."""
    if categories is not None and categories is not YES_NO and not multiple:
        checks["isin"] = list(categories)
    metadata = {"synonyms": list(synonyms), "in_file": in_file}
    metadata.update({flag: True for flag, on in (("multiple", multiple), ("dropdown", dropdown),
                                                  ("free_text", free_text)) if on})
    if categories is not None:
        metadata["categories"] = {value: list(spellings) for value, spellings in categories.items()}
    return pa.Field(title=title, description=description, nullable=nullable, metadata=metadata, **checks)


def score(title: str, description: str, low: int, high: int, *, synonyms: tuple[str, ...] = ()):
    return field(title, description, synonyms=synonyms, ge=low, le=high)


class Measurement(pa.DataFrameModel):
    """One row per participant per measurement moment: the nulmeting (T0) at intake and the eenmeting (T1)
    about eight months after the start of the trajectory."""

    deelnemer_id: Series[str] = field(
        "Deelnemer ID", "The region's participant pseudonym; re-keyed with HMAC-SHA256 at ingest.",
        synonyms=("deelnemer", "deelnemernummer", "deelnemer nr", "pseudoniem", "client id", "participant id"),
        str_length={"min_value": 1, "max_value": 64})
    regio: Series[str] = field(
        "Regio", "Labour-market region (arbeidsmarktregio) that delivers the row; must match the landing "
        "folder.", synonyms=("arbeidsmarktregio", "regio naam"))
    meetmoment: Series[str] = field(
        "Meetmoment", "T0 = nulmeting at intake, T1 = eenmeting about eight months after the start.",
        synonyms=("moment", "meting"),
        categories={"T0": ["nulmeting", "0-meting", "0 meting", "voormeting", "intake"],
                    "T1": ["eenmeting", "1-meting", "1 meting", "nameting", "nameting 8 maanden"]})
    meetdatum: Series[pd.Timestamp] = field(
        "Meetdatum", "Date of the measurement conversation.", synonyms=("datum meting", "datum gesprek"))
    startdatum_traject: Series[pd.Timestamp] = field(
        "Startdatum traject", "Start date of the participant's trajectory.",
        synonyms=("startdatum", "start traject", "begindatum traject", "datum start"))
    trajectcode: Series[str] = field(
        "Trajectcode", "Code of the trajectory in the region's trajectory catalogue.",
        synonyms=("traject", "code traject", "trajectnummer"), str_length={"min_value": 1, "max_value": 40})
    geboortejaar: Series[pd.Int64Dtype] = field(
        "Geboortejaar", "Year of birth (no full birth date: data minimisation).",
        synonyms=("geb jaar", "jaar van geboorte"), ge=1935, le=2010)
    doelgroep: Series[str] = field(
        "Doelgroep", "Target group of the programme.",
        categories={"laaggeletterd": ["laaggeletterde"], "laagopgeleid": ["laagopgeleide"],
                    "beide": ["laaggeletterd en laagopgeleid", "allebei", "beiden"]})
    taalniveau: Series[str] = field(
        "Taalniveau", "Language level on the Dutch reference levels (referentieniveaus).",
        synonyms=("niveau taal", "taal niveau", "taal"), categories=LEVELS)
    rekenniveau: Series[str] = field(
        "Rekenniveau", "Numeracy level on the Dutch reference levels.",
        synonyms=("niveau rekenen", "reken niveau", "rekenen"), categories=LEVELS)
    digitale_vaardigheden: Series[pd.Int64Dtype] = score(
        "Digitale vaardigheden", "Digital skills, 1 (none) to 5 (independent).", 1, 5,
        synonyms=("digitaal", "digitale vaardigheid", "digivaardigheid"))
    leefgebied_financien: Series[pd.Int64Dtype] = score(
        "Financiën", "Self-sufficiency on finances, 1 (acute problems) to 5 (fully self-sufficient).", 1, 5,
        synonyms=("financien", "leefgebied financien", "zrm financien"))
    leefgebied_huisvesting: Series[pd.Int64Dtype] = score(
        "Huisvesting", "Self-sufficiency on housing, 1 to 5.", 1, 5,
        synonyms=("leefgebied huisvesting", "wonen"))
    leefgebied_gezondheid: Series[pd.Int64Dtype] = score(
        "Gezondheid", "Self-sufficiency on (physical and mental) health, 1 to 5.", 1, 5,
        synonyms=("leefgebied gezondheid",))
    leefgebied_sociaal_netwerk: Series[pd.Int64Dtype] = score(
        "Sociaal netwerk", "Self-sufficiency on the social network, 1 to 5.", 1, 5,
        synonyms=("leefgebied sociaal netwerk", "netwerk"))
    leefgebied_maatschappelijke_participatie: Series[pd.Int64Dtype] = score(
        "Maatschappelijke participatie", "Self-sufficiency on social participation, 1 to 5.", 1, 5,
        synonyms=("leefgebied maatschappelijke participatie", "participatie"))
    leefgebied_dagbesteding: Series[pd.Int64Dtype] = score(
        "Dagbesteding", "Self-sufficiency on daytime activity, 1 to 5.", 1, 5,
        synonyms=("leefgebied dagbesteding",))
    participatieladder: Series[pd.Int64Dtype] = score(
        "Participatieladder", "Rung on the participation ladder: 1 isolated, 2 social contacts outside the "
        "home, 3 organised activities, 4 unpaid work, 5 paid work with support, 6 paid work.", 1, 6,
        synonyms=("trede participatieladder", "ladder", "trede"))
    arbeidssituatie: Series[str] = field(
        "Arbeidssituatie", "Work situation at the measurement.",
        synonyms=("werksituatie", "werk"),
        categories={WORK_NONE: ["geen", "werkloos", "niet werkzaam"], "vrijwilligerswerk": ["vrijwilliger"],
                    "werk met ondersteuning": ["beschut werk", "werk met begeleiding", "loonkostensubsidie"],
                    "betaald werk": ["betaalde baan", "regulier werk", "werk"]})
    uren_per_week: Series[float] = field(
        "Uren per week", "Hours worked per week; empty or 0 without work.",
        synonyms=("uren", "aantal uren", "werkuren per week", "uren pw"), nullable=True, ge=0, le=80)
    uitkering: Series[str] = field(
        "Uitkering", "Benefit received at the measurement.",
        synonyms=("soort uitkering", "uitkeringssituatie"),
        categories={"geen": ["geen uitkering", "nee"], "bijstand": ["participatiewet", "pw", "bijstandsuitkering"],
                    "WW": ["werkloosheidswet", "ww uitkering"], "WIA/Wajong": ["wia", "wajong", "wia wajong", "wao"],
                    "anders": ["anders", "overig", "andere uitkering"]})
    bruto_uurloon: Series[float] = field(
        "Bruto uurloon", "Gross hourly wage in euro, when known.", synonyms=("uurloon", "loon per uur"),
        nullable=True, in_file=OPTIONAL, gt=0, le=150)
    opleiding: Series[str] = field(
        "Opleiding", "Vocational education situation.", synonyms=("onderwijs", "opleidingssituatie"),
        categories={"geen": ["geen opleiding"], "ingeschreven mbo": ["mbo ingeschreven", "volgt mbo"],
                    "mbo-certificaat": ["mbo certificaat", "certificaat"], "mbo-diploma": ["mbo diploma", "diploma"]})
    bewijs_civiel_effect: Series[pd.BooleanDtype] = field(
        "Bewijs met civiel effect", "Holds a certificate with value on the labour market (ja/nee).",
        synonyms=("civiel effect", "certificaat civiel effect", "bewijs civiel effect"), categories=YES_NO)
    startkwalificatie: Series[pd.BooleanDtype] = field(
        "Startkwalificatie", "Holds at least an mbo-2, havo or vwo diploma (ja/nee).",
        synonyms=("start kwalificatie", "sk"), categories=YES_NO)
    match_werkgever: Series[pd.BooleanDtype] = field(
        "Match met werkgever", "Matched with an employer (ja/nee).",
        synonyms=("match", "werkgeversmatch", "match werkgever"), categories=YES_NO)

    @pa.dataframe_check(name="uren_alleen_bij_werk",
                        description="Hours per week above 0 only with some form of work.")
    def hours_only_with_work(cls, df: pd.DataFrame) -> Series[bool]:
        return ((df["uren_per_week"].fillna(0) == 0) | (df["arbeidssituatie"] != WORK_NONE)).astype(bool)

    @pa.dataframe_check(name="uniek_per_deelnemer_en_meetmoment",
                        description="One current row per participant, region and measurement moment: a later "
                                    "delivery of it is unchanged or a correction (see Deliveries).")
    def unique_participant_moment(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df.duplicated(["regio", "deelnemer_id", "meetmoment"], keep="first")

    @pa.dataframe_check(name="t1_na_eerdere_t0",
                        description="A T1 needs a T0 of the same participant with an earlier meetdatum.")
    def t1_after_t0(cls, df: pd.DataFrame) -> Series[bool]:
        # each row's participant's first T0 date (missing without one), without a tuple per row to look up
        first_t0 = df["meetdatum"].where(df["meetmoment"] == "T0").groupby(
            [df["regio"], df["deelnemer_id"]]).transform("min")
        return ((df["meetmoment"] != "T1") | (first_t0 < df["meetdatum"])).astype(bool)

    @pa.dataframe_check(name="t1_tussen_6_en_12_maanden_na_start", raise_warning=True,
                        description="A T1 is taken 6 to 12 months after the start of the trajectory.")
    def t1_window(cls, df: pd.DataFrame) -> Series[bool]:
        months = months_between(df["startdatum_traject"], df["meetdatum"])
        low, high = T1_WINDOW_MONTHS
        return ((df["meetmoment"] != "T1") | months.between(low, high)).fillna(True).astype(bool)


class TrajectoryCatalogue(pa.DataFrameModel):
    """The region's catalogue of training trajectories: one row per trajectcode."""

    trajectcode: Series[str] = field(
        "Trajectcode", "Code the measurement files refer to.", synonyms=("code", "traject", "code traject"),
        str_length={"min_value": 1, "max_value": 40})
    naam: Series[str] = field(
        "Naam traject", "Name of the trajectory.", synonyms=("trajectnaam", "naam", "omschrijving"),
        str_length={"min_value": 1, "max_value": 200})
    type: Series[str] = field(
        "Type", "Kind of trajectory.", synonyms=("soort", "trajecttype", "soort traject"),
        categories={"taal": ["nederlands", "nt2"], "rekenen": ["reken"], "digitaal": ["digitale vaardigheden"],
                    "vak": ["vakopleiding", "vakgericht"], "combinatie": ["combi", "gecombineerd"]})
    startdatum: Series[pd.Timestamp] = field(
        "Startdatum", "Date the trajectory was first offered.", synonyms=("start", "begindatum"))
    kosten_per_deelnemer: Series[float] = field(
        "Kosten per deelnemer", "Cost per participant in euro.",
        synonyms=("kosten", "kosten pp", "prijs per deelnemer", "kosten per persoon"), ge=0, le=100_000)

    @pa.dataframe_check(name="uniek_trajectcode", description="One current row per trajectcode and region: a "
                        "later delivery of it is unchanged or a correction (see Deliveries).")
    def unique_code(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df.duplicated(["trajectcode"], keep="first")


WITHDRAWAL_REASONS = {
    "toestemming ingetrokken": ["geen toestemming", "toestemming", "bezwaar"],
    "registratiefout": ["vergissing", "foutieve registratie", "ten onrechte geregistreerd", "dubbele registratie"],
    "verzoek tot verwijdering": ["avg", "verwijderverzoek", "recht op vergetelheid", "verzoek verwijdering",
                                 "verwijderen"],
}


class Withdrawal(pa.DataFrameModel):
    """A participant withdrawn from the monitor: consent withdrawn, a registration made by mistake, or a request for
    erasure under the AVG. Every row of the participant goes, from the current data, the history and every derived
    table, and a later delivery of the participant is refused. Only a keyed hash of the participant is kept, with the
    date and the reason (see docs/privacy.md)."""

    deelnemer_id: Series[str] = field(
        "Deelnemer ID", "The participant, as in the measurement files.",
        synonyms=("deelnemer", "deelnemernummer", "deelnemer nr", "pseudoniem", "client id", "participant id"),
        str_length={"min_value": 1, "max_value": 64})
    datum_intrekking: Series[pd.Timestamp] = field(
        "Datum intrekking", "Date the withdrawal was asked for or decided.",
        synonyms=("intrekkingsdatum", "datum", "datum verzoek", "datum afmelding"))
    reden: Series[str] = field(
        "Reden", "Why the participant is withdrawn.", synonyms=("reden intrekking", "reden afmelding"),
        categories=WITHDRAWAL_REASONS)


# The code list of the group interviews: every theme a researcher may code a finding with, its Dutch label, its group
# and the research question (deelvraag) it serves. Succes- and faalfactoren answer question 4, borging (how the route
# is anchored in the region after the pilot) question 3. A theme is coded with a direction (helpt/hindert) per
# finding, so a succesfactor can be coded as hindering where it is missing. Change the list here only: the contract,
# the template's drop-down, docs/data-contract.md and the reports read it.
SUCCESS, FAILURE, ANCHORING = "succesfactor", "faalfactor", "borging"
THEME_GROUPS = {SUCCESS: (4, "wat de route laat slagen"), FAILURE: (4, "wat de route belemmert"),
                ANCHORING: (3, "verankering van de route in de regio, ook na de pilot")}
INTERVIEW_THEMES: dict[str, tuple[str, str]] = {  # code -> (label, group)
    "maatwerk_traject": ("Maatwerk in het traject", SUCCESS),
    "combinatie_basis_vak": ("Basisvaardigheden en vakleren gecombineerd", SUCCESS),
    "begeleiding_coach": ("Persoonlijke begeleiding (coach, jobcoach)", SUCCESS),
    "werkgeversbetrokkenheid": ("Betrokkenheid van werkgevers", SUCCESS),
    "bereik_doelgroep": ("Bereik en werving van de doelgroep", SUCCESS),
    "capaciteit_uitvoering": ("Capaciteit in de uitvoering (docenten, coaches)", FAILURE),
    "regelgeving_uitkering": ("Regelgeving rond uitkeringen (armoedeval)", FAILURE),
    "wachttijden": ("Wachttijden en vaste instroommomenten", FAILURE),
    "uitval_multiproblematiek": ("Uitval door schulden, zorg of andere problemen", FAILURE),
    "administratieve_last": ("Administratieve last en registratie", FAILURE),
    "financiering_structureel": ("Structurele financiering na de pilot", ANCHORING),
    "regie_governance": ("Regie en governance in de regio", ANCHORING),
    "samenwerking_partners": ("Samenwerking en afspraken tussen partners", ANCHORING),
    "inbedding_regulier_aanbod": ("Inbedding in het reguliere aanbod", ANCHORING),
    "bestuurlijk_draagvlak": ("Bestuurlijk draagvlak", ANCHORING),
}
DIRECTIONS = {"helpt": ["helpend", "positief", "+", "bevorderend", "stimulerend"],
              "hindert": ["belemmerend", "negatief", "remmend", "hinderend"]}
# The partner types of a group interview, in the order a normalised cell lists them ("gemeente, ROC, UWV").
PARTNERS = {"gemeente": ["gemeenten", "gemeentes"], "ROC": ["mbo", "roc's", "rocs", "mbo-instelling"],
            "UWV": ["werkbedrijf"], "werkgevers": ["werkgever", "bedrijven", "bedrijfsleven"],
            "anders": ["overig", "overige"]}
MAX_QUOTE = 300


def theme_research_question(code: str) -> int:
    return THEME_GROUPS[INTERVIEW_THEMES[code][1]][0]


class InterviewCoding(pa.DataFrameModel):
    """One finding of a group interview, coded by the researchers: one file per region and round (round 1 and 2,
    with ROC, gemeenten, werkgevers and UWV). The region comes from the landing folder. A quote is anonymised:
    names of persons and organisations are written as [naam] and [organisatie] (a quote naming a person refuses the
    whole file, docs/privacy.md)."""

    ronde: Series[pd.Int64Dtype] = field(
        "Ronde", "Interview round: 1 (early in the region's programme) or 2 (after its midpoint).",
        synonyms=("gespreksronde", "ronde gesprek", "round"), ge=1, le=2, dropdown=True)
    datum_gesprek: Series[pd.Timestamp] = field(
        "Datum gesprek", "Date of the group interview; one date per region and round.",
        synonyms=("gespreksdatum", "datum groepsgesprek", "datum"))
    partners: Series[str] = field(
        "Partners", "Partner types that took part, several separated by ',' or ';'; stored in a fixed order.",
        synonyms=("deelnemende partners", "aanwezige partners", "partijen", "deelnemers gesprek"),
        categories=PARTNERS, multiple=True)
    bevinding: Series[pd.Int64Dtype] = field(
        "Bevinding", "Number of the finding within the round: the identity a corrected re-send replaces.",
        synonyms=("bevinding nr", "nummer bevinding", "bevindingnummer", "nr"), ge=1, le=999)
    thema: Series[str] = field(
        "Thema", "Theme from the code list (docs/data-contract.md, 'Code list of the group interviews').",
        synonyms=("code", "thema code", "themacode"),
        categories={code: [label] for code, (label, _) in INTERVIEW_THEMES.items()})
    richting: Series[str] = field(
        "Richting", "Whether the theme helps or hinders the route in the region.", synonyms=("effect", "werking"),
        categories=DIRECTIONS)
    sterkte: Series[pd.Int64Dtype] = field(
        "Sterkte", "How strongly the partners stressed it: 1 (mentioned), 2 (clearly), 3 (strongly, by several).",
        synonyms=("gewicht", "mate", "intensiteit"), ge=1, le=3, dropdown=True)
    citaat: Series[str] = field(
        "Citaat", f"Optional short anonymised quote (at most {MAX_QUOTE} characters; [naam], [organisatie]).",
        synonyms=("quote", "uitspraak", "citaat geanonimiseerd"), nullable=True, in_file=OPTIONAL, free_text=True,
        str_length={"min_value": 1, "max_value": MAX_QUOTE})

    @pa.check("partners", name="partners_uit_lijst",
              description="Each partner type is one of: " + ", ".join(PARTNERS) + " (separated by ',' or ';').")
    def known_partners(cls, partners: Series[str]) -> Series[bool]:
        allowed = set(PARTNERS)
        return partners.map(lambda text: isinstance(text, str) and bool(text) and all(
            part.strip() in allowed for part in text.split(",")))

    @pa.dataframe_check(name="uniek_per_ronde_en_bevinding",
                        description="One current row per region, round and finding number: a later delivery of it "
                                    "is unchanged or a correction (see Deliveries).")
    def unique_finding(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df.duplicated([c for c in ("regio", "ronde", "bevinding") if c in df], keep="first")

    @pa.dataframe_check(name="een_gesprek_per_ronde",
                        description="One group interview per region and round: every finding of a round has the "
                                    "date and partners of the round's first finding.")
    def one_interview_per_round(cls, df: pd.DataFrame) -> Series[bool]:
        keys = [c for c in ("regio", "ronde") if c in df]
        first = df.groupby(keys, dropna=False)[["datum_gesprek", "partners"]].transform("first")
        return ((df["datum_gesprek"] == first["datum_gesprek"]) & (df["partners"] == first["partners"])).astype(bool)


# Columns a table-wide rule is about, so a quarantine record names them instead of the whole row.
RULE_COLUMNS = {
    "uren_alleen_bij_werk": ("uren_per_week", "arbeidssituatie"),
    "uniek_per_deelnemer_en_meetmoment": ("deelnemer_id", "meetmoment"),
    "t1_na_eerdere_t0": ("deelnemer_id", "meetmoment", "meetdatum"),
    "t1_tussen_6_en_12_maanden_na_start": ("startdatum_traject", "meetdatum"),
    "uniek_trajectcode": ("trajectcode",),
    "trajectcode_in_catalogus": ("trajectcode",),
    "meetdatum_niet_in_toekomst": ("meetdatum",),
    "uniek_per_ronde_en_bevinding": ("ronde", "bevinding"),
    "een_gesprek_per_ronde": ("ronde", "datum_gesprek", "partners"),
    "datum_gesprek_niet_in_toekomst": ("datum_gesprek",),
}

# Rules about a set of rows: evaluated only on rows that pass every row rule, so that the first *valid*
# delivered row of a participant is the one kept.
SET_RULES = frozenset({"uniek_per_deelnemer_en_meetmoment", "t1_na_eerdere_t0", "uniek_trajectcode",
                       "uniek_per_ronde_en_bevinding", "een_gesprek_per_ronde"})

MODELS: dict[str, type[pa.DataFrameModel]] = {"measurements": Measurement, "trajectory_catalogue": TrajectoryCatalogue,
                                              "withdrawals": Withdrawal, "interview_codings": InterviewCoding}


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole calendar months plus the fraction of the month, e.g. 15 Jan -> 15 Sep = 8.0."""
    return (end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month) + (end.dt.day - start.dt.day) / 30.0


def measurement_schema(catalogue_codes: set[str] | None, today: dt.date) -> pa.DataFrameSchema:
    """The measurement contract with the rules that depend on the region and the day of ingest."""
    schema = Measurement.to_schema()
    schema = schema.update_column("meetdatum", checks=[
        *schema.columns["meetdatum"].checks,
        pa.Check.le(pd.Timestamp(today), name="meetdatum_niet_in_toekomst",
                    description="The meetdatum is not after the day of ingest.")])
    if catalogue_codes is not None:
        schema = schema.update_column("trajectcode", checks=[
            *schema.columns["trajectcode"].checks,
            pa.Check.isin(sorted(catalogue_codes), name="trajectcode_in_catalogus",
                          description="The trajectcode is listed in the region's trajectory catalogue.")])
    return schema


def interview_schema(today: dt.date) -> pa.DataFrameSchema:
    """The interview-coding contract with the rule that depends on the day of ingest."""
    schema = InterviewCoding.to_schema()
    return schema.update_column("datum_gesprek", checks=[
        *schema.columns["datum_gesprek"].checks,
        pa.Check.le(pd.Timestamp(today), name="datum_gesprek_niet_in_toekomst",
                    description="The date of the interview is not after the day of ingest.")])


def catalogue_schema() -> pa.DataFrameSchema:
    return TrajectoryCatalogue.to_schema()


def is_warning(check: pa.Check) -> bool:
    return bool(check.raise_warning)
