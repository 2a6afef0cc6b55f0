"""Where runtime data lives and which secrets a run uses, read from the environment in one place."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Used only for synthetic demo data (LLO_DEMO=1); real deliveries require LLO_PSEUDONYM_KEY.
DEMO_PSEUDONYM_KEY = "llo-demo-key-synthetic-data-only"
MIN_KEY_LENGTH = 16
# Written by the demo generator into the landing folder; its presence allows the demo key.
DEMO_MARKER = "LEESMIJ_DEMODATA.md"


# Defaults of the monitor's rules; each run can override them (Dagster resource `Monitor`).
SUSTAINABLE_WORK_HOURS = 12.0  # sustainable-work proxy: paid work at T1 with at least these hours per week
MIN_PARTICIPANTS = 10  # disclosure threshold: figures resting on fewer participants are published as "<10"
MAX_FILE_MB = 100  # a delivered file above this size is refused unread (LLO_MAX_FILE_MB overrides)
# Reports rendered at a time, each worker in a Jupyter kernel (or Quarto process) of its own. Two keep both cores of
# a small server busy: a report is the kernel computing, then pandoc, then the checks in the run's process.
REPORT_WORKERS = 2
# What is late (llo.monitor.due, pipelines/definitions.py). A region that has started delivering is overdue when it
# sent no file for longer than this window (LLO_DELIVERY_WINDOW_DAYS overrides): regions deliver monthly, so 45 days
# is one missed month and two weeks' grace. Past twice the window it is an error.
DELIVERY_WINDOW_DAYS = 45
# A month's KPI tables, SCBA, data quality and reports are due this many days after its peildatum (the last day of
# the month): the schedule runs them at 06:00 on the first, so a failed run has a working week to be fixed.
MONTHLY_DUE_DAYS = 5


class ConfigurationError(RuntimeError):
    """A setting is missing or unusable; the message says which and how to fix it."""


def llo_home() -> Path:
    return Path(os.environ.get("LLO_HOME") or PROJECT_ROOT / "data").resolve()


def landing_dir() -> Path:
    return llo_home() / "landing"


def parsed_files_dir() -> Path:
    """Where the parsed form of delivered files is kept between runs (llo.intake.parsed)."""
    return llo_home() / "cache" / "parsed"


def warehouse_url() -> str:
    return os.environ.get("LLO_WAREHOUSE_URL") or f"sqlite:///{llo_home() / 'warehouse.sqlite'}"


def site_url() -> str:
    """Where `llo ui` serves LLO_HOME's reports and Data Docs over HTTP (empty: links are file:// URIs)."""
    return os.environ.get("LLO_SITE_URL", "").rstrip("/")


def max_file_bytes() -> int:
    """The largest delivery the ingest reads (LLO_MAX_FILE_MB, default MAX_FILE_MB): a larger file is refused
    before it is loaded into memory."""
    text = os.environ.get("LLO_MAX_FILE_MB", "").strip()
    try:
        megabytes = float(text) if text else MAX_FILE_MB
    except ValueError:
        raise ConfigurationError(f"LLO_MAX_FILE_MB must be a number of megabytes, not '{text}'") from None
    if megabytes <= 0:
        raise ConfigurationError(f"LLO_MAX_FILE_MB must be above 0, not '{text}'")
    return int(megabytes * 1024 * 1024)


def delivery_window_days() -> int:
    """Days without a delivery after which a region is overdue (LLO_DELIVERY_WINDOW_DAYS, default
    DELIVERY_WINDOW_DAYS)."""
    text = os.environ.get("LLO_DELIVERY_WINDOW_DAYS", "").strip()
    if not text:
        return DELIVERY_WINDOW_DAYS
    if not text.isdigit() or int(text) < 1:
        raise ConfigurationError(f"LLO_DELIVERY_WINDOW_DAYS must be a whole number of days (1 or more), not '{text}'")
    return int(text)


def git_url() -> str:
    """The repository's web address (LLO_GIT_URL, e.g. https://github.com/org/llo-impact-monitor; GitHub or GitLab):
    when set, "view source" in the Dagster UI opens the code there; unset, it names the local file."""
    return os.environ.get("LLO_GIT_URL", "").strip().rstrip("/")


def git_branch() -> str:
    return os.environ.get("LLO_GIT_BRANCH", "").strip() or "main"


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or llo_home() / "dagster").resolve()


def demo_mode() -> bool:
    return os.environ.get("LLO_DEMO", "").strip().lower() in {"1", "true", "yes", "ja"}


def pseudonym_key() -> bytes:
    """The HMAC key for participant pseudonyms. Refuses to run on real data without a proper key."""
    key = os.environ.get("LLO_PSEUDONYM_KEY", "")
    if not key:
        if demo_mode():
            return DEMO_PSEUDONYM_KEY.encode()
        raise ConfigurationError(
            "LLO_PSEUDONYM_KEY is not set: refusing to ingest deliveries without a pseudonymisation key. "
            "Set a secret of at least 16 characters, or LLO_DEMO=1 for synthetic demo data only."
        )
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigurationError(f"LLO_PSEUDONYM_KEY is too short: use at least {MIN_KEY_LENGTH} characters.")
    return key.encode()


def config_dir() -> Path:
    """Site configuration (targets, region context); its files take precedence over the repository's config/."""
    return llo_home() / "config"


def config_file(name: str) -> Path:
    """`LLO_HOME/config/<name>` when it exists, else the repository default `config/<name>`."""
    site = config_dir() / name
    return site if site.exists() else PROJECT_ROOT / "config" / name


def read_yaml(path: Path, what: str):
    """A YAML configuration file, with errors that name the file."""
    import yaml

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigurationError(f"{path}: {what} not found") from None
    except yaml.YAMLError as error:
        raise ConfigurationError(f"{path}: not valid YAML ({error})") from None
