"""Which two features a plot of the data starts on: the two that tell the targets apart best.

The data panel's thumbnail and the boundary view both start on this pair, so they show the
same plane.
"""

from __future__ import annotations

import numpy as np

#: At most this many rows choose the pair.
PAIR_ROWS = 5000


def telling_pair(X: np.ndarray, y: np.ndarray, task: str) -> list[int]:
    """The indices of the two features that tell the targets apart best (in the data's order).

    With more than two features the boundary view is a slice through the others, so its first pair
    matters: iris's first two (the sepals) barely separate two of the species, its petals
    separate all three. Classes: the features with the largest ratio of between-class to
    within-class variance (ANOVA's F); regression: the largest |correlation| with the target.
    Ties keep the data's order.
    """
    d = X.shape[1]
    if d <= 2:
        return list(range(d))
    step = max(1, len(X) // PAIR_ROWS)  # a few thousand rows rank features well enough
    X = np.asarray(X[::step], np.float64)
    y = np.asarray(y)[::step]
    if task in ("binary", "multiclass"):
        labels = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1)
        score = _f_ratio(X, labels.astype(np.int64))
    else:
        t = np.asarray(y, np.float64).reshape(len(X), -1)[:, 0]
        Xc, tc = X - X.mean(axis=0), t - t.mean()
        norms = np.sqrt((Xc * Xc).sum(axis=0) * float(tc @ tc))
        score = np.abs(Xc.T @ tc) / np.where(norms > 0, norms, np.inf)
    order = np.argsort(-score, kind="stable")
    return sorted(int(k) for k in order[:2])


def _f_ratio(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Between-class over within-class sum of squares, per feature (0 where both are 0)."""
    classes, index, counts = np.unique(labels, return_inverse=True, return_counts=True)
    one_hot = np.zeros((len(X), len(classes)))
    one_hot[np.arange(len(X)), index] = 1.0
    means = (one_hot.T @ X) / counts[:, None]
    between = (counts[:, None] * (means - X.mean(axis=0)) ** 2).sum(axis=0)
    within = ((X - means[index]) ** 2).sum(axis=0)
    return np.divide(between, within, out=np.where(between > 0, np.inf, 0.0), where=within > 0)
