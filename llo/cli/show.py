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
def show_kpi(month: str, region: str) -> None:
    """Print the KPI table of a month from the warehouse."""
    click.echo(kpi_table_text(month, region))


def kpi_table_text(month: str = "", region: str = "") -> str:
    import pandas as pd

    from llo import warehouse as wh

    engine = wh.engine_for(settings.warehouse_url())
    table = wh.KPI_REGION_MONTH if region else wh.KPI_NATIONAL_MONTH
    rows = wh.read_typed(engine, table, region or None)
    day, rows = one_month(rows, month, f"KPI rows{' for ' + region if region else ''}")
    hide = rows["suppress"].to_numpy()  # disclosure control: a suppressed row shows only its basis

    def cells(values, fmt=str, hidden_as=""):
        return [hidden_as if hidden else "" if pd.isna(v) else fmt(v) for v, hidden in zip(values, hide, strict=True)]

    shown = pd.DataFrame({
        "kpi": rows["kpi"].to_numpy(), "naam": rows["label"].str.slice(0, 44).to_numpy(),
        "waarde": cells(rows["value"], hidden_as="<10"), "deze maand": cells(rows["value_month"]),
        "n": rows["n_basis"].to_numpy(), "aandeel": cells(rows["share_of_basis"], "{:.0%}".format),
        "target": rows["target"].astype(object).fillna("").to_numpy(),
        "% target": cells(rows["share_of_target"], "{:.0%}".format)})
    title = f"KPIs {region or 'nationaal'} op peildatum {day.date()} ({rows['target_source'].iloc[0]})"
    return title + "\n" + shown.to_string(index=False)


@click.command("scba")
@click.option("--month", default="", metavar="YYYY-MM", help="Peildatum month (default: the latest computed).")
@click.option("--region", default="nationaal", show_default=True, help="A region slug, or nationaal.")
@click.option("--scenario", default="basis", show_default=True)
def show_scba(month: str, region: str, scenario: str) -> None:
    """Print the SCBA overview of a month from the warehouse."""
    click.echo(scba_table_text(month, region, scenario))


def scba_table_text(month: str = "", region: str = "nationaal", scenario: str = "basis") -> str:
    import pandas as pd

    from llo import warehouse as wh

    engine = wh.engine_for(settings.warehouse_url())
    rows = wh.read_typed(engine, wh.SCBA_OVERVIEW, where=(wh.SCBA_OVERVIEW.c.region == region)
                         & (wh.SCBA_OVERVIEW.c.scenario == scenario))
    day, rows = one_month(rows, month, f"SCBA rows for {region} / scenario {scenario}")
    if rows["suppress"].any():
        return f"SCBA {region} {day.date()}: cohort below the disclosure threshold, not shown"

    def amount(value, unit) -> str:
        if pd.isna(value):
            return ""
        if unit == "euro":
            return f"{value:,.0f}".replace(",", ".")
        return f"{value:.2f}" if unit == "ratio" else f"{value:.2e}" if unit == "aandeel bbp" else f"{value:.1%}"

    shown = pd.DataFrame({
        "": rows["section"].to_numpy(), "post": rows["item"].str.slice(0, 48).to_numpy(),
        "omvang": [("" if pd.isna(q) else f"{q:,.0f}".replace(",", ".")) for q in rows["quantity"]],
        "waarde": [amount(v, u) for v, u in zip(rows["value"], rows["value_unit"], strict=True)],
        "per deelnemer": [amount(v, "euro") for v in rows["per_participant"]],
        "toelichting": rows["note"].fillna("").str.slice(0, 70).to_numpy()})
    return f"MKBA {region}, scenario {scenario}, peildatum {day.date()} (euro, contante waarde)\n" + \
        shown.to_string(index=False)
