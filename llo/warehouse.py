"""The warehouse: SQLAlchemy tables (SQLite by default, PostgreSQL in production) and region writes.

Column types of the contract tables are derived from the Pandera models. A region's data is replaced in
one transaction, so a failed or killed run leaves the previous state of every table intact, and writers of the
same table take turns (see `_take_turns`), so concurrent runs neither lose nor duplicate rows.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
import sqlalchemy as sa

from checks import outputs
from checks.contract import MODELS
from checks.outputs import ISSUE_TABLE_COLUMNS, LOG_COLUMNS

SQL_TYPES = {"str": sa.Text, "Int64": sa.Integer, "float64": sa.Float, "datetime64[ns]": sa.Date,
             "boolean": sa.Boolean, "bool": sa.Boolean}
metadata = sa.MetaData()


def _columns(schema: pa.DataFrameSchema) -> list[sa.Column]:
    return [sa.Column(name, SQL_TYPES[str(col.dtype)](), nullable=col.nullable, comment=col.description)
            for name, col in schema.columns.items()]


def _contract_columns(kind: str) -> list[sa.Column]:
    return _columns(MODELS[kind].to_schema())


def _source_columns() -> list[sa.Column]:
    return [sa.Column("bron_bestand", sa.Text, nullable=False), sa.Column("bron_blad", sa.Text),
            sa.Column("bron_rij", sa.Integer, nullable=False)]


MEASUREMENTS = sa.Table("measurements", metadata, *_contract_columns("measurements"), *_source_columns(),
                        sa.Index("ix_measurements_regio", "regio"),
                        comment="Accepted measurement rows; deelnemer_id is a keyed pseudonym.")
TRAJECTORY_CATALOGUE = sa.Table(
    "trajectory_catalogue", metadata, sa.Column("regio", sa.Text, nullable=False, index=True),
    *_contract_columns("trajectory_catalogue"), *_source_columns(),
    comment="Accepted trajectory catalogue rows per region.")


def _issue_table(name: str, comment: str) -> sa.Table:
    types = {"row_number": sa.Integer}
    return sa.Table(name, metadata, *(sa.Column(c, types.get(c, sa.Text)) for c in ISSUE_TABLE_COLUMNS),
                    sa.Index(f"ix_{name}_region", "region"), comment=comment)


QUARANTINE = _issue_table("quarantine", "Rows refused by a rule: file, row, column, rule and value.")
WARNINGS = _issue_table("ingest_warnings", "Accepted rows that break a warning rule.")
_LOG_TYPES = {"size_bytes": sa.BigInteger, "received_at": sa.DateTime, "header_row": sa.Integer,
              "delivery_order": sa.Integer,
              **{c: sa.Integer for c in LOG_COLUMNS if c.startswith(("rows_", "empty_"))}}
INGEST_LOG = sa.Table("ingest_log", metadata, *(sa.Column(c, _LOG_TYPES.get(c, sa.Text)) for c in LOG_COLUMNS),
                      sa.Index("ix_ingest_log_region", "region"),
                      comment="One line per delivered file (and sheet): what was read, accepted, refused and why.")


def _versions_table(name: str, kind: str, comment: str, *region: sa.Column) -> sa.Table:
    return sa.Table(name, metadata, *region, *_contract_columns(kind), *_source_columns(),
                    sa.Column("received_at", sa.DateTime, nullable=False),
                    sa.Column("superseded_at", sa.DateTime, nullable=False),
                    sa.Column("superseded_by_file", sa.Text, nullable=False),
                    sa.Column("superseded_by_row", sa.Integer, nullable=False),
                    sa.Column("changed_fields", sa.Text, nullable=False),
                    sa.Index(f"ix_{name}_regio", "regio"), comment=comment)


MEASUREMENT_VERSIONS = _versions_table(
    "measurement_versions", "measurements", "Measurement rows a later delivery corrected: each with the file and row "
    "it came from, when that file arrived, and when and by which file and row it was replaced.")
WITHDRAWALS = sa.Table(
    "withdrawals", metadata, sa.Column("region", sa.Text, nullable=False, index=True),
    sa.Column("tombstone", sa.Text, nullable=False), sa.Column("datum_intrekking", sa.Date),
    sa.Column("reden", sa.Text, nullable=False), sa.Column("file", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False), sa.Column("rows_withdrawn", sa.Integer, nullable=False),
    comment="The register of withdrawn participants: a keyed hash (no identifier), the date, the reason, the file "
            "that brought it and the rows it removed (llo.intake.withdrawals).")
ERASURE_LOG = sa.Table(
    "erasure_log", metadata, sa.Column("region", sa.Text, nullable=False, index=True),
    sa.Column("file", sa.Text, nullable=False), sa.Column("sha256_before", sa.Text, nullable=False),
    sa.Column("sha256_after", sa.Text), sa.Column("rows_removed", sa.Integer, nullable=False),
    sa.Column("erased_at", sa.DateTime, nullable=False),
    comment="Raw files `llo erase` rewrote without withdrawn participants (sha256_after empty: the file was removed, "
            "nothing else was in it). Only added to, never replaced by an ingest.")
PUBLISHED_FIGURES = sa.Table(
    "published_figures", metadata, sa.Column("peildatum", sa.Date, nullable=False, index=True),
    sa.Column("report", sa.Text, nullable=False), sa.Column("kpi", sa.Text, nullable=False),
    sa.Column("value", sa.Integer), sa.Column("n_basis", sa.Integer), sa.Column("published_at", sa.DateTime),
    comment="The headline KPIs of each report as first published (report: nationaal or the region): kept when the "
            "report is rendered again, so a revised report can say what changed since.")
CATALOGUE_VERSIONS = _versions_table(
    "catalogue_versions", "trajectory_catalogue", "Catalogue rows a later delivery corrected, as measurement_versions.",
    sa.Column("regio", sa.Text, nullable=False))
INTERVIEW_CODINGS = sa.Table(
    "interview_codings", metadata, sa.Column("regio", sa.Text, nullable=False, index=True),
    *_contract_columns("interview_codings"), *_source_columns(),
    comment="Coded findings of the group interviews per region and round (research questions 3 and 4); no "
            "participant data, quotes anonymised.")
INTERVIEW_VERSIONS = _versions_table(
    "interview_versions", "interview_codings", "Interview findings a later delivery corrected, as "
    "measurement_versions.", sa.Column("regio", sa.Text, nullable=False))


def _output_table(schema: pa.DataFrameSchema, comment: str, *indexed: str) -> sa.Table:
    return sa.Table(schema.name, metadata, *_columns(schema),
                    *(sa.Index(f"ix_{schema.name}_{column}", column) for column in indexed), comment=comment)


TRAJECTORIES = _output_table(outputs.TRAJECTORIES, "One row per participant: T0 and T1 side by side.", "regio")
KPI_REGION_MONTH = _output_table(outputs.KPI_REGION_MONTH, "KPIs per region and month (peildatum).",
                                 "peildatum", "region")
KPI_NATIONAL_MONTH = _output_table(outputs.KPI_NATIONAL_MONTH, "KPIs of the nation per month (sum of regions).",
                                   "peildatum")
CHANGE_SCORES_MONTH = _output_table(outputs.CHANGE_SCORES_MONTH, "Paired T0 -> T1 change scores per month.",
                                    "peildatum")
KPI_BREAKDOWN_MONTH = _output_table(outputs.KPI_BREAKDOWN_MONTH, "KPI counts and mean changes per group (doelgroep, "
                                    "trajectory type, age band, phase, intake cohort) per region and month.",
                                    "peildatum")
REGION_CONTEXT = _output_table(outputs.REGION_CONTEXT, "Context factors per region.")
SCBA_OVERVIEW = _output_table(outputs.SCBA_OVERVIEW, "SCBA overview per region and month: effects, benefits, costs, "
                              "saldo, PM rows and key figures.", "peildatum")
SCBA_DISTRIBUTION = _output_table(outputs.SCBA_DISTRIBUTION, "SCBA effects by actor; transfers cancel out.",
                                  "peildatum")
SCBA_SENSITIVITY = _output_table(outputs.SCBA_SENSITIVITY, "One-way sensitivity of the saldo (tornado data).",
                                 "peildatum")
SCBA_MONTE_CARLO = _output_table(outputs.SCBA_MONTE_CARLO, "Monte Carlo summary of the saldo.", "peildatum")
SCBA_PARAMETERS = _output_table(outputs.SCBA_PARAMETERS, "The SCBA parameters each scenario and month used.",
                                "peildatum")
TRAJECTORY_VERSIONS = sa.Table(
    "trajectory_versions", metadata, sa.Column("regio", sa.Text, nullable=False, index=True),
    sa.Column("version", sa.Text, nullable=False), sa.Column("derived_from", sa.Text),
    comment="Per region, a hash of its trajectories and catalogue (the version the kept region results must match) "
            "and of what they were derived from (measurements, catalogue, threshold, code).")
REGION_RESULTS = sa.Table(
    "region_results", metadata, *(sa.Column(name, sa.Text, nullable=False) for name in ("kind", "region")),
    sa.Column("peildatum", sa.Date, nullable=False),
    *(sa.Column(name, sa.Text, nullable=False) for name in ("item", "dtype")), sa.Column("value", sa.Float),
    sa.Column("version", sa.Text, nullable=False), sa.Index("ix_region_results_kind_peildatum", "kind", "peildatum"),
    comment="Each region's part of the monthly KPI and SCBA figures, kept between runs (llo.monitor.region_results).")
SCHEMA_OF = {TRAJECTORIES: outputs.TRAJECTORIES, KPI_REGION_MONTH: outputs.KPI_REGION_MONTH,
             KPI_NATIONAL_MONTH: outputs.KPI_NATIONAL_MONTH, CHANGE_SCORES_MONTH: outputs.CHANGE_SCORES_MONTH,
             KPI_BREAKDOWN_MONTH: outputs.KPI_BREAKDOWN_MONTH, REGION_CONTEXT: outputs.REGION_CONTEXT,
             SCBA_OVERVIEW: outputs.SCBA_OVERVIEW,
             SCBA_DISTRIBUTION: outputs.SCBA_DISTRIBUTION, SCBA_SENSITIVITY: outputs.SCBA_SENSITIVITY,
             SCBA_MONTE_CARLO: outputs.SCBA_MONTE_CARLO, SCBA_PARAMETERS: outputs.SCBA_PARAMETERS,
             MEASUREMENTS: MODELS["measurements"].to_schema(),
             TRAJECTORY_CATALOGUE: MODELS["trajectory_catalogue"].to_schema(),
             MEASUREMENT_VERSIONS: outputs.versions_schema(MODELS["measurements"].to_schema()),
             CATALOGUE_VERSIONS: outputs.versions_schema(MODELS["trajectory_catalogue"].to_schema()),
             INTERVIEW_CODINGS: MODELS["interview_codings"].to_schema(),
             INTERVIEW_VERSIONS: outputs.versions_schema(MODELS["interview_codings"].to_schema())}

REGION_COLUMN = {MEASUREMENTS: "regio", TRAJECTORY_CATALOGUE: "regio", QUARANTINE: "region", WARNINGS: "region",
                 INGEST_LOG: "region", MEASUREMENT_VERSIONS: "regio", CATALOGUE_VERSIONS: "regio",
                 WITHDRAWALS: "region", TRAJECTORIES: "regio", KPI_REGION_MONTH: "region",
                 CHANGE_SCORES_MONTH: "region", REGION_CONTEXT: "region", INTERVIEW_CODINGS: "regio",
                 INTERVIEW_VERSIONS: "regio"}


SQLITE_BUSY_TIMEOUT_S = 300  # how long a SQLite writer waits for another run's write (sqlite3's default is 5 s)


@cache
def engine_for(url: str) -> sa.Engine:
    if url.startswith("sqlite"):  # the queue allows two runs at once: the second writer waits, never fails
        return sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    return sa.create_engine(url, pool_pre_ping=True)


def _take_turns(conn: sa.Connection, *names: str) -> None:
    """On PostgreSQL, hold a lock per name until the transaction ends. Two transactions that each delete and
    re-insert the same rows would otherwise both keep their inserts under READ COMMITTED (neither delete sees the
    other's new rows): duplicates. SQLite needs none: it lets one writer at a time into the whole database."""
    if conn.dialect.name == "postgresql":
        for name in sorted(set(names)):  # the same order in every run, so two runs cannot deadlock
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"llo:{name}"})


