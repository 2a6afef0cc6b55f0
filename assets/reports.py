"""Report assets: per month the national report and every region's report, rendered from the Quarto documents in
reports/ (llo.reporting.render), several at a time, and published only after the disclosure check has passed."""

import dagster as dg

from checks.report_checks import DISCLOSURE, OFFLINE
from pipelines.partitions import month_partitions
from pipelines.resources import Monitor, Reports, Warehouse

GROUP, OWNERS, KINDS = "reports", ["team:research"], {"quarto", "html", "docx", "pdf"}
REVISION = "revision"  # the llo/trigger of a revision run (pipelines/sensors.py)
MONTH_TABLES = ["kpi_region_month", "kpi_national_month", "change_scores_month", "kpi_breakdown_month", "scba_overview",
                "scba_distribution", "scba_sensitivity", "scba_monte_carlo", "scba_parameters"]
REGION_TABLES = ["trajectories", "ingest_log", "quarantine"]
DEPS = [*MONTH_TABLES, "region_context", "data_docs",
        *(dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping()) for name in REGION_TABLES)]
# The list of rendered files each materialisation carries (its rows are the asset's row count).
RENDERED = dg.TableSchema(columns=[
    dg.TableColumn("report", "string", description="nationaal or the region slug, and the month"),
    dg.TableColumn("path", "string", description="where the HTML file was written"),
    dg.TableColumn("docx", "string", description="the same report as DOCX, beside the HTML"),
    dg.TableColumn("pdf", "string", description="the same report as PDF, beside the HTML"),
    dg.TableColumn("bytes", "integer", description="size of the self-contained HTML file"),
    dg.TableColumn("seconds", "float", description="render time"),
    dg.TableColumn("published", "boolean", description="false: withheld by the disclosure check")])


def _check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(DISCLOSURE, asset=asset,
                              description="No published count, share, mean or chart point rests on fewer participants "
                                          "than the threshold, every table and figure in the HTML is in the "
                                          "report's ledger with the same cells, and the DOCX has exactly the HTML's "
                                          "tables and pictures. A failing report is withheld, in every format."),
            dg.AssetCheckSpec(OFFLINE, asset=asset,
                              description="The HTML loads no script, style, image or font from the network.")]


NATIONAL, REGIONAL = "national_report", "regional_reports"
SPECS = [
    dg.AssetSpec(NATIONAL, group_name=GROUP, kinds=KINDS, owners=OWNERS, deps=DEPS, skippable=True,
                 description="The national report of the month (reports/nationaal.qmd): reach and KPIs against the "
                             "targets, the regions side by side, change scores, routes into work, the SCBA, data "
                             "quality, context, methods and provenance. Written to "
                             "LLO_HOME/reports/YYYY-MM/nationaal.html, with nationaal.docx and nationaal.pdf beside "
                             "it."),
    dg.AssetSpec(REGIONAL, group_name=GROUP, kinds=KINDS, owners=OWNERS, deps=DEPS, skippable=True,
                 description="Every region's report of the month (reports/regionaal.qmd), with the same sections as "
                             "the national report for that region; one per region with KPI rows in the month. Written "
                             "to LLO_HOME/reports/YYYY-MM/regio-<region>.html, with .docx and .pdf beside it."),
]


@dg.multi_asset(name="reports_month", specs=SPECS, check_specs=_check_specs(NATIONAL) + _check_specs(REGIONAL),
                partitions_def=month_partitions, backfill_policy=dg.BackfillPolicy.single_run(), can_subset=True)
