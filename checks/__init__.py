"""Data contract (Pandera models), Dagster asset checks and expectation suites."""
