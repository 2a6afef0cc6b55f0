"""Domain logic of the LLO impact monitor: plain Python over DataFrames, no Dagster imports."""
