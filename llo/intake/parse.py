"""Turn delivered text into typed values, led by the contract's column types.

A value that cannot be read as its type becomes missing and is reported as a format failure with the
text that was delivered, so the row goes to quarantine with the reason (never silently dropped).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd

from llo.text import normalise

EMPTY = {"", "-", "--", "n.v.t.", "nvt", "n.v.t", "na", "n/a", "null", "none", "onbekend", "leeg"}
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_SERIAL_RANGE = (10_000, 80_000)  # 1927..2119: a bare number in a date column means an Excel date
DATETIME_RANGE = (dt.date(1677, 9, 22), dt.date(2262, 4, 11))  # the days a datetime64[ns] column can hold
EXACT_INTEGERS = 2**53  # from here on a float (how numbers are read) no longer tells n from n + 1
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
    counts = {mark: sum(n for v, n in distinct.items() if shape.fullmatch(_plain(v)))
              for mark, shape in _DECIMAL_SHAPES.items()}
    if counts[","] != counts["."]:
        return "," if counts[","] > counts["."] else "."
    return "," if separator == ";" else "."


def _plain(text: str) -> str:
    """A number's text without the spaces, non-breaking spaces and euro sign a person may type in it."""
    return text.strip().replace("\u00a0", "").replace(" ", "").replace("€", "")


def parse_number(text: str, decimal: str) -> float | None:
    text = _plain(text)
    if _THOUSANDS[decimal].fullmatch(text):
        text = text.replace("." if decimal == "," else ",", "")
    if not _NUMBER.fullmatch(text):
        return None
    number = float(text.replace(",", "."))
    return number if math.isfinite(number) else None  # 309 digits and more: no number a delivery means


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


def _storable_date(text: str) -> dt.date | None:
    """The date, when a datetime64[ns] column can hold it (a year typed as 3024 cannot)."""
    date = parse_date(text)
    return date if date is not None and DATETIME_RANGE[0] <= date <= DATETIME_RANGE[1] else None


def category_lookup(categories: dict) -> Callable[[str], object]:
    """A reader of a category's spellings: a text is found as typed (case and outer spaces aside), else by its
    normalised form, where each value's own name comes before the other values' spellings. So '<1F' (a spelling of
    onder 1F) and '1F' stay apart, though both normalise to '1f'. Unknown text gives None."""
    exact, loose = {}, {normalise(str(value)): value for value in reversed(list(categories))}
    for value, texts in categories.items():
        for text in (str(value), *texts):
            exact.setdefault(str(text).strip().casefold(), value)
            loose.setdefault(normalise(text), value)

    def read(text: str) -> object:
        typed = text.strip().casefold()
        return exact[typed] if typed in exact else loose.get(normalise(text))

    return read


def several_lookup(categories: dict) -> Callable[[str], str]:
    """A reader of a cell holding several categories separated by ',' or ';': each part read by its spellings, the
    values listed once each in the order of `categories`, ', '-separated ("ROC; gemeenten" -> "gemeente, ROC"). A
    cell with a part that is not known stays as typed, so the contract's rule refuses it with the text delivered."""
    lookup = category_lookup(categories)

    def read(text: str) -> str:
        parts = [part for part in re.split(r"[,;]", text) if part.strip()]
        found = [lookup(part) for part in parts]
        if not parts or None in found:
            return text.strip()
        return ", ".join(str(value) for value in categories if value in found)

    return read


class Distinct:
    """A column's values, factorised once, so that each parse of the column computes once per distinct value: a
    delivery repeats its categories, dates and numbers thousands of times."""

    def __init__(self, values: np.ndarray):
        self.values = values
        self.codes, self.distinct = pd.factorize(values)
        self.missing = self.codes == -1

    def map(self, parse: Callable[[str], object], dtype: object = object) -> np.ndarray:
        """`parse` of every value, as an array of `dtype` (None becomes NaN in a float array)."""
        parsed = np.array([parse(value) for value in self.distinct] + [None], dtype=object)
        result = (parsed if dtype is object else parsed.astype(dtype))[self.codes]  # code -1 picks the last
        if self.missing.any():  # None, NaN and pd.NA are all code -1 but not the same value to `parse`: each its own
            missing = self.values[self.missing]
            by_kind = {kind: parse(value) for kind, value in {type(value): value for value in missing}.items()}
            result[self.missing] = [by_kind[type(value)] for value in missing]
        return result


def each_distinct(values: np.ndarray, parse: Callable[[str], object]) -> np.ndarray:
    """`parse` of every value, computed once per distinct value."""
    return Distinct(values).map(parse)


def parse_column(texts: pd.Series, dtype: str, metadata: dict, decimal: str) -> tuple[pd.Series, pd.Series]:
    """The typed column and a boolean mask of delivered values that could not be read as `dtype`.
    Works on numpy arrays: a file has a few rows and tens of columns, and pandas' per-call cost would dominate."""
    values, index = Distinct(texts.to_numpy(dtype=object)), texts.index
    empty = values.map(is_empty, bool)
    categories = metadata.get("categories")
    if dtype == "boolean":
        parsed = values.map(category_lookup(categories))
        read = pd.notna(parsed)
        failed, known = ~empty & ~read, ~empty & read
        typed = pd.arrays.BooleanArray(np.where(known, parsed, False).astype(bool), ~known)
    elif dtype in ("Int64", "float64"):
        numbers = values.map(lambda t: parse_number(t, decimal), float)
        failed = ~empty & np.isnan(numbers)
        if dtype == "Int64":
            failed |= ~np.isnan(numbers) & ((numbers % 1 != 0) | (np.abs(numbers) >= EXACT_INTEGERS))
        good = ~failed & ~empty
        typed = pd.arrays.IntegerArray(np.where(good, numbers, 0).astype("int64"), ~good) if dtype == "Int64" \
            else np.where(good, numbers, np.nan)
    elif dtype.startswith("datetime64"):
        dates = values.map(_storable_date)
        failed = ~empty & pd.isna(dates)
        typed = np.where(~failed & ~empty, dates, None).astype("datetime64[ns]")
    elif metadata.get("multiple"):  # several categories in one cell (an interview's partners)
        failed = np.zeros(len(texts), dtype=bool)
        typed = np.where(empty, None, values.map(several_lookup(categories)))
    else:  # text: category spellings become the canonical value; unknown values stay as typed for the contract
        lookup = category_lookup(categories) if categories else None

        def canonical(text: str) -> str:
            text = text.strip()
            value = lookup(text) if lookup else None
            return text if value is None else value

        failed, typed = np.zeros(len(texts), dtype=bool), np.where(empty, None, values.map(canonical))
    return pd.Series(typed, index=index), pd.Series(failed, index=index)
