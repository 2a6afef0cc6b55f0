"""Each region's part of the monthly figures, kept between runs (llo.monitor.region_results): the monthly assets use a
kept part only while it is still true, and give the same tables as when every region is computed from scratch."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from llo import fingerprints
from llo import warehouse as wh
from llo.monitor import region_results
from tests.conftest import MONTHS, monthly_assets

REGIONS = ("twente", "zuidoost-brabant", "achterhoek")
TABLES = (wh.KPI_REGION_MONTH, wh.KPI_NATIONAL_MONTH, wh.CHANGE_SCORES_MONTH, wh.SCBA_OVERVIEW,
          wh.SCBA_DISTRIBUTION, wh.SCBA_SENSITIVITY, wh.SCBA_MONTE_CARLO)


@pytest.fixture()
def pipeline(tmp_path, monkeypatch):
    """Three demo regions ingested region by region; `ingest(region)` and `monthly()` run the assets again."""
    from assets.ingest import region_ingest
    from assets.trajectories import trajectories
    from llo.demo_data import generate, write_context
    from pipelines.partitions import range_tags, sync_region_partitions
    from pipelines.resources import Landing, Monitor, Warehouse

    generate(tmp_path / "landing", seed=11, regions=REGIONS)
    write_context(tmp_path / "config" / "region_context.csv", regions=REGIONS)
    monkeypatch.setenv("LLO_DEMO", "1")
    monkeypatch.setenv("LLO_HOME", str(tmp_path))
    monkeypatch.delenv("LLO_PSEUDONYM_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    instance = dg.DagsterInstance.ephemeral()
    sync_region_partitions(instance, tmp_path / "landing")
    resources = {"warehouse": Warehouse(url=url), "landing": Landing(path=str(tmp_path / "landing")),
                 "monitor": Monitor(context_path=str(tmp_path / "config" / "region_context.csv"))}

    def ingest(region: str, **monitor) -> list[str]:
        """Ingest the region again: the regions whose trajectories were kept."""
        chosen = {**resources, "monitor": Monitor(context_path=resources["monitor"].context_path, **monitor)}
        result = dg.materialize([region_ingest, trajectories], partition_key=region, instance=instance,
                                resources=chosen)
        assert result.success
        (event,) = [e for e in result.get_asset_materialization_events()
                    if e.asset_key.to_user_string() == "trajectories"]
        return event.materialization.metadata["regions_kept"].value

    def monthly() -> dict[str, tuple[int, int]]:
        """Run the monthly assets over MONTHS: (regions computed, regions kept) of the KPI and the SCBA step."""
        result = dg.materialize(monthly_assets(), instance=instance, resources=resources, tags=range_tags(list(MONTHS)))
        assert result.success
        found = {}
        for event in result.get_asset_materialization_events():
            metadata = event.materialization.metadata
            if event.asset_key.to_user_string() in ("kpi_national_month", "scba_overview"):
                found[event.asset_key.to_user_string()] = (metadata["regions_computed"].value,
                                                           metadata["regions_kept"].value)
        return found

    for region in REGIONS:
        ingest(region)
    yield tmp_path, wh.engine_for(url), ingest, monthly
    wh.engine_for(url).dispose()


def stored(engine: sa.Engine) -> dict[str, pd.DataFrame]:
    tables = {}
    for table in TABLES:
        frame = wh.read_typed(engine, table)
        tables[table.name] = frame.sort_values(list(frame.columns[:4]), ignore_index=True)
    return tables


def assert_same(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=name)


def test_kept_parts_give_the_tables_a_computation_from_scratch_gives(pipeline, monkeypatch):
    from bench.run import late_delivery

    home, engine, ingest, monthly = pipeline
    every = {"kpi_national_month": (3, 0), "scba_overview": (3, 0)}
    assert monthly() == every  # nothing kept yet
    first = stored(engine)
    assert monthly() == {"kpi_national_month": (0, 3), "scba_overview": (0, 3)}
    assert_same(stored(engine), first)

    late_delivery(home)  # Twente's intakes of its last month once more, as new participants
    ingest("twente")
    assert monthly() == {"kpi_national_month": (1, 2), "scba_overview": (1, 2)}  # Twente alone is read again
    after = stored(engine)
    k1 = {name: frame.set_index(["peildatum", "region", "kpi"]).loc[(pd.Timestamp("2025-12-31"), "twente", "K1"),
                                                                     "value"]
          for name, frame in (("before", first["kpi_region_month"]), ("after", after["kpi_region_month"]))}
    assert k1["after"] > k1["before"]  # the late intakes count

    with engine.begin() as conn:
        conn.execute(sa.delete(wh.REGION_RESULTS))
    assert monthly() == every
    assert_same(stored(engine), after)

    monkeypatch.setattr(fingerprints, "code_version", lambda *modules: "other code")
    assert monthly() == every  # parts computed by other code are not used
    assert_same(stored(engine), after)


def test_regions_computed_a_group_at_a_time_give_the_tables_of_all_at_once(pipeline, monkeypatch):
    """The parts are computed in groups of regions (bounded by their trajectories, to bound memory): a region per
    group gives the same parts and tables; an item none of a group's regions has (an SCBA effect in a year) is zero
    for them, as it is for a region computed together with one that has it."""
    from assets.kpi import region_parts
    from assets.scba import region_effects
    from llo.monitor import kpi, region_results

    _, engine, _, monthly = pipeline
    monthly()
    together = stored(engine)
    days = [kpi.month_end(month[:7]) for month in MONTHS]

    def parts(batch: int) -> list[pd.DataFrame]:
        monkeypatch.setattr(region_results, "BATCH_TRAJECTORIES", batch)
        with engine.begin() as conn:
            conn.execute(sa.delete(wh.REGION_RESULTS))
        return [region_parts(engine, days).frame, region_effects(engine, days).frame]

    for alone, with_others in zip(parts(1), parts(10**9), strict=True):
        pd.testing.assert_frame_equal(alone, with_others, check_exact=True)

    def compute(regions, days):  # as the SCBA's: an effect only Twente has is 0 for the others computed with it
        rows = [{"region": region, "peildatum": day, "n": 1.0, **({"x": 2.0} if region == "twente" else {})}
                for region in regions for day in days]
        return pd.DataFrame(rows).fillna(0.0).set_index("region")

    found = {}
    for batch in (1, 10**9):
        monkeypatch.setattr(region_results, "BATCH_TRAJECTORIES", batch)
        found[batch] = region_results.region_results(engine, f"probe-{batch}", "code", days, compute).frame
    pd.testing.assert_frame_equal(found[1], found[10**9], check_exact=True)
    assert found[1].loc["achterhoek", "x"].eq(0).all()

    monkeypatch.setattr(region_results, "BATCH_TRAJECTORIES", 1)  # every region a group of its own
    assert region_results.batches(engine, list(REGIONS)) == [[region] for region in REGIONS]
    with engine.begin() as conn:
        conn.execute(sa.delete(wh.REGION_RESULTS))
    assert monthly() == {"kpi_national_month": (3, 0), "scba_overview": (3, 0)}
    assert_same(stored(engine), together)


def test_a_region_without_a_version_is_computed_every_time(pipeline):
    _, engine, _, monthly = pipeline
    monthly()
    with engine.begin() as conn:  # as in a warehouse written before versions existed
        conn.execute(sa.delete(wh.TRAJECTORY_VERSIONS).where(wh.TRAJECTORY_VERSIONS.c.regio == "achterhoek"))
    assert monthly() == {"kpi_national_month": (1, 2), "scba_overview": (1, 2)}
    assert monthly() == {"kpi_national_month": (1, 2), "scba_overview": (1, 2)}


def test_long_and_wide_restore_each_dtype():
    frame = pd.DataFrame({"peildatum": pd.to_datetime(["2025-01-31", "2025-01-31"]),
                          "count": pd.array([3, 0], dtype="Int64"), "hours": [1.5, -2.25],
                          "whole": [7, 9]}, index=pd.Index(["a", "b"], name="region"))
    back = region_results.wide(region_results.long(frame))
    pd.testing.assert_frame_equal(back, frame[["peildatum", "count", "hours", "whole"]].reindex(
        columns=["peildatum", *sorted(["count", "hours", "whole"])]))


def test_a_changed_catalogue_alone_makes_the_region_computed_again(pipeline):
    """K6 counts the catalogue: a new trajectory changes no participant's row, but the region's version all the same."""
    home, engine, ingest, monthly = pipeline
    monthly()
    (catalogue,) = (home / "landing" / "twente").glob("*trajectcatalogus.csv")
    lines = catalogue.read_text(encoding="utf-8").splitlines()
    catalogue.write_text("\n".join([*lines, "TW-NIEUW-01,Nieuw traject,taal,2024-01-01,1500.00"]) + "\n",
                         encoding="utf-8")
    k6 = wh.read_typed(engine, wh.KPI_REGION_MONTH).set_index(["peildatum", "region", "kpi"]).loc[
        (pd.Timestamp("2025-12-31"), "twente", "K6"), "value"]
    ingest("twente")
    assert monthly() == {"kpi_national_month": (1, 2), "scba_overview": (1, 2)}
    assert wh.read_typed(engine, wh.KPI_REGION_MONTH).set_index(["peildatum", "region", "kpi"]).loc[
        (pd.Timestamp("2025-12-31"), "twente", "K6"), "value"] == k6 + 1


def test_trajectories_are_kept_while_what_they_were_derived_from_is_unchanged(pipeline, monkeypatch):
    """A re-delivery that changes nothing derives and writes no trajectories; a changed catalogue, threshold or
    derivation code does, and what is derived again equals what was kept."""
    home, engine, ingest, _ = pipeline

    def trajectories() -> pd.DataFrame:
        return wh.read_typed(engine, wh.TRAJECTORIES, "twente").sort_values("deelnemer_id", ignore_index=True)

    before = trajectories()
    with engine.begin() as conn:  # a mark that survives only while the stored rows are kept
        conn.execute(sa.update(wh.TRAJECTORIES).where(wh.TRAJECTORIES.c.regio == "twente").values(trajecttype="kept"))
    (last,) = sorted((home / "landing" / "twente").glob("*_metingen.csv"))[-1:]
    (home / "landing" / "twente" / "herlevering.csv").write_bytes(last.read_bytes().replace(b"\n", b"\r\n"))
    assert ingest("twente") == ["twente"]  # the same rows once more, in other bytes: nothing to derive
    assert set(trajectories()["trajecttype"]) == {"kept"}

    assert ingest("twente", sustainable_work_hours=20.0) == []  # another threshold
    pd.testing.assert_frame_equal(trajectories().drop(columns="duurzaam_werk"), before.drop(columns="duurzaam_werk"))
    assert ingest("twente", sustainable_work_hours=20.0) == ["twente"]

    with monkeypatch.context() as patched:
        patched.setattr(fingerprints, "code_version", lambda *modules: "other code")
        assert ingest("twente", sustainable_work_hours=20.0) == []
    assert ingest("twente") == []
    pd.testing.assert_frame_equal(trajectories(), before)

    (catalogue,) = (home / "landing" / "twente").glob("*trajectcatalogus.csv")
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "TW-NIEUW-01,Nieuw traject,taal,2024-01-01,1500.00\n",
                         encoding="utf-8")
    assert ingest("twente") == []
