"""`docs/scba-method.md`, generated from the parameter file and the model's own constants, so the method
document names exactly the parameters, sources and conventions the code uses."""

from __future__ import annotations

from checks import outputs
from llo.markdown import cell, schema_table
from llo.scba import model as scba
from llo.scba.parameters import load_parameters
from llo.settings import MIN_PARTICIPANTS, PROJECT_ROOT

DOCS_PATH = PROJECT_ROOT / "docs" / "scba-method.md"
PARAMETERS_PATH = PROJECT_ROOT / "config" / "scba_parameters.yaml"

METHOD = f"""# SCBA method (maatschappelijke kosten-batenanalyse)

> **Generated file, do not edit by hand.** Rendered from `config/scba_parameters.yaml` and `llo/scba/model.py` by
> `llo docs`; a test keeps it equal to the code.

The analysis follows the CPB/PBL *Algemene leidraad voor maatschappelijke kosten-batenanalyse* (2013) and
the SEO *Werkwijzer voor kosten-batenanalyse in het sociale domein* (2016). It answers research question 6
(the economic effect) per region and nationally, per month (peildatum = last day of the month), in **two
variants** that share the benefits and differ in the costs.

## What is compared

- **Project alternative**: the LLO Collectief as measured. **Nulalternatief**: what would have happened
  anyway; it enters as **deadweight**, the share of a measured effect that would have occurred without the
  programme, per target group and benefit (below). A pre/post design without a control group does not
  identify deadweight, so it is an explicit assumption with a wide range unless a comparison group replaces it,
  and the overview reports the *break-even deadweight* (the deadweight, the same for every group, at which the
  saldo is zero).
- **Cohort**: on a peildatum, the participants whose trajectory is finished: with a T1 (*gemeten*) or
  overdue without one (*uitgevallen*). Dropouts carry their costs and no measured effect. Running
  participants are left out until their T1 is due, so costs and effects refer to the same people.

## Two variants

- **Trajectory level** (`traject`): what does one more participant cost and yield? Comparable with SEO 2013 and
  the frame's per-participant figures. Costs: the trajectory costs from the catalogue (all of them, whoever
  pays), regional guidance (`guidance_cost_per_participant`), participants' time, employers' guidance and lost
  leisure.
- **Programme level** (`programma`): what does the programme as a whole cost and yield per participant it is
  meant for? Costs: the NGF budget allocated by the allocation key, the partners' effort
  (`partner_contribution_share` × that), the trajectory costs outside the NGF budget (1 − the NGF payer share),
  participants' time, employers' guidance and lost leisure. Regional guidance is inside the NGF budget.
- Both count the same benefits for the same cohort.

### The allocation key (programme level)

The NGF budget is for an expected intake, so a cohort carries the part of it that its participants are of that
intake:

- **A region**: cohort / (its K1 target × `intake_realisation`), at most 1, times its budget: its own amount in
  the parameter file, else `programme_cost_pilots` / {len(scba.PILOTS)} for the pilots ({", ".join(scba.PILOTS)})
  and `programme_cost_scale_up` / `scale_up_regions` for the other regions.
  - **The share is at most 1**: the budget is spent once, so a region whose cohort outgrows its expected intake
    carries its whole budget and no more (600 participants against a K1 of 400 carry the budget, not 1.5 times
    it). The note on the programme costs says so.
  - **A region without a K1 target** (none in the targets file, or 0) is charged per participant at the
    **default K1** of the targets file (`defaults.K1`), not its whole budget over its first participants. The
    note says so, and the Dagster run logs a warning naming the regions. Without a default K1 either, the run
    stops with an error.
- **The nation**: cohort / (`planned_intake_programme` × `intake_realisation`) times the whole award (pilots
  and scale-up): the programme's average cost per participant, so the national figure does not move with the
  mix of pilot and scale-up participants in the cohort (a pilot participant carries more of a budget than a
  scale-up one). The nation's programme costs are therefore not the sum of the regions'.
- **Lasting infrastructure**: `infrastructure_share` of the budget builds what outlasts the NGF period (national
  support, project management, the impact measurement, professionalisation). In the base alternative the
  programme stops with the NGF money, so its participants carry all of it. With a continuation after the NGF
  period (`continuation_share`: the intake afterwards as a share of the planned intake; scenarios 0.5 and 1)
  that part is shared by the later participants too: key × ((1 − `infrastructure_share`) +
  `infrastructure_share` / (1 + `continuation_share`)). The overview gives the programme saldo at a continuation
  of 1 (*Saldo bij voortzetting na de NGF-periode*).
- The NGF amounts are known (fixed); the **Monte Carlo varies the allocation key**: `intake_realisation`
  (whether the regions reach their K1 targets), `infrastructure_share` and `partner_contribution_share`.

## Effects (yearly, from the year of the T1)

{{effects}}

Income gains that run via health are not counted twice: health is valued by QALYs only. The QALY value of a
higher leefgebied score for health (`qaly_gain`) is an assumption with its range: there is no validated mapping
from this score to QALYs.

### Deadweight by target group and benefit

Work and income effects (productivity, and the benefits a participant leaves) are net of the deadweight of the
benefit the participant started from at T0: `deadweight_bijstand`, `deadweight_ww`, `deadweight_wia_wajong`, and
`deadweight_overig` for those without a benefit or with another one; a benefit entered from none carries
`deadweight_overig`. Health carries `deadweight_health`. WW recipients find work on their own far more often
than bijstand recipients, hence the different values.

**A comparison group replaces the assumption.** Put `comparison_group.csv` in `LLO_HOME/config` (or `config/`):
one row per outcome and starting position, from a matched comparison of participants with non-participants over
the same months (e.g. CBS microdata), `;`- or `,`-separated, decimal comma or point:

| Column | Meaning |
|---|---|
| `uitkomst` | `werk` (the change in paid hours per week) or `gezondheid` (the net share with better health) |
| `startpositie` | `bijstand`, `WW`, `WIA/Wajong`, `overig`, or `alle` (every group; the only one for `gezondheid`) |
| `verandering_deelnemers` | the participants' change in the study (not 0) |
| `verandering_vergelijkingsgroep` | the matched non-participants' change over the same months |
| `n_deelnemers`, `n_vergelijkingsgroep` | the number of people on each side |
| `bron` | where the estimate comes from |

The deadweight becomes verandering_vergelijkingsgroep / verandering_deelnemers, at least 0 and at most 1; it
replaces the parameter's value and range (a measured figure is not varied), its source names the file, row and
study, and the report says which deadweights are measured. A row naming an unknown outcome, group or a value that
is not a number is refused with the file, row, column and value.

## Costs

- **Trajectory costs** from the regions' catalogues (the cost per participant of each participant's
  trajectory, in euro of the year of the T0). **Who pays** them is the `trajectory_cost_payers` section (shares of
  gemeente for educatie/WEB and re-integratie, O&O-fondsen, werkgevers, NGF and unknown; adding up to 1): it
  decides the distribution over actors, not the saldo. At programme level the NGF share is inside the NGF budget.
- **Participants' time**: every cohort participant × `training_hours` × `participant_time_value`.
- **Employers' guidance**: every measured participant in paid work at the T1 × `employer_guidance_cost`.
- **Regional guidance** (trajectory level): every cohort participant × `guidance_cost_per_participant`.
- **NGF budget and partners' effort** (programme level): the allocation key above; the partners' effort is
  `partner_contribution_share` of the allocated NGF amount (the frame's input box: NGF money and the effort of
  regional and national partners).
- **Lost leisure**: with the effects (above); the B/C ratio counts it among the costs.

## Time, prices and discounting

- **Constant prices**: every amount is in euro of the **price year** ({{price_year}}). Nominal amounts are brought
  there with the CBS consumer price index shipped in the parameter file (`price_index`: the yearly CPI change per
  year; update it when CBS publishes a year): the catalogue's trajectory costs of the T0 year, the wages of the
  T1 year, and the NGF awards of their year (`nominal_year`: 2022 for the pilots, 2025 for the scale-up). A year
  after the last one in the index is taken at that level (no forecast).
- **One base year**: every flow sits in its calendar year and is discounted to the **zichtjaar**
  ({{zichtjaar}}) at the real `discount_rate`: year y by 1 / (1 + r)^(y − zichtjaar); years before the zichtjaar
  are compounded up. A participant's costs fall in the year of the T0.
- **Half-year convention**: effects start in the year of the T1, and T1s fall throughout the year, so the
  first year counts half: calendar year j after the T1 year holds half of effect year j − 1 and half of effect
  year j (the total is unchanged). An effect lasts `effect_duration_years` (a fractional last year counts pro
  rata), shrinks by `annual_decay` per year and ends at `horizon_years`.
- How long an effect lasts is **assumed, not measured**: the instrument has no measurement after the T1 (no T2).
  Duration and decay carry that uncertainty in the sensitivity and Monte Carlo analyses; the horizon is a fixed
  choice that must cover the longest duration in the range (the parameter file is refused otherwise), so it never
  cuts an effect off and has no tornado bar.

## Results

- **Saldo (NPV)** = present value of productivity and health − the variant's costs − present value of lost
  leisure. The reports lead with the saldo and the PM items, as CPB/PBL prefer. **B/C ratio** = benefits /
  costs, with lost leisure among the costs (its note says so). There is no internal rate of return: the flows
  of a cohort with its costs up front add nothing to the saldo and the break-even deadweight, and a rate for a
  partial cohort invites a false comparison with other projects.
- **Per participant** (kengetallen, divided by the cohort), compared like with like:
  - *Productiviteitsbaten per deelnemer*: the present value of productivity after deadweight and
    displacement, per participant. This is the figure set against the evaluation frame's EUR 1,000–3,000,
    which is a *benefit* "op basis van arbeidsproductiviteit, inkomensstijging" (`reference`
    `benefit_per_participant_low` / `_high`); the note says below, within or above the band and that it is a
    present value after deadweight and displacement.
  - *Bruto baten per deelnemer*: productivity and health; it includes health, so it is not set against the
    band (its note says so).
  - *Netto baten per deelnemer*: the saldo per participant. At trajectory level it is set against SEO 2013's
    net of about EUR 1,000 per participant of a six-month course (`reference` `seo_net_per_participant`; SEO:
    benefits about EUR 3,000, costs about EUR 2,000); at programme level its note says it does not compare
    (SEO counted no programme costs). Never against the frame's band.
  - *Kosten per deelnemer*: the variant's costs per participant.
- **GDP effect**: the cohort's yearly added value (productivity of its first full year, net of deadweight and
  displacement) as a share of `gdp`: the cohort so far, which its note says. The frame's 0.002% of GDP
  (about EUR 22 million a year, `reference` `gdp_share`) is the whole programme's (about 20 regions × 400
  participants), so the overview also projects the cohort's yearly added value *per participant* to the
  programme's planned intake (`planned_intake_programme`): *Toegevoegde waarde per jaar bij de geplande
  instroom (projectie)* = yearly added value / cohort × `planned_intake_programme`, and *Bbp-effect bij de
  geplande instroom (projectie)* = that / `gdp`, with the note "x% van het kader" (the projected share divided
  by the frame's share). The frame's share is a row of its own, so the reports take every figure from the
  table. Reports print shares of GDP in plain decimals, never in powers of ten.
- **Break-even deadweight**: the deadweight, the same for every group and benefit, at which the saldo is zero;
  none when the saldo is negative even at 0% deadweight, which the overview's note then says.
- **Distribution over actors**: deelnemer, werkgever, gemeente (bijstand and other municipal benefits saved,
  its share of the trajectory costs), UWV (WW and WIA/Wajong saved), rijksoverheid (taxes and premiums, the NGF
  budget, regional guidance and the NGF share of the trajectory costs at trajectory level), regional and national
  partners, O&O-fondsen, unknown payer, and PM rows for zorgverzekeraar and onderwijsinstellingen. The transfers
  cancel and the rest adds up to the saldo, in both variants (both are checks in Dagster).
- **Sensitivity**: per variant, one parameter at a time at its low and high end (tornado data), plus the
  scenario values listed for a parameter (the discount rate at 3% and 4.5%, continuation at 0.5 and 1).
- **Monte Carlo**: every varying parameter drawn from a triangular(low, value, high) distribution (or
  uniform where stated), 10,000 draws by default, seeded (same seed, same result); reported per variant as saldo
  percentiles and P(saldo > 0). The draws are shared by the regions and the variants, so the national
  distribution keeps their correlation.
- **Scenarios**: the Dagster launchpad takes `scenario`, `overrides` (parameter → value), `draws` and
  `seed` for `scba_month`; every table stores the scenario name and `scba_parameters` the values used (with the
  price year and the zichtjaar).
- **Disclosure**: every figure of a cohort smaller than {MIN_PARTICIPANTS} participants is left out of the stored
  tables, and so of the reports and exports: the overview keeps the row names, the notes and the cohort's size
  (which the KPI tables hold as well), flagged `suppress`; the distribution, sensitivity and Monte Carlo figures
  are empty. The checks run on the computed figures before that.
"""


