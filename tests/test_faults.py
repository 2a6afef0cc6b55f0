"""Every fault the demo generator can inject, one at a time, gets the outcome it should."""

from __future__ import annotations

import pytest

from llo.demo_data import ALL_FAULTS, FILE_FAULTS, synthetic_region, write_delivery
from llo.intake.ingest import ingest_region
from tests.conftest import KEY, TODAY

DETECTED = {  # what the ingest log must say it recognised
    "semicolon_decimal_comma": {"separator": ";", "decimal_mark": ","},
    "windows_1252": {"encoding": "cp1252"},
    "utf8_bom": {"encoding": "utf-8-sig"},
    "xlsx_title_row": {"header_row": 2},
}


@pytest.fixture(scope="module")
def rijnmond():
    return synthetic_region("rijnmond", seed=3)


@pytest.mark.parametrize("fault", ALL_FAULTS)
def test_fault(fault, rijnmond, tmp_path):
    catalogue, measurements = rijnmond
    folder = tmp_path / "rijnmond"
    folder.mkdir()
    write_delivery(catalogue, folder / "catalogus.csv", kind="trajectory_catalogue")
    delivery = write_delivery(measurements, folder / "metingen.csv", faults=[fault], seed=11)
    result = ingest_region("rijnmond", folder, key=KEY, today=TODAY)
    line = result.ingest_log.set_index("file").loc[delivery.path.name]
    assert line["rows_read"] == line["rows_accepted"] + line["rows_quarantined"]
    if fault in FILE_FAULTS:
        assert line["status"] == "rejected" and line["reason"]
        assert result.measurements.empty and result.quarantine.empty
        return
    assert line["rows_read"] == delivery.rows_written
    assert line["rows_quarantined"] == delivery.expected_quarantined
    assert len(result.measurements) == delivery.rows_written - delivery.expected_quarantined
    for column, value in DETECTED.get(fault, {}).items():
        assert line[column] == value, column
    if fault == "misspelled_headers":
        assert "read as" in line["corrected_headers"]
    if fault == "semicolon_decimal_comma":  # decimal commas became numbers, not quarantine
        assert result.measurements["uren_per_week"].dropna().mod(1).gt(0).any()
