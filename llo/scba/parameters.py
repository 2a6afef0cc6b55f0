"""The SCBA parameter file (`config/scba_parameters.yaml`): load, validate, override for a scenario."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from llo.regions import region_slug
from llo.settings import ConfigurationError, read_yaml

DISTRIBUTIONS = ("triangular", "uniform", "fixed")
SHARES = ("deadweight", "displacement", "annual_decay", "leisure_share", "tax_wedge", "employer_on_costs",
          "trajectory_costs_additional")
WHOLE = ("horizon_years", "weeks_per_year", "scale_up_regions", "planned_intake_programme")
REQUIRED = ("discount_rate", "horizon_years", "effect_duration_years", "annual_decay", "deadweight", "displacement",
            "hourly_wage", "employer_on_costs", "weeks_per_year", "leisure_share", "tax_wedge", "qaly_gain",
            "qaly_value", "benefit_bijstand", "benefit_ww", "benefit_wia_wajong", "benefit_anders",
            "programme_cost_pilots", "programme_cost_scale_up", "scale_up_regions", "trajectory_costs_additional",
            "gdp", "planned_intake_programme")
REFERENCE = ("benefit_per_participant_low", "benefit_per_participant_high", "gdp_share", "seo_net_per_participant")


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    low: float
    high: float
    unit: str
    source: str
    distribution: str = "triangular"
    scenarios: tuple[float, ...] = ()
    overridden: bool = False

    @property
    def varies(self) -> bool:
        return self.distribution != "fixed" and self.low < self.high


@dataclass(frozen=True)
class ScbaParameters:
    parameters: dict[str, Parameter]
    programme_costs: dict[str, float] = field(default_factory=dict)  # per region, overriding the default split
    reference: dict[str, float] = field(default_factory=dict)
    version: str = ""
    price_year: int = 0
    path: str = ""

    def __getitem__(self, name: str) -> float:
        return self.parameters[name].value

    def values(self) -> dict[str, float]:
        return {name: p.value for name, p in self.parameters.items()}

    def with_overrides(self, overrides: dict[str, float]) -> ScbaParameters:
        """A scenario: the same file with some values replaced (ranges kept); unknown names are refused."""
        unknown = sorted(set(overrides) - set(self.parameters))
        if unknown:
            raise ConfigurationError(f"scenario overrides: unknown parameter(s) {', '.join(unknown)} "
                                     f"(known: {', '.join(self.parameters)})")
        changed = {**self.parameters, **{name: replace(self.parameters[name], value=float(value), overridden=True)
                                         for name, value in overrides.items()}}
        for name, parameter in changed.items():
            _check_domain(name, parameter.value, "scenario override" if parameter.overridden else self.path)
        return replace(self, parameters=changed)


def _check_domain(name: str, value: float, where: str) -> None:
    if name in SHARES and not 0 <= value <= 1:
        raise ConfigurationError(f"{where}: {name} must be a share between 0 and 1, got {value}")
    if name in WHOLE and (value != int(value) or value < 1):
        raise ConfigurationError(f"{where}: {name} must be a whole number of at least 1, got {value}")
    if name == "discount_rate" and not -0.5 < value < 1:
        raise ConfigurationError(f"{where}: discount_rate must be a yearly rate such as 0.0225, got {value}")
    if name not in SHARES and name != "discount_rate" and value < 0:
        raise ConfigurationError(f"{where}: {name} must not be negative, got {value}")


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(f"{where}: expected a number, got {value!r}")
    return float(value)


def load_parameters(path: Path) -> ScbaParameters:
    """Read and validate the parameter file; every error names the file, the parameter and the field."""
    path = Path(path)
    raw = read_yaml(path, "SCBA parameter file")
    entries = raw.get("parameters") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise ConfigurationError(f"{path}: needs a 'parameters' mapping")
    missing = [name for name in REQUIRED if name not in entries]
    if missing:
        raise ConfigurationError(f"{path}: missing parameter(s) {', '.join(missing)}")
    parameters = {}
    for name, entry in entries.items():
        where = f"{path}: parameters.{name}"
        if name not in REQUIRED:
            raise ConfigurationError(f"{where}: unknown parameter (the model uses {', '.join(REQUIRED)})")
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{where}: expected value, low, high, unit and source")
        for key in ("value", "low", "high", "unit", "source"):
            if key not in entry:
                raise ConfigurationError(f"{where}: missing '{key}'")
        value, low, high = (_number(entry[k], f"{where}.{k}") for k in ("value", "low", "high"))
        if not low <= value <= high:
            raise ConfigurationError(f"{where}: needs low <= value <= high, got {low} / {value} / {high}")
        distribution = entry.get("distribution", "triangular")
        if distribution not in DISTRIBUTIONS:
            raise ConfigurationError(f"{where}.distribution: one of {', '.join(DISTRIBUTIONS)}, got {distribution!r}")
        for bound in (value, low, high):
            _check_domain(name, bound, where)
        scenarios = tuple(_number(v, f"{where}.scenarios") for v in entry.get("scenarios", []))
        parameters[name] = Parameter(name, value, low, high, str(entry["unit"]), str(entry["source"]),
                                     distribution, scenarios)
    horizon, duration = parameters["horizon_years"], parameters["effect_duration_years"]
    if horizon.low < duration.high:
        raise ConfigurationError(
            f"{path}: parameters.horizon_years: the horizon ({horizon.low:g} years at its lowest) must cover the "
            f"longest effect duration in the range ({duration.high:g} years): a horizon that cuts effects off is a "
            "hidden assumption on their duration; vary effect_duration_years and annual_decay instead")
    costs = {}
    for region, entry in (raw.get("regions") or {}).items():
        slug = region_slug(str(region))
        if slug is None:
            raise ConfigurationError(f"{path}: regions: '{region}' is not a known labour-market region")
        costs[slug] = _number((entry or {}).get("programme_cost"), f"{path}: regions.{region}.programme_cost")
    reference = {key: _number((raw.get("reference") or {}).get(key), f"{path}: reference.{key}")
                 for key in REFERENCE}
    return ScbaParameters(parameters, costs, reference, str(raw.get("version", "")), int(raw.get("price_year", 0)),
                          str(path))
