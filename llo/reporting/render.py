"""Rendering the Quarto reports: `quarto render` where the Quarto CLI is found, else the built-in engine
(llo/reporting/qmd.py) on the same .qmd. One `Renderer` renders many reports, `workers` at a time (`render_all`);
with the built-in engine each worker keeps one Jupyter kernel for all its reports, as Quarto keeps its kernel alive
between renders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from llo import settings
from llo.quality.expectations import index_of, summary_file
from llo.reporting import qmd

REPORTS_DIR = settings.PROJECT_ROOT / "reports"
NATIONAL, REGIONAL = "nationaal.qmd", "regionaal.qmd"
# National documents rendered on demand for a chosen peildatum (assets/reports.py: tussenrapport, eindrapport).
DOCUMENTS = ("tussenrapport", "eindrapport")
BUILTIN, QUARTO = "ingebouwd (llo.qmd + pandoc)", "quarto"  # engine labels as reports and logs print them
ENGINES = ("auto", "builtin", "quarto")


def quarto_cli() -> str | None:
    """The Quarto CLI: QUARTO_PATH, else `quarto` on the PATH."""
    configured = os.environ.get("QUARTO_PATH")
    return configured if configured and Path(configured).is_file() else shutil.which("quarto")


def report_file(month: str, region: str | None = None, root: Path | None = None, document: str | None = None
                ) -> Path:
    """LLO_HOME/reports/YYYY-MM/nationaal.html, .../regio-<slug>.html or .../<document>.html."""
    root = root or settings.llo_home() / "reports"
    name = f"{document}.html" if document else "nationaal.html" if region is None else f"regio-{region}.html"
    return root / month[:7] / name


LEDGER_SUFFIX, PROVENANCE_SUFFIX = ".openbaarheid.json", ".herkomst.json"


def ledger_file(report: Path) -> Path:
    """The disclosure ledger beside a report: every published figure with the participants it rests on. Its counts
    are for the checks, not for readers: they would undo the "<10"."""
    return report.with_suffix(LEDGER_SUFFIX)


def provenance_file(report: Path) -> Path:
    """The provenance file beside a report: the input files behind its figures, with their content hashes."""
    return report.with_suffix(PROVENANCE_SUFFIX)


def code_version() -> str:
    """The git commit of the project (with -dirty for uncommitted changes), else the package version."""
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], capture_output=True,
                                   text=True, cwd=settings.PROJECT_ROOT, timeout=10)
        if described.returncode == 0 and described.stdout.strip():
            return described.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    from importlib.metadata import version

    return f"llo-impact-monitor {version('llo-impact-monitor')}"


@dataclass(frozen=True)
class Rendered:
    path: Path  # the HTML file
    ledger: Path
    engine: str
    seconds: float
    docx: Path | None = None  # the same report as DOCX and PDF, beside the HTML
    pdf: Path | None = None

    @property
    def files(self) -> dict[str, Path]:
        """Every format's file: {"html": ..., "docx": ..., "pdf": ...}."""
        return {"html": self.path, **{k: v for k, v in (("docx", self.docx), ("pdf", self.pdf)) if v is not None}}


