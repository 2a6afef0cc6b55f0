"""Report assets: the national report per month and a regional report per region and month, rendered from the
Quarto documents in reports/ (llo.reports) and published only after the disclosure check has passed."""

import dagster as dg

from checks.report_checks import DISCLOSURE, OFFLINE
from pipelines.partitions import month_partitions, region_month_partitions
from pipelines.resources import Monitor, Reports, Warehouse

GROUP, OWNERS, KINDS = "reports", ["team:research"], {"quarto", "html"}
MONTH_TABLES = ["kpi_region_month", "change_scores_month", "scba_overview", "scba_distribution", "scba_sensitivity",
                "scba_monte_carlo", "scba_parameters"]
REGION_TABLES = ["trajectories", "ingest_log", "quarantine"]


def _check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(DISCLOSURE, asset=asset,
                              description="No published count, share, mean or chart point rests on fewer participants "
                                          "than the threshold, and every table and figure in the HTML is in the "
                                          "report's ledger with the same cells. A failing report is withheld."),
            dg.AssetCheckSpec(OFFLINE, asset=asset,
                              description="The HTML loads no script, style, image or font from the network.")]


@dg.asset(group_name=GROUP, kinds=KINDS, owners=OWNERS, partitions_def=month_partitions,
          backfill_policy=dg.BackfillPolicy.single_run(), check_specs=_check_specs("national_report"),
          deps=["kpi_national_month", *MONTH_TABLES, "region_context",
                *(dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping()) for name in REGION_TABLES)],
          description="The national report of the month (reports/nationaal.qmd): reach and KPIs against the targets, "
                      "the regions side by side, change scores, routes into work, the SCBA, data quality, context, "
                      "methods and provenance. Written to LLO_HOME/reports/YYYY-MM/nationaal.html.")
def national_report(context: dg.AssetExecutionContext, warehouse: Warehouse, monitor: Monitor, reports: Reports):
    keys = [(key, None) for key in context.partition_keys]
    yield from _render(context, keys, "national_report", warehouse, monitor, reports)


_BY_MONTH = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="month")
_BY_REGION = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="region")


@dg.asset(group_name=GROUP, kinds=KINDS, owners=OWNERS, partitions_def=region_month_partitions,
          backfill_policy=dg.BackfillPolicy.single_run(), check_specs=_check_specs("regional_report"),
          deps=[*(dg.AssetDep(name, partition_mapping=_BY_MONTH) for name in MONTH_TABLES), "region_context",
                *(dg.AssetDep(name, partition_mapping=_BY_REGION) for name in REGION_TABLES)],
          description="A region's report of the month (reports/regionaal.qmd), with the same sections as the national "
                      "report for that region. Written to LLO_HOME/reports/YYYY-MM/regio-<region>.html.")
def regional_report(context: dg.AssetExecutionContext, warehouse: Warehouse, monitor: Monitor, reports: Reports):
    keys = [(key.keys_by_dimension["month"], key.keys_by_dimension["region"]) for key in
            map(region_month_partitions.get_partition_key_from_str, context.partition_keys)]
    yield from _render(context, keys, "regional_report", warehouse, monitor, reports)


def _render(context, keys: list[tuple[str, str | None]], asset: str, warehouse, monitor, reports):
    """Render every report of the run in one kernel, check each, publish those that pass."""
    import json

    import pandas as pd

    from assets.metadata import markdown_table
    from checks.report_checks import disclosure_problems, external_references, result
    from llo.report_data import has_figures
    from llo.reports import code_version, ledger_file, report_file

    version, url = code_version(), warehouse.url_or_default()
    disclosure, offline, rows, skipped = [], [], [], []
    with reports.renderer() as renderer:
        for number, (month, region) in enumerate(keys, start=1):
            if not has_figures(url, month, region):
                skipped.append(f"{region or 'nationaal'} {month[:7]}")  # the same naming as `name` below
                context.log.warning(f"[{number}/{len(keys)}] {skipped[-1]}: no KPI rows in the warehouse (run the "
                                    "monthly job for this month first; a region needs accepted measurements)")
                continue
            target = report_file(month, region, reports.folder_path())
            draft = target.with_name(f".concept-{target.name}")
            done = renderer.render(month, region, url, draft, scenario=reports.scenario,
                                   min_participants=monitor.min_participants, run_id=context.run.run_id,
                                   version=version)
            html = draft.read_text(encoding="utf-8")
            ledger = json.loads(done.ledger.read_text(encoding="utf-8")) if done.ledger.exists() else None
            problems = disclosure_problems(html, ledger) if ledger else ["the report wrote no ledger"]
            external = external_references(html)
            name = f"{region or 'nationaal'} {month[:7]}"
            disclosure += [f"{name}: {p}" for p in problems]
            offline += [f"{name}: loads {ref}" for ref in external]
            # published only when it complies; otherwise withheld (an earlier published version stays)
            path = reports.folder_path() / "_tegengehouden" / month[:7] / target.name if problems else target
            path.parent.mkdir(parents=True, exist_ok=True)
            draft.replace(path)
            if done.ledger.exists():
                done.ledger.replace(ledger_file(path))
            if problems:
                context.log.error(f"{name}: withheld ({len(problems)} disclosure problem(s)); see {path}")
            rows.append({"report": name, "path": str(path), "bytes": path.stat().st_size,
                         "seconds": round(done.seconds, 1), "published": not problems})
            context.log.info(f"[{number}/{len(keys)}] {name}: {done.seconds:.1f} s, {path}")
    if not rows:
        raise dg.Failure(f"no report to render: no KPI rows for {', '.join(skipped)}; run the monthly job first")
    first = rows[0]
    metadata = {"engine": renderer.engine, "reports": len(rows), "published": sum(r["published"] for r in rows),
                "skipped": dg.MetadataValue.md(", ".join(skipped) or "none"),
                "path": dg.MetadataValue.path(first["path"]), "url": dg.MetadataValue.url(reports.link(first["path"])),
                "size_bytes": sum(r["bytes"] for r in rows),
                "render_seconds": round(sum(r["seconds"] for r in rows), 1), "code_version": version}
    if len(rows) > 1:
        metadata["rendered"] = dg.MetadataValue.md(markdown_table(pd.DataFrame(rows), limit=50))
    yield dg.MaterializeResult(asset_key=asset, metadata=metadata)
    yield result(DISCLOSURE, disclosure, f"{len(rows)} report(s) comply; every table and figure is in its ledger",
                 asset_key=asset)
    yield result(OFFLINE, offline, f"{len(rows)} report(s) load nothing from the network", asset_key=asset)
