"""Numbers as Dutch readers write them: thousands with a dot, decimals with a comma, never powers of ten. Used by the
reports (llo.reporting.publish) and by the SCBA's notes (llo.scba.tables)."""

from __future__ import annotations

import math

import pandas as pd

NOT_APPLICABLE = "n.v.t."  # nothing to compute (no basis, no T1 yet)


def number(value, decimals: int = 0) -> str:
    if value is None or pd.isna(value):
        return NOT_APPLICABLE
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def percent(share, decimals: int = 0) -> str:
    return NOT_APPLICABLE if share is None or pd.isna(share) else number(100 * share, decimals) + "%"


def small_percent(share, digits: int = 2) -> str:
    """A share, however small, as a percentage in plain decimals with `digits` significant digits: 0,00011%
    (never 1,1e-04%)."""
    if share is None or pd.isna(share):
        return NOT_APPLICABLE
    value = 100 * float(share)
    if value == 0:
        return "0%"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return number(round(value, decimals), decimals) + "%"
