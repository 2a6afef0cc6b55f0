"""Region context factors (share of low-literate adults, labour-market tightness, unemployment), joined to
the regional KPI tables. Read from `LLO_HOME/config/region_context.csv`; optional."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from checks.outputs import REGION_CONTEXT
from llo.regions import region_slug
from llo.settings import ConfigurationError

FILE_NAME = "region_context.csv"
NUMBERS = ("peiljaar", "aandeel_laaggeletterden", "spanningsindicator", "werkloosheid")  # "bron" is optional
FICTITIOUS = "FICTIEF (demowaarden, niet gebruiken voor conclusies)"


def empty() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=str(col.dtype) if str(col.dtype) != "str" else object)
                         for name, col in REGION_CONTEXT.columns.items()})


def load_context(path: Path) -> pd.DataFrame:
    """The context file as a table with one row per region; errors name the file, row, column and value."""
    import pandera.errors

    path = Path(path)
    if not path.exists():
        return empty()
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = {"regio", *NUMBERS} - set(raw.columns)
    if missing:
        raise ConfigurationError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    out = pd.DataFrame({"region": raw["regio"].map(lambda name: region_slug(name) or "")})
    for row, (name, slug) in enumerate(zip(raw["regio"], out["region"], strict=True), start=2):
        if not slug:
            raise ConfigurationError(f"{path}: row {row}, column regio: '{name}' is not a known labour-market region")
    for name in NUMBERS:
        values = raw[name].str.strip().str.replace(",", ".", regex=False)
        parsed = pd.to_numeric(values.where(values != ""), errors="coerce")
        bad = parsed.isna() & (values != "")
        if bad.any():
            row = int(bad.idxmax())
            raise ConfigurationError(f"{path}: row {row + 2}, column {name}: '{raw[name][row]}' is not a number")
        out[name] = parsed.astype(str(REGION_CONTEXT.columns[name].dtype))
    out["context_bron"] = raw["bron"].where(raw["bron"] != "", None) if "bron" in raw else None
    try:
        return REGION_CONTEXT.validate(out[list(REGION_CONTEXT.columns)], lazy=True)
    except pandera.errors.SchemaErrors as errors:
        first = errors.failure_cases.iloc[0]
        index = first["index"]
        where = f"row {int(index) + 2}, " if pd.notna(index) else ""
        raise ConfigurationError(f"{path}: {where}column {first['column']}: rule {first['check']} fails for "
                                 f"value {first['failure_case']!r}") from None
