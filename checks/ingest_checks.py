"""Data-quality checks of a region's ingest, shown per region partition in the Dagster UI. A run of several regions
(a full run) reports one result per check over its regions (`over_regions`): Dagster records check results per run.

- contract_conformance (blocking): the rows stored for the region, read back from the warehouse, satisfy
  the Pandera contract, so nothing downstream runs on data that breaks it.
- quarantine_rate: warns when any row was quarantined, errors above the configured share.
- rejected_files: errors when a delivered file was refused whole.
- corrections_applied: warns when the run's new files corrected earlier rows (how many, which fields most).
- withdrawals_applied: warns when the run's new files withdrew participants; errors when a withdrawn participant
  still has a stored row.
- interview_rounds: warns when a region's coded group interviews are overdue (`interview_rounds` says when).
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

CONTRACT_CONFORMANCE = "contract_conformance"
QUARANTINE_RATE = "quarantine_rate"
REJECTED_FILES = "rejected_files"
CORRECTIONS_APPLIED = "corrections_applied"
WITHDRAWALS_APPLIED = "withdrawals_applied"
INTERVIEW_ROUNDS = "interview_rounds"
NAMES = (CONTRACT_CONFORMANCE, QUARANTINE_RATE, REJECTED_FILES, CORRECTIONS_APPLIED, WITHDRAWALS_APPLIED,
         INTERVIEW_ROUNDS)
# When a region's group interviews are due, in months after its first measurement: round 1 once the route runs (half
# a year in), round 2 after the midpoint of the programme's runtime of about five years.
INTERVIEW_ROUND_DUE_MONTHS = {1: 6, 2: 30}

CHECK_SPECS = [
    dg.AssetCheckSpec(CONTRACT_CONFORMANCE, asset="measurements", blocking=True,
                      description="Stored measurements and catalogue of the region satisfy the data contract."),
    dg.AssetCheckSpec(QUARANTINE_RATE, asset="measurements",
                      description="Share of delivered rows sent to quarantine: warn above 0, error above the "
                                  "configured share."),
    dg.AssetCheckSpec(REJECTED_FILES, asset="ingest_log",
                      description="Delivered files refused whole (unreadable, wrong region, identifiers, ...)."),
    dg.AssetCheckSpec(CORRECTIONS_APPLIED, asset="measurement_versions",
                      description="Rows the run's new files corrected: a warning, so researchers know earlier "
                                  "figures change, with the fields that changed most."),
    dg.AssetCheckSpec(WITHDRAWALS_APPLIED, asset="withdrawals",
                      description="Participants the run's new files withdrew (a warning), and that no withdrawn "
                                  "participant has a stored row (an error)."),
    dg.AssetCheckSpec(INTERVIEW_ROUNDS, asset="interview_codings",
                      description="Coded group interviews are present when due: round 1 six months after the region's "
                                  "first measurement, round 2 thirty months after it (the programme's midpoint); "
                                  "warns when one is missing."),
]


def contract_conformance(engine, region: str, today: dt.date) -> dg.AssetCheckResult:
    from assets.metadata import markdown_table
    from checks.contract import catalogue_schema, interview_schema, measurement_schema
    from llo.intake.validate import failure_records
    from llo.warehouse import INTERVIEW_CODINGS, MEASUREMENTS, TRAJECTORY_CATALOGUE, read_typed

    catalogue = read_typed(engine, TRAJECTORY_CATALOGUE, region)
    measurements = read_typed(engine, MEASUREMENTS, region)
    interviews = read_typed(engine, INTERVIEW_CODINGS, region)
    codes = set(catalogue["trajectcode"])
    failures = [failure_records(catalogue, catalogue_schema()),
                failure_records(measurements, measurement_schema(codes, today)),
                failure_records(interviews, interview_schema(today))]
    count = sum(len(f) for f in failures)
    shown = next((f for f in reversed(failures) if len(f)), failures[0])
    return dg.AssetCheckResult(
        check_name=CONTRACT_CONFORMANCE, asset_key="measurements", passed=count == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"failures": count, "measurement_rows": len(measurements), "catalogue_rows": len(catalogue),
                  "interview_rows": len(interviews),
                  "failure_cases": dg.MetadataValue.md(markdown_table(shown.drop(columns=["row_id", "value"])))})


def quarantine_rate(result, error_share: float) -> dg.AssetCheckResult:
    from assets.metadata import markdown_table
    from checks.outputs import DUPLICATE, IGNORED, REJECTED

    used = result.ingest_log[~result.ingest_log["status"].isin([REJECTED, DUPLICATE, IGNORED])]  # see rejected_files
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
    from checks.outputs import REJECTED

    rejected = result.ingest_log.loc[result.ingest_log["status"] == REJECTED, ["file", "sheet", "reason"]]
    return dg.AssetCheckResult(
        check_name=REJECTED_FILES, asset_key="ingest_log", passed=rejected.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{len(rejected)} file(s) refused whole" if len(rejected) else "every file could be read",
        metadata={"rejected_files": len(rejected), "files": dg.MetadataValue.md(markdown_table(rejected))})


def corrections_applied(result, new_files: set[str]) -> dg.AssetCheckResult:
    """`new_files`: the files first received in this run."""
    from assets.metadata import markdown_table

    versions = result.measurement_versions
    fresh = versions[versions["superseded_by_file"].isin(new_files)]
    fields = (fresh["changed_fields"].str.split(", ").explode().value_counts().rename_axis("field")
              .rename("corrections").reset_index())
    by_file = fresh.groupby("superseded_by_file").size().rename("corrections").reset_index()
    return dg.AssetCheckResult(
        check_name=CORRECTIONS_APPLIED, asset_key="measurement_versions", passed=fresh.empty,
        severity=dg.AssetCheckSeverity.WARN,
        description=(f"{len(fresh)} earlier row(s) corrected by this delivery ({len(versions)} in all): figures "
                     "of earlier months change" if len(fresh) else
                     f"no corrections in this delivery ({len(versions)} earlier in all)"),
        metadata={"corrections": len(fresh), "corrections_in_all": len(versions),
                  "fields": dg.MetadataValue.md(markdown_table(fields)),
                  "by_file": dg.MetadataValue.md(markdown_table(by_file))})


def withdrawals_applied(engine, result, new_files: set[str], key: bytes) -> dg.AssetCheckResult:
    """Reads the region's stored rows back: none may belong to a participant in the register."""
    from assets.metadata import markdown_table
    from llo.intake.privacy import tombstone
    from llo.warehouse import MEASUREMENT_VERSIONS, MEASUREMENTS, read_table

    register = result.withdrawals
    fresh = register[register["file"].isin(new_files)]
    left = 0
    if len(register):  # without withdrawals nothing to look for
        stored = set()
        for table in (MEASUREMENTS, MEASUREMENT_VERSIONS):
            stored |= set(read_table(engine, table, result.region, columns=["deelnemer_id"])["deelnemer_id"])
        left = len({tombstone(key, p) for p in stored} & set(register["tombstone"]))
    refused = int((result.quarantine["rule"] == "deelnemer_ingetrokken").sum())
    metadata = {"withdrawn_participants": len(register), "withdrawn_in_this_delivery": len(fresh),
                "rows_withdrawn": int(register["rows_withdrawn"].sum()), "later_deliveries_refused": refused,
                "withdrawn_participants_still_stored": left,
                "register": dg.MetadataValue.md(markdown_table(  # dates and reasons; the keyed hash says nothing
                    register[["datum_intrekking", "reden", "file", "received_at", "rows_withdrawn"]]))}
    if left:
        return dg.AssetCheckResult(
            check_name=WITHDRAWALS_APPLIED, asset_key="withdrawals", passed=False,
            severity=dg.AssetCheckSeverity.ERROR, metadata=metadata,
            description=f"{left} withdrawn participant(s) still have stored rows")
    return dg.AssetCheckResult(
        check_name=WITHDRAWALS_APPLIED, asset_key="withdrawals", passed=fresh.empty,
        severity=dg.AssetCheckSeverity.WARN, metadata=metadata,
        description=(f"{len(fresh)} participant(s) withdrawn by this delivery, {int(fresh['rows_withdrawn'].sum())} "
                     "row(s) removed: figures of earlier months change" if len(fresh) else
                     f"no withdrawals in this delivery ({len(register)} in all)"))


