"""`docs/kpi-definitions.md`, generated from the KPI definitions (`llo.monitor.kpi`), the trajectory rules
(`llo.monitor.trajectories`), the default targets (`config/targets.yaml`) and the table schemas
(`checks/outputs.py`)."""

from __future__ import annotations

from checks import outputs
from llo.markdown import cell, schema_table
from llo.monitor import breakdowns, kpi
from llo.monitor import trajectories as tr
from llo.monitor.targets import load_targets
from llo.settings import MIN_PARTICIPANTS, PROJECT_ROOT, SUSTAINABLE_WORK_HOURS

DOCS_PATH = PROJECT_ROOT / "docs" / "kpi-definitions.md"
TARGETS_PATH = PROJECT_ROOT / "config" / "targets.yaml"

INTRO = f"""# KPI definitions

> **Generated file, do not edit by hand.** It is rendered from `llo/monitor/kpi.py` (the KPIs),
> `llo/monitor/trajectories.py` (the participant rules), `config/targets.yaml` (the default targets) and
> `checks/outputs.py` (the tables). Regenerate it with `llo docs`; a test keeps it equal to the code.

## How a monthly figure is made

- **Peildatum**: every figure refers to the last day of a month. It is computed only from measurements
  whose meetdatum is on or before the peildatum, so recomputing (backfilling) a past month gives the same
  figures as long as no measurement of that month was delivered late. A late delivery changes the months
  it belongs to, and the check `cumulative_counts_never_decrease` points at months to recompute.
- **Trajectory**: one per participant with a valid nulmeting (T0) per region. Participant pseudonyms are
  keyed per region, so a person who moves region and starts again is a new participant there.
- **Status on the peildatum**: *gemeten* when a T1 is on or before the peildatum; *uitgevallen / geen
  eenmeting* when there is none and the peildatum is more than {tr.DROPOUT_MONTHS} months after the start of
  the trajectory; otherwise *lopend*. The T1 is planned {tr.T1_DUE_MONTHS} months after the start.
- **T1-based KPIs** count only participants whose T1 is on or before the peildatum; a T1 after it is
  treated as not yet taken.
- **Basis (n)**: each figure carries the number of participants (or trajectories) it rests on, and
  `share_of_basis` = value / n.
- **Disclosure control**: a figure about participants is flagged `suppress` (published as "<10") when its
  basis is below {MIN_PARTICIPANTS} participants, or when the count itself is between 1 and
  {MIN_PARTICIPANTS - 1}. The threshold is configurable per run (`Monitor.min_participants`).
- **Nation**: the sum over the regions active on the peildatum (counts, bases and targets); shares are
  recomputed from the sums. A region is active from the month of its first T0, or from `active_from` in the
  targets file.
"""


def _kpi_table(defaults: dict[str, int]) -> list[str]:
    lines = ["| Code | Name | Rule | Basis (n) | Cumulative | Read | Default target per region |",
             "|---|---|---|---|---|---|---|"]
    for k in kpi.KPIS:
        target = defaults.get(k.code, "—")
        lines.append(f"| {k.code} | {cell(k.label)} | {cell(k.rule)} | {k.basis} | "
                     f"{'yes' if k.cumulative else 'no'} | {k.headline} | {target} |")
    return lines


def _flag_table() -> list[str]:
    rules = {**tr.FLAGS, "duurzaam_werk": tr.FLAGS["duurzaam_werk"].replace(
        "(default 12)", f"(default {SUSTAINABLE_WORK_HOURS:g}, `Monitor.sustainable_work_hours`)")}
    return ["| Flag | Rule |", "|---|---|", *(f"| `{name}` | {cell(rule)} |" for name, rule in rules.items())]


