"""Nothing personal leaks. Four regions' demo deliveries (with faults) plus two files that must be refused for
their direct identifiers go through `llo materialize` and `llo export`, as an operator runs them. Then every
byte the pipeline wrote (warehouse, Dagster's run and event storage with its compute logs, reports, quality
results, exports) and everything it printed is searched for the refused files' values and for the raw
participant numbers of the accepted files."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import interview_row, measurement_row, write_csv

REGIONS = ("twente", "achterhoek", "fryslan", "rijnmond")  # faults need three regions beside the pilot
# Values of the refused files: a BSN that passes the elfproef, names, contact details, participant numbers and
# free text. Each is distinctive, so finding it anywhere can only mean it leaked.
BSN = "111222333"
CANARIES = [BSN, "123456782", "Quirijn", "Vanderlek", "q.vanderlek@voorbeeld.nl", "06-48213957", "LEKID-4471",
            "LEKID-4472", "woont bij zijn zus in Hengelo",
            # a coded group interview whose quotes name persons: refused whole, its anonymous quote with it
            "Gerritsma", "wethouder_Kloosterboer", "Zeldenrust-citaat zonder naam"]
# A name typed in a category column: no identifier the door can recognise, so the row is quarantined with the
# value as delivered. It may be in the warehouse's quarantine table and in the region's own feedback export only.
QUARANTINED = "Henkje Zwartkruis"
# the warehouse's quarantine, the region's own feedback, and the parsed form of the region's files (docs/privacy.md)
MAY_HOLD_QUARANTINED = ("warehouse.sqlite", "exports/regio/twente/", "cache/parsed/twente/")


def refused_deliveries(folder: Path) -> list[Path]:
    """A file with a BSN column and a name, and a file whose free-text column hides a BSN, an e-mail address and
    a phone number, both refused; a file with a name as work situation, quarantined; and a coded group interview whose
    quotes name persons, refused."""
    rows = [measurement_row("LEKID-4471"), measurement_row("LEKID-4472", code="TW-COMBI-01")]
    return [write_csv(folder / "aanmelding_met_bsn.csv", rows,
                      extra={"BSN": [BSN, "123456782"], "Achternaam": ["Vanderlek", "Vanderlek"],
                             "Voornaam": ["Quirijn", "Quirijn"]}),
            write_csv(folder / "metingen_met_opmerking.csv", rows,
                      extra={"Opmerking": [f"bsn {BSN}, mail q.vanderlek@voorbeeld.nl",
                                           "woont bij zijn zus in Hengelo, bel 06-48213957"]}),
            write_csv(folder / "metingen_naam_als_situatie.csv",
                      [measurement_row("LEKID-4473", arbeidssituatie=QUARANTINED)]),
            write_csv(folder / "groepsgesprek_met_namen.csv", [
                interview_row(1, round_="2", date="2025-08-01", quote="Zeldenrust-citaat zonder naam"),
                interview_row(2, round_="2", date="2025-08-01", quote="Mevrouw Gerritsma regelt alles"),
                interview_row(3, round_="2", date="2025-08-01", quote="zie @wethouder_Kloosterboer")])]


@pytest.fixture(scope="module")
def operated(tmp_path_factory):
    """LLO_HOME after `llo materialize` and `llo export`, the files delivered, and what the commands printed."""
    from llo.demo_data import generate

    home = tmp_path_factory.mktemp("llo_home")
    deliveries = [d.path for d in generate(home / "landing", seed=5, regions=REGIONS, faults=True)]
    refused = refused_deliveries(home / "landing" / "twente")
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LLO_WAREHOUSE_URL", "LLO_PSEUDONYM_KEY",
                                                            "DAGSTER_POSTGRES_URL")}
    env.update(LLO_HOME=str(home), LLO_DEMO="1")
    llo = str(Path(sys.executable).with_name("llo"))
    printed = []
    for command in (["materialize"], ["export"]):
        done = subprocess.run([llo, *command], env=env, capture_output=True, text=True, timeout=900)
        printed.append(done.stdout + done.stderr)
        assert done.returncode in (0, 1), printed[-1][-3000:]  # 1: a check failed, as the refused files must
    return home, [*deliveries, *refused], refused, "\n".join(printed)


def test_the_identifier_files_were_refused_and_everything_else_went_in(operated):
    from llo import warehouse as wh

    home, _, refused, printed = operated
    engine = wh.engine_for(f"sqlite:///{home / 'warehouse.sqlite'}")
    log = wh.read_table(engine, wh.INGEST_LOG, "twente").set_index("file")
    for path in [*refused[:2], refused[3]]:
        assert log.loc[path.name, "status"] == "rejected" and log.loc[path.name, "rows_accepted"] == 0
    assert "name a person" in log.loc[refused[3].name, "reason"]
    codings = wh.read_table(engine, wh.INTERVIEW_CODINGS, "twente")
    assert len(codings) and not (codings["bron_bestand"] == refused[3].name).any()
    quarantine = wh.read_table(engine, wh.QUARANTINE, "twente")
    assert QUARANTINED in set(quarantine["value"])  # kept where the region's coordinator can see what to fix
    assert set(wh.read_table(engine, wh.MEASUREMENTS, columns=["regio"])["regio"]) == set(REGIONS)
    assert list(home.glob("reports/*/nationaal.html")) and list(home.glob("exports/regio/*/*.xlsx"))
    assert "[4/4] twente" in printed


def test_no_refused_value_or_raw_participant_number_is_anywhere_the_pipeline_wrote(operated):
    home, delivered, _, printed = operated
    raw_ids = set()
    for path in delivered:  # the first column of every readable measurement file: its participant numbers
        with contextlib.suppress(Exception):
            frame = pd.read_csv(path, sep=None, engine="python", dtype=str)
            if frame.columns[0].lower().startswith("deelnemer"):
                raw_ids |= set(frame.iloc[:, 0].dropna())
    raw_ids = {i for i in raw_ids if len(i) >= 8}  # the demo's numbers (TW-136714), not empty or short cells
    assert len(raw_ids) > 300
    written = [p for p in home.rglob("*") if p.is_file() and p not in set(delivered)]
    folders = {p.relative_to(home).parts[0] for p in written}
    assert {"warehouse.sqlite", "dagster", "reports", "kwaliteit", "exports"} <= folders  # all of it is searched
    needles = [*CANARIES, *sorted(raw_ids)]
    found = {(p.relative_to(home).as_posix(), needle) for p in written for needle in needles
             if needle.encode() in p.read_bytes()}
    found |= {("printed", needle) for needle in needles if needle in printed}
    assert found == set()
    holding = {p.relative_to(home).as_posix() for p in written if QUARANTINED.encode() in p.read_bytes()}
    assert "warehouse.sqlite" in holding
    assert [path for path in holding if not path.startswith(MAY_HOLD_QUARANTINED)] == []
    assert QUARANTINED not in printed

