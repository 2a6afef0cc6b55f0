"""Groeifonds targets per region and KPI, from a YAML file (default `config/targets.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from llo.regions import region_slug
from llo.settings import ConfigurationError, read_yaml

DEFAULT_SOURCE = "standaard evaluatiekader"
DEFAULT_RUNTIME_MONTHS = 48
OVERRIDE_SOURCE = "regionale afwijking"


@dataclass(frozen=True)
class Targets:
    defaults: dict[str, int]
    regions: dict[str, dict[str, int]] = field(default_factory=dict)
    active_from: dict[str, pd.Timestamp] = field(default_factory=dict)
    version: str = ""
    source: str = ""
    path: str = ""
    runtime_months: int = DEFAULT_RUNTIME_MONTHS  # a region reaches its targets over this many months of running

    def pro_rata(self, target: int | None, months_active: int) -> int | None:
        """The part of a target due after `months_active` months: linear over the runtime, at most the target."""
        if target is None:
            return None
        return round(target * min(1.0, max(months_active, 0) / self.runtime_months))

    def target(self, region: str, kpi: str) -> tuple[int | None, str]:
        """The region's target of a KPI and which assumption it comes from."""
        if kpi in self.regions.get(region, {}):
            return self.regions[region][kpi], f"{OVERRIDE_SOURCE} ({Path(self.path).name})"
        return self.defaults.get(kpi), DEFAULT_SOURCE

    def describe(self) -> str:
        """One line for tables, reports and metadata: which file, version and assumption."""
        overrides = ", ".join(sorted(self.regions)) or "geen"
        return (f"{Path(self.path).name} versie {self.version or '?'}: standaard per regio "
                + ", ".join(f"{k} {v}" for k, v in sorted(self.defaults.items()))
                + f" in {self.runtime_months} maanden; regionale afwijkingen: {overrides}")


def load_targets(path: Path, kpi_codes: set[str]) -> Targets:
    """Read and validate the targets file; errors name the file and the key."""
    path = Path(path)
    raw = read_yaml(path, "targets file")
    if not isinstance(raw, dict) or not isinstance(raw.get("defaults"), dict):
        raise ConfigurationError(f"{path}: needs a 'defaults' mapping of KPI code to target, e.g. 'K1: 400'")

    def counts(mapping: dict, where: str) -> dict[str, int]:
        out = {}
        for key, value in mapping.items():
            if key not in kpi_codes:
                known = ", ".join(sorted(kpi_codes))
                raise ConfigurationError(f"{path}: {where}: unknown KPI '{key}' (known: {known})")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigurationError(f"{path}: {where}.{key}: target must be a whole number >= 0, got {value!r}")
            out[key] = value
        return out

    regions, active_from = {}, {}
    for name, entry in (raw.get("regions") or {}).items():
        slug = region_slug(str(name))
        if slug is None:
            raise ConfigurationError(f"{path}: regions: '{name}' is not a known labour-market region")
        entry = dict(entry or {})
        if "active_from" in entry:
            when = str(entry.pop("active_from"))
            try:
                active_from[slug] = pd.Period(when, freq="M").start_time
            except ValueError:
                raise ConfigurationError(f"{path}: regions.{name}.active_from: expected a month like "
                                         f"'2025-04', got {when!r}") from None
        regions[slug] = counts(entry, f"regions.{name}")
    runtime = raw.get("runtime_months", DEFAULT_RUNTIME_MONTHS)
    if isinstance(runtime, bool) or not isinstance(runtime, int) or runtime < 1:
        raise ConfigurationError(f"{path}: runtime_months: the months over which a region reaches its targets, a "
                                 f"whole number >= 1, got {runtime!r}")
    return Targets(defaults=counts(raw["defaults"], "defaults"), regions=regions, active_from=active_from,
                   version=str(raw.get("version", "")), source=str(raw.get("source", "")), path=str(path),
                   runtime_months=runtime)
