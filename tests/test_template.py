"""The Excel intake template follows the contract: headers, drop-down lists, ranges and the explanation sheet."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.datavalidation import DataValidation

from checks.contract import MODELS, Measurement, measurement_schema
from llo.intake.template import INFO_SHEET, LIST_SHEET, MAX_INLINE_LIST, SHEETS, list_source, write_template


@pytest.fixture(scope="module")
def template_path(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("template") / "sjabloon.xlsx")


@pytest.fixture(scope="module")
def workbook(template_path):
    return openpyxl.load_workbook(template_path)


def validations(ws) -> dict[str, DataValidation]:
    """Canonical column name -> the data validation on that column's data cells."""
    names = list(MODELS[next(k for k, s in SHEETS.items() if s == ws.title)].to_schema().columns)
    found = {}
    for dv in ws.data_validations.dataValidation:
        first = str(dv.sqref).split(":")[0]
        assert first.endswith("2"), "validations start below the header"
        found[names[column_index_from_string(first.rstrip("0123456789")) - 1]] = dv
    return found


def list_values(wb, dv: DataValidation) -> list[str]:
    formula = dv.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, ref = formula.split("!")
    return [cell.value for row in wb[sheet.strip("'")][ref.replace("$", "")] for cell in row]


def bound(column, check_name: str):
    stats = [c.statistics for c in column.checks if c.name == check_name]
    return next(iter(stats[0].values())) if stats else None


@pytest.mark.parametrize("key", list(MODELS))
def test_header_row_is_the_model_titles(workbook, key):
    ws = workbook[SHEETS[key]]
    assert [c.value for c in ws[1]] == [col.title for col in MODELS[key].to_schema().columns.values()]
    assert ws.freeze_panes == "A2"
    assert all(c.font.bold and c.comment is not None for c in ws[1])


@pytest.mark.parametrize("key", list(MODELS))
def test_category_fields_have_drop_down_lists(workbook, key):
    dvs = validations(workbook[SHEETS[key]])
    for name, column in MODELS[key].to_schema().columns.items():
        cats = column.metadata.get("categories")
        if cats is None or column.metadata.get("multiple"):  # several values per cell: no single-choice list
            continue
        expected = [spellings[0] if isinstance(value, bool) else value for value, spellings in cats.items()]
        assert dvs[name].type == "list", name
        assert list_values(workbook, dvs[name]) == expected, name


@pytest.mark.parametrize("key", ["measurements", "trajectory_catalogue"])  # a withdrawal has no numbers
def test_numeric_ranges_match_the_contract(workbook, key):
    dvs = validations(workbook[SHEETS[key]])
    checked = 0
    for name, column in MODELS[key].to_schema().columns.items():
        low, high = bound(column, "greater_than_or_equal_to"), bound(column, "less_than_or_equal_to")
        if low is None or high is None:
            continue
        dv = dvs[name]
        assert dv.type == ("whole" if str(column.dtype) == "Int64" else "decimal"), name
        assert (dv.operator, float(dv.formula1), float(dv.formula2)) == ("between", low, high), name
        checked += 1
    assert checked >= 1


def test_strict_bounds_use_a_formula(workbook):
    dvs = validations(workbook[SHEETS["measurements"]])
    for name, column in Measurement.to_schema().columns.items():
        if (low := bound(column, "greater_than")) is not None:
            assert dvs[name].type == "custom" and f">{low}," in dvs[name].formula1, name


@pytest.mark.parametrize("key", list(MODELS))
def test_dates_and_text_lengths(workbook, key):
    dvs = validations(workbook[SHEETS[key]])
    for name, column in MODELS[key].to_schema().columns.items():
        if str(column.dtype).startswith("datetime"):
            assert dvs[name].type == "date", name
        lengths = [c.statistics for c in column.checks if c.name == "str_length"]
        if lengths:
            assert dvs[name].type == "textLength", name
            assert (int(dvs[name].formula1), int(dvs[name].formula2)) == (
                lengths[0]["min_value"], lengths[0]["max_value"]), name


def test_long_lists_go_to_a_hidden_sheet():
    wb = openpyxl.Workbook()
    values = [f"waarde nummer {i}" for i in range(40)]
    formula = list_source(wb, "lange_lijst", values)
    assert len(formula) <= MAX_INLINE_LIST
    assert wb[LIST_SHEET].sheet_state == "hidden"
    assert list_values(wb, DataValidation("list", formula1=formula)) == values
    assert list_source(wb, "kort", ["a", "b"]) == '"a,b"'


def test_explanation_mentions_every_column_and_rule(workbook):
    text = "\n".join(str(v) for row in workbook[INFO_SHEET].iter_rows(values_only=True) for v in row if v)
    schemas = [model.to_schema() for model in MODELS.values()]
    extended = measurement_schema({"X"}, dt.date(2025, 1, 1))
    rules = {c.name for s in schemas for c in s.checks}
    rules |= {c.name for col in extended.columns.values() for c in col.checks} - {
        c.name for col in Measurement.to_schema().columns.values() for c in col.checks}
    assert rules - {c.name for s in schemas for c in s.checks}, "expected the per-region rules too"
    for name in rules:
        assert name in text, name
    for schema in schemas:
        for column in schema.columns.values():
            assert column.title in text and column.description in text


def test_template_is_deterministic(template_path, tmp_path):
    assert write_template(tmp_path / "again.xlsx").read_bytes() == template_path.read_bytes()


def test_interview_sheet_has_drop_downs_and_the_code_list(workbook):
    from checks.contract import INTERVIEW_THEMES, PARTNERS

    ws = workbook[SHEETS["interview_codings"]]
    assert ws.title == "Groepsgesprekken"
    dvs = validations(ws)
    assert list_values(workbook, dvs["thema"]) == list(INTERVIEW_THEMES)
    assert list_values(workbook, dvs["richting"]) == ["helpt", "hindert"]
    assert (dvs["ronde"].type, list_values(workbook, dvs["ronde"])) == ("list", ["1", "2"])
    assert (dvs["sterkte"].type, list_values(workbook, dvs["sterkte"])) == ("list", ["1", "2", "3"])
    assert dvs["partners"].type == "custom" and all(p in dvs["partners"].error for p in PARTNERS)
    assert dvs["datum_gesprek"].type == "date" and dvs["citaat"].type == "textLength"
    info = [row for row in workbook[INFO_SHEET].iter_rows(values_only=True)]
    codes = {row[0]: row for row in info if row and row[0] in INTERVIEW_THEMES}
    assert set(codes) == set(INTERVIEW_THEMES)
    assert codes["financiering_structureel"][1:4] == (
        "Structurele financiering na de pilot", "borging: verankering van de route in de regio, ook na de pilot", 3)
    assert any(row[0] == "Citaten" and "[naam]" in row[1] for row in info if row and row[0])
