"""``fit``: epochs of shuffled mini-batches, validation, callbacks and a stop flag.

An epoch is one pass over the data, a batch a slice of it, a step one weight update. The
training loss and accuracy of an epoch are the means over its batches, each measured before that
batch's update (as Keras reports them); validation figures are measured after the epoch.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from typing import Any

import numpy as np

from nnstudio.engine import denormals
from nnstudio.engine.callbacks import Callback, Control, History
from nnstudio.engine.network import Network

CLASSIFICATION_LOSSES = ("binary_crossentropy", "categorical_crossentropy")


def correct_count(output: np.ndarray, targets: np.ndarray) -> int:
    """How many rows are classified right: threshold 0.5 for one output, argmax for several."""
    if output.shape[1] == 1:
        return int(np.count_nonzero((output >= 0.5) == (targets >= 0.5)))
    return int(np.count_nonzero(output.argmax(axis=1) == targets.argmax(axis=1)))


def evaluate(net: Network, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Loss (with penalties) and, for classification, accuracy on a whole data set."""
    X, T = net.prepare_inputs(X), net.prepare_targets(y)
    out: dict[str, float] = {"loss": net.loss(X, T)}
    if net.loss_fn.name in CLASSIFICATION_LOSSES:
        out["accuracy"] = correct_count(net.predict(X), T) / len(X)
    return out


#: Inputs up to this size are shuffled by one copy per epoch; larger ones are gathered batch by
#: batch into a buffer that stays in cache (a whole copy of, say, 20,000 MNIST images streams
#: 63 MB through memory twice per epoch and evicts the weights from cache).
GATHER_FROM_BYTES = 4 << 20


class _Batches:
    """The inputs of each epoch in shuffled order, handed out as contiguous batches.

    Batches carry the feature crosses and the column of ones of the first layer's bias
    (``Network.augment``). Small inputs are augmented once. Large ones are not copied at all:
    each batch's rows are gathered and augmented into one reused buffer, so training 54,000
    MNIST images holds no second 170 MB copy of them (about 10 us per batch of 128 rows).
    """

    def __init__(self, net: Network, X: np.ndarray, batch_size: int) -> None:
        X = net.prepare_inputs(X)
        self.net, self.rows = net, len(X)
        self.gather = X.nbytes > GATHER_FROM_BYTES
        if self.gather:
            self.X = X
            n, first = min(batch_size, len(X)), net.layers[0]
            self._rows = np.empty((n, X.shape[1]), X.dtype)  # a batch's rows, as given
            self._buffer = np.empty((n, first.fan_in + first.use_bias), X.dtype)  # augmented
        else:
            self.X = net.augment(X)
        self._epoch_X, self._order = self.X, None

    def start_epoch(self, order: np.ndarray | None) -> None:
        """Use the rows in ``order`` (None: as they are) until the next epoch."""
        self._order = order if self.gather else None
        self._epoch_X = self.X if order is None or self.gather else self.X[order]

    def inputs(self, start: int, end: int) -> np.ndarray:
        if not self.gather:
            return self._epoch_X[start:end]
        n = end - start
        if self._order is None:
            rows = self.X[start:end]
        else:
            # mode="clip": the rows come from a permutation, so every index is valid; the
            # default "raise" buffers the whole gather once more (128 MNIST rows: 24 -> 10 us).
            rows = np.take(self.X, self._order[start:end], axis=0, out=self._rows[:n], mode="clip")
        return self.net.augment(rows, out=self._buffer[:n])  # crosses and ones, as always


def _watches_batches(cb: Callback) -> bool:
    hook = cb.on_batch_end
    return getattr(hook, "__func__", None) is not Callback.on_batch_end


