"""Domain logic of the LLO impact monitor: plain Python over DataFrames, no Dagster imports."""

from llo.memory import fix_mmap_threshold

fix_mmap_threshold()  # every process of the monitor imports llo: the CLI, Dagster's code server and run workers
