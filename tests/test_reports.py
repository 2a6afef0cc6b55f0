"""The reports: rendered by the pipeline on the session's demo warehouse, parsed, held to disclosure control and
photographed in headless Chromium."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.reports import NATIONAL, REGIONAL, reports_month
from checks.report_checks import disclosure_problems, external_references, structure
from llo import warehouse as wh
from llo.cli.runs import latest_computed_month
from llo.disclosure import resting_on
from llo.reporting.publish import Ledger, literal
from llo.reporting.render import BUILTIN, REPORTS_DIR, quarto_cli
from llo.settings import PROJECT_ROOT
from pipelines.resources import Reports

MONTH = "2025-12-01"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def materialize_reports(instance, resources, reports: Reports, selection=None):
    return dg.materialize([reports_month], partition_key=MONTH, instance=instance, selection=selection,
                          resources={**resources, "reports": reports})


@pytest.fixture(scope="module")
def rendered(demo_run, tmp_path_factory):
    """The month's quality suites and Data Docs (what the reports' data-quality section shows), then the reports."""
    from assets.quality import data_docs
    from checks.gx_checks import GX_CHECKS

    *_, engine, _, _, (instance, resources) = demo_run
    folder = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LLO_HOME", str(Path(engine.url.database).parent))
        quality = dg.materialize([data_docs, *GX_CHECKS], selection=dg.AssetSelection.assets(data_docs)
                                 | dg.AssetSelection.checks(*GX_CHECKS), partition_key=MONTH, instance=instance,
                                 resources=resources)
        assert quality.success
        result = materialize_reports(instance, resources, Reports(folder=str(folder), engine="builtin"))
    return folder, result, instance.get_dynamic_partitions("region"), engine


def html_of(folder, name: str) -> str:
    return (folder / MONTH[:7] / name).read_text(encoding="utf-8")


def test_the_runs_publish_a_national_and_every_regional_report(rendered, monkeypatch):
    folder, result, regions, engine = rendered
    monkeypatch.setenv("LLO_WAREHOUSE_URL", str(engine.url))
    assert latest_computed_month() == [MONTH]  # what `llo report` and `llo demo` take as the latest month
    assert result.success
    assert sorted(p.name for p in (folder / MONTH[:7]).glob("*.html")) == \
        sorted(["nationaal.html", *(f"regio-{r}.html" for r in regions)])
    for suffix in ("docx", "pdf"):  # every report also as DOCX and PDF, beside its HTML
        assert sorted(p.name for p in (folder / MONTH[:7]).glob(f"*.{suffix}")) == \
            sorted([f"nationaal.{suffix}", *(f"regio-{r}.{suffix}" for r in regions)])
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {(a, c): True for a in (NATIONAL, REGIONAL) for c in ("disclosure_control", "opens_offline")}
    for asset, count in ((NATIONAL, 1), (REGIONAL, len(regions))):
        metadata = result.asset_materializations_for_node("reports_month")
        metadata = next(m for m in metadata if m.asset_key.to_user_string() == asset).metadata
        assert metadata["engine"].value == BUILTIN and metadata["reports"].value == count
        assert metadata["dagster/row_count"].value == count and metadata["published"].value == count
        assert metadata["url"].value.startswith("file://") and metadata["size_bytes"].value > 50_000 * count
        assert metadata["rendered"].value.count("](file://") == 3 * count  # each report's files linked from the UI
        assert metadata["rendered"].value.count(".pdf)") == metadata["rendered"].value.count(".docx)") == count
        assert [metadata[kind].value for kind in ("docx", "pdf")] == \
            [str(Path(metadata["path"].value).with_suffix(f".{kind}")) for kind in ("docx", "pdf")]
    assert not (folder / "_tegengehouden").exists()


def test_rendering_again_gives_byte_identical_reports(demo_run, rendered, monkeypatch):
    *_, (instance, resources) = demo_run
    folder, _, _, engine = rendered
    monkeypatch.setenv("LLO_HOME", str(Path(engine.url.database).parent))

    def files(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    first = files(folder)
    assert materialize_reports(instance, resources, Reports(folder=str(folder), engine="builtin")).success
    second = files(folder)
    assert len(first) > 10 and any(name.endswith(".html") for name in first)
    assert sorted(second) == sorted(first)
    assert [name for name in first if first[name] != second[name]] == []


def test_the_national_report_reads_as_a_quarto_document(rendered):
    html = html_of(rendered[0], "nationaal.html")
    assert re.search(r"<title>Impactmonitor LLO Collectief: landelijke rapportage</title>", html)
    toc = re.search(r'<nav id="TOC".*?</nav>', html, re.S).group(0)
    sections = re.findall(r'href="#([^"]+)"', toc)
    assert len(sections) == 12 and all(f'id="{s}"' in html for s in sections)
    assert sections[:2] == ["kernbevindingen", "bereik-en-voortgang"]  # the findings first
    assert "Inhoud" in toc
    figures = re.findall(r'<figure id="(fig-[^"]+)">\s*<img [^>]*src="data:image/png;base64,[^"]+"[^>]*alt="([^"]+)"'
                         r'[^>]*>\s*<figcaption>(.*?)</figcaption>', html, re.S)
    assert [f[0] for f in figures] == ["fig-kpi-verloop", "fig-regio-target", "fig-verandering", "fig-werk",
                                       "fig-tornado-programma", "fig-tornado-traject", "fig-montecarlo"]
    assert all(caption.startswith(f"Figuur\u00a0{i}:") for i, (_, _, caption) in enumerate(figures, start=1))
    assert all(len(alt) > 30 for _, alt, _ in figures)  # alt text describes the chart, not just its caption
    tables = re.findall(r'<table id="(tbl-[^"]+)"', html)
    assert tables[:4] == ["tbl-kpi", "tbl-voortgang", "tbl-regios", "tbl-verandering"] and len(tables) == 24
    assert {"tbl-doelgroep", "tbl-trajecttype", "tbl-leeftijd", "tbl-fase", "tbl-cohort"} <= set(tables)
    assert "SHA-256" not in html.split('id="verantwoording"')[0]  # file hashes live in the provenance file
    assert "Tabel\u00a01: KPI" in html
    references = re.findall(r'<a href="#((?:fig|tbl)-[^"]+)">(Figuur|Tabel)\u00a0(\d+)</a>', html)
    assert len(references) >= 12 and all(f'id="{target}"' in html for target, *_ in references)
    assert "Tabel\u00a0?" not in html and "@tbl-" not in html and "@fig-" not in html
    assert "sourceCode" not in html and "import " not in html and "ledger" not in html  # no code shown
    assert external_references(html) == [] and not re.search(r'(src|href)="(https?:)?//', html)
    assert "31-12-2025" in html and "MKBA-scenario: basis" in html and "Onthullingsdrempel: 10" in html
    assert "Codeversie: " in html and "byte voor byte" in html


def test_the_data_quality_section_shows_the_suites_and_links_the_data_docs(rendered):
    folder = rendered[0]
    html = html_of(folder, "nationaal.html")
    rows = _table(html, "tbl-plausibiliteit")
    assert [r[0] for r in rows] == ["t1_response", "month_over_month", "improvement_share", "cross_table"]
    assert all(r[2] in ("voldaan", "niet voldaan") and int(r[3]) > 0 for r in rows)
    link = re.search(r'<a href="([^"]+)">Data Docs</a>', html).group(1)
    assert not link.startswith(("http", "/", "file:"))  # relative: opens from disk and from the report site
    index = (folder / MONTH[:7] / link).resolve()
    assert index.name == "index.html" and "Laatste uitkomst per suite" in index.read_text(encoding="utf-8")


def _table(html: str, label: str) -> list[list[str]]:
    return next(t["rows"] for t in structure(html).tables if t["label"] == label)


def test_the_interview_chapter_shows_the_demo_codings_next_to_the_regions_results(rendered):
    """Research questions 3 and 4 from the SYNTHETISCH coded group interviews: themes across regions, the change
    between the pilots' two rounds, the quotes; a scale-up region has no second round to compare."""
    from llo.demo_data import DEMO_REGIONS, PILOTS, synthetic_interview

    folder, _, regions, engine = rendered
    html = html_of(folder, "nationaal.html")
    text = " ".join(html.split())  # pandoc wraps lines
    assert "Verankering en succes- en faalfactoren (groepsgesprekken)" in text
    coded = pd.concat([synthetic_interview(r, n, seed=7) for r in DEMO_REGIONS
                       for n in ((1, 2) if r in PILOTS else (1,))])
    stored = wh.read_table(engine, wh.INTERVIEW_CODINGS)
    assert len(stored) == len(coded)
    assert f"In 8 regio’s zijn samen 10 groepsgesprekken gecodeerd, met {len(coded)} bevindingen." in text
    themes = _table(html, "tbl-gesprekken-themas")
    assert sum(int(row[3]) for row in themes) == len(coded)
    per_region = {row[0]: row for row in _table(html, "tbl-gesprekken-regios")}
    assert per_region["Twente"][1] == "1, 2" and per_region["Achterhoek"][1] == "1"
    assert len(_table(html, "tbl-gesprekken-citaten")) == coded["citaat"].notna().sum()
    assert "[naam]" in html
    twente = html_of(folder, "regio-twente.html")
    assert len(_table(twente, "tbl-gesprekken-rondes")) >= 5
    achterhoek = html_of(folder, "regio-achterhoek.html")
    assert "nog geen regio met twee gecodeerde gespreksrondes" in str(_table(achterhoek, "tbl-gesprekken-rondes"))


