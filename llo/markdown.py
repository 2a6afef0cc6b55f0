"""Small Markdown helpers shared by the generated documents."""

from __future__ import annotations

import pandera.pandas as pa


def cell(text) -> str:
    """Text that is safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def schema_table(schema: pa.DataFrameSchema) -> list[str]:
    """The columns of a table schema as Markdown table lines."""
    return ["| Column | Type | Nullable | Description |", "|---|---|---|---|",
            *(f"| `{name}` | {col.dtype} | {'yes' if col.nullable else 'no'} | {cell(col.description)} |"
              for name, col in schema.columns.items())]
