"""Great Expectations for the suites of llo.quality.plausibility: the file data context, suites built from the rules
(the code is the source of truth, not the JSON in the GX folder), validation, stored results and the Data Docs site.

Where things land (LLO_HOME/kwaliteit by default):
    gx/               the GX file data context: great_expectations.yml, expectations/ (suites),
                      validation_definitions/, checkpoints/, uncommitted/validations/ (stored results)
    data-docs/        the Data Docs site; data-docs/index.html is its entry page
    uitkomsten.json   the latest outcome per suite, which the reports show

Great Expectations is imported inside the functions that need it (it takes seconds to import).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llo import settings
from llo.locks import taking_turns
from llo.quality.plausibility import BY_NAME, SUITES, Rule, Suite, read_tables, rules, views
from llo.settings import llo_home

if TYPE_CHECKING:
    import pandas as pd
    import sqlalchemy as sa

DATASOURCE, BATCH = "llo_views", "whole_view"
SITE = "llo"  # the one Data Docs site
DOCS_INDEX = "kwaliteit/data-docs/index.html"  # relative to LLO_HOME
DOCS_DIR = "data-docs"


def default_folder() -> Path:
    return llo_home() / "kwaliteit" / "gx"


def docs_folder(folder: Path | None = None) -> Path:
    """The Data Docs site sits beside the GX project: <folder>/../data-docs."""
    return Path(folder or default_folder()).resolve().parent / DOCS_DIR


def docs_link(path: Path) -> str:
    """The address to open a Data Docs page: under LLO_SITE_URL (where `llo ui` serves LLO_HOME) when the page
    lies in LLO_HOME, else a file:// URI."""
    path = Path(path).resolve()
    base = settings.site_url()
    if base:
        try:
            return f"{base}/{path.relative_to(llo_home()).as_posix()}"
        except ValueError:
            pass
    return path.as_uri()


def _quiet_gx() -> None:
    # GX 1.x sends no usage statistics, but older 1.x releases did unless this was false.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import logging

    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def _context(folder: Path | None = None):
    """The file data context under `folder`, configured from code: analytics and progress bars off, one Data
    Docs site at docs_folder(folder). Configuration is written only when it differs, so concurrent readers
    see a stable file."""
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    folder = Path(folder or default_folder()).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", context_root_dir=folder)
    site = {"class_name": "SiteBuilder", "show_how_to_buttons": False,
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(docs_folder(folder))}}
    changed = False
    if context.list_data_docs_sites() != {SITE: site}:
        context.variables.data_docs_sites = {SITE: site}
        changed = True
    if context.variables.analytics_enabled is not False:
        context.variables.analytics_enabled = False
        changed = True
    bars = context.variables.progress_bars
    if not bars or bars.get("globally") is not False or bars.get("metric_calculations") is not False:
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        changed = True
    if changed:
        context.variables.save()
        context = gx.get_context(mode="file", context_root_dir=folder)  # stores re-read with the new sites
    return context


def _condition(rule: Rule):
    from great_expectations.expectations.row_conditions import Column

    condition = None
    for column, op, value in rule.where:
        part = Column(column) >= value if op == ">=" else Column(column) == value
        condition = part if condition is None else condition & part
    return condition


def expectation(rule: Rule):
    """The GX expectation of a rule: its name and reason are notes (shown in Data Docs), and its name, band and
    assets ride along in meta. Severity warning: these are plausibility bands."""
    import great_expectations.expectations as gxe

    meta = {"rule": rule.name, "band": rule.band(), "assets": list(rule.assets)}
    common = {"meta": meta, "notes": f"{rule.name}: {rule.reason}", "severity": "warning",
              **({"row_condition": _condition(rule)} if rule.where else {})}
    if rule.kind == "between":
        return gxe.ExpectColumnValuesToBeBetween(column=rule.column, min_value=rule.low, max_value=rule.high,
                                                 mostly=rule.mostly, **common)
    if rule.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=rule.column, mostly=rule.mostly, **common)
    if rule.kind == "equal":
        return gxe.ExpectColumnPairValuesToBeEqual(column_A=rule.column, column_B=rule.other, mostly=rule.mostly,
                                                   **common)
    if rule.kind == "at_most":  # column <= other, as other >= column
        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A=rule.other, column_B=rule.column, or_equal=True,
                                                           mostly=rule.mostly, **common)
    if rule.kind == "rows":
        return gxe.ExpectTableRowCountToBeBetween(min_value=int(rule.low), **common)
    raise ValueError(f"rule {rule.name}: unknown kind {rule.kind!r}")