def test_small_cells_are_suppressed_exactly_where_the_warehouse_flags_them(rendered):
    folder, _, regions, engine = rendered
    kpi = wh.read_typed(engine, wh.KPI_REGION_MONTH)
    kpi = kpi[kpi["peildatum"] == pd.Timestamp("2025-12-31")]
    suppressed_somewhere = 0
    for region in regions:
        rows = _table(html_of(folder, f"regio-{region}.html"), "tbl-kpi")
        expected = kpi[kpi["region"] == region].set_index("kpi")
        assert [r[0] for r in rows] == list(expected.index)
        for code, _, value, *_ in rows:
            flagged = bool(expected.loc[code, "suppress"])
            assert value == ("<10" if flagged else f"{expected.loc[code, 'value']:,}".replace(",", "."))
            suppressed_somewhere += flagged
    assert suppressed_somewhere > 0  # the demo's small regions do exercise the rule
    side_by_side = _table(html_of(folder, "nationaal.html"), "tbl-regios")
    assert any(cell == "<10" for row in side_by_side for cell in row)
    for row in side_by_side:
        assert all(cell == "<10" or int(cell.split(" ")[0].replace(".", "")) == 0
                   or int(cell.split(" ")[0].replace(".", "")) >= 10 for cell in row[1:])


