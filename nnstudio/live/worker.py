"""The training worker: trains its own network from a job and reports through ``emit``.

No Qt here: the worker runs in the training process (``nnstudio.live.process``), and its only
way out is ``emit(kind, *args)`` with plain data:

========================== ==========================================================
``("snapshot", snap)``     the network as it is now (``live.snapshot``): one per frame
                           the window asks for (:meth:`Gate.want_frame`), and always
                           at a pause, at the end of a run and after a new setting
``("state", state)``       ``idle``, ``running``, ``paused`` or ``finished``
``("message", text)``      why a run ended (NaN guard, early stopping, epochs done)
``("failed", text, tb)``   an exception; the worker then ends
``("result", progress)``   what the document keeps (``Run.progress()``): at every pause,
                           at the end of a run and when asked (``sync``)
``("finished", reason)``   a run reached its end (why it stopped early, or "")
``("trail", frames)``      the run's replay frames (``live.replay.Frame``), after each
                           ``result``
========================== ==========================================================

Commands come in through a :class:`Gate`, because a training loop cannot wait for messages:
another thread sets the gate's fields and the worker reads them after every batch.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from nnstudio.engine.callbacks import Callback
from nnstudio.live.job import Job
from nnstudio.live.run import Run, epochs_for_next_run
from nnstudio.live.snapshot import Snapshotter

IDLE, RUNNING, PAUSED, FINISHED = "idle", "running", "paused", "finished"
#: Gate modes: what the worker does at its next batch end.
RUN, PAUSE, STEP_BATCH, STEP_EPOCH = "run", "pause", "batch", "epoch"

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
        self.pending: dict[str, Any] = {}  # optimizer / features to apply before the next step
        self.step_interval = max(0.0, step_interval)  # seconds per step at least (0 = full speed)
        self._last_step = 0.0
        #: The window is ready for a new frame: the next batch end sends a snapshot. The
        #: window's frame clock sets it once per frame painted, so it is the one rate limit.
        self.frame_wanted = True

    # ------------------------------------------------------------- commanding thread
    def command(self, mode: str) -> None:
        with self.cond:
            self.mode = mode
            self.cond.notify_all()

    def request(self, **pending: Any) -> None:
        with self.cond:
            self.pending.update(pending)
            self.cond.notify_all()

    def request_stop(self) -> None:
        with self.cond:
            self.stop.set()
            self.cond.notify_all()

    def want_frame(self) -> None:
        """The window painted a frame and wants the next snapshot (no lock: one flag)."""
        self.frame_wanted = True

    def set_step_interval(self, seconds: float) -> None:
        with self.cond:
            self.step_interval = max(0.0, seconds)
            self.cond.notify_all()

    # --------------------------------------------------------------------- worker
    @property
    def interrupted(self) -> bool:
        return self.stop.is_set()

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
        gate = self.worker.gate
        if gate.frame_wanted:
            gate.frame_wanted = False
            self.worker.send(logs)

    def _hold(self) -> None:
        self.worker.hold()
        if self.worker.gate.interrupted:
            self.control.request_stop("interrupted")


class Worker:
    """Trains a job (``nnstudio.live.job.Job``) through a :class:`Run` until stopped.

    ``run()`` is the worker's whole life; it returns the final progress (None if the network
    could not even be built). See ``docs/live-training.md``.
    """

    def __init__(self, job: Job, gate: Gate, emit: Emit) -> None:
        self.job, self.gate, self.emit = job, gate, emit
        self.status = IDLE
        self.run_: Run | None = None
        self.snapshotter: Snapshotter
        self.last_logs: dict[str, Any] = {"batch": -1}
        self._samples = 0
        self._rate_ref = (time.monotonic(), 0)
        self.samples_per_s = 0.0

    @property
    def net(self):
        return self.run_.net

    def _build(self) -> None:
        """The job's network and its snapshotter; kept only if all of it builds."""
        job = self.job
        run = Run(job)
        snapshotter = Snapshotter(run.net, job.X_train, job.y_train, job.X_val, job.y_val, job.view)
        snapshotter.recorder.seed(job.history)
        self.run_, self.snapshotter = run, snapshotter
        self.last_logs = {"batch": -1}

    # ------------------------------------------------------------------------ life
    def run(self) -> Any:
        """Wait for a command, train, repeat until stopped; then the final progress."""
        try:
            self._build()
            self.send(force=True)
            self._set_status(IDLE)
            while True:
                self.hold()
                if self.gate.stop.is_set():
                    break
                self._train()
        except Exception as exc:  # the app never dies from a worker error
            self.emit("failed", f"training failed: {exc}", traceback.format_exc())
        return self.run_.progress() if self.run_ is not None else None

    def _train(self) -> None:
        """One ``fit`` call, from now to the end of the run (pauses happen inside it)."""
        self._set_status(RUNNING)
        self._rate_ref = (time.monotonic(), self._samples)
        run = self.run_
        epochs = epochs_for_next_run(self.job.settings, len(run.history.get("loss", [])))
        history = run.fit(epochs, callbacks=[_Hook(self)], stop=self.gate.stop)
        with self.gate.cond:
            self.gate.mode = PAUSE
        if self.gate.stop.is_set():
            return
        self.samples_per_s = 0.0
        self.send(force=True)
        self._report()
        if run.diverged:
            self.emit("message", run.message)
            self._set_status(PAUSED)
            return
        done = len(run.history.get("loss", []))
        self.emit("message", run.message or f"finished: {done} epochs trained")
        self._set_status(FINISHED)
        self.emit("finished", history.stopped_reason)

    def hold(self) -> None:
        """Wait here while paused; settings sent meanwhile are applied and shown at once."""
        gate = self.gate
        while True:
            pending = gate.take_pending()
            if pending:
                self._apply(pending)
            if gate.mode != PAUSE or gate.interrupted:
                break
            if self.status == RUNNING:
                self.samples_per_s = 0.0
                self.send(force=True)
                self._report()
                self._set_status(PAUSED)
            gate.wait_while_paused()
        if self.status == PAUSED and not gate.interrupted:
            self._set_status(RUNNING)
            self._rate_ref = (time.monotonic(), self._samples)

    def _apply(self, pending: dict[str, Any]) -> None:
        if "optimizer" in pending:
            self.net.set_optimizer(pending["optimizer"])
        if "features" in pending:
            self.snapshotter.set_features(pending["features"])  # its grid is due at once
        if ("optimizer" in pending or "features" in pending) and self.status != RUNNING:
            # Paused: show it now. Running: the next frame the window asks for carries it (a
            # dragged learning-rate slider sends many; a forced snapshot each, with every
            # weight copy, piled up megabytes in the pipe).
            self.send()
        if pending.get("sync"):
            self._report()

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
        snap["samples_per_s"] = self.samples_per_s if self.status == RUNNING else 0.0
        snap["batches_per_epoch"] = self.job.batches_per_epoch
        self.emit("snapshot", snap)

    def _report(self) -> None:
        """The run's progress for the document, then its replay frames."""
        self.emit("result", self.run_.progress())
        self.emit("trail", list(self.run_.trail.frames))

    def _set_status(self, status: str) -> None:
        self.status = status
        self.emit("state", status)
