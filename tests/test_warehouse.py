"""Warehouse writes through SQLAlchemy: SQLite by default, PostgreSQL where a server answers."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from llo import warehouse
from llo.intake.ingest import ingest_region, store_region
from llo.intake.validate import failure_records, warning_records
from tests.conftest import KEY, TODAY, catalogue_rows, measurement_row, write_csv


@pytest.fixture
def engine(warehouse_url):
    engine = sa.create_engine(warehouse_url)
    yield engine
    engine.dispose()


def test_region_round_trip_keeps_contract_types(engine, region_folder):
    result = ingest_region("twente", region_folder, key=KEY, today=TODAY)
    store_region(engine, result)
    stored = warehouse.read_typed(engine, warehouse.MEASUREMENTS, "twente")
    columns = list(result.measurements.columns)
    expected = result.measurements.sort_values("bron_rij").reset_index(drop=True)
    got = stored[columns].sort_values("bron_rij").reset_index(drop=True)
    pd.testing.assert_frame_equal(got.drop(columns=["bron_blad"]), expected.drop(columns=["bron_blad"]),
                                  check_dtype=False)
    assert len(warehouse.read_table(engine, warehouse.INGEST_LOG, "twente")) == 3


def test_rewriting_a_region_replaces_only_that_region(engine, tmp_path, region_folder):
    other = tmp_path / "landing" / "rijnmond"
    write_csv(other / "catalogus.csv", catalogue_rows("RM-1"))
    write_csv(other / "m.csv", [measurement_row("R1", region="Rijnmond", code="RM-1")])
    store_region(engine, ingest_region("rijnmond", other, key=KEY, today=TODAY))
    store_region(engine, ingest_region("twente", region_folder, key=KEY, today=TODAY))
    # a broken delivery arrives for Rijnmond: its file is refused, Twente keeps its rows
    write_csv(other / "n.csv", [measurement_row("R2", region="Twente", code="RM-1")])
    store_region(engine, ingest_region("rijnmond", other, key=KEY, today=TODAY))
    counts = warehouse.read_table(engine, warehouse.MEASUREMENTS).groupby("regio").size().to_dict()
    assert counts == {"rijnmond": 1, "twente": 4}
    log = warehouse.read_table(engine, warehouse.INGEST_LOG, "rijnmond").set_index("file")
    assert log.loc["n.csv", "status"] == "rejected"


def test_a_failed_write_leaves_the_previous_state(engine, region_folder, monkeypatch):
    first = ingest_region("twente", region_folder, key=KEY, today=TODAY)
    store_region(engine, first)
    write_csv(region_folder / "2024-10.csv", [measurement_row("Z1")])
    second = ingest_region("twente", region_folder, key=KEY, today=TODAY)
    insert = warehouse._insert

    def disk_full(conn, table, rows):  # the insert of the ingest log fails, after the measurements went in
        if table is warehouse.INGEST_LOG:
            raise RuntimeError("disk full")
        insert(conn, table, rows)

    monkeypatch.setattr(warehouse, "_insert", disk_full)

    with pytest.raises(RuntimeError, match="disk full"):
        store_region(engine, second)
    assert len(warehouse.read_table(engine, warehouse.MEASUREMENTS, "twente")) == 4
    assert len(warehouse.read_table(engine, warehouse.INGEST_LOG, "twente")) == 3


def test_an_emptied_region_folder_empties_the_region(engine, region_folder, tmp_path):
    """How a region's data is removed (docs/privacy.md): its folder without files replaces it by nothing."""
    store_region(engine, ingest_region("twente", region_folder, key=KEY, today=TODAY))
    other = tmp_path / "landing" / "fryslan"
    write_csv(other / "catalogus.csv", catalogue_rows("TW-1"))
    write_csv(other / "m.csv", [measurement_row("F1", region="Fryslân")])
    store_region(engine, ingest_region("fryslan", other, key=KEY, today=TODAY))
    for path in region_folder.iterdir():
        path.unlink()
    store_region(engine, ingest_region("twente", region_folder, key=KEY, today=TODAY))
    for table in (warehouse.MEASUREMENTS, warehouse.TRAJECTORY_CATALOGUE, warehouse.INGEST_LOG):
        assert warehouse.read_table(engine, table, "twente").empty, table.name
    assert len(warehouse.read_table(engine, warehouse.MEASUREMENTS, "fryslan")) == 1


