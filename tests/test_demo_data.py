"""The synthetic demo deliveries: deterministic, realistic, faithful to the contract, and with exact faults.

Files are read back with plain pandas/openpyxl here (not with the project's reader)."""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pandera.errors
import pytest

from checks.contract import MODELS, Measurement, TrajectoryCatalogue, measurement_schema, months_between
from llo import demo_data as dd
from llo import settings
from llo.regions import region_name

M_COLUMNS = Measurement.to_schema().columns
C_COLUMNS = TrajectoryCatalogue.to_schema().columns
M_TITLES = [c.title for c in M_COLUMNS.values()]
C_TITLES = [c.title for c in C_COLUMNS.values()]
TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, list[dd.Delivery]]:
    root = tmp_path_factory.mktemp("clean")
    return root, dd.generate(root)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> tuple[Path, list[dd.Delivery]]:
    root = tmp_path_factory.mktemp("faulty")
    return root, dd.generate(root, faults=True)


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def read_raw(path: Path) -> pd.DataFrame:
    """A tolerant reader for the tests: text cells, headers as typed, title row and encoding sniffed."""
    if path.suffix == ".xlsx":
        rows = list(openpyxl.load_workbook(path).active.values)
        start = 1 if all(v is None for v in rows[0][1:]) else 0
        return pd.DataFrame(rows[start + 1:], columns=rows[start])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    header = text.splitlines()[0]
    return pd.read_csv(io.StringIO(text), sep=";" if header.count(";") > header.count(",") else ",",
                       dtype=str, keep_default_na=False)


def canonical(text: pd.DataFrame, kind: str = "measurements") -> pd.DataFrame:
    """Clean-mode text (contract titles, ISO dates, ja/nee) -> canonical names and contract dtypes."""
    columns = M_COLUMNS if kind == "measurements" else C_COLUMNS
    df = text.rename(columns={c.title: name for name, c in columns.items()})
    for name, column in columns.items():
        dtype = str(column.dtype)
        if dtype.startswith("datetime"):
            df[name] = pd.to_datetime(df[name], format="%Y-%m-%d")
        elif dtype == "boolean":
            df[name] = df[name].map({"ja": True, "nee": False}).astype("boolean")
        elif dtype in ("Int64", "float64"):
            df[name] = pd.to_numeric(df[name].replace("", None)).astype(dtype)
    return df


