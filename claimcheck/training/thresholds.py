"""Thresholds of the binary models (claim gate, factual-claim model), chosen on dev."""

from __future__ import annotations

import numpy as np


def highest_passing(p: np.ndarray, positive: np.ndarray, min_pass: float) -> float:
    """The highest threshold (0.01 steps) at which at least ``min_pass`` of the positive units pass."""
    best = 0.0
    for t in np.round(np.arange(0.01, 0.99, 0.01), 2):
        if positive.any() and np.mean(p[positive] >= t) >= min_pass:
            best = float(t)
    return best
