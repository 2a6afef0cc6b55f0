"""Schemas of the derived tables: the intake's records (ingest log, quarantine and warnings), trajectories, KPI rows,
change scores, the region context and the SCBA tables.

They are the single description of these tables: the warehouse tables (`llo.warehouse`), the Dagster column
schemas and the output checks that validate what an asset is about to store all derive from them.
"""

from __future__ import annotations

import pandera.pandas as pa

from checks.contract import T1_WINDOW_MONTHS, Measurement

DATE = "datetime64[ns]"

# The intake's records: one ingest-log line per delivered file (and sheet), one issue row per refused or warned cell.
LOG_COLUMNS = ["region", "delivery_order", "file", "sheet", "sha256", "size_bytes", "received_at", "kind", "status",
               "reason", "encoding", "separator", "decimal_mark", "header_row", "rows_read", "rows_accepted",
               "rows_new", "rows_unchanged", "rows_corrected", "rows_quarantined", "rows_withdrawn",
               "rows_with_warnings", "empty_rows_skipped", "ignored_columns", "corrected_headers"]
# The status of a log line: its rows were read (accepted, some quarantined), or the file was refused whole, was a copy
# of one already read, or was not read at all (a hidden or temporary file, a folder).
ACCEPTED, PARTLY, REJECTED, DUPLICATE, IGNORED = ("accepted", "accepted_with_quarantine", "rejected", "duplicate",
                                                  "ignored")
ISSUE_TABLE_COLUMNS = ["region", "file", "sheet", "row_number", "column_name", "rule", "value", "message"]


