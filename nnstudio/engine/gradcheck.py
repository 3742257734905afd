"""Finite-difference gradients: the independent check of backpropagation.

Central differences (L(w + h) - L(w - h)) / 2h have error O(h^2); in float64 h = 1e-6 gives
agreement to about 1e-8 relative for smooth losses. Used by the tests and the GUI's
"check gradients" action.
"""

from __future__ import annotations

import numpy as np

from nnstudio.engine.network import Network


def numeric_gradients(
    net: Network, X: np.ndarray, y: np.ndarray, h: float = 1e-6
) -> list[np.ndarray]:
    """dLoss/dWeight by central differences, in ``get_weights`` order. Leaves weights unchanged."""
    params = net.params
    grads = np.zeros_like(params)
    for i in range(params.size):
        old = params[i]
        params[i] = old + h
        up = net.loss(X, y)
        params[i] = old - h
        down = net.loss(X, y)
        params[i] = old
        grads[i] = (up - down) / (2 * h)
    return [g.copy() for g in net.split_flat(grads)]


def check_gradients(
    net: Network, X: np.ndarray, y: np.ndarray, h: float = 1e-6
) -> dict[str, object]:
    """Compare backpropagation with finite differences.

    Returns ``{"max_abs_error", "max_rel_error", "per_array": [...]}`` where the relative error is
    |analytic - numeric| / max(|analytic| + |numeric|, 1e-8).
    """
    analytic = net.gradients(X, y)
    numeric = numeric_gradients(net, X, y, h)
    per_array = []
    for a, n in zip(analytic, numeric, strict=True):
        diff = np.abs(a - n)
        rel = diff / np.maximum(np.abs(a) + np.abs(n), 1e-8)
        per_array.append({"max_abs_error": float(diff.max()), "max_rel_error": float(rel.max())})
    return {
        "max_abs_error": max(p["max_abs_error"] for p in per_array),
        "max_rel_error": max(p["max_rel_error"] for p in per_array),
        "per_array": per_array,
    }