def create_tables(engine: sa.Engine) -> None:
    """Create missing tables, in turns: concurrent first runs would otherwise race to create the same table and
    one of them fail."""
    with engine.begin() as conn:
        _take_turns(conn, "create_tables")
        metadata.create_all(conn, checkfirst=True)
        if str(engine.url) not in _UP_TO_DATE:
            _add_new_columns(conn)
    _UP_TO_DATE.add(str(engine.url))


_UP_TO_DATE: set[str] = set()  # warehouses whose tables have every column of this version (checked once a process)


def _add_new_columns(conn: sa.Connection) -> None:
    """A warehouse written by an earlier version lacks the columns added since: add them, empty, so its rows stay and
    the next run of each region fills them."""
    inspector = sa.inspect(conn)
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                conn.execute(sa.text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" '
                                     f"{column.type.compile(conn.dialect)}"))


def _rows(frame: pd.DataFrame, table: sa.Table, dialect: sa.Dialect) -> list[tuple]:
    """The rows to insert, as tuples in the order of the table's columns, converted a column at a time from `frame`
    (None for missing, dates as date). On SQLite they are in the stored form, each column type's SQLAlchemy bind
    processor applied here, so the insert goes straight to the driver: SQLAlchemy's per-row processing took longer
    than SQLite's insert itself."""
    columns = {}
    for column in table.columns:
        if column.name not in frame:
            columns[column.name] = [None] * len(frame)
            continue
        values = frame[column.name]
        if dialect.name == "sqlite" and (stored := _sqlite_form(values, column.type)) is not None:
            columns[column.name] = stored
            continue
        if pd.api.types.is_datetime64_any_dtype(values):
            is_date = isinstance(column.type, sa.Date) and not isinstance(column.type, sa.DateTime)
            naive = values.dt.tz_convert(None) if values.dt.tz is not None else values  # stored as UTC
            plain = values.dt.date if is_date else pd.Series(naive.to_numpy().astype("datetime64[us]").astype(object),
                                                             index=values.index)
        elif isinstance(column.type, sa.Integer) and values.dtype.kind == "f":  # whole numbers, NaN for missing
            plain = values.astype("Int64")  # COPY reads "1.0" as no integer; a fraction here is an error
        else:
            plain = values.astype(object)
        columns[column.name] = plain.astype(object).where(values.notna(), None).tolist()
        if dialect.name == "sqlite" and (process := column.type.dialect_impl(dialect).bind_processor(dialect)):
            columns[column.name] = [None if value is None else process(value) for value in columns[column.name]]
    return list(zip(*columns.values(), strict=True))