def reports_month(context: dg.AssetExecutionContext, warehouse: Warehouse, monitor: Monitor, reports: Reports):
    """The selected reports of the months in this run, rendered `reports.workers` at a time (one pool of workers
    for both assets, its results consumed in order)."""
    from contextlib import closing

    from llo.locks import taking_turns
    from llo.reporting.data import has_figures, regions_with_figures
    from llo.reporting.render import code_version, report_file

    selected = {key.to_user_string() for key in context.selected_asset_keys}
    url = warehouse.url_or_default()
    # A revision (pipelines/sensors.py) renders again only what was published before: earlier months' reports that
    # nobody published are not made now.
    revision = context.run.tags.get("llo/trigger") == REVISION
    plans = []  # per asset: the reports to render and the names of those without figures
    for asset in (NATIONAL, REGIONAL):
        if asset not in selected:
            continue
        keys = [(m, r) for m in context.partition_keys for r in ([None] if asset == NATIONAL else
                                                                 regions_with_figures(url, m))]
        if revision:
            keys = [(m, r) for m, r in keys if report_file(m, r, reports.folder_path()).exists()]
            context.log.info(f"{asset}: {len(keys)} published report(s) in these months to render again")
            if not keys:
                continue
        todo, skipped = [], []
        for number, (month, region) in enumerate(keys, start=1):
            if has_figures(url, month, region):
                todo.append((month, region))
                continue
            skipped.append(f"{region or 'nationaal'} {month[:7]}")  # the same naming as `_publish`
            context.log.warning(f"[{number}/{len(keys)}] {skipped[-1]}: no KPI rows in the warehouse (run the "
                                "monthly job for this month first; a region needs accepted measurements)")
        plans.append((asset, todo, skipped))
    version = code_version()
    jobs = [{"month": month, "region": region, "warehouse_url": url, "scenario": reports.scenario,
             "target": _draft(report_file(month, region, reports.folder_path())),
             "min_participants": monitor.min_participants, "version": version}
            for _, todo, _ in plans for month, region in todo]
    renderer = reports.renderer()
    # Concurrent runs take turns on the report folder: each renders into the same drafts and publishes over the same
    # reports and ledgers.
    with taking_turns(reports.folder_path()), closing(renderer.render_all(jobs)) as rendered:
        for asset, todo, skipped in plans:
            yield from _publish(context, asset, todo, skipped, rendered, renderer.engine, version, reports, url)


RESEARCH_GROUP = "research_reports"
DOCUMENT_SPECS = [
    dg.AssetSpec("tussenrapport", group_name=RESEARCH_GROUP, kinds=KINDS, owners=OWNERS, deps=DEPS, skippable=True,
                 description="The interim report for a chosen peildatum (reports/tussenrapport.qmd), materialised on "
                             "demand: the six research questions with the measurements, the group interviews, the "
                             "context and the SCBA brought together, nationally with a section per region, and the "
                             "method and data-quality appendix. Written to "
                             "LLO_HOME/reports/YYYY-MM/tussenrapport.html."),
    dg.AssetSpec("eindrapport", group_name=RESEARCH_GROUP, kinds=KINDS, owners=OWNERS, deps=DEPS, skippable=True,
                 description="The final report for a chosen peildatum (reports/eindrapport.qmd), materialised on "
                             "demand: the interim report's content with the lessons for scaling up (the evaluation's "
                             "main question) after the findings. Written to "
                             "LLO_HOME/reports/YYYY-MM/eindrapport.html."),
]


@dg.multi_asset(name="research_reports", specs=DOCUMENT_SPECS, partitions_def=month_partitions, can_subset=True,
                check_specs=[c for spec in DOCUMENT_SPECS for c in _check_specs(spec.key.to_user_string())])
def research_reports(context: dg.AssetExecutionContext, warehouse: Warehouse, monitor: Monitor, reports: Reports):
    """The selected documents for the run's month (pick the peildatum's month in the launchpad). Not part of the
    monthly job or schedule: a researcher asks for them when a report is due."""
    from contextlib import closing

    from llo.locks import taking_turns
    from llo.reporting.data import has_figures
    from llo.reporting.render import code_version, report_file

    month, url = context.partition_key, warehouse.url_or_default()
    if not has_figures(url, month):
        raise dg.Failure(f"no KPI rows for {month[:7]} in the warehouse: run the monthly job for this month first")
    documents = [key.to_user_string() for key in context.selected_asset_keys]
    version = code_version()
    jobs = [{"month": month, "region": None, "document": document, "warehouse_url": url,
             "scenario": reports.scenario, "min_participants": monitor.min_participants, "version": version,
             "target": _draft(report_file(month, None, reports.folder_path(), document))} for document in documents]
    renderer = reports.renderer()
    with taking_turns(reports.folder_path()), closing(renderer.render_all(jobs)) as rendered:
        for document in documents:
            yield from _publish(context, document, [(month, None)], [], rendered, renderer.engine, version, reports,
                                url, document)


def _draft(target):
    """Where a report is rendered before the disclosure check: a hidden file the report site does not serve."""
    return target.with_name(f".concept-{target.name}")