def interview_rounds(codings, measurements) -> dg.AssetCheckResult:
    """The region's coded interview rounds against when they are due. The clock is the region's own data: its first
    measurement starts it and its latest measurement is 'now', so the outcome depends only on what the region
    delivered (and a re-run or a backfill gives the same answer). A region without measurements has nothing due."""
    import pandas as pd

    from assets.metadata import markdown_table

    dates = pd.to_datetime(measurements["meetdatum"]).dropna() if len(measurements) else pd.Series(dtype="M8[ns]")
    rounds = (codings.groupby("ronde").agg(datum_gesprek=("datum_gesprek", "first"), bevindingen=("bevinding", "size"))
              .reset_index() if len(codings) else pd.DataFrame(columns=["ronde", "datum_gesprek", "bevindingen"]))
    present = sorted(int(r) for r in rounds["ronde"])
    if dates.empty:
        running, due = 0.0, []
    else:
        first, latest = dates.min(), dates.max()
        running = (latest.year - first.year) * 12 + latest.month - first.month + (latest.day - first.day) / 30
        due = [r for r, months in INTERVIEW_ROUND_DUE_MONTHS.items() if running >= months]
    missing = [r for r in due if r not in present]
    metadata = {"rounds_present": dg.MetadataValue.json(present), "rounds_due": dg.MetadataValue.json(due),
                "months_running": round(running, 1), "findings": len(codings),
                "findings_per_round": dg.MetadataValue.json({str(int(r)): int(n) for r, n in
                                                             zip(rounds["ronde"], rounds["bevindingen"], strict=True)}),
                "rounds": dg.MetadataValue.md(markdown_table(rounds.assign(
                    datum_gesprek=pd.to_datetime(rounds["datum_gesprek"]).dt.date)))}
    return dg.AssetCheckResult(
        check_name=INTERVIEW_ROUNDS, asset_key="interview_codings", passed=not missing,
        severity=dg.AssetCheckSeverity.WARN, metadata=metadata,
        description=(f"round(s) {', '.join(map(str, missing))} not coded after {running:.0f} months of data "
                     "(due: round 1 after 6, round 2 after 30)" if missing else
                     f"rounds coded: {', '.join(map(str, present)) or 'none'}; due after {running:.0f} months of "
                     f"data: {', '.join(map(str, due)) or 'none'}"))