def _plain(expectation) -> dict:
    """An expectation's configuration without its store id, to compare stored with wanted."""
    return {k: v for k, v in expectation.configuration.to_json_dict().items() if k != "id"}


def _suite(context, suite: Suite):
    """Create or update the suite from RULES; unchanged suites are not rewritten."""
    import great_expectations as gx
    from great_expectations.exceptions import DataContextError

    wanted = gx.ExpectationSuite(name=suite.name, expectations=[expectation(r) for r in rules(suite.name)],
                                 meta={"description": suite.description})
    try:
        stored = context.suites.get(suite.name)
    except DataContextError:
        return context.suites.add(wanted)
    same = [_plain(e) for e in stored.expectations] == [_plain(e) for e in wanted.expectations]
    if same and stored.meta.get("description") == suite.description:
        return stored
    return context.suites.add_or_update(wanted)


def _checkpoint(context, suite: Suite):
    """Suite, batch definition (a whole DataFrame), validation definition and checkpoint of one suite. The
    checkpoint asks for every failing row with its keys. It has no UpdateDataDocsAction: that action builds the
    site once per suite, compiling GX's page templates each time (about a second); `validate` updates the
    pages of all its results in one build instead."""
    import great_expectations as gx
    from great_expectations.exceptions import DataContextError

    try:
        source = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = source.get_asset(suite.name)
    except LookupError:
        asset = source.add_dataframe_asset(suite.name)
    try:
        batch = asset.get_batch_definition(BATCH)
    except KeyError:
        batch = asset.add_batch_definition_whole_dataframe(BATCH)
    stored_suite = _suite(context, suite)
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": list(suite.keys),
                     "partial_unexpected_count": 20}
    try:
        checkpoint = context.checkpoints.get(suite.name)
        definition = checkpoint.validation_definitions[0]
        fresh = (definition.suite.id == stored_suite.id and definition.data.id == batch.id
                 and checkpoint.result_format == result_format and not checkpoint.actions)
        if fresh:
            return checkpoint
    except (DataContextError, IndexError, ValueError):
        pass
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=stored_suite))
    return context.checkpoints.add_or_update(gx.Checkpoint(
        name=suite.name, validation_definitions=[definition], result_format=result_format, actions=[]))


def _drop_obsolete(context) -> None:
    """Suites (with their checkpoint and validation definition) no longer in SUITES: code is the source."""
    from great_expectations.exceptions import DataContextError

    for name in {s.name for s in context.suites.all()} - set(BY_NAME):
        for remove in (context.checkpoints.delete, context.validation_definitions.delete, context.suites.delete):
            with contextlib.suppress(DataContextError, KeyError, ValueError):  # a part already absent is fine
                remove(name=name)


def ensure_suites(folder: Path | None = None, context=None) -> list[str]:
    """Create or update every suite (and its checkpoint) from RULES; returns the suite names."""
    context = context or _context(folder)
    _drop_obsolete(context)
    for suite in SUITES:
        _checkpoint(context, suite)
    return sorted(s.name for s in context.suites.all())


@dataclass
class Outcome:
    """The result of one suite on one view: what failed, where, and where to read more."""

    suite: str
    success: bool
    evaluated: int
    failed: int  # expectations that failed
    problems: pd.DataFrame  # rule, column, band, <keys>, observed, status (failed / tolerated by mostly)
    checked_at: str
    result_page: Path | None
    docs_index: Path
    by_rule: dict[str, bool] = field(default_factory=dict)  # rule name -> passed

    def for_assets(self, asset: str) -> tuple[bool, int, pd.DataFrame]:
        """Passed, rules evaluated and problem rows of the rules that concern one asset."""
        mine = {r.name for r in rules(self.suite) if asset in r.assets or not r.assets}
        problems = self.problems[self.problems["rule"].isin(mine)]
        return all(self.by_rule.get(r, True) for r in mine), len(mine), problems


def _observed(rule: Rule, row: dict) -> str:
    def show(value) -> str:
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    if rule.kind in ("equal", "at_most"):
        return f"{show(row.get(rule.column))} vs {show(row.get(rule.other))}"
    return show(row.get(rule.column))


