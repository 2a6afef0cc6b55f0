"""A built-in renderer for Quarto documents, for machines without the Quarto CLI.

It follows Quarto's Jupyter engine: project options from `_quarto.yml` beside the document, overridden by
its YAML front matter; only ```{python} fences become cells; `#|` cell options (label, echo, include,
output: asis, fig-cap, fig-alt, tbl-cap, warning) with `execute:` defaults; parameters injected in a new
cell after the cell tagged `parameters` (papermill's convention); execution with nbclient in a Jupyter
kernel that several documents may share (`Kernel`, as Quarto keeps its kernel alive between renders);
Quarto-style Markdown with the outputs; pandoc (the pypandoc-binary wheel) for one self-contained HTML
file with a table of contents, numbered figure and table captions, working @fig- and @tbl-
cross-references and callouts (reports/_filters/crossref.lua). The same Markdown (the notebook runs once)
also becomes a DOCX (pandoc with `format.docx.reference-doc`) and a PDF (pandoc's Typst writer, compiled by
the `typst` package with its embedded fonts, no network) beside the HTML.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from llo.settings import PROJECT_ROOT

INCLUDE = re.compile(r"^\{\{<\s*include\s+(\S+)\s*>\}\}[ \t]*$", re.M)
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
    front: dict  # the project's options (_quarto.yml) merged with the document's front matter
    parts: list  # Markdown text (str) and code cells (Cell), in order
    path: str = ""

    @property
    def cells(self) -> list[Cell]:
        return [p for p in self.parts if isinstance(p, Cell)]

    def option(self, cell: Cell, name: str, default):
        """A cell option, else the document's `execute:` default, else Quarto's default."""
        return cell.options.get(name, (self.front.get("execute") or {}).get(name, default))

    def format_options(self, name: str) -> dict:
        """The options of one output format (`format: {html: ..., docx: ..., typst: ...}`)."""
        formats = self.front.get("format")
        return (formats.get(name) or {}) if isinstance(formats, dict) else {}

    @property
    def html_options(self) -> dict:
        return self.format_options("html")


def merged(base: dict, override: dict) -> dict:
    """Quarto's option merge: nested mappings merge key by key, anything else is replaced."""
    result = dict(base)
    for key, value in override.items():
        result[key] = merged(result[key], value) if isinstance(value, dict) and isinstance(result.get(key), dict) \
            else value
    return result


def project_options(folder: Path) -> dict:
    """The options of `_quarto.yml` in the document's folder (none outside a project)."""
    path = Path(folder) / "_quarto.yml"
    if not path.exists():
        return {}
    try:
        options = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise RenderError(f"{path}: not valid YAML: {error}") from None
    return {k: v for k, v in options.items() if k != "project"}


def parse(text: str, path: str = "", project: dict | None = None) -> Document:
    """Front matter (over the project's options), Markdown and ```{python} cells with their `#|` options."""
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
    return Document(merged(project or {}, front), [p for p in parts if not (isinstance(p, str) and not p.strip())],
                    path)


def expand_includes(text: str, folder: Path, depth: int = 0) -> str:
    """Quarto's `{{< include file >}}` shortcode: the file's text in its place (paths relative to `folder`)."""
    def included(match: re.Match) -> str:
        path = Path(folder) / match.group(1)
        if depth > 8 or not path.is_file():
            raise RenderError(f"{path}: included file not found" if depth <= 8 else f"{path}: includes nest too deep")
        return expand_includes(path.read_text(encoding="utf-8"), path.parent, depth + 1).rstrip("\n")

    return INCLUDE.sub(included, text)


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


