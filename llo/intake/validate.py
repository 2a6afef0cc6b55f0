"""Apply the contract to a typed frame and describe every failure as a quarantine or warning record.

Rules about single rows run on all rows; rules about sets of rows (uniqueness, a T1 needs a T0) run on the
current versions of the rows that passed (llo.intake.versions), repeatedly, until no new failure appears (a T1
loses its T0 when that T0 is rejected).
"""

from __future__ import annotations

import copy
import warnings

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors, SchemaWarning

from checks.contract import RULE_COLUMNS, SET_RULES

ISSUE_COLUMNS = ["row_id", "column_name", "rule", "value", "message"]
MAX_PASSES = 4

_BUILTIN_TEXT = {
    "greater_than_or_equal_to": "must be at least {min_value}",
    "less_than_or_equal_to": "must be at most {max_value}",
    "greater_than": "must be more than {min_value}",
    "less_than": "must be less than {max_value}",
    "in_range": "must lie between {min_value} and {max_value}",
    "isin": "must be one of: {allowed_values}",
    "str_length": "must have between {min_value} and {max_value} characters",
}


def format_value(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def rule_text(check: pa.Check) -> str:
    if check.description:
        return f"breaks the rule: {check.description}"
    template = _BUILTIN_TEXT.get(check.name)
    if template is None:
        return f"breaks rule {check.name}"
    stats = dict(check.statistics or {})
    if "allowed_values" in stats:
        stats["allowed_values"] = ", ".join(format_value(v) for v in stats["allowed_values"])
    return template.format_map({k: format_value(v) if v is not None else "…" for k, v in stats.items()})


def _check_named(schema: pa.DataFrameSchema, column: str | None, name: str) -> pa.Check | None:
    checks = schema.columns[column].checks if column in schema.columns else schema.checks
    return next((c for c in checks if c.name == name or str(c) == name or c.error == name), None)


def failure_records(df: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """One record per failing (row, column, rule); empty when the frame conforms. A warning rule
    (`raise_warning=True`) never fails a row (`warning_records` reports it), so it is left out of the run: pandera
    would otherwise work out every row it flags, only for them to be discarded."""
    if any(check.raise_warning for check in schema.checks):
        schema = copy.copy(schema)
        schema.checks = [check for check in schema.checks if not check.raise_warning]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SchemaWarning)
            schema.validate(df, lazy=True)
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    except SchemaErrors as errors:
        cases = errors.failure_cases
    unlocated = cases[cases["index"].isna()]
    if not unlocated.empty:  # a dtype or missing column: the parser broke its promise, not the delivery
        raise RuntimeError("frame does not have the contract's shape: " + unlocated.to_string())
    records = []
    for case in cases[cases["schema_context"] == "Column"].itertuples():
        check = _check_named(schema, case.column, case.check)
        text = "a value is required" if case.check == "not_nullable" else rule_text(check) if check else case.check
        records.append((case.index, case.column, check.name if check else case.check,
                        format_value(case.failure_case), f"{_title(schema, case.column)} {text}"))
    table_cases = cases[cases["schema_context"] != "Column"].drop_duplicates(["check", "index"])
    for case in table_cases.itertuples():
        check = _check_named(schema, None, case.check)
        name = check.name if check else case.check
        columns = RULE_COLUMNS.get(name, ())
        value = "; ".join(f"{c}={format_value(df.at[case.index, c])}" for c in columns)
        records.append((case.index, ", ".join(columns), name, value,
                        _sentence(rule_text(check) if check else name)))
    return pd.DataFrame(records, columns=ISSUE_COLUMNS)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title(schema: pa.DataFrameSchema, column: str) -> str:
    col = schema.columns.get(column)
    return f"'{col.title or column}'" if col is not None else column


def row_rejections(df: pd.DataFrame, schema: pa.DataFrameSchema, prefailed: pd.DataFrame) -> pd.DataFrame:
    """The records of rows that fail: `prefailed` (format failures found while parsing) plus the rules about single
    rows. Those look at one row's contract fields only, so they run once per distinct row and their failures apply
    to every row with the same fields: a cumulative export repeats each earlier row."""
    row_schema = copy.deepcopy(schema)
    row_schema.checks = [c for c in schema.checks if c.name not in SET_RULES and not c.raise_warning]
    content = pd.util.hash_pandas_object(df[[c for c in schema.columns if c in df]], index=False)
    first = ~content.duplicated().to_numpy()
    row_failures = failure_records(df[first], row_schema)
    if not first.all() and not row_failures.empty:
        representative = pd.Series(df.index[first], index=content[first].to_numpy()).loc[content.to_numpy()]
        rows = pd.DataFrame({"row_id": df.index, "representative": representative.to_numpy()})
        row_failures = (row_failures.rename(columns={"row_id": "representative"})
                        .merge(rows, on="representative")[ISSUE_COLUMNS])
    known = set(zip(prefailed["row_id"], prefailed["column_name"], strict=True))
    new = [(r, c) not in known for r, c in zip(row_failures["row_id"], row_failures["column_name"], strict=True)]
    found = [prefailed, row_failures.loc[pd.Series(new, index=row_failures.index, dtype=bool)]]
    return pd.concat([f for f in found if not f.empty] or [found[0]], ignore_index=True)


def set_schema(schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """The schema's rules about sets of rows, for rows that passed the rules about single rows: only the set rules
    can still fail, so the column rules and dtypes (checked value by value, the costly part) are not run again."""
    return pa.DataFrameSchema(checks=[c for c in schema.checks if c.name in SET_RULES and not c.raise_warning],
                              name=schema.name)


def set_rejections(df: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """The records of rows of `df` (rows that passed every row rule) that fail a rule about sets of rows, found
    repeatedly until stable: a T1 loses its T0 when that T0 is refused."""
    rules, found = set_schema(schema), []
    for _ in range(MAX_PASSES):
        failed = set().union(*(set(f["row_id"]) for f in found))
        new = failure_records(df.drop(index=list(failed)), rules)
        if new.empty:
            break
        found.append(new)
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=ISSUE_COLUMNS)


def warning_records(df: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Records for the warning rules (`raise_warning=True`) on rows that were accepted."""
    records = []
    for check in (c for c in schema.checks if c.raise_warning):
        if df.empty:
            continue
        passed = check(df).check_output
        columns = RULE_COLUMNS.get(check.name, ())
        for row_id in passed.index[~passed.astype(bool)]:
            value = "; ".join(f"{c}={format_value(df.at[row_id, c])}" for c in columns)
            records.append((row_id, ", ".join(columns), check.name, value, _sentence(rule_text(check))))
    return pd.DataFrame(records, columns=ISSUE_COLUMNS)
