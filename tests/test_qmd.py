"""The built-in Quarto renderer: parsing, parameter injection, output shaping and a real render."""

from __future__ import annotations

import re

import nbformat
import pytest

from llo.reporting import qmd

DOC = '''---
title: "Proef"
lang: nl
execute:
  echo: false
---

## Inleiding

Zie @fig-lijn en @tbl-cijfers.

::: {.callout-note}
Synthetische gegevens.
:::

```{python}
#| tags: [parameters]
regio = "twente"
n = 3
```

```{python}
#| label: fig-lijn
#| fig-cap: "Een lijn"
#| fig-alt: "Een stijgende lijn"
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot(range(n))
plt.show()
```

```{python}
#| label: tbl-cijfers
#| tbl-cap: "Cijfers"
#| output: asis
print(f"| regio | n |\\n|---|---|\\n| {regio} | {n} |")
```

```python
print("a plain fence is text, not a cell")
```
'''


def test_parse_front_matter_cells_and_options():
    document = qmd.parse(DOC)
    assert document.front == {"title": "Proef", "lang": "nl", "execute": {"echo": False}}
    assert [c.label for c in document.cells] == ["", "fig-lijn", "tbl-cijfers"]
    assert document.cells[0].options == {"tags": ["parameters"]}
    assert document.cells[2].options["output"] == "asis" and document.cells[2].source.startswith("print(")
    assert any(isinstance(p, str) and "a plain fence is text" in p for p in document.parts)


def test_parameters_are_injected_after_the_tagged_cell():
    document = qmd.with_parameters(qmd.parse(DOC), {"regio": "achterhoek", "n": 5})
    cells = document.cells
    assert cells[0].options == {"tags": ["parameters"]}
    assert cells[1].source == "# Injected Parameters\nregio = 'achterhoek'\nn = 5\n"
    assert cells[1].options["include"] is False
    untagged = qmd.with_parameters(qmd.parse("```{python}\nx = 1\n```\n"), {"x": 2})
    assert untagged.cells[0].source.endswith("x = 2\n")


def test_an_unclosed_front_matter_is_named():
    with pytest.raises(qmd.RenderError, match="doc.qmd: the front matter"):
        qmd.parse("---\ntitle: x\n", "doc.qmd")


def test_outputs_are_shaped_by_the_cell_options():
    document = qmd.parse("---\nexecute:\n  echo: false\n---\n"
                         "```{python}\n#| output: asis\nprint('**vet**')\n```\n\n```{python}\n#| include: false\n"
                         "x = 1\n```\n\n```{python}\n#| warning: false\nimport warnings\n```\n")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(c.source) for c in document.cells]
    notebook.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="**vet**\n")]
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hidden\n")]
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", name="stderr", text="a warning\n")]
    text = qmd.markdown(document, notebook)
    assert "**vet**" in text and "```" not in text and "hidden" not in text and "warning" not in text


def test_a_document_renders_to_one_offline_html_with_numbered_references(tmp_path):
    source = tmp_path / "doc.qmd"
    source.write_text(DOC, encoding="utf-8")
    html = qmd.render(source, tmp_path / "out" / "doc.html", {"regio": "achterhoek", "n": 5}).read_text()
    assert "Figuur\u00a01: Een lijn" in html and "Tabel\u00a01: Cijfers" in html
    assert 'href="#fig-lijn">Figuur\u00a01</a>' in html and 'href="#tbl-cijfers">Tabel\u00a01</a>' in html
    assert "achterhoek" in html and "twente" not in html.split("</nav>")[-1]
    assert 'src="data:image/png;base64,' in html and 'alt="Een stijgende lijn"' in html
    assert "callout-note" in html and 'id="TOC"' in html
    assert not re.search(r'(src|href)="https?://', html)  # opens offline
    assert "plt.subplots" not in html  # no code shown