EFFECTS = [
    ("Productivity", "welfare",
     "net change in paid hours per week (paid work with or without support; work lost counts against work "
     "gained) × the participant's gross hourly wage at T1 (else `hourly_wage`) × `weeks_per_year` × "
     "(1 + `employer_on_costs`) × (1 − the deadweight of the starting benefit) × (1 − `displacement`)"),
    ("Health", "welfare", "(participants with a higher gezondheid score − those with a lower) × `qaly_gain` × "
     "`qaly_value` × (1 − `deadweight_health`)"),
    ("Lost leisure", "welfare (cost)", "`leisure_share` × net wage of the gained hours: `leisure_share` × "
     "(1 − `tax_wedge`) × productivity"),
    ("Wages, taxes and premiums", "transfer", "productivity is paid out as wage costs: the participant receives "
     "(1 − `tax_wedge`), the government `tax_wedge`"),
    ("Benefits", "transfer", "(exits to none − entries from none) per benefit type × the yearly amount "
     "(`benefit_*`) × (1 − the deadweight of the starting benefit): the participant loses what the municipality "
     "(bijstand, other municipal benefits) or UWV (WW, WIA/Wajong) saves"),
    ("Social inclusion, certificates, basic skills", "PM", "not monetised; shown with their physical size"),
    ("Health-care costs (zorgverzekeraar), schools' costs and revenues beyond the catalogue price", "PM",
     "not measured"),
]


