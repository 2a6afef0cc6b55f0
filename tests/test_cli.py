"""The `llo` command's file-producing subcommands."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from llo.cli import main


def test_docs_check_passes_on_the_committed_docs():
    result = CliRunner().invoke(main, ["docs", "--check"])
    assert result.exit_code == 0, result.output


def test_template_command_writes_a_workbook(tmp_path):
    import openpyxl

    target = tmp_path / "template.xlsx"
    result = CliRunner().invoke(main, ["template", str(target)])
    assert result.exit_code == 0, result.output
    assert {"Metingen", "Trajectcatalogus"} <= set(openpyxl.load_workbook(target).sheetnames)


def test_demo_data_refuses_to_mix_into_real_deliveries(tmp_path, monkeypatch):
    monkeypatch.setenv("LLO_HOME", str(tmp_path))
    (tmp_path / "landing" / "twente").mkdir(parents=True)
    (tmp_path / "landing" / "twente" / "echt.csv").write_text("a,b\n1,2\n")
    result = CliRunner().invoke(main, ["demo-data"])
    assert result.exit_code != 0 and "already holds deliveries" in result.output


def test_real_runs_refuse_without_a_pseudonym_key(monkeypatch):
    import pytest

    from llo import settings

    monkeypatch.delenv("LLO_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("LLO_DEMO", raising=False)
    with pytest.raises(settings.ConfigurationError, match="LLO_PSEUDONYM_KEY"):
        settings.pseudonym_key()
    monkeypatch.setenv("LLO_PSEUDONYM_KEY", "short")
    with pytest.raises(settings.ConfigurationError, match="too short"):
        settings.pseudonym_key()


def test_months_option_gives_month_partition_keys():
    from llo.cli.runs import month_keys

    assert month_keys("2024-11:2025-02") == ["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01"]
    assert month_keys("2024-05") == ["2024-05-01"]


def test_months_option_refuses_nonsense_and_months_without_a_partition():
    import click
    import pytest

    from llo.cli.runs import month_keys

    with pytest.raises(click.BadParameter, match="expected YYYY-MM"):
        month_keys("last month")
    with pytest.raises(click.BadParameter, match="no month partition for 2022-12"):
        month_keys("2022-12:2023-01")


@pytest.mark.parametrize(("command", "message"), [
    ("kpi", "run `llo materialize` first"),
    ("export", "no deliveries in the warehouse: run `llo materialize` first"),
    ("report", "no KPI months computed yet: run `llo materialize` first"),
])
def test_commands_without_a_warehouse_say_what_to_run(tmp_path, monkeypatch, command, message):
    monkeypatch.setenv("LLO_HOME", str(tmp_path))
    monkeypatch.delenv("LLO_WAREHOUSE_URL", raising=False)
    result = CliRunner().invoke(main, [command])
    assert result.exit_code != 0 and message in result.output


def test_demo_ends_with_the_paths_of_the_national_report_in_every_format(tmp_path, monkeypatch):
    """`llo demo` after its run (stubbed here): the national report's HTML, DOCX and PDF, side by side."""
    from llo.cli import demo

    monkeypatch.setenv("LLO_HOME", str(tmp_path))
    folder = tmp_path / "reports" / "2025-12"
    folder.mkdir(parents=True)
    for suffix in ("html", "docx", "pdf"):
        (folder / f"nationaal.{suffix}").write_text("x", encoding="utf-8")
    for name, value in (("landing_has_deliveries", lambda _: True), ("run_all", lambda: True),
                        ("kpi_table_text", lambda: "KPI"), ("scba_table_text", lambda: "MKBA"),
                        ("latest_computed_month", lambda: ["2025-12-01"]),
                        ("findings_text", lambda month: f"Kernbevindingen {month[:7]}")):
        monkeypatch.setattr(demo, name, value)
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert ["national", "report", str(folder / "nationaal.html")] in lines
    assert ["as", "DOCX", str(folder / "nationaal.docx")] in lines
    assert ["as", "PDF", str(folder / "nationaal.pdf")] in lines
    assert result.output.index("Kernbevindingen 2025-12") < result.output.index("Outputs:")
