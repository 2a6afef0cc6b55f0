"""Great Expectations plausibility suites: views with known answers, Data Docs, and the Dagster checks."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from llo.quality import expectations
from llo.quality import plausibility as quality


@pytest.fixture(scope="module")
def tables(demo_run) -> dict[str, pd.DataFrame]:
    return quality.read_tables(demo_run[2])


@pytest.fixture(scope="module")
def demo_views(tables) -> dict[str, pd.DataFrame]:
    return quality.views(tables)


@pytest.fixture(scope="module")
def gx_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("kwaliteit") / "gx"


@pytest.fixture(scope="module")
def demo_outcomes(demo_views, gx_folder) -> dict[str, expectations.Outcome]:
    return expectations.validate(demo_views, gx_folder)


def _one(view: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=view.index)
    for column, value in where.items():
        mask &= view[column] == value
    assert mask.sum() == 1, where
    return mask


def test_views_are_aggregates_per_region_and_month(demo_run, demo_views, tables):
    from llo import warehouse as wh

    assert "deelnemer_id" not in tables["measurements"] and "deelnemer_id" not in tables["trajectories"]
    measured = wh.read_typed(demo_run[2], wh.MEASUREMENTS)
    counted = tables["measurements"].set_index(quality.COUNTED["measurements"])["rows"]  # counted in the database
    assert counted.sort_index().equals(measured.groupby(quality.COUNTED["measurements"]).size().rename("rows"))
    for name, view in demo_views.items():
        assert {"region", "month"} <= set(view.columns), name
        assert not {"deelnemer_id", "bsn", "naam"} & set(view.columns), name
        assert not set(measured["deelnemer_id"]) & set(view.astype(str).to_numpy().ravel()), name
    regional, national = tables["kpi_region_month"], tables["kpi_national_month"]
    d6 = regional[(regional["kpi"] == "D6") & (regional["region"] == "twente")].iloc[-1]
    row = demo_views["t1_response"][_one(demo_views["t1_response"], region="twente",
                                         month=d6["peildatum"].strftime("%Y-%m"))].iloc[0]
    assert row["t1_response"] == pytest.approx(d6["value"] / d6["n_basis"]) and row["n_basis"] == d6["n_basis"]
    assert set(demo_views["t1_response"]["region"]) == set(regional["region"]) | {quality.NATIONAL}
    cross = demo_views["cross_table"]
    assert set(cross["comparison"]) == {r.name for r in quality.rules("cross_table") if r.kind != "rows"}
    assert (cross["value"] <= cross["reference"]).all()  # the demo tables agree; change scores may stay below D5
    k1 = national[national["kpi"] == "K1"]
    sums = cross[cross["comparison"] == "national_k1_is_sum"].set_index("month")["value"]
    assert sums.to_dict() == {d.strftime("%Y-%m"): v for d, v in zip(k1["peildatum"], k1["value"], strict=True)}


def test_month_over_month_compares_a_month_with_the_three_before(demo_views):
    counts = [20, 20, 20, 20, 20, 20, 20, 200]  # the last month has ten times the deliveries
    measurements = pd.DataFrame({"regio": "twente", "meetdatum": [  # counted per day, as read_tables reads them
        pd.Timestamp(f"2024-{m:02d}-{day}") for m in range(1, len(counts) + 1) for day in (10, 20)],
        "rows": [part for n in counts for part in (n // 2, n - n // 2)]})
    empty_log = pd.DataFrame(columns=["region", "status", "received_at", "rows_read", "rows_unchanged"])
    empty_kpi = pd.DataFrame(columns=["region", "kpi", "peildatum", "value_month"])
    view = quality.month_over_month_view(empty_log, measurements, empty_kpi)
    twente = view[view["region"] == "twente"].set_index("month")
    assert twente["previous_mean"].isna().sum() == 3  # months 1-3 have no three months before them
    assert twente.loc["2024-08", "ratio"] == pytest.approx(10.0)
    assert twente.loc["2024-07", "ratio"] == pytest.approx(1.0)
    assert view[view["region"] == quality.NATIONAL]["value"].tolist() == counts
    demo = demo_views["month_over_month"]
    assert set(demo["measure"]) >= {"accepted_measurements", "delivered_rows", "k1_intake"}


def _broken_t1(views, tables):
    view = views["t1_response"].copy()
    last = view.loc[view["region"] == "twente", "month"].max()
    view.loc[_one(view, region="twente", month=last), "t1_response"] = 0.30
    return view, ("t1_response_in_band", "t1_response", "twente", last, "0.3")


def _broken_jump(views, tables):
    counts = [20] * 7 + [200]
    measurements = pd.DataFrame({"regio": "twente", "meetdatum": [pd.Timestamp(f"2024-{m:02d}-10")
                                                                  for m in range(1, len(counts) + 1)], "rows": counts})
    view = quality.month_over_month_view(
        pd.DataFrame(columns=["region", "status", "received_at", "rows_read", "rows_unchanged"]), measurements,
        pd.DataFrame(columns=["region", "kpi", "peildatum", "value_month"]))
    return view, ("accepted_measurements_jump", "ratio", "twente", "2024-08", "10")


def _broken_improvement(views, tables):
    view = views["improvement_share"].copy()
    last = view.loc[view["region"] == "zuidoost-brabant", "month"].max()
    view.loc[_one(view, region="zuidoost-brabant", month=last), "social_inclusion"] = 0.99
    return view, ("social_inclusion_share", "social_inclusion", "zuidoost-brabant", last, "0.99")


def _broken_national_sum(views, tables):
    national = tables["kpi_national_month"].copy()
    last = national["peildatum"].max()
    national.loc[(national["kpi"] == "K1") & (national["peildatum"] == last), "value"] += 5
    view = quality.cross_table_view({**tables, "kpi_national_month": national})
    return view, ("national_k1_is_sum", "value, reference", quality.NATIONAL, last.strftime("%Y-%m"), " vs ")


BROKEN = {"t1_response": _broken_t1, "month_over_month": _broken_jump, "improvement_share": _broken_improvement,
          "cross_table": _broken_national_sum}


def test_every_suite_passes_on_the_demo_warehouse(demo_outcomes, tables):
    assert set(demo_outcomes) == set(quality.BY_NAME)
    for name, outcome in demo_outcomes.items():
        assert outcome.success, (name, outcome.problems)
        assert outcome.evaluated == len(quality.rules(name)) and outcome.failed == 0
        assert outcome.result_page is not None and outcome.result_page.exists()
    # Fryslân's December file is refused (it carries a BSN column): no measurements that month, which the
    # month-over-month suite shows as a row outside its band, within the 10% that `mostly` allows.
    tolerated = demo_outcomes["month_over_month"].problems
    assert set(tolerated["status"]) == {"tolerated"}
    assert ((tolerated["region"] == "fryslan") & (tolerated["month"] == "2025-12")
            & (tolerated["rule"] == "accepted_measurements_jump")).any()
    log = tables["ingest_log"]
    assert (log[(log["region"] == "fryslan") & log["file"].str.contains("2025-12")]["status"] == "rejected").all()


@pytest.mark.parametrize("suite", list(BROKEN))
def test_a_view_that_breaks_one_expectation_fails_it_and_names_where(suite, demo_views, tables, tmp_path):
    view, (rule, column, region, month, observed) = BROKEN[suite](demo_views, tables)
    outcome = expectations.validate({suite: view}, tmp_path / "gx", update_docs=False)[suite]
    assert not outcome.success and outcome.failed == 1
    assert [r for r, ok in outcome.by_rule.items() if not ok] == [rule]
    failed = outcome.problems[outcome.problems["status"] == "failed"]
    assert set(failed["rule"]) == {rule} and set(failed["column"]) == {column}
    hit = failed[(failed["region"] == region) & (failed["month"] == month)]
    assert len(hit) == 1 and observed in hit.iloc[0]["observed"], failed
    assert hit.iloc[0]["band"] == next(r for r in quality.RULES if r.name == rule).band()


def test_data_docs_show_every_suite_without_participant_data(demo_run, demo_outcomes, gx_folder):
    site = expectations.build_data_docs(gx_folder)
    index = site.index
    assert index == expectations.docs_folder(gx_folder) / "index.html" and index.exists()
    assert site.results >= len(quality.SUITES) and site.latest["suite"].tolist() == [s.name for s in quality.SUITES]
    html = index.read_text(encoding="utf-8")
    for name in quality.BY_NAME:
        assert name in html
    site = index.parent
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 1 + 2 * len(quality.SUITES)  # index, a page per suite and per stored result
    from llo import warehouse as wh

    ids = set(wh.read_table(demo_run[2], wh.MEASUREMENTS, columns=["deelnemer_id"])["deelnemer_id"].head(200))
    for path in [*pages, *gx_folder.rglob("*.json")]:
        text = path.read_text(encoding="utf-8")
        assert "amazonaws.com" not in text, path  # GX's logo beacon replaced by the local copy
        assert not any(pid in text for pid in ids), path
    latest = expectations.latest_outcomes(gx_folder)
    assert latest["suite"].tolist() == [s.name for s in quality.SUITES]
    assert latest["success"].all() and (latest["failed"] == 0).all()
    assert latest["evaluated"].tolist() == [len(quality.rules(s.name)) for s in quality.SUITES]
    assert all(Path(p).exists() for p in latest["data_docs"])


def test_repeated_runs_keep_one_suite_each_and_drop_obsolete_ones(gx_folder, demo_outcomes):
    import great_expectations as gx

    def files():
        root = gx_folder
        return {p.relative_to(root): p.read_bytes() for sub in ("expectations", "checkpoints", "validation_definitions")
                for p in (root / sub).glob("*.json")}

    before = files()
    assert expectations.ensure_suites(gx_folder) == sorted(quality.BY_NAME)
    assert files() == before  # unchanged suites are not rewritten
    context = expectations._context(gx_folder)
    context.suites.add(gx.ExpectationSuite(name="renamed_long_ago"))
    assert expectations.ensure_suites(gx_folder) == sorted(quality.BY_NAME)
    config = (gx_folder / "great_expectations.yml").read_text(encoding="utf-8")
    assert config.count("whole_view:") == len(quality.SUITES) and "analytics_enabled: false" in config


def test_validation_needs_no_network(demo_views, gx_folder, monkeypatch, demo_outcomes):
    def refuse(*args, **kwargs):
        raise OSError("network access during validation")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    outcome = expectations.validate({"t1_response": demo_views["t1_response"]}, gx_folder)["t1_response"]
    assert outcome.success


def test_links_point_at_the_served_site_when_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("LLO_HOME", str(tmp_path))
    index = tmp_path / "kwaliteit" / "data-docs" / "index.html"
    assert expectations.docs_folder() == index.parent
    assert expectations.docs_link(index) == index.resolve().as_uri()
    monkeypatch.setenv("LLO_SITE_URL", "https://monitor.example.org/data/")
    assert expectations.docs_link(index) == "https://monitor.example.org/data/kwaliteit/data-docs/index.html"


def test_check_specs_target_project_assets_and_run_between_the_tables_and_their_readers():
    from assets.ingest import region_ingest
    from assets.kpi import kpi_month
    from assets.scba import scba_month
    from assets.trajectories import trajectories
    from checks.gx_checks import GX_CHECKS, MONTHLY_TABLES, SPECS
    from pipelines.definitions import defs

    keys = {k.to_user_string() for a in (region_ingest, trajectories, kpi_month, scba_month) for k in a.keys}
    assert {s.asset_key.to_user_string() for s in SPECS} <= keys
    assert {s.asset_key.to_user_string() for s in SPECS if s.blocking} == MONTHLY_TABLES
    assert {s.name for s in SPECS} == {f"gx_{s.name}" for s in quality.SUITES}
    assert len(GX_CHECKS) == 1
    # In the monthly run the suites run once, after the tables are written and before Data Docs and reports.
    graph = defs.resolve_job_def("monthly").graph
    upstream = {node.name: {o.node.name for outs in graph.dependency_structure.input_to_upstream_outputs_for_node(
        node.name).values() for o in outs} for node in graph.nodes}
    assert [n for n in upstream if n.startswith("great_expectations")] == ["great_expectations"]
    assert {"kpi_month", "scba_month"} <= upstream["great_expectations"]
    assert "great_expectations" in upstream["data_docs"] and "great_expectations" in upstream["reports_month"]


def test_dagster_checks_warn_with_the_facts_and_data_docs_follow(demo_run, tmp_path, monkeypatch):
    import sqlalchemy as sa

    from assets.ingest import region_ingest
    from assets.quality import data_docs
    from assets.trajectories import trajectories
    from checks.gx_checks import GX_CHECKS
    from llo import warehouse as wh
    from pipelines.resources import Warehouse
    from tests.conftest import monthly_assets

    monkeypatch.setenv("LLO_HOME", str(tmp_path))
    monkeypatch.delenv("LLO_SITE_URL", raising=False)
    copy = tmp_path / "warehouse.sqlite"
    shutil.copy(demo_run[2].url.database, copy)  # break a copy: the session's warehouse stays as it is
    url = f"sqlite:///{copy}"
    engine = wh.engine_for(url)
    national = wh.KPI_NATIONAL_MONTH
    with engine.begin() as conn:
        last = conn.execute(sa.select(sa.func.max(national.c.peildatum))).scalar_one()
        conn.execute(national.update().where((national.c.kpi == "K1") & (national.c.peildatum == last))
                     .values(value=national.c.value + 5))
    resources = {**demo_run[5][1], "warehouse": Warehouse(url=url)}
    result = dg.materialize([region_ingest, trajectories, *monthly_assets(), data_docs, *GX_CHECKS],
                            selection=dg.AssetSelection.assets(data_docs) | dg.AssetSelection.checks(*GX_CHECKS),
                            resources=resources, partition_key="2025-12-01")
    engine.dispose()
    assert result.success
    checks = {(e.check_name, e.asset_key.to_user_string()): e for e in result.get_asset_check_evaluations()}
    assert {s.severity for s in checks.values()} == {dg.AssetCheckSeverity.WARN}
    failed = {key for key, e in checks.items() if not e.passed}
    assert failed == {("gx_cross_table", "kpi_region_month"), ("gx_cross_table", "kpi_national_month")}
    national_check = checks[("gx_cross_table", "kpi_national_month")]
    metadata = national_check.metadata
    problems = metadata["problems"].value
    assert "national_k1_is_sum" in problems and quality.NATIONAL in problems and str(last)[:7] in problems
    assert metadata["expectations_failed"].value == 1 and metadata["expectations_evaluated"].value == 2
    assert "national_k1_is_sum" in national_check.description
    assert metadata["data_docs"].value.startswith("file://") and metadata["data_docs"].value.endswith(".html")
    assert metadata["data_docs_index"].value == (tmp_path / expectations.DOCS_INDEX).resolve().as_uri()
    docs = result.asset_materializations_for_node("data_docs")[0].metadata
    assert Path(docs["path"].value) == (tmp_path / expectations.DOCS_INDEX).resolve()
    assert Path(docs["path"].value).exists()
    assert docs["dagster/row_count"].value == len(quality.SUITES) and docs["suites_failing"].value == 1
    assert "cross_table" in docs["latest"].value


def test_data_docs_pages_load_their_front_end_from_the_site(demo_outcomes, gx_folder):
    """Every script and stylesheet a Data Docs page loads is a file of the site (static/vendor/, from the npm
    packages of vendor/data-docs), never a CDN address, and no CDN integrity hash is left to refuse the copy."""
    import re

    assert expectations.frontend_installed(), "run `make install` (npm install in vendor/data-docs)"
    site = expectations.build_data_docs(gx_folder).index.parent
    pages = [p for p in site.rglob("*.html") if expectations.VENDOR not in p.relative_to(site).as_posix()]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<(script|link)\b[^>]*\b(src|href)=[\"']https?://", html), page
        assert "integrity=" not in html, page
        vendored = [a for a in re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']([^\"']+)", html)
                    if expectations.VENDOR in a]
        assert vendored and all((page.parent / a).resolve().is_file() for a in vendored), page
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f"{expectations.VENDOR}/bootstrap-table/dist/bootstrap-table.min.js" in index
    assert (site / expectations.VENDOR / "@fortawesome/fontawesome-free/webfonts").is_dir()


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_a_headless_chromium_fills_the_data_docs_index_offline(demo_outcomes, gx_folder, tmp_path):
    """The index opened from disk with every network request refused: GX's JavaScript fills the lists of suites
    and validation results (bootstrap-table rows, one per suite), the filter controls are there, and a screenshot
    lands in test-artifacts/."""
    import re
    import subprocess

    import matplotlib.image as mpimg

    site = expectations.build_data_docs(gx_folder).index.parent
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--allow-file-access-from-files",  # no network at all
             "--hide-scrollbars", "--window-size=1600,1400", "--virtual-time-budget=20000"]
    url = (site / "index.html").as_uri()
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=180).stdout
    rows = re.findall(r"<tr[^>]*\bdata-index=\"\d+\"", dom)  # rows bootstrap-table drew from GX's data
    assert len(rows) >= 2 * len(quality.SUITES), f"{len(rows)} table rows filled"
    for suite in quality.SUITES:
        assert suite.name in dom
    assert "bootstrap-table-filter-control" in dom or "filter-control" in dom
    subprocess.run([*flags, f"--screenshot={artifacts / 'data-docs-index.png'}", url], capture_output=True,
                   timeout=180, check=True)
    pixels = mpimg.imread(artifacts / "data-docs-index.png")
    assert pixels.shape[:2] == (1400, 1600) and pixels[:, :, :3].std() > 0.05
