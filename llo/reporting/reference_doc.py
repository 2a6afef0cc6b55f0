"""The house-style reference document of the DOCX reports (reports/_referentie.docx), made from pandoc's own.

pandoc takes styles, page size and margins of a DOCX from `--reference-doc`. This module derives that document from
pandoc's default (`pandoc --print-default-data-file reference.docx`) by editing its XML: Arial, 10.5 pt, Dutch
language, headings in the reports' blue (#0b4f6c, as reports/_style.css), A4 with 2 cm margins, tables with a
shaded header row, thin rules and 9 pt text, and the paragraph style `Kader` for callouts. The zip is written with
fixed timestamps and order, so the same pandoc gives the same bytes. Regenerate after a pandoc upgrade:

    python -m llo.reporting.reference_doc     # writes reports/_referentie.docx
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

from llo.settings import PROJECT_ROOT

REFERENCE_DOC = PROJECT_ROOT / "reports" / "_referentie.docx"
BLUE, GREY, LINE, SHADE, TEXT = "0B4F6C", "52606D", "D9E2EC", "F0F4F8", "1F2933"
FONT = '<w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial" />'

TABLE_STYLE = f'''<w:style w:type="table" w:default="1" w:styleId="Table">
    <w:name w:val="Table" />
    <w:basedOn w:val="TableNormal" />
    <w:qFormat />
    <w:pPr><w:spacing w:before="20" w:after="20" /></w:pPr>
    <w:rPr><w:sz w:val="18" /><w:szCs w:val="18" /></w:rPr>
    <w:tblPr>
      <w:tblInd w:w="0" w:type="dxa" />
      <w:tblBorders>
        <w:top w:val="single" w:sz="4" w:space="0" w:color="{BLUE}" />
        <w:bottom w:val="single" w:sz="4" w:space="0" w:color="{BLUE}" />
        <w:insideH w:val="single" w:sz="4" w:space="0" w:color="{LINE}" />
      </w:tblBorders>
      <w:tblCellMar>
        <w:top w:w="28" w:type="dxa" />
        <w:left w:w="85" w:type="dxa" />
        <w:bottom w:w="28" w:type="dxa" />
        <w:right w:w="85" w:type="dxa" />
      </w:tblCellMar>
    </w:tblPr>
    <w:tblStylePr w:type="firstRow">
      <w:rPr><w:b /></w:rPr>
      <w:tcPr>
        <w:tcBorders><w:bottom w:val="single" w:sz="8" w:space="0" w:color="{BLUE}" /></w:tcBorders>
        <w:shd w:val="clear" w:color="auto" w:fill="{SHADE}" />
        <w:vAlign w:val="bottom" />
      </w:tcPr>
    </w:tblStylePr>
  </w:style>'''

CALLOUT_STYLE = f'''<w:style w:type="paragraph" w:customStyle="1" w:styleId="Kader">
    <w:name w:val="Kader" />
    <w:basedOn w:val="BodyText" />
    <w:qFormat />
    <w:pPr>
      <w:pBdr><w:left w:val="single" w:sz="24" w:space="8" w:color="{BLUE}" /></w:pBdr>
      <w:shd w:val="clear" w:color="auto" w:fill="F0F7FA" />
      <w:spacing w:before="0" w:after="0" />
      <w:ind w:left="227" w:right="113" />
    </w:pPr>
  </w:style>
'''

SECTION = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838" /><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" '
           'w:left="1134" w:header="567" w:footer="567" w:gutter="0" /></w:sectPr>')


def pandoc_default() -> bytes:
    """pandoc's own reference.docx (of the pandoc in the pypandoc-binary wheel)."""
    import pypandoc

    return subprocess.run([pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
                          capture_output=True, check=True, timeout=60).stdout


def styles(xml: str) -> str:
    """pandoc's styles.xml in the house style."""
    xml = re.sub(r'<w:rFonts w:asciiTheme="(?:major|minor)HAnsi"[^>]*/>', FONT, xml)
    xml = xml.replace('<w:lang w:val="en-US"', '<w:lang w:val="nl-NL"')
    xml = re.sub(r'(<w:rPrDefault>.*?)<w:sz w:val="24" />\s*<w:szCs w:val="24" />',
                 r'\1<w:color w:val="' + TEXT + r'" /><w:sz w:val="21" /><w:szCs w:val="21" />', xml, count=1,
                 flags=re.S)
    xml = re.sub(r'<w:color w:val="[0-9A-F]{6}" w:themeColor="accent1"[^>]*/>', f'<w:color w:val="{BLUE}" />', xml)
    for caption in ("TableCaption", "ImageCaption"):  # captions small and grey, as in the HTML
        xml = re.sub(rf'(<w:style [^>]*w:styleId="{caption}">.*?)(</w:style>)',
                     rf'\1<w:rPr><w:color w:val="{GREY}" /><w:sz w:val="18" /><w:szCs w:val="18" /></w:rPr>\2',
                     xml, count=1, flags=re.S)
    xml, tables = re.subn(r'<w:style w:type="table" w:default="1" w:styleId="Table">.*?</w:style>', TABLE_STYLE, xml,
                          count=1, flags=re.S)
    if not tables or "</w:styles>" not in xml:
        raise RuntimeError("pandoc's reference.docx has no table style 'Table': adapt llo/reporting/reference_doc.py")
    return xml.replace("</w:styles>", CALLOUT_STYLE + "</w:styles>")


def document(xml: str) -> str:
    """A4 portrait with 2 cm margins (pandoc takes the last section's page settings of the reference)."""
    xml, sections = re.subn(r"<w:sectPr\s*/>|<w:sectPr>.*?</w:sectPr>", SECTION, xml, flags=re.S)
    if not sections:
        raise RuntimeError("pandoc's reference.docx has no section properties: adapt llo/reporting/reference_doc.py")
    return xml


def build(default: bytes | None = None) -> bytes:
    """The house-style reference document: the same bytes for the same pandoc."""
    source = zipfile.ZipFile(io.BytesIO(default or pandoc_default()))
    edits = {"word/styles.xml": styles, "word/document.xml": document}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name in edits:
                data = edits[name](data.decode("utf-8")).encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(info, data, compresslevel=9)
    return out.getvalue()


def write(path: Path = REFERENCE_DOC) -> Path:
    path.write_bytes(build())
    return path


if __name__ == "__main__":
    print(write())
