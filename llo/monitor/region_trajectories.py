"""One region's trajectories derived from its stored measurements and written to the warehouse, unless what is stored
was derived from the same inputs."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from llo.monitor import trajectories as tr

SHOWN = ["regio", "status", "meetdatum_t1", *tr.FLAGS]  # what the asset reports and checks of a region's trajectories


@dataclass
class Derived:
    region: str
    rows: pd.DataFrame  # the trajectories' SHOWN columns
    moments: pd.DataFrame  # the measurements' regio and meetmoment, for the accounting check
    latest: pd.Timestamp  # the region's latest meetdatum (NaT when it has none): the trajectories' peildatum
    kept: bool  # the stored trajectories were derived from these very inputs and are kept as they are


def derive_and_store(engine, region: str, derived_from: str | None, *, code: str, hours: float) -> Derived:
    """Derive the region's trajectories as of its latest meetdatum and store them with their version, unless the
    stored ones were derived from the same measurements, catalogue and `code` (`derived_from`: what the stored
    trajectories were derived from, llo.monitor.region_results). What the previous region's work freed goes back to
    the system first (llo.memory)."""
    from checks.outputs import TRAJECTORIES
    from llo.fingerprints import fingerprint
    from llo.memory import release_freed_memory
    from llo.warehouse import MEASUREMENTS, TRAJECTORY_CATALOGUE, TRAJECTORY_VERSIONS, read_typed, replace_rows
    from llo.warehouse import TRAJECTORIES as TABLE

    release_freed_memory()
    measurements = read_typed(engine, MEASUREMENTS, region)
    catalogue = read_typed(engine, TRAJECTORY_CATALOGUE, region)
    latest = measurements["meetdatum"].max()
    inputs = f"{fingerprint(measurements, catalogue)}-{code}"
    kept = derived_from == inputs
    if kept:
        rows = read_typed(engine, TABLE, region, columns=SHOWN)
    else:
        rows = TRAJECTORIES.validate(tr.as_of(tr.derive(measurements, catalogue, hours), latest))
        # the region's version with its rows, in one transaction: the monthly assets use what they kept of the region
        # only while it is unchanged (llo.monitor.region_results)
        version = pd.DataFrame({"regio": [region], "version": [fingerprint(rows, catalogue)],
                                "derived_from": [inputs]})
        replace_rows(engine, {TABLE: rows, TRAJECTORY_VERSIONS: version}, "regio", [region])
    return Derived(region, rows[SHOWN], measurements[["regio", "meetmoment"]], latest, kept)
