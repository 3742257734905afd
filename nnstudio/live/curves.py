"""History curves as deltas: the training process sends what is new, the window keeps the rest.

A live run's curves (the per-epoch loss and accuracy, the per-batch loss, each layer's gradient
size) hold up to 4096 points each (``live.snapshot.Decimated``). Re-sending every curve with
every snapshot cost up to 1.7 MB a frame; instead each snapshot carries one
:class:`CurveDelta` per curve: the points from index ``start`` on. The receiver keeps its
points before ``start`` and replaces the rest, so the same rule covers a new point (``start``
is the old length), the unfinished last bucket of a decimated curve (sent again until it is
full), a curve that halved its resolution (``start`` 0) and a new job (its first snapshot
starts every curve at 0). While a curve holds one point per epoch, ``start`` is the epoch
index (0-based) the delta begins at.

:class:`GrowingCurve` is the receiving end: NumPy arrays that double when full (amortized
O(1) appends) and hand out views, never copies, for drawing. The costly parts (the
decision-boundary grid, the neuron maps, the confusion matrix, the weight copies) are likewise
sent only when they are new (``live.snapshot.Snapshotter``). :class:`SnapshotStream` folds the
stream back into whole snapshots: the deltas into curves, and the last of each costly part
kept until a new one comes, the same object, so a view can tell "new" by ``is``. No Qt.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

#: Snapshot keys that hold one curve delta each; ``GRAD_NORMS`` holds a list (one per layer).
CURVE_KEYS = ("batch_loss", "epoch_loss", "accuracy", "val_loss", "val_accuracy")
GRAD_NORMS = "grad_norms"
#: Snapshot keys sent only when new (``live.snapshot.Snapshotter``); the stream keeps the last.
HELD_KEYS = (
    "weights",
    "grads",
    "updates",
    "boundary",
    "curve",
    "extent",
    "boundary_features",
    "neuron_maps",
    "output_maps",
    "confusion",
    "predictions",
)


class CurveDelta(NamedTuple):
    """Points ``x``, ``y`` of a curve from index ``start`` on (the points before stay)."""

    start: int
    x: np.ndarray
    y: np.ndarray


class GrowingCurve:
    """A curve's points in arrays that grow by doubling; ``x`` and ``y`` are views of them."""

    def __init__(self, capacity: int = 64) -> None:
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def x(self) -> np.ndarray:
        return self._x[: self.n]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self.n]

    def clear(self) -> None:
        self.n = 0

    def apply(self, delta: CurveDelta) -> None:
        """Keep the points before ``delta.start``, then append the delta's points."""
        start = min(max(0, int(delta.start)), self.n)
        end = start + len(delta.x)
        if end > len(self._x):
            capacity = max(end, 2 * len(self._x))
            self._x = _grown(self._x, start, capacity)
            self._y = _grown(self._y, start, capacity)
        self._x[start:end] = delta.x
        self._y[start:end] = delta.y
        self.n = end


def _grown(a: np.ndarray, keep: int, capacity: int) -> np.ndarray:
    out = np.empty(capacity, a.dtype)
    out[:keep] = a[:keep]
    return out


class SnapshotStream:
    """The window's copy of a run: curves from the deltas, the last of each costly part."""

    def __init__(self) -> None:
        self.curves: dict[str, GrowingCurve] = {key: GrowingCurve() for key in CURVE_KEYS}
        self.grad_norms: list[GrowingCurve] = []
        self.held: dict[str, Any] = {}

    def clear(self) -> None:
        """Forget everything: a new job's history and pictures come with its first snapshot."""
        for curve in self.curves.values():
            curve.clear()
        self.grad_norms = []
        self.held = {}

    def apply(self, snap: dict[str, Any]) -> dict[str, Any]:
        """Fold ``snap`` in; the whole snapshot: ``(x, y)`` curves (views), the held parts.

        The views stay valid until the next :meth:`apply` (which may write into the arrays).
        """
        self.held.update((key, snap[key]) for key in HELD_KEYS if key in snap)
        out = {**self.held, **snap}
        for key, curve in self.curves.items():
            delta = snap.get(key)
            if isinstance(delta, CurveDelta):
                curve.apply(delta)
                out[key] = (curve.x, curve.y)
        deltas = snap.get(GRAD_NORMS)
        if deltas is not None:
            if len(deltas) != len(self.grad_norms):
                self.grad_norms = [GrowingCurve() for _ in deltas]
            for curve, delta in zip(self.grad_norms, deltas, strict=True):
                curve.apply(delta)
            out[GRAD_NORMS] = [(curve.x, curve.y) for curve in self.grad_norms]
        return out
