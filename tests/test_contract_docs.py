"""`docs/data-contract.md` is generated from the contract: it must not drift and must list every column and rule."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.contract import MODELS, Measurement, measurement_schema
from llo.intake.contract_docs import DOCS_PATH, render_contract_markdown

SAMPLE_DAY = dt.date(2025, 1, 1)


def rule_names(model) -> set[str]:
    """Table-wide rule names, plus the named column rules `measurement_schema` adds per region."""
    base = model.to_schema()
    names = {check.name for check in base.checks}
    if model is Measurement:
        extended = measurement_schema({"X"}, SAMPLE_DAY)
        for name, column in extended.columns.items():
            names |= {c.name for c in column.checks} - {c.name for c in base.columns[name].checks}
    return names


def test_committed_docs_match_the_contract():
    assert DOCS_PATH.exists(), f"{DOCS_PATH} is missing: run `llo docs`"
    assert DOCS_PATH.read_text(encoding="utf-8") == render_contract_markdown(), (
        "docs/data-contract.md is out of date with checks/contract.py: run `llo docs`")


@pytest.mark.parametrize("key", list(MODELS))
def test_every_column_and_rule_is_documented(key):
    text = DOCS_PATH.read_text(encoding="utf-8")
    model = MODELS[key]
    for name, column in model.to_schema().columns.items():
        assert f"| `{name}` | {column.title} |" in text, name
    names = rule_names(model)
    assert names or key == "withdrawals"  # a withdrawal has column rules only
    for name in names:
        assert f"| `{name}` |" in text, name


def test_per_region_rules_are_documented_without_sample_values():
    assert rule_names(Measurement) - {c.name for c in Measurement.to_schema().checks}, "expected per-region rules"
    assert str(SAMPLE_DAY) not in render_contract_markdown()


def test_warning_rules_are_marked_as_warnings():
    text = render_contract_markdown()
    for model in MODELS.values():
        for check in model.to_schema().checks:
            assert f"| `{check.name}` | {'warning' if check.raise_warning else 'rejection'} |" in text
