"""The Excel intake template regions fill in, generated from the data contract in `checks/contract.py`.

One sheet per delivery kind with the contract's Dutch headers, drop-down lists, range, date and text-length
validations for the first rows, and a "Toelichting" sheet explaining every column and rule. Lists too long
for an inline Excel formula (255 characters) are placed on a hidden "Lijsten" sheet. The file has no
timestamps, so the same contract always gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandera.pandas as pa
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.functions import tostring

from checks import contract
from llo.intake.contract_docs import Range, categories, length_range, model_rules, value_range

SHEETS = {"measurements": "Metingen", "trajectory_catalogue": "Trajectcatalogus",  # keys of contract.MODELS
          "withdrawals": "Intrekkingen", "interview_codings": "Groepsgesprekken"}
INFO_SHEET, LIST_SHEET = "Toelichting", "Lijsten"
ROWS, MAX_INLINE_LIST = 2000, 255  # rows with validations; Excel's limit for an inline list formula
TYPES_NL = {"str": "tekst", "Int64": "geheel getal", "float64": "getal", "datetime64[ns]": "datum (dd-mm-jjjj)",
            "boolean": "ja/nee"}
BOLD, HEADER_FILL = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
AUTHOR = "LLO Collectief impactmonitor"


def write_template(path: Path) -> Path:
    """Write the intake template to `path` (.xlsx) and return the path."""
    wb = Workbook()
    wb.remove(wb.active)
    for key, model in contract.MODELS.items():
        _data_sheet(wb, SHEETS[key], model.to_schema())
    _info_sheet(wb)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_without_timestamps(wb))
    return path


def list_source(wb: Workbook, key: str, values: list[str]) -> str:
    """A list validation's formula: inline when it fits Excel's limit, else a range on the hidden list sheet."""
    inline = ",".join(values)
    if len(inline) + 2 <= MAX_INLINE_LIST and not any("," in v or '"' in v for v in values):
        return f'"{inline}"'
    ws = wb[LIST_SHEET] if LIST_SHEET in wb.sheetnames else wb.create_sheet(LIST_SHEET)
    ws.sheet_state = "hidden"
    col = 1 if ws.cell(1, 1).value is None else ws.max_column + 1
    ws.cell(1, col, key)
    for row, value in enumerate(values, start=2):
        ws.cell(row, col, value)
    letter = get_column_letter(col)
    return f"{LIST_SHEET}!${letter}$2:${letter}${len(values) + 1}"


def range_nl(rng: Range) -> str:
    parts = []
    if rng.low is not None:
        parts.append(f"{'minimaal' if rng.low_inclusive else 'groter dan'} {rng.low:g}")
    if rng.high is not None:
        parts.append(f"{'maximaal' if rng.high_inclusive else 'kleiner dan'} {rng.high:g}")
    return " en ".join(parts)


def allowed_nl(column: pa.Column) -> str:
    """Allowed values or range of a column, in Dutch."""
    if (column.metadata or {}).get("multiple"):
        return "één of meer van: " + ", ".join(categories(column)) + " (gescheiden door ',' of ';')"
    if (cats := categories(column)) is not None:
        return "kies uit: " + ", ".join(cats)
    texts = [range_nl(rng)] if (rng := value_range(column)) else []
    if (length := length_range(column)) is not None:
        texts.append(f"{length[0] or 0} tot en met {length[1]} tekens")
    return "; ".join(texts)


def _validation(wb: Workbook, name: str, column: pa.Column, cell: str) -> DataValidation | None:
    dtype = str(column.dtype)
    meta = column.metadata or {}
    if meta.get("multiple"):  # several values in one cell: Excel's list allows one, so only the prompt explains
        dv = DataValidation("custom", formula1=f"ISTEXT({cell})")
    elif (cats := categories(column)) is not None:
        dv = DataValidation("list", formula1=list_source(wb, name, list(cats)))
    elif meta.get("dropdown") and (rng := value_range(column)) is not None:  # a short scale (ronde, sterkte)
        dv = DataValidation("list", formula1='"' + ",".join(str(v) for v in range(int(rng.low), int(rng.high) + 1))
                            + '"')
    elif dtype.startswith("datetime"):
        dv = DataValidation("date", operator="greaterThanOrEqual", formula1="DATE(1900,1,1)")
    elif (rng := value_range(column)) is not None:
        kind = "whole" if dtype == "Int64" else "decimal"
        low, high = rng.low, rng.high
        if low is not None and high is not None and not (rng.low_inclusive and rng.high_inclusive):
            dv = DataValidation("custom", formula1=f"AND(ISNUMBER({cell}),{cell}{'>=' if rng.low_inclusive else '>'}"
                                                   f"{low},{cell}{'<=' if rng.high_inclusive else '<'}{high})")
        elif low is not None and high is not None:
            dv = DataValidation(kind, operator="between", formula1=str(low), formula2=str(high))
        elif low is not None:
            dv = DataValidation(kind, operator="greaterThanOrEqual" if rng.low_inclusive else "greaterThan",
                                formula1=str(low))
        else:
            dv = DataValidation(kind, operator="lessThanOrEqual" if rng.high_inclusive else "lessThan",
                                formula1=str(high))
    elif (length := length_range(column)) is not None:
        dv = DataValidation("textLength", operator="between", formula1=str(length[0] or 0), formula2=str(length[1]))
    else:
        return None
    dv.allow_blank = True
    dv.promptTitle, dv.prompt = column.title[:32], (column.description or "")[:255]
    dv.errorTitle, dv.error = "Ongeldige waarde", f"{column.title}: {allowed_nl(column) or TYPES_NL[dtype]}"[:225]
    dv.showInputMessage = dv.showErrorMessage = True
    return dv


def _data_sheet(wb: Workbook, title: str, schema: pa.DataFrameSchema) -> None:
    ws = wb.create_sheet(title)
    for index, (name, column) in enumerate(schema.columns.items(), start=1):
        letter = get_column_letter(index)
        header = ws.cell(1, index, column.title)
        header.font, header.fill = BOLD, HEADER_FILL
        header.comment = Comment(f"{column.description}\n({_in_file_nl(column)})", AUTHOR, width=300, height=120)
        longest = max([len(column.title), *map(len, categories(column) or [])])
        ws.column_dimensions[letter].width = max(12, min(40, longest + 4))
        if str(column.dtype).startswith("datetime"):
            ws.column_dimensions[letter].number_format = "DD-MM-YYYY"
        if (dv := _validation(wb, name, column, f"{letter}2")) is not None:
            dv.add(f"{letter}2:{letter}{ROWS + 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def _in_file_nl(column: pa.Column) -> str:
    required = (column.metadata or {}).get("in_file") == contract.REQUIRED
    return "verplichte kolom" if required else "optionele kolom, mag ontbreken"


INTRO_NL = [
    "Vul vanaf rij 2 één regel per rij in. Laat de kopregel ongewijzigd.",
    "Keuzelijsten, bereiken, datums en tekstlengtes worden bij het invullen gecontroleerd.",
    "Verplichte kolommen moeten in het bestand staan; optionele kolommen mogen ontbreken. "
    "'Mag leeg' zegt of een cel leeg mag blijven.",
    "Regels over de hele tabel: bij een afwijzing wordt de rij niet verwerkt (quarantaine); bij een "
    "waarschuwing wordt de rij wel verwerkt en volgt een melding.",
    "De omschrijvingen komen uit het datacontract (docs/data-contract.md) en zijn in het Engels.",
]
COLUMN_HEADERS_NL = ["Kolomkop", "Omschrijving", "In bestand", "Mag leeg", "Type", "Toegestane waarden of bereik",
                     "Ook geaccepteerde kopnamen", "Naam in datacontract"]
RULE_HEADERS_NL = ["Regel", "Ernst", "Geldt voor", "Kolommen", "Omschrijving"]


def _info_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet(INFO_SHEET)
    ws.append(["Invulsjabloon LLO Collectief Laagopgeleiden en Laaggeletterden – impactmonitor"])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    for line in INTRO_NL:
        ws.append([line])
    for key, model in contract.MODELS.items():
        schema = model.to_schema()
        titles = {name: column.title for name, column in schema.columns.items()}
        _heading(ws, f"Blad '{SHEETS[key]}': kolommen", COLUMN_HEADERS_NL)
        for name, column in schema.columns.items():
            meta = column.metadata or {}
            ws.append([column.title, column.description, _in_file_nl(column), "ja" if column.nullable else "nee",
                       TYPES_NL.get(str(column.dtype), str(column.dtype)), allowed_nl(column),
                       ", ".join(meta.get("synonyms", [])), name])
        _heading(ws, f"Blad '{SHEETS[key]}': regels", RULE_HEADERS_NL)
        for rule in model_rules(model):
            ws.append([rule.name, "waarschuwing" if rule.warning else "afwijzing",
                       "per regio bij inlezen" if rule.per_region else "het bestand",
                       ", ".join(titles.get(c, c) for c in rule.columns), rule.description])
    _code_list(ws)
    for index, width in enumerate([30, 60, 28, 10, 18, 40, 40, 30], start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=cell.column > 1 or cell.row > len(INTRO_NL) + 1, vertical="top")


CODE_HEADERS_NL = ["Thema (code)", "Omschrijving", "Groep", "Deelvraag"]


def _code_list(ws) -> None:
    """The code list of the group interviews (contract.INTERVIEW_THEMES), so researchers code from the template."""
    _heading(ws, f"Blad '{SHEETS['interview_codings']}': codelijst thema's", CODE_HEADERS_NL)
    for code, (label, group) in contract.INTERVIEW_THEMES.items():
        ws.append([code, label, f"{group}: {contract.THEME_GROUPS[group][1]}",
                   contract.theme_research_question(code)])
    ws.append(["Citaten", "Kort en geanonimiseerd: schrijf [naam] en [organisatie] in plaats van namen. Een citaat "
                          "met een persoonsnaam (bijv. 'mevrouw' of 'dhr.' met een naam, of een @-naam) weigert het "
                          "hele bestand."])


def _heading(ws, text: str, headers: list[str]) -> None:
    ws.append([])
    ws.append([text])
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
    ws.append(headers)
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = BOLD, HEADER_FILL


def _without_timestamps(wb: Workbook) -> bytes:
    """The workbook's bytes with fixed zip entry times and no created/modified document properties."""
    raw = io.BytesIO()
    wb.save(raw)
    core = wb.properties.to_tree()
    for element in [e for e in core if e.tag.rsplit("}", 1)[-1] in ("created", "modified")]:
        core.remove(element)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = tostring(core) if info.filename == "docProps/core.xml" else src.read(info)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
