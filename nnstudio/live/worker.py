"""The training worker: trains its own network from a job and reports through ``emit``.

No Qt here: the worker runs in the training process (``nnstudio.live.process``), and its only
way out is ``emit(kind, *args)`` with plain data:

========================== ==========================================================
``("snapshot", snap)``     the network as it is now (``engine.snapshot``), <= 30/s and
                           always at a pause and at the end of a run
``("state", state)``       ``idle``, ``running``, ``paused`` or ``finished``
``("message", text)``      why a run ended (NaN guard, early stopping, epochs done)
``("failed", text, tb)``   an exception; the worker then ends
``("finished", result)``   a run reached its end (``Worker.result``)
========================== ==========================================================

Commands come in through a :class:`Gate`, because a training loop cannot wait for messages:
another thread sets the gate's fields and the worker reads them after every batch.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from nnstudio.engine.callbacks import Callback, EarlyStopping, NanGuard
from nnstudio.engine.network import Network
from nnstudio.engine.snapshot import Snapshotter
from nnstudio.engine.training import fit

IDLE, RUNNING, PAUSED, FINISHED = "idle", "running", "paused", "finished"
#: Gate modes: what the worker does at its next batch end.
RUN, PAUSE, STEP_BATCH, STEP_EPOCH = "run", "pause", "batch", "epoch"
#: "epochs": 0 in the settings means "until stopped".
FOREVER = 10**12
SNAPSHOTS_PER_S = 30

Emit = Callable[..., None]


class Gate:
    """Where the commanding thread and the worker meet.

    Command methods only set fields under the lock and wake the worker; the worker checks them
    after every batch (``threading`` primitives: a busy training loop receives no messages).
    """

    def __init__(self, step_interval: float = 0.0) -> None:
        self.cond = threading.Condition()
        self.stop = threading.Event()
        self.mode = PAUSE
        self.reset_requested = False
        self.pending: dict[str, Any] = {}  # optimizer / features to apply before the next step
        self.step_interval = max(0.0, step_interval)  # seconds per step at least (0 = full speed)
        self._last_step = 0.0

    # ------------------------------------------------------------- commanding thread
    def command(self, mode: str) -> None:
        with self.cond:
            self.mode = mode
            self.cond.notify_all()

    def request(self, **pending: Any) -> None:
        with self.cond:
            self.pending.update(pending)
            self.cond.notify_all()

    def request_reset(self) -> None:
        with self.cond:
            self.reset_requested = True
            self.cond.notify_all()

    def request_stop(self) -> None:
        with self.cond:
            self.stop.set()
            self.cond.notify_all()

    def set_step_interval(self, seconds: float) -> None:
        with self.cond:
            self.step_interval = max(0.0, seconds)
            self.cond.notify_all()

    # --------------------------------------------------------------------- worker
    @property
    def interrupted(self) -> bool:
        return self.stop.is_set() or self.reset_requested

    def take_pending(self) -> dict[str, Any]:
        with self.cond:
            pending, self.pending = self.pending, {}
            return pending

    def consume(self, mode: str) -> None:
        """A step command is used up: pause again."""
        with self.cond:
            if self.mode == mode:
                self.mode = PAUSE

    def wait_while_paused(self) -> None:
        with self.cond:
            while self.mode == PAUSE and not self.interrupted and not self.pending:
                self.cond.wait()

    def keep_speed(self) -> None:
        """Wait until ``step_interval`` has passed since the last step (woken by any command)."""
        with self.cond:
            while self.step_interval > 0 and not self.interrupted and self.mode != PAUSE:
                remaining = self._last_step + self.step_interval - time.monotonic()
                if remaining <= 0:
                    break
                self.cond.wait(remaining)
            self._last_step = time.monotonic()


class _Hook(Callback):
    """The worker's eyes inside ``fit``: records, sends snapshots, pauses and steps."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._last_sent = -math.inf

    def on_batch_end(self, logs):
        w, gate = self.worker, self.worker.gate
        w.note_batch(logs)
        if self.control.stop_requested:
            return
        if gate.interrupted:
            self.control.request_stop("interrupted")
            return
        self._maybe_send(logs)
        if gate.mode == RUN and not gate.pending and not gate.step_interval:
            return  # the common case, without taking the lock: a small step is ~60 us
        gate.keep_speed()
        gate.consume(STEP_BATCH)
        self._hold()

    def on_epoch_end(self, logs):
        w = self.worker
        w.snapshotter.recorder.on_epoch(logs)
        # Not a snapshot per epoch: a small network runs hundreds of epochs a second. The
        # pause that may follow sends one anyway (``Worker.hold``).
        self._maybe_send(w.last_logs)
        if not self.control.stop_requested:
            w.gate.consume(STEP_EPOCH)
            self._hold()

    def _maybe_send(self, logs: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self._last_sent >= 1 / SNAPSHOTS_PER_S:
            self._last_sent = now
            self.worker.send(logs)

    def _hold(self) -> None:
        self.worker.hold()
        if self.worker.gate.interrupted:
            self.control.request_stop("interrupted")


class Worker:
    """Trains its own network from a job (see ``docs/live-training.md``) until stopped.

    ``run()`` is the worker's whole life; it returns the final :meth:`result` (None if the
    network could not even be built).
    """

    def __init__(self, job: dict[str, Any], gate: Gate, emit: Emit) -> None:
        self.job, self.gate, self.emit = job, gate, emit
        self.settings = {"batch_size": 32, "epochs": 0, "shuffle": True, **job.get("settings", {})}
        self.status = IDLE
        self.net: Network | None = None
        self.snapshotter: Snapshotter
        self.last_logs: dict[str, Any] = {"batch": -1}
        self._samples = 0
        self._rate_ref = (time.monotonic(), 0)
        self.samples_per_s = 0.0

    # --------------------------------------------------------------------- building
    def _build(self, weights: list[np.ndarray] | None) -> None:
        """A fresh network (the seed's weights, or ``weights``); kept only if all of it builds."""
        job = self.job
        net = Network(job["spec"])
        if weights is not None:
            net.set_weights(weights)
        view = job.get("view", {})
        snapshotter = Snapshotter(
            net, job["X_train"], job["y_train"], job.get("X_val"), job.get("y_val"), view
        )
        self.net, self.snapshotter = net, snapshotter
        self.target_epochs = self._epochs_per_run()
        self.last_logs = {"batch": -1}

    def _epochs_per_run(self) -> int:
        return int(self.settings["epochs"]) or FOREVER

    # ------------------------------------------------------------------------ life
    def run(self) -> dict[str, Any] | None:
        """Wait for a command, train, repeat until stopped; then the final result."""
        try:
            self._build(self.job.get("weights"))
            self.send(force=True)
            self._set_status(IDLE)
            while True:
                self.hold()
                if self.gate.stop.is_set():
                    break
                if self.gate.reset_requested:
                    self._reset()
                    continue
                self._train()
        except Exception as exc:  # the app never dies from a worker error
            self.emit("failed", f"training failed: {exc}", traceback.format_exc())
        return self.result() if self.net is not None else None

    def _reset(self) -> None:
        with self.gate.cond:
            self.gate.reset_requested = False
            self.gate.mode = PAUSE
        self._build(None)
        self.send(force=True)
        self._set_status(IDLE)

    def _train(self) -> None:
        """One ``fit`` call, from now to the target epoch (pauses happen inside it)."""
        if self.net.epochs >= self.target_epochs:
            self.target_epochs = self.net.epochs + self._epochs_per_run()
        self._set_status(RUNNING)
        self._rate_ref = (time.monotonic(), self._samples)
        nan_guard = NanGuard()
        callbacks: list[Callback] = [nan_guard]
        es = self.settings.get("early_stopping") or {}
        if es.get("enabled"):
            callbacks.append(
                EarlyStopping(
                    monitor="val_loss" if self._validation() else "loss",
                    patience=int(es.get("patience", 10)),
                    min_delta=float(es.get("min_delta", 0.0)),
                )
            )
        callbacks.append(_Hook(self))
        history = fit(
            self.net,
            self.job["X_train"],
            self.job["y_train"],
            epochs=self.target_epochs - self.net.epochs,
            batch_size=int(self.settings["batch_size"]),
            validation_data=self._validation(),
            shuffle=bool(self.settings["shuffle"]),
            callbacks=callbacks,
            stop=self.gate.stop,
        )
        with self.gate.cond:
            self.gate.mode = PAUSE
        if self.gate.interrupted:
            return
        self.samples_per_s = 0.0
        self.send(force=True)
        if nan_guard.message:
            self.emit("message", nan_guard.message)
            self._set_status(PAUSED)
            return
        self.emit("message", history.stopped_reason or f"finished {self.net.epochs} epochs")
        self._set_status(FINISHED)
        self.emit("finished", self.result())

    def _validation(self) -> tuple[np.ndarray, np.ndarray] | None:
        X_val = self.job.get("X_val")
        if X_val is None or len(X_val) == 0:
            return None
        return X_val, self.job["y_val"]

    def hold(self) -> None:
        """Wait here while paused; settings sent meanwhile are applied and shown at once."""
        gate = self.gate
        while True:
            pending = gate.take_pending()
            if pending:
                self._apply(pending)
                self.send(force=True)
            if gate.mode != PAUSE or gate.interrupted:
                break
            if self.status == RUNNING:
                self.samples_per_s = 0.0
                self.send(force=True)
                self._set_status(PAUSED)
            gate.wait_while_paused()
        if self.status == PAUSED and not gate.interrupted:
            self._set_status(RUNNING)
            self._rate_ref = (time.monotonic(), self._samples)

    def _apply(self, pending: dict[str, Any]) -> None:
        if "optimizer" in pending:
            self.net.set_optimizer(pending["optimizer"])
        if "features" in pending:
            self.snapshotter.set_features(pending["features"])

    # ------------------------------------------------------------------- reporting
    def note_batch(self, logs: dict[str, Any]) -> None:
        self.last_logs = logs
        self._samples += logs["size"]
        self.snapshotter.recorder.on_batch(logs["step"], logs["loss"])

    def send(self, logs: dict[str, Any] | None = None, force: bool = False) -> None:
        """Emit a snapshot (copied arrays only) of the network as it is now."""
        now = time.monotonic()
        t0, s0 = self._rate_ref
        if now - t0 >= 0.25:
            self.samples_per_s = (self._samples - s0) / (now - t0)
            self._rate_ref = (now, self._samples)
        snap = self.snapshotter.snapshot(logs or self.last_logs, force=force)
        snap["samples_per_s"] = self.samples_per_s
        snap["batches_per_epoch"] = -(-len(self.job["X_train"]) // int(self.settings["batch_size"]))
        self.emit("snapshot", snap)

    def _set_status(self, status: str) -> None:
        self.status = status
        self.emit("state", status)

    def result(self) -> dict[str, Any]:
        """What the document keeps: weights, the per-epoch history, counters, settings."""
        return {
            "weights": self.net.get_weights(),
            "history": {k: list(v) for k, v in self.snapshotter.recorder.full_epochs.items()},
            "epochs": self.net.epochs,
            "steps": self.net.steps,
            "optimizer": self.net.optimizer.get_config(),
        }