def _sqlite_form(values: pd.Series, kind: sa.types.TypeEngine) -> list | None:
    """A whole column in the form SQLAlchemy's SQLite bind processors give value by value, where that form is plain:
    dates as 'YYYY-MM-DD', times as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC), booleans as 1 and 0, floats as they are;
    None for a missing value. None for any other column: its values go through the processor one by one."""
    missing = values.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values):
        naive = values.dt.tz_convert(None) if values.dt.tz is not None else values  # stored as UTC
        if isinstance(kind, sa.DateTime):
            text = np.char.replace(naive.to_numpy().astype("datetime64[us]").astype(str), "T", " ").astype(object)
        elif isinstance(kind, sa.Date):
            text = naive.to_numpy().astype("datetime64[D]").astype(str).astype(object)
        else:
            return None
        text[missing] = None
        return text.tolist()
    if isinstance(kind, sa.Boolean) and pd.api.types.is_bool_dtype(values):
        ones = values.fillna(False).astype(bool).to_numpy().astype(int).astype(object)
        ones[missing] = None
        return ones.tolist()
    if isinstance(kind, sa.Float) and values.dtype == "float64":
        return values.astype(object).where(~missing, None).tolist()
    return None


def _insert(conn: sa.Connection, table: sa.Table, rows: list[tuple]) -> None:
    """Insert `_rows`: on SQLite straight to the driver (they are in the stored form); on PostgreSQL through psycopg's
    COPY, which streams the rows instead of sending a statement per batch (several times faster for the million
    rows of a national run); elsewhere as SQLAlchemy's batched multi-row INSERT."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(str(sa.insert(table).compile(dialect=conn.dialect)), rows)
    elif conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        columns = ", ".join(f'"{column.name}"' for column in table.columns)
        with conn.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        names = [column.name for column in table.columns]
        conn.execute(sa.insert(table), [dict(zip(names, row, strict=True)) for row in rows])


def replace_region(engine: sa.Engine, region: str, frames: dict[str, pd.DataFrame]) -> None:
    """Replace everything stored for the region in the tables named in `frames` by their rows, atomically."""
    tables = {metadata.tables[name]: frame for name, frame in frames.items()}
    replace(engine, tables, lambda table: sa.delete(table).where(table.c[REGION_COLUMN[table]] == region))


def replace_rows(engine: sa.Engine, frames: dict[sa.Table, pd.DataFrame], column: str | None = None,
                 values: list | None = None, **also: object) -> None:
    """In one transaction, replace the rows whose `column` is in `values` (all rows when no column), and whose
    other columns equal `also`, by `frames`."""
    def delete(table: sa.Table) -> sa.Delete:
        statement = sa.delete(table)
        if column is not None:
            statement = statement.where(table.c[column].in_([_plain(v) for v in values]))
        for name, value in also.items():
            statement = statement.where(table.c[name] == value)
        return statement

    replace(engine, frames, delete)


def replace(engine: sa.Engine, frames: dict[sa.Table, pd.DataFrame], delete) -> None:
    """Per table, `delete(table)` and insert its frame: all in one transaction, in turns with other writers."""
    prepared = {table: _rows(frame, table, engine.dialect) for table, frame in frames.items()}  # before the lock
    create_tables(engine)
    with engine.begin() as conn:
        _take_turns(conn, *(table.name for table in frames))
        for table, rows in prepared.items():
            conn.execute(delete(table))
            if rows:
                _insert(conn, table, rows)


def _plain(value):
    return value.date() if isinstance(value, dt.datetime) else value


def received_at(engine: sa.Engine, region: str) -> dict[str, dt.datetime]:
    """When each file content (sha256) was first received for the region, from earlier runs; a file `llo erase`
    rewrote keeps the time of the content it replaced."""
    if not sa.inspect(engine).has_table(INGEST_LOG.name):
        return {}
    query = (sa.select(INGEST_LOG.c.sha256, sa.func.min(INGEST_LOG.c.received_at))
             .where(INGEST_LOG.c.region == region).group_by(INGEST_LOG.c.sha256))
    with engine.connect() as conn:
        found = {sha: when for sha, when in conn.execute(query)}
        if sa.inspect(conn).has_table(ERASURE_LOG.name):
            rewritten = conn.execute(sa.select(ERASURE_LOG.c.sha256_before, ERASURE_LOG.c.sha256_after)
                                     .where(ERASURE_LOG.c.region == region)
                                     .where(ERASURE_LOG.c.sha256_after.is_not(None))
                                     .order_by(ERASURE_LOG.c.erased_at)).all()
            for before, after in rewritten:  # in the order they were written: a file erased twice follows its chain
                if before in found:
                    found.setdefault(after, found[before])
    return found


def append_rows(engine: sa.Engine, table: sa.Table, frame: pd.DataFrame) -> None:
    """Add rows to a table that keeps its history (the erasure log), in one transaction."""
    replace(engine, {table: frame}, lambda t: sa.delete(t).where(sa.false()))


def withdrawals_of(engine: sa.Engine, region: str) -> pd.DataFrame:
    """The region's register of withdrawals from earlier runs (empty before the first)."""
    if not sa.inspect(engine).has_table(WITHDRAWALS.name):
        return pd.DataFrame(columns=[c.name for c in WITHDRAWALS.columns])
    frame = read_table(engine, WITHDRAWALS, region)
    return frame.assign(received_at=pd.to_datetime(frame["received_at"]),
                        datum_intrekking=pd.to_datetime(frame["datum_intrekking"]))


