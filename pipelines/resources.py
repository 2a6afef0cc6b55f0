"""Dagster resources: where the warehouse and the landing folder are, and the ingest thresholds."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from llo import settings


class Warehouse(dg.ConfigurableResource):
    """The SQLAlchemy warehouse. Empty url: LLO_WAREHOUSE_URL, else SQLite under LLO_HOME."""

    url: str = ""

    def engine(self):
        from llo.warehouse import engine_for

        return engine_for(self.url or settings.warehouse_url())


class Landing(dg.ConfigurableResource):
    """The landing folder with one sub-folder per region, and the quarantine thresholds of its checks."""

    path: str = ""
    quarantine_error_share: float = 0.10  # above this share of quarantined rows the check is an error

    def folder(self) -> Path:
        return Path(self.path) if self.path else settings.landing_dir()
