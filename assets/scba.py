"""SCBA assets: the parameter file, and per month (peildatum = last day) the social cost-benefit analysis of
every region and the nation (llo.scba.model, llo.scba.tables), written in one transaction per month and scenario."""

import dagster as dg

from checks import kpi_checks, scba_checks
from pipelines.partitions import month_partitions
from pipelines.resources import Monitor, Warehouse

GROUP, OWNERS, KINDS = "scba", ["team:research"], {"pandas", "numpy", "sqlalchemy"}


class ScbaRun(dg.Config):
    """A scenario: other parameter values without editing the file; outputs are stored under its name."""

    scenario: str = "basis"
    overrides: dict[str, float] = {}
    draws: int = 10_000
    seed: int = 2025


@dg.asset(group_name=GROUP, kinds={"yaml"}, owners=OWNERS, check_specs=scba_checks.PARAMETER_CHECKS,
          description="The SCBA parameters (config/scba_parameters.yaml, or a site copy in LLO_HOME/config): "
                      "value, unit, source, range and distribution of each.")
def scba_parameter_file(context: dg.AssetExecutionContext, monitor: Monitor):
    import pandas as pd

    from assets.metadata import frame_schema, markdown_table
    from llo.scba.tables import parameter_rows
    from llo.settings import ConfigurationError

    path = monitor.scba_parameters_file()
    try:
        params, error = monitor.scba_parameters(), None
    except ConfigurationError as problem:
        params, error = None, str(problem)
    table = pd.DataFrame(parameter_rows(params)) if params else pd.DataFrame()
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": len(table), "dagster/column_schema": frame_schema(table),
        "path": dg.MetadataValue.path(str(path)), "version": params.version if params else "-",
        "price_year": params.price_year if params else 0,
        "parameters": dg.MetadataValue.md(markdown_table(table, 40))})
    yield dg.AssetCheckResult(check_name=scba_checks.PARAMETER_FILE_VALID, passed=error is None,
                              description=error or f"{len(table)} parameters valid ({path.name})")


ALL_REGIONS = dg.AllPartitionMapping()
SPECS = [
    dg.AssetSpec("scba_overview", group_name=GROUP, kinds=KINDS, owners=OWNERS,
                 deps=[dg.AssetDep("trajectories", partition_mapping=ALL_REGIONS), "scba_parameter_file"],
                 description="SCBA overview per region and nationally, in two variants (trajectory level: the "
                             "marginal costs per participant; programme level: the NGF budget and partners' effort "
                             "by the allocation key): benefits (productivity, health), costs, saldo (NPV), B/C "
                             "ratio, break-even deadweight, the continuation scenario, PM rows, the productivity "
                             "benefit per participant against the frame's EUR 1,000-3,000, the net per participant "
                             "against SEO 2013, the GDP effect of the cohort and projected to the planned intake. "
                             "Figures of a cohort below the disclosure threshold are not stored."),
    dg.AssetSpec("scba_distribution", group_name=GROUP, kinds=KINDS, owners=OWNERS, deps=["scba_overview"],
                 description="Effects by actor and variant (participant, employer, municipality, UWV, central "
                             "government, partners, the payers of the trajectory costs; PM rows for the health "
                             "insurer and schools); transfers cancel out, the rest adds up to the saldo."),
    dg.AssetSpec("scba_sensitivity", group_name=GROUP, kinds=KINDS, owners=OWNERS, deps=["scba_overview"],
                 description="One-way sensitivity per variant: the saldo with each parameter at its low and high "
                             "end (tornado data), and the scenarios (discount rate, continuation)."),
    dg.AssetSpec("scba_monte_carlo", group_name=GROUP, kinds=KINDS, owners=OWNERS, deps=["scba_overview"],
                 description="Monte Carlo per variant over every varying parameter, the allocation key included "
                             "(seeded): saldo percentiles and P(saldo > 0)."),
    dg.AssetSpec("scba_parameters", group_name=GROUP, kinds=KINDS, owners=OWNERS, deps=["scba_parameter_file"],
                 description="The parameter values each month and scenario was computed with."),
]


@dg.multi_asset(name="scba_month", specs=SPECS, check_specs=scba_checks.SCBA_CHECKS, partitions_def=month_partitions,
                backfill_policy=dg.BackfillPolicy.single_run())