def ingested_files(engine: sa.Engine) -> dict[str, dict[str, str]]:
    """Per region, the files of its last ingest with their sha256 (what the landing folder held then)."""
    if not sa.inspect(engine).has_table(INGEST_LOG.name):
        return {}
    found: dict[str, dict[str, str]] = {}
    with engine.connect() as conn:
        for region, file, sha in conn.execute(sa.select(INGEST_LOG.c.region, INGEST_LOG.c.file,
                                                        INGEST_LOG.c.sha256).distinct()):
            found.setdefault(region, {})[file] = sha
    return found


def _select(table: sa.Table, region: str | None, where: sa.ColumnElement | None,
            columns: list[str] | None) -> sa.Select:
    query = sa.select(*(table.c[name] for name in columns)) if columns else sa.select(table)
    if region is not None:
        query = query.where(table.c[REGION_COLUMN[table]] == region)
    return query if where is None else query.where(where)


def read_table(engine: sa.Engine, table: sa.Table, region: str | None = None, *,
               where: sa.ColumnElement | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """A table (or one region of it, or some of its columns) as stored; `typed()` restores the pandas dtypes of
    its schema."""
    if not sa.inspect(engine).has_table(table.name):
        return pd.DataFrame(columns=columns or [c.name for c in table.columns])
    with engine.connect() as conn:
        return pd.read_sql(_select(table, region, where, columns), conn)


def typed(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """A frame read from the warehouse with the pandas dtypes of its schema restored."""
    out = frame.copy()
    for name, column in schema.columns.items():
        if name not in out:  # a read of some columns
            continue
        dtype = str(column.dtype)
        if dtype.startswith("datetime"):
            out[name] = pd.to_datetime(out[name])
        elif dtype == "str":
            out[name] = out[name].astype(object).where(out[name].notna(), None)
        else:
            out[name] = out[name].astype(dtype)
    return out


# Rows are fetched and typed this many at a time: the driver's rows as Python tuples take several times the memory of
# the typed frame (a read of every trajectory at 100x peaked at 930 MiB for a frame of 190 MiB).
READ_CHUNK_ROWS = 50_000


def read_typed(engine: sa.Engine, table: sa.Table, region: str | None = None, *,
               where: sa.ColumnElement | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """The rows with the pandas dtypes of the table's schema. They are taken from the driver's cursor as it returns
    them (on SQLite dates as text, booleans as 0 and 1): `typed()` converts whole columns anyway, so SQLAlchemy
    turning every value into a Python object first only costs time, a quarter to a third of a monthly read of
    700,000 trajectories. They are fetched and typed READ_CHUNK_ROWS at a time, so the driver's tuples of a large
    read are never all in memory. The frame is the same (tested, a row per chunk too)."""
    if not sa.inspect(engine).has_table(table.name):
        return typed(read_table(engine, table, columns=columns), SCHEMA_OF[table])
    schema, parts = SCHEMA_OF[table], []
    with engine.connect() as conn:
        result = conn.execute(_select(table, region, where, columns))
        try:
            names = list(result.keys())
            while rows := result.cursor.fetchmany(READ_CHUNK_ROWS):
                parts.append(typed(pd.DataFrame.from_records(rows, columns=names), schema))
        finally:
            result.close()
    if len(parts) <= 1:
        return parts[0] if parts else typed(pd.DataFrame.from_records([], columns=names), schema)
    return pd.concat(parts, ignore_index=True)


def read_counts(engine: sa.Engine, table: sa.Table, columns: list[str], *,
                where: sa.ColumnElement | None = None) -> pd.DataFrame:
    """The number of rows (`rows`) per distinct combination of `columns` (of the rows `where` selects), counted in
    the database: a million rows of a few columns cost seconds to fetch, their counts per region and day a
    fraction."""
    keys = [table.c[name] for name in columns]
    query = sa.select(*keys, sa.func.count().label("rows")).group_by(*keys)
    if where is not None:
        query = query.where(where)
    if not sa.inspect(engine).has_table(table.name):
        return pd.DataFrame({**{name: pd.Series(dtype=object) for name in columns}, "rows": pd.Series(dtype="int64")})
    with engine.connect() as conn:
        counts = pd.read_sql(query, conn)
    return typed(counts, SCHEMA_OF[table]).astype({"rows": "int64"})


def data_months(engine: sa.Engine) -> pd.PeriodIndex:
    """Every month from the first to the last meetdatum in the warehouse (empty when there is none)."""
    if not sa.inspect(engine).has_table(MEASUREMENTS.name):
        return pd.PeriodIndex([], freq="M")
    with engine.connect() as conn:
        first, last = conn.execute(sa.select(sa.func.min(MEASUREMENTS.c.meetdatum),
                                             sa.func.max(MEASUREMENTS.c.meetdatum))).one()
    if first is None:
        return pd.PeriodIndex([], freq="M")
    return pd.period_range(pd.Timestamp(first), pd.Timestamp(last), freq="M")
