"""`llo kpi` and `llo scba`: a month's KPI table and SCBA overview from the warehouse, as text."""

from __future__ import annotations

import click

from llo import settings


def one_month(rows, month: str, what: str):
    """The peildatum asked for (default: the latest stored) and its rows, or a message saying what to run."""
    from llo.monitor.kpi import month_end

    if rows.empty:
        raise click.ClickException(f"no {what}: run `llo materialize` first")
    day = month_end(month) if month else rows["peildatum"].max()
    if not (rows["peildatum"] == day).any():
        raise click.ClickException(f"no {what} on {day.date()}: run `llo materialize --months {day:%Y-%m}`")
    return day, rows[rows["peildatum"] == day]


@click.command("kpi")
@click.option("--month", default="", metavar="YYYY-MM", help="Peildatum month (default: the latest computed).")
@click.option("--region", default="", help="A region slug (default: the nation).")
@click.option("--as-delivered-on", "delivered", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Compute the table from the rows as they had been delivered by the end of this day (before later "
                   "corrections), to trace a figure published then.")
def show_kpi(month: str, region: str, delivered) -> None:
    """Print the KPI table of a month from the warehouse."""
    click.echo(kpi_table_text(month, region, delivered))


def kpi_table_text(month: str = "", region: str = "", delivered=None) -> str:
    import pandas as pd

    from llo import warehouse as wh

    engine = wh.engine_for(settings.warehouse_url())
    table = wh.KPI_REGION_MONTH if region else wh.KPI_NATIONAL_MONTH
    rows = wh.read_typed(engine, table, region or None)
    day, rows = one_month(rows, month, f"KPI rows{' for ' + region if region else ''}")
    if delivered is not None:
        rows = as_delivered_rows(engine, day, pd.Timestamp(delivered), region)
    hide = rows["suppress"].to_numpy()  # disclosure control: a suppressed row shows only its basis

    def cells(values, fmt=str, hidden_as=""):
        return [hidden_as if hidden else "" if pd.isna(v) else fmt(v) for v, hidden in zip(values, hide, strict=True)]

    shown = pd.DataFrame({
        "kpi": rows["kpi"].to_numpy(), "naam": rows["label"].str.slice(0, 44).to_numpy(),
        "waarde": cells(rows["value"], hidden_as="<10"), "deze maand": cells(rows["value_month"]),
        "n": rows["n_basis"].to_numpy(), "aandeel": cells(rows["share_of_basis"], "{:.0%}".format),
        "target": rows["target"].astype(object).fillna("").to_numpy(),
        "% target": cells(rows["share_of_target"], "{:.0%}".format)})
    title = f"KPIs {region or 'nationaal'} op peildatum {day.date()} ({rows['target_source'].iloc[0]})" + (
        f", zoals aangeleverd tot en met {delivered:%Y-%m-%d}" if delivered is not None else "")
    return title + "\n" + shown.to_string(index=False)


def as_delivered_rows(engine, peildatum, delivered, region: str = ""):
    """The KPI rows of the peildatum computed from the versions current at the end of `delivered` (the settings'
    default rules and threshold, the stored region context)."""
    import pandas as pd

    from llo import warehouse as wh
    from llo.intake.versions import as_delivered_on
    from llo.monitor import kpi
    from llo.monitor import trajectories as tr
    from llo.monitor.targets import load_targets

    log = wh.read_table(engine, wh.INGEST_LOG, columns=["region", "file", "received_at"])
    measurements = as_delivered_on(wh.read_typed(engine, wh.MEASUREMENTS),
                                   wh.read_typed(engine, wh.MEASUREMENT_VERSIONS), log, delivered)
    catalogue = as_delivered_on(wh.read_typed(engine, wh.TRAJECTORY_CATALOGUE),
                                wh.read_typed(engine, wh.CATALOGUE_VERSIONS), log, delivered)
    if measurements.empty:
        raise click.ClickException(f"nothing had been delivered by {delivered:%Y-%m-%d}")
    derived = [tr.as_of(tr.derive(rows, catalogue[catalogue["regio"] == name], settings.SUSTAINABLE_WORK_HOURS),
                        rows["meetdatum"].max()) for name, rows in measurements.groupby("regio")]
    targets = load_targets(settings.config_file("targets.yaml"), set(kpi.TARGETED))
    regional = kpi.region_month_table(pd.concat(derived, ignore_index=True), catalogue, [peildatum], targets,
                                      wh.read_typed(engine, wh.REGION_CONTEXT), settings.MIN_PARTICIPANTS)
    if region:
        return regional[regional["region"] == region].reset_index(drop=True)
    return kpi.national_month_table(regional, settings.MIN_PARTICIPANTS)


@click.command("scba")
@click.option("--month", default="", metavar="YYYY-MM", help="Peildatum month (default: the latest computed).")
@click.option("--region", default="nationaal", show_default=True, help="A region slug, or nationaal.")
@click.option("--scenario", default="basis", show_default=True)
def show_scba(month: str, region: str, scenario: str) -> None:
    """Print the SCBA overview of a month from the warehouse."""
    click.echo(scba_table_text(month, region, scenario))


def scba_table_text(month: str = "", region: str = "nationaal", scenario: str = "basis") -> str:
    """Both variants of the overview, programme level first."""
    from llo import warehouse as wh

    engine = wh.engine_for(settings.warehouse_url())
    rows = wh.read_typed(engine, wh.SCBA_OVERVIEW, where=(wh.SCBA_OVERVIEW.c.region == region)
                         & (wh.SCBA_OVERVIEW.c.scenario == scenario))
    day, rows = one_month(rows, month, f"SCBA rows for {region} / scenario {scenario}")
    if rows["suppress"].any():
        return f"SCBA {region} {day.date()}: cohort below the disclosure threshold, not shown"
    return "\n\n".join(_variant_text(rows[rows["variant"] == variant], region, scenario, day)
                        for variant in ("programma", "traject"))


def _variant_text(rows, region: str, scenario: str, day) -> str:
    import pandas as pd

    from llo.dutch_numbers import small_percent
    from llo.scba.model import VARIANTS

    def amount(value, unit) -> str:
        if pd.isna(value):
            return ""
        if unit == "euro":
            return f"{value:,.0f}".replace(",", ".")
        return f"{value:.2f}" if unit == "ratio" else small_percent(value) if unit == "aandeel bbp" else f"{value:.1%}"

    shown = pd.DataFrame({
        "": rows["section"].to_numpy(), "post": rows["item"].str.slice(0, 48).to_numpy(),
        "omvang": [("" if pd.isna(q) else f"{q:,.0f}".replace(",", ".")) for q in rows["quantity"]],
        "waarde": [amount(v, u) for v, u in zip(rows["value"], rows["value_unit"], strict=True)],
        "per deelnemer": [amount(v, "euro") for v in rows["per_participant"]],
        "toelichting": rows["note"].fillna("").str.slice(0, 70).to_numpy()})
    variant = VARIANTS.get(rows["variant"].iloc[0], "") if len(rows) else ""
    return (f"MKBA {region}, {variant}, scenario {scenario}, peildatum {day.date()} (euro, contante waarde)\n"
            + shown.to_string(index=False))