def test_received_at_is_kept_across_runs(engine, region_folder):
    import datetime as dt

    first = ingest_region("twente", region_folder, key=KEY, today=TODAY, now=dt.datetime(2025, 1, 1, 9))
    store_region(engine, first)
    again = ingest_region("twente", region_folder, key=KEY, today=TODAY, now=dt.datetime(2025, 2, 1, 9),
                          received_at=warehouse.received_at(engine, "twente"))
    assert set(again.ingest_log["received_at"]) == {dt.datetime(2025, 1, 1, 9)}


def test_contract_conformance_check_fails_on_a_stored_row_that_breaks_the_contract(engine, region_folder):
    from checks.ingest_checks import contract_conformance

    store_region(engine, ingest_region("twente", region_folder, key=KEY, today=TODAY))
    assert contract_conformance(engine, "twente", TODAY).passed
    with engine.begin() as conn:  # something other than the ingest writes a score out of range
        conn.execute(sa.update(warehouse.MEASUREMENTS).where(warehouse.MEASUREMENTS.c.bron_rij == 2)
                     .values(leefgebied_gezondheid=9))
    result = contract_conformance(engine, "twente", TODAY)
    assert not result.passed and result.metadata["failures"].value == 2  # the row in both monthly files


def test_a_stored_t1_outside_its_window_is_a_warning_not_a_conformance_failure(engine, region_folder):
    """The warning rule is left out of the conformance check's run (it never fails a row), not out of the contract:
    the ingest still records the warning."""
    from checks.contract import measurement_schema
    from checks.ingest_checks import contract_conformance

    write_csv(region_folder / "2025-03.csv", [measurement_row("E1", date="2024-01-10", start="2024-01-10"),
                                              measurement_row("E1", "T1", date="2025-03-10", start="2024-01-10")])
    result = ingest_region("twente", region_folder, key=KEY, today=TODAY)
    store_region(engine, result)
    assert list(result.warnings["rule"]) == ["t1_tussen_6_en_12_maanden_na_start"]
    codes = set(warehouse.read_typed(engine, warehouse.TRAJECTORY_CATALOGUE, "twente")["trajectcode"])
    schema = measurement_schema(codes, TODAY)
    warning_rules = [check.name for check in schema.checks if check.raise_warning]
    assert contract_conformance(engine, "twente", TODAY).passed
    stored = warehouse.read_typed(engine, warehouse.MEASUREMENTS, "twente")
    assert failure_records(stored, schema).empty
    assert [check.name for check in schema.checks if check.raise_warning] == warning_rules == [
        "t1_tussen_6_en_12_maanden_na_start"]
    assert not warning_records(stored, schema).empty


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as Python objects with None for every kind of missing value, to compare content, not dtypes."""
    return frame.astype(object).where(frame.notna(), None)


def test_derived_tables_round_trip_with_their_types(engine):
    """Trajectories and KPI rows keep dtypes, missing values and booleans through the warehouse."""
    from checks.outputs import KPI_NATIONAL_MONTH, KPI_REGION_MONTH, TRAJECTORIES
    from llo.monitor import kpi
    from llo.monitor import trajectories as tr
    from llo.monitor.targets import Targets
    from tests.kpi_fixtures import catalogue, measurements, participant

    people = [participant("A", "2024-09-15", t1={"participatieladder": 4}), participant("B")]
    derived = tr.derive(measurements(*people), catalogue())
    rows = tr.as_of(derived, pd.Timestamp("2024-09-15"))
    regional = kpi.region_month_table(derived, catalogue(), [kpi.month_end("2024-08"), kpi.month_end("2024-09")],
                                      Targets(defaults={"K1": 400}, path="t.yaml"))
    national = kpi.national_month_table(regional)
    warehouse.replace_rows(engine, {warehouse.TRAJECTORIES: rows}, "regio", ["twente"])
    warehouse.replace_rows(engine, {warehouse.KPI_REGION_MONTH: regional, warehouse.KPI_NATIONAL_MONTH: national},
                           "peildatum", sorted(regional["peildatum"].unique()))
    for table, frame, schema in ((warehouse.TRAJECTORIES, rows, TRAJECTORIES),
                                 (warehouse.KPI_REGION_MONTH, regional, KPI_REGION_MONTH),
                                 (warehouse.KPI_NATIONAL_MONTH, national, KPI_NATIONAL_MONTH)):
        stored = schema.validate(warehouse.read_typed(engine, table))
        pd.testing.assert_frame_equal(plain(stored), plain(frame.reset_index(drop=True)))


def test_sqlite_stores_exactly_what_sqlalchemys_own_insert_stores(tmp_path, region_folder):
    """On SQLite the rows go straight to the driver in their stored form (`warehouse._rows`): every stored value,
    dates, timestamps, booleans and missing values included, must be the bytes SQLAlchemy's insert would write."""
    from llo.monitor import trajectories as tr
    from tests.kpi_fixtures import catalogue, measurements, participant

    result = ingest_region("twente", region_folder, key=KEY, today=TODAY)
    people = [participant("A", "2024-09-15", t1={"participatieladder": 4}), participant("B")]
    frames = {warehouse.MEASUREMENTS: result.measurements, warehouse.INGEST_LOG: result.ingest_log,
              warehouse.TRAJECTORIES: tr.as_of(tr.derive(measurements(*people), catalogue()),
                                               pd.Timestamp("2024-09-15"))}
    fast, reference = (sa.create_engine(f"sqlite:///{tmp_path / name}.sqlite") for name in ("fast", "reference"))
    warehouse.replace_rows(fast, frames)
    warehouse.create_tables(reference)

    def python(column: sa.Column, value):
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime() if isinstance(column.type, sa.DateTime) else value.date()
        return value

    with reference.begin() as conn:
        for table, frame in frames.items():  # SQLAlchemy converting every value itself
            rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
            conn.execute(sa.insert(table), [{c.name: python(c, r.get(c.name)) for c in table.columns} for r in rows])
    for table in frames:
        stored = [engine.connect().exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY rowid").fetchall()
                  for engine in (fast, reference)]
        assert len(stored[0]) == len(frames[table]) > 0
        assert stored[0] == stored[1], table.name
        assert any(isinstance(v, str) and v[:2] == "20" for v in stored[0][0])  # dates are stored as text