def render_scba_markdown() -> str:
    params = load_parameters(PARAMETERS_PATH)
    effects = "\n".join(["| Effect | Kind | Computed as |", "|---|---|---|",
                         *(f"| {name} | {kind} | {rule} |" for name, kind, rule in EFFECTS)])
    method = (METHOD.replace("{effects}", effects).replace("{price_year}", str(params.price_year))
              .replace("{zichtjaar}", str(params.zichtjaar)))
    lines = [method, "## Parameters", "",
             f"`config/scba_parameters.yaml`, version {params.version}, amounts in euro of {params.price_year}, "
             f"zichtjaar {params.zichtjaar}. Distribution `fixed`: a policy choice or a known amount, not varied in "
             "the Monte Carlo analysis.", "",
             "| Parameter | Name in the reports | Value | Low | High | Unit | Distribution | Source |",
             "|---|---|---|---|---|---|---|---|"]
    for p in params.parameters.values():
        scenarios = f" (scenarios {', '.join(f'{v:g}' for v in p.scenarios)})" if p.scenarios else ""
        nominal = f" (euro of {p.nominal_year})" if p.nominal_year else ""
        lines.append(f"| `{p.name}` | {cell(p.label)} | {p.value:g}{scenarios}{nominal} | {p.low:g} | {p.high:g} | "
                     f"{cell(p.unit)} | {p.distribution} | {cell(p.source)} |")
    lines += ["", "**Who pays the trajectory costs** (`trajectory_cost_payers`): "
              + ", ".join(f"{payer} {share:g}" for payer, share in params.payers.items())
              + f". Source: {params.payers_source}", "",
              f"**Price index** (`price_index`, {params.price_index_source}): "
              + ", ".join(f"{year} {index:.1f}" for year, index in params.price_index.items())
              + f" ({min(params.price_index)} = 100).", "",
              "Reference figures of the evaluation frame: "
              + ", ".join(f"`{k}` = {v:g}" for k, v in params.reference.items()) + ".", ""]
    for schema in (outputs.SCBA_OVERVIEW, outputs.SCBA_DISTRIBUTION, outputs.SCBA_SENSITIVITY,
                   outputs.SCBA_MONTE_CARLO, outputs.SCBA_PARAMETERS):
        lines += [f"## Table `{schema.name}`", "", *schema_table(schema), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