def test_every_figure_point_and_number_rests_on_enough_participants(rendered):
    folder = rendered[0]
    for ledger_path in (folder / MONTH[:7]).glob("*.openbaarheid.json"):
        ledger = json.loads(ledger_path.read_text(encoding="utf-8"))
        assert ledger["min_participants"] == 10 and ledger["tables"] and ledger["figures"]
        assert all(n is None or n >= 10 for f in ledger["figures"].values() for n in f["n"])
        assert disclosure_problems(ledger_path.with_name(ledger_path.name.replace(".openbaarheid.json", ".html"))
                                   .read_text(encoding="utf-8"), ledger) == []


LEAK = '''

## Lek

```{python}
#| label: tbl-lek
#| tbl-cap: "Een tabel buiten het verantwoordingsbestand om"
#| output: asis
print("| regio | deelnemers |\\n|---|---|\\n| klein | 3 |")
```
'''


def test_a_report_that_breaks_the_rule_is_withheld_with_its_reason(demo_run, tmp_path):
    *_, (instance, resources) = demo_run
    project = tmp_path / "reports"
    shutil.copytree(REPORTS_DIR, project)
    (project / "nationaal.qmd").write_text((project / "nationaal.qmd").read_text(encoding="utf-8") + LEAK,
                                           encoding="utf-8")
    reports = Reports(folder=str(tmp_path / "out"), engine="builtin", project=str(project))
    result = materialize_reports(instance, resources, reports, selection=[NATIONAL])
    check = next(e for e in result.get_asset_check_evaluations() if e.check_name == "disclosure_control")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "labelled tbl-lek is in the report but not in the ledger" in check.metadata["details"].value
    assert not (tmp_path / "out" / MONTH[:7] / "nationaal.html").exists()
    withheld = tmp_path / "out" / "_tegengehouden" / MONTH[:7]
    assert sorted(p.name for p in withheld.iterdir()) == [  # every format withheld with the HTML
        "nationaal.docx", "nationaal.herkomst.json", "nationaal.html", "nationaal.openbaarheid.json", "nationaal.pdf"]
    assert not list((tmp_path / "out" / MONTH[:7]).glob("nationaal.*"))