class Kernel:
    """A Jupyter kernel shared by the documents rendered inside `with Kernel() as kernel:`. Modules are imported
    once; each document starts with an empty namespace in its own folder (see `execute`)."""

    def __enter__(self) -> Kernel:
        import tempfile

        import nbformat
        from nbclient import NotebookClient

        # The kernel's channels (code and its output) are Unix sockets in a folder only this user can open, not
        # TCP ports on 127.0.0.1 that any local user could reach (ipykernel warns about those on every start).
        self.sockets = tempfile.TemporaryDirectory(prefix="llo-kernel-")
        self.documents = 0  # executed in it so far
        starter = NotebookClient(nbformat.v4.new_notebook(), kernel_name="python3")
        self.manager = starter.create_kernel_manager()
        self.manager.transport, self.manager.ip = "ipc", str(Path(self.sockets.name) / "socket")
        try:
            starter.start_new_kernel()
            # One client for every document: a new one per document waits 0.2 s for the kernel's output channel to
            # fall silent (jupyter_client's wait_for_ready). Its output is told apart by the request it answers.
            self.client = starter.start_new_kernel_client()
        except BaseException:
            self.sockets.cleanup()
            raise
        return self

    def __exit__(self, *exc) -> None:
        from jupyter_core.utils import run_sync

        try:
            self.client.stop_channels()
            run_sync(self.manager.shutdown_kernel)(now=True)
        finally:
            self.sockets.cleanup()


def _fresh_start(cwd: Path, freeze: bool = False) -> str:
    """The hidden first cell: no figures left over, an empty namespace, the document's folder as working dir.
    `freeze` (at a shared kernel's second document): what is left after the reset, the modules and their caches, is
    moved out of the garbage collector's sight (gc.freeze), once. The reset collects the last document's garbage,
    and a full collection that also looks at every object the modules hold took 0.17 s a document. Once, not at
    every document: what dies after being frozen is never collected (measured: 3 MiB more a report; once, 4 MiB)."""
    return ("import sys as _sys\n"
            "_sys.modules.get('matplotlib.pyplot') and _sys.modules['matplotlib.pyplot'].close('all')\n"
            "get_ipython().run_line_magic('reset', '-f')\nimport gc as _gc, os as _os\n"
            + ("_gc.freeze()\n" if freeze else "") + f"_os.chdir({str(cwd)!r})\ndel _gc, _os")


def execute(document: Document, cwd: Path, timeout: int = 600, kernel: Kernel | None = None):
    """Run every cell in one kernel (the shared one, else a new one); returns the executed notebook."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.v4.new_notebook()
    if kernel:
        kernel.documents += 1
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in
                      (_fresh_start(cwd, kernel is not None and kernel.documents == 2),
                       *(cell.source for cell in document.cells))]
    shared = {"km": kernel.manager} if kernel else {"kernel_name": "python3"}
    client = NotebookClient(notebook, timeout=timeout, resources={"metadata": {"path": str(cwd)}}, **shared)
    client.kc = kernel.client if kernel else None  # the shared kernel's client (see Kernel), else a new one
    try:
        client.execute()
    except CellExecutionError:
        for cell, ran in zip(document.cells, notebook.cells[1:], strict=True):
            errors = [o for o in ran.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                where = f"cell '{cell.label}'" if cell.label else f"the cell starting '{cell.source[:40]}'"
                raise RenderError(f"{document.path}: {where} failed: {errors[0]['ename']}: {errors[0]['evalue']}") \
                    from None
        raise
    notebook.cells = notebook.cells[1:]
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
        if document.option(part, "include", True) is False:
            continue
        if document.option(part, "echo", True) is True:
            chunks.append(f"```python\n{part.source}\n```\n")
        chunks.append(_outputs(part, executed.get("outputs", []), document.option(part, "warning", True)))
    return "\n".join(chunk.strip("\n") + "\n" for chunk in chunks if chunk.strip())


def _outputs(cell: Cell, outputs: list, warnings: bool) -> str:
    asis = cell.options.get("output") == "asis"
    label, pieces = cell.label, []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stderr" and not warnings:
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
    if "tbl-cap" in cell.options and text.strip():
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
FORMATS = ("html", "docx", "pdf")  # a report's files, side by side: NAME.html, NAME.docx, NAME.pdf
# pandoc stamps a DOCX with this time (core.xml, zip entries), so the same report gives the same bytes
EPOCH = "315532800"  # 1980-01-01, the earliest time a zip entry can hold
DATA_PNG = re.compile(r"\]\(data:image/png;base64,([A-Za-z0-9+/=\s]+)\)")


def beside(target: Path, suffix: str) -> Path:
    """The file of another format next to the HTML file `target` (nationaal.html -> nationaal.docx)."""
    return Path(target).with_suffix("." + suffix)


def _metadata(document: Document, options: dict) -> dict:
    metadata = {"lang": "nl", "toc-title": options.get("toc-title", "Inhoud")}
    metadata.update({k: v for k, v in document.front.items()
                     if k in ("title", "subtitle", "date", "author", "lang") and isinstance(v, str | int | float)})
    return metadata


def _figures(text: str) -> tuple[str, dict[str, bytes]]:
    """The Markdown with each embedded PNG referred to by a file name instead, and the PNGs by name: Typst reads
    images only from files, and pandoc's DOCX writer embeds them the same way from either."""
    figures = {}

    def named(match: re.Match) -> str:
        name = f"figuur-{len(figures) + 1}.png"
        figures[name] = base64.b64decode("".join(match.group(1).split()))
        return f"]({name})"

    return DATA_PNG.sub(named, text), figures


