"""`docs/data-contract.md`, generated from the Pandera models in `checks/contract.py`.

Besides the Markdown renderer, this module offers the small readers of the contract that the Excel template
shares: a column's value range, text length, category values and the rules of a model, including the
per-region rules that `measurement_schema()` adds.
"""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass

import pandera.pandas as pa

from checks import contract
from llo.markdown import cell
from llo.settings import PROJECT_ROOT

DOCS_PATH = PROJECT_ROOT / "docs" / "data-contract.md"
TYPE_NAMES = {"str": "text", "Int64": "whole number", "float64": "decimal number", "datetime64[ns]": "date",
              "boolean": "yes/no"}
_LOWER = {"greater_than_or_equal_to": True, "greater_than": False}
_UPPER = {"less_than_or_equal_to": True, "less_than": False}


@dataclass(frozen=True)
class Range:
    """Numeric bounds of a column; None where unbounded."""
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True


@dataclass(frozen=True)
class Rule:
    """A table-wide or per-region rule: a failing rejection rule quarantines the row, a warning keeps it."""
    name: str
    description: str
    warning: bool
    per_region: bool
    columns: tuple[str, ...]


def value_range(column: pa.Column) -> Range | None:
    """The ge/gt/le/lt/in_range bounds of a column, or None when it has none."""
    bounds: dict = {}
    for check in column.checks:
        stats = check.statistics or {}
        if check.name in _LOWER:
            bounds.update(low=stats["min_value"], low_inclusive=_LOWER[check.name])
        elif check.name in _UPPER:
            bounds.update(high=stats["max_value"], high_inclusive=_UPPER[check.name])
        elif check.name == "in_range":
            bounds.update(low=stats["min_value"], high=stats["max_value"],
                          low_inclusive=stats.get("include_min", True), high_inclusive=stats.get("include_max", True))
    return Range(**bounds) if bounds else None


def length_range(column: pa.Column) -> tuple[int | None, int | None] | None:
    """(min, max) text length of a column with a str_length check."""
    for check in column.checks:
        if check.name == "str_length":
            stats = check.statistics
            exact = stats.get("exact_value")
            return (exact, exact) if exact is not None else (stats.get("min_value"), stats.get("max_value"))
    return None


def categories(column: pa.Column) -> dict[str, list[str]] | None:
    """Category value as typed in a file -> other accepted spellings. For a ja/nee field the first spelling
    of True/False is the value itself."""
    cats = (column.metadata or {}).get("categories")
    if cats is None:
        return None
    labels = {value: spellings[0] if isinstance(value, bool) else str(value) for value, spellings in cats.items()}
    return {labels[value]: [s for s in spellings if s != labels[value]] for value, spellings in cats.items()}


def full_schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    """The model's schema with its per-region rules, built with sample arguments."""
    if model is contract.Measurement:
        return contract.measurement_schema({"X"}, dt.date(2025, 1, 1))
    if model is contract.InterviewCoding:
        return contract.interview_schema(dt.date(2025, 1, 1))
    return model.to_schema()


def model_rules(model: type[pa.DataFrameModel]) -> list[Rule]:
    """The model's table-wide rules, then the named column rules added per region."""
    base = model.to_schema()
    rules = [Rule(c.name, c.description or "", contract.is_warning(c), False,
                  contract.RULE_COLUMNS.get(c.name, ())) for c in base.checks]
    for name, column in full_schema(model).columns.items():
        known = {check.name for check in base.columns[name].checks}
        rules += [Rule(c.name, c.description or "", contract.is_warning(c), True,
                       contract.RULE_COLUMNS.get(c.name, (name,)))
                  for c in column.checks if c.name not in known]
    return rules


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_range(rng: Range) -> str:
    parts = []
    if rng.low is not None:
        parts.append(f"{_num(rng.low)} {'≤' if rng.low_inclusive else '<'} ")
    parts.append("value")
    if rng.high is not None:
        parts.append(f" {'≤' if rng.high_inclusive else '<'} {_num(rng.high)}")
    return "".join(parts)


def _allowed(column: pa.Column) -> str:
    cats = categories(column)
    if cats is not None and (column.metadata or {}).get("multiple"):
        return "one or more of " + "; ".join(f"`{value}`" + (f" ({', '.join(others)})" if others else "")
                                             for value, others in cats.items()) + ", separated by `,` or `;`"
    if cats is not None and len(cats) > 10:  # a code list: its labels are in the code list section
        return "a code of the code list below: " + ", ".join(f"`{value}`" for value in cats) + \
            " (or its label)"
    if cats is not None:
        return "; ".join(f"`{value}`" + (f" ({', '.join(others)})" if others else "")
                         for value, others in cats.items())
    texts = []
    if (rng := value_range(column)) is not None:
        texts.append(describe_range(rng))
    if (length := length_range(column)) is not None:
        texts.append(f"length {length[0] or 0}–{length[1] if length[1] is not None else '…'}")
    return "; ".join(texts) or "—"


def _column_table(schema: pa.DataFrameSchema) -> list[str]:
    lines = ["| Column | Header | Type | In file | Nullable | Allowed values / range | Accepted headers | "
             "Description |", "|---|---|---|---|---|---|---|---|"]
    for name, column in schema.columns.items():
        meta = column.metadata or {}
        synonyms = ", ".join(f"`{s}`" for s in meta.get("synonyms", [])) or "—"
        cells = [f"`{name}`", column.title, TYPE_NAMES.get(str(column.dtype), str(column.dtype)),
                 meta.get("in_file", contract.REQUIRED), "yes" if column.nullable else "no",
                 _allowed(column), synonyms, column.description or ""]
        lines.append("| " + " | ".join(cell(c) for c in cells) + " |")
    return lines