def region_frames(deliveries: list[dd.Delivery], region: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    mine = [d for d in deliveries if d.region == region]
    catalogue = canonical(read_raw(next(d.path for d in mine if d.kind == "trajectory_catalogue")), "catalogue")
    if catalogue["startdatum"].dtype == object:  # from .xlsx: real dates already
        catalogue["startdatum"] = pd.to_datetime(catalogue["startdatum"])
    measurements = pd.concat([canonical(read_raw(d.path)) for d in mine if d.kind == "measurements"],
                             ignore_index=True)
    return catalogue, measurements


def quarantined_rows(measurements: pd.DataFrame, codes: set[str]) -> set[int]:
    """Rows the contract rejects (warnings do not count)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            measurement_schema(codes, TODAY).validate(measurements, lazy=True)
        except pandera.errors.SchemaErrors as errors:
            return set(errors.failure_cases["index"].dropna().astype(int))
    return set()


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def fold(text: str) -> str:
    return " ".join(str(text).lower().split())


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path, faulty):
    root, _ = faulty
    dd.generate(tmp_path / "again", faults=True)
    assert files(root) == files(tmp_path / "again")
    one = files(dd.generate(tmp_path / "a", seed=1, regions=("twente",))[0].path.parent)
    two = files(dd.generate(tmp_path / "b", seed=2, regions=("twente",))[0].path.parent)
    assert one != two


def test_every_region_has_a_catalogue_and_a_file_per_month(clean):
    root, deliveries = clean
    assert "synthetisch" in (root / settings.DEMO_MARKER).read_text().lower()
    assert "synthetic" in (root / settings.DEMO_MARKER).read_text().lower()
    assert {d.region for d in deliveries} == set(dd.DEMO_REGIONS)
    for region in dd.DEMO_REGIONS:
        mine = [d for d in deliveries if d.region == region]
        catalogues = [d for d in mine if d.kind == "trajectory_catalogue"]
        assert len(catalogues) == 1 and catalogues[0].path.stem == f"demo_{region}_trajectcatalogus"
        assert 6 <= catalogues[0].rows_written <= 10
        first = "2023-01" if region in dd.PILOTS else "2025-04"
        last = dd.LAST_DELIVERED_MONTH if region == dd.STOPPED else "2025-12"  # one region stops early
        expected = [f"demo_{region}_{p}_metingen.csv" for p in pd.period_range(first, last, freq="M")]
        assert sorted(d.path.name for d in mine if d.kind == "measurements") == expected
        assert all(d.path.parent == root / region and d.faults == () for d in mine)


def test_clean_files_use_contract_headers_and_canonical_values(clean):
    _, deliveries = clean
    for d in deliveries:
        raw = d.path.read_bytes()
        if d.path.suffix == ".csv":
            assert not raw.startswith(b"\xef\xbb\xbf") and raw.decode("utf-8")
        df = read_raw(d.path)
        assert len(df) == d.rows_written
        if d.kind == "trajectory_catalogue":
            assert list(df.columns) == C_TITLES
            continue
        if d.kind == "interview_codings":
            assert list(df.columns) == [c.title for c in MODELS["interview_codings"].to_schema().columns.values()]
            continue
        assert list(df.columns) == M_TITLES
        assert set(df["Regio"]) == {region_name(d.region)}
        assert df["Meetdatum"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
        for name in ("bewijs_civiel_effect", "startkwalificatie", "match_werkgever"):
            assert set(df[M_COLUMNS[name].title]) <= {"ja", "nee"}
        for name, column in M_COLUMNS.items():
            if "categories" in column.metadata and str(column.dtype) != "boolean":
                assert set(df[column.title]) <= set(column.metadata["categories"]), name
        assert df["Deelnemer ID"].str.fullmatch(r"[A-Z]{2,3}-\d{6}").all()


def test_clean_data_passes_the_contract_and_uses_only_catalogue_codes(clean):
    _, deliveries = clean
    for region in dd.DEMO_REGIONS:
        catalogue, measurements = region_frames(deliveries, region)
        TrajectoryCatalogue.validate(catalogue)
        assert catalogue["kosten_per_deelnemer"].between(800, 4000).all()
        assert set(measurements["trajectcode"]) <= set(catalogue["trajectcode"])
        assert quarantined_rows(measurements, set(catalogue["trajectcode"])) == set()
        assert measurements["geboortejaar"].between(1960, 2005).all()


def test_participants_t1_share_timing_and_progress(clean):
    _, deliveries = clean
    pilots = pd.concat([region_frames(deliveries, r)[1] for r in dd.PILOTS], ignore_index=True)
    per_region = pilots.groupby("regio")["deelnemer_id"].nunique()
    assert per_region.between(250, 350).all()
    t0 = pilots[pilots["meetmoment"] == "T0"].set_index("deelnemer_id")
    t1 = pilots[pilots["meetmoment"] == "T1"].set_index("deelnemer_id")
    assert 0.15 <= 1 - len(t1) / len(t0) <= 0.35
    assert ((t0["meetdatum"] - t0["startdatum_traject"]).dt.days.between(0, 3)).all()
    months = months_between(t1["startdatum_traject"], t1["meetdatum"])
    assert 0.9 <= months.between(6, 12).mean() < 1
    assert months.between(6.5, 9.5).mean() >= 0.8
    before = t0.loc[t1.index]
    for name in ("leefgebied_financien", "participatieladder", "digitale_vaardigheden"):
        change = t1[name] - before[name]
        assert change.mean() > 0, name
    assert (t1["leefgebied_gezondheid"] < before["leefgebied_gezondheid"]).any()
    assert ((t1["arbeidssituatie"] == "betaald werk") & (before["arbeidssituatie"] == "geen werk")).any()
    scale_up = region_frames(deliveries, "rijnmond")[1]
    assert 60 <= scale_up["deelnemer_id"].nunique() <= 120


def test_faults_are_spread_over_files(faulty):
    _, deliveries = faulty
    for fault in dd.FORMAT_FAULTS:
        assert any(fault in d.faults for d in deliveries), fault
    for fault in dd.ROW_FAULTS:
        assert sum(fault in d.faults for d in deliveries) >= 2, fault
    file_fault_regions = []
    for fault in dd.FILE_FAULTS:
        hit = [d for d in deliveries if fault in d.faults]
        assert len(hit) == 1 and hit[0].expected_rejected and hit[0].kind == "measurements", fault
        file_fault_regions.append(hit[0].region)
    assert len(set(file_fault_regions)) == 2 and not set(file_fault_regions) & set(dd.PILOTS)
    assert all(d.faults == () for d in deliveries if d.region in dd.PILOTS)
    assert sum(d.expected_rejected for d in deliveries) == 2
    assert sum(d.expected_quarantined for d in deliveries) == 2 * sum(dd.QUARANTINES.get(f, 1) for f in dd.ROW_FAULTS)
    text = dd.summary(deliveries)
    assert all(fault in text for fault in dd.ALL_FAULTS) and "8 regions" in text


def test_format_faults_are_written_as_described(faulty):
    _, deliveries = faulty
    for d in deliveries:
        df = read_raw(d.path)
        assert len(df) == d.rows_written, d.path
        raw = d.path.read_bytes()
        if "semicolon_decimal_comma" in d.faults:
            assert raw.decode().splitlines()[0].count(";") == len(df.columns) - 1
            if d.kind == "measurements":
                assert df["Meetdatum"].str.fullmatch(r"\d{2}-\d{2}-\d{4}").all()
                assert df["Uren per week"].str.contains(",").any()
        if "windows_1252" in d.faults:
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert re.search(r"[éë]", raw.decode("cp1252"))
        if "utf8_bom" in d.faults:
            assert raw.startswith(b"\xef\xbb\xbf")
        if "xlsx_title_row" in d.faults:
            sheet = openpyxl.load_workbook(d.path).active
            assert d.path.suffix == ".xlsx" and "SYNTHETISCHE DEMODATA" in sheet["A1"].value
            assert [c.value for c in sheet[2]] == (M_TITLES if d.kind == "measurements" else C_TITLES)
            assert any(isinstance(c.value, dt.datetime) for c in sheet[3])
        titles = M_TITLES if d.kind == "measurements" else C_TITLES
        if "misspelled_headers" in d.faults:
            headers = list(df.columns)
            assert headers != titles and sum(h != t for h, t in zip(headers, titles, strict=True)) >= 2
            assert all(edit_distance(fold(h), fold(t)) <= 2 for h, t in zip(headers, titles, strict=True))
        if "reordered_headers" in d.faults:
            assert list(df.columns) != titles and sorted(df.columns) == sorted(titles)


def test_file_faults_hold_bsns_and_other_regions(faulty):
    _, deliveries = faulty
    bsn_file = next(d for d in deliveries if "bsn_column" in d.faults)
    bsns = read_raw(bsn_file.path)["BSN"]
    assert len(bsns) == bsn_file.rows_written and bsns.str.fullmatch(r"9999\d{5}").all()
    for bsn in bsns:
        digits = [int(c) for c in bsn]
        assert (sum((9 - i) * d for i, d in enumerate(digits[:8])) - digits[8]) % 11 == 0
    other = next(d for d in deliveries if "other_region" in d.faults)
    assert len(set(read_raw(other.path)["Regio"])) == 2


@pytest.mark.parametrize(("region", "month"), [("twente", "2024-06"), ("achterhoek", "2025-04")])
@pytest.mark.parametrize("faults", [*([f] for f in dd.ROW_FAULTS), list(dd.ROW_FAULTS)])
def test_row_faults_quarantine_exactly_the_expected_rows(tmp_path, region, month, faults):
    """Inject into one month, read back, validate the region's whole history: exactly the counted rows fail."""
    catalogue, measurements = dd.synthetic_region(region, seed=3)
    in_month = measurements["meetdatum"].dt.strftime("%Y-%m") == month
    delivery = dd.write_delivery(measurements[in_month], tmp_path / "x.csv", faults=faults, seed=5)
    pairs = faults.count("two_versions")
    assert delivery.expected_quarantined == len(faults) + pairs and not delivery.expected_rejected
    written = canonical(read_raw(delivery.path))
    added = sum(f in ("two_versions", "t1_without_t0") for f in faults)  # plus new T0-only rows without T1s
    assert len(written) == delivery.rows_written >= in_month.sum() + added
    history = pd.concat([measurements[~in_month], written], ignore_index=True)
    # the contract's uniqueness rule flags the later row of a pair; delivered in one file, both are refused
    assert len(quarantined_rows(history, set(catalogue["trajectcode"]))) + pairs == delivery.expected_quarantined


def test_synthetic_interview_codings_per_round_due(clean):
    """A coded group interview per region and round, labelled synthetic: round 2 only for the pilots, which have run
    past the programme's midpoint; the same seed gives the same findings; quotes are anonymised."""
    from checks.contract import INTERVIEW_THEMES
    from llo.intake.privacy import names_a_person

    root, deliveries = clean
    coded = {(d.region, d.path.name): d for d in deliveries if d.kind == "interview_codings"}
    assert set(coded) == {(r, f"SYNTHETISCH groepsgesprek {r} ronde {n}.xlsx") for r in dd.DEMO_REGIONS
                          for n in ((1, 2) if r in dd.PILOTS else (1,))}
    for d in coded.values():
        sheet = openpyxl.load_workbook(d.path)["Groepsgesprekken"]
        assert "SYNTHETISCHE DEMODATA" in sheet["A1"].value and "verzonnen" in sheet["A1"].value
        df = read_raw(d.path)
        assert set(df["Thema"]) <= set(INTERVIEW_THEMES) and d.rows_written == len(df) >= 6
        assert not any(names_a_person(q) for q in df["Citaat"].dropna())
    pilot = dd.synthetic_interview("twente", 1, seed=2025)
    assert pilot.equals(dd.synthetic_interview("twente", 1, seed=2025))
    later = dd.synthetic_interview("twente", 2, seed=2025)
    helps = lambda rows: (rows["richting"] == "helpt").mean()  # noqa: E731
    assert helps(later) > helps(pilot)  # the pilot's route anchors between the rounds
    assert (dd.synthetic_interview("achterhoek", 1, seed=2025)["richting"] == "hindert").sum() >= 4


def test_one_region_stops_delivering_early(clean):
    """Rijnmond's last file is its October 2025 file, arriving on 5 November 2025: 61 days before the demo's last
    delivery (the December files, 5 January 2026), past the 45-day window but not twice it."""
    import os

    root, deliveries = clean
    measurements = [d for d in deliveries if d.kind == "measurements"]
    last = {}
    for d in measurements:
        last[d.region] = max(last.get(d.region, pd.Timestamp(0)), pd.Timestamp(os.stat(d.path).st_mtime, unit="s"))
    last = {region: day.normalize() for region, day in last.items()}
    assert last[dd.STOPPED] == pd.Timestamp("2025-11-05")
    assert {r for r, day in last.items() if day != pd.Timestamp("2026-01-05")} == {dd.STOPPED}
    assert (pd.Timestamp("2026-01-05") - last[dd.STOPPED]).days == 61
    # Its participants still exist: the stopped months' rows are simply not delivered.
    assert not (root / dd.STOPPED / f"demo_{dd.STOPPED}_2025-11_metingen.csv").exists()
