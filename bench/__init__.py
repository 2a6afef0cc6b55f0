"""The benchmark: `make bench` (python -m bench) measures the pipeline at scale and writes BENCHMARKS.md."""