def _rule_table(rules: list[Rule]) -> list[str]:
    lines = ["| Rule | Severity | Scope | Columns | Description |", "|---|---|---|---|---|"]
    for rule in rules:
        cells = [f"`{rule.name}`", "warning" if rule.warning else "rejection",
                 "per region" if rule.per_region else "file", ", ".join(f"`{c}`" for c in rule.columns) or "—",
                 rule.description]
        lines.append("| " + " | ".join(cell(c) for c in cells) + " |")
    return lines


INTRO = """# Data contract

> **Generated file, do not edit by hand.** It is rendered from the Pandera models in `checks/contract.py`,
> the single source of truth. After changing the contract, regenerate it with `llo docs`.

- **Header**: the column header a region types; the *accepted headers* are other spellings the reader maps
  to the same column.
- **In file**: `required` columns must be present in every file; `optional` columns may be left out.
- **Nullable**: whether a cell may be left empty.
- **Allowed values**: category values with their accepted spellings in brackets, or the allowed range.
- **Rules**: a failing *rejection* rule sends the row to quarantine; a failing *warning* rule keeps the row
  and records a warning. *Per region* rules need data from outside the file (the region's trajectory
  catalogue, the day of ingest) and are added by `measurement_schema()` (and `interview_schema()`).
"""


DELIVERIES = """## Deliveries: order, versions and withdrawals

A region may send its whole history every month (a cumulative export), re-send a row to correct it, and withdraw a
participant. The platform applies a region's files in the order they arrived (when it first saw the file's content;
for a file it has not seen before, its modification time in the landing folder; ties by file name), never by what a
file is called, and identifies a measurement by region, participant and meetmoment (a catalogue row by region and
trajectcode):

- **new**: the first row of a participant and meetmoment; it is stored.
- **unchanged**: the same row again, equal in every column of the contract; counted, not stored again, never
  quarantined. A cumulative export therefore gives no quarantine.
- **corrected**: a later row that differs; it becomes the row the figures use, and the row it replaces is kept in
  `measurement_versions` with its file and row, when it arrived, when and by which file it was replaced, and the
  columns that changed. A correction that would break a rule (a T1 no longer after its T0) is quarantined and the
  row before it stays.
- **quarantined**: a row that breaks a rule, with its reason; also two *different* rows for one participant and
  meetmoment in one file (`een_versie_per_bestand`: both are refused, each names the other). The same row twice in
  one file counts once.
- **withdrawn**: every row of a participant in a withdrawal file (below) that arrived before or with the withdrawal.
  A later delivery of the participant is refused (`deelnemer_ingetrokken`).

The ingest log (and the region's feedback export) lists the files in the order they were applied
(`delivery_order`) and, per file, rows read = new + unchanged + corrected + quarantined + withdrawn.

A **withdrawal file** (`Withdrawal` below; `llo withdraw` writes one) removes a participant from the current data, the
history and every derived table, for consent withdrawn, a registration made by mistake or a request for erasure
under the AVG. What is kept is a keyed hash of the participant, the date and the reason (docs/privacy.md).
"""


INTERVIEWS = """Coded group interviews are delivered like measurements, in the region's landing folder, one file per
round (the template's sheet *Groepsgesprekken*). A finding is identified by region, round and finding number
(`bevinding`): the same finding again is unchanged, a finding with other values is a correction (the version it
replaces goes to `interview_versions`). A quote that names a person (a title such as *mevrouw*, *dhr.* or *de heer*
followed by a capitalised name, or an @handle) refuses the whole file, with nothing of it stored: write `[naam]` and
`[organisatie]` instead (docs/privacy.md). Interview findings rest on no participant counts; the reports show them
in the chapter on research questions 3 and 4."""


def _code_list() -> list[str]:
    """The code list of the group interviews (contract.INTERVIEW_THEMES) as Markdown."""
    lines = ["### Code list of the group interviews", "",
             "Every finding is coded with one theme, a direction (`helpt` / `hindert`) and a strength (1–3). A theme "
             "belongs to one group; the group says which research question (deelvraag) it serves. The label is also "
             "accepted in the Thema column.", "", "| Group | Research question | Meaning |", "|---|---|---|"]
    lines += [f"| {cell(group)} | {question} | {cell(meaning)} |"
              for group, (question, meaning) in contract.THEME_GROUPS.items()]
    lines += ["", "| Code | Label | Group | Research question |", "|---|---|---|---|"]
    lines += [f"| `{code}` | {cell(label)} | {group} | {contract.theme_research_question(code)} |"
              for code, (label, group) in contract.INTERVIEW_THEMES.items()]
    return lines


def render_contract_markdown() -> str:
    """The full Markdown of `docs/data-contract.md`."""
    parts = [INTRO, DELIVERIES]
    for key, model in contract.MODELS.items():
        rules = model_rules(model)
        parts += [f"## {model.__name__} (`{key}`)", "", inspect.getdoc(model) or "", "",
                  *([INTERVIEWS, ""] if model is contract.InterviewCoding else []),
                  "### Columns", "", *_column_table(model.to_schema()), "", "### Rules", "",
                  *(_rule_table(rules) if rules else ["No table-wide rules."]), "",
                  *([*_code_list(), ""] if model is contract.InterviewCoding else [])]
    return "\n".join(parts).rstrip("\n") + "\n"
