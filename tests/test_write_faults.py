"""Faults while the warehouse is written. A run killed (SIGKILL) at any point of its write leaves the previous
state, or the new one once committed, never a mix. Two runs writing the same tables at once leave one run's rows,
whole, never both; and on SQLite a second writer waits for the first instead of failing with "database is
locked"."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
import time

import sqlalchemy as sa

from llo import warehouse as wh
from llo.intake.ingest import ingest_region, store_region
from llo.settings import PROJECT_ROOT
from tests.conftest import KEY, TODAY, catalogue_rows, measurement_row, write_csv

REGION_TABLES = (wh.MEASUREMENTS, wh.TRAJECTORY_CATALOGUE, wh.QUARANTINE, wh.WARNINGS, wh.INGEST_LOG)


def stored(engine: sa.Engine, region: str) -> dict[str, list[tuple]]:
    """Every stored row of the region, per table, in a fixed order."""
    return {table.name: sorted(map(tuple, wh.read_table(engine, table, region).astype(str).to_numpy()))
            for table in REGION_TABLES}


def two_versions(tmp_path):
    """Two different ingests of Twente: 2 participants with T0 and T1, and later a correction with 1."""
    first = ingest_region("twente", _folder(tmp_path / "v1", ["A1", "A2"]), key=KEY, today=TODAY)
    second = ingest_region("twente", _folder(tmp_path / "v2", ["B1"]), key=KEY, today=TODAY)
    assert (len(first.measurements), len(second.measurements)) == (4, 2)
    return first, second


def _folder(path, participants, region="Twente"):
    write_csv(path / "catalogus.csv", catalogue_rows("TW-1"))
    write_csv(path / "metingen.csv", [measurement_row(p, moment, date=date, region=region) for p in participants
                                      for moment, date in (("T0", "2024-01-15"), ("T1", "2024-09-15"))])
    return path


def pause_at_insert(engine: sa.Engine, table: sa.Table, pause) -> None:
    """Call `pause()` inside the write transaction, after the delete, just before the rows of `table` go in."""
    @sa.event.listens_for(engine, "before_cursor_execute")
    def _pause(conn, cursor, statement, *args):
        if statement.startswith(f"INSERT INTO {table.name} "):
            pause()


# Write a pickled region ingest to the warehouse, pausing for good at one point of the write: before the
# `stop`-th DELETE, INSERT or COMMIT, or after the write returned (stop = that count + 1). It touches the marker
# when it pauses, so the test knows when to kill it. With stop 0 it writes through and prints the point count.
KILLED_WRITE = """
import pickle, sys, time
from pathlib import Path
import sqlalchemy as sa
from llo import warehouse as wh
from llo.intake.ingest import store_region

url, ingest, stop, marker = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
engine = wh.engine_for(url)
points = 0

def point(*args):
    global points
    points += 1
    if points == stop:
        marker.touch()
        time.sleep(600)

@sa.event.listens_for(engine, "before_cursor_execute")
def _statement(conn, cursor, statement, *args):
    if statement.startswith(("DELETE", "INSERT")):
        point()

sa.event.listen(engine, "commit", point)
store_region(engine, pickle.loads(ingest.read_bytes()))
point()
print(points)
"""


def killed_write(url: str, ingest_path, stop: int, marker) -> subprocess.CompletedProcess | None:
    """Run the write; with a stop, SIGKILL it as soon as it pauses there."""
    process = subprocess.Popen([sys.executable, "-c", KILLED_WRITE, url, str(ingest_path), str(stop), str(marker)],
                               cwd=PROJECT_ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while stop and not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if stop:
        assert marker.exists(), process.communicate(timeout=5)
        os.kill(process.pid, signal.SIGKILL)
        marker.unlink()
    out, err = process.communicate(timeout=60)
    assert process.returncode == (-signal.SIGKILL if stop else 0), err[-3000:]
    return out


def test_a_write_killed_at_any_point_leaves_the_old_state_or_the_new_one_never_a_mix(warehouse_url, tmp_path):
    engine = sa.create_engine(warehouse_url)
    first, second = two_versions(tmp_path)
    store_region(engine, second)
    new = stored(engine, "twente")
    store_region(engine, first)
    old = stored(engine, "twente")
    ingest = tmp_path / "second.pickle"
    ingest.write_bytes(pickle.dumps(second))
    marker = tmp_path / "paused"
    points = int(killed_write(warehouse_url, ingest, 0, marker))  # a dry run, to count the points
    assert points >= 10  # 5 deletes, at least 4 inserts, the commit, and after it
    assert stored(engine, "twente") == new
    outcomes = []
    for stop in range(1, points + 1):
        store_region(engine, first)
        killed_write(warehouse_url, ingest, stop, marker)
        after = stored(engine, "twente")
        outcomes.append("new" if after == new else "old" if after == old else "MIXED")
    assert outcomes == ["old"] * (points - 1) + ["new"]  # only a kill after the commit sees the new rows
    engine.dispose()


def test_two_writes_of_one_region_at_once_leave_one_of_them_whole(warehouse_url, tmp_path):
    engine = sa.create_engine(warehouse_url)
    first, second = two_versions(tmp_path)
    states = []
    for version in (first, second):  # what each write leaves on its own
        store_region(engine, version)
        states.append(stored(engine, "twente"))

    # Both writers are held inside their transaction, after their delete, until the other arrives too (or 2 s
    # pass). Without turns both deletes find the old rows only, and both inserts stay: every row twice.
    meeting = threading.Barrier(2)

    def meet():
        with contextlib.suppress(threading.BrokenBarrierError):  # the other is waiting its turn: go on alone
            meeting.wait(timeout=2)

    pause_at_insert(engine, wh.MEASUREMENTS, meet)
    errors = []

    def write(version):
        try:
            store_region(engine, version)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    writers = [threading.Thread(target=write, args=(v,)) for v in (first, second)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)
    assert errors == []
    assert stored(engine, "twente") in states
    engine.dispose()


def test_a_second_sqlite_writer_waits_out_a_long_write(tmp_path):
    """The first run holds the write lock for 6 s, longer than sqlite3's default wait of 5 s; the second run's
    write of another region waits its turn and succeeds."""
    engine = wh.engine_for(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    first, _ = two_versions(tmp_path)
    wh.create_tables(engine)
    other = ingest_region("fryslan", _folder(tmp_path / "fryslan", ["C1"], "Fryslân"), key=KEY, today=TODAY)
    holding = threading.Event()

    def hold():
        if threading.current_thread().name == "long":
            holding.set()
            time.sleep(6)

    pause_at_insert(engine, wh.MEASUREMENTS, hold)
    long = threading.Thread(target=store_region, args=(engine, first), name="long")
    long.start()
    assert holding.wait(timeout=30)
    started = time.monotonic()
    store_region(engine, other)
    waited = time.monotonic() - started
    long.join(timeout=60)
    assert waited > 5  # it really waited longer than sqlite3's default would have allowed
    assert len(wh.read_table(engine, wh.MEASUREMENTS, "twente")) == 4
    assert len(wh.read_table(engine, wh.MEASUREMENTS, "fryslan")) == 2
    engine.dispose()