class Renderer:
    """Renders reports into files (`render_all`), with the Quarto CLI or the built-in engine."""

    def __init__(self, engine: str = "auto", timeout: int = 600, project: Path | None = None, workers: int = 1):
        self.project = Path(project) if project else REPORTS_DIR  # the Quarto project with the .qmd files
        if engine not in ENGINES:
            raise ValueError(f"unknown report engine {engine!r}: choose one of {', '.join(ENGINES)}")
        if workers < 1:
            raise ValueError(f"reports are rendered by at least one worker, not {workers}")
        self.quarto = quarto_cli() if engine in ("auto", "quarto") else None
        if engine == "quarto" and not self.quarto:
            raise FileNotFoundError("the Quarto CLI was asked for but is neither at QUARTO_PATH nor on the PATH")
        self.engine, self.timeout, self.workers = (QUARTO if self.quarto else BUILTIN), timeout, workers

    def render_all(self, jobs: list[dict]) -> Iterator[Rendered]:
        """Render every job (the keyword arguments of `render_in` after the kernel), up to `workers` at once. Each
        worker is a thread with a kernel of its own (a kernel is bound to the thread that started it; the Quarto
        CLI brings its own); yields the results in the order of `jobs`, each as soon as it and those before it
        are done."""
        results = [Future() for _ in jobs]
        pending, lock, stop = iter(range(len(jobs))), threading.Lock(), threading.Event()

        def next_job() -> int | None:
            with lock:
                return None if stop.is_set() else next(pending, None)

        def work() -> None:
            try:
                with nullcontext() if self.quarto else qmd.Kernel() as kernel:
                    while (number := next_job()) is not None:
                        try:
                            results[number].set_result(self.render_in(kernel, **jobs[number]))
                        except Exception as error:
                            results[number].set_exception(error)
            except Exception as error:  # the kernel did not start: the jobs left fail with that reason
                while (number := next_job()) is not None:
                    results[number].set_exception(error)

        threads = [threading.Thread(target=work, name=f"report-worker-{n}", daemon=True)
                   for n in range(min(self.workers, len(jobs)))]
        for thread in threads:
            thread.start()
        try:
            for result in results:
                yield result.result()
        finally:
            stop.set()  # when the caller stops early, workers finish the report at hand and take no new one
            for thread in threads:
                thread.join()

    def render_in(self, kernel, month: str, region: str | None, warehouse_url: str, target: Path, *,
                  scenario: str = "basis", min_participants: int = settings.MIN_PARTICIPANTS, version: str = "",
                  quality_summary: Path | None = None, document: str | None = None) -> Rendered:
        """Render a report in `kernel` (None for the Quarto CLI): the national or a regional report, or one of the
        `DOCUMENTS`."""
        if document is not None and document not in DOCUMENTS:
            raise ValueError(f"unknown report {document!r}: choose one of {', '.join(DOCUMENTS)}")
        source = self.project / (f"{document}.qmd" if document else NATIONAL if region is None else REGIONAL)
        ledger = ledger_file(target)
        ledger.unlink(missing_ok=True)  # the ledger must come from this render
        quality = quality_summary or summary_file()
        parameters = {"maand": month[:7], "regio": region or "", "scenario": scenario,
                      "min_deelnemers": int(min_participants), "warehouse_url": warehouse_url,
                      "openbaarheid": str(ledger), "code_versie": version or code_version(),
                      "herkomst": str(provenance_file(target)),
                      "datakwaliteit": str(quality),  # relative, so the link works served and from disk alike
                      "datadocs": os.path.relpath(index_of(quality), target.parent)}
        started = time.perf_counter()
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in qmd.FORMATS[1:]:
            qmd.beside(target, suffix).unlink(missing_ok=True)  # every file must come from this render
        if self.quarto:
            self._quarto(source, target, parameters)
        else:
            qmd.render(source, target, parameters, self.timeout, kernel)
        return Rendered(target, ledger, self.engine, time.perf_counter() - started, qmd.beside(target, "docx"),
                        qmd.beside(target, "pdf"))

    # Quarto's format per file: its `typst` format writes a PDF (format options in reports/_quarto.yml).
    QUARTO_FORMATS = {"html": "html", "docx": "docx", "pdf": "typst"}

    def _quarto(self, source: Path, target: Path, parameters: dict) -> None:
        """`quarto render --to FORMAT` with -P parameters of a copy of the Quarto project in a scratch folder, for
        each format (HTML, DOCX, PDF through Typst), then the files into place beside each other. Quarto writes its
        intermediate notebook next to the source: two reports of one .qmd rendered at once from the project itself
        would share (and delete) it."""
        with tempfile.TemporaryDirectory(prefix="llo-quarto-") as scratch:
            project = Path(scratch) / "project"
            shutil.copytree(self.project, project, ignore=shutil.ignore_patterns(
                ".quarto", "_site", "*.quarto_ipynb", "__pycache__"))
            output = Path(scratch) / "output"
            for suffix in qmd.FORMATS:
                name = qmd.beside(target, suffix).name
                command = [self.quarto, "render", str(project / source.name), "--to", self.QUARTO_FORMATS[suffix],
                           "--output-dir", str(output), "--output", name,
                           *(item for k, v in parameters.items() for item in ("-P", f"{k}:{v}"))]
                done = subprocess.run(command, capture_output=True, text=True, cwd=project, timeout=self.timeout,
                                      env={**os.environ, "QUARTO_PYTHON": sys.executable})
                if done.returncode != 0:
                    raise qmd.RenderError(f"{source}: quarto render --to {self.QUARTO_FORMATS[suffix]} failed "
                                          f"({done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}")
                shutil.move(output / name, target.with_name(name))