def _ledger(n_kpi: int, shown: str) -> tuple[str, dict]:
    ledger = Ledger(None, 10)
    table = ledger.table("tbl-a", pd.DataFrame({"KPI": ["K1"], "Waarde": [shown]}), pd.Series([n_kpi]),
                         labels=("KPI",))
    return table, ledger.entries | {"min_participants": 10}


HTML = '<table id="tbl-a"><thead><tr><th>KPI</th><th>Waarde</th></tr></thead><tbody><tr><td>K1</td><td>{}</td></tr>' \
       '</tbody></table>'


def test_the_ledger_suppresses_small_cells_and_keeps_labels():
    markdown, entries = _ledger(7, "7")
    assert markdown.splitlines()[2] == "| K1 | \\<10 |"
    assert entries["tables"]["tbl-a"] == {"columns": ["KPI", "Waarde"], "rows": [["K1", "<10"]], "n": [[None, 7]]}
    ledger = Ledger(None, 5)
    cells = ledger.table("t", pd.DataFrame({"a": ["1", "8"], "b": ["x", "y"]}),
                         pd.DataFrame({"a": [1, 8]}))  # per cell; column b describes no participants
    assert ledger.entries["tables"]["t"]["rows"] == [["<5", "x"], ["8", "y"]] and "<5" in cells
    kept = ledger.points("fig-x", pd.DataFrame({"v": [1, 2, 3], "n": [4, 5, 40]}))
    assert list(kept["v"]) == [2, 3] and ledger.entries["figures"]["fig-x"] == {"n": [5, 40], "dropped": 1}
    assert ledger.number("k", "4", 4) == "<5" and ledger.number("j", "50", 50) == "50"
    assert list(resting_on([0, 3, 12, 12], [5, 100, 100, 8])) == [5, 3, 12, 8]
    assert literal("a|b_c *d* <10 'x'") == "a\\|b\\_c \\*d\\* \\<10 \\'x\\'"


def test_the_disclosure_check_finds_every_way_round_the_rule():
    _, entries = _ledger(7, "7")
    assert disclosure_problems(HTML.format("&lt;10"), entries) == []
    leaked = json.loads(json.dumps(entries))
    leaked["tables"]["tbl-a"]["rows"] = [["K1", "7"]]
    assert disclosure_problems(HTML.format("7"), leaked) == \
        ["tbl-a, row 1, column 'Waarde': shows '7', resting on 7 participant(s) (threshold 10)"]
    assert disclosure_problems(HTML.format("7"), entries) == ["tbl-a: the report's table differs from the ledger "
                                                              "from row 1 on"]
    extra = HTML.format("&lt;10") + "<table><tr><td>3</td></tr></table><figure><img src='data:,'></figure>"
    assert disclosure_problems(extra, entries) == [
        "a table without label is in the report but not in the ledger: its cells were not checked",
        "an image without label is in the report but not in the ledger: its points were not checked"]
    assert disclosure_problems("", entries) == ["tbl-a: in the ledger but not in the report"]
    entries["figures"] = {"fig-b": {"n": [12, 4], "dropped": 0}}
    entries["numbers"] = {"K1.value": {"shown": "4", "n": 4}}
    assert disclosure_problems(HTML.format("&lt;10"), entries) == [
        "number K1.value: shows '4', resting on 4 participant(s)",
        "fig-b: 1 chart point(s) resting on fewer than 10 participants"]


def test_external_references_are_found():
    assert external_references('<img src="https://x.nl/a.png"><a href="#fig-a">') == ['src="https://']
    assert external_references("<style>@import url('//cdn.example/x.css')</style>") == ["url('//"]
    assert external_references('<a href="#tbl-a">Tabel</a><img src="data:image/png;base64,AA">') == []


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_a_headless_chromium_screenshot_of_the_national_report(rendered, tmp_path):
    import matplotlib.image as mpimg

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "nationaal-rapport.png"
    shot.unlink(missing_ok=True)
    page = rendered[0] / MONTH[:7] / "nationaal.html"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=1200,4000",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    pixels = mpimg.imread(shot)
    assert pixels.shape[:2] == (4000, 1200)
    assert pixels[:, :, :3].std() > 0.05  # text, tables and charts, not a blank page


