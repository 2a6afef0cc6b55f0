"""The SCBA parameter file (`config/scba_parameters.yaml`): load, validate, override for a scenario; its price index
and trajectory-cost payers; and a comparison-group estimate of deadweight that replaces the assumption."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from llo.regions import region_slug
from llo.settings import ConfigurationError, read_yaml

DISTRIBUTIONS = ("triangular", "uniform", "fixed")
# Deadweight of work and income by the benefit a participant starts from (uitkering at T0), and of health.
DEADWEIGHT_GROUPS = {"bijstand": "deadweight_bijstand", "WW": "deadweight_ww", "WIA/Wajong": "deadweight_wia_wajong",
                     "overig": "deadweight_overig"}
DEADWEIGHT_HEALTH = "deadweight_health"
DEADWEIGHTS = (*DEADWEIGHT_GROUPS.values(), DEADWEIGHT_HEALTH)
SHARES = (*DEADWEIGHTS, "displacement", "annual_decay", "leisure_share", "tax_wedge", "employer_on_costs",
          "partner_contribution_share", "infrastructure_share")
WHOLE = ("horizon_years", "weeks_per_year", "scale_up_regions", "planned_intake_programme")
REQUIRED = ("discount_rate", "horizon_years", "effect_duration_years", "annual_decay", *DEADWEIGHTS, "displacement",
            "hourly_wage", "employer_on_costs", "weeks_per_year", "leisure_share", "tax_wedge", "qaly_gain",
            "qaly_value", "benefit_bijstand", "benefit_ww", "benefit_wia_wajong", "benefit_anders", "training_hours",
            "participant_time_value", "guidance_cost_per_participant", "employer_guidance_cost",
            "programme_cost_pilots", "programme_cost_scale_up", "scale_up_regions", "partner_contribution_share",
            "infrastructure_share", "continuation_share", "intake_realisation", "gdp", "planned_intake_programme")
REFERENCE = ("benefit_per_participant_low", "benefit_per_participant_high", "gdp_share", "seo_net_per_participant")
# Who pays the catalogue's trajectory costs (trajectory_cost_payers in the file) and the actor each is booked to in
# the distribution table.
PAYERS = {"gemeente": "gemeente", "oo_fondsen": "O&O-fondsen", "werkgevers": "werkgever", "ngf": "rijksoverheid",
          "onbekend": "financier onbekend"}


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
    label: str = ""  # Dutch, for the reports
    nominal_year: int = 0  # an amount in euro of this year, brought to the price year; 0: already in the price year

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
    zichtjaar: int = 0
    price_index: dict[int, float] = field(default_factory=dict)  # CPI per year, base year = 100
    price_index_source: str = ""
    payers: dict[str, float] = field(default_factory=dict)  # share of the trajectory costs per payer (PAYERS)
    payers_source: str = ""
    comparison: str = ""  # the comparison-group file whose estimates replaced deadweight assumptions, if any

    def __getitem__(self, name: str) -> float:
        return self.parameters[name].value

    def values(self) -> dict[str, float]:
        return {name: p.value for name, p in self.parameters.items()}

    def price_factor(self, year: int) -> float:
        """What a euro of `year` is in euro of the price year (CPI). A year outside the index is taken at the level
        of the nearest year in it: no forecast of prices to come."""
        if not self.price_index:
            return 1.0
        first, last = min(self.price_index), max(self.price_index)
        return self.price_index[min(max(self.price_year, first), last)] / self.price_index[min(max(year, first), last)]

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


def load_parameters(path: Path, comparison: Path | None = None) -> ScbaParameters:
    """Read and validate the parameter file; every error names the file, the parameter and the field. A comparison-
    group file (`comparison`, when it exists) replaces deadweight assumptions with estimates (with_comparison_group)."""
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
        nominal = entry.get("nominal_year", 0)
        if not isinstance(nominal, int) or isinstance(nominal, bool) or nominal < 0:
            raise ConfigurationError(f"{where}.nominal_year: expected a year such as 2022, got {nominal!r}")
        parameters[name] = Parameter(name, value, low, high, str(entry["unit"]), str(entry["source"]),
                                     distribution, scenarios, label=str(entry.get("label") or name),
                                     nominal_year=nominal)
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
    price_year, zichtjaar = (_year(raw.get(key), f"{path}: {key}") for key in ("price_year", "zichtjaar"))
    index, index_source = _price_index(raw.get("price_index"), path)
    if index and not min(index) <= price_year <= max(index):
        raise ConfigurationError(f"{path}: price_year {price_year} is outside the price index ({min(index)}-"
                                 f"{max(index)}); add its CPI change to price_index.yearly_change_percent")
    params = ScbaParameters(parameters, costs, reference, str(raw.get("version", "")), price_year, str(path),
                            zichtjaar, index, index_source, _payers(raw.get("trajectory_cost_payers"), path),
                            str(raw.get("trajectory_cost_payers_source", "")))
    return with_comparison_group(params, Path(comparison)) if comparison else params


def _year(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 < value < 2200:
        raise ConfigurationError(f"{where}: expected a year such as 2025, got {value!r}")
    return value


def _price_index(raw, path: Path) -> tuple[dict[int, float], str]:
    """The CPI per year (base year = 100) from its yearly changes in percent."""
    where = f"{path}: price_index"
    if not isinstance(raw, dict) or not isinstance(raw.get("yearly_change_percent"), dict):
        raise ConfigurationError(f"{where}: needs base_year, source and yearly_change_percent (year: percent)")
    base = _year(raw.get("base_year"), f"{where}.base_year")
    changes = {_year(year, f"{where}.yearly_change_percent"): _number(change, f"{where}.yearly_change_percent.{year}")
               for year, change in raw["yearly_change_percent"].items()}
    years = sorted(changes)
    if years and (years[0] != base + 1 or years != list(range(years[0], years[-1] + 1))):
        raise ConfigurationError(f"{where}.yearly_change_percent: every year from {base + 1} on, without gaps "
                                 f"(got {', '.join(map(str, years))})")
    index = {base: 100.0}
    for year in years:
        index[year] = index[year - 1] * (1 + changes[year] / 100)
    return index, str(raw.get("source", ""))


def _payers(raw, path: Path) -> dict[str, float]:
    where = f"{path}: trajectory_cost_payers"
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{where}: needs a share per payer ({', '.join(PAYERS)})")
    unknown = sorted(set(raw) - set(PAYERS))
    if unknown:
        raise ConfigurationError(f"{where}: unknown payer(s) {', '.join(unknown)} (known: {', '.join(PAYERS)})")
    shares = {payer: _number(raw.get(payer, 0), f"{where}.{payer}") for payer in PAYERS}
    if any(share < 0 for share in shares.values()) or abs(sum(shares.values()) - 1) > 1e-9:
        raise ConfigurationError(f"{where}: shares of at least 0 that add up to 1, got {sum(shares.values()):g}")
    return shares


# --- comparison group ---------------------------------------------------------------------------------------------

COMPARISON_FILE = "comparison_group.csv"
COMPARISON_COLUMNS = ("uitkomst", "startpositie", "verandering_deelnemers", "verandering_vergelijkingsgroep",
                      "n_deelnemers", "n_vergelijkingsgroep", "bron")
COMPARISON_OUTCOMES = {"werk": "mean change in paid hours per week", "gezondheid": "net share with better health"}


def with_comparison_group(params: ScbaParameters, path: Path) -> ScbaParameters:
    """Deadweight measured instead of assumed: per outcome (werk, gezondheid) and starting position, the change
    among matched non-participants over the same months (e.g. from CBS microdata) divided by the participants'
    change in the same study, at least 0 and at most 1. It replaces the parameter's value and range (a measured
    figure is not varied), and its source says where it comes from."""
    import csv

    if not path.exists():
        return params
    text = path.read_text(encoding="utf-8-sig")
    header = text.splitlines()[0] if text else ""
    rows = list(csv.DictReader(text.splitlines(), delimiter=";" if ";" in header else ","))
    changed = dict(params.parameters)
    for number, row in enumerate(rows, start=2):
        where = f"{path}, row {number}"
        missing = [c for c in COMPARISON_COLUMNS if not (row.get(c) or "").strip()]
        if missing:
            raise ConfigurationError(f"{where}: column(s) {', '.join(missing)} empty or missing "
                                     f"(needed: {', '.join(COMPARISON_COLUMNS)})")
        outcome, group = row["uitkomst"].strip(), row["startpositie"].strip()
        if outcome not in COMPARISON_OUTCOMES:
            raise ConfigurationError(f"{where}, column uitkomst: one of {', '.join(COMPARISON_OUTCOMES)}, got "
                                     f"{outcome!r}")
        groups = [*DEADWEIGHT_GROUPS, "alle"]
        if group not in groups or (outcome == "gezondheid" and group != "alle"):
            allowed = "alle" if outcome == "gezondheid" else ", ".join(groups)
            raise ConfigurationError(f"{where}, column startpositie: one of {allowed}, got {group!r}")
        numbers = {}
        for column in COMPARISON_COLUMNS[2:6]:
            try:
                numbers[column] = float(row[column].replace(",", "."))
            except ValueError:
                raise ConfigurationError(f"{where}, column {column}: expected a number, got {row[column]!r}") from None
        if numbers["verandering_deelnemers"] == 0:
            raise ConfigurationError(f"{where}, column verandering_deelnemers: 0 leaves nothing to attribute; "
                                     "deadweight needs a change among the participants")
        share = min(max(numbers["verandering_vergelijkingsgroep"] / numbers["verandering_deelnemers"], 0.0), 1.0)
        names = ([DEADWEIGHT_HEALTH] if outcome == "gezondheid" else
                 list(DEADWEIGHT_GROUPS.values()) if group == "alle" else [DEADWEIGHT_GROUPS[group]])
        source = (f"Vergelijkingsgroep ({row['bron'].strip()}): verandering "
                  f"{numbers['verandering_vergelijkingsgroep']:g} bij {numbers['n_vergelijkingsgroep']:g} "
                  f"gematchte niet-deelnemers tegen {numbers['verandering_deelnemers']:g} bij "
                  f"{numbers['n_deelnemers']:g} deelnemers ({path.name}, rij {number})")
        for name in names:
            changed[name] = replace(changed[name], value=share, low=share, high=share, distribution="fixed",
                                    scenarios=(), source=source)
    return replace(params, parameters=changed, comparison=str(path) if rows else "")
