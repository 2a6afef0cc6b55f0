"""Each region's part of the monthly KPI and SCBA figures, kept in the warehouse between runs.

A month's KPI counts, change-score sums and SCBA effects are sums over the regions of what each region's
trajectories give on the peildatum. The monthly assets keep each region's part (`REGION_RESULTS`), so that the run
after one region's delivery reads and computes that region's trajectories only: at the national scale a read of
every trajectory takes seconds, one region's a fraction.

A kept part is used only while it is still true, which two versions decide:
- the region's trajectories are the ones it was computed from: the trajectories asset writes the version of a
  region (`TRAJECTORY_VERSIONS`, a hash of its trajectories and catalogue) in the same transaction as its rows;
- the code that computed it is the same: `code_version` hashes the modules that compute it.
Any other part is computed again from the region's trajectories, and kept with the versions it was computed from.
A region without a version (a warehouse written before versions existed) is computed every time, never kept.

A part is kept as rows of one number each (`Form` says how a computed part becomes rows and back); each region and
day computed also keeps a row of its own (`MARKER`), so a part with no rows at all (no participant yet) is kept too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from llo import warehouse as wh
from llo.memory import release_freed_memory

# Kept in the long form, one number per row: (region, peildatum, item) with the dtype it is restored to, so a kept
# part gives the same frame as a computed one.
KEY = ["region", "peildatum", "item"]

BATCH_TRAJECTORIES = 150_000  # regions are computed in groups of about this many trajectories (see `batches`)

MARKER = ""  # the item of the row kept for every region and day computed (value NULL)

# compute(regions, days): the regions' parts on the days, in its Form's frame; in the WIDE form a frame indexed by
# region with a peildatum column and a numeric column per item, with a row for every region and day it is asked.
Compute = Callable[[list[str], list[pd.Timestamp]], pd.DataFrame]


def trajectory_versions(engine: sa.Engine, column: str = "version") -> dict[str, str]:
    """Per region the version of its trajectories (`version`), or of what they were derived from (`derived_from`)."""
    wh.create_tables(engine)  # a warehouse of an earlier version gets the columns added since
    rows = wh.read_table(engine, wh.TRAJECTORY_VERSIONS, columns=["regio", column])
    return {region: value for region, value in zip(rows["regio"], rows[column], strict=True) if value is not None}


def trajectory_regions(engine: sa.Engine) -> list[str]:
    """The regions with trajectories or a trajectory catalogue (a DISTINCT over each table's indexed region
    column, not a read of the rows)."""
    found: set[str] = set()
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for table in (wh.TRAJECTORIES, wh.TRAJECTORY_CATALOGUE):
            if inspector.has_table(table.name):
                found |= set(conn.execute(sa.select(table.c.regio).distinct()).scalars())
    return sorted(found)


def long(frame: pd.DataFrame) -> pd.DataFrame:
    """A computed part (see Compute) in the long form."""
    rows = frame.rename_axis("region").reset_index().melt(id_vars=["region", "peildatum"], var_name="item")
    rows["dtype"] = rows["item"].map({item: str(frame[item].dtype) for item in frame.columns})
    rows["value"] = rows["value"].astype("float64")
    return rows


def wide(rows: pd.DataFrame) -> pd.DataFrame:
    """The inverse of `long`."""
    frame = rows.pivot(index=["region", "peildatum"], columns="item", values="value").rename_axis(columns=None)
    dtypes = rows.drop_duplicates("item").set_index("item")["dtype"]
    return frame.astype({item: dtypes[item] for item in frame.columns}).reset_index("peildatum")


def _wide_rows(groups: list[pd.DataFrame]) -> pd.DataFrame:
    # an item none of a group's regions has a part in (an effect in a year none of them reaches) is 0 for them
    items = list(dict.fromkeys(item for frame in groups for item in frame.columns))
    return long(pd.concat([frame.reindex(columns=items, fill_value=0) for frame in groups]))


@dataclass(frozen=True)
class Form:
    """How parts are kept: `rows(frames)` the computed frames of one or more groups of regions as rows (KEY, dtype,
    value), `frame(rows)` the inverse, one frame of every region in the rows."""
    rows: Callable[[list[pd.DataFrame]], pd.DataFrame]
    frame: Callable[[pd.DataFrame], pd.DataFrame]


WIDE = Form(_wide_rows, wide)


@dataclass(frozen=True)
class Parts:
    frame: pd.DataFrame  # see Compute
    computed: list[str]  # the regions computed from their trajectories in this run
    kept: list[str]  # the regions whose kept parts were used

    def describe(self) -> str:
        return (f"{len(self.computed)} region(s) computed from their trajectories"
                + (f" ({_names(self.computed)})" if self.computed else "") + f", {len(self.kept)} kept")


def region_results(engine: sa.Engine, kind: str, code: str, days: Iterable[pd.Timestamp], compute: Compute,
                   form: Form = WIDE) -> Parts:
    """Every region's part of `kind` on `days` (see Compute): kept parts where they are still true, the others from
    `compute(regions, days)`, which are then kept."""
    days = sorted(set(map(pd.Timestamp, days)))
    regions, versions = trajectory_regions(engine), trajectory_versions(engine)
    if not regions:
        return Parts(compute([], days), [], [])
    expected = {region: f"{versions[region]}:{code}" for region in regions if region in versions}
    kept = _kept(engine, kind, expected, days)
    marked = kept[kept["item"] == MARKER].groupby("region")["peildatum"].nunique()
    fresh = sorted(marked[marked == len(days)].index)
    stale = [region for region in regions if region not in fresh]
    kept = kept[kept["region"].isin(fresh) & (kept["item"] != MARKER)]
    if not stale:
        return Parts(form.frame(kept), [], fresh)
    groups = []
    for group in batches(engine, stale):
        release_freed_memory()  # what the previous group's computation freed
        groups.append(compute(group, days))
    computed = form.rows(groups)
    markers = pd.DataFrame({"region": [region for region in stale for _ in days], "peildatum": days * len(stale),
                            "item": MARKER, "dtype": "float64", "value": float("nan")})
    keep = pd.concat([computed, markers], ignore_index=True)
    keep = keep[keep["region"].isin(expected)].assign(kind=kind, version=lambda f: f["region"].map(expected))
    _keep(engine, kind, keep, [region for region in stale if region in expected], days)
    return Parts(form.frame(pd.concat([kept, computed], ignore_index=True) if fresh else computed), stale, fresh)


def batches(engine: sa.Engine, regions: list[str]) -> list[list[str]]:
    """The regions in groups of at most BATCH_TRAJECTORIES trajectories together (a larger region alone): a part is
    a sum over a region's own trajectories, so computing a group at a time gives the same parts, and holds one
    group's trajectories in memory instead of the nation's."""
    rows = wh.read_counts(engine, wh.TRAJECTORIES, ["regio"], where=wh.TRAJECTORIES.c.regio.in_(regions))
    sizes = dict(zip(rows["regio"], rows["rows"], strict=True))
    batches, size = [[]], 0
    for region in regions:
        if batches[-1] and size + sizes.get(region, 0) > BATCH_TRAJECTORIES:
            batches.append([])
            size = 0
        batches[-1].append(region)
        size += sizes.get(region, 0)
    return batches


def _names(regions: list[str]) -> str:
    return ", ".join(regions) if len(regions) <= 3 else f"{regions[0]} .. {regions[-1]}"


def _kept(engine: sa.Engine, kind: str, expected: dict[str, str], days: list[pd.Timestamp]) -> pd.DataFrame:
    table = wh.REGION_RESULTS
    if not expected or not sa.inspect(engine).has_table(table.name):
        return pd.DataFrame(columns=[*KEY, "dtype", "value"])
    where = sa.and_(table.c.kind == kind, table.c.peildatum.in_([day.date() for day in days]))
    rows = wh.read_table(engine, table, where=where)
    rows = rows[rows["version"] == rows["region"].map(expected)]
    return rows.assign(peildatum=pd.to_datetime(rows["peildatum"]))[[*KEY, "dtype", "value"]]


def _keep(engine: sa.Engine, kind: str, rows: pd.DataFrame, regions: list[str], days: list[pd.Timestamp]) -> None:
    """Replace the regions' kept parts of `kind`: on `days`, and every part of another version."""
    table = wh.REGION_RESULTS
    if not regions:
        return

    def delete(_):  # versions are unique per region: a kept part of another version is one not in `current`
        current = sorted(set(rows["version"]))
        return sa.delete(table).where(table.c.kind == kind, table.c.region.in_(regions), sa.or_(
            table.c.peildatum.in_([day.date() for day in days]), table.c.version.not_in(current)))

    wh.replace(engine, {table: rows[[c.name for c in table.columns]]}, delete)