def outcome(result: dg.AssetCheckResult) -> str:
    """'ok', or the severity of a failed check ('WARN', 'ERROR'), as the CLI prints it."""
    return "ok" if result.passed else result.severity.value


def regions_metadata(regions: list[str]) -> dict[str, str]:
    """Which regions a materialisation or check result covers."""
    return {"region": regions[0]} if len(regions) == 1 else {"regions": ", ".join(regions)}


def over_regions(results: dict[str, dg.AssetCheckResult]) -> dg.AssetCheckResult:
    """One check result for the regions of a run. A run of one region (a delivery) keeps that region's result; a run
    of several passes when every region passes, has the worst severity of those that did not, adds up the counts
    and shows each failing region's details. `by_region` holds every region's outcome."""
    import pandas as pd

    from assets.metadata import markdown_table

    first = next(iter(results.values()))
    by_region = {"by_region": dg.MetadataValue.json({region: outcome(r) for region, r in results.items()})}
    if len(results) == 1:
        return dg.AssetCheckResult(check_name=first.check_name, asset_key=first.asset_key, passed=first.passed,
                                   severity=first.severity, description=first.description,
                                   metadata={**first.metadata, **by_region})
    failed = {region: r for region, r in results.items() if not r.passed}
    worst = dg.AssetCheckSeverity.ERROR if any(r.severity == dg.AssetCheckSeverity.ERROR for r in failed.values()) \
        else dg.AssetCheckSeverity.WARN
    counts = {key: sum(r.metadata[key].value for r in results.values()) for key, value in first.metadata.items()
              if isinstance(value, dg.IntMetadataValue)}
    outcomes = pd.DataFrame({"region": list(results), "outcome": [outcome(r) for r in results.values()],
                             "description": [r.description or "" for r in results.values()]})
    details = "\n\n".join(f"**{region}: {key}**\n\n{value.value}" for region, r in failed.items()
                           for key, value in r.metadata.items() if isinstance(value, dg.MarkdownMetadataValue))
    return dg.AssetCheckResult(
        check_name=first.check_name, asset_key=first.asset_key, passed=not failed, severity=worst,
        description=(f"{len(failed)} of {len(results)} regions did not pass: {', '.join(failed)}" if failed
                     else f"all {len(results)} regions passed"),
        metadata={**counts, "outcomes": dg.MetadataValue.md(markdown_table(outcomes, len(outcomes))),
                  **({"failed_regions": dg.MetadataValue.md(details)} if details else {}), **by_region})
