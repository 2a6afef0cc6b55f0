"""Publishing figures under disclosure control, and the ledger that proves it.

Every table, number and chart point a report shows goes through a `Ledger`. Each published cell carries the
number of participants it rests on (None for figures that describe no participants: parameters, targets,
files); a cell resting on fewer than the threshold is shown as "<10" (the threshold is configurable). The
ledger is written as JSON beside the report, so `checks/report_checks.py` can prove from the HTML and the
ledger together that no published figure breaks the rule.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from llo.dutch_numbers import NOT_APPLICABLE, number, percent, small_percent  # noqa: F401 - the reports' formats
from llo.settings import MIN_PARTICIPANTS

MARKDOWN = re.compile(r"([\\`*_\[\]<>|@$~^#'\"])")  # quotes too: escaped, pandoc leaves them straight


def literal(text) -> str:
    """Text that pandoc shows as is inside a table cell: every Markdown character escaped, one line."""
    return MARKDOWN.sub(r"\\\1", str(text).replace("\n", " "))


def suppressed_text(min_participants: int) -> str:
    return f"<{min_participants}"


def and_list(items: list[str]) -> str:
    """'a, b en c': items as Dutch running text lists them."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december")


def day_nl(value) -> str:
    """'5 januari 2026'."""
    day = pd.Timestamp(value)
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def euro(value) -> str:
    return NOT_APPLICABLE if value is None or pd.isna(value) else "€\u00a0" + number(value)


def euro_words(value) -> str:
    """An amount for running text: millions as '2,4 miljoen euro', smaller amounts as '€ 7.285'; the sign as a
    minus sign."""
    if value is None or pd.isna(value):
        return NOT_APPLICABLE
    sign = "−" if value < 0 else ""
    if abs(value) >= 1e6:
        return f"{sign}{number(abs(value) / 1e6, 1)} miljoen euro"
    return f"{sign}€\u00a0{number(abs(value))}"


class Ledger:
    """What a report publishes, with the participants behind every figure; saved after every addition."""

    def __init__(self, path: str | Path | None, min_participants: int = MIN_PARTICIPANTS):
        self.path = Path(path) if path else None
        self.min_participants = int(min_participants)
        self.suppressed = suppressed_text(self.min_participants)
        self.entries: dict[str, dict] = {"tables": {}, "figures": {}, "numbers": {}}
        # Each entry's JSON, encoded once when it changes: the file is rewritten after every addition, and encoding
        # every entry again each time (json's indented encoder is pure Python) took a third of a report's cells.
        self._encoded: dict[str, dict[str, str]] = {section: {} for section in self.entries}

    def hidden(self, n) -> bool:
        return n is not None and not pd.isna(n) and n < self.min_participants

    def table(self, label: str, shown: pd.DataFrame, n: pd.DataFrame | pd.Series | None = None,
              labels: tuple[str, ...] = ()) -> str:
        """A pipe table of the text cells in `shown`; cells whose n (per cell, or per row) is below the threshold
        read "<10". Label columns, columns left out of a per-cell n frame, and n None describe no participants."""
        n_cells = _per_cell(shown, n)
        n_cells[[c for c in labels if c in n_cells]] = None
        text = shown.astype(str).where(~n_cells.map(self.hidden).astype(bool), self.suppressed)
        rows = [[str(v) for v in row] for row in text.to_numpy()]
        self.entries["tables"][label] = {
            "columns": [str(c) for c in shown.columns], "rows": rows,
            "n": [[None if pd.isna(v) else int(v) for v in row] for row in n_cells.to_numpy()]}
        self._save("tables", label)
        return "\n".join(["| " + " | ".join(literal(c) for c in shown.columns) + " |",
                          "|" + "|".join("---" for _ in shown.columns) + "|",
                          *("| " + " | ".join(literal(v) for v in row) + " |" for row in rows)]) + "\n"

    def points(self, label: str, frame: pd.DataFrame, n_column: str = "n") -> pd.DataFrame:
        """The chart points that may be drawn: those resting on at least the threshold."""
        kept = frame[~frame[n_column].map(self.hidden).astype(bool)]
        figure = self.entries["figures"].setdefault(label, {"n": [], "dropped": 0})
        figure["n"] += [None if pd.isna(v) else int(v) for v in kept[n_column]]
        figure["dropped"] += len(frame) - len(kept)
        self._save("figures", label)
        return kept

    def figure(self, label: str) -> None:
        """Register a figure that shows no participant figures (parameters, model results of a shown cohort)."""
        self.entries["figures"].setdefault(label, {"n": [], "dropped": 0})
        self._save("figures", label)

    def number(self, key: str, text: str, n) -> str:
        """A figure in running text."""
        shown = self.suppressed if self.hidden(n) else text
        self.entries["numbers"][key] = {"shown": shown, "n": None if n is None or pd.isna(n) else int(n)}
        self._save("numbers", key)
        return shown

    def _save(self, section: str, key: str) -> None:
        """The ledger file after entries[section][key] changed: the text json.dumps(..., indent=1) gives for the
        whole ledger, from the entries' encodings (an entry sits two levels deep, so its lines are indented by 2)."""
        if self.path:
            self._encoded[section][key] = _json(self.entries[section][key]).replace("\n", "\n  ")
            self.path.write_text(_json_object([("min_participants", _json(self.min_participants)), *(
                (name, _json_object(list(self._encoded[name].items()), 1)) for name in self.entries)]),
                encoding="utf-8")


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)  # a newline in a string is escaped: "\n" is layout


def _json_object(items: list[tuple[str, str]], level: int = 0) -> str:
    """A JSON object at nesting `level` as json.dumps(indent=1) writes it, from its keys and encoded values."""
    if not items:
        return "{}"
    inner = "\n" + " " * (level + 1)
    return "{" + inner + ("," + inner).join(f"{_json(key)}: {text}" for key, text in items) + "\n" + " " * level + "}"


def _per_cell(shown: pd.DataFrame, n) -> pd.DataFrame:
    if n is None:
        return pd.DataFrame(None, index=shown.index, columns=shown.columns, dtype=object)
    if isinstance(n, pd.Series):
        return pd.DataFrame({c: n.to_numpy() for c in shown.columns}, index=shown.index, dtype=object)
    return n.reindex(index=shown.index, columns=shown.columns).astype(object)
