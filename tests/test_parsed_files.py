"""The parsed form of delivered files, kept between runs (llo.intake.parsed): a kept file gives exactly what parsing
it gives, is used only for the same bytes, key and code, and goes when its file goes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from llo.demo_data import generate
from llo.intake import ingest, parsed
from llo.intake.landing import delivery_files, file_sha256
from llo.intake.parsed import ParsedFiles
from llo.intake.tables import Refused, read_file
from tests.conftest import measurement_row, write_csv

KEY = b"k" * 32
TODAY = dt.date(2026, 1, 15)


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """Demo deliveries with every fault the generator makes (refused files and sheets, format failures, xlsx)."""
    folder = tmp_path_factory.mktemp("parsed") / "landing"
    generate(folder, seed=5, faults=True)
    write_csv(folder / "twente" / "fouten.csv", [measurement_row("X1", meetdatum="31-02-2024"),
                                                 measurement_row("X2", geboortejaar="negentien tachtig")])
    return folder


def assert_same_parse(kept: list, fresh: list) -> None:
    assert len(kept) == len(fresh)
    for a, b in zip(kept, fresh, strict=True):
        assert type(a) is type(b)
        if isinstance(a, Refused):
            assert a == b
            continue
        assert (a.file, a.sheet, a.kind, a.log) == (b.file, b.sheet, b.kind, b.log)
        pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
        pd.testing.assert_frame_equal(a.format_issues, b.format_issues, check_exact=True)
        # the versions are found by content hashes: a kept row must hash as the parsed one
        assert pd.util.hash_pandas_object(a.frame, index=False).equals(pd.util.hash_pandas_object(b.frame, index=False))


def test_every_kept_file_gives_what_parsing_it_gives(landing, tmp_path):
    kinds = set()
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
        cache = ParsedFiles(tmp_path, folder.name, KEY)
        for path in delivery_files(folder):
            fresh = read_file(path, folder.name, KEY)
            digest = file_sha256(path)
            assert cache.get(digest, path.name) is None
            cache.put(digest, fresh)
            assert_same_parse(cache.get(digest, path.name), read_file(path, folder.name, KEY))
            kinds |= {"refused" if isinstance(item, Refused) else item.kind for item in fresh}
            kinds |= {"format failures" for item in fresh if not isinstance(item, Refused) and len(item.format_issues)}
    assert kinds >= {"measurements", "trajectory_catalogue", "refused", "format failures"}  # the cases are covered


def frames(result: ingest.RegionIngest) -> dict[str, pd.DataFrame]:
    return {name: getattr(result, name) for name in ("measurements", "trajectory_catalogue", "quarantine", "warnings",
                                                     "ingest_log", "measurement_versions", "withdrawals")}


def test_an_ingest_from_kept_files_equals_one_that_parses_them(landing, tmp_path, monkeypatch):
    """And the kept form is what is used: with parsing broken, the second ingest still gives the same result."""
    now = dt.datetime(2026, 1, 15, 12)
    for region in ("twente", "midden-gelderland", "zuidoost-brabant"):
        plain = ingest.ingest_region(region, landing / region, key=KEY, today=TODAY, now=now)
        cache = ParsedFiles(tmp_path, region, KEY)
        first = ingest.ingest_region(region, landing / region, key=KEY, today=TODAY, now=now, cache=cache)
        with monkeypatch.context() as patched:
            patched.setattr(ingest, "read_file", lambda *args: pytest.fail("a kept file was parsed again"))
            second = ingest.ingest_region(region, landing / region, key=KEY, today=TODAY, now=now, cache=cache)
        assert first.files_parsed == plain.files_parsed > 0 and second.files_parsed == 0
        for name, frame in frames(plain).items():
            pd.testing.assert_frame_equal(frames(first)[name], frame, obj=f"{region} {name}, first")
            pd.testing.assert_frame_equal(frames(second)[name], frame, obj=f"{region} {name}, second")


def test_a_renamed_file_keeps_its_parse_under_its_new_name(tmp_path, landing):
    folder = tmp_path / "landing" / "twente"
    shutil.copytree(landing / "twente", folder)
    cache = ParsedFiles(tmp_path / "cache", "twente", KEY)
    ingest.ingest_region("twente", folder, key=KEY, today=TODAY, cache=cache)
    (path,) = [p for p in delivery_files(folder) if p.name.endswith("2024-01_metingen.csv")]
    path.rename(folder / "hernoemd.csv")
    result = ingest.ingest_region("twente", folder, key=KEY, today=TODAY, cache=cache)
    assert "hernoemd.csv" in set(result.measurements["bron_bestand"])
    assert path.name not in set(result.measurements["bron_bestand"])


def test_entries_go_with_their_files_and_with_another_key_or_code(tmp_path, landing, monkeypatch):
    folder = tmp_path / "landing" / "twente"
    shutil.copytree(landing / "twente", folder)
    root = tmp_path / "cache"
    cache = ParsedFiles(root, "twente", KEY)
    ingest.ingest_region("twente", folder, key=KEY, today=TODAY, cache=cache)
    digests = {file_sha256(p) for p in delivery_files(folder)}
    assert {p.stem for p in cache.folder.glob("*.json")} == digests

    gone = delivery_files(folder)[0]
    gone.unlink()
    ingest.ingest_region("twente", folder, key=KEY, today=TODAY, cache=cache)
    kept = {p.name.split(".")[0] for p in cache.folder.iterdir()}
    assert kept == digests - {file_sha256(landing / "twente" / gone.name)}

    other = ParsedFiles(root, "twente", b"another key of 32 bytes or more.")
    assert other.folder != cache.folder and KEY.decode() not in str(other.folder)
    ingest.ingest_region("twente", folder, key=b"another key of 32 bytes or more.", today=TODAY, cache=other)
    assert [p.name for p in (root / "twente").iterdir()] == [other.folder.name]  # the other key's entries went

    monkeypatch.setattr("llo.fingerprints.code_version", lambda *modules: "other code")
    parsed._code.cache_clear()  # the code version is computed once a process
    try:
        assert ParsedFiles(root, "twente", KEY).folder != cache.folder
    finally:
        parsed._code.cache_clear()


def test_an_entry_that_cannot_be_read_is_parsed_again(tmp_path, landing):
    folder = landing / "twente"
    cache = ParsedFiles(tmp_path, "twente", KEY)
    now = dt.datetime(2026, 1, 15, 12)
    expected = ingest.ingest_region("twente", folder, key=KEY, today=TODAY, now=now, cache=cache)
    manifests = sorted(cache.folder.glob("*.json"))
    manifests[0].write_text("{not json", encoding="utf-8")
    manifests[1].write_text(json.dumps({"tables": [{"sheet": None}]}), encoding="utf-8")
    next(cache.folder.glob("*.rows.parquet")).write_bytes(b"PAR1 broken")
    again = ingest.ingest_region("twente", folder, key=KEY, today=TODAY, now=now, cache=cache)
    for name, frame in frames(expected).items():
        pd.testing.assert_frame_equal(frames(again)[name], frame, obj=name)


def test_a_kept_entry_holds_no_identifier_and_erase_removes_the_region(tmp_path):
    """What is kept is what the warehouse holds: pseudonyms, never the region's own participant numbers."""
    from tests.conftest import catalogue_rows

    folder = tmp_path / "landing" / "twente"
    write_csv(folder / "catalogus.csv", catalogue_rows("TW-1"))
    write_csv(folder / "2024-01.csv", [measurement_row("DEELNEMER-4711")])
    cache = ParsedFiles(tmp_path / "cache", "twente", KEY)
    ingest.ingest_region("twente", folder, key=KEY, today=TODAY, cache=cache)
    kept = b"".join(p.read_bytes() for p in cache.folder.iterdir())
    assert b"DEELNEMER-4711" not in kept
    parsed.forget_region(tmp_path / "cache", "twente")
    assert not (tmp_path / "cache" / "twente").exists()


def test_clearing_old_entries_lets_a_concurrent_run_rename_its_files_meanwhile(tmp_path, monkeypatch):
    """Two ingests of one region: while one clears entries, the other renames its temporary file into place. The
    file listed a moment ago is gone; that is no error (it failed a concurrent PostgreSQL ingest once)."""
    cache = ParsedFiles(tmp_path, "twente", b"key")
    cache.folder.mkdir(parents=True)
    (cache.folder / "kept.manifest.json").write_text("{}", encoding="utf-8")
    listed = [cache.folder / ".gone-meanwhile.part", cache.folder / "gone.0.rows.parquet",
              cache.folder / "kept.manifest.json"]
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(listed) if self == cache.folder else iter([cache.folder]))
    cache.keep_only({"kept"})
    assert (cache.folder / "kept.manifest.json").exists()
