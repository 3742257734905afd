"""Live training: a worker thread trains its own copy of the network; the controller drives it.

Threads: ``TrainingWorker`` runs ``engine.training.fit`` inside a ``QThread``. While it trains it
cannot receive queued signals, so every command (play, pause, step, reset, stop, a new
optimizer, a speed) goes through a :class:`Gate`: plain fields under a lock that the worker
reads between batches. Progress leaves the worker only as signals carrying plain data: a
snapshot (``engine.snapshot``) at most ~30 per second, and always one at an epoch end, a pause
and a stop. :class:`TrainingController` lives on the GUI thread, keeps only the latest snapshot
and hands it on at most once per frame, so views never redraw per training step.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

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


class Gate:
    """Where the GUI thread and the worker meet: commands in, the final result out.

    GUI-thread methods only set fields under the lock and wake the worker; the worker checks
    them after every batch (``threading`` primitives, because a busy worker cannot receive
    queued signals).
    """

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.stop = threading.Event()
        self.mode = PAUSE
        self.reset_requested = False
        self.pending: dict[str, Any] = {}  # optimizer / features to apply before the next step
        self.step_interval = 0.0  # seconds per step at least (0 = full speed)
        self.result: dict[str, Any] | None = None  # written by the worker when it ends
        self._last_step = 0.0

    # ------------------------------------------------------------------ GUI thread
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

    # --------------------------------------------------------------- worker thread
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

    def __init__(self, worker: TrainingWorker) -> None:
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
        now = time.monotonic()
        if now - self._last_sent >= 1 / SNAPSHOTS_PER_S:
            self._last_sent = now
            w.send(logs)
        gate.keep_speed()
        gate.consume(STEP_BATCH)
        self._hold()

    def on_epoch_end(self, logs):
        w = self.worker
        w.snapshotter.recorder.on_epoch(logs)
        self._last_sent = time.monotonic()
        w.send(w.last_logs)
        if not self.control.stop_requested:
            w.gate.consume(STEP_EPOCH)
            self._hold()

    def _hold(self) -> None:
        self.worker.hold()
        if self.worker.gate.interrupted:
            self.control.request_stop("interrupted")


class TrainingWorker(QObject):
    """Trains its own network from a job (see ``docs/live-training.md``) in a worker thread.

    Signals carry the job id first so the controller can drop late signals of a stopped job.
    """

    snapshot = Signal(int, object)
    stateChanged = Signal(int, str)
    message = Signal(int, str)
    failed = Signal(int, str, str)
    finished = Signal(int, object)

    def __init__(self, job: dict[str, Any], gate: Gate, job_id: int) -> None:
        super().__init__()
        self.job, self.gate, self.job_id = job, gate, job_id
        self.settings = {"batch_size": 32, "epochs": 0, "shuffle": True, **job.get("settings", {})}
        self.status = IDLE
        self.net: Network
        self.snapshotter: Snapshotter
        self.last_logs: dict[str, Any] = {"batch": -1}
        self._samples = 0
        self._rate_ref = (time.monotonic(), 0)
        self.samples_per_s = 0.0

    # --------------------------------------------------------------------- building
    def _build(self, weights: list[np.ndarray] | None) -> None:
        job = self.job
        self.net = Network(job["spec"])
        if weights is not None:
            self.net.set_weights(weights)
        self.snapshotter = Snapshotter(
            self.net,
            job["X_train"],
            job["y_train"],
            job.get("X_val"),
            job.get("y_val"),
            job.get("view", {}),
        )
        self.target_epochs = self._epochs_per_run()
        self.last_logs = {"batch": -1}

    def _epochs_per_run(self) -> int:
        return int(self.settings["epochs"]) or FOREVER

    # ---------------------------------------------------------------- worker thread
    @Slot()
    def run(self) -> None:
        """The worker's whole life: wait for a command, train, repeat until stopped."""
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
            self.failed.emit(self.job_id, f"training failed: {exc}", traceback.format_exc())
        finally:
            self.gate.result = self.result() if hasattr(self, "net") else None

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
            has_val = self.job.get("X_val") is not None and len(self.job["X_val"]) > 0
            callbacks.append(
                EarlyStopping(
                    monitor="val_loss" if has_val else "loss",
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
            self.message.emit(self.job_id, nan_guard.message)
            self._set_status(PAUSED)
            return
        reason = history.stopped_reason or f"finished {self.net.epochs} epochs"
        self.message.emit(self.job_id, reason)
        self._set_status(FINISHED)
        self.finished.emit(self.job_id, self.result())

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
        self.snapshot.emit(self.job_id, snap)

    def _set_status(self, status: str) -> None:
        self.status = status
        self.stateChanged.emit(self.job_id, status)

    def result(self) -> dict[str, Any]:
        """What the document keeps: weights, the per-epoch history, counters, settings."""
        return {
            "weights": self.net.get_weights(),
            "history": {k: list(v) for k, v in self.snapshotter.recorder.full_epochs.items()},
            "epochs": self.net.epochs,
            "steps": self.net.steps,
            "optimizer": self.net.optimizer.get_config(),
        }


class TrainingController(QObject):
    """The GUI thread's handle on live training: owns the thread, the worker and its gate.

    Load a job with :meth:`load_job`, then drive it with the slots. Signals are emitted on the
    GUI thread; ``snapshot`` at most once per ``frame_ms`` with the latest snapshot only.
    """

    snapshot = Signal(object)
    stateChanged = Signal(str)
    message = Signal(str)
    failed = Signal(str, str)
    finishedTraining = Signal(object)
    jobLoaded = Signal(object)

    def __init__(self, parent: QObject | None = None, frame_ms: int = 33) -> None:
        super().__init__(parent)
        self.state = IDLE
        self.latest: dict[str, Any] | None = None
        self.job: dict[str, Any] | None = None
        self._job_id = 0
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._gate: Gate | None = None
        self._dirty = False
        self._step_interval = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(frame_ms)
        self._timer.timeout.connect(self._flush)

    # ------------------------------------------------------------------- lifecycle
    def load_job(self, job: dict[str, Any]) -> None:
        """Stop any current training and start a worker (idle) for ``job``."""
        self.stop()
        self.job = job
        self._job_id += 1
        self._gate = Gate()
        self._gate.set_step_interval(self._step_interval)
        self._worker = TrainingWorker(job, self._gate, self._job_id)
        self._thread = QThread()
        self._thread.setObjectName(f"nnstudio-training-{self._job_id}")
        self._worker.moveToThread(self._thread)
        self._worker.snapshot.connect(self._on_snapshot)
        self._worker.stateChanged.connect(self._on_state)
        self._worker.message.connect(self._on_message)
        self._worker.failed.connect(self._on_failed)
        self._worker.finished.connect(self._on_finished)
        self._thread.started.connect(self._worker.run)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()
        self._timer.start()
        self.jobLoaded.emit(job)

    def is_running(self) -> bool:
        """Whether a worker thread exists (training, paused or idle)."""
        return self._thread is not None and self._thread.isRunning()

    @Slot()
    def stop(self, timeout_ms: int = 10_000) -> bool:
        """Stop within one batch, join the thread and hand the weights on; True if joined."""
        if self._thread is None:
            return True
        gate, thread = self._gate, self._thread
        gate.request_stop()
        thread.quit()  # exec() returns at once when the worker's run() ends
        joined = thread.wait(timeout_ms)
        self._thread = self._worker = self._gate = None
        self._timer.stop()
        self._flush()
        if gate.result is not None and self.job is not None:
            self.job = {**self.job, "weights": gate.result["weights"]}
            if gate.result["steps"]:
                self.finishedTraining.emit(gate.result)
        self._set_state(IDLE)
        return joined

    # ------------------------------------------------------------------- commands
    @Slot()
    def play(self) -> None:
        if self._gate is None and self.job is not None:
            self.load_job(self.job)  # after stop or failure: continue from the kept weights
        if self._gate is not None:
            self._gate.command(RUN)

    @Slot()
    def pause(self) -> None:
        if self._gate is not None:
            self._gate.command(PAUSE)

    @Slot()
    def toggle(self) -> None:
        """Play if not running, pause if running (the Space bar)."""
        self.pause() if self.state == RUNNING else self.play()

    @Slot()
    def step_batch(self) -> None:
        if self._gate is None and self.job is not None:
            self.load_job(self.job)
        if self._gate is not None:
            self._gate.command(STEP_BATCH)

    @Slot()
    def step_epoch(self) -> None:
        if self._gate is None and self.job is not None:
            self.load_job(self.job)
        if self._gate is not None:
            self._gate.command(STEP_EPOCH)

    @Slot()
    def reset(self) -> None:
        """Re-initialize the weights from the spec's seed (the worker becomes idle)."""
        if self._gate is not None:
            self._gate.request_reset()
        elif self.job is not None:
            self.job = {**self.job, "weights": None}
            self.load_job(self.job)

    @Slot(object)
    def set_optimizer(self, config: dict[str, Any] | str) -> None:
        """A new optimizer or learning rate, applied before the next step (also while paused)."""
        if self.job is not None:
            spec = dict(self.job["spec"])
            spec["optimizer"] = config
            self.job = {**self.job, "spec": spec}
        if self._gate is not None:
            self._gate.request(optimizer=config)

    @Slot(float)
    def set_speed(self, steps_per_s: float) -> None:
        """Cap the training speed so students can watch; 0 or infinity means full speed."""
        ok = steps_per_s and math.isfinite(steps_per_s) and steps_per_s > 0
        self._step_interval = 1.0 / steps_per_s if ok else 0.0
        if self._gate is not None:
            self._gate.set_step_interval(self._step_interval)

    @Slot(int, int)
    def set_boundary_features(self, i: int, j: int) -> None:
        """Which two input features the decision-boundary grid spans (others at their mean)."""
        if self.job is not None:
            self.job.setdefault("view", {})["features"] = [i, j]
        if self._gate is not None:
            self._gate.request(features=[i, j])

    # ----------------------------------------------------------- worker's signals
    @Slot(int, object)
    def _on_snapshot(self, job_id: int, snap: dict[str, Any]) -> None:
        if job_id == self._job_id:
            self.latest = snap
            self._dirty = True

    @Slot()
    def _flush(self) -> None:
        if self._dirty:
            self._dirty = False
            self.snapshot.emit(self.latest)

    @Slot(int, str)
    def _on_state(self, job_id: int, state: str) -> None:
        if job_id == self._job_id and self._thread is not None:
            self._flush()  # views show the state's own snapshot with it
            self._set_state(state)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)

    @Slot(int, str)
    def _on_message(self, job_id: int, text: str) -> None:
        if job_id == self._job_id:
            self.message.emit(text)

    @Slot(int, str, str)
    def _on_failed(self, job_id: int, text: str, details: str) -> None:
        if job_id == self._job_id:
            self.stop()
            self.failed.emit(text, details)

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: dict[str, Any]) -> None:
        if job_id == self._job_id:
            self.finishedTraining.emit(result)


