"""Callbacks watch training through plain ``logs`` dicts and may ask it to stop (Keras habit).

Batch logs: ``epoch`` (1-based, the epoch running), ``batch`` (0-based within it), ``step``
(updates so far), ``loss`` (before the update), ``size``. Epoch logs: ``epoch``, ``step``,
``loss`` and, where they apply, ``accuracy``, ``val_loss``, ``val_accuracy``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class Control:
    """What fit and its callbacks share: the network and a stop request with its reason."""

    def __init__(self, net) -> None:
        self.net = net
        self.stop_requested = False
        self.reason = ""

    def request_stop(self, reason: str) -> None:
        if not self.stop_requested:
            self.stop_requested, self.reason = True, reason


class Callback:
    """Base class; every hook is optional."""

    control: Control

    @property
    def net(self):
        return self.control.net

    def set_control(self, control: Control) -> None:
        self.control = control

    def on_train_begin(self, logs: dict[str, Any]) -> None: ...
    def on_epoch_begin(self, epoch: int) -> None: ...
    def on_batch_end(self, logs: dict[str, Any]) -> None: ...
    def on_epoch_end(self, logs: dict[str, Any]) -> None: ...
    def on_train_end(self, logs: dict[str, Any]) -> None: ...


class History(Callback):
    """Records every epoch's logs: ``history["loss"]`` is the list of training losses."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.stopped_reason = ""

    def on_epoch_end(self, logs):
        self.epoch.append(logs["epoch"])
        for key, value in logs.items():
            if key not in ("epoch", "step"):
                self.history.setdefault(key, []).append(value)

    def on_train_end(self, logs):
        self.stopped_reason = self.control.reason


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    A loss must fall, an accuracy must rise. With ``restore_best_weights`` the weights of the best
    epoch are put back when training ends.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 0,
        min_delta: float = 0.0,
        restore_best_weights: bool = False,
    ) -> None:
        self.monitor, self.patience = monitor, patience
        self.min_delta, self.restore_best_weights = abs(min_delta), restore_best_weights
        self.sign = -1.0 if "acc" in monitor else 1.0  # minimise sign * value

    def on_train_begin(self, logs):
        self.best, self.best_epoch, self.wait, self.best_params = math.inf, 0, 0, None
        self.stopped_epoch = 0

    def on_epoch_end(self, logs):
        value = logs.get(self.monitor)
        if value is None:
            return
        score = self.sign * value
        if score < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = score, logs["epoch"], 0
            if self.restore_best_weights:
                self.best_params = self.net.params.copy()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = logs["epoch"]
            self.control.request_stop(
                f"early stopping at epoch {logs['epoch']}: {self.monitor} has not improved for "
                f"{self.wait} epochs (best {self.sign * self.best:.4g} at epoch {self.best_epoch})"
            )

    def on_train_end(self, logs):
        if self.restore_best_weights and self.best_params is not None:
            self.net.params[...] = self.best_params


class NanGuard(Callback):
    """Stop at the first step whose loss, gradient or update is not finite, and recover.

    ``Network.train_step`` never applies such a step, but the steps before it may already have
    thrown the weights far out (1e150 is finite). So the guard keeps the weights of the epoch
    with the lowest training loss so far, or the weights training started from (scored by the
    first batch's loss) until an epoch does better, and puts them back when it stops the run,
    with fresh optimizer state: lowering the learning rate and training again then works.
    ``epoch`` and ``step`` say where the loss stopped being finite, ``restored_epoch`` whose
    weights are back (``None``: the starting weights).
    """

    def __init__(self) -> None:
        self.message = ""
        self.epoch = self.step = 0
        self.restored_epoch: int | None = None

    def on_train_begin(self, logs):
        self._best_loss = math.inf  # of the starting weights: their first batch's loss
        self._best_epoch: int | None = None
        self._best_params = self.net.params.copy()
        self._started = False

    def on_epoch_end(self, logs):
        loss = logs["loss"]
        if math.isfinite(loss) and loss < self._best_loss:
            self._best_loss, self._best_epoch = loss, logs["epoch"]
            np.copyto(self._best_params, self.net.params)

    def on_batch_end(self, logs):
        if not self._started:  # an epoch that went uphill from the start does not count
            self._started = True
            if math.isfinite(logs["loss"]):
                self._best_loss = logs["loss"]
        if self.net.last_step_ok and math.isfinite(logs["loss"]):
            return
        self.epoch, self.step = logs["epoch"], logs["step"]
        loss = logs["loss"]
        if math.isfinite(loss):
            what = "the gradients or the update became too large (not finite)"
        else:
            what = f"the loss became {'infinite' if np.isinf(loss) else 'not a number'}"
        self.net.params[...] = self._best_params
        self.net.optimizer.reset()
        self.restored_epoch = self._best_epoch
        kept = (
            "the starting weights were put back"
            if self._best_epoch is None
            else f"the weights of epoch {self._best_epoch} (the lowest loss so far) were put back"
        )
        self.message = f"{what} at epoch {self.epoch}, step {self.step}; {kept}."
        self.control.request_stop(self.message)


class LambdaCallback(Callback):
    """A callback from plain functions, for scripts and tests."""

    def __init__(self, on_batch_end=None, on_epoch_end=None) -> None:
        if on_batch_end is not None:
            self.on_batch_end = on_batch_end
        if on_epoch_end is not None:
            self.on_epoch_end = on_epoch_end
