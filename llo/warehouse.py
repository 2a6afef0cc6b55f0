"""The warehouse: SQLAlchemy tables (SQLite by default, PostgreSQL in production) and region writes.

Column types of the contract tables are derived from the Pandera models. A region's data is replaced in
one transaction, so a failed run leaves the previous state of every table intact.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd
import sqlalchemy as sa

from checks.contract import MODELS
from llo.ingest import ISSUE_TABLE_COLUMNS, LOG_COLUMNS, RegionIngest

SQL_TYPES = {"str": sa.Text, "Int64": sa.Integer, "float64": sa.Float, "datetime64[ns]": sa.Date,
             "boolean": sa.Boolean}
metadata = sa.MetaData()


def _contract_columns(kind: str) -> list[sa.Column]:
    schema = MODELS[kind].to_schema()
    return [sa.Column(name, SQL_TYPES[str(col.dtype)](), nullable=col.nullable, comment=col.description)
            for name, col in schema.columns.items()]


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
              **{c: sa.Integer for c in LOG_COLUMNS if c.startswith(("rows_", "empty_"))}}
INGEST_LOG = sa.Table("ingest_log", metadata, *(sa.Column(c, _LOG_TYPES.get(c, sa.Text)) for c in LOG_COLUMNS),
                      sa.Index("ix_ingest_log_region", "region"),
                      comment="One line per delivered file (and sheet): what was read, accepted, refused and why.")

REGION_COLUMN = {MEASUREMENTS: "regio", TRAJECTORY_CATALOGUE: "regio", QUARANTINE: "region", WARNINGS: "region",
                 INGEST_LOG: "region"}


@cache
def engine_for(url: str) -> sa.Engine:
    return sa.create_engine(url, pool_pre_ping=True)


def create_tables(engine: sa.Engine) -> None:
    metadata.create_all(engine, checkfirst=True)


def _records(frame: pd.DataFrame, table: sa.Table) -> list[dict]:
    """Rows as plain Python values (None for missing, dates as date) in the table's column order."""
    columns = {}
    for column in table.columns:
        values = frame[column.name].tolist() if column.name in frame else [None] * len(frame)
        is_date = isinstance(column.type, sa.Date) and not isinstance(column.type, sa.DateTime)
        columns[column.name] = [None if _missing(v) else v.date() if is_date and isinstance(v, dt.datetime)
                                else v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in values]
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str | list) and pd.isna(value))


def replace_region(engine: sa.Engine, result: RegionIngest) -> None:
    """Replace everything stored for the region by `result`, atomically."""
    frames = {MEASUREMENTS: result.measurements,
              TRAJECTORY_CATALOGUE: result.trajectory_catalogue.assign(regio=result.region),
              QUARANTINE: result.quarantine, WARNINGS: result.warnings, INGEST_LOG: result.ingest_log}
    create_tables(engine)
    with engine.begin() as conn:
        for table, frame in frames.items():
            conn.execute(sa.delete(table).where(table.c[REGION_COLUMN[table]] == result.region))
            records = _records(frame, table)
            if records:
                conn.execute(sa.insert(table), records)


def received_at(engine: sa.Engine, region: str) -> dict[str, dt.datetime]:
    """When each file content (sha256) was first received for the region, from earlier runs."""
    if not sa.inspect(engine).has_table(INGEST_LOG.name):
        return {}
    query = (sa.select(INGEST_LOG.c.sha256, sa.func.min(INGEST_LOG.c.received_at))
             .where(INGEST_LOG.c.region == region).group_by(INGEST_LOG.c.sha256))
    with engine.connect() as conn:
        return {sha: when for sha, when in conn.execute(query)}


def read_table(engine: sa.Engine, table: sa.Table, region: str | None = None) -> pd.DataFrame:
    query = sa.select(table)
    if region is not None:
        query = query.where(table.c[REGION_COLUMN[table]] == region)
    if not sa.inspect(engine).has_table(table.name):
        return pd.DataFrame(columns=[c.name for c in table.columns])
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def as_contract_frame(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """A frame read from the warehouse with the contract's pandas dtypes restored."""
    out = frame.copy()
    for name, column in MODELS[kind].to_schema().columns.items():
        dtype = str(column.dtype)
        if dtype.startswith("datetime"):
            out[name] = pd.to_datetime(out[name])
        elif dtype == "str":
            out[name] = out[name].astype(object)
        else:
            out[name] = out[name].astype(dtype)
    return out
