"""The built-in Quarto renderer: parsing, parameter injection, output shaping and a real render."""

from __future__ import annotations

import re

import nbformat
import pytest

from llo import qmd

DOC = '''---
title: "Proef"
lang: nl
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
    assert document.front == {"title": "Proef", "lang": "nl"}
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
    document = qmd.parse("```{python}\n#| output: asis\nprint('**vet**')\n```\n\n```{python}\n#| include: false\n"
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


def test_a_failing_cell_is_named(tmp_path):
    source = tmp_path / "bad.qmd"
    source.write_text("```{python}\n#| label: kapot\n1 / 0\n```\n", encoding="utf-8")
    with pytest.raises(qmd.RenderError, match="bad.qmd: cell 'kapot' failed: ZeroDivisionError"):
        qmd.render(source, tmp_path / "bad.html")