def scba_month(context: dg.AssetExecutionContext, config: ScbaRun, warehouse: Warehouse, monitor: Monitor):
    """The SCBA tables of the months in this run, for the scenario in the run config."""
    from assets.metadata import column_schema, markdown_table
    from checks.outputs import SCHEMAS
    from llo import warehouse as wh
    from llo.monitor import kpi
    from llo.scba import model as scba
    from llo.scba.tables import (
        NET_PER_PARTICIPANT,
        PRODUCTIVITY_PER_PARTICIPANT,
        SALDO,
        suppress_small_cohorts,
        tables_from_effects,
    )

    engine = warehouse.engine()
    params = monitor.scba_parameters().with_overrides(config.overrides)
    targets = monitor.targets()
    peildata = [kpi.month_end(key) for key in context.partition_keys]
    parts = region_effects(engine, peildata)
    effects = parts.frame
    planned = {region: targets.target(region, "K1")[0] for region in sorted(set(effects.index))}
    default_planned = targets.defaults.get("K1")
    without = [region for region, target in planned.items() if not target]
    if without:  # charged per participant at the default K1 (llo.scba.model.programme_share); the overview says so
        context.log.warning(f"SCBA: no K1 target for {', '.join(without)}; their NGF programme costs are charged per "
                            f"participant at the default K1 ({default_planned})")
    computed = tables_from_effects(effects, peildata, params, planned, config.scenario, config.draws, config.seed,
                                   default_planned)
    # Stored and exported without the figures of cohorts below the disclosure threshold; checked before that.
    tables = {name: SCHEMAS[name].validate(frame)
              for name, frame in suppress_small_cohorts(computed, monitor.min_participants).items()}
    by_name = {t.name: t for t in (wh.SCBA_OVERVIEW, wh.SCBA_DISTRIBUTION, wh.SCBA_SENSITIVITY, wh.SCBA_MONTE_CARLO,
                                   wh.SCBA_PARAMETERS)}
    wh.replace_rows(engine, {by_name[name]: frame for name, frame in tables.items()}, "peildatum", peildata,
                    scenario=config.scenario)
    months = f"{peildata[0].date()} .. {peildata[-1].date()}" if len(peildata) > 1 else str(peildata[0].date())
    overrides = ", ".join(f"{k}={v}" for k, v in sorted(config.overrides.items())) or "none"
    context.log.info(f"Regions: {parts.describe()}")
    context.log.info(f"SCBA '{config.scenario}' for {months}; overrides: {overrides}; {config.draws} draws, "
                     f"seed {config.seed}")

    overview = tables["scba_overview"]
    national = overview[(overview["peildatum"] == peildata[-1]) & (overview["region"] == kpi.NATIONAL)]
    mc = tables["scba_monte_carlo"]
    mc_last = mc[(mc["peildatum"] == peildata[-1]) & (mc["region"] == kpi.NATIONAL)].set_index("variant")
    headline = {}
    if len(peildata) == 1 and len(national) and not national["suppress"].any():  # see assets/kpi.py: one month only
        for variant in scba.VARIANTS:
            last = national[national["variant"] == variant].set_index("item")
            headline |= {f"{variant}_{name}": dg.MetadataValue.float(float(value)) for name, value in {
                "npv_eur": last.at[SALDO, "value"], "bc_ratio": last.at["Baten/kosten-verhouding", "value"],
                "net_benefit_per_participant": last.at[NET_PER_PARTICIPANT, "value"],
                "p_npv_positive": mc_last.at[variant, "p_npv_positive"]}.items()}
        headline["productivity_benefit_per_participant"] = dg.MetadataValue.float(float(national.set_index(
            ["variant", "item"]).at[(scba.TRAJECTORY, PRODUCTIVITY_PER_PARTICIPANT), "value"]))
    common = {"peildata": months, "scenario": config.scenario, "overrides": overrides,
              "regions_computed": len(parts.computed), "regions_kept": len(parts.kept),
              "parameters": f"{params.path} (version {params.version}, price year {params.price_year})"}
    for name, frame in tables.items():
        extra = headline if name == "scba_overview" else {}
        if name == "scba_overview" and len(national):
            extra = {**extra, "national": dg.MetadataValue.md(markdown_table(
                national[["variant", "section", "item", "quantity", "value", "value_unit", "note"]], 80))}
        yield dg.MaterializeResult(asset_key=name, metadata={
            "dagster/row_count": len(frame), "dagster/column_schema": column_schema(by_name[name]), **common,
            **extra})

    distribution = computed["scba_distribution"]  # the checks hold every cohort, also those not published
    yield kpi_checks.result(scba_checks.TRANSFERS_CANCEL, "scba_distribution",
                            scba_checks.transfers_not_cancelling(distribution),
                            "transfers sum to zero for every region, month and variant",
                            "{n} region-months where transfers do not cancel")
    yield kpi_checks.result(scba_checks.DISTRIBUTION_ADDS_UP, "scba_distribution",
                            scba_checks.distribution_not_saldo(distribution, computed["scba_overview"]),
                            "the actors' effects add up to the saldo in both variants",
                            "{n} region-months do not add up")
    yield kpi_checks.result(scba_checks.MONTE_CARLO_NEAR, "scba_monte_carlo",
                            scba_checks.monte_carlo_far(computed["scba_monte_carlo"]),
                            "the median of the draws lies near the deterministic saldo everywhere",
                            "{n} region-months with the median far from the estimate",
                            severity=dg.AssetCheckSeverity.WARN)


def region_effects(engine, peildata: list):
    """Each region's SCBA effects on the peildata (llo.monitor.region_results): kept where still true, otherwise
    computed from the region's trajectories."""
    from llo import warehouse as wh
    from llo.fingerprints import code_version
    from llo.monitor import region_results
    from llo.monitor import trajectories as tr
    from llo.scba import model as scba
    from llo.scba import tables as scba_tables

    def compute(regions, days):
        return scba_tables.region_effects(wh.read_typed(engine, wh.TRAJECTORIES, columns=scba.EFFECT_COLUMNS,
                                                        where=wh.TRAJECTORIES.c.regio.in_(regions)), days, regions)

    code = code_version(scba, tr, scba_tables, region_results)
    return region_results.region_results(engine, "scba_month", code, peildata, compute)