def test_the_national_docx_holds_exactly_the_ledger_tables_and_the_figures(rendered):
    """The DOCX comes from the HTML's Markdown: its tables are the ledger's tables (header and cells, "<10" where the
    HTML has it) in the HTML's order, with every chart as a picture, so it cannot show what the HTML suppresses."""
    import io
    import zipfile

    import docx as python_docx

    from checks.report_checks import docx_problems, docx_structure

    folder = rendered[0] / MONTH[:7]
    html = html_of(rendered[0], "nationaal.html")
    word = (folder / "nationaal.docx").read_bytes()
    ledger = json.loads((folder / "nationaal.openbaarheid.json").read_text(encoding="utf-8"))
    tables, pictures = docx_structure(word)
    order = [t["label"] for t in structure(html).tables]
    assert len(tables) == len(order) == len(ledger["tables"]) == 24 and pictures == len(ledger["figures"]) == 7
    for label, table in zip(order, tables, strict=True):
        entry = ledger["tables"][label]
        assert table == [[" ".join(c.split()) for c in row] for row in [entry["columns"], *entry["rows"]]], label
    assert any(cell == "<10" for table in tables for row in table for cell in row)
    assert docx_problems(html, word) == []
    leaked = io.BytesIO()  # a DOCX showing a figure the HTML suppresses is found
    with zipfile.ZipFile(io.BytesIO(word)) as source, zipfile.ZipFile(leaked, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data.replace(b"&lt;10", b"7") if name == "word/document.xml" else data)
    assert any("differs from the HTML's" in p for p in docx_problems(html, leaked.getvalue()))
    document = python_docx.Document(io.BytesIO(word))
    texts = [p.text for p in document.paragraphs]
    assert document.core_properties.title == "Impactmonitor LLO Collectief: landelijke rapportage"
    captions = {style: [p.text for p in document.paragraphs if p.style.name == style]
                for style in ("Image Caption", "Table Caption")}
    assert [c.split(":")[0] for c in captions["Image Caption"]] == [f"Figuur\u00a0{i}" for i in range(1, 8)]
    assert [c.split(":")[0] for c in captions["Table Caption"]] == [f"Tabel\u00a0{i}" for i in range(1, 25)]
    assert any(p.style.name == "Kader" for p in document.paragraphs)  # the callouts, in the house style
    assert "import " not in "\n".join(texts)