@pytest.mark.parametrize("chunk", [1, warehouse.READ_CHUNK_ROWS])
def test_read_typed_gives_the_frame_of_sqlalchemys_own_conversions(engine, region_folder, chunk, monkeypatch):
    """read_typed takes the values from the driver's cursor unconverted, `chunk` rows at a time: after typed() the
    frame must equal the one built from SQLAlchemy's converted values (dates, timestamps, booleans, missing values),
    on both backends, for whole tables, one region and some columns. With a row per chunk, some chunks hold only
    missing values in a column (B has no T1)."""
    from llo.monitor import trajectories as tr
    from tests.kpi_fixtures import catalogue, measurements, participant

    monkeypatch.setattr(warehouse, "READ_CHUNK_ROWS", chunk)
    result = ingest_region("twente", region_folder, key=KEY, today=TODAY)
    store_region(engine, result)
    people = [participant("A", "2024-09-15", t1={"participatieladder": 4}), participant("B")]
    warehouse.replace_rows(engine, {warehouse.TRAJECTORIES: tr.as_of(
        tr.derive(measurements(*people), catalogue()), pd.Timestamp("2024-09-15"))})
    reads = [(warehouse.MEASUREMENTS, {}), (warehouse.MEASUREMENTS, {"region": "twente"}),
             (warehouse.TRAJECTORY_CATALOGUE, {}), (warehouse.TRAJECTORIES, {}),
             (warehouse.TRAJECTORIES, {"columns": ["regio", "meetdatum_t1", "duurzaam_werk", "maanden_tot_t1"]}),
             (warehouse.KPI_REGION_MONTH, {})]  # not created yet: empty
    for table, how in reads:
        fast = warehouse.read_typed(engine, table, **how)
        reference = warehouse.typed(warehouse.read_table(engine, table, **how), warehouse.SCHEMA_OF[table])
        pd.testing.assert_frame_equal(fast, reference, check_exact=True)
    trajectories = warehouse.read_typed(engine, warehouse.TRAJECTORIES)
    assert trajectories["meetdatum_t1"].isna().sum() == 1 and trajectories["duurzaam_werk"].dtype == "boolean"


