"""Dagster resources: where the warehouse and the landing folder are, and the ingest thresholds."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from llo import settings


class Warehouse(dg.ConfigurableResource):
    """The SQLAlchemy warehouse. Empty url: LLO_WAREHOUSE_URL, else SQLite under LLO_HOME."""

    url: str = ""

    def url_or_default(self) -> str:
        return self.url or settings.warehouse_url()

    def engine(self):
        from llo.warehouse import engine_for

        return engine_for(self.url_or_default())


class Landing(dg.ConfigurableResource):
    """The landing folder with one sub-folder per region, and the quarantine thresholds of its checks."""

    path: str = ""
    quarantine_error_share: float = 0.10  # above this share of quarantined rows the check is an error

    def folder(self) -> Path:
        return Path(self.path) if self.path else settings.landing_dir()


class Monitor(dg.ConfigurableResource):
    """The monitor's rules for trajectories and KPIs: targets, region context and thresholds."""

    targets_path: str = ""  # empty: LLO_HOME/config/targets.yaml, else the repository's config/targets.yaml
    context_path: str = ""  # empty: LLO_HOME/config/region_context.csv (optional)
    scba_parameters_path: str = ""  # empty: LLO_HOME/config/scba_parameters.yaml, else the repository's
    sustainable_work_hours: float = settings.SUSTAINABLE_WORK_HOURS
    min_participants: int = settings.MIN_PARTICIPANTS

    def targets(self):
        from llo.monitor.kpi import TARGETED
        from llo.monitor.targets import load_targets

        return load_targets(Path(self.targets_path) if self.targets_path else settings.config_file("targets.yaml"),
                            set(TARGETED))

    def context_file(self) -> Path:
        from llo.monitor.context import FILE_NAME

        return Path(self.context_path) if self.context_path else settings.config_dir() / FILE_NAME

    def scba_parameters_file(self) -> Path:
        return Path(self.scba_parameters_path) if self.scba_parameters_path \
            else settings.config_file("scba_parameters.yaml")

    def scba_parameters(self):
        from llo.scba.parameters import COMPARISON_FILE, load_parameters

        return load_parameters(self.scba_parameters_file(), settings.config_file(COMPARISON_FILE))


class Reports(dg.ConfigurableResource):
    """How reports are rendered and where they go."""

    engine: str = "auto"  # auto: the Quarto CLI where found (QUARTO_PATH or PATH), else the built-in renderer
    folder: str = ""  # empty: LLO_HOME/reports
    base_url: str = ""  # where `folder` is served over HTTP; empty: LLO_SITE_URL/reports (`llo ui`), else file://
    scenario: str = "basis"  # the SCBA scenario the reports show
    project: str = ""  # the Quarto project with nationaal.qmd and regionaal.qmd; empty: the repository's reports/
    workers: int = settings.REPORT_WORKERS  # reports rendered at a time, each worker in a kernel of its own

    def renderer(self):
        from llo.reporting.render import Renderer

        return Renderer(self.engine, project=Path(self.project) if self.project else None, workers=self.workers)

    def folder_path(self) -> Path:
        return Path(self.folder) if self.folder else settings.llo_home() / "reports"

    def link(self, path: str) -> str:
        """The address the UI opens for a report file."""
        base = self.base_url or (f"{settings.site_url()}/reports" if settings.site_url() and not self.folder else "")
        if not base:
            return Path(path).resolve().as_uri()
        relative = Path(path).resolve().relative_to(self.folder_path().resolve())
        return f"{base.rstrip('/')}/{relative.as_posix()}"