def _image_files(text: str, folder: Path) -> str:
    """The Markdown with each embedded PNG written to a file in `folder` and referred to by name (`_figures`)."""
    text, figures = _figures(text)
    for name, png in figures.items():
        (folder / name).write_bytes(png)
    return text


@dataclass(frozen=True)
class Parsed:
    """Markdown as pandoc read it (its JSON), with the figures it names: read once for every format, as reading
    the Markdown is a third of each format's pandoc run. The writers take it where they take Markdown."""
    json: str
    figures: dict[str, bytes]


def read(text: str) -> Parsed:
    """The Markdown read by pandoc (the figures as files, `_figures`), for the writers (html, docx, pdf)."""
    text, figures = _figures(text)
    return Parsed(_pandoc(text, "json", [], None, None), figures)


def _source(text: str | Parsed, folder: Path) -> tuple[str, str]:
    """What a writer hands pandoc, and in which format: the figures written to `folder` as files."""
    if isinstance(text, Parsed):
        for name, png in text.figures.items():
            (folder / name).write_bytes(png)
        return text.json, "json"
    return _image_files(text, folder), "markdown"


def _pandoc(text: str, to: str, args: list[str], output: Path | None, cwd: Path | None, reader: str = "markdown"
            ) -> str:
    """pandoc from `reader` to `to`, into `output` (None: returned)."""
    import pypandoc

    done = subprocess.run([pypandoc.get_pandoc_path(), "--from", reader, "--to", to,
                           *(("--output", str(output)) if output else ()), *args], input=text, capture_output=True,
                          text=True, encoding="utf-8", cwd=cwd, timeout=300,
                          env={**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", EPOCH)})
    if done.returncode:
        raise RenderError(f"pandoc --to {to} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def docx(document: Document, text: str | Parsed, target: Path, folder: Path) -> Path:
    """A DOCX of the same Markdown: Word styles from `format.docx.reference-doc`, tables as Word tables, figures
    as embedded pictures, callouts in the paragraph style `Kader`."""
    options = document.format_options("docx")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="llo-docx-") as scratch:
        args = ["--standalone", f"--lua-filter={FILTER}", f"--resource-path={scratch}"]
        args += ["--toc"] if options.get("toc", True) else []
        if options.get("reference-doc"):
            args.append(f"--reference-doc={Path(folder) / options['reference-doc']}")
        args += [item for key, value in _metadata(document, options).items()
                 for item in ("--metadata", f"{key}={value}")]
        source, reader = _source(text, Path(scratch))
        _pandoc(source, "docx", args, target.resolve(), Path(scratch), reader)
    return target


TYPST_VARIABLES = ("papersize", "margin", "fontsize", "mainfont", "section-numbering", "page-numbering", "columns")


def pdf(document: Document, text: str | Parsed, target: Path, folder: Path) -> Path:
    """A PDF of the same Markdown: pandoc's Typst writer (options of `format.typst`, as Quarto's typst format), then
    the `typst` package with its embedded fonts only (the same on every machine; nothing is fetched)."""
    import typst

    options = document.format_options("typst")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="llo-typst-") as scratch:
        scratch = Path(scratch)
        metadata = {**_metadata(document, options), "region": "NL",
                    **{k: options[k] for k in TYPST_VARIABLES if k in options}}
        (scratch / "metadata.yaml").write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")
        args = ["--standalone", f"--lua-filter={FILTER}", f"--metadata-file={scratch / 'metadata.yaml'}"]
        args += ["--toc"] if options.get("toc", True) else []
        headers = options.get("include-in-header") or []
        args += [f"--include-in-header={Path(folder) / name}" for name in ([headers] if isinstance(headers, str)
                                                                          else headers)]
        source = scratch / "rapport.typ"
        markdown, reader = _source(text, scratch)
        _pandoc(markdown, "typst", args, source, scratch, reader)
        try:
            target.write_bytes(typst.compile(str(source), root=str(scratch), ignore_system_fonts=True, format="pdf"))
        except RuntimeError as error:
            raise RenderError(f"{document.path}: typst could not compile the PDF: {error}") from None
    return target


def html(document: Document, text: str | Parsed, target: Path, folder: Path) -> Path:
    """One self-contained HTML file: table of contents, numbered captions, cross-references, embedded CSS. The
    figures go to pandoc as files, which it embeds again: the same bytes as the inline PNGs, in a third of the time
    (pandoc's Markdown reader is slow on long data URIs)."""
    options = document.html_options
    metadata = _metadata(document, options)
    args = ["--standalone", "--embed-resources", f"--lua-filter={FILTER}"]
    args += ["--toc"] if options.get("toc", True) else []
    css = options.get("css") or []
    args += [f"--css={Path(folder).resolve() / name}" for name in ([css] if isinstance(css, str) else css)]
    args += [item for key, value in metadata.items() for item in ("--metadata", f"{key}={value}")]
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="llo-html-") as scratch:
        source, reader = _source(text, Path(scratch))
        _pandoc(source, "html5", args, Path(target).resolve(), Path(scratch), reader)
    return target