def test_replacing_months_leaves_other_months(engine):
    from llo.monitor import kpi
    from llo.monitor import trajectories as tr
    from llo.monitor.targets import Targets
    from tests.kpi_fixtures import catalogue, measurements, participant

    derived = tr.derive(measurements(participant("A", start="2024-01-10")), catalogue())
    targets = Targets(defaults={"K1": 400}, path="t.yaml")
    january, february = (kpi.region_month_table(derived, catalogue(), [kpi.month_end(m)], targets)
                         for m in ("2024-01", "2024-02"))
    warehouse.replace_rows(engine, {warehouse.KPI_REGION_MONTH: january}, "peildatum", [kpi.month_end("2024-01")])
    warehouse.replace_rows(engine, {warehouse.KPI_REGION_MONTH: february}, "peildatum", [kpi.month_end("2024-02")])
    warehouse.replace_rows(engine, {warehouse.KPI_REGION_MONTH: february}, "peildatum", [kpi.month_end("2024-02")])
    stored = warehouse.read_typed(engine, warehouse.KPI_REGION_MONTH)
    assert stored.groupby("peildatum").size().tolist() == [len(january), len(february)]


def test_sqlite_rows_in_the_stored_form_equal_the_bind_processors(monkeypatch):
    """Dates, times (naive and with a zone), booleans and floats are put in SQLite's stored form a column at a time;
    the rows are those SQLAlchemy's bind processors give value by value, missing values included."""
    table = sa.Table("forms", sa.MetaData(), sa.Column("day", sa.Date), sa.Column("at", sa.DateTime),
                     sa.Column("at_utc", sa.DateTime), sa.Column("flag", sa.Boolean), sa.Column("flag_na", sa.Boolean),
                     sa.Column("x", sa.Float), sa.Column("n", sa.Integer), sa.Column("text", sa.Text))
    frame = pd.DataFrame({
        "day": pd.to_datetime(["2024-01-05", None, "1999-12-31"]),
        "at": pd.to_datetime(["2024-01-05 03:04:05.000123", "2025-06-30", None], format="ISO8601"),
        "at_utc": pd.to_datetime(["2024-01-05 03:04:05", "2025-06-30 23:59:59.5", None], format="ISO8601")
        .tz_localize("Europe/Amsterdam"),
        "flag": [True, False, True], "flag_na": pd.array([True, None, False], dtype="boolean"),
        "x": [1.5, float("nan"), 1e-7], "n": pd.array([1, None, 3], dtype="Int64"), "text": ["a", None, "c"]})
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    rows = warehouse._rows(frame, table, dialect)
    monkeypatch.setattr(warehouse, "_sqlite_form", lambda values, kind: None)  # every value through its processor
    assert rows == warehouse._rows(frame, table, dialect)
    assert [type(value) for value in rows[0]] == [str, str, str, int, int, float, int, str]
    assert rows[0][:4] == ("2024-01-05", "2024-01-05 03:04:05.000123", "2024-01-05 02:04:05.000000", 1)
    assert rows[1][0] is None and rows[1][4] is None and rows[1][5] is None and rows[2][1] is None
