"""Snapshots of a training run for the live views: bounded histories and the per-snapshot maths.

A snapshot is a plain dict of floats and copied arrays (keys in ``docs/live-training.md``). The
training process builds it, so the decision-boundary grid, the neuron maps, the gradient norms
and the weight copies are computed here and the GUI only draws. It is pickled to the GUI once
per frame the window paints, so the grid images are float32 (half the bytes; plenty for
colours) and the history curves travel as deltas (``live/curves.py``): each snapshot carries
only the points added since the one before. Every snapshot built must therefore reach the
window; none may be dropped. Pure NumPy, no Qt.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from nnstudio.engine import Network
from nnstudio.live.curves import CurveDelta

#: Points kept per history curve; 2 arrays of 4096 float64 = 64 KiB per curve, whatever the run.
CURVE_CAPACITY = 4096
#: Hidden neurons shown per layer in the neuron maps (a 512-unit layer would be a wall).
MAX_NEURON_MAPS = 16
#: Bytes a second of weight, gradient and update copies sent to the window at most: every
#: frame for up to ~1.3 MB of them (784-128-10 in float32), a few times a second for the
#: editor's largest networks (12 x 256: 9 MB), whose pickling would otherwise cost the training
#: process and the window more than the training itself.
ARRAY_BYTES_PER_S = 40 * 2**20


class Decimated:
    """A curve that never holds more than ``capacity`` points, sent on as deltas.

    Points are appended one by one; when the arrays are full, neighbouring pairs are averaged
    and every later point stands for twice as many raw points. A million batch losses thus cost
    the same memory as four thousand, and the long-run curve comes out smoothed for free.
    :meth:`delta` hands out what changed since its last call: the new points, the unfinished
    bucket again (it changes until it is full) and, after a halving, the whole curve.
    """

    def __init__(self, capacity: int = CURVE_CAPACITY) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError(f"capacity must be an even number >= 2, got {capacity}")
        self.capacity = capacity
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self._n = 0
        self.width = 1  # raw points per stored point
        self._sx = self._sy = 0.0
        self._count = 0
        self.last = math.nan  # the last raw value appended
        self._unsent = 0  # index of the first point the receiver does not have as it is now

    def __len__(self) -> int:
        return self._n + (self._count > 0)

    def append(self, x: float, y: float) -> None:
        self.last = y
        if self._count == 0 and self._n == self.capacity:  # full: halve the resolution
            half = self.capacity // 2
            self._x[:half] = (self._x[0::2] + self._x[1::2]) / 2
            self._y[:half] = (self._y[0::2] + self._y[1::2]) / 2
            self._n = half
            self.width *= 2
            self._unsent = 0  # every point changed
        self._sx += x
        self._sy += y
        self._count += 1
        if self._count < self.width:
            return
        self._x[self._n] = self._sx / self._count
        self._y[self._n] = self._sy / self._count
        self._n += 1
        self._sx = self._sy = 0.0
        self._count = 0

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of (x, y), the unfinished bucket included as a last point."""
        n = self._n
        if not self._count:
            return self._x[:n].copy(), self._y[:n].copy()
        x = np.append(self._x[:n], self._sx / self._count)
        y = np.append(self._y[:n], self._sy / self._count)
        return x, y

    def delta(self) -> CurveDelta:
        """The points changed since the last delta (copies), unfinished bucket included."""
        start = min(self._unsent, self._n)
        x, y = self._x[start : self._n], self._y[start : self._n]
        if self._count:
            x = np.append(x, self._sx / self._count)
            y = np.append(y, self._sy / self._count)
        self._unsent = self._n  # the unfinished bucket, if any, goes again next time
        return CurveDelta(start, x.copy(), y.copy())

    @property
    def nbytes(self) -> int:
        return self._x.nbytes + self._y.nbytes