def _publish(context, asset: str, todo: list[tuple[str, str | None]], skipped: list[str], rendered, engine: str,
             version: str, reports, url: str, document: str | None = None):
    """Check each rendered report of one asset and publish those that pass; a monthly report's first publication
    keeps its headline KPIs (`published_figures`), which a later revision compares with."""
    import datetime as dt
    import json

    import pandas as pd

    from assets.metadata import markdown_table
    from checks.report_checks import disclosure_problems, docx_problems, external_references, result
    from llo.reporting.data import keep_first_publication
    from llo.reporting.qmd import beside
    from llo.reporting.render import ledger_file, provenance_file, report_file

    disclosure, offline, rows = [], [], []
    for number, (month, region) in enumerate(todo, start=1):
        target, done = report_file(month, region, reports.folder_path(), document), next(rendered)
        draft = done.path  # `_draft(target)`, as the job asked
        html = draft.read_text(encoding="utf-8")
        ledger = json.loads(done.ledger.read_text(encoding="utf-8")) if done.ledger.exists() else None
        problems = disclosure_problems(html, ledger) if ledger else ["the report wrote no ledger"]
        missing = [kind for kind, file in done.files.items() if not file.exists()]
        problems += [f"the report wrote no {kind.upper()}" for kind in missing]
        if done.docx is not None and "docx" not in missing:
            problems += [f"DOCX: {p}" for p in docx_problems(html, done.docx.read_bytes())]
        external = external_references(html)
        name = f"{document or region or 'nationaal'} {month[:7]}"
        disclosure += [f"{name}: {p}" for p in problems]
        offline += [f"{name}: loads {ref}" for ref in external]
        # published only when it complies; otherwise withheld (an earlier published version stays)
        path = reports.folder_path() / "_tegengehouden" / month[:7] / target.name if problems else target
        path.parent.mkdir(parents=True, exist_ok=True)
        draft.replace(path)
        files = {"docx": "", "pdf": ""}  # every format moves with the HTML: published or withheld together
        for kind, file in done.files.items():
            if kind != "html" and file.exists():
                file.replace(beside(path, kind))
                files[kind] = str(beside(path, kind))
        if done.ledger.exists():
            done.ledger.replace(ledger_file(path))
        if provenance_file(draft).exists():
            provenance_file(draft).replace(provenance_file(path))
        if problems:
            context.log.error(f"{name}: withheld ({len(problems)} disclosure problem(s)); see {path}")
        elif document is None:
            keep_first_publication(url, month, region, dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None))
        rows.append({"report": name, "path": str(path), **files, "bytes": path.stat().st_size,
                     "seconds": round(done.seconds, 1), "published": not problems})
        context.log.info(f"[{number}/{len(todo)}] {name}: {done.seconds:.1f} s, {path}")
    if not rows:
        raise dg.Failure(f"no report to render: no KPI rows for {', '.join(skipped) or 'any region'}; run the kpi "
                         "job for this month first")
    first = rows[0]
    metadata = {"engine": engine, "reports": len(rows), "published": sum(r["published"] for r in rows),
                "skipped": dg.MetadataValue.md(", ".join(skipped) or "none"),
                "path": dg.MetadataValue.path(first["path"]), "url": dg.MetadataValue.url(reports.link(first["path"])),
                **{kind: dg.MetadataValue.path(first[kind]) for kind in ("docx", "pdf") if first[kind]},
                "size_bytes": sum(r["bytes"] for r in rows),
                "render_seconds": round(sum(r["seconds"] for r in rows), 1), "code_version": version,
                "dagster/row_count": len(rows), "dagster/column_schema": RENDERED,
                "rendered": dg.MetadataValue.md(markdown_table(pd.DataFrame(
                    [{**r, "report": f"[{r['report']}]({reports.link(r['path'])})",
                      **{kind: f"[{kind.upper()}]({reports.link(r[kind])})" for kind in ("docx", "pdf") if r[kind]}}
                     for r in rows]), limit=60))}
    yield dg.MaterializeResult(asset_key=asset, metadata=metadata)
    yield result(DISCLOSURE, disclosure, f"{len(rows)} report(s) comply; every table and figure is in its ledger",
                 asset_key=asset)
    yield result(OFFLINE, offline, f"{len(rows)} report(s) load nothing from the network", asset_key=asset)
