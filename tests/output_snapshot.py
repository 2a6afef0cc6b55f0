"""Fingerprints of what `llo demo` leaves in LLO_HOME: every warehouse table and every report file. A change that is
meant to make the pipeline faster must leave them all as they were (tests/test_outputs.py).

Left out, because they say when or with which code something ran rather than what came out:
- the clock times in the reports and their disclosure files (when the quality suites ran), and the reports' code
  version (the git commit);
- the columns in BOOKKEEPING (when a figure was published; hashes that include the code's version).
The reports are rendered by pandoc, matplotlib and typst, whose bytes may change with their versions: the snapshot
records the versions it was made with (TOOLCHAIN).

NumPy picks its code for a function by the processor, and not every version rounds the last bit alike: the SCBA's
Monte Carlo and sensitivity tables (the discounting over varied rates) came out other in the last bits on a processor
without AVX-512 than on the one the snapshot was first made on. The snapshot's demo runs on NumPy's AVX2 code on
every machine that has it (`numpy_code_paths`), so the snapshot holds on each of them.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from importlib import metadata
from pathlib import Path

BOOKKEEPING = {"published_figures": ["published_at"], "region_results": ["version"],
               "trajectory_versions": ["version", "derived_from"]}
TOOLCHAIN = ("pandoc", "matplotlib", "typst", "pypdf")
CLOCK = re.compile(rb"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?")


def numpy_code_paths() -> dict[str, str]:
    """The environment that limits NumPy to its AVX2 code (X86_V3) where the machine has it (NumPy refuses to start
    when told to enable a feature the processor lacks). The features are read from NumPy's own, private, table."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # another NumPy layout: run on its own choice of code
        return {}
    return {"NPY_ENABLE_CPU_FEATURES": "X86_V3"} if __cpu_features__.get("X86_V3") else {}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


def toolchain() -> dict[str, str]:
    import pypandoc

    return {"pandoc": pypandoc.get_pandoc_version(),
            **{name: metadata.version(name) for name in TOOLCHAIN if name != "pandoc"}}


def tables(url: str) -> dict[str, str]:
    """Per warehouse table a hash of its rows in a fixed order, as text, without the bookkeeping columns."""
    import pandas as pd
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    found = {}
    try:
        for name in sorted(sa.inspect(engine).get_table_names()):
            rows = pd.read_sql_table(name, engine).drop(columns=BOOKKEEPING.get(name, []))
            text = rows.astype(str)
            text = text.sort_values(list(text.columns), kind="stable").reset_index(drop=True)
            found[name] = f"{len(rows)} rows " + _digest(text.to_csv(index=False).encode())
    finally:
        engine.dispose()
    return found


def reports(folder: Path) -> dict[str, str]:
    """Per report file a hash of its bytes, with clock times and the code version normalised; of a DOCX its parts,
    of a PDF its pages' text."""
    from llo.reporting.render import code_version

    version = code_version().encode()

    def normalised(data: bytes) -> bytes:
        return CLOCK.sub(b"<tijdstip>", data.replace(version, b"<codeversie>"))

    def docx(path: Path) -> str:
        with zipfile.ZipFile(path) as archive:
            parts = sorted(archive.namelist())
            return _digest(b"".join(name.encode() + normalised(archive.read(name)) for name in parts))

    def pdf(path: Path) -> str:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(path.read_bytes()))
        text = "\f".join(page.extract_text() for page in reader.pages).encode()
        return f"{len(reader.pages)} pages " + _digest(normalised(text))

    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        name = path.relative_to(folder).as_posix()
        found[name] = (docx(path) if path.suffix == ".docx" else pdf(path) if path.suffix == ".pdf"
                       else _digest(normalised(path.read_bytes())))
    return found