class CostThrottle:
    """Allows a costly job at most every ``interval`` s and at most ``budget`` of the time.

    After a job that took c seconds the next one waits max(interval, c / budget): a boundary
    grid of a 784-input network is recomputed less often than that of a 2-8-8-1 network.
    """

    def __init__(self, interval: float, budget: float) -> None:
        self.interval, self.budget = interval, budget
        self._next = -math.inf

    def due(self) -> bool:
        return time.monotonic() >= self._next

    def done(self, started: float) -> None:
        now = time.monotonic()
        self._next = now + max(self.interval, (now - started) / self.budget)


def layer_grad_norms(net: Network) -> list[float]:
    """The Euclidean norm of each layer's gradient (weights and bias together)."""
    return [math.sqrt(float(np.vdot(layer.dWb, layer.dWb))) for layer in net.layers]


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Counts: row = true class, column = predicted class."""
    flat = np.asarray(true, np.int64) * classes + np.asarray(predicted, np.int64)
    return np.bincount(flat, minlength=classes * classes).reshape(classes, classes)


def class_labels(output: np.ndarray) -> np.ndarray:
    """Predicted class per row: threshold 0.5 for one output, argmax for several."""
    if output.shape[1] == 1:
        return (output[:, 0] >= 0.5).astype(np.int64)
    return output.argmax(axis=1)


def default_ranges(X_raw: np.ndarray, margin: float = 0.1) -> list[list[float]]:
    """Per feature [low, high]: the data's range widened by ``margin`` on each side."""
    lo, hi = X_raw.min(axis=0), X_raw.max(axis=0)
    pad = np.maximum((hi - lo) * margin, 1e-6)
    return [[float(a), float(b)] for a, b in zip(lo - pad, hi + pad, strict=True)]


class Recorder:
    """The run's bounded history: batch losses, epoch figures and gradient norms."""

    EPOCH_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")

    def __init__(self, n_layers: int) -> None:
        self.batch_loss = Decimated()
        self.epochs = {key: Decimated() for key in self.EPOCH_KEYS}
        self.grad_norms = [Decimated() for _ in range(n_layers)]

    def seed(self, history: dict[str, list[float]]) -> None:
        """Start the curves with the epochs trained before this job (a reopened project)."""
        for key, curve in self.epochs.items():
            for epoch, value in enumerate(history.get(key, ()), start=1):
                if math.isfinite(value):
                    curve.append(epoch, value)

    def on_batch(self, step: int, loss: float) -> None:
        self.batch_loss.append(step, loss)

    def on_epoch(self, logs: dict[str, Any]) -> None:
        for key, value in logs.items():
            if key in self.epochs:
                self.epochs[key].append(logs["epoch"], value)

    def on_norms(self, step: int, norms: list[float]) -> None:
        for curve, norm in zip(self.grad_norms, norms, strict=True):
            curve.append(step, norm)

    @property
    def nbytes(self) -> int:
        curves = [self.batch_loss, *self.epochs.values(), *self.grad_norms]
        return sum(c.nbytes for c in curves)


