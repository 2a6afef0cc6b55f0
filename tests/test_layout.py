"""The layout stays true: imports run one way along the flow (ARCHITECTURE.md, "Where things live").

Every module of llo/, checks/, assets/ and pipelines/ belongs to a layer (its longest matching prefix below); it
may import its own layer and the layers before it, never a later one. Imports inside functions count too: a lazy
import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("llo", "checks", "assets", "pipelines")

LAYERS = [
    ("foundations", ("llo", "checks.contract", "checks.outputs")),
    ("intake", ("llo.intake",)),
    ("monitor", ("llo.monitor",)),
    ("scba", ("llo.scba",)),
    ("quality", ("llo.quality",)),
    ("reporting", ("llo.reporting",)),
    ("demo data", ("llo.demo_data",)),
    ("Dagster building blocks", ("pipelines.resources", "pipelines.partitions", "pipelines.instance",
                                 "assets.metadata")),
    ("asset checks", ("checks",)),
    ("assets", ("assets",)),
    ("code location", ("pipelines",)),
    ("command line", ("llo.cli",)),
]


def layer_of(module: str) -> int | None:
    """The index of the module's layer: the layer with the longest prefix of its dotted name."""
    best, length = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = index, len(prefix)
    return best


def imported(source: str, module: str) -> list[tuple[int, str]]:
    """(line, module) of every import of a project package in `source`; `from x import y` counts as x.y when y is
    a module of its own (a name in x's namespace resolves to x's layer all the same)."""
    found = []
    package = module if module.endswith("__init__") else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.removesuffix(".__init__").split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] in PACKAGES]


def target_layer(name: str) -> int | None:
    """The layer of an imported name: of the deepest module the dotted name reaches."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        candidate = ".".join(parts[:cut])
        if (ROOT / Path(*parts[:cut])).with_suffix(".py").is_file() or (ROOT / Path(*parts[:cut])).is_dir():
            return layer_of(candidate)
    return layer_of(name)


def violations(module: str, source: str) -> list[str]:
    own = layer_of(module)
    found = []
    for line, name in imported(source, module):
        other = target_layer(name)
        if other is not None and own is not None and other > own:
            found.append(f"{module}:{line} imports {name}: {LAYERS[own][0]} may not import {LAYERS[other][0]}")
    return found


def project_modules() -> dict[str, Path]:
    return {".".join(path.relative_to(ROOT).with_suffix("").parts): path
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def test_imports_run_one_way():
    problems = [problem for module, path in project_modules().items()
                for problem in violations(module, path.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems)


def test_every_module_has_a_layer():
    assert [module for module in project_modules() if layer_of(module) is None] == []


@pytest.mark.parametrize(("module", "source", "expected"), [
    ("llo.intake.ingest", "from llo.reporting.publish import resting_on", 1),  # a stage reaching forward
    ("llo.monitor.kpi", "def f():\n    from llo import scba\n", 1),  # lazily, through the package
    ("llo.warehouse", "from llo.intake.ingest import LOG_COLUMNS", 1),  # a foundation importing a stage
    ("llo.reporting.render", "from assets.reports import NATIONAL", 1),  # the domain importing Dagster
    ("llo.scba.model", "from . import parameters\nfrom .. import settings", 0),  # its own stage, a foundation
    ("llo.reporting.tables", "from llo.monitor import kpi\nfrom llo.quality import expectations", 0),
    ("llo.cli.runs", "from pipelines.definitions import defs", 0),  # the command line is outermost
    ("assets.kpi", "import dagster as dg\nfrom checks.kpi_checks import x", 0),
    ("checks.kpi_checks", "from assets.kpi import kpi_month", 1),
])
def test_the_scan_finds_what_runs_against_the_flow(module, source, expected):
    assert len(violations(module, source)) == expected


def test_each_stage_says_what_it_takes_gives_and_may_import():
    for package in ("intake", "monitor", "scba", "quality", "reporting", "cli"):
        doc = ast.get_docstring(ast.parse((ROOT / "llo" / package / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "import" in doc, package