def render(path: Path, target: Path, parameters: dict | None = None, timeout: int = 600,
           kernel: Kernel | None = None, formats: tuple[str, ...] = FORMATS) -> Path:
    """Render a .qmd to self-contained HTML `target` with the built-in engine (in `kernel` when given), and from the
    same Markdown the other `formats` beside it (`beside(target, "docx")`, `beside(target, "pdf")`)."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown report format(s) {sorted(unknown)}: choose from {', '.join(FORMATS)}")
    path = Path(path)
    text = expand_includes(path.read_text(encoding="utf-8"), path.parent)
    document = parse(text, str(path), project_options(path.parent))
    document = with_parameters(document, parameters or {})
    notebook = execute(document, path.parent, timeout, kernel)
    body = markdown(document, notebook)
    # The Markdown is read once, and the formats are written at the same time: each is a pandoc process (and typst
    # for the PDF), so on several cores a report takes about as long as its slowest format.
    files = {name: Path(target) if name == "html" else beside(target, name) for name in FORMATS
             if name == "html" or name in formats}
    parsed = read(body) if len(files) > 1 else body
    with ThreadPoolExecutor(len(files)) as pool:
        done = [pool.submit({"html": html, "docx": docx, "pdf": pdf}[name], document, parsed, file, path.parent)
                for name, file in files.items()]
    for future in done:
        future.result()  # raises the first format's failure
    return Path(target)
