"""A built-in renderer for Quarto documents, for machines without the Quarto CLI.

It follows Quarto's Jupyter engine: YAML front matter; only ```{python} fences become cells; `#|` cell
options (label, echo, include, output: asis, fig-cap, fig-alt, tbl-cap, warning); parameters injected in a
new cell after the cell tagged `parameters` (papermill's convention); execution in one Jupyter kernel per
document (nbclient); Quarto-style Markdown with the outputs; pandoc (the pypandoc-binary wheel) for one
self-contained HTML file with a table of contents, numbered figure and table captions, working @fig- and
@tbl- cross-references and callouts (reports/_filters/crossref.lua), no code shown by default.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from llo.settings import PROJECT_ROOT

FENCE = re.compile(r"^```\{python\}[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
OPTION = re.compile(r"^#\|\s?(.*)$")


class RenderError(RuntimeError):
    """A document could not be rendered; the message names the document and the cell."""


@dataclass
class Cell:
    source: str
    options: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(self.options.get("label", ""))


@dataclass
class Document:
    front: dict
    parts: list  # Markdown text (str) and code cells (Cell), in order
    path: str = ""

    @property
    def cells(self) -> list[Cell]:
        return [p for p in self.parts if isinstance(p, Cell)]


def parse(text: str, path: str = "") -> Document:
    """Front matter, Markdown and ```{python} cells with their `#|` options."""
    front, body = {}, text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end < 0:
            raise RenderError(f"{path}: the front matter opened with --- is not closed")
        front, body = yaml.safe_load(text[4:end]) or {}, text[end + 5:]
    parts, position = [], 0
    for match in FENCE.finditer(body):
        parts.append(body[position:match.start()])
        lines = match.group(1).splitlines()
        options = [OPTION.match(line).group(1) for line in lines if OPTION.match(line)]
        source = "\n".join(line for line in lines if not OPTION.match(line)).strip("\n")
        try:
            parsed = (yaml.safe_load("\n".join(options)) or {}) if options else {}
        except yaml.YAMLError as error:
            raise RenderError(f"{path}: cell options are not valid YAML: {error}") from None
        parts.append(Cell(source, parsed))
        position = match.end()
    parts.append(body[position:])
    return Document(front, [p for p in parts if not (isinstance(p, str) and not p.strip())], path)


def translate_parameters(parameters: dict) -> str:
    """Python assignments for the injected cell, as papermill writes them."""
    return "# Injected Parameters\n" + "".join(f"{name} = {value!r}\n" for name, value in parameters.items())


def with_parameters(document: Document, parameters: dict) -> Document:
    """The document with a cell of parameter values after the cell tagged `parameters` (else at the top)."""
    if not parameters:
        return document
    injected = Cell(translate_parameters(parameters), {"tags": ["injected-parameters"], "include": False})
    parts = list(document.parts)
    tagged = [i for i, p in enumerate(parts) if isinstance(p, Cell) and "parameters" in (p.options.get("tags") or [])]
    parts.insert(tagged[0] + 1 if tagged else 0, injected)
    return Document(document.front, parts, document.path)


def execute(document: Document, cwd: Path, timeout: int = 600):
    """Run every cell in one kernel; returns the executed notebook."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(cell.source) for cell in document.cells]
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute()
    except CellExecutionError:
        for cell, ran in zip(document.cells, notebook.cells, strict=True):
            errors = [o for o in ran.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                where = f"cell '{cell.label}'" if cell.label else f"the cell starting '{cell.source[:40]}'"
                raise RenderError(f"{document.path}: {where} failed: {errors[0]['ename']}: {errors[0]['evalue']}") \
                    from None
        raise
    return notebook


def markdown(document: Document, notebook) -> str:
    """Quarto-style Markdown: the text, and each cell's outputs shaped by its options."""
    outputs = iter(notebook.cells)
    chunks = []
    for part in document.parts:
        if isinstance(part, str):
            chunks.append(part)
            continue
        executed = next(outputs)
        if part.options.get("include", True) is False:
            continue
        if part.options.get("echo", False):
            chunks.append(f"```python\n{part.source}\n```\n")
        chunks.append(_outputs(part, executed.get("outputs", [])))
    return "\n".join(chunk.strip("\n") + "\n" for chunk in chunks if chunk.strip())


def _outputs(cell: Cell, outputs: list) -> str:
    asis = cell.options.get("output") == "asis"
    label, pieces = cell.label, []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stderr" and not cell.options.get("warning", True):
                continue
            text = output.get("text", "")
            pieces.append(text if asis else f"```\n{text.rstrip()}\n```")
        elif kind in ("display_data", "execute_result"):
            data = output.get("data", {})
            if "image/png" in data:
                pieces.append(_figure(cell, data["image/png"]))
            elif "text/markdown" in data:
                pieces.append(data["text/markdown"])
            elif "text/html" in data:
                pieces.append(f"```{{=html}}\n{data['text/html']}\n```")
            elif "text/plain" in data and not asis:
                pieces.append(f"```\n{data['text/plain']}\n```")
    text = "\n\n".join(pieces)
    if "tbl-cap" in cell.options:
        text += f"\n\n: {cell.options['tbl-cap']}" + (f" {{#{label}}}" if label.startswith("tbl-") else "")
    return text


def _figure(cell: Cell, png) -> str:
    encoded = png if isinstance(png, str) else base64.b64encode(png).decode()
    caption = cell.options.get("fig-cap", "")
    attributes = [f"#{cell.label}"] if cell.label.startswith("fig-") else []
    if "fig-alt" in cell.options:
        attributes.append(f'fig-alt="{cell.options["fig-alt"]}"')
    suffix = "{" + " ".join(attributes) + "}" if attributes else ""
    return f"![{caption}](data:image/png;base64,{encoded.strip()}){suffix}"


FILTER = PROJECT_ROOT / "reports" / "_filters" / "crossref.lua"
STYLE = PROJECT_ROOT / "reports" / "_style.css"


def html(document: Document, text: str, target: Path) -> Path:
    """One self-contained HTML file: table of contents, numbered captions, cross-references, embedded CSS."""
    import pypandoc

    metadata = {k: v for k, v in document.front.items() if isinstance(v, str | int | float)}
    args = ["--standalone", "--embed-resources", "--toc", f"--lua-filter={FILTER}", f"--css={STYLE}",
            "--metadata", f"lang={document.front.get('lang', 'nl')}"]
    args += [item for key, value in metadata.items() if key in ("title", "subtitle", "date", "author")
             for item in ("--metadata", f"{key}={value}")]
    target.parent.mkdir(parents=True, exist_ok=True)
    pypandoc.convert_text(text, "html5", format="markdown", extra_args=args, outputfile=str(target))
    return target


def render(path: Path, target: Path, parameters: dict | None = None, timeout: int = 600) -> Path:
    """Render a .qmd to self-contained HTML with the built-in engine."""
    path = Path(path)
    document = with_parameters(parse(path.read_text(encoding="utf-8"), str(path)), parameters or {})
    notebook = execute(document, path.parent, timeout)
    return html(document, markdown(document, notebook), Path(target))