def fit(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int = 1,
    batch_size: int = 32,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    shuffle: bool = True,
    callbacks: Iterable[Callback] = (),
    stop: threading.Event | None = None,
) -> History:
    """Train ``net`` in place for ``epochs`` more epochs; returns the History of this call.

    ``stop`` is checked before every batch; a callback may also stop training with a reason
    (``history.stopped_reason``). Epoch numbers continue from ``net.epochs``. An epoch cut
    short by a stop is not counted yet: its place is kept in ``net.position`` (with
    ``net.get_state()``), and the next ``fit`` with the same rows and batch size finishes it
    in the same shuffled order, so stopping and going on gives the same run as not stopping.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    batches, T = _Batches(net, X, batch_size), net.prepare_targets(y)
    n = batches.rows
    if n != len(T):
        raise ValueError(f"inputs have {n} rows but targets have {len(T)}")
    if n == 0:
        raise ValueError("no training data")
    has_val = validation_data is not None and len(validation_data[0]) > 0
    if has_val:
        Xv, Tv = net.prepare_inputs(validation_data[0]), net.prepare_targets(validation_data[1])
    classify = net.loss_fn.name in CLASSIFICATION_LOSSES
    outputs = np.empty_like(T) if classify else None
    history = History()
    cbs = [history, *callbacks]
    control = Control(net)
    for cb in cbs:
        cb.set_control(control)

    def stopping() -> bool:
        return control.stop_requested or (stop is not None and stop.is_set())

    for cb in cbs:
        cb.on_train_begin({})
    # Only callbacks that look at batches are called per batch (most watch epochs).
    batch_cbs = [cb for cb in cbs if _watches_batches(cb)]
    resume = _resume_point(net.position, n, batch_size, shuffle)
    net.position = None
    # A diverging run overflows; the step is then skipped (net.last_step_ok) and NanGuard
    # reports it, so the overflow need not raise RuntimeWarnings as well. Denormal numbers
    # count as zero while training (see engine/denormals.py: they slow a deep network 4x).
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), denormals.flushed():
        for _ in range(epochs):
            if stopping():
                break
            epoch = net.epochs + 1
            for cb in cbs:
                cb.on_epoch_begin(epoch)
            first, loss_sum, correct = 0, 0.0, 0
            if resume is not None:  # the rest of an epoch cut short: same order, same sums
                net.shuffle_rng.bit_generator.state = resume["shuffle_rng"]
                first, loss_sum, correct = resume["seen"], resume["loss_sum"], resume["correct"]
                resume = None
            rng_at_start = net.shuffle_rng.bit_generator.state if shuffle else None
            order = net.shuffle_rng.permutation(n) if shuffle else None
            batches.start_epoch(order)
            T_ep = T if order is None else T[order]
            cursor = net.cursor = _Cursor(
                (n, batch_size, shuffle), rng_at_start, first, loss_sum, correct, outputs, T_ep
            )
            for start in range(first, n, batch_size):
                if stopping():
                    break
                end = min(start + batch_size, n)
                loss = net.train_step_prepared(batches.inputs(start, end), T_ep[start:end])
                if outputs is not None:
                    outputs[start:end] = net.last_output
                cursor.loss_sum += loss * (end - start)
                cursor.seen = end
                if batch_cbs:
                    logs = {
                        "epoch": epoch,
                        "batch": start // batch_size,
                        "step": net.steps,
                        "loss": loss,
                        "size": end - start,
                    }
                    for cb in batch_cbs:
                        cb.on_batch_end(logs)
            if cursor.seen < n:  # interrupted mid-epoch: remember where, so fit goes on there
                net.position = cursor.position()
                break
            net.epochs = epoch
            cursor.finished = True
            logs: dict[str, Any] = {"epoch": epoch, "step": net.steps, "loss": cursor.loss_sum / n}
            if outputs is not None:
                logs["accuracy"] = cursor.correct() / n
            if has_val:
                val = evaluate(net, Xv, Tv)
                logs.update({f"val_{key}": value for key, value in val.items()})
            for cb in cbs:
                cb.on_epoch_end(logs)
    if resume is not None:  # stopped before the cut epoch went on: keep its place
        net.position = _position_from(resume, n, batch_size, shuffle)
    net.cursor = None
    for cb in cbs:
        cb.on_train_end({})
    return history


class _Cursor:
    """Where ``fit`` is inside the current epoch, so ``Network.get_state()`` can say so.

    Read when a paused run is saved: the rows done so far, their summed loss and right
    answers, and the shuffle stream as it was before the epoch drew its order.
    """

    def __init__(self, key, rng_at_start, first, loss_sum, correct_before, outputs, targets):
        self.key: tuple[int, int, bool] = key  # rows, batch size, shuffle
        self.rng_at_start, self.first, self.seen = rng_at_start, first, first
        self.loss_sum, self.correct_before = loss_sum, correct_before
        self.outputs, self.targets = outputs, targets
        self.finished = False

    def correct(self) -> int:
        """Right answers of the epoch so far (classification; 0 otherwise)."""
        if self.outputs is None or self.seen == self.first:
            return self.correct_before
        part = slice(self.first, self.seen)
        return self.correct_before + correct_count(self.outputs[part], self.targets[part])

    def position(self) -> dict[str, Any] | None:
        """The plain-data place of an unfinished epoch (None between epochs, or if it diverged)."""
        if self.finished or not math.isfinite(self.loss_sum):
            return None
        n, batch_size, shuffle = self.key
        return {
            "rows": n,
            "batch_size": batch_size,
            "shuffle": shuffle,
            "shuffle_rng": self.rng_at_start,
            "seen": self.seen,
            "loss_sum": self.loss_sum,
            "correct": self.correct(),
        }


def _resume_point(
    position: dict[str, Any] | None, n: int, batch_size: int, shuffle: bool
) -> dict[str, Any] | None:
    """The cut epoch to finish first, when it was cut on the same rows with the same batches."""
    if not position:
        return None
    try:
        same = (position["rows"], position["batch_size"], position["shuffle"]) == (
            n,
            batch_size,
            shuffle,
        )
        seen = int(position["seen"])
        ok = same and 0 <= seen <= n and (seen % batch_size == 0 or seen == n)
        if ok and shuffle:  # a valid generator state, or no resuming
            np.random.default_rng().bit_generator.state = position["shuffle_rng"]
        return _position_from(position, n, batch_size, shuffle) if ok else None
    except (KeyError, TypeError, ValueError, OverflowError):
        return None  # a position from another run or a damaged file: start a fresh epoch


def _position_from(
    position: dict[str, Any], n: int, batch_size: int, shuffle: bool
) -> dict[str, Any]:
    return {
        "rows": n,
        "batch_size": batch_size,
        "shuffle": shuffle,
        "shuffle_rng": position["shuffle_rng"],
        "seen": int(position["seen"]),
        "loss_sum": float(position["loss_sum"]),
        "correct": int(position["correct"]),
    }
