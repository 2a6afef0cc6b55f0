"""The bad-input corpus (tests/bad_inputs.py): every malformed delivery gets a clear outcome, nothing crashes,
no row disappears, and the rest of the region goes through; stored in the warehouse, another region's rows
stay as they were."""

from __future__ import annotations

import pandas as pd
import pytest

from llo import warehouse as wh
from llo.intake.ingest import ingest_region, store_region
from tests.bad_inputs import CASES, Case
from tests.conftest import KEY, TODAY, catalogue_rows, measurement_row, write_csv

CLEAN_ROWS = 4  # tests.conftest.region_folder: two participants with T0 and T1


@pytest.fixture
def other_region(tmp_path):
    folder = tmp_path / "landing" / "fryslan"
    write_csv(folder / "catalogus.csv", catalogue_rows("FR-1"))
    write_csv(folder / "2024-03.csv", [measurement_row("F1", region="Fryslân", code="FR-1", date="2024-03-01",
                                                       start="2024-03-01")])
    return folder


def test_the_corpus_holds_forty_distinct_malformed_deliveries():
    assert len({case.name for case in CASES}) == len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_malformed_delivery_is_refused_or_quarantined_with_its_reason(case: Case, region_folder, other_region,
                                                                        tmp_path, monkeypatch):
    monkeypatch.setenv("LLO_MAX_FILE_MB", "0.25")
    engine = wh.engine_for(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    store_region(engine, ingest_region("fryslan", other_region, key=KEY, today=TODAY))
    stored = wh.read_table(engine, wh.MEASUREMENTS, "fryslan")
    assert len(stored) == 1
    path = case.build(region_folder)
    raw = path.read_bytes()
    result = ingest_region("twente", region_folder, key=KEY, today=TODAY)  # no exception: that is the first check
    assert path.read_bytes() == raw  # the delivery is only read

    log = result.ingest_log.set_index("file")
    assert path.name in log.index, "every delivered file is logged"
    lines = log.loc[[path.name]]
    assert (lines["rows_read"] == lines["rows_accepted"] + lines["rows_quarantined"]).all(), "rows accounted"
    refused = result.quarantine[result.quarantine["file"] == path.name]
    accepted = int(lines["rows_accepted"].sum())
    if case.ignored:
        assert set(lines["status"]) == {"ignored"} and int(lines["rows_read"].sum()) == 0
        assert all(word.lower() in lines["reason"].iloc[0].lower() for word in case.ignored), lines["reason"].iloc[0]
        assert accepted == 0 and refused.empty
    elif case.rejected:
        assert set(lines["status"]) == {"rejected"}
        reason = " ".join(lines["reason"])
        for word in case.rejected:
            assert word.lower() in reason.lower(), reason
        assert accepted == 0 and refused.empty
    else:
        assert "rejected" not in set(lines["status"]), " ".join(lines["reason"].dropna())
        assert accepted == case.accepted
        assert refused.groupby("rule")["row_number"].nunique().to_dict() == case.quarantined
        assert int(lines["rows_quarantined"].sum()) == refused["row_number"].nunique()
        assert refused["row_number"].notna().all() and (refused["message"].str.len() > 0).all()
        assert (refused["column_name"].fillna("").str.len() > 0).all(), "each refusal names its column"
    for column, value in case.logged.items():
        logged = lines[column].iloc[0]
        assert (pd.isna(logged) if value is None else logged == value), (column, logged)
    # the clean files beside it go through; stored, the region replaces only its own rows
    clean = result.measurements[result.measurements["bron_bestand"].isin(["2024-01.csv", "2024-09.csv"])]
    assert len(clean) == CLEAN_ROWS
    store_region(engine, result)
    assert len(wh.read_table(engine, wh.MEASUREMENTS, "twente")) == len(result.measurements)
    pd.testing.assert_frame_equal(wh.read_table(engine, wh.MEASUREMENTS, "fryslan"), stored)