class Snapshotter:
    """Builds snapshots of one network on one data set (see the module docstring).

    ``view`` holds what the views need beyond the weights: ``task``, ``classes``, the boundary
    ``features`` pair and ``ranges`` (raw feature units), the standardizer ``mean``/``scale``,
    ``grid`` size, ``image_shape``. The grid is laid out in raw units and standardized here, the
    features not shown held at their mean (0 after standardizing).
    """

    def __init__(
        self,
        net: Network,
        X_train: np.ndarray,
        y_train: np.ndarray,
        X_val: np.ndarray | None,
        y_val: np.ndarray | None,
        view: dict[str, Any],
    ) -> None:
        self.net = net
        self.recorder = Recorder(len(net.layers))
        d = net.n_inputs
        self.view = dict(view)
        mean, scale = view.get("mean"), view.get("scale")
        self.mean = np.zeros(d) if mean is None else np.asarray(mean, float)
        self.scale = np.ones(d) if scale is None else np.asarray(scale, float)
        if self.view.get("ranges") is None:
            # min and max in raw units (scale > 0), without a raw copy of a large data set
            extremes = np.stack([X_train.min(axis=0), X_train.max(axis=0)])
            self.view["ranges"] = default_ranges(extremes * self.scale + self.mean)
        self.task = view.get("task", "regression")
        self.classes = int(view.get("classes") or 0)
        has_val = X_val is not None and len(X_val) > 0
        # The samples for the image grid and the confusion matrix: validation rows if any.
        self.X_eval, self.y_eval = (X_val, y_val) if has_val else (X_train, y_train)
        self.sample_idx = np.arange(min(len(self.X_eval), int(view.get("samples", 32))))
        # float32 twin for the grid: tanh and friends are ~5x faster in float32.
        spec = net.to_spec()
        spec["dtype"] = "float32"
        self._twin = Network(spec)
        self.boundary_throttle = CostThrottle(interval=0.1, budget=0.05)
        self.confusion_throttle = CostThrottle(interval=0.5, budget=0.05)
        self._boundary: dict[str, Any] = {}
        self._confusion: np.ndarray | None = None
        self._predictions: dict[str, np.ndarray] | None = None  # the sample images' labels
        #: Neuron maps are drawn for data on an input plane only: for images the canvas, the
        #: Neurons view and the large picture show first-layer weights, so an image network's
        #: grid is predicted without keeping (copying) every hidden layer's activations.
        self.images = bool(view.get("image_shape"))
        self.draws_maps = not self.images
        self.heavy_version = 0
        self._sent_version = -1  # the boundary grid and maps go out only when they are new
        self._confusion_new = False
        self._arrays_due = -math.inf  # when the next weight copies may go out
        self._first_step = net.steps  # gradients exist once this run has taken a step

    # ------------------------------------------------------------------------- settings
    def set_features(self, features: list[int]) -> None:
        self.view["features"] = list(features)
        self.boundary_throttle._next = -math.inf

    def _is_classification(self) -> bool:
        return self.task in ("binary", "multiclass")

    # --------------------------------------------------------------------------- pieces
    def _grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float]]:
        """Inputs for the grid: (standardized rows, raw x axis, raw y axis, extent)."""
        d = self.net.n_inputs
        n = int(self.view.get("grid", 100))
        features = self.view.get("features") or list(range(min(d, 2)))
        ranges = self.view["ranges"]
        i = features[0]
        xs = np.linspace(*ranges[i], n)
        if d == 1 or len(features) < 2:
            X = np.zeros((n, d))
            X[:, i] = (xs - self.mean[i]) / self.scale[i]
            return X, xs, np.zeros(0), [*ranges[i], 0.0, 0.0]
        j = features[1]
        ys = np.linspace(*ranges[j], n)
        X = np.zeros((n * n, d))
        gx, gy = np.meshgrid(xs, ys)  # row = y, column = x (row-major image)
        X[:, i] = (gx.ravel() - self.mean[i]) / self.scale[i]
        X[:, j] = (gy.ravel() - self.mean[j]) / self.scale[j]
        return X, xs, ys, [*ranges[i], *ranges[j]]

    def _compute_boundary(self) -> dict[str, Any]:
        X, xs, ys, extent = self._grid()
        net = self.net
        if np.abs(net.params).max(initial=0) < 1e30:  # else float32 would overflow
            net = self._twin
            net.set_weights(self.net.get_weights())
        with np.errstate(all="ignore"):  # a diverged network may overflow: draw what it gives
            # Hidden activations (copies of every layer's output) only where maps are drawn.
            layers = net.layer_outputs(X) if self.draws_maps else []
            out = layers[-1][1] if layers else net.predict(X)
        if ys.size == 0:  # one input: the fitted curve
            y = out[:, 0] * float(self.view.get("target_scale", 1.0))
            return {"curve": (xs, y + float(self.view.get("target_mean", 0.0)))}
        n = len(xs)
        image = out.reshape(n, n, -1)
        boundary = image[:, :, 0] if image.shape[2] == 1 else image
        maps = []
        step = max(1, n // 50)  # neuron maps are small tiles: half resolution is plenty
        for _, a in layers[:-1]:
            tiles = a[:, :MAX_NEURON_MAPS].reshape(n, n, -1)[::step, ::step]
            maps.append(np.ascontiguousarray(tiles.transpose(2, 0, 1), dtype=np.float32))
        with np.errstate(over="ignore"):  # a diverging network: inf is drawn as the extreme
            boundary = np.ascontiguousarray(boundary, dtype=np.float32)
        grid = {
            "boundary": boundary,
            "extent": extent,
            "boundary_features": list(self.view.get("features") or [0, 1]),
        }
        if not self.draws_maps:
            return grid
        # The output layer's units over the same tiles, for the pictures on the canvas.
        outputs = out[:, :MAX_NEURON_MAPS].reshape(n, n, -1)[::step, ::step]
        grid["neuron_maps"] = maps
        grid["output_maps"] = np.ascontiguousarray(outputs.transpose(2, 0, 1), dtype=np.float32)
        return grid

    def _compute_confusion(self) -> tuple[np.ndarray, np.ndarray]:
        """The confusion matrix and the predicted class of every evaluation row (one pass)."""
        with np.errstate(all="ignore"):
            labels = class_labels(self.net.predict(self.X_eval))
        true = np.asarray(self.y_eval)
        true = true.argmax(axis=1) if true.ndim == 2 and true.shape[1] > 1 else true.reshape(-1)
        return confusion_matrix(true.astype(np.int64), labels, max(self.classes, 2)), labels

    def _arrays(self) -> dict[str, list[np.ndarray]]:
        """Copies of the weights, the last gradients and updates; the next are due later."""
        net = self.net
        arrays = {
            "weights": net.get_weights(),
            "grads": [g.copy() for g in net.split_flat(net.grads)],
            "updates": [u.copy() for u in net.split_flat(net.optimizer.delta)],
        }
        nbytes = sum(a.nbytes for copies in arrays.values() for a in copies)
        self._arrays_due = time.monotonic() + nbytes / ARRAY_BYTES_PER_S
        return arrays

    # ------------------------------------------------------------------------- snapshot
    def snapshot(self, logs: dict[str, Any], force: bool = False) -> dict[str, Any]:
        """A snapshot after the step in ``logs``; ``force`` recomputes the costly parts now."""
        net, rec = self.net, self.recorder
        rec.on_norms(net.steps, layer_grad_norms(net))
        if force or self.boundary_throttle.due():
            started = time.monotonic()
            self._boundary = self._compute_boundary()
            self.boundary_throttle.done(started)
            self.heavy_version += 1
        if self._is_classification() and (force or self.confusion_throttle.due()):
            started = time.monotonic()
            self._confusion, labels = self._compute_confusion()
            self._predictions = {
                "indices": self.sample_idx.copy(),
                "labels": labels[self.sample_idx],
            }
            self.confusion_throttle.done(started)
            self._confusion_new = True
        snap: dict[str, Any] = {
            "epoch": net.epochs,
            "step": net.steps,
            # A reopened project has steps but no gradient yet: that needs a step in this run.
            "stepped": net.steps > self._first_step,
            "batch": logs.get("batch", -1) + 1,
            "loss": float(rec.batch_loss.last),
            "batch_loss": rec.batch_loss.delta(),
            "grad_norms": [c.delta() for c in rec.grad_norms],
            "optimizer": net.optimizer.get_config(),
            "heavy_version": self.heavy_version,
            **{key: curve.delta() for key, curve in rec.epochs.items() if key != "loss"},
        }
        # The costly parts only when new: the window keeps the last ones (``SnapshotStream``).
        if force or self._sent_version != self.heavy_version:
            snap.update(self._boundary)
            self._sent_version = self.heavy_version
        if force or self._confusion_new:
            snap["confusion"] = self._confusion
            if self.images:  # the sample images' labels: the same pass
                snap["predictions"] = self._predictions
            self._confusion_new = False
        if force or time.monotonic() >= self._arrays_due:
            snap.update(self._arrays())
        snap["epoch_loss"] = rec.epochs["loss"].delta()
        return snap
