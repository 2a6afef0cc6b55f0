"""Materialisation metadata derived from the warehouse tables (and so from the contract)."""

from __future__ import annotations

import dagster as dg
import pandas as pd

_TYPE_NAMES = {"TEXT": "string", "INTEGER": "integer", "BIGINT": "integer", "FLOAT": "float", "DATE": "date",
               "BOOLEAN": "boolean", "DATETIME": "datetime"}


def column_schema(table) -> dg.TableSchema:
    """The Dagster column schema of a warehouse table, with the contract's descriptions."""
    return dg.TableSchema(columns=[
        dg.TableColumn(name=c.name, type=_TYPE_NAMES.get(str(c.type), str(c.type).lower()),
                       description=c.comment,
                       constraints=dg.TableColumnConstraints(nullable=bool(c.nullable)))
        for c in table.columns])


def frame_schema(frame: pd.DataFrame, descriptions: dict[str, str] | None = None) -> dg.TableSchema:
    """The Dagster column schema of a small frame that is not a warehouse table (e.g. the parameter file)."""
    kinds = {"i": "integer", "u": "integer", "f": "float", "b": "boolean", "M": "datetime"}
    return dg.TableSchema(columns=[dg.TableColumn(name=str(name), type=kinds.get(dtype.kind, "string"),
                                                  description=(descriptions or {}).get(str(name)))
                                   for name, dtype in frame.dtypes.items()])


def markdown_table(frame: pd.DataFrame, limit: int = 20) -> str:
    """A small Markdown table for the UI; says how many rows were left out."""
    if frame.empty:
        return "_none_"
    shown = frame.head(limit).astype(object).where(frame.head(limit).notna(), "")
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |"
              for row in shown.itertuples(index=False)]
    if len(frame) > limit:
        lines.append(f"\n_{len(frame) - limit} more rows not shown_")
    return "\n".join(lines)
