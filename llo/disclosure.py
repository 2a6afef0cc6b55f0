"""The disclosure rule that the monitor's `suppress` flags and the reports' ledger share: which participants a
published count reveals something about. A figure resting on fewer than `settings.MIN_PARTICIPANTS` is suppressed."""

from __future__ import annotations

import numpy as np


def resting_on(count, basis):
    """The participants a count of a basis reveals something about: the basis, and a non-zero count itself."""
    count, basis = np.asarray(count, dtype="float64"), np.asarray(basis, dtype="float64")
    return np.where(count > 0, np.fmin(count, basis), basis)