def test_the_national_pdf_reads_as_the_report_and_its_first_page_is_photographed(rendered):
    import io

    import pypdf
    import pypdfium2

    folder = rendered[0] / MONTH[:7]
    pdf = (folder / "nationaal.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert text.startswith("Impactmonitor LLO Collectief: landelijke rapportage")
    assert all(f"Figuur {i}:" in text for i in range(1, 7)) and all(f"Tabel {i}:" in text for i in range(1, 14))
    assert "Figuur 1: Figuur" not in text and "Tabel 1: Tabel" not in text  # numbered by the filter only
    assert "31-12-2025" in text and "<10" in text and "Over deze rapportage" in text
    assert 8 <= len(reader.pages) <= 40 and {tuple(round(v) for v in p.mediabox[2:]) for p in reader.pages} == \
        {(595, 842)}  # A4
    assert sum(len(page.images) for page in reader.pages) == 7
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "nationaal-pdf-pagina-1.png"
    shot.unlink(missing_ok=True)
    page = pypdfium2.PdfDocument(pdf)[0].render(scale=2).to_pil()
    page.save(shot)
    assert page.size == (1191, 1684)  # A4 at 144 dpi
    low, high = page.convert("L").getextrema()
    assert shot.stat().st_size > 20_000 and low < 64 and high > 240  # dark text on a white page, not a blank one


@pytest.mark.skipif(quarto_cli() is None, reason="the Quarto CLI is not installed here (QUARTO_PATH or PATH)")
def test_the_quarto_cli_renders_the_same_document(demo_run, tmp_path):
    *_, (instance, resources) = demo_run
    result = materialize_reports(instance, resources, Reports(folder=str(tmp_path), engine="quarto"),
                                 selection=[NATIONAL])
    assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    assert result.get_asset_materialization_events()[0].materialization.metadata["engine"].value == "quarto"
    assert sorted(p.name for p in (tmp_path / MONTH[:7]).glob("nationaal.*")) == [
        "nationaal.docx", "nationaal.html", "nationaal.openbaarheid.json", "nationaal.pdf"]


def test_the_quarto_path_renders_each_report_from_its_own_copy_of_the_project(rendered, demo_run, tmp_path,
                                                                              monkeypatch):
    """Through a stand-in Quarto CLI (tests/quarto_stand_in.py: it needs papermill for -P and writes Quarto's
    intermediate notebook next to the source, as Quarto does): the regional reports, two at a time from one
    regionaal.qmd, each render in a copy of the project of their own, and all are published."""
    *_, (instance, resources) = demo_run
    stand_in = tmp_path / "quarto"
    stand_in.write_text(f"#!{sys.executable}\n" + (Path(__file__).parent / "quarto_stand_in.py").read_text())
    stand_in.chmod(0o755)
    calls = tmp_path / "calls.jsonl"
    monkeypatch.setenv("QUARTO_PATH", str(stand_in))
    monkeypatch.setenv("STAND_IN_LOG", str(calls))
    result = materialize_reports(instance, resources, Reports(folder=str(tmp_path / "reports"), engine="quarto",
                                                              workers=2))
    assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata
                for e in result.get_asset_materialization_events()}
    assert {m["engine"].value for m in metadata.values()} == {"quarto"}
    made = [json.loads(line) for line in calls.read_text(encoding="utf-8").splitlines()]
    regional = [c for c in made if Path(c["source"]).name == "regionaal.qmd"]
    # each report asked for in Quarto's three formats (its typst format writes the PDF), each beside the others
    assert len(regional) == 3 * metadata[REGIONAL]["reports"].value >= 6 and len(made) == len(regional) + 3
    by_report = {}
    for call in made:
        by_report.setdefault(call["cwd"], []).append((call["options"]["--to"], call["options"]["--output"]))
    assert len(by_report) == len(made) // 3  # a project copy per report
    for asked in by_report.values():
        stem = Path(asked[0][1]).stem
        assert asked == [("html", f"{stem}.html"), ("docx", f"{stem}.docx"), ("typst", f"{stem}.pdf")]
    for call in made:
        assert Path(call["cwd"]) != REPORTS_DIR and call["project"]  # a Quarto project, not the repository's
        assert Path(call["source"]).parent == Path(call["cwd"]) and call["returncode"] == 0
        assert {"maand", "regio", "warehouse_url", "openbaarheid"} <= set(call["parameters"])
    published = sorted(p.name for p in (tmp_path / "reports" / MONTH[:7]).iterdir() if not p.name.endswith(".json"))
    assert published == sorted(f"{name}.{suffix}" for name in ["nationaal", *(f"regio-{c['parameters']['regio']}"
                                                                            for c in regional if c["options"]["--to"]
                                                                            == "html")]
                               for suffix in ("html", "docx", "pdf"))


def test_the_work_situations_are_counted_from_the_participants_measured_on_the_peildatum(demo_run):
    """The reports count work situations in the database; the same counts follow from every trajectory as of the
    peildatum (llo.monitor.trajectories.as_of), for the nation and for one region."""
    from llo.monitor import trajectories as tr
    from llo.reporting.data import WORK_SITUATIONS, ReportData
    from llo.reporting.tables import work_counts

    engine = demo_run[2]
    state = tr.as_of(wh.read_typed(engine, wh.TRAJECTORIES), pd.Timestamp("2025-12-31"))
    for region in (None, "twente"):
        people = state[(state["status"] == tr.GEMETEN) & (state["regio"] == region if region else True)]
        data = ReportData(str(engine.url), MONTH[:7], region)
        counted = data.work_situations.set_index(WORK_SITUATIONS)["rows"].sort_index()
        assert counted.sum() == len(people) > 10
        assert counted.equals(people.groupby(WORK_SITUATIONS).size().rename("rows"))
        chart = work_counts(data).set_index(["moment", "situatie"])["aantal"]
        for situation in tr.WORK:
            assert chart[("T1", situation)] == (people["arbeidssituatie_t1"] == situation).sum()


def test_a_revision_run_renders_again_only_the_reports_published_before(rendered, demo_run):
    """After a delivery changed earlier months (pipelines/sensors.py: revision_sensor), the months run again with
    the trigger `revision`: a month whose report was published gets it again, a month never published stays so."""
    from pipelines.partitions import range_tags
    from pipelines.sensors import REVISION

    folder, _, _, engine = rendered
    *_, (instance, resources) = demo_run
    published = (folder / MONTH[:7] / "nationaal.html").read_bytes()

    def revise(first: str, last: str):
        return dg.materialize([reports_month], instance=instance, selection=[NATIONAL],
                              tags={**range_tags([first, last]), "llo/trigger": REVISION},
                              resources={**resources, "reports": Reports(folder=str(folder), engine="builtin")})

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LLO_HOME", str(Path(engine.url.database).parent))
        again = revise("2025-11-01", MONTH)
        assert again.success
        events = again.get_asset_materialization_events()  # a range run stamps its metadata on each month
        assert {e.materialization.metadata["reports"].value for e in events} == {1}  # 2025-12 only
        assert not (folder / "2025-11").exists()
        assert (folder / MONTH[:7] / "nationaal.html").read_bytes() == published  # the same data, the same file
        nothing = revise("2025-10-01", "2025-11-01")
        assert nothing.success and nothing.get_asset_materialization_events() == []


