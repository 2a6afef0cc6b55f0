"""Exports (llo/reporting/export.py, `llo export`): region feedback from a warehouse built from a hand-made
delivery whose refused values are formula-injection payloads, and the tables of a published report. Known answers: every
payload comes back as text with a leading quote, no cell is a formula, numbers stay numbers, row counts equal
the warehouse's, and a report's suppressed cells stay "<10"."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import html
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from llo import warehouse as wh
from llo.cli import main
from llo.intake.ingest import ingest_region, store_region
from llo.reporting import export
from tests.conftest import KEY, MEASUREMENT_TITLES, TODAY, catalogue_rows, measurement_row, write_csv

# Delivered as the taalniveau of a row, so each is quarantined (rule isin) with the text as delivered.
PAYLOADS = ['=HYPERLINK("http://x","klik")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3",
            "\uff1d1+1", "\uff20SUM(1)"]
# The reader strips cells, so text starting with a tab or a carriage return cannot arrive through a delivery
# today; the fixture stores such quarantine rows directly, so the export is tested on them too.
WHITESPACE_PAYLOADS = ["\t=1+1", "\r=1+1"]
MULTILINE = 'zie "notitie"; 2F\nof 3F'  # a separator, a quote and a line break in one delivered cell
TABLES = {"ingest_log": wh.INGEST_LOG, "quarantine": wh.QUARANTINE, "ingest_warnings": wh.WARNINGS}


def quoted(payload: str, xlsx: bool = False) -> str:
    """What an export holds for a payload. XML turns a bare carriage return into a line feed when it is read (XML 1.0,
    end-of-line handling); openpyxl writing through lxml (installed with python-docx) escapes it as &#13;, which
    comes back as the carriage return it was."""
    from openpyxl.xml import LXML

    text = "'" + payload
    return text.replace("\r", "\n") if xlsx and not LXML else text


def write_delivery(path: Path, rows: list[dict]) -> None:
    """Measurement rows as a ';'-separated CSV quoted like Excel saves it, so '"' and ';' arrive intact."""
    names = list(measurement_row("x"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows([MEASUREMENT_TITLES, *([row[n] for n in names] for row in rows)])
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """LLO_HOME with a warehouse of two regions: Twente (one accepted row, a row per payload and one with
    MULTILINE in quarantine, one warning) and Rijnmond (clean)."""
    home = tmp_path_factory.mktemp("llo_home")
    twente = home / "landing" / "twente"
    write_csv(twente / "catalogus.csv", catalogue_rows("TW-1"))
    write_delivery(twente / "2024-01.csv", [
        measurement_row("A1"),
        measurement_row("A1", "T1", date="2024-03-15"),  # two months after the start: a warning, kept
        *(measurement_row(f"P{i}", taalniveau=text) for i, text in enumerate([*PAYLOADS, MULTILINE]))])
    rijnmond = home / "landing" / "rijnmond"
    write_csv(rijnmond / "catalogus.csv", catalogue_rows("RM-1"))
    write_csv(rijnmond / "2024-01.csv", [measurement_row("R1", region="Rijnmond", code="RM-1")])

    engine = wh.engine_for(f"sqlite:///{home / 'warehouse.sqlite'}")
    result = ingest_region("twente", twente, key=KEY, today=TODAY)
    stored = result.quarantine.iloc[:len(WHITESPACE_PAYLOADS)].assign(value=WHITESPACE_PAYLOADS, row_number=[90, 91])
    store_region(engine, dataclasses.replace(result, quarantine=pd.concat([result.quarantine, stored])))
    store_region(engine, ingest_region("rijnmond", rijnmond, key=KEY, today=TODAY))
    yield home
    engine.dispose()


@pytest.fixture
def llo_home(home, monkeypatch) -> Path:
    monkeypatch.setenv("LLO_HOME", str(home))
    monkeypatch.delenv("LLO_WAREHOUSE_URL", raising=False)
    return home


def engine_of(home: Path):
    return wh.engine_for(f"sqlite:///{home / 'warehouse.sqlite'}")


def read_csv(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(codecs.BOM_UTF8)  # Dutch Excel reads UTF-8 only with a BOM
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file, delimiter=";"))


def sheet_rows(path: Path, name: str) -> list[list]:
    import openpyxl

    return [list(row) for row in openpyxl.load_workbook(path)[name].iter_rows(values_only=True)]


def column(rows: list[list], name: str) -> list:
    at = rows[0].index(name)
    return [row[at] for row in rows[1:]]


def test_safe_cell_quotes_formula_text_and_leaves_numbers():
    import numpy as np

    for payload in [*PAYLOADS, *WHITESPACE_PAYLOADS, "-", "\uff0b1", "\uff0d1"]:
        assert export.safe_cell(payload) == "'" + payload
    for value in [3, -3, -2.5, 0.0, True, "tekst", "1F", "-0,12", "-1.234,5", "'al tekst", "a=b"]:
        assert export.safe_cell(value) == value and type(export.safe_cell(value)) is type(value)
    assert export.safe_cell(np.int64(-4)) == -4 and type(export.safe_cell(np.int64(-4))) is int
    assert [export.safe_cell(v) for v in (None, float("nan"), pd.NA, pd.NaT)] == [None] * 4


@pytest.fixture(scope="module")
def twente_files(home) -> dict[str, Path]:
    folder = home / "exports-twente"
    paths = export.write_tables(folder, "twente", export.region_feedback(engine_of(home), "twente"))
    return {path.name: path for path in paths}


def test_every_payload_comes_back_as_quoted_text(twente_files):
    expected = {*PAYLOADS, *WHITESPACE_PAYLOADS, MULTILINE}
    values = column(read_csv(twente_files["twente-quarantine.csv"]), "value")
    assert sorted(values) == sorted({quoted(p) for p in expected - {MULTILINE}} | {MULTILINE})
    cells = column(sheet_rows(twente_files["twente.xlsx"], "quarantine"), "value")
    assert sorted(cells) == sorted({quoted(p, xlsx=True) for p in expected - {MULTILINE}} | {MULTILINE})


def test_the_workbook_has_no_formula_cells(twente_files):
    import openpyxl

    path = twente_files["twente.xlsx"]
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["ingest_log", "quarantine", "ingest_warnings", "measurement_versions",
                                   "eenmetingen_te_doen"]
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert cells and all(cell.data_type != "f" for cell in cells)
    with zipfile.ZipFile(path) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert not re.search(r"<f[\s>/]", xml)
    sheet = workbook["quarantine"]  # a header coordinators can read and filter
    assert sheet.freeze_panes == "A2" and all(cell.font.bold for cell in sheet[1])
    assert sheet.auto_filter.ref == sheet.dimensions
    # as wide as the longest text ("'" + the HYPERLINK payload, 30 characters, + 2); an empty column 10
    assert (sheet["F1"].value, sheet.column_dimensions["F"].width, sheet.column_dimensions["B"].width) == \
        ("value", 32, 10)


def test_numbers_stay_numbers(twente_files):
    import openpyxl

    sheet = openpyxl.load_workbook(twente_files["twente.xlsx"])["quarantine"]
    numbers = [row[2] for row in sheet.iter_rows(min_row=2)]  # row_number
    assert sheet["C1"].value == "row_number" and all(c.data_type == "n" and type(c.value) is int for c in numbers)
    log = sheet_rows(twente_files["twente.xlsx"], "ingest_log")
    assert column(log, "file") == ["2024-01.csv", "catalogus.csv"]
    assert column(log, "rows_read") == [10, 1] and column(log, "rows_quarantined") == [8, 0]
    rows = read_csv(twente_files["twente-quarantine.csv"])
    assert sorted(int(n) for n in column(rows, "row_number")) == [4, 5, 6, 7, 8, 9, 10, 11, 90, 91]

    frame = pd.DataFrame({"getal": [-3, 12], "bedrag": [-2.5, 1000.25], "tekst": ["-0,12", "-2+3"]})
    folder = twente_files["twente.xlsx"].parent
    export.write_xlsx(folder / "numbers.xlsx", {"s": frame})
    assert sheet_rows(folder / "numbers.xlsx", "s")[1:] == [[-3, -2.5, "-0,12"], [12, 1000.25, "'-2+3"]]
    assert read_csv(export.write_csv(folder / "numbers.csv", frame))[1:] == [["-3", "-2,5", "-0,12"],
                                                                             ["12", "1000,25", "'-2+3"]]


def test_row_counts_equal_the_warehouse(home, twente_files):
    for name, table in TABLES.items():
        stored = len(wh.read_table(engine_of(home), table, "twente"))
        assert len(read_csv(twente_files[f"twente-{name}.csv"])) - 1 == stored
        assert len(sheet_rows(twente_files["twente.xlsx"], name)) - 1 == stored
    assert (len(wh.read_table(engine_of(home), wh.QUARANTINE, "twente")),
            len(wh.read_table(engine_of(home), wh.WARNINGS, "twente"))) == (10, 1)


def test_a_control_character_is_shown_not_refused(tmp_path):
    frame = pd.DataFrame({"value": ["a\x0bb", "=\x00"]})
    assert sheet_rows(export.write_xlsx(tmp_path / "c.xlsx", {"s": frame}), "s")[1:] == [["a\\x0bb"], ["'=\\x00"]]


def test_export_command_writes_every_region(llo_home):
    result = CliRunner().invoke(main, ["export"])
    assert result.exit_code == 0, result.output
    out = llo_home / "exports" / "regio"
    written = [Path(line.strip()) for line in result.output.splitlines() if line.startswith("  ")]
    assert written == [out / region / f"{region}-terugkoppeling{suffix}" for region in ("rijnmond", "twente")
                       for suffix in (".xlsx", "-ingest_log.csv", "-quarantine.csv", "-ingest_warnings.csv",
                                      "-measurement_versions.csv", "-eenmetingen_te_doen.csv")]
    assert all(path.exists() for path in written)
    assert "No published reports" in result.output
    values = column(read_csv(out / "twente" / "twente-terugkoppeling-quarantine.csv"), "value")
    assert quoted(PAYLOADS[0]) in values


def test_export_command_takes_regions_and_a_folder(llo_home, tmp_path):
    result = CliRunner().invoke(main, ["export", "--region", "twente", "--out", str(tmp_path / "uit")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "uit" / "regio").iterdir()) == ["twente"]
    result = CliRunner().invoke(main, ["export", "--region", "utrecht", "--out", str(tmp_path / "uit")])
    assert result.exit_code != 0 and "no deliveries of utrecht in the warehouse" in result.output


def publish(path: Path, cells: list[list[str]] | None = None) -> None:
    """A published report: a ledger with one KPI table (K2 rests on 3 participants, so it reads "<10") and an
    HTML page showing `cells` (default: the ledger's own rows)."""
    from llo.reporting.publish import Ledger
    from llo.reporting.render import ledger_file

    path.parent.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(ledger_file(path))
    shown = pd.DataFrame({"KPI": ["K1", "K2", "D3"], "Waarde": ["25", "3", "-0,12"]})
    ledger.table("tbl-kpi", shown, pd.DataFrame({"Waarde": [25, 3, 40]}))
    rows = cells or ledger.entries["tables"]["tbl-kpi"]["rows"]
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    path.write_text(f'<div id="tbl-kpi"><table><thead><tr><th>KPI</th><th>Waarde</th></tr></thead>'
                    f"<tbody>{body}</tbody></table></div>", encoding="utf-8")


def test_research_export_writes_what_the_report_published(llo_home, tmp_path):
    reports = llo_home / "reports"
    publish(reports / "2025-12" / "nationaal.html")
    publish(reports / "2025-12" / "regio-twente.html")
    publish(reports / "2025-12" / "regio-rijnmond.html")
    publish(reports / "_tegengehouden" / "2025-12" / "regio-achterhoek.html")  # withheld: never exported
    try:
        result = CliRunner().invoke(main, ["export", "--region", "twente", "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
        research = tmp_path / "onderzoek" / "2025-12"
        assert sorted(p.name for p in research.iterdir()) == ["nationaal-tbl-kpi.csv", "nationaal.xlsx",
                                                             "regio-twente-tbl-kpi.csv", "regio-twente.xlsx"]
        published = [["KPI", "Waarde"], ["K1", "25"], ["K2", "<10"], ["D3", "-0,12"]]  # never the ledger's n
        assert read_csv(research / "nationaal-tbl-kpi.csv") == published
        assert sheet_rows(research / "regio-twente.xlsx", "tbl-kpi") == published

        publish(reports / "2025-12" / "nationaal.html", cells=[["K1", "25"], ["K2", "3"], ["D3", "-0,12"]])
        result = CliRunner().invoke(main, ["export", "--out", str(tmp_path / "again")])
        assert result.exit_code == 1
        assert "nationaal.html: fails disclosure control (tbl-kpi: the report's table differs" in result.output
        assert not (tmp_path / "again" / "onderzoek" / "2025-12" / "nationaal.xlsx").exists()
        assert (tmp_path / "again" / "onderzoek" / "2025-12" / "regio-rijnmond.xlsx").exists()
    finally:
        import shutil

        shutil.rmtree(reports)  # the module's LLO_HOME is shared
