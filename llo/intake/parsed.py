"""The parsed form of each delivered file, kept between runs by its sha256, so that a run reads and parses only the
files it has not seen before: a region that exports cumulatively sends its whole history again every month.

An entry is what `llo.intake.tables.read_file` gave for a file: per table its typed rows and format failures (as
Parquet), or why it was refused. It is used only while it is still true: the same bytes (the sha256 names it), the
same region, the same pseudonymisation key and the same code for reading and parsing (both in the version, the name
of the folder the entries live in). Entries hold what the warehouse holds, pseudonymised, never a direct identifier.
An entry goes when its file leaves the region's landing folder (at the region's next ingest), when the key or the
code changes, and when `llo erase` rewrites the region's files. An entry that cannot be read is parsed again: the
kept form saves time and never decides an outcome.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import shutil
import tempfile
import time
from functools import cache, partial
from pathlib import Path

import pandas as pd

from llo.intake.tables import Refused, Table

MANIFEST = "{digest}.json"  # written last: an entry without it is incomplete and ignored
STALE_SECONDS = 3600
# Uncompressed: every value stays readable as bytes, so a search of LLO_HOME for identifiers (tests/test_leaks.py)
# sees what is kept here too.
PARQUET = {"engine": "pyarrow", "compression": None}


def version(key: bytes) -> str:
    """The version of the parsed form: the code that reads, parses and keeps it, and the key (as a keyed hash, never
    the key itself)."""
    keyed = hmac.new(key, b"llo parsed files", hashlib.sha256).hexdigest()[:16]
    return f"{_code()}-{keyed}"


@cache
def _code() -> str:
    """The code version, once a process: a full run asks for it per region."""
    from checks import contract
    from llo import regions, text
    from llo.fingerprints import code_version
    from llo.intake import headers, parse, parsed, privacy, read, tables

    return code_version(read, headers, privacy, parse, tables, parsed, contract, regions, text)


class ParsedFiles:
    """The kept parsed files of one region, under `root`/<region>/<version>/."""

    def __init__(self, root: Path, region: str, key: bytes):
        self.region_folder = root / region
        self.folder = self.region_folder / version(key)

    def get(self, digest: str, file: str) -> list[Table | Refused] | None:
        """The kept parse of the file with this sha256 (its rows named after `file`, its name now); None when none is
        kept or it cannot be read."""
        try:
            manifest = json.loads((self.folder / MANIFEST.format(digest=digest)).read_text(encoding="utf-8"))
            found: list[Table | Refused] = []
            for number, part in enumerate(manifest["tables"]):
                if "reason" in part:
                    found.append(Refused(part["sheet"], part["rows_read"], part["reason"]))
                    continue
                frame = pd.read_parquet(self.folder / f"{digest}.{number}.rows.parquet")
                frame["bron_bestand"] = file
                issues = pd.read_parquet(self.folder / f"{digest}.{number}.issues.parquet")
                found.append(Table(file, part["sheet"], part["kind"], frame, issues, part["log"]))
            return found
        except (OSError, ValueError, KeyError, TypeError):  # missing, incomplete or unreadable: parse the file again
            return None

    def put(self, digest: str, parsed: list[Table | Refused]) -> None:
        """Keep the parse of a file; the manifest goes last and by rename, so a reader sees a whole entry or none. A
        failure to keep it (a full disk, a concurrent run clearing the folder) only means it is parsed again."""
        parts = []
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for number, item in enumerate(parsed):
                if isinstance(item, Refused):
                    parts.append(dataclasses.asdict(item))
                    continue
                _write(self.folder / f"{digest}.{number}.rows.parquet", partial(item.frame.to_parquet, **PARQUET))
                _write(self.folder / f"{digest}.{number}.issues.parquet",
                       partial(item.format_issues.to_parquet, **PARQUET))
                parts.append({"sheet": item.sheet, "kind": item.kind, "log": item.log})
            _write(self.folder / MANIFEST.format(digest=digest),
                   lambda path: Path(path).write_text(json.dumps({"tables": parts}), encoding="utf-8"))
        except OSError:
            return

    def keep_only(self, digests: set[str]) -> None:
        """Remove the entries of files no longer delivered and those of other versions."""
        if not self.region_folder.is_dir():
            return
        for other in self.region_folder.iterdir():
            if other != self.folder:
                shutil.rmtree(other, ignore_errors=True)
        try:
            entries = list(self.folder.iterdir()) if self.folder.is_dir() else []
        except FileNotFoundError:  # another run of the region removed the folder (another version) meanwhile
            return
        for path in entries:
            try:
                if path.name.startswith("."):  # a file being written; left behind only by a run that was killed
                    if time.time() - path.stat().st_mtime > STALE_SECONDS:
                        path.unlink(missing_ok=True)
                elif path.name.split(".", 1)[0] not in digests:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:  # a concurrent run of the region renamed its file into place meanwhile
                continue


def forget_region(root: Path, region: str) -> None:
    """Remove everything kept for the region (after `llo erase` rewrote its files)."""
    shutil.rmtree(root / region, ignore_errors=True)


def _write(path: Path, write) -> None:
    """`write(temporary path)`, then rename into place: two runs that keep the same file never mix their bytes."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
