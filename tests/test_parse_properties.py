"""Properties of the delivery reader and parser (llo.intake.read, llo.intake.parse, llo.intake.headers.normalise) on
generated input whose answer is known by construction: a value written in one of the accepted ways reads back as that
value, and no text or bytes a region can deliver make the reader or parser raise anything but RejectedFile."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import string
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from checks.contract import Measurement, TrajectoryCatalogue
from llo.intake.parse import (
    _DATE_FORMATS,
    EMPTY,
    EXCEL_EPOCH,
    EXCEL_SERIAL_RANGE,
    detect_decimal,
    each_distinct,
    is_empty,
    parse_column,
    parse_date,
    parse_number,
)
from llo.intake.read import SEPARATORS, RejectedFile, cell_text, decode, read_tables
from llo.text import normalise

FAST = settings(max_examples=150, deadline=None)
SLOW = settings(max_examples=60, deadline=None)  # each example builds pandas series or reads a whole table

BOM_UTF8, BOM_UTF16_LE, BOM_UTF16_BE = b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"
BOMS = (BOM_UTF8, BOM_UTF16_LE, BOM_UTF16_BE)
# every character Windows-1252 can write (its five unassigned bytes left out), but no NUL and no line break
CP1252_CHARS = sorted({bytes([b]).decode("cp1252", errors="ignore") for b in range(1, 256)} - {"", "\r", "\n"})
LINE_BREAK_CHARS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines splits on
text_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
padding = st.text(" \u00a0\t", max_size=2)


# --- numbers --------------------------------------------------------------------------------------------------------

@st.composite
def written_numbers(draw, mark: str | None = None, min_places: int = 0):
    """(decimal mark, a number as a person writes it with that mark, its exact value)."""
    mark = mark or draw(st.sampled_from([",", "."]))
    sign = draw(st.sampled_from(["", "-", "+"]))
    whole = draw(st.integers(0, 10**12))
    places = draw(st.integers(min_places, 6))
    fraction = draw(st.text(string.digits, min_size=places, max_size=places))
    thousands = draw(st.sampled_from(["", "." if mark == "," else ",", " ", "\u00a0"]))
    digits = f"{whole:,}".replace(",", thousands)
    body = digits + (mark + fraction if places else "")
    euro = draw(st.sampled_from(["", "€", "€ ", "€\u00a0"]))
    where = draw(st.sampled_from(["before sign", "after sign", "after"]))
    if where == "before sign":
        text = euro + sign + body
    elif where == "after sign":
        text = sign + euro + body
    else:
        text = sign + body + euro[::-1]
    value = float(f"{sign}{whole}.{fraction}" if places else f"{sign}{whole}")
    return mark, draw(padding) + text + draw(padding), value


@FAST
@given(written_numbers())
@example((",", "€ 1.234,50", 1234.5))
@example((".", " -12,345,678.9 ", -12345678.9))
def test_a_number_written_with_its_decimal_mark_reads_back_exactly(written):
    mark, text, value = written
    assert parse_number(text, mark) == value


@FAST
@given(st.text(text_chars))
@example("12a")
@example("1,5 kg")
@example("١٢٣")  # Arabic-Indic digits: Python reads them as 123, which is fine, and they are no letter
@example("9" * 400)  # beyond a float: no number, rather than infinity
def test_parse_number_never_raises_and_no_text_with_a_letter_is_a_number(text):
    for mark in (",", "."):
        number = parse_number(text, mark)
        assert number is None or (isinstance(number, float) and math.isfinite(number))
        if any(c.isalpha() for c in text):
            assert number is None


@FAST
@given(st.sampled_from([",", "."]).flatmap(
    lambda mark: st.tuples(st.just(mark),
                           st.lists(written_numbers(mark, min_places=1), min_size=1, max_size=8),
                           st.lists(st.integers(-9999, 9999).map(str) | st.sampled_from(sorted(EMPTY)), max_size=8))),
       st.sampled_from([*SEPARATORS, None]))
@example((",", [(",", "€ 1.234,50", 1234.5)], []), "\t")
def test_numbers_that_show_their_decimal_mark_are_read_with_it(case, separator):
    # Only a value with decimals shows its mark ('1.234' alone is a thousand in a Dutch file and not in an English
    # one); whole numbers and empty cells are mixed in and must not sway the answer.
    mark, written, plain = case
    values = [text for _, text, _ in written] + plain
    assert detect_decimal(values, separator) == mark
    assert [parse_number(text, mark) for _, text, _ in written] == [value for _, _, value in written]


@FAST
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**53), 2**53)))
@example(1e-05)
@example(0.1 + 0.2)
def test_an_excel_number_cell_reads_back_as_that_number(value):
    text = cell_text(value)
    assert parse_number(text, ".") == value
    assert detect_decimal([text]) == "."


# --- dates ----------------------------------------------------------------------------------------------------------

def write_date(date: dt.date, fmt: str, padded: bool) -> str:
    day, month = (f"{date.day:02d}", f"{date.month:02d}") if padded else (str(date.day), str(date.month))
    year = f"{date.year:04d}" if "%Y" in fmt else f"{date.year % 100:02d}"
    return fmt.replace("%d", day).replace("%m", month).replace("%Y", year).replace("%y", year)


@FAST
@given(st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31)), st.sampled_from(_DATE_FORMATS), st.booleans(),
       st.sampled_from(["", " 10:30", " 00:00:00", "T08:15:00"]), padding)
@example(dt.date(2024, 2, 29), "%d-%m-%y", False, "", "")
@example(dt.date(1969, 1, 1), "%d/%m/%y", True, "", "")
@example(dt.date(2068, 12, 31), "%d/%m/%y", True, "", "")
def test_a_date_written_in_an_accepted_format_reads_back(date, fmt, padded, time, pad):
    if "%y" in fmt:  # a two-digit year means 1969..2068 (Python's strptime rule, the one parse_date follows)
        assume(1969 <= date.year <= 2068)
    assert parse_date(pad + write_date(date, fmt, padded) + time + pad) == date


@FAST
@given(st.integers(0, 3 * EXCEL_SERIAL_RANGE[1]), st.sampled_from(["", ".0", " "]))
@example(EXCEL_SERIAL_RANGE[0], "")
@example(EXCEL_SERIAL_RANGE[0] - 1, "")
@example(EXCEL_SERIAL_RANGE[1], "")
@example(EXCEL_SERIAL_RANGE[1] + 1, "")
def test_a_bare_whole_number_is_an_excel_date_only_within_the_serial_range(serial, suffix):
    low, high = EXCEL_SERIAL_RANGE
    expected = EXCEL_EPOCH + dt.timedelta(days=serial) if low <= serial <= high else None
    assert parse_date(f"{serial}{suffix}") == expected


@FAST
@given(st.text(text_chars))
@example("31-02-2024")
@example("2024-13-01")
@example("45000.5")
def test_parse_date_never_raises_and_gives_a_date_or_none(text):
    result = parse_date(text)
    assert result is None or type(result) is dt.date


@FAST
@given(st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31)),
                 st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2199, 12, 31))))
def test_an_excel_date_cell_reads_back_as_that_date(value):
    expected = value.date() if isinstance(value, dt.datetime) else value
    assert parse_date(cell_text(value)) == expected


# --- each_distinct and parse_column ---------------------------------------------------------------------------------

def missing_kind(value) -> str | None:
    if value is None or value is pd.NA:
        return type(value).__name__
    return "nan" if isinstance(value, float) and math.isnan(value) else None


# Delivered texts are strings; None, NaN and pd.NA are included as what pandas may hand over for a missing cell.
# Non-strings that compare equal (1, 1.0, True) are one value to pd.factorize: out of scope, texts are text.
each_values = st.one_of(st.sampled_from(["a", "A", " a", "", "1", "1.0"]), st.text(text_chars, max_size=3),
                        st.none(), st.just(float("nan")), st.just(pd.NA))


@SLOW
@given(st.lists(each_values, max_size=30))
@example(["a", None, float("nan"), "a", pd.NA, None])
def test_each_distinct_is_a_map_computed_once_per_distinct_value(values):
    calls = []

    def describe(value):
        calls.append(value)
        return f"<{value!r}>"  # tells None, NaN and NA apart

    result = each_distinct(np.array(values, dtype=object), describe)
    assert result.tolist() == [f"<{v!r}>" for v in values]
    distinct = {missing_kind(v) or ("text", v) for v in values}
    assert len(calls) == len(distinct)
    assert {missing_kind(v) or ("text", v) for v in calls} == distinct


COLUMNS = [column for model in (Measurement, TrajectoryCatalogue) for column in model.to_schema().columns.values()]
empty_markers = st.sampled_from(sorted(EMPTY)).flatmap(
    lambda marker: st.tuples(st.sampled_from([str.lower, str.upper, str.title]), padding, padding).map(
        lambda style: style[1] + style[0](marker) + style[2]))
category_spellings = st.sampled_from(sorted({text for c in COLUMNS for value, spellings in
                                             (c.metadata.get("categories") or {}).items()
                                             for text in (str(value), *spellings)}))
delivered_texts = st.one_of(
    empty_markers, category_spellings, written_numbers().map(lambda w: w[1]),
    st.tuples(st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)), st.sampled_from(_DATE_FORMATS), st.booleans())
    .map(lambda d: write_date(*d)),
    st.integers(-(2**70), 2**70).map(str), st.text(text_chars, max_size=6))


@SLOW
@given(st.sampled_from(COLUMNS), st.sampled_from([",", "."]),
       st.lists(delivered_texts, max_size=12).flatmap(lambda v: st.tuples(st.just(v), st.permutations(range(len(v))))))
@example(Measurement.to_schema().columns["geboortejaar"], ",", (["12345678901234567890", "1980"], [0, 1]))
@example(Measurement.to_schema().columns["meetdatum"], ",", (["15-01-3024", "15-01-2024"], [0, 1]))
def test_parse_column_splits_every_delivered_value_into_parsed_or_failed(column, mark, case):
    texts, order = case
    series = pd.Series(texts, index=[3 * i + 1 for i in order], dtype=object)
    dtype, metadata = str(column.dtype), column.metadata or {}
    typed, failed = parse_column(series, dtype, metadata, mark)
    assert typed.index.equals(series.index) and failed.index.equals(series.index)
    assert failed.dtype == bool
    for text, value, bad in zip(texts, typed.tolist(), failed.tolist(), strict=True):
        missing = value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))
        if is_empty(text):
            assert missing and not bad, (text, value, bad)
            continue
        assert missing == bad, (text, value, bad)  # either read as the type or flagged, never both, never neither
        if bad:
            continue
        if dtype in ("Int64", "float64"):
            assert value == parse_number(text, mark)
        elif dtype.startswith("datetime64"):
            assert value == pd.Timestamp(parse_date(text))
        elif dtype == "boolean":
            assert value in (True, False)


@SLOW
@given(st.integers())
@example(2**53 + 1)
@example(12345678901234567890)
def test_a_whole_number_column_holds_the_delivered_integer_exactly_or_flags_it(number):
    typed, failed = parse_column(pd.Series([str(number)], dtype=object), "Int64", {}, ",")
    if abs(number) < 2**53:  # numbers are read as floats, which hold every whole number up to here
        assert not failed.iloc[0] and typed.iloc[0] == number
    else:
        assert failed.iloc[0] or typed.iloc[0] == number


# --- decoding -------------------------------------------------------------------------------------------------------

@FAST
@given(st.text(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"]))
def test_unicode_text_decodes_back_whole(text, encoding):
    if encoding == "utf-8":
        # without a BOM a NUL means binary data and a leading U+FEFF *is* a BOM: both out of scope here
        assume("\x00" not in text and not text.startswith("\ufeff"))
    data = {"utf-16-le": BOM_UTF16_LE, "utf-16-be": BOM_UTF16_BE}.get(encoding, b"") + text.encode(encoding)
    decoded, name = decode(data)
    assert decoded == text
    assert name == {"utf-16-le": "utf-16", "utf-16-be": "utf-16"}.get(encoding, encoding)


def ambiguous(line: str) -> bool:
    """Windows-1252 text that is also valid UTF-8 (such as 'Ã©', which is 'é' in UTF-8) reads as UTF-8: the
    reader says so ('almost never valid UTF-8'), and no reader could tell."""
    try:
        line.encode("cp1252").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not line.isascii()


cp1252_texts = st.text(st.sampled_from(CP1252_CHARS), max_size=12)
encoded_lines = st.one_of(
    st.tuples(cp1252_texts, st.sampled_from(["utf-8", "cp1252"])),
    st.tuples(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), max_size=12),
              st.just("utf-8")))


@FAST
@given(st.lists(encoded_lines, min_size=1, max_size=10),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
@example([("Financiën", "utf-8"), ("Financiën", "cp1252")], "\r\n", True)
def test_lines_of_utf8_and_cp1252_each_decode_back(lines, newline, bom):
    assume(not lines[0][0].startswith("\ufeff"))  # without a BOM in front, a leading U+FEFF would be one
    assume(not any(encoding == "cp1252" and ambiguous(text) for text, encoding in lines))
    data = (BOM_UTF8 if bom else b"") + b"".join((text + newline).encode(encoding) for text, encoding in lines)
    decoded, name = decode(data)
    assert decoded.split(newline) == [text for text, _ in lines] + [""]
    used = {encoding for text, encoding in lines if not text.isascii()}
    if "cp1252" not in used:
        assert name == ("utf-8-sig" if bom else "utf-8")
    else:
        assert name == "+".join(e for e in ("utf-8", "cp1252") if e in used)


@FAST
@given(st.binary(max_size=4095), st.binary(max_size=64))
def test_a_nul_byte_in_the_first_4096_bytes_is_binary_data(head, tail):
    # a file with a BOM says it is text (UTF-16 is full of NULs): out of scope
    assume(not head.startswith(BOMS) and not (head == b"" and tail.startswith(BOMS)))
    with pytest.raises(RejectedFile, match="binary data"):
        decode(head + b"\x00" + tail)


@FAST
@given(st.sampled_from([b"", *BOMS]), st.binary(max_size=200))
@example(BOM_UTF8, b"Financi\xebn")
@example(BOM_UTF16_LE, b"a")
@example(BOM_UTF16_LE, b"\x00\xd8a\x00")
def test_any_bytes_decode_to_text_or_are_refused_with_a_reason(bom, data):
    try:
        text, encoding = decode(bom + data)
    except RejectedFile as exc:
        assert exc.reason
        return
    assert isinstance(text, str) and encoding


# --- reading tables -------------------------------------------------------------------------------------------------

plain_cells = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters='\x00"\r\n;,\t|'), max_size=8)


@st.composite
def tables(draw):
    """(separator, quoted, title lines, header, rows) of a CSV table a region could write."""
    separator = draw(st.sampled_from(SEPARATORS))
    quoted = draw(st.booleans())  # written by the csv module, so that cells may hold the separator, " and newlines
    others = "".join(s for s in SEPARATORS if s != separator)
    cells = (st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00" + others), max_size=8)
             if quoted else plain_cells)
    header = draw(st.lists(st.text(string.ascii_letters, min_size=1, max_size=8), min_size=3, max_size=6,
                           unique=True))
    rows = draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), max_size=8))
    titles = draw(st.lists(st.text(string.ascii_letters + " ", max_size=20), max_size=3))
    return separator, quoted, titles, header, rows


def write_table(separator: str, quoted: bool, titles: list[str], header: list[str], rows: list[list[str]],
                newline: str) -> str:
    if not quoted:
        return "".join(line + newline for line in [*titles, *(separator.join(row) for row in [header, *rows])])
    # Excel's (and the csv module's) line end: with '\n' alone, Python 3.11's writer leaves a lone '\r' unquoted
    newline = "\r\n"
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=separator, lineterminator=newline)
    out.write("".join(title + newline for title in titles))
    writer.writerows([header, *rows])
    return out.getvalue()


@SLOW
@given(tables(), st.sampled_from(["\n", "\r\n"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
@example((";", False, [], ["a", "b", "c"], [["x\x85y\x85z\x85w", "2", "3"]]), "\n", "utf-8")
@example(("\t", True, ["Metingen"], ["a", "b", "c"], [["x\ny", " ", "\t"], ["", "", ""], ["p", 'q"r', "s\ts"]]),
         "\r\n", "utf-8")
def test_a_written_table_reads_back_with_its_cells_and_separator(table, newline, encoding):
    separator, quoted, titles, header, rows = table
    data = write_table(separator, quoted, titles, header, rows, newline).encode(encoding)
    read = read_tables(Path("table.csv"), data, set(header).__contains__)
    assert len(read) == 1
    got = read[0]
    # cells come back stripped of surrounding spaces, and rows without any value are skipped (and counted)
    kept = [(number, [c.strip() for c in row]) for number, row in enumerate(rows, start=len(titles) + 2)
            if any(c.strip() for c in row)]
    assert (got.separator, got.encoding, got.header, got.header_row) == (separator, encoding, header, len(titles) + 1)
    assert [column.tolist() for column in got.columns] == [[row[i] for _, row in kept] for i in range(len(header))]
    assert got.row_numbers == [number for number, _ in kept]
    assert got.empty_rows_skipped == len(rows) - len(kept) and got.too_wide == []


# --- header and category normalisation ------------------------------------------------------------------------------

ACCENTS = ("", "\u0301", "\u0300", "\u0308", "\u0302")  # é è ë ê, as Dutch writes them
SEPARATING = " _-./,;:()'\"&+\t\u00a0\u202f–—‘’“”…·•\u2011"  # ASCII and typographic spaces, dashes, quotes, dots


@st.composite
def written_words(draw):
    """(words, the words as a person may type them: any case, accents, any punctuation or spaces between)."""
    words = draw(st.lists(st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8), min_size=1,
                          max_size=4))
    typed = []
    for word in words:
        letters = [(c.upper() if draw(st.booleans()) else c) + (draw(st.sampled_from(ACCENTS)) if c.isalpha() else "")
                   for c in word]
        typed.append(unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), "".join(letters)))
    gaps = draw(st.lists(st.text(st.sampled_from(SEPARATING), min_size=1, max_size=3), min_size=len(words) - 1,
                         max_size=len(words) - 1))
    text = draw(st.text(SEPARATING, max_size=2)) + typed[0]
    for gap, word in zip(gaps, typed[1:], strict=True):
        text += gap + word
    return words, text + draw(st.text(SEPARATING, max_size=2))


@FAST
@given(written_words())
@example((["0", "meting"], "0–meting"))
@example((["deelnemer", "s", "id"], "Deelnemer’s id"))
@example((["financien"], "  Financiën "))
def test_normalise_keeps_the_words_and_drops_case_accents_and_punctuation(case):
    words, text = case
    assert normalise(text) == " ".join(words)


@FAST
@given(st.text(text_chars))
def test_normalise_gives_single_spaced_lowercase_words_and_is_idempotent(text):
    key = normalise(text)
    assert re.fullmatch(r"([a-z0-9]+( [a-z0-9]+)*)?", key)
    assert normalise(key) == key


def test_every_spelling_in_the_contract_reads_as_its_own_value():
    """A spelling of one value must never read as another: '<1F' (onder 1F) and '1F' both normalise to '1f', and
    every '1F' in a delivery read as 'onder 1F' until the value's own name took precedence."""
    for model in (Measurement, TrajectoryCatalogue):
        for name, column in model.to_schema().columns.items():
            categories = (column.metadata or {}).get("categories")
            if not categories:
                continue
            written = [(value, text) for value, texts in categories.items() for text in (str(value), *texts)]
            typed, failed = parse_column(pd.Series([text for _, text in written]), str(column.dtype),
                                         column.metadata, ",")
            assert not failed.any(), name
            assert list(typed) == [value for value, _ in written], name