def test_the_kernel_channels_are_private_unix_sockets_removed_afterwards(tmp_path):
    """The channels carry report code and its output (warehouse figures): Unix sockets in a folder only this user
    can open, not TCP ports on 127.0.0.1 that any local user could reach."""
    import os

    import psutil

    source = tmp_path / "doc.qmd"
    source.write_text(DOC, encoding="utf-8")
    with qmd.Kernel() as kernel:
        folder, info = kernel.sockets.name, kernel.manager.get_connection_info()
        process = psutil.Process(kernel.manager.provisioner.process.pid)
        assert qmd.render(source, tmp_path / "doc.html", {}, kernel=kernel).exists()
        channels = {f"{info['ip']}-{info[name]}" for name in ("shell_port", "iopub_port", "stdin_port",
                                                               "control_port", "hb_port")}  # ipc names
        assert info["transport"] == "ipc" and info["ip"].startswith(folder)
        assert channels <= {c.laddr for c in process.net_connections(kind="unix")}
        assert os.stat(folder).st_mode & 0o777 == 0o700
    assert not os.path.exists(folder) and not process.is_running()


def test_a_failing_cell_is_named(tmp_path):
    source = tmp_path / "bad.qmd"
    source.write_text("```{python}\n#| label: kapot\n1 / 0\n```\n", encoding="utf-8")
    with pytest.raises(qmd.RenderError, match="bad.qmd: cell 'kapot' failed: ZeroDivisionError"):
        qmd.render(source, tmp_path / "bad.html")


PROJECT_YML = ("lang: nl\nexecute:\n  echo: false\n  warning: true\n"
               "format:\n  html:\n    toc: true\n    css: stijl.css\n")
OPTIONS_DOC = """---
title: "Opties"
---

## Deel

```{python}
#| label: verborgen
#| include: false
geheim = 41 + 1
```

```{python}
#| echo: true
zichtbaar = geheim
```

```{python}
#| output: asis
print(f"**vet {zichtbaar}**")
```

```{python}
print("gewone uitvoer")
```

```{python}
#| warning: false
import sys
print("stille waarschuwing", file=sys.stderr)
```

```{python}
print("luide waarschuwing", file=sys.stderr)
```

```{python}
#| label: tbl-een
#| tbl-cap: "Eerste tabel"
#| output: asis
print("| a |\\n|---|\\n| 1 |")
```

```{python}
#| label: tbl-leeg
#| tbl-cap: "Niet getoond"
#| output: asis
pass
```

{{< include _deel.qmd >}}

Zie @tbl-een en @fig-twee.
"""
PART = """```{python}
#| label: fig-twee
#| fig-cap: "Tweede figuur"
#| fig-alt: "Een punt"
import matplotlib.pyplot as plt
plt.plot([1], [1], "o")
plt.show()
```
"""


def test_each_cell_option_renders_as_quarto_does(tmp_path):
    (tmp_path / "_quarto.yml").write_text(PROJECT_YML, encoding="utf-8")
    (tmp_path / "stijl.css").write_text("body { color: rgb(1, 2, 3); }", encoding="utf-8")
    (tmp_path / "_deel.qmd").write_text(PART, encoding="utf-8")
    (tmp_path / "doc.qmd").write_text(OPTIONS_DOC, encoding="utf-8")
    (tmp_path / "ander.qmd").write_text("```{python}\n#| label: namen\nprint(geheim)\n```\n", encoding="utf-8")
    with qmd.Kernel() as kernel:
        html = qmd.render(tmp_path / "doc.qmd", tmp_path / "doc.html", kernel=kernel).read_text()
        with pytest.raises(qmd.RenderError, match="cell 'namen' failed: NameError"):
            qmd.render(tmp_path / "ander.qmd", tmp_path / "ander.html", kernel=kernel)  # a fresh namespace
    body = html.split("</nav>")[-1]
    assert "geheim = 41" not in body and "42" in body  # include: false runs but shows nothing
    assert body.count('<pre class="sourceCode python">') == 1 and "zichtbaar" in body  # echo: true shows that code only
    assert "print(" not in body  # echo: false from _quarto.yml for the others
    assert "<strong>vet 42</strong>" in body  # output: asis is Markdown
    assert "<code>gewone uitvoer</code>" in body or "gewone uitvoer</code></pre>" in body
    assert "stille waarschuwing" not in body and "luide waarschuwing" in body  # warning: false vs project default
    assert 'id="tbl-een"' in body and "Tabel\u00a01: Eerste tabel" in body and "Niet getoond" not in body
    assert 'id="fig-twee"' in body and "Figuur\u00a01: Tweede figuur" in body and 'alt="Een punt"' in body
    assert 'href="#tbl-een">Tabel\u00a01</a>' in body and 'href="#fig-twee">Figuur\u00a01</a>' in body
    assert "rgb(1, 2, 3)" in html and 'lang="nl"' in html and 'id="TOC"' in html


