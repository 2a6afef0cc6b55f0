"""The landing folder: one sub-folder per region, and what changed in it since the last look.

The delivery sensor keeps, per file, its size, modification time and sha256 (so unchanged files are not hashed
again) and, per region, a hash of the folder's content: file names and their sha256. A region whose content hash
differs from the last one seen has a new or changed delivery; a file only touched (same bytes) changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from llo.regions import region_slug

# A file written less than this many seconds ago may still be arriving (a copy over the network): wait for it.
SETTLE_SECONDS = 10.0


NOT_A_REGION = ("not a labour-market region, so its files are not ingested: rename it to the region's name "
                "(`llo regions --all` lists them)")
A_LINK = ("a link, and links in the landing folder are never followed (they could lead anywhere on the server): "
          "deliver the file itself")


def region_folders(landing: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """Landing sub-folders by region slug, and the folders that are not read with the reason (not a region, or a
    link)."""
    found, skipped = {}, {}
    for folder in sorted(p for p in landing.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if landing.is_dir() else []:
        slug = region_slug(folder.name)
        if folder.is_symlink():
            skipped[folder.name] = A_LINK
        elif slug is None:
            skipped[folder.name] = NOT_A_REGION
        else:
            found.setdefault(slug, folder)
    return found, skipped


@dataclass(frozen=True)
class Skipped:
    """Something in a region's folder that is not read as a delivery: logged with its status and reason, so nothing
    a region sent disappears without a trace."""

    path: Path
    status: str  # REJECTED (a link) or IGNORED (hidden and temporary files, folders)
    reason: str


def _skipped(path: Path) -> Skipped | None:
    from checks.outputs import IGNORED, REJECTED  # pandera: not when the code location loads

    name = path.name
    if path.is_symlink():
        return Skipped(path, REJECTED, A_LINK)
    if name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#")):
        return Skipped(path, IGNORED, "a lock file that a spreadsheet program keeps while a file is open: not read "
                                      "(close the file; deliver it again if it changed)")
    if name.startswith("."):
        return Skipped(path, IGNORED, "a hidden file (its name starts with a dot), as operating systems and upload "
                                      "tools leave them: not read; rename it if it is a delivery")
    if path.is_dir():
        return Skipped(path, IGNORED, "a folder inside the region's folder: files in it are not read; put "
                                      "deliveries in the region's folder itself")
    if not path.is_file():
        return Skipped(path, IGNORED, "not a regular file (a pipe, socket or device): not read")
    return None


def delivery_files(folder: Path) -> list[Path]:
    """Every regular, visible file in a region's landing folder (never a link); what it holds is decided by its
    content."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(p for p in folder.iterdir() if _skipped(p) is None)


def skipped_entries(folder: Path) -> list[Skipped]:
    """What else is in a region's landing folder, by name: links, hidden and lock files, folders."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    return [skipped for p in sorted(folder.iterdir()) if (skipped := _skipped(p)) is not None]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_hash(files: dict[str, str]) -> str:
    """One hash for a folder's content: its file names with their sha256, in name order."""
    return hashlib.sha256("".join(f"{name}\t{sha}\n" for name, sha in sorted(files.items())).encode()).hexdigest()


@dataclass(frozen=True)
class Change:
    """A region whose landing folder holds other content than when it was last seen."""

    region: str
    folder: Path
    before: str  # content hash last seen ("" for a folder never seen)
    after: str
    files: tuple[str, ...]  # names of the files that are new or changed


@dataclass(frozen=True)
class Scan:
    changes: list[Change]
    skipped: dict[str, str]  # folders not read (no labour-market region, a link) with the reason
    waiting: dict[str, list[str]]  # region -> files still being written; the region is looked at next time
    cursor: dict  # what to remember for the next scan


def scan(landing: Path, cursor: dict | None, now: float, settle: float = SETTLE_SECONDS,
         ingested: dict[str, dict[str, str]] | None = None) -> Scan:
    """Compare the landing folder with the cursor of the previous scan (`now` in epoch seconds). A region the
    cursor has not seen yet is compared with `ingested` (its files and sha256 at the last ingest, from the
    warehouse), so content already ingested, e.g. by `llo materialize`, does not run again."""
    cursor = cursor or {}
    known_files: dict[str, list] = cursor.get("files", {})
    known_states: dict[str, str] = {**{region: content_hash(files) for region, files in (ingested or {}).items()},
                                    **cursor.get("regions", {})}
    files, states, changes, waiting = {}, dict(known_states), [], {}
    found, skipped = region_folders(landing)
    for region, folder in found.items():
        content, fresh = {}, []
        for entry in skipped_entries(folder):  # never opened, but logged by the ingest: it runs when one appears
            content[entry.path.name] = None
            files[f"{region}/{entry.path.name}"] = [None, None, None]
        for path in delivery_files(folder):
            stat = path.stat()
            if now - stat.st_mtime < settle:
                fresh.append(path.name)
                continue
            key = f"{region}/{path.name}"
            size, mtime, sha = known_files.get(key, (None, None, None))
            if (size, mtime) != (stat.st_size, stat.st_mtime_ns):
                sha = file_sha256(path)
            files[key] = [stat.st_size, stat.st_mtime_ns, sha]
            content[path.name] = sha
        if fresh:  # keep the region as it was until every file has arrived
            waiting[region] = fresh
            files.update({k: v for k, v in known_files.items() if k.startswith(f"{region}/")})
            continue
        after, before = content_hash(content), known_states.get(region, "")
        states[region] = after
        if content and after != before:
            seen = {k.partition("/")[2]: v[2] for k, v in known_files.items() if k.startswith(f"{region}/")}
            changed = tuple(sorted(name for name, sha in content.items() if name not in seen or seen[name] != sha))
            changes.append(Change(region, folder, before, after, changed))
    return Scan(changes, skipped, waiting, {"files": files, "regions": states})