def _outcome(suite: Suite, result, result_page: Path | None, docs_index: Path) -> Outcome:
    import pandas as pd

    by_name = {r.name: r for r in rules(suite.name)}
    problems, by_rule = [], {}
    for item in result.results:
        rule = by_name[item.expectation_config.meta["rule"]]
        by_rule[rule.name] = bool(item.success)
        details = item.result or {}
        status = "tolerated" if item.success else "failed"
        if item.exception_info and item.exception_info.get("raised_exception"):
            problems.append({"rule": rule.name, "column": rule.column, "band": rule.band(), "status": "error",
                             "observed": str(item.exception_info.get("exception_message"))[:200]})
            by_rule[rule.name] = False
            continue
        if rule.kind == "rows":
            if not item.success:
                problems.append({"rule": rule.name, "column": "*", "band": rule.band(), "status": status,
                                 "observed": f"{details.get('observed_value')} rows"})
            continue
        for row in details.get("unexpected_index_list") or []:
            problems.append({"rule": rule.name, "column": rule.column if rule.kind not in ("equal", "at_most")
                             else f"{rule.column}, {rule.other}", "band": rule.band(), "status": status,
                             **{k: row.get(k) for k in suite.keys}, "observed": _observed(rule, row)})
    columns = ["rule", "column", "band", *suite.keys, "observed", "status"]
    frame = pd.DataFrame(problems, columns=columns).sort_values(
        ["status", "rule", *suite.keys], key=lambda s: s.astype(str), ignore_index=True)
    statistics = result.statistics
    return Outcome(suite=suite.name, success=bool(result.success),
                   evaluated=int(statistics["evaluated_expectations"]),
                   failed=int(statistics["unsuccessful_expectations"]), problems=frame,
                   checked_at=str(result.meta["run_id"].run_time.isoformat(timespec="seconds")),
                   result_page=result_page, docs_index=docs_index, by_rule=by_rule)


def _page(context, identifier) -> Path | None:
    from urllib.parse import unquote, urlparse

    urls = context.get_docs_sites_urls(resource_identifier=identifier, site_name=SITE, only_if_exists=False)
    url = urls[0].get("site_url") if urls else None
    return Path(unquote(urlparse(url).path)) if url and url.startswith("file:") else None


