"""A corpus of malformed deliveries, each built at test time with an outcome known by construction.

Every case writes one file into a region folder that already holds a catalogue and a clean delivery
(tests.conftest.region_folder) and says what must become of it: the whole file refused with a reason
(`rejected`, words the reason must contain), or its rows read with some refused by named rules
(`quarantined`: rule -> rows), or read whole (`accepted`). What must hold for every case is in
tests/test_bad_input.py.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import (
    CATALOGUE_TITLES,
    MEASUREMENT_TITLES,
    catalogue_rows,
    interview_row,
    measurement_row,
    write_csv,
)

COLUMNS = list(measurement_row("X"))  # canonical names in contract order


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]  # writes the file into the folder, returns its path
    rejected: tuple[str, ...] = ()  # the file is refused; its reason contains these words
    quarantined: dict[str, int] = field(default_factory=dict)  # rule -> rows refused
    accepted: int | None = None  # rows accepted from the file (when not rejected)
    ignored: tuple[str, ...] = ()  # the file is not read (hidden or temporary), and logged so; the reason has these
    logged: dict[str, object] = field(default_factory=dict)  # what the ingest log says it recognised


def _text(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(text.encode(encoding))
        return path
    return build


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name
    return build


def _rows(name: str, rows: list[dict], **options) -> Callable[[Path], Path]:
    return lambda folder: write_csv(folder / name, rows, **options)


def _lines(rows: list[dict], sep: str = ",", titles: list[str] | None = None) -> list[str]:
    return [sep.join(titles or MEASUREMENT_TITLES)] + [sep.join(row[c] for c in COLUMNS) for row in rows]


def _t0(pid: str, **overrides) -> dict[str, str]:
    return measurement_row(pid, date="2024-02-01", start="2024-02-01", **overrides)


def _workbook(rows: list[list[object]], *, merge: str | None = None) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Metingen"
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_rows(rows: list[dict]) -> list[list[object]]:
    return [list(MEASUREMENT_TITLES)] + [[row[c] for c in COLUMNS] for row in rows]


def _encrypted(data: bytes) -> bytes:
    import msoffcrypto.format.ooxml

    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(data)).encrypt("geheim", out)
    return out.getvalue()


def _garbage(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def _mixed_encodings(folder: Path) -> Path:
    """A file pasted together from two programs: the header and a row in UTF-8, a row in Windows-1252."""
    lines = _lines([_t0("E1"), _t0("E2")])
    path = folder / "gemengd.csv"
    path.write_bytes(f"{lines[0]},Opmerking\n{lines[1]},één keer\n".encode()
                     + f"{lines[2]},één keer\n".encode("cp1252"))
    return path


def _wide(folder: Path) -> Path:
    """Ten thousand columns: the contract's, then 9,974 extra questions the contract does not know."""
    extra = [f"Vraag {i}" for i in range(1, 10_001 - len(MEASUREMENT_TITLES))]
    rows = [_t0("W1"), _t0("W2")]
    path = folder / "breed.csv"
    head = ",".join([*MEASUREMENT_TITLES, *extra])
    body = "\n".join(",".join([*(r[c] for c in COLUMNS), *("ja" for _ in extra)]) for r in rows)
    path.write_text(head + "\n" + body + "\n", encoding="utf-8")
    return path


def _header_on_row(row: int) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        lines = ["Rapportage Twente"] + [""] * (row - 2) + _lines([_t0("D1")])
        path = folder / f"kop_op_rij_{row}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    return build


