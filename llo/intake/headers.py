"""Map the headers a region typed to the contract's canonical column names.

Headers are compared after normalising case, accents, punctuation and spaces; then against the title,
the canonical name and the synonyms in the contract; then, for small typing errors, by similarity.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cache, lru_cache

from checks.contract import MODELS, REQUIRED
from llo.text import normalise

FUZZY_CUTOFF = 0.84


@cache
def spellings(kind: str) -> dict[str, str]:
    """Normalised header spelling -> canonical column, for one kind of delivery."""
    result: dict[str, str] = {}
    for name, column in MODELS[kind].to_schema().columns.items():
        for text in (name, column.title or name, *column.metadata.get("synonyms", [])):
            result.setdefault(normalise(text), name)
    return result


@cache
def required_columns(kind: str) -> tuple[str, ...]:
    columns = MODELS[kind].to_schema().columns
    return tuple(n for n, c in columns.items() if c.metadata.get("in_file", REQUIRED) == REQUIRED)


def is_known_header(text: str) -> bool:
    key = normalise(text)
    return any(key in spellings(kind) for kind in MODELS) or any(_fuzzy(key, kind) for kind in MODELS)


@lru_cache(maxsize=4096)  # every delivery of a region repeats its headers, and difflib is slow
def _fuzzy(key: str, kind: str) -> str | None:
    if len(key) < 4:
        return None
    known = spellings(kind)
    match = difflib.get_close_matches(key, list(known), n=1, cutoff=FUZZY_CUTOFF)
    return known[match[0]] if match else None


@dataclass
class HeaderMatch:
    kind: str
    columns: dict[int, str] = field(default_factory=dict)       # position in file -> canonical name
    corrected: dict[str, str] = field(default_factory=dict)     # typed header -> canonical (by similarity)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    doubled: dict[str, list[str]] = field(default_factory=dict)  # canonical -> the headers claiming it

    @property
    def missing(self) -> list[str]:
        found = set(self.columns.values())
        return [c for c in required_columns(self.kind) if c not in found]


def match_headers(header: list[str], kind: str) -> HeaderMatch:
    known = spellings(kind)
    result = HeaderMatch(kind)
    claimed: dict[str, list[str]] = {}
    for position, text in enumerate(header):
        key = normalise(text)
        canonical = known.get(key) or _fuzzy(key, kind)
        if canonical is None:
            result.unknown.append((position, text))
            continue
        if key not in known:
            result.corrected[text] = canonical
        claimed.setdefault(canonical, []).append(text)
        result.columns[position] = canonical
    result.doubled = {c: texts for c, texts in claimed.items() if len(texts) > 1}
    return result


def classify(header: list[str]) -> HeaderMatch:
    """The kind of delivery whose required columns the header covers best."""
    matches = [match_headers(header, kind) for kind in MODELS]
    return max(matches, key=lambda m: (1 - len(m.missing) / len(required_columns(m.kind)), len(m.columns)))