_TRACKER = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/([\w.-]+)(\?[^\"')]*)?")


# GX's page templates load jQuery, Bootstrap, bootstrap-table, Font Awesome and Vega from public CDNs: the index fills
# its lists of suites and validation results with them, and the validation pages draw their charts. The same files
# come from the npm registry (vendor/data-docs/package.json, installed by `make install`, the versions the templates
# name; popper.js 1.16.1, the release Bootstrap 4.3.1 asks for, instead of 1.12.9): each page's CDN address is
# rewritten to a copy in the site's static/vendor/, without the `integrity` hash of the CDN file, so the site works
# as GX intends without a network. Where the files are not installed the scripts are dropped and a small local
# stylesheet keeps the pages readable (the project's own summary table on the index lists every suite either way).
FRONTEND = settings.PROJECT_ROOT / "vendor" / "data-docs" / "node_modules"
CDN_FILES = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "@fortawesome/fontawesome-free/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}
FRONTEND_FOLDERS = ("@fortawesome/fontawesome-free/webfonts",)  # what all.min.css loads beside itself (../webfonts)
VENDOR = "static/vendor"  # in the site
_CDN_TAG = re.compile(r"<(script|link)\b[^>]*>", re.IGNORECASE)
_ADDRESS = re.compile(r"\b(src|href)=([\"'])(https?://[^\"']+)\2", re.IGNORECASE)
_INTEGRITY = re.compile(r"\s(integrity|crossorigin)(=([\"'])[^\"']*\3)?", re.IGNORECASE)
_EXTERNAL = re.compile(r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>|<link[^>]*\bhref=[\"']https?://[^>]*>",
                       re.IGNORECASE)
OFFLINE_CSS = """body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1d1d1b; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } td, th { border: 1px solid #ccc; padding: .25rem .5rem; }
th { background: #f0f0f0; text-align: left; } .hide, .d-none, .modal { display: none; }
img { max-height: 3rem; } nav, .navbar { margin-bottom: 1rem; } a { color: #0b5394; }
"""


def frontend_installed(root: Path = FRONTEND) -> bool:
    """Whether every front-end file the pages use is installed (`make install` runs npm in vendor/data-docs)."""
    return all((root / path).is_file() for path in CDN_FILES.values()) and all(
        (root / folder).is_dir() for folder in FRONTEND_FOLDERS)


def _vendor(docs: Path, root: Path) -> None:
    """Copy the front-end files into the site's static/vendor/ (a file already there with the same size stays)."""
    import shutil

    files = [root / path for path in CDN_FILES.values()]
    files += [f for folder in FRONTEND_FOLDERS for f in (root / folder).rglob("*") if f.is_file()]
    for source in files:
        target = docs / VENDOR / source.relative_to(root)
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def _local_tag(tag: str, vendor: str) -> str:
    """A <script> or <link> tag with its CDN address replaced by the vendored copy (relative to the page, `vendor`)
    and without the CDN's integrity hash; a tag with an address not in CDN_FILES is dropped."""
    found = _ADDRESS.search(tag)
    if not found:
        return tag
    if found.group(3) not in CDN_FILES:
        return ""
    local = f"{vendor}/{CDN_FILES[found.group(3)]}"
    return _INTEGRITY.sub("", tag[:found.start(3)] + local + tag[found.end(3):])


def _local_assets(docs: Path, root: Path = FRONTEND) -> None:
    """Make the site open offline and tell no one about this project: GX's logo comes from S3 with the data
    context id in its URL (point it at the copy in static/images); CDN scripts and styles point at the vendored
    copies (or, where those are not installed, are dropped in favour of a local stylesheet)."""
    images, styles = docs / "static" / "images", docs / "static" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    (styles / "llo-offline.css").write_text(OFFLINE_CSS, encoding="utf-8")
    vendored = frontend_installed(root)
    if vendored:
        _vendor(docs, root)
    for page in [*docs.rglob("*.html"), *docs.glob("static/styles/*.css")]:
        if VENDOR in page.relative_to(docs).as_posix():
            continue
        text = page.read_text(encoding="utf-8")
        relative = os.path.relpath(images, page.parent).replace(os.sep, "/")
        local = _TRACKER.sub(lambda m, to=relative: f"{to}/{_local_image(images, m.group(1))}", text)
        if page.suffix == ".html" and vendored:
            vendor = os.path.relpath(docs / VENDOR, page.parent).replace(os.sep, "/")
            local = _CDN_TAG.sub(lambda m, to=vendor: _local_tag(m.group(0), to), local)
        elif page.suffix == ".html" and _EXTERNAL.search(local):
            sheet = os.path.relpath(styles / "llo-offline.css", page.parent).replace(os.sep, "/")
            local = _EXTERNAL.sub("", local).replace("</head>", f'<link rel="stylesheet" href="{sheet}"></head>', 1)
        if local != text:
            page.write_text(local, encoding="utf-8")


def _local_image(images: Path, name: str) -> str:
    return name if (images / name).exists() else "logo-long.png"


def validate(views_by_suite: dict[str, pd.DataFrame], folder: Path | None = None, *,
             update_docs: bool = True) -> dict[str, Outcome]:
    """Validate each suite's view and store the results; `update_docs` adds their pages (and the index) to
    Data Docs at once, else they appear at the next build_data_docs. Concurrent runs take turns."""
    with taking_turns(docs_folder(folder).parent):
        return _validate(views_by_suite, folder, update_docs)


def _validate(views_by_suite: dict[str, pd.DataFrame], folder: Path | None, update_docs: bool) -> dict[str, Outcome]:
    context = _context(folder)
    docs = docs_folder(folder)
    outcomes, identifiers = {}, []
    for name, view in views_by_suite.items():
        suite = BY_NAME[name]
        run = _checkpoint(context, suite).run(batch_parameters={"dataframe": view})
        identifier, result = next(iter(run.run_results.items()))
        identifiers.append(identifier)
        outcomes[name] = _outcome(suite, result, _page(context, identifier), docs / "index.html")
    if identifiers and update_docs:
        context.build_data_docs(site_names=[SITE], resource_identifiers=identifiers)
        _local_assets(docs)
    return outcomes


def validate_warehouse(engine: sa.Engine, folder: Path | None = None,
                       suites: list[str] | None = None) -> dict[str, Outcome]:
    """Read the stored tables, build the views and validate them (all suites unless named)."""
    every = views(read_tables(engine))
    return validate({name: every[name] for name in (suites or list(BY_NAME))}, folder)


@dataclass(frozen=True)
class Site:
    index: Path  # the Data Docs entry page
    latest: pd.DataFrame  # latest_outcomes()
    results: int  # validation results in the store


def build_data_docs(folder: Path | None = None) -> Site:
    """(Re)build the whole Data Docs site from the suites and stored results, and the summary the reports show.
    Concurrent runs take turns."""
    with taking_turns(docs_folder(folder).parent):
        return _build_data_docs(folder)


def _build_data_docs(folder: Path | None) -> Site:
    context = _context(folder)
    ensure_suites(folder, context)
    context.build_data_docs(site_names=[SITE])
    docs = docs_folder(folder)
    _local_assets(docs)
    latest = latest_outcomes(folder, context)
    _add_overview(docs / "index.html", latest)
    summary, partial = summary_file(folder), summary_file(folder).with_name(".uitkomsten.json.part")
    partial.write_text(json.dumps({"index": str(docs / "index.html"), "suites": latest.to_dict(orient="records")},
                                  ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(summary)  # a report rendered meanwhile reads the old summary or the new one, whole
    return Site(docs / "index.html", latest, len(context.validation_results_store.list_keys()))


def summary_file(folder: Path | None = None) -> Path:
    """The latest outcome per suite as JSON beside the site, written with every build: what the reports show."""
    return docs_folder(folder).parent / "uitkomsten.json"


def index_of(summary: Path) -> Path:
    """The Data Docs index beside a summary file."""
    return summary.parent / DOCS_DIR / "index.html"


def _add_overview(index: Path, latest: pd.DataFrame) -> None:
    """GX's index fills its tables with JavaScript from a CDN; a plain table of the latest result per suite at
    the top keeps the index useful offline and puts the answer researchers look for first."""
    from html import escape

    def link(path: str) -> str:
        return os.path.relpath(path, index.parent).replace(os.sep, "/")

    rows = "".join(
        f"<tr><td><a href=\"{escape(link(r.data_docs))}\">{escape(r.suite)}</a></td><td>{escape(r.description)}</td>"
        f"<td>{'voldaan' if r.success else 'NIET voldaan'}</td><td>{r.evaluated}</td><td>{r.failed}</td>"
        f"<td>{escape(r.checked_at)}</td></tr>" for r in latest.itertuples())
    section = (f'<section id="llo-overzicht" style="margin:1rem"><h2>Laatste uitkomst per suite</h2><table>'
               "<tr><th>suite</th><th>wat</th><th>uitkomst</th><th>verwachtingen</th><th>niet voldaan</th>"
               f"<th>gecontroleerd</th></tr>{rows}</table></section>")
    text = index.read_text(encoding="utf-8")
    text = re.sub(r'<section id="llo-overzicht".*?</section>', "", text, flags=re.S)
    index.write_text(re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + section, text, count=1), encoding="utf-8")


def latest_outcomes(folder: Path | None = None, context=None) -> pd.DataFrame:
    """The latest stored result per suite: suite, description (in Dutch: omschrijving), success, evaluated, failed,
    checked_at and data_docs (the result's page, or the index when the page is not built). Empty without results."""
    import pandas as pd

    columns = ["suite", "description", "omschrijving", "success", "evaluated", "failed", "checked_at", "data_docs"]
    context = context or _context(folder)
    store = context.validation_results_store
    latest = {}
    for key in store.list_keys():
        name = key.expectation_suite_identifier.name
        if name in BY_NAME and (name not in latest or key.run_id.run_time > latest[name].run_id.run_time):
            latest[name] = key
    rows = []
    index = docs_folder(folder) / "index.html"
    for name in [s.name for s in SUITES if s.name in latest]:
        key = latest[name]
        result = store.get(key)
        page = _page(context, key)
        rows.append({"suite": name, "description": BY_NAME[name].description,
                     "omschrijving": BY_NAME[name].omschrijving, "success": bool(result.success),
                     "evaluated": int(result.statistics["evaluated_expectations"]),
                     "failed": int(result.statistics["unsuccessful_expectations"]),
                     "checked_at": key.run_id.run_time.isoformat(timespec="seconds"),
                     "data_docs": str(page if page is not None and page.exists() else index)})
    return pd.DataFrame(rows, columns=columns)
