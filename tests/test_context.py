"""The region context file: the demo's fictitious values load; bad files name file, row, column and value."""

from __future__ import annotations

import pytest

from llo.demo_data import DEMO_REGIONS, write_context
from llo.monitor.context import FICTITIOUS, load_context
from llo.settings import ConfigurationError

HEADER = "regio,peiljaar,aandeel_laaggeletterden,spanningsindicator,werkloosheid,bron\n"


def test_demo_context_covers_the_demo_regions_and_says_it_is_fictitious(tmp_path):
    rows = load_context(write_context(tmp_path / "region_context.csv"))
    assert sorted(rows["region"]) == sorted(DEMO_REGIONS)
    assert (rows["context_bron"] == FICTITIOUS).all()
    assert rows["aandeel_laaggeletterden"].between(0, 100).all()


def test_a_missing_file_gives_an_empty_table(tmp_path):
    assert load_context(tmp_path / "none.csv").empty


def test_region_names_and_decimal_commas_are_understood(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + 'Fryslân,2024,"15,5",1.1,4,CBS\n', encoding="utf-8")
    row = load_context(path).iloc[0]
    assert row["region"] == "fryslan" and row["aandeel_laaggeletterden"] == 15.5 and row["context_bron"] == "CBS"


@pytest.mark.parametrize(("line", "message"), [
    ("Atlantis,2024,15,1.1,4,x\n", "row 2, column regio: 'Atlantis' is not a known labour-market region"),
    ("Twente,2024,veel,1.1,4,x\n", "row 2, column aandeel_laaggeletterden: 'veel' is not a number"),
    ("Twente,2024,150,1.1,4,x\n", "column aandeel_laaggeletterden: rule less_than_or_equal_to(100) fails"),
])
def test_bad_rows_are_named(tmp_path, line, message):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + line, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="c.csv") as error:
        load_context(path)
    assert message in str(error.value)


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("regio,peiljaar\nTwente,2024\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="missing column.*aandeel_laaggeletterden"):
        load_context(path)
