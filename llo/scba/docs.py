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
(the economic effect) per region and nationally, per month (peildatum = last day of the month).

## What is compared

- **Project alternative**: the LLO Collectief as measured. **Nulalternatief**: what would have happened
  anyway; it enters as `deadweight`, the share of every measured effect that would have occurred without
  the programme. A pre/post design without a control group does not identify deadweight, so it is an
  explicit assumption with a wide range, and the overview reports the *break-even deadweight* (the
  deadweight at which the saldo is zero).
- **Cohort**: on a peildatum, the participants whose trajectory is finished: with a T1 (*gemeten*) or
  overdue without one (*uitgevallen*). Dropouts carry their costs and no measured effect. Running
  participants are left out until their T1 is due, so costs and effects refer to the same people.

## Effects (yearly, in year 0)

{{effects}}

Income gains that run via health are not counted twice: health is valued by QALYs only.

## Costs (year 0, undiscounted)

- **NGF programme costs**, allocated to the cohort by the **allocation key** cohort / planned participants
  (the region's K1 target from the targets file), times the region's budget. Budget: a region's own amount
  in the parameter file, else `programme_cost_pilots` / {len(scba.PILOTS)} for the pilots ({", ".join(scba.PILOTS)})
  and `programme_cost_scale_up` / `scale_up_regions` for the other regions.
  - **The share is at most 1**: the budget is spent once, so a region whose cohort outgrows its K1 target
    carries its whole budget and no more (600 participants against a K1 of 400 carry the budget, not 1.5
    times it). The overview's note on the programme costs says when this happened (nationally: in how many
    regions).
  - **A region without a K1 target** (none in the targets file, or 0) is charged per participant at the
    **default K1** of the targets file (`defaults.K1`): cohort / default K1 × its budget, not its whole
    budget over its first participants. The overview's note on the programme costs says so, and the Dagster
    run logs a warning naming the regions. Without a default K1 either, the run stops with an error.
- **Trajectory costs** from the regions' catalogues (cost per participant of each participant's
  trajectory) × `trajectory_costs_additional` (the share not already paid from the NGF budget).

## Time, discounting and results

- Effects start in **year 0** (the year of the T1) and are **not discounted in year 0**; year t is
  discounted by 1 / (1 + `discount_rate`)^t (numpy-financial's `npv` convention, not Excel's `NPV`, which
  starts at t = 1). An effect lasts `effect_duration_years` (a fractional last year counts pro rata),
  shrinks by `annual_decay` per year and ends at `horizon_years`. How long an effect lasts is **assumed, not
  measured**: the instrument has no measurement after the T1 (no T2). Duration and decay carry that uncertainty
  in the sensitivity and Monte Carlo analyses; the horizon is a fixed choice that must cover the longest duration
  in the range (the parameter file is refused otherwise), so it never cuts an effect off and has no tornado bar.
- **Saldo (NPV)** = present value of productivity and health − programme and trajectory costs − present
  value of lost leisure. **B/C ratio** = benefits / costs. **Internal rate of return**: the rate at which
  the yearly net flows (costs in year 0) have a zero present value, where the flows change sign.
- **Per participant** (kengetallen, divided by the cohort), compared like with like:
  - *Productiviteitsbaten per deelnemer*: the present value of productivity after deadweight and
    displacement, per participant. This is the figure set against the evaluation frame's EUR 1,000–3,000,
    which is a *benefit* "op basis van arbeidsproductiviteit, inkomensstijging" (`reference`
    `benefit_per_participant_low` / `_high`); the note says below, within or above the band and that it is a
    present value after deadweight and displacement.
  - *Bruto baten per deelnemer*: productivity and health; it includes health, so it is not set against the
    band (its note says so).
  - *Netto baten per deelnemer*: the saldo per participant, set against SEO 2013's net of about EUR 1,000
    per participant of a six-month course (`reference` `seo_net_per_participant`; SEO: benefits about
    EUR 3,000, costs about EUR 2,000), never against the frame's band.