def job_from_dataset(
    spec: dict[str, Any],
    dataset: Any,
    training: dict[str, Any] | None = None,
    weights: list[np.ndarray] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """A training job from a ``nnstudio.data.Dataset`` and the document's training settings.

    Splits off the validation rows, standardizes with statistics of the training rows only (if
    ``training["standardize"]``) and fills in the view settings.
    """
    from nnstudio.data import Standardizer
    from nnstudio.document.model import DEFAULT_TRAINING

    training = {**DEFAULT_TRAINING, **(training or {})}
    train, val = dataset.split(float(training["validation_ratio"]), seed)
    d = dataset.n_features
    std = Standardizer.fit(train.X) if training["standardize"] else None
    mean = std.mean if std is not None else np.zeros(d)
    scale = std.scale if std is not None else np.ones(d)
    return {
        "spec": spec,
        "weights": weights,
        "X_train": (train.X - mean) / scale,
        "y_train": train.y,
        "X_val": (val.X - mean) / scale,
        "y_val": val.y,
        "settings": {key: training[key] for key in ("batch_size", "epochs", "early_stopping")},
        "view": {
            "task": dataset.task,
            "classes": len(dataset.class_names or ()),
            "features": [0, 1] if d >= 2 else [0],
            "mean": mean.tolist(),
            "scale": scale.tolist(),
            "image_shape": dataset.image_shape,
            "grid": 100,
        },
        "feature_names": list(dataset.feature_names),
        "class_names": dataset.class_names,
        "name": dataset.name,
    }
