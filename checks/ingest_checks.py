"""Data-quality checks of a region's ingest, shown per region partition in the Dagster UI.

- contract_conformance (blocking): the rows stored for the region, read back from the warehouse, satisfy
  the Pandera contract, so nothing downstream runs on data that breaks it.
- quarantine_rate: warns when any row was quarantined, errors above the configured share.
- rejected_files: errors when a delivered file was refused whole.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

CONTRACT_CONFORMANCE = "contract_conformance"
QUARANTINE_RATE = "quarantine_rate"
REJECTED_FILES = "rejected_files"

CHECK_SPECS = [
    dg.AssetCheckSpec(CONTRACT_CONFORMANCE, asset="measurements", blocking=True,
                      description="Stored measurements and catalogue of the region satisfy the data contract."),
    dg.AssetCheckSpec(QUARANTINE_RATE, asset="measurements",
                      description="Share of delivered rows sent to quarantine: warn above 0, error above the "
                                  "configured share."),
    dg.AssetCheckSpec(REJECTED_FILES, asset="ingest_log",
                      description="Delivered files refused whole (unreadable, wrong region, identifiers, ...)."),
]


def contract_conformance(engine, region: str, today: dt.date) -> dg.AssetCheckResult:
    from assets.metadata import markdown_table
    from checks.contract import catalogue_schema, measurement_schema
    from llo.validate import failure_records
    from llo.warehouse import MEASUREMENTS, TRAJECTORY_CATALOGUE, read_typed

    catalogue = read_typed(engine, TRAJECTORY_CATALOGUE, region)
    measurements = read_typed(engine, MEASUREMENTS, region)
    codes = set(catalogue["trajectcode"])
    failures = [failure_records(catalogue, catalogue_schema()),
                failure_records(measurements, measurement_schema(codes, today))]
    count = sum(len(f) for f in failures)
    shown = failures[1] if len(failures[1]) else failures[0]
    return dg.AssetCheckResult(
        check_name=CONTRACT_CONFORMANCE, asset_key="measurements", passed=count == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"failures": count, "measurement_rows": len(measurements), "catalogue_rows": len(catalogue),
                  "failure_cases": dg.MetadataValue.md(markdown_table(shown.drop(columns=["row_id", "value"])))})


def quarantine_rate(result, error_share: float) -> dg.AssetCheckResult:
    from assets.metadata import markdown_table
    from llo.ingest import DUPLICATE, REJECTED

    used = result.ingest_log[~result.ingest_log["status"].isin([REJECTED, DUPLICATE])]  # see rejected_files
    read, quarantined = int(used["rows_read"].sum()), int(used["rows_quarantined"].sum())
    share = quarantined / read if read else 0.0
    by_rule = (result.quarantine.groupby(["rule", "column_name"], dropna=False).size()
               .rename("rows").reset_index().sort_values("rows", ascending=False))
    by_file = used.loc[used["rows_quarantined"] > 0, ["file", "sheet", "rows_read", "rows_quarantined"]]
    return dg.AssetCheckResult(
        check_name=QUARANTINE_RATE, asset_key="measurements", passed=quarantined == 0,
        severity=dg.AssetCheckSeverity.ERROR if share > error_share else dg.AssetCheckSeverity.WARN,
        description=f"{quarantined} of {read} rows quarantined ({share:.1%}); error above {error_share:.0%}",
        metadata={"rows_read": read, "rows_quarantined": quarantined, "quarantine_share": round(share, 4),
                  "error_share": error_share,
                  "by_rule": dg.MetadataValue.md(markdown_table(by_rule)),
                  "by_file": dg.MetadataValue.md(markdown_table(by_file)),
                  # where to look, not what was there: a delivered value may be personal (a name typed in a
                  # category column); it stays in the warehouse's quarantine table, out of Dagster's metadata
                  "examples": dg.MetadataValue.md(markdown_table(
                      result.quarantine[["file", "row_number", "column_name", "rule", "message"]], 10))})


def rejected_files(result) -> dg.AssetCheckResult:
    from assets.metadata import markdown_table
    from llo.ingest import REJECTED

    rejected = result.ingest_log.loc[result.ingest_log["status"] == REJECTED, ["file", "sheet", "reason"]]
    return dg.AssetCheckResult(
        check_name=REJECTED_FILES, asset_key="ingest_log", passed=rejected.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{len(rejected)} file(s) refused whole" if len(rejected) else "every file could be read",
        metadata={"rejected_files": len(rejected), "files": dg.MetadataValue.md(markdown_table(rejected))})