def render_kpi_markdown() -> str:
    targets = load_targets(TARGETS_PATH, set(kpi.TARGETED))
    parts = [INTRO, "## KPIs", "",
             "K1–K6 are the output KPIs of the evaluation frame; D1–D9 are the descriptive figures that go with "
             "them. *Read* says whether the count (`aantal`) or `share_of_basis` (`aandeel`) is the figure. The "
             "reports print each rule in Dutch (`Kpi.regel`).", "",
             *_kpi_table(targets.defaults), "",
             "## A durable step (research question 2)", "",
             "Research question 2 asks whether the collectives offer a *durable* route into work or vocational "
             "education. From the instrument, a participant has taken a durable step at the eenmeting (T1) when "
             f"either holds: paid work, with or without support, for at least {SUSTAINABLE_WORK_HOURS:g} hours a week "
             "(`duurzaam_werk`, D2: hours this low are rarely a lasting job, and the threshold is configurable as "
             "`Monitor.sustainable_work_hours`), or entry into vocational education: no mbo at T0 and enrolled in mbo, "
             "or an mbo certificate or diploma, at T1 (`instroom_beroepsonderwijs`, D3). D9 counts the participants "
             "with either, once; the reports give it per route (D2 and D3) and per group. Durability is measured at "
             "one moment, eight months after the start: whether the job or the course lasts is not observed.", "",
             "## Targets", "",
             f"Default targets per region come from `config/targets.yaml` (version {targets.version}: "
             f"{targets.source}); a site copy in `$LLO_HOME/config/targets.yaml` takes precedence and may set "
             "other values per region. Every KPI row names its assumption in `target_source`; the national target "
             "is the sum over the active regions.", "",
             f"A region reaches its targets over `runtime_months` ({targets.runtime_months}) months from its start: "
             "its first nulmeting, or its `active_from` month when that is earlier. `target_pro_rata` is the part of "
             "the target due on the peildatum (target × months active / runtime, at most the target) and "
             "`share_of_target_pro_rata` the value against it, so regions that started years apart can be compared; "
             "the national figure is the sum over the regions.", "",
             "## Breakdowns", "",
             "`kpi_breakdown_month` (`llo.monitor.breakdowns`) gives, per peildatum, region and the nation, the "
             "counts of " + ", ".join(breakdowns.MEASURES) + " with their basis and the mean change of "
             + ", ".join(breakdowns.CHANGES) + " per group of each dimension: " + "; ".join(
                 f"`{name}` ({label})" for name, label in breakdowns.DIMENSIONS.items()) + ". Age bands "
             "come from the year of birth at the nulmeting (" + ", ".join(b[2] for b in breakdowns.AGE_BANDS)
             + "); the phase from `llo.regions.PILOTS`. The groups of each dimension add up to the KPI tables "
             "(asset check `groups_add_up_to_the_kpis`); the reports apply the disclosure threshold per cell.", "",
             "## Participant flags", "",
             "Derived per trajectory from the T0 and the T1; empty without a T1. Work situations are ordered "
             f"{' < '.join(tr.WORK)}; reference levels {' < '.join(tr.LEVEL_RANK)}.", "",
             *_flag_table(), "",
             "## Change scores", "",
             "For participants measured on or before the peildatum, per region and nationally, for "
             + ", ".join(f"`{s}`" for s in tr.SCORES) + ": the paired change T1 − T0 (reference levels as "
             "ranks 0–3), its mean with a 95% confidence interval from the t distribution (n − 1 degrees of "
             "freedom), and Cohen's d_z (mean change / standard deviation of the change). Rows resting on fewer "
             f"than {MIN_PARTICIPANTS} participants are flagged `suppress`.", ""]
    for schema in (outputs.TRAJECTORIES, outputs.KPI_REGION_MONTH, outputs.KPI_NATIONAL_MONTH,
                   outputs.CHANGE_SCORES_MONTH, outputs.KPI_BREAKDOWN_MONTH, outputs.REGION_CONTEXT):
        parts += [f"## Table `{schema.name}`", "", *schema_table(schema), ""]
    return "\n".join(parts).rstrip("\n") + "\n"
