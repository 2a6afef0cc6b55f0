"""What a report reads: the warehouse rows of one month, for one region or the nation. Reports read nothing else."""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from llo import warehouse as wh
from llo.monitor.kpi import NATIONAL, month_end
from llo.regions import region_name

# What the reports show of the participants: their work at T0 and T1, counted in the database.
WORK_SITUATIONS = ["arbeidssituatie_t0", "arbeidssituatie_t1"]


def regions_with_figures(warehouse_url: str, month: str) -> list[str]:
    """The regions with KPI rows for the month: each gets a regional report."""
    import sqlalchemy as sa

    table = wh.KPI_REGION_MONTH
    engine = wh.engine_for(warehouse_url)
    if not sa.inspect(engine).has_table(table.name):
        return []
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table.c.region).distinct().where(
            table.c.peildatum == month_end(month).date()).order_by(table.c.region)).scalars())


def has_figures(warehouse_url: str, month: str, region: str | None = None) -> bool:
    """Whether the warehouse holds KPI rows for the month (and region): a report needs them."""
    import sqlalchemy as sa

    table = wh.KPI_REGION_MONTH if region else wh.KPI_NATIONAL_MONTH
    engine = wh.engine_for(warehouse_url)
    if not sa.inspect(engine).has_table(table.name):
        return False
    where = table.c.peildatum == month_end(month).date()
    if region:
        where &= table.c.region == region
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one() > 0


def keep_first_publication(warehouse_url: str, month: str, region: str | None, when) -> bool:
    """Record the report's headline KPIs as published now, unless it was published before (the first publication
    is the one a revision compares with). Whether it was the first."""
    import sqlalchemy as sa

    from llo.monitor.kpi import TARGETED

    engine, table = wh.engine_for(warehouse_url), wh.PUBLISHED_FIGURES
    day, report = month_end(month).date(), region or NATIONAL
    wh.create_tables(engine)
    with engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(table).where(
                (table.c.peildatum == day) & (table.c.report == report))).scalar_one():
            return False
    source = wh.KPI_REGION_MONTH if region else wh.KPI_NATIONAL_MONTH
    where = source.c.peildatum == day
    if region:
        where &= source.c.region == region
    rows = wh.read_table(engine, source, where=where, columns=["kpi", "value", "n_basis"])
    rows = rows[rows["kpi"].isin(TARGETED)].assign(peildatum=month_end(month), report=report, published_at=when)
    wh.append_rows(engine, table, rows)
    return True


class ReportData:
    """The warehouse seen from one report: peildatum = last day of `month`; `region` None is the nation."""

    def __init__(self, warehouse_url: str, month: str, region: str | None = None, scenario: str = "basis"):
        self.engine = wh.engine_for(warehouse_url)
        self.peildatum = month_end(month)
        self.region, self.scenario = region or None, scenario
        self.key = self.region or NATIONAL
        self._scba: dict[str, pd.DataFrame] = {}
        self.name = region_name(self.region) if self.region else "Nederland (alle actieve regio's)"
        if self.kpi.empty:
            raise LookupError(f"no KPI rows for {self.key} on {self.peildatum.date()} in the warehouse: run "
                              f"`llo materialize --months {self.peildatum:%Y-%m}` first")

    def _on_day(self, table, **equal) -> pd.DataFrame:
        where = table.c.peildatum == self.peildatum.date()
        for column, value in equal.items():
            where &= table.c[column] == value
        return wh.read_typed(self.engine, table, where=where).reset_index(drop=True)

    @cached_property
    def kpi_history(self) -> pd.DataFrame:
        """The KPI rows of every stored month up to the peildatum."""
        if self.region:
            table, where = wh.KPI_REGION_MONTH, wh.KPI_REGION_MONTH.c.region == self.region
        else:
            table, where = wh.KPI_NATIONAL_MONTH, None
        rows = wh.read_typed(self.engine, table, where=where)
        return rows[rows["peildatum"] <= self.peildatum].reset_index(drop=True)

    @cached_property
    def kpi(self) -> pd.DataFrame:
        return self.kpi_history[self.kpi_history["peildatum"] == self.peildatum].reset_index(drop=True)

    @cached_property
    def kpi_regions(self) -> pd.DataFrame:
        """Every active region's KPI rows on the peildatum."""
        return self._on_day(wh.KPI_REGION_MONTH)

    @cached_property
    def kpi_before(self) -> pd.DataFrame:
        """The KPI rows of the month before the peildatum (empty when that month was not computed)."""
        before = month_end(pd.Period(self.peildatum, "M") - 1)
        return self.kpi_history[self.kpi_history["peildatum"] == before].reset_index(drop=True)

    @cached_property
    def breakdown(self) -> pd.DataFrame:
        """The KPIs and mean changes per group (llo.monitor.breakdowns) of the region or the nation."""
        return self._on_day(wh.KPI_BREAKDOWN_MONTH, region=self.key)

    @cached_property
    def change_scores(self) -> pd.DataFrame:
        return self._on_day(wh.CHANGE_SCORES_MONTH, region=self.key)

    @cached_property
    def work_situations(self) -> pd.DataFrame:
        """The participants measured on the peildatum (status gemeten: T0 and T1 on or before it), counted per
        work situation at T0 and at T1 (`rows`)."""
        table, day = wh.TRAJECTORIES, self.peildatum.date()
        where = (table.c.meetdatum_t0 <= day) & (table.c.meetdatum_t1 <= day)
        if self.region:
            where &= table.c.regio == self.region
        return wh.read_counts(self.engine, table, WORK_SITUATIONS, where=where)

    def scba(self, name: str) -> pd.DataFrame:
        """One SCBA table (overview, distribution, sensitivity, monte_carlo) of this month, scenario and region;
        read once per report."""
        if name not in self._scba:
            self._scba[name] = self._on_day(getattr(wh, f"SCBA_{name.upper()}"), scenario=self.scenario,
                                            region=self.key)
        return self._scba[name]

    @cached_property
    def scba_parameters(self) -> pd.DataFrame:
        return self._on_day(wh.SCBA_PARAMETERS, scenario=self.scenario)

    @cached_property
    def ingest_log(self) -> pd.DataFrame:
        """Every file delivered so far: the monthly figures, too, use every measurement up to the peildatum,
        however late it was delivered."""
        return wh.read_table(self.engine, wh.INGEST_LOG, self.region)

    @cached_property
    def first_published(self) -> pd.DataFrame:
        """The headline KPIs as this report first published them (empty before its first publication)."""
        table = wh.PUBLISHED_FIGURES
        rows = wh.read_table(self.engine, table, where=(table.c.peildatum == self.peildatum.date())
                             & (table.c.report == self.key))
        return rows.assign(published_at=pd.to_datetime(rows["published_at"]))

    @cached_property
    def quarantine(self) -> pd.DataFrame:
        return wh.read_table(self.engine, wh.QUARANTINE, self.region)

    @cached_property
    def interview_codings(self) -> pd.DataFrame:
        """The coded group-interview findings (research questions 3 and 4) of interviews held on or before the
        peildatum: the region's, or every region's in the national report."""
        rows = wh.read_typed(self.engine, wh.INTERVIEW_CODINGS, self.region)
        return rows[rows["datum_gesprek"] <= self.peildatum].reset_index(drop=True)

    @cached_property
    def context(self) -> pd.DataFrame:
        rows = wh.read_typed(self.engine, wh.REGION_CONTEXT)
        return rows[rows["region"] == self.region].reset_index(drop=True) if self.region else rows