- **GDP effect**: the cohort's yearly added value (productivity in year 0, net of deadweight and
  displacement) as a share of `gdp`: the cohort so far, which its note says. The frame's 0.002% of GDP
  (about EUR 22 million a year, `reference` `gdp_share`) is the whole programme's (about 20 regions × 400
  participants), so the overview also projects the cohort's yearly added value *per participant* to the
  programme's planned intake (`planned_intake_programme`): *Toegevoegde waarde per jaar bij de geplande
  instroom (projectie)* = yearly added value / cohort × `planned_intake_programme`, and *Bbp-effect bij de
  geplande instroom (projectie)* = that / `gdp`, with the note "x% van het kader" (the projected share divided
  by the frame's share). The frame's share is a row of its own, so the reports take every figure from the
  table. Reports print shares of GDP in plain decimals, never in powers of ten.
- **Break-even deadweight**: the deadweight at which the saldo is zero; none when the saldo is negative even
  at 0% deadweight, which the overview's note then says.
- **Distribution over actors**: participant, employer, municipality/UWV, central government; the
  transfers cancel, the rest adds up to the saldo (both are checks in Dagster).
- **Sensitivity**: one parameter at a time at its low and high end (tornado data), plus the scenario
  values listed for a parameter (the discount rate at 3% and 4.5%).
- **Monte Carlo**: every varying parameter drawn from a triangular(low, value, high) distribution (or
  uniform where stated), 10,000 draws by default, seeded (same seed, same result); reported as saldo
  percentiles and P(saldo > 0). The draws are shared by the regions, so the national distribution keeps
  their correlation.
- **Scenarios**: the Dagster launchpad takes `scenario`, `overrides` (parameter → value), `draws` and
  `seed` for `scba_month`; every table stores the scenario name and `scba_parameters` the values used.
- **Disclosure**: rows of a cohort smaller than {MIN_PARTICIPANTS} participants are flagged `suppress`.
"""


EFFECTS = [
    ("Productivity", "welfare",
     "net change in paid hours per week (paid work with or without support; work lost counts against work "
     "gained) × the participant's gross hourly wage at T1 (else `hourly_wage`) × `weeks_per_year` × "
     "(1 + `employer_on_costs`) × (1 − `deadweight`) × (1 − `displacement`)"),
    ("Health", "welfare", "(participants with a higher gezondheid score − those with a lower) × `qaly_gain` × "
     "`qaly_value` × (1 − `deadweight`)"),
    ("Lost leisure", "welfare (cost)", "`leisure_share` × net wage of the gained hours: `leisure_share` × "
     "(1 − `tax_wedge`) × productivity"),
    ("Wages, taxes and premiums", "transfer", "productivity is paid out as wage costs: the participant receives "
     "(1 − `tax_wedge`), the government `tax_wedge`"),
    ("Benefits", "transfer", "(exits − entries) per benefit type × the yearly amount (`benefit_*`) × "
     "(1 − `deadweight`): the participant loses what the municipality (bijstand) or UWV (WW, WIA/Wajong) saves"),
    ("Social inclusion, certificates, basic skills, health-care costs", "PM",
     "not monetised; shown with their physical size"),
]


def render_scba_markdown() -> str:
    params = load_parameters(PARAMETERS_PATH)
    effects = "\n".join(["| Effect | Kind | Computed as |", "|---|---|---|",
                         *(f"| {name} | {kind} | {rule} |" for name, kind, rule in EFFECTS)])
    lines = [METHOD.replace("{effects}", effects), "## Parameters", "",
             f"`config/scba_parameters.yaml`, version {params.version}, amounts in euro of {params.price_year}. "
             "Distribution `fixed`: a policy choice, not varied in the Monte Carlo analysis.", "",
             "| Parameter | Value | Low | High | Unit | Distribution | Source |", "|---|---|---|---|---|---|---|"]
    for p in params.parameters.values():
        scenarios = f" (scenarios {', '.join(f'{v:g}' for v in p.scenarios)})" if p.scenarios else ""
        lines.append(f"| `{p.name}` | {p.value:g}{scenarios} | {p.low:g} | {p.high:g} | {cell(p.unit)} | "
                     f"{p.distribution} | {cell(p.source)} |")
    lines += ["", "Reference figures of the evaluation frame: "
              + ", ".join(f"`{k}` = {v:g}" for k, v in params.reference.items()) + ".", ""]
    for schema in (outputs.SCBA_OVERVIEW, outputs.SCBA_DISTRIBUTION, outputs.SCBA_SENSITIVITY,
                   outputs.SCBA_MONTE_CARLO, outputs.SCBA_PARAMETERS):
        lines += [f"## Table `{schema.name}`", "", *schema_table(schema), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
