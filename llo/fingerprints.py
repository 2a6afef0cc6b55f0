"""Versions of data and of code, as short hashes: what decides whether something kept from an earlier run is still
true (a region's kept monthly parts, its trajectories, a file's parsed form)."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from types import ModuleType

import pandas as pd


def fingerprint(*frames: pd.DataFrame) -> str:
    """A hash of the frames' columns and values (not their index): the same rows give the same version."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update("\x1f".join(map(str, frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:32]


def code_version(*modules: ModuleType) -> str:
    """A hash of the modules' source: what other code computed is not used."""
    digest = hashlib.sha256()
    for module in modules:
        try:
            digest.update(inspect.getsource(module).encode())
        except OSError:  # installed without sources: the compiled module
            digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]