def _truncated_xlsx(folder: Path) -> Path:
    data = _workbook(_xlsx_rows([_t0("X1"), _t0("X2")]))
    (folder / "afgebroken.xlsx").write_bytes(data[: len(data) // 2])
    return folder / "afgebroken.xlsx"


def _zip_without_workbook(folder: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(folder / "archief.xlsx", "w") as archive:
        archive.writestr("metingen.csv", "\n".join(_lines([_t0("Z1")])))
    return folder / "archief.xlsx"


def _zip_bomb(folder: Path) -> Path:
    """A workbook whose sheet unpacks to 4 MB of zeros from a few kilobytes: over ten times the test's 0.25 MB."""
    import zipfile

    path = folder / "bom.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(_workbook(_xlsx_rows([_t0("B1")])))) as real:
            for name in real.namelist():
                archive.writestr(name, real.read(name))
        archive.writestr("xl/media/leeg.bin", b"\0" * (4 << 20))
    return path


def _link_out_of_the_landing_folder(folder: Path) -> Path:
    """A link to a valid delivery outside the landing folder: read, it would be accepted."""
    outside = write_csv(folder.parent.parent / "elders" / "metingen.csv", [_t0("O1"), _t0("O2")])
    (folder / "link.csv").symlink_to(outside)
    return folder / "link.csv"


def _link_to_a_system_file(folder: Path) -> Path:
    (folder / "systeem.csv").symlink_to("/etc/passwd")
    return folder / "systeem.csv"


def _password_xlsx(folder: Path) -> Path:
    (folder / "beveiligd.xlsx").write_bytes(_encrypted(_workbook(_xlsx_rows([_t0("P1")]))))
    return folder / "beveiligd.xlsx"


def _merged_header(folder: Path) -> Path:
    """Header cells merged across two columns: the second column of the pair has no header."""
    rows = [[*r, "extra"] for r in _xlsx_rows([_t0("M1"), _t0("M2")])]
    rows[0][-1] = None  # the last header cell, merged into the one before it (Z1:AA1)
    (folder / "samengevoegd.xlsx").write_bytes(_workbook(rows, merge="Z1:AA1"))
    return folder / "samengevoegd.xlsx"


def _xlsx_formulas(folder: Path) -> Path:
    """Formulas without a stored result (written by a script, never opened in Excel)."""
    rows = _xlsx_rows([_t0("F1"), _t0("F2")])
    rows[1][COLUMNS.index("geboortejaar")] = "=1990-10"
    (folder / "formules.xlsx").write_bytes(_workbook(rows))
    return folder / "formules.xlsx"


def _xlsx_serial_dates(folder: Path) -> Path:
    rows = _xlsx_rows([_t0("S1")])
    rows[1][COLUMNS.index("meetdatum")] = 45323  # 2024-02-01 as an Excel serial number stored as a number
    rows[1][COLUMNS.index("startdatum_traject")] = 45323
    (folder / "serieel.xlsx").write_bytes(_workbook(rows))
    return folder / "serieel.xlsx"


def _too_big(folder: Path) -> Path:
    """Over the size limit the test sets (LLO_MAX_FILE_MB=0.25): about 0.45 MB of valid rows."""
    rows = [_t0(f"B{i}") for i in range(3_000)]
    return write_csv(folder / "te_groot.csv", rows)


def _without(name: str, column: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        keep = [i for i, c in enumerate(COLUMNS) if c != column]
        lines = [line.split(",") for line in _lines([_t0("H1")])]
        (folder / name).write_text("\n".join(",".join(cells[i] for i in keep) for cells in lines) + "\n",
                                   encoding="utf-8")
        return folder / name
    return build


def _totals(folder: Path) -> Path:
    lines = _lines([_t0("T1x"), _t0("T2x")])
    path = folder / "totaal.csv"
    path.write_text("\n".join([*lines, "Totaal" + "," * (len(COLUMNS) - 1)]) + "\n", encoding="utf-8")
    return path


def _bsn_in_text(folder: Path) -> Path:
    rows = [_t0("N1"), _t0("N2")]
    return write_csv(folder / "opmerking.csv", rows, extra={"Opmerking": ["belt later", "bsn 999999990 nagaan"]})


CASES: list[Case] = [
    # the whole file refused, with its reason
    Case("empty file", _bytes("leeg.csv", b""), rejected=("empty",)),
    Case("only blank lines", _bytes("blanco.csv", b"\r\n  \n\t\n"), rejected=("empty",)),
    Case("binary garbage", _bytes("ruis.csv", b"\x00" + _garbage(5_000)), rejected=("binary",)),
    Case("HTML saved as .csv", _text("pagina.csv", "<!DOCTYPE html><html><body><table><tr><td>Deelnemer ID</td>"
                                     "</tr></table></body></html>"), rejected=("web page",)),
    Case("XML saved as .csv", _text("export.csv", "<?xml version='1.0'?><rows><row id='1'/></rows>"),
         rejected=("web page",)),
    Case("PDF saved as .csv", _bytes("rapport.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00" + _garbage(2_000)),
         rejected=("binary",)),
    Case("truncated XLSX", _truncated_xlsx, rejected=("cannot be opened",)),
    Case("zip without a workbook", _zip_without_workbook, rejected=("cannot be opened",)),
    Case("zip bomb", _zip_bomb, rejected=("unpack to 4.0 MB", "zip bomb", "not unpacked", "LLO_MAX_FILE_MB")),
    Case("a link to a delivery outside the landing folder", _link_out_of_the_landing_folder,
         rejected=("a link", "never followed")),
    Case("a link to a system file", _link_to_a_system_file, rejected=("a link", "never followed")),
    Case("password-protected XLSX", _password_xlsx, rejected=("password",)),
    Case("old .xls", _bytes("oud.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2_000), rejected=(".xls",)),
    Case("one column, no separator", _text("lijst.csv", "Deelnemer ID\nA9\nA10\n"), rejected=("separator",)),
    Case("no header row", _text("getallen.csv", "1;2;3;4\n5;6;7;8\n"), rejected=("no header row",)),
    Case("header below row 15", _header_on_row(20), rejected=("no header row",)),
    Case("required column missing", _without("half.csv", "taalniveau"), rejected=("required columns missing",)),
    Case("a misspelt header", _rows("spelling.csv", [_t0("H2")], titles=[
        t if t != "Taalniveau" else "Taal niveau" for t in MEASUREMENT_TITLES]), accepted=1),
    Case("another region's file", _rows("rijnmond.csv", [_t0("R1", regio="Rijnmond")]),
         rejected=("another or unknown region",)),
    Case("BSN column", _rows("bsn.csv", [_t0("I1")], extra={"BSN": ["999999990"]}), rejected=("BSN",)),
    Case("BSN hidden in a free-text column", _bsn_in_text, rejected=("BSN", "Opmerking")),
    Case("names column", _rows("namen.csv", [_t0("I2")], extra={"Achternaam": ["Jansen"]}),
         rejected=("direct identifier", "Achternaam")),
    Case("e-mail in a free-text column", _rows("mail.csv", [_t0("I3")], extra={"Notitie": ["mail j@voorbeeld.nl"]}),
         rejected=("e-mail",)),
    Case("phone number in a free-text column", _rows("tel.csv", [_t0("I4")], extra={"Notitie": ["bel 06-12345678"]}),
         rejected=("phone",)),
    Case("file over the size limit", _too_big, rejected=("limit", "LLO_MAX_FILE_MB")),
    Case("catalogue without any code", _rows("catalogus2.csv", [{**catalogue_rows("X")[0], "trajectcode": ""}],
                                             titles=CATALOGUE_TITLES), quarantined={"not_nullable": 1}, accepted=0),
    # not read, and logged as ignored with the reason
    Case("a hidden file with a path in its name", _rows("..%2f..%2fetc%2fpasswd.csv", [_t0("V1")]),
         ignored=("hidden file",)),
    Case("an Excel lock file", _bytes("~$2024-02.xlsx", b"\x0bJan Jansen" + b"\x00" * 150),
         ignored=("lock file",)),
    Case("a LibreOffice lock file", _text(".~lock.2024-02.csv#", ",Jan Jansen,laptop,04.12.2026 10:00,file:///"),
         ignored=("lock file",)),
    # rows read; the malformed ones refused by a named rule
    Case("dates in three formats", _rows("datums.csv", [_t0("D1", meetdatum="01-02-2024"),
                                                       _t0("D2", meetdatum="2024-02-01"),
                                                       _t0("D3", meetdatum="1/2/2024")]), accepted=3),
    Case("Excel serial dates in a CSV", _rows("serieel.csv", [_t0("S1", meetdatum="45323")]), accepted=1),
    Case("a number in a date column", _rows("getaldatum.csv", [_t0("S2", meetdatum="123")]),
         quarantined={"formaat_datum": 1}, accepted=0),
    Case("Excel serial dates stored as numbers", _xlsx_serial_dates, accepted=1),
    Case("thousands separators", _rows("kosten.csv", [{**catalogue_rows("TW-9")[0], "kosten_per_deelnemer": "1.500,00"},
                                                     {**catalogue_rows("TW-8")[0], "kosten_per_deelnemer": "2.250"}],
                                      sep=";"), accepted=2),
    Case("trailing totals row", _totals, quarantined={"not_nullable": 1}, accepted=2),
    Case("formula text in a CSV number column", _rows("formule.csv", [_t0("F1", geboortejaar="=1990-10"),
                                                                     _t0("F2")]),
         quarantined={"formaat_geheel_getal": 1}, accepted=1),
    Case("formulas without a stored value", _xlsx_formulas, quarantined={"not_nullable": 1}, accepted=1),
    Case("merged header cells", _merged_header, quarantined={"aantal_kolommen": 2}, accepted=0),
    Case("mixed encodings in one file", _mixed_encodings, accepted=2,
         logged={"encoding": "utf-8+cp1252", "corrected_headers": None}),
    Case("ten thousand columns", _wide, accepted=2, logged={"ignored_columns": ", ".join(
        f"Vraag {i}" for i in range(1, 21)) + " and 9954 more"}),
    Case("UTF-16 with BOM", _rows("utf16.csv", [_t0("U1")], encoding="utf-16"), accepted=1),
    Case("Windows-1252, semicolons", _rows("ansi.csv", [_t0("U2")], sep=";", encoding="cp1252"), accepted=1,
         logged={"encoding": "cp1252", "separator": ";", "corrected_headers": None}),
    Case("tab separated", _rows("tabs.txt", [_t0("U3")], sep="\t"), accepted=1),
    Case("old Mac line endings", _text("mac.csv", "\r".join(_lines([_t0("L1"), _t0("L2")])) + "\r"), accepted=2),
    Case("quoted field with a line break", _text("quotes.csv", "\n".join(
        _lines([_t0("Q1")])).replace(",laaggeletterd,", ',"laag\ngeletterd",') + "\n"),
        quarantined={"isin": 1}, accepted=0),
    Case("a row with too many fields", _text("te_breed.csv", "\n".join(_lines([_t0("W3"), _t0("W5")])) + ",x,y\n"),
         quarantined={"aantal_kolommen": 1}, accepted=1),
    Case("a row with too few fields", _text("te_kort.csv", "\n".join(_lines([_t0("W4")]))[:-40] + "\n"),
         quarantined={"not_nullable": 1}, accepted=0),
    Case("unknown measurement moment", _rows("t2.csv", [_t0("C1", meetmoment="T2")]),
         quarantined={"isin": 1}, accepted=0),
    Case("words in a number column", _rows("woorden.csv", [_t0("C2", uren_per_week="veel")]),
         quarantined={"formaat_getal": 1}, accepted=0),
    Case("a date in the future", _rows("toekomst.csv", [_t0("C3", meetdatum="2031-01-01",
                                                            startdatum_traject="2031-01-01")]),
         quarantined={"meetdatum_niet_in_toekomst": 1}, accepted=0),
    Case("the same row twice in one file (counted once)", _rows("dubbel.csv", [_t0("C4"), _t0("C4")]),
         accepted=2),
    Case("two versions of one participant in one file", _rows("tweemaal.csv", [_t0("C6"), _t0("C6", taalniveau="2F")]),
         quarantined={"een_versie_per_bestand": 2}, accepted=0),
    Case("non-breaking spaces around values", _rows("spaties.csv", [_t0("C5", doelgroep="\u00a0laaggeletterd\u00a0")]),
         accepted=1),
    # coded group interviews: a quote naming a person refuses the file whole, other faults quarantine the finding
    Case("a quote naming a person", _rows("gesprek-naam.csv", [interview_row(1), interview_row(
        2, quote="Volgens mevrouw Jansen van het ROC loopt het goed")]),
         rejected=("name a person", "Citaat", "[naam]")),
    Case("a quote naming a person after de heer", _rows("gesprek-heer.csv", [interview_row(
        1, quote="De heer De Vries regelt de plekken")]), rejected=("name a person",)),
    Case("a quote with an @handle", _rows("gesprek-handle.csv", [interview_row(1, quote="zie @jan_wethouder")]),
         rejected=("name a person", "@handle")),
    Case("a quote with an e-mail address", _rows("gesprek-mail.csv", [interview_row(
        1, quote="mail [naam] via coach@voorbeeld.nl")]), rejected=("e-mail",)),
    Case("an anonymised quote", _rows("gesprek-anoniem.csv", [interview_row(
        1, quote="Meneer [naam] van [organisatie] zei: dit moet blijven")]), accepted=1,
         logged={"kind": "interview_codings"}),
    Case("a theme not in the code list", _rows("gesprek-thema.csv", [interview_row(1, theme="sfeer"),
                                                                     interview_row(2)]),
         quarantined={"isin": 1}, accepted=1),
    Case("an interview strength of 4 and a round 3", _rows("gesprek-sterkte.csv", [
        interview_row(1, strength="4"), interview_row(2, round_="3", date="2025-03-01")]),
        quarantined={"less_than_or_equal_to": 2}, accepted=0),
    Case("an unknown partner type", _rows("gesprek-partner.csv", [interview_row(1, partners="ROC; kerk")]),
         quarantined={"partners_uit_lijst": 1}, accepted=0),
    Case("two dates in one interview round", _rows("gesprek-datum.csv", [interview_row(1), interview_row(
        2, date="2024-03-22")]), quarantined={"een_gesprek_per_ronde": 1}, accepted=1),
    Case("a quote over 300 characters", _rows("gesprek-lang.csv", [interview_row(1, quote="lang " * 70)]),
         quarantined={"str_length": 1}, accepted=0),
]
