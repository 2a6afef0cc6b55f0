"""Direct identifiers are refused at the door and participant ids are pseudonymised."""

from __future__ import annotations

import numpy as np
import pytest

from llo.intake.ingest import ingest_region
from llo.intake.privacy import elfproef, identifier_problems, pseudonym
from tests.conftest import KEY, TODAY, catalogue_rows, measurement_row, write_csv


@pytest.mark.parametrize("number,valid", [("111222333", True), ("123456782", True), ("123456789", False),
                                          ("000000000", False), ("12345678", False)])
def test_elfproef(number, valid):
    # 111222333: 9+8+7+12+10+8+9+6-3 = 66 = 6*11; 123456782: 9+16+21+24+25+24+21+16-2 = 154 = 14*11
    assert elfproef(number) is valid


def test_pseudonym_is_keyed_stable_and_region_scoped():
    assert pseudonym(KEY, "twente", "A1") == pseudonym(KEY, "twente", " A1 ")
    assert pseudonym(KEY, "twente", "A1") != pseudonym(b"another-key-0123456789", "twente", "A1")
    assert pseudonym(KEY, "twente", "A1") != pseudonym(KEY, "rijnmond", "A1")
    assert len(pseudonym(KEY, "twente", "A1")) == 32


def _columns(*rows: list[str]) -> list[np.ndarray]:
    """The table's columns, as the reader gives them, from its rows."""
    return [np.array(cells, dtype=object) for cells in zip(*rows, strict=True)]


@pytest.mark.parametrize("header,value,found", [
    ("Opmerking", "bel 06-12345678", "phone number"),
    ("Opmerking", "mail jan@example.org", "e-mail address"),
    ("Notitie", "bsn 111222333 nagaan", "BSN"),
    ("Achternaam", "", "by its name"),
])
def test_identifier_detection(header, value, found):
    problems = identifier_problems(["Deelnemer ID", header], _columns(["A1", value]), id_position=0, allowed={0})
    assert len(problems) == 1 and found in problems[0]
    assert value == "" or value.split()[-1] not in problems[0]  # the value itself is never repeated


def test_participant_ids_of_nine_digits_are_not_mistaken_for_a_bsn_column():
    ids = [f"{n:09d}" for n in range(100000001, 100000021)]
    assert 0 < sum(elfproef(i) for i in ids) < len(ids) / 2  # some pass by chance, as random numbers do
    assert identifier_problems(["Deelnemer ID"], _columns(*[[i] for i in ids]), id_position=0, allowed={0}) == []
    bsns = ["111222333", "123456782"]
    assert identifier_problems(["Deelnemer ID"], _columns(*[[b] for b in bsns]), id_position=0, allowed={0})


def test_a_file_with_a_bsn_column_is_rejected_and_no_value_is_kept(tmp_path):
    folder = tmp_path / "twente"
    write_csv(folder / "catalogus.csv", catalogue_rows("TW-1"))
    write_csv(folder / "m.csv", [measurement_row("A1"), measurement_row("A2")],
              extra={"BSN": ["111222333", "123456782"]})
    result = ingest_region("twente", folder, key=KEY, today=TODAY)
    line = result.ingest_log.set_index("file").loc["m.csv"]
    assert line["status"] == "rejected" and "BSN" in line["reason"]
    assert result.measurements.empty and result.quarantine.empty
    everything = "".join(frame.to_csv() for frame in (result.ingest_log, result.measurements,
                                                      result.quarantine, result.warnings))
    assert "111222333" not in everything and "123456782" not in everything


def test_raw_participant_ids_never_reach_the_output(region_folder):
    result = ingest_region("twente", region_folder, key=KEY, today=TODAY)
    assert set(result.measurements["deelnemer_id"]) == {pseudonym(KEY, "twente", "A1"),
                                                        pseudonym(KEY, "twente", "A2")}
