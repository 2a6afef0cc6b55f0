"""Turn delivered text into typed values, led by the contract's column types.

A value that cannot be read as its type becomes missing and is reported as a format failure with the
text that was delivered, so the row goes to quarantine with the reason (never silently dropped).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd

from llo.headers import normalise

EMPTY = {"", "-", "--", "n.v.t.", "nvt", "n.v.t", "na", "n/a", "null", "none", "onbekend", "leeg"}
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_SERIAL_RANGE = (10_000, 80_000)  # 1927..2119: a bare number in a date column means an Excel date
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%y", "%d/%m/%y")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_THOUSANDS = {",": re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$"), ".": re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")}

FORMAT_RULES = {"Int64": "formaat_geheel_getal", "float64": "formaat_getal", "datetime64[ns]": "formaat_datum",
                "boolean": "formaat_ja_nee"}


def is_empty(text: str) -> bool:
    return text.strip().lower() in EMPTY


_DECIMAL_SHAPES = {",": re.compile(r"\s*[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*"),
                   ".": re.compile(r"\s*[+-]?(\d{1,3}(,\d{3})+|\d+)\.\d+\s*")}


def detect_decimal(values: list[str], separator: str | None = None) -> str:
    """The decimal mark of a file's numbers; when they do not tell, ',' for ';'-separated files."""
    distinct = Counter(values)
    counts = {mark: sum(n for v, n in distinct.items() if shape.fullmatch(v))
              for mark, shape in _DECIMAL_SHAPES.items()}
    if counts[","] != counts["."]:
        return "," if counts[","] > counts["."] else "."
    return "," if separator == ";" else "."


def parse_number(text: str, decimal: str) -> float | None:
    text = text.strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    if _THOUSANDS[decimal].fullmatch(text):
        text = text.replace("." if decimal == "," else ",", "")
    if not _NUMBER.fullmatch(text):
        return None
    return float(text.replace(",", "."))


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    candidate = text.split(" ")[0].split("T")[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
    number = parse_number(text, ".")
    if number is not None and number.is_integer() and EXCEL_SERIAL_RANGE[0] <= number <= EXCEL_SERIAL_RANGE[1]:
        return EXCEL_EPOCH + dt.timedelta(days=int(number))
    return None


def category_lookup(categories: dict) -> dict[str, object]:
    lookup = {}
    for value, texts in categories.items():
        for text in (str(value), *texts):
            lookup.setdefault(normalise(text), value)
    return lookup


def each_distinct(texts: pd.Series, parse: Callable[[str], object]) -> pd.Series:
    """`parse` of every value, computed once per distinct value: a delivery repeats its categories, dates and
    numbers thousands of times."""
    codes, distinct = pd.factorize(texts.to_numpy(), use_na_sentinel=False)
    parsed = np.empty(len(distinct), dtype=object)
    parsed[:] = [parse(value) for value in distinct]
    return pd.Series(parsed[codes], index=texts.index)


def parse_column(texts: pd.Series, dtype: str, metadata: dict, decimal: str) -> tuple[pd.Series, pd.Series]:
    """The typed column and a boolean mask of delivered values that could not be read as `dtype`."""
    empty = each_distinct(texts, is_empty).astype(bool)
    categories = metadata.get("categories")
    if dtype == "boolean":
        lookup = category_lookup(categories)
        values = each_distinct(texts, lambda t: lookup.get(normalise(t)))
        typed = pd.array(values.where(~empty, None).tolist(), dtype="boolean")
        failed = ~empty & values.isna()
        return pd.Series(typed, index=texts.index), failed
    if dtype in ("Int64", "float64"):
        numbers = pd.to_numeric(each_distinct(texts, lambda t: parse_number(t, decimal)))
        failed = ~empty & numbers.isna()
        if dtype == "Int64":
            fractional = numbers.notna() & (numbers % 1 != 0)
            failed |= fractional
            numbers = numbers.where(~fractional)
        typed = numbers.where(~failed & ~empty).astype("float64")
        return (typed.astype("Int64") if dtype == "Int64" else typed), failed
    if dtype.startswith("datetime64"):
        dates = each_distinct(texts, parse_date)
        failed = ~empty & dates.isna()
        return pd.to_datetime(dates.where(~failed & ~empty, None)), failed
    # text: category spellings become the canonical value; unknown values stay as typed for the contract
    stripped = texts.str.strip()
    if categories:
        lookup = category_lookup(categories)
        stripped = each_distinct(stripped, lambda t: lookup.get(normalise(t), t))
    return stripped.where(~empty, None), pd.Series(False, index=texts.index)