def test_a_missing_include_is_named(tmp_path):
    (tmp_path / "doc.qmd").write_text("{{< include _weg.qmd >}}\n", encoding="utf-8")
    with pytest.raises(qmd.RenderError, match="_weg.qmd: included file not found"):
        qmd.render(tmp_path / "doc.qmd", tmp_path / "doc.html")


# --- several reports at a time (llo.reporting.render.Renderer.render_all) ---------------------------------------------

WORKER_DOC = '''```{python}
#| tags: [parameters]
regio = ""
```

```{python}
#| output: asis
import os
assert regio != "kapot", "a broken report"
print(f"regio {regio or 'nationaal'} in kernel {os.getpid()}")
```
'''


def _worker_project(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("nationaal.qmd", "regionaal.qmd"):
        (project / name).write_text(WORKER_DOC, encoding="utf-8")
    return project


def _jobs(tmp_path, regions):
    return [{"month": "2025-12-01", "region": region, "warehouse_url": "sqlite://", "version": "test",
             "target": tmp_path / "out" / f"{region or 'nationaal'}.html"} for region in regions]


def _kernels_and_regions(results) -> list[tuple[str, str]]:
    shown = [re.search(r"regio (\S+) in kernel (\d+)", r.path.read_text(encoding="utf-8")).groups() for r in results]
    return [(kernel, region) for region, kernel in shown]


@pytest.mark.parametrize("workers", [1, 2])
def test_reports_render_in_order_with_one_kernel_per_worker(tmp_path, workers):
    from llo.reporting.render import Renderer

    regions = [None, "achterhoek", "fryslan", "twente", "rijnmond"]
    renderer = Renderer("builtin", project=_worker_project(tmp_path), workers=workers)
    results = list(renderer.render_all(_jobs(tmp_path, regions)))
    shown = _kernels_and_regions(results)
    assert [region for _, region in shown] == [r or "nationaal" for r in regions]  # each file its own report
    assert [r.path for r in results] == [job["target"] for job in _jobs(tmp_path, regions)]  # in the jobs' order
    assert len({kernel for kernel, _ in shown}) == workers  # every worker rendered, each in a kernel of its own


def test_a_failing_report_fails_at_its_own_place_and_stops_the_workers(tmp_path):
    import threading

    from llo.reporting.render import Renderer

    regions = ["achterhoek", "kapot", "twente", "fryslan"]
    results = Renderer("builtin", project=_worker_project(tmp_path), workers=2).render_all(_jobs(tmp_path, regions))
    first = next(results)
    with pytest.raises(qmd.RenderError, match=r"(?s)regionaal.qmd: the cell starting .* AssertionError: a broken"):
        next(results)
    assert not [t for t in threading.enumerate() if t.name.startswith("report-worker")]  # joined, kernels down
    assert _kernels_and_regions([first])[0][1] == "achterhoek"
    assert not (tmp_path / "out" / "kapot.html").exists()


def test_a_renderer_needs_a_worker():
    from llo.reporting.render import Renderer

    with pytest.raises(ValueError, match="at least one worker, not 0"):
        Renderer("builtin", workers=0)


# --- DOCX and PDF from the same Markdown ------------------------------------------------------------------------------

def _project_document(tmp_path):
    """The test document in a copy of the reports' project options (house style: reference DOCX, Typst header)."""
    from llo.reporting.render import REPORTS_DIR

    for name in ("_quarto.yml", "_style.css", "_referentie.docx", "_stijl.typ"):
        (tmp_path / name).write_bytes((REPORTS_DIR / name).read_bytes())
    source = tmp_path / "doc.qmd"
    source.write_text(DOC.replace("::: {.callout-note}", '::: {.callout-warning title="Pas op"}'), encoding="utf-8")
    return source


def test_a_document_renders_to_html_docx_and_pdf_from_one_execution(tmp_path):
    import io

    import docx as python_docx
    import pypdf

    from checks.report_checks import docx_problems, docx_structure

    html = qmd.render(_project_document(tmp_path), tmp_path / "out" / "doc.html", {"regio": "achterhoek", "n": 5})
    assert sorted(p.name for p in html.parent.iterdir()) == ["doc.docx", "doc.html", "doc.pdf"]
    word = qmd.beside(html, "docx").read_bytes()
    assert docx_structure(word) == ([[["regio", "n"], ["achterhoek", "5"]]], 1)  # the table's cells, the chart
    assert docx_problems(html.read_text(encoding="utf-8"), word) == []
    document = python_docx.Document(io.BytesIO(word))
    paragraphs = {p.text: p.style.name for p in document.paragraphs}
    assert paragraphs["Pas op"] == "Kader" and paragraphs["Synthetische gegevens."] == "Kader"  # the callout
    assert paragraphs["Inleiding"] == "Heading 2" and "Tabel\u00a01: Cijfers" in paragraphs
    assert "Figuur\u00a01: Een lijn" in paragraphs and any("Figuur\u00a01" in p for p in paragraphs if "Zie" in p)
    assert document.styles["Heading 2"].font.color.rgb == python_docx.shared.RGBColor(0x0B, 0x4F, 0x6C)
    assert round(document.sections[0].page_width.cm) == 21  # A4, from reports/_referentie.docx
    pdf = qmd.beside(html, "pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1 and [round(v) for v in reader.pages[0].mediabox[2:]] == [595, 842]  # one A4 page
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Zie Figuur 1 en Tabel 1." in text
    assert text.count("Figuur 1: Een lijn") == 1 and text.count("Tabel 1: Cijfers") == 1  # numbered once
    assert "Pas op" in text and "achterhoek" in text and "twente" not in text
    assert "plt.subplots" not in text  # no code shown
    assert len(reader.pages[0].images) == 1  # the chart


def test_docx_and_pdf_are_the_same_bytes_when_rendered_again(tmp_path):
    source = _project_document(tmp_path)
    first = qmd.render(source, tmp_path / "a" / "doc.html", {}, formats=("html", "docx", "pdf"))
    second = qmd.render(source, tmp_path / "b" / "doc.html", {})
    for suffix in qmd.FORMATS:
        assert qmd.beside(first, suffix).read_bytes() == qmd.beside(second, suffix).read_bytes(), suffix


def test_the_html_is_the_same_bytes_as_pandoc_reading_the_inline_figures(tmp_path):
    """The figures go to pandoc as files (its Markdown reader is slow on long data URIs) and it embeds them again:
    the page is the one pandoc writes from the Markdown with its figures inline, byte for byte."""
    import pypandoc

    source = _project_document(tmp_path)
    document = qmd.parse(source.read_text(encoding="utf-8"), str(source), qmd.project_options(tmp_path))
    body = qmd.markdown(document, qmd.execute(document, tmp_path))
    assert qmd.DATA_PNG.search(body)  # the chart, inline in the Markdown
    page = qmd.html(document, body, tmp_path / "files.html", tmp_path).read_bytes()
    css = document.html_options.get("css") or []
    args = ["--standalone", "--embed-resources", f"--lua-filter={qmd.FILTER}", "--toc",
            *(f"--css={tmp_path / name}" for name in ([css] if isinstance(css, str) else css)),
            *(item for key, value in qmd._metadata(document, document.html_options).items()
              for item in ("--metadata", f"{key}={value}"))]
    pypandoc.convert_text(body, "html5", format="markdown", extra_args=args, outputfile=str(tmp_path / "inline.html"))
    assert page == (tmp_path / "inline.html").read_bytes()


def test_only_the_formats_asked_for_are_written(tmp_path):
    html = qmd.render(_project_document(tmp_path), tmp_path / "out" / "doc.html", {}, formats=("html",))
    assert [p.name for p in html.parent.iterdir()] == ["doc.html"]
    with pytest.raises(ValueError, match="unknown report format"):
        qmd.render(tmp_path / "doc.qmd", tmp_path / "x.html", {}, formats=("html", "odt"))


def test_the_reference_docx_is_the_one_its_script_makes():
    """reports/_referentie.docx is pandoc's default reference made house style by llo.reporting.reference_doc; after a
    pandoc upgrade `python -m llo.reporting.reference_doc` writes it again."""
    import io
    import zipfile

    from llo.reporting import reference_doc

    def entries(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    built = reference_doc.build()
    assert built == reference_doc.build()  # byte-reproducible
    assert entries(reference_doc.REFERENCE_DOC.read_bytes()) == entries(built)
    styles = entries(built)["word/styles.xml"].decode()
    assert 'w:styleId="Kader"' in styles and 'w:color w:val="0B4F6C"' in styles and "nl-NL" in styles
