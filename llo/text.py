"""Text as people type it, compared without case, accents and punctuation: headers, categories, region names."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=2**16)  # headers and categories repeat in every file of every region
def normalise(text: str) -> str:
    """'  Financiën ' -> 'financien'; 'Startdatum_Traject' -> 'startdatum traject'."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    # accents go; any other sign that is no letter or digit (a typographic dash or quote too) separates words
    spaced = "".join(c if c.isalnum() or unicodedata.combining(c) else " " for c in decomposed)
    plain = spaced.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()