def versions_schema(delivered: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """A delivered row that a later delivery corrected (llo.intake.versions): its contract columns, and when it
    arrived and stopped being current."""
    return delivered.add_columns({
        "received_at": pa.Column(DATE, description="When the file it came from was received."),
        "superseded_at": pa.Column(DATE, description="When the file that corrected it was received."),
        "superseded_by_file": pa.Column(str, description="The file of the version that replaced it."),
        "superseded_by_row": pa.Column("Int64", description="Its row in that file."),
        "changed_fields": pa.Column(str, description="The contract fields the replacement changed.")})


_MEASUREMENT = Measurement.to_schema().columns

# What a trajectory holds (llo.monitor.trajectories derives it by these definitions).
DOMAINS = tuple(name for name in _MEASUREMENT if name.startswith("leefgebied_"))
SKILLS = ("taalniveau", "rekenniveau", "digitale_vaardigheden")
SCORES = (*DOMAINS, "participatieladder", *SKILLS)  # paired T0 -> T1 changes
LEVEL_SCORES = ("taalniveau", "rekenniveau")  # reference levels, scored as ranks 0-3

T1_DUE_MONTHS = 8  # the eenmeting is planned eight months after the start
DROPOUT_MONTHS = T1_WINDOW_MONTHS[1]  # no T1 more than 12 months after the start: uitgevallen / geen eenmeting

LOPEND, GEMETEN, UITGEVALLEN = "lopend", "gemeten", "uitgevallen"
STATUSES = (LOPEND, GEMETEN, UITGEVALLEN)

FLAGS = {
    "verbeterde_arbeidsmarktpositie": "Higher work situation at T1 than at T0 (geen werk < vrijwilligerswerk < "
                                      "werk met ondersteuning < betaald werk), or the same paid work with more "
                                      "hours per week.",
    "verbeterde_sociale_inclusie": "At least one rung higher on the participatieladder, or at least one of the "
                                   "social leefgebieden (sociaal netwerk, maatschappelijke participatie, "
                                   "dagbesteding) higher and none lower.",
    "verbeterde_basisvaardigheden": "At least one of taalniveau, rekenniveau and digitale vaardigheden higher "
                                    "and none lower.",
    "duurzaam_werk": "Proxy for sustainable work: paid work (with or without support) at T1 with at least the "
                     "configured hours per week (default 12).",
    "certificaat_of_sk_behaald": "A bewijs met civiel effect or a startkwalificatie at T1 that the participant "
                                 "did not hold at T0.",
    "instroom_beroepsonderwijs": "No vocational education at T0, enrolled in or finished mbo at T1.",
    "uit_uitkering": "A benefit at T0 and none at T1.",
}


def column(dtype, description: str, nullable: bool = False, **checks) -> pa.Column:
    return pa.Column(dtype, checks=[getattr(pa.Check, k)(v) for k, v in checks.items()], nullable=nullable,
                     description=description)


def _paired(name: str) -> dict[str, pa.Column]:
    field = _MEASUREMENT[name]
    dtype = "float64" if name == "uren_per_week" else field.dtype
    return {f"{name}_t0": column(dtype, f"{field.title} at T0.", nullable=field.nullable or name == "bruto_uurloon"),
            f"{name}_t1": column(dtype, f"{field.title} at T1 (empty without T1).", nullable=True)}


TRAJECTORIES = pa.DataFrameSchema(
    {
        "regio": column(str, "Region slug."),
        "deelnemer_id": column(str, "Participant pseudonym (HMAC-SHA256, per region)."),
        "trajectcode": column(str, "Trajectory of the participant (from the T0)."),
        "doelgroep": column(str, "Target group at T0."),
        "geboortejaar": column("Int64", "Year of birth."),
        "startdatum_traject": column(DATE, "Start of the trajectory."),
        "trajecttype": column(str, "Kind of trajectory, from the region's catalogue.", nullable=True),
        "trajectkosten": column("float64", "Cost per participant in euro, from the region's catalogue.", nullable=True),
        "meetdatum_t0": column(DATE, "Date of the nulmeting."),
        "meetdatum_t1": column(DATE, "Date of the eenmeting; empty while none is known.", nullable=True),
        "t1_gepland": column(DATE, f"Start + {T1_DUE_MONTHS} months: when the eenmeting is planned."),
        "t1_uiterlijk": column(DATE, f"Start + {DROPOUT_MONTHS} months: without a T1 after this date the "
                                     "participant counts as uitgevallen / geen eenmeting."),
        "maanden_tot_t1": column("float64", "Months between the start and the T1.", nullable=True, ge=0),
        **{k: v for name in (*SCORES, "arbeidssituatie", "uren_per_week", "uitkering", "opleiding",
                             "bruto_uurloon", "bewijs_civiel_effect", "startkwalificatie", "match_werkgever")
           for k, v in _paired(name).items()},
        **{f"{name}_verschil": column("Int64", f"{_MEASUREMENT[name].title}: T1 minus T0"
                                      + (" in reference levels." if name in LEVEL_SCORES else "."), nullable=True)
           for name in SCORES},
        "arbeidssituatie_overgang": column(str, "Work situation T0 → T1.", nullable=True),
        "uitkering_overgang": column(str, "Benefit T0 → T1.", nullable=True),
        "bewijs_civiel_effect_behaald": column("boolean", "A bewijs met civiel effect at T1, none at T0.",
                                               nullable=True),
        "startkwalificatie_behaald": column("boolean", "A startkwalificatie at T1, none at T0.", nullable=True),
        **{name: column("boolean", rule, nullable=True) for name, rule in FLAGS.items()},
        "status": column(str, "lopend (T1 not yet due), gemeten (T1 present) or uitgevallen (no T1 more than "
                              f"{DROPOUT_MONTHS} months after the start), on the peildatum.", isin=STATUSES),
        "peildatum": column(DATE, "The day the status refers to: the region's latest meetdatum."),
    },
    name="trajectories", unique=["regio", "deelnemer_id"], strict=True, ordered=True,
)

_KPI = {
    "peildatum": column(DATE, "Last day of the month the figures refer to."),
    "kpi": column(str, "KPI code (K1-K6 from the evaluation frame, D descriptive)."),
    "label": column(str, "Dutch name of the KPI."),
    "value": column("Int64", "Cumulative count on the peildatum.", ge=0),
    "value_month": column("Int64", "Added in this month (cumulative KPIs only).", nullable=True),
    "n_basis": column("Int64", "The number of participants (or trajectories) the figure rests on.", ge=0),
    "basis": column(str, "What n_basis counts."),
    "share_of_basis": column("float64", "value / n_basis.", nullable=True, ge=0, le=1),
    "target": column("Int64", "Groeifonds target (config/targets.yaml).", nullable=True, ge=0),
    "target_source": column(str, "Which target assumption was used."),
    "share_of_target": column("float64", "value / target.", nullable=True, ge=0),
    "target_pro_rata": column("Int64", "The part of the target due by the peildatum: target x months active / the "
                                       "runtime (config/targets.yaml, runtime_months), at most the target.",
                              nullable=True, ge=0),
    "share_of_target_pro_rata": column("float64", "value / target_pro_rata: 1 is on schedule.", nullable=True, ge=0),
    "cumulative": column(bool, "Whether the count can only grow from month to month."),
    "suppress": column(bool, "Publish as '<10': the figure rests on fewer participants than the disclosure "
                             "threshold."),
}
CONTEXT_COLUMNS = {
    "aandeel_laaggeletterden": column("float64", "Share of low-literate adults (16-65) in the region, percent.",
                                      nullable=True, ge=0, le=100),
    "spanningsindicator": column("float64", "Labour-market tightness: vacancies per job seeker.", nullable=True, ge=0),
    "werkloosheid": column("float64", "Unemployment rate, percent.", nullable=True, ge=0, le=100),
    "context_bron": column(str, "Source of the context figures ('FICTIEF' for demo values).", nullable=True),
}
KPI_REGION_MONTH = pa.DataFrameSchema(
    {"region": column(str, "Region slug."), **_KPI,
     "months_active": column("Int64", "Months the region has been running on the peildatum: from the month of its "
                                      "first nulmeting (or its active_from month, if earlier), both months counted.",
                             nullable=True, ge=0),
     **CONTEXT_COLUMNS},
    name="kpi_region_month", unique=["peildatum", "region", "kpi"], strict=True, ordered=True)
KPI_NATIONAL_MONTH = pa.DataFrameSchema(
    {**_KPI, "regions": column("Int64", "Active regions on the peildatum (their targets are summed).", ge=0)},
    name="kpi_national_month", unique=["peildatum", "kpi"], strict=True, ordered=True)

CHANGE_SCORES_MONTH = pa.DataFrameSchema(
    {
        "peildatum": column(DATE, "Last day of the month."),
        "region": column(str, "Region slug, or 'nationaal'."),
        "variable": column(str, "Measured score: a leefgebied, the participatieladder or a basic skill.",
                           isin=list(SCORES)),
        "label": column(str, "Dutch name of the score."),
        "n": column("Int64", "Participants with the score at both T0 and T1 (on or before the peildatum).", ge=0),
        "mean_t0": column("float64", "Mean at T0.", nullable=True),
        "mean_t1": column("float64", "Mean at T1.", nullable=True),
        "mean_change": column("float64", "Mean paired change T1 - T0.", nullable=True),
        "sd_change": column("float64", "Standard deviation of the change.", nullable=True, ge=0),
        "ci_low": column("float64", "Lower bound of the 95% confidence interval of the mean change (t).",
                         nullable=True),
        "ci_high": column("float64", "Upper bound of the 95% confidence interval.", nullable=True),
        "effect_size": column("float64", "Cohen's d_z: mean change / sd of the change.", nullable=True),
        "suppress": column(bool, "Fewer participants than the disclosure threshold."),
    },
    name="change_scores_month", unique=["peildatum", "region", "variable"], strict=True, ordered=True)

KPI_BREAKDOWN_MONTH = pa.DataFrameSchema(
    {
        "peildatum": column(DATE, "Last day of the month."),
        "region": column(str, "Region slug, or 'nationaal'."),
        "dimension": column(str, "What the participants are grouped by (llo.monitor.breakdowns.DIMENSIONS).",
                            isin=["doelgroep", "trajecttype", "leeftijd", "fase", "cohort"]),
        "group": column(str, "The group: a doelgroep, trajectory type, age band, pilotregio/opschalingsregio or "
                             "quarter of the nulmeting."),
        "measure": column(str, "A KPI code (its count) or 'verandering <score>' (the mean paired change)."),
        "value": column("float64", "The count, or the mean change (empty without pairs).", nullable=True),
        "n_basis": column("Int64", "The group's basis of the KPI (participants with a T0 or with a T1), or the "
                                   "number of pairs of a change.", ge=0),
    },
    name="kpi_breakdown_month", unique=["peildatum", "region", "dimension", "group", "measure"], strict=True,
    ordered=True)

REGION_CONTEXT = pa.DataFrameSchema(
    {"region": column(str, "Region slug."), "peiljaar": column("Int64", "Year of the figures.", nullable=True),
     **CONTEXT_COLUMNS},
    name="region_context", unique=["region"], strict=True, ordered=True)

SCHEMAS = {s.name: s for s in (TRAJECTORIES, KPI_REGION_MONTH, KPI_NATIONAL_MONTH, CHANGE_SCORES_MONTH,
                               KPI_BREAKDOWN_MONTH, REGION_CONTEXT)}

_SCBA_KEY = {
    "peildatum": column(DATE, "Last day of the month: the finished cohort on this day."),
    "scenario": column(str, "Scenario name ('basis' = the parameter file as is)."),
    "region": column(str, "Region slug, or 'nationaal'."),
}
_VARIANT = {"variant": column(str, "traject (trajectory level: marginal costs per participant) or programma "
                                   "(programme level: the NGF budget and partners' effort by the allocation key).",
                              isin=["traject", "programma"])}
_SMALL = " Empty where the cohort is below the disclosure threshold."
SCBA_OVERVIEW = pa.DataFrameSchema(
    {**_SCBA_KEY, **_VARIANT,
     "section": column(str, "baten, kosten, saldo, pm (not monetised) or kengetal.",
                       isin=["baten", "kosten", "saldo", "pm", "kengetal"]),
     "item": column(str, "Dutch name of the row."),
     "quantity": column("float64", "Physical size of the effect (the cohort's size is kept where the rest is "
                                   "suppressed).", nullable=True),
     "unit": column(str, "Unit of the quantity.", nullable=True),
     "value": column("float64", "Present value at the zichtjaar in euro of the price year, or a ratio / share per "
                              "value_unit." + _SMALL, nullable=True),
     "value_unit": column(str, "euro, ratio, per jaar or aandeel.", nullable=True),
     "per_participant": column("float64", "Value per participant in the cohort (euro rows).", nullable=True),
     "note": column(str, "PM, comparison with the evaluation frame, or why a value is not defined.", nullable=True),
     "suppress": column(bool, "The cohort is smaller than the disclosure threshold: its figures are empty.")},
    name="scba_overview", unique=["peildatum", "scenario", "region", "variant", "item"], strict=True, ordered=True)
SCBA_DISTRIBUTION = pa.DataFrameSchema(
    {**_SCBA_KEY, **_VARIANT,
     "actor": column(str, "deelnemer, werkgever, gemeente, UWV, rijksoverheid, regionale en landelijke partners, "
                          "O&O-fondsen, financier onbekend, zorgverzekeraar, onderwijsinstellingen or maatschappij."),
     "item": column(str, "Dutch name of the effect."),
     "kind": column(str, "welvaart (welfare effect), transfer (cancels out), kosten, pm (not measured) or saldo.",
                    isin=["welvaart", "transfer", "kosten", "pm", "saldo"]),
     "value": column("float64", "Present value in euro for the actor; empty for a PM row." + _SMALL, nullable=True)},
    name="scba_distribution", unique=["peildatum", "scenario", "region", "variant", "actor", "item"], strict=True,
    ordered=True)
SCBA_SENSITIVITY = pa.DataFrameSchema(
    {**_SCBA_KEY, **_VARIANT, "parameter": column(str, "Parameter varied (the others at their values)."),
     "kind": column(str, "range (low and high end) or scenario (an alternative value).", isin=["range", "scenario"]),
     "unit": column(str, "Unit of the parameter."),
     "base_value": column("float64", "The parameter's value."),
     "value_low": column("float64", "Low end (or the scenario value)."),
     "value_high": column("float64", "High end (or the scenario value)."),
     "npv_base": column("float64", "Saldo at the parameter values." + _SMALL, nullable=True),
     "npv_low": column("float64", "Saldo with the parameter at value_low." + _SMALL, nullable=True),
     "npv_high": column("float64", "Saldo with the parameter at value_high." + _SMALL, nullable=True),
     "swing": column("float64", "|npv_high - npv_low|: the bar length in a tornado chart." + _SMALL, ge=0,
                     nullable=True)},
    name="scba_sensitivity", unique=["peildatum", "scenario", "region", "variant", "parameter", "kind", "value_low"],
    strict=True, ordered=True)
SCBA_MONTE_CARLO = pa.DataFrameSchema(
    {**_SCBA_KEY, **_VARIANT, "draws": column("Int64", "Number of draws.", ge=1),
     "seed": column("Int64", "Random seed."),
     "npv_deterministic": column("float64", "Saldo at the parameter values." + _SMALL, nullable=True),
     "npv_mean": column("float64", "Mean saldo over the draws." + _SMALL, nullable=True),
     **{f"npv_p{q:02d}": column("float64", f"{q}th percentile of the saldo." + _SMALL, nullable=True)
        for q in (5, 10, 25, 50, 75, 90, 95)},
     "p_npv_positive": column("float64", "Share of draws with a positive saldo." + _SMALL, ge=0, le=1,
                              nullable=True)},
    name="scba_monte_carlo", unique=["peildatum", "scenario", "region", "variant"], strict=True, ordered=True)
SCBA_PARAMETERS = pa.DataFrameSchema(
    {"peildatum": _SCBA_KEY["peildatum"], "scenario": column(str, "Scenario name."),
     "parameter": column(str, "Parameter name."), "label": column(str, "Dutch name of the parameter."),
     "value": column("float64", "Value used."), "low": column("float64", "Low end of the range."),
     "high": column("float64", "High end of the range."), "unit": column(str, "Unit."),
     "distribution": column(str, "Monte Carlo distribution."), "source": column(str, "Source of the value."),
     "overridden": column(bool, "Set by the scenario's run config instead of the file.")},
    name="scba_parameters", unique=["peildatum", "scenario", "parameter"], strict=True, ordered=True)

SCHEMAS.update({s.name: s for s in (SCBA_OVERVIEW, SCBA_DISTRIBUTION, SCBA_SENSITIVITY, SCBA_MONTE_CARLO,
                                    SCBA_PARAMETERS)})