def test_a_revised_report_says_what_changed_since_its_first_publication_and_why():
    """Known answer: K1 and K3 each one lower after a correction and a withdrawal received after the first
    publication, K4 31 higher; a difference of fewer than 10 participants reads "<10" like any figure."""
    from types import SimpleNamespace

    from llo.reporting.tables import revision_note

    def kpis(values: dict[str, tuple[int, int]]) -> pd.DataFrame:
        return pd.DataFrame([{"kpi": code, "value": value, "n_basis": basis}
                             for code, (value, basis) in values.items()])

    first = kpis({"K1": (1173, 1173), "K2": (147, 508), "K3": (209, 508), "K4": (199, 1173)}).assign(
        published_at=pd.Timestamp("2026-01-05 09:00"))
    log = pd.DataFrame([
        {"kind": "measurements", "received_at": "2025-12-05 09:00", "rows_new": 60, "rows_corrected": 0,
         "rows_withdrawn": 0},  # before the publication: not a reason
        {"kind": "measurements", "received_at": "2026-01-20 10:00", "rows_new": 0, "rows_corrected": 1,
         "rows_withdrawn": 2},
        {"kind": "withdrawals", "received_at": "2026-01-20 10:05", "rows_new": 1, "rows_corrected": 0,
         "rows_withdrawn": 0}])
    ledger = Ledger(None, 10)
    data = SimpleNamespace(first_published=first, ingest_log=log,
                           kpi=kpis({"K1": (1172, 1172), "K2": (147, 505), "K3": (208, 505), "K4": (230, 1172)}))
    assert revision_note(data, ledger) == (
        '::: {.callout-important title="Herziene cijfers"}\nNa de eerste publicatie op 5 januari 2026 zijn de '
        "kerncijfers van deze peildatum herzien door correcties en intrekkingen ontvangen op 20 januari 2026: "
        "bereikte deelnemers (K1) van 1.173 naar 1.172 (<10), verbeterde arbeidsmarktpositie (K3) van 209 naar 208 "
        "(<10) en matches met werkgevers (K4) van 199 naar 230 (+31).\n:::\n")
    assert ledger.entries["numbers"]["herzien.K1.verschil"] == {"shown": "<10", "n": 1}
    unchanged = SimpleNamespace(first_published=first, ingest_log=log, kpi=first.drop(columns="published_at"))
    never = SimpleNamespace(first_published=first.iloc[:0], ingest_log=log, kpi=data.kpi)
    assert revision_note(unchanged, Ledger(None, 10)) == revision_note(never, Ledger(None, 10)) == ""


def test_the_first_publication_is_kept_and_a_report_published_once_says_nothing_of_revisions(rendered):
    from llo import warehouse as wh

    folder, _, regions, engine = rendered
    kept = wh.read_table(engine, wh.PUBLISHED_FIGURES)
    assert set(kept["report"]) == {"nationaal", *regions} and set(kept["kpi"]) == {"K1", "K2", "K3", "K4", "K5", "K6"}
    assert "Herziene cijfers" not in html_of(folder, "nationaal.html")


def test_a_report_rendered_after_its_figures_changed_opens_with_the_revision(rendered, demo_run, tmp_path):
    """The wiring of the revision sentence: a first publication whose K1 was 25 higher than the warehouse now holds
    (as after a withdrawal) makes the rendered national report open with it; the kept rows are restored after."""
    import sqlalchemy as sa

    from llo import warehouse as wh

    _, _, _, engine = rendered
    *_, (instance, resources) = demo_run
    table = wh.PUBLISHED_FIGURES
    mine = (table.c.peildatum == dt.date(2025, 12, 31)) & (table.c.report == "nationaal") & (table.c.kpi == "K1")
    with engine.begin() as conn:
        [(first,)] = conn.execute(sa.select(table.c.value).where(mine)).all()
        conn.execute(sa.update(table).where(mine).values(value=first + 25))
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("LLO_HOME", str(Path(engine.url.database).parent))
            result = materialize_reports(instance, resources, Reports(folder=str(tmp_path), engine="builtin"),
                                         selection=[NATIONAL])
        assert result.success
        html = (tmp_path / MONTH[:7] / "nationaal.html").read_text(encoding="utf-8")
        assert "Herziene cijfers" in html
        assert f"bereikte deelnemers (K1) van {first + 25:,}".replace(",", ".") in html and "(−25)" in html
    finally:
        with engine.begin() as conn:
            conn.execute(sa.update(table).where(mine).values(value=first))


