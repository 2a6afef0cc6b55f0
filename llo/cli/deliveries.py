"""`llo withdraw` and `llo erase`: withdrawing a participant, and erasing withdrawn participants from the raw files."""

from __future__ import annotations

import datetime as dt

import click

from checks.contract import WITHDRAWAL_REASONS
from llo import settings


@click.command()
@click.argument("region")
@click.argument("participant")
@click.option("--reason", required=True, type=click.Choice(list(WITHDRAWAL_REASONS)),
              help="Why the participant is withdrawn.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day the withdrawal was asked for (default: today).")
def withdraw(region: str, participant: str, reason: str, day: dt.datetime | None) -> None:
    """Withdraw PARTICIPANT (the region's Deelnemer ID) of REGION: writes a withdrawal file into the region's landing
    folder, so the next ingest removes the participant from every table and refuses later deliveries of them."""
    from checks.contract import Withdrawal
    from llo.regions import region_slug

    slug = region_slug(region)
    if slug is None:
        raise click.ClickException(f"'{region}' is not a labour-market region (`llo regions --all` lists them)")
    folder = settings.landing_dir() / slug
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now()
    titles = [column.title for column in Withdrawal.to_schema().columns.values()]
    values = [participant.strip(), f"{(day or now):%Y-%m-%d}", reason]
    if any(separator in value for value in values for separator in ';"\n'):
        raise click.ClickException("the participant id may not hold ; or \" or a line break")
    path = folder / f"intrekking_{slug}_{now:%Y%m%d-%H%M%S-%f}.csv"
    path.write_text(";".join(titles) + "\n" + ";".join(values) + "\n", encoding="utf-8")
    click.echo(f"Withdrawal written to {path}: the next ingest of {slug} removes the participant "
               f"(`llo materialize --region {slug}`, or the delivery sensor). `llo erase` then removes them from the "
               "raw files.")


@click.command()
@click.option("--region", "chosen", multiple=True, help="Only these region slugs (default: every region with "
              "withdrawals in the warehouse).")
def erase(chosen: tuple[str, ...]) -> None:
    """Rewrite the raw files that hold a withdrawn participant without those rows (a request for erasure under the
    AVG), and record the sha256 before and after in the erasure log. Run after the withdrawal was ingested."""
    import pandas as pd

    from llo import warehouse as wh
    from llo.intake.erase import erase_region
    from llo.intake.parsed import forget_region

    engine = wh.engine_for(settings.warehouse_url())
    register = wh.read_table(engine, wh.WITHDRAWALS)
    regions = sorted(set(register["region"]) & set(chosen)) if chosen else sorted(set(register["region"]))
    if not regions:
        raise click.ClickException("no withdrawals in the warehouse" + (f" for {', '.join(chosen)}" if chosen else "")
                                   + ": ingest the withdrawal first (`llo materialize`)")
    key, now = settings.pseudonym_key(), dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    for region in regions:
        stones = set(register.loc[register["region"] == region, "tombstone"])
        erased, unreadable = erase_region(settings.landing_dir() / region, region, key, stones)
        forget_region(settings.parsed_files_dir(), region)  # the parsed form of the files as they were
        if erased:
            wh.append_rows(engine, wh.ERASURE_LOG, pd.DataFrame(
                [{"region": region, "file": e.file, "sha256_before": e.sha256_before, "sha256_after": e.sha256_after,
                  "rows_removed": e.rows_removed, "erased_at": now} for e in erased]))
        for e in erased:
            click.echo(f"{region}/{e.file}: {e.rows_removed} row(s) removed"
                       + ("" if e.sha256_after else ", nothing else was in it: file removed"))
        for name in unreadable:
            click.echo(f"{region}/{name}: could not be read, so not checked: look at it by hand", err=True)
        click.echo(f"{region}: {len(erased)} file(s) erased, recorded in the erasure log"
                   + (f"; ingest again (`llo materialize --region {region}`)" if erased else ""))
