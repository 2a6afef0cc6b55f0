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
          nullable: bool = False, in_file: str = REQUIRED, **checks):
    """A contract field: a Pandera Field plus the metadata the reader, template and docs use."""
    if categories is not None and categories is not YES_NO:
        checks["isin"] = list(categories)
    metadata = {"synonyms": list(synonyms), "in_file": in_file}
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
        t0 = df[df["meetmoment"] == "T0"].groupby(["regio", "deelnemer_id"])["meetdatum"].min()
        first_t0 = pd.Series(list(zip(df["regio"], df["deelnemer_id"], strict=True)), index=df.index).map(t0)
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


# Columns a table-wide rule is about, so a quarantine record names them instead of the whole row.
RULE_COLUMNS = {
    "uren_alleen_bij_werk": ("uren_per_week", "arbeidssituatie"),
    "uniek_per_deelnemer_en_meetmoment": ("deelnemer_id", "meetmoment"),
    "t1_na_eerdere_t0": ("deelnemer_id", "meetmoment", "meetdatum"),
    "t1_tussen_6_en_12_maanden_na_start": ("startdatum_traject", "meetdatum"),
    "uniek_trajectcode": ("trajectcode",),
    "trajectcode_in_catalogus": ("trajectcode",),
    "meetdatum_niet_in_toekomst": ("meetdatum",),
}

# Rules about a set of rows: evaluated only on rows that pass every row rule, so that the first *valid*
# delivered row of a participant is the one kept.
SET_RULES = frozenset({"uniek_per_deelnemer_en_meetmoment", "t1_na_eerdere_t0", "uniek_trajectcode"})

MODELS: dict[str, type[pa.DataFrameModel]] = {"measurements": Measurement, "trajectory_catalogue": TrajectoryCatalogue,
                                              "withdrawals": Withdrawal}


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


def catalogue_schema() -> pa.DataFrameSchema:
    return TrajectoryCatalogue.to_schema()


def is_warning(check: pa.Check) -> bool:
    return bool(check.raise_warning)