def materialize_documents(instance, resources, reports: Reports):
    from assets.reports import research_reports

    return dg.materialize([research_reports], partition_key=MONTH, instance=instance,
                          resources={**resources, "reports": reports})


@pytest.mark.parametrize("engine", ["builtin", "quarto"])
def test_the_interim_and_final_report_bring_the_sources_together_for_a_chosen_peildatum(rendered, demo_run, tmp_path,
                                                                                         monkeypatch, engine):
    """Both documents through both engines (the Quarto CLI as the stand-in of tests/quarto_stand_in.py): published
    after the disclosure check in HTML, DOCX and PDF, with the findings, every chapter and a section per region."""
    *_, (instance, resources) = demo_run
    if engine == "quarto":
        stand_in = tmp_path / "quarto"
        stand_in.write_text(f"#!{sys.executable}\n" + (Path(__file__).parent / "quarto_stand_in.py").read_text())
        stand_in.chmod(0o755)
        monkeypatch.setenv("QUARTO_PATH", str(stand_in))
        monkeypatch.setenv("STAND_IN_LOG", str(tmp_path / "calls.jsonl"))
    result = materialize_documents(instance, resources, Reports(folder=str(tmp_path / "out"), engine=engine))
    assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    month = tmp_path / "out" / MONTH[:7]
    assert sorted(p.name for p in month.iterdir()) == sorted(
        f"{d}.{suffix}" for d in ("eindrapport", "tussenrapport")
        for suffix in ("docx", "herkomst.json", "html", "openbaarheid.json", "pdf"))
    regions = sorted(rendered[2])
    for document in ("tussenrapport", "eindrapport"):
        html = (month / f"{document}.html").read_text(encoding="utf-8")
        headings = [h for h in re.findall(r"<h2[^>]*id=\"([^\"]+)\"", html) if h != "toc-title"]
        assert headings[0] == "kernbevindingen" and {"voor-wie-werkt-de-aanpak", "maatschappelijke-kosten-en-baten",
                                                     "contextfactoren", "de-regios-één-voor-één", "datakwaliteit",
                                                     "bijlage-methode"} <= set(headings)
        assert ("lessen-voor-opschaling" in headings) == (document == "eindrapport")
        sections = re.findall(r'id="sec-regio-([^"]+)"', html)
        assert sorted(sections) == regions  # a section per region with KPI rows
        assert all(f'id="tbl-kpi-{region}"' in html for region in regions)
        assert len(re.findall(r"<strong>[1-6]\. ", html)) == 6 * (1 + len(regions))  # findings: nation + regions
    if engine == "quarto":
        calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text(encoding="utf-8").splitlines()]
        assert sorted((Path(c["source"]).name, c["options"]["--to"]) for c in calls) == sorted(
            (f"{d}.qmd", to) for d in ("eindrapport", "tussenrapport") for to in ("html", "docx", "typst"))


def test_the_input_files_and_their_hashes_are_in_the_provenance_file_not_in_the_report(rendered):
    folder, _, _, engine = rendered
    provenance = json.loads((folder / MONTH[:7] / "nationaal.herkomst.json").read_text(encoding="utf-8"))
    log = wh.read_table(engine, wh.INGEST_LOG).drop_duplicates(["region", "file", "sha256"])
    assert provenance["rapport"] == "nationaal" and len(provenance["invoerbestanden"]) == len(log)
    assert {(f["regio"], f["bestand"], f["sha256"]) for f in provenance["invoerbestanden"]} == set(
        zip(log["region"], log["file"], log["sha256"], strict=True))
    html = html_of(folder, "nationaal.html")
    assert not any(sha and sha[:16] in html for sha in log["sha256"])
    assert f"{len(log)} invoerbestanden" in html.replace(".", "")
