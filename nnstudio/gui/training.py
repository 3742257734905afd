"""Live training from the GUI: the controller drives a training process and hands views its news.

Training runs in a child process (``nnstudio.live``), not in a thread: a small network's step is
almost all Python, and a training thread would hold the GIL that the GUI's paint code needs.
:class:`TrainingController` lives on the GUI thread. It writes its commands into one pipe (a
job's arrays out of band, ``live/process.py::send_command``), and a :class:`_Receiver` thread
blocks on the other pipe and turns the process's events into queued Qt signals. Snapshots
carry only what is new since the one before (curve points, pictures computed anew;
``live/curves.py``): the controller folds every one into its :class:`SnapshotStream` and hands
the newest, whole, to the views through the window's one frame clock (``gui/frames.py``),
which also tells the process when to send the next.
"""

from __future__ import annotations

import contextlib
import math
import threading
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from nnstudio.gui.frames import FRAME_MS, FrameClock
from nnstudio.live import process as training_process
from nnstudio.live import worker
from nnstudio.live.curves import SnapshotStream
from nnstudio.live.job import Job
from nnstudio.live.worker import FINISHED, IDLE, PAUSED, RUNNING

__all__ = [
    "FINISHED",
    "IDLE",
    "PAUSED",
    "RUNNING",
    "TrainingController",
]

#: How long ``shutdown()`` lets the process finish its batch before terminating it.
QUIT_TIMEOUT_S = 5.0
#: How long Stop waits for the process to confirm; a process that does not is ended at once,
#: so a stuck process is gone within 2 s of Stop (1 s, then terminate, then kill).
STOP_TIMEOUT_S = 1.0
END_GRACE_S = 0.3


class _Receiver(QThread):
    """Reads the training process's events off the GUI thread and re-emits them as a signal.

    ``recv`` blocks, so it cannot run on the GUI thread; ``event`` is delivered queued to the
    controller, tagged with this receiver's ``generation`` so that news of a process already
    replaced is dropped. The end of a job (its result) is kept here instead of sent on:
    ``stop()`` waits for it on the GUI thread, where no queued signal can arrive meanwhile.
    The thread reads until the pipe closes (the process ended): a process whose pipe nobody
    empties would block on its next send and never get to quit.
    """

    event = Signal(int, str, object, object)  # generation, kind, job id, args

    def __init__(self, events: Connection, generation: int) -> None:
        super().__init__()
        self.setObjectName(f"nnstudio-training-events-{generation}")
        self.events, self.generation = events, generation
        self._muted = threading.Event()
        self._cond = threading.Condition()
        self._ended: dict[int, Any] = {}
        self._results = 0  # "result" events seen, for wait_result()
        self._last_result: tuple[int | None, Any] = (None, None)
        self._done = False

    def run(self) -> None:
        try:
            while True:
                kind, job_id, args = self.events.recv()
                if kind == "ended":
                    with self._cond:
                        self._ended[job_id] = args[0]
                        self._cond.notify_all()
                    continue
                if kind == "result":
                    with self._cond:
                        self._results += 1
                        self._last_result = (job_id, args[0])
                        self._cond.notify_all()
                if not self._muted.is_set():
                    self.event.emit(self.generation, kind, job_id, args)
        except Exception as exc:  # EOF: the process ended (or sent something unreadable)
            if not self._muted.is_set():
                self.event.emit(self.generation, "lost", None, (repr(exc),))
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def results_seen(self) -> int:
        with self._cond:
            return self._results

    def wait_result(self, job_id: int, after: int, timeout: float) -> Any:
        """The first result of ``job_id`` after ``after`` results were seen (None: none came)."""
        with self._cond:
            self._cond.wait_for(lambda: self._results > after or self._done, timeout)
            if self._results > after and self._last_result[0] == job_id:
                return self._last_result[1]
            return None

    def wait_ended(self, job_id: int, timeout: float) -> tuple[bool, Any]:
        """Wait for a job's end: (whether it ended in time, its result)."""
        with self._cond:
            self._cond.wait_for(lambda: job_id in self._ended or self._done, timeout)
            return job_id in self._ended, self._ended.pop(job_id, None)

    def mute(self) -> None:
        """The process is being closed: its events, and its pipe closing, are no longer news."""
        self._muted.set()


class _ProcessLink:
    """The training process, the commands pipe into it and the receiver thread reading from it."""

    def __init__(self, generation: int) -> None:
        self.process, self.commands, events = training_process.start_child()
        self.receiver = _Receiver(events, generation)
        self.closed = False
        self.exitcode: int | None = None

    def send(self, *message: Any) -> None:
        training_process.send_command(self.commands, message)

    def close(self, quit_timeout: float = QUIT_TIMEOUT_S) -> None:
        """Ask the process to quit (it finishes its batch), else end it; join everything.

        ``quit_timeout`` is how long it may take to quit before it is terminated (and killed
        END_GRACE_S later). Idempotent; also run by a finalizer if the controller is dropped
        without ``shutdown()`` (a running QThread must never be destroyed: Qt aborts the app).
        """
        if self.closed:
            return
        self.closed = True
        process, receiver = self.process, self.receiver
        receiver.mute()
        with contextlib.suppress(OSError):  # already gone
            self.commands.send(("quit",))
        process.join(quit_timeout)
        if process.is_alive():
            process.terminate()
            process.join(END_GRACE_S)
        if process.is_alive():
            process.kill()
            process.join()
        receiver.wait()  # at once: the process has ended, so its pipe has closed
        self.commands.close()
        receiver.events.close()
        self.exitcode = process.exitcode
        process.close()


class TrainingController(QObject):
    """The GUI thread's handle on live training: owns the training process and its receiver.

    Load a job with :meth:`load_job`, then drive it with the slots. Signals are emitted on the
    GUI thread; ``snapshot`` once per frame of :attr:`clock` (at most every ``frame_ms``) with
    the newest snapshot made whole (``stream``). The process starts with the first job
    and serves every later one; :meth:`shutdown` ends it.
    """

    snapshot = Signal(object)
    stateChanged = Signal(str)
    message = Signal(str)
    failed = Signal(str, str)
    #: What the document keeps (``nnstudio.document.Progress``): at every pause, at the end of
    #: a run, when a job is stopped, and on :meth:`sync`.
    resultReady = Signal(object)
    jobLoaded = Signal(object)
    #: The run's replay frames (``nnstudio.live.replay.Frame`` list), after each result.
    trailReady = Signal(object)

    def __init__(self, parent: QObject | None = None, frame_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self.state = IDLE
        self.latest: dict[str, Any] | None = None
        self.job: Job | None = None
        #: Where a new job comes from when Play is pressed without one (the window's document).
        self.job_source: Callable[[], Job | None] | None = None
        #: Called before Play and Step: the window loads a job it was about to load anyway.
        self.before_command: Callable[[], None] | None = None
        self._job_id: int | None = None  # the job the process serves now (None: stopped)
        self._last_job_id = 0
        self._latest_job_id: int | None = None  # whose snapshot ``latest`` is
        self._link: _ProcessLink | None = None
        self._generation = 0
        self._step_interval = 0.0
        #: The run as the window knows it: every snapshot since the job was loaded, folded in.
        self.stream = SnapshotStream()
        self._handlers = {
            "snapshot": self._on_snapshot,
            "state": self._on_state,
            "message": self.message.emit,
            "failed": self._on_failed,
            "result": self.resultReady.emit,
            "trail": self.trailReady.emit,
        }
        self.clock = FrameClock(self, frame_ms)
        self.clock.frame.connect(self.snapshot)
        self.clock.ready.connect(self._want_frame)
        app = QCoreApplication.instance()
        if app is not None:  # a last resort: the window's closeEvent should call shutdown()
            app.aboutToQuit.connect(self.shutdown)

    # ------------------------------------------------------------------- lifecycle
    def load_job(self, job: Job) -> None:
        """Stop any current training and have the process build ``job`` (state ``idle``)."""
        self.stop()
        self.job = job
        if self._link is None:
            self._start_process()
        self._last_job_id += 1
        self._job_id = self._last_job_id
        self.stream.clear()  # the job's first snapshot brings its whole history
        if self._send("job", self._job_id, job):
            self._send("speed", self._step_interval)
        self.jobLoaded.emit(job)

    @property
    def process_link(self) -> _ProcessLink | None:
        """The training process, its command pipe and receiver thread (None before a job).

        For diagnostics and tests: what the controller starts, it must also end.
        """
        return self._link

    def is_running(self) -> bool:
        """Whether a job is loaded in a live training process (training, paused or idle)."""
        return self._job_id is not None and self._link is not None

    @Slot()
    def stop(self, timeout_ms: int = round(STOP_TIMEOUT_S * 1000)) -> bool:
        """Stop within one batch and hand the weights on; True if the process confirmed in time.

        The process stays up for the next job. One that does not answer within ``timeout_ms``
        is stuck: it is ended at once, with a message; the document keeps what the last pause
        wrote back.
        """
        if self._job_id is None:
            return True
        job_id, self._job_id = self._job_id, None
        self.clock.flush()
        ended, result = False, None
        if self._send("stop"):
            ended, result = self._link.receiver.wait_ended(job_id, timeout_ms / 1000)
            if not ended:
                self._end_stuck_process(job_id, timeout_ms)
        if result is not None:
            self.resultReady.emit(result)
        self._set_state(IDLE)
        return ended

    def unload(self) -> None:
        """Stop, and keep no job: the document cannot be trained as it is (say, no data)."""
        self.stop()
        self.job = None

    def sync(self, timeout_ms: int = 5_000) -> Any:
        """Ask the running job for its progress now and wait for it (Save while training).

        Returns the progress (also emitted as ``resultReady``), or None without a job or when
        the process does not answer in time.
        """
        if self._job_id is None or self._link is None:
            return None
        receiver = self._link.receiver
        seen = receiver.results_seen()
        if not self._send("request", {"sync": True}):
            return None
        result = receiver.wait_result(self._job_id, seen, timeout_ms / 1000)
        if result is not None:
            self.resultReady.emit(result)
        return result

    @Slot()
    def shutdown(self) -> None:
        """Stop training and end the process and the receiver thread (the window is closing)."""
        self.stop()
        self._close_process()

    def _end_stuck_process(self, job_id: int, timeout_ms: int) -> None:
        if self._link is not None:
            link, self._link = self._link, None
            link.close(quit_timeout=0.0)
        # Its progress since the last pause cannot be asked for any more: the document keeps
        # what the last pause (or save) wrote back, and Play goes on from there.
        self.message.emit(
            f"Training did not stop within {timeout_ms / 1000:g} s, so its process was ended; "
            "the network is as it was at the last pause."
        )

    def _start_process(self) -> None:
        self._generation += 1
        link = _ProcessLink(self._generation)
        link.receiver.event.connect(self._on_event)
        link.receiver.start()
        weakref.finalize(self, link.close)
        self._link = link

    def _close_process(self) -> None:
        if self._link is not None:
            link, self._link = self._link, None
            link.close()

    def _send(self, *message: Any) -> bool:
        """One command to the process; False (and ``failed``) if the process is gone."""
        if self._link is None:
            return False
        try:
            self._link.send(*message)
        except OSError as exc:
            self._lose_process(repr(exc))
            return False
        return True

    def _lose_process(self, details: str) -> None:
        """The process died: report it readably and start over at the next Play."""
        if self._link is None:
            return
        self._link.process.join(1.0)
        code = self._link.process.exitcode
        self._job_id = None
        self._close_process()
        self.clock.stop()
        # Play derives a new job from the document: its last paused or saved progress.
        self._set_state(IDLE)
        self.failed.emit(
            f"The training process stopped unexpectedly (exit code {code}). "
            "Press Play to continue from the last paused or saved point.",
            details,
        )

    # ------------------------------------------------------------------- commands
    def _ensure_job(self) -> bool:
        """After a stop or a failure, load a new job (from ``job_source``) to continue."""
        if self.before_command is not None:
            self.before_command()
        if self._job_id is None:
            # The job that stopped is history: the document may hold its results by now.
            job = self.job_source() if self.job_source is not None else self.job
            if job is not None:
                self.load_job(job)
        return self._job_id is not None

    @Slot()
    def play(self) -> None:
        if self._ensure_job():
            self._send("mode", worker.RUN)

    @Slot()
    def pause(self) -> None:
        if self._job_id is not None:
            self._send("mode", worker.PAUSE)

    @Slot()
    def toggle(self) -> None:
        """Play if not running, pause if running (the Space bar)."""
        self.pause() if self.state == RUNNING else self.play()

    @Slot()
    def step_batch(self) -> None:
        if self._ensure_job():
            self._send("mode", worker.STEP_BATCH)

    @Slot()
    def step_epoch(self) -> None:
        if self._ensure_job():
            self._send("mode", worker.STEP_EPOCH)

    @Slot(object)
    def set_optimizer(self, config: dict[str, Any] | str) -> None:
        """A new optimizer or learning rate, applied before the next step (also while paused)."""
        if self.job is not None:
            self.job.spec = {**self.job.spec, "optimizer": config}
        if self._job_id is not None:
            self._send("request", {"optimizer": config})

    @Slot(float)
    def set_speed(self, steps_per_s: float) -> None:
        """Cap the training speed so students can watch; 0 or infinity means full speed."""
        ok = steps_per_s and math.isfinite(steps_per_s) and steps_per_s > 0
        self._step_interval = 1.0 / steps_per_s if ok else 0.0
        if self._job_id is not None:
            self._send("speed", self._step_interval)

    @Slot(int, int)
    def set_boundary_features(self, i: int, j: int) -> None:
        """Which two input features the decision-boundary grid spans (others at their mean)."""
        if self.job is not None:
            self.job.view["features"] = [i, j]
        if self._job_id is not None:
            self._send("request", {"features": [i, j]})

    # ------------------------------------------------------------- process's events
    @Slot(int, str, object, object)
    def _on_event(self, generation: int, kind: str, job_id: int | None, args: tuple) -> None:
        if generation != self._generation:
            return  # from a process already ended
        if kind == "lost":
            self._lose_process(*args)
        elif job_id is not None and job_id == self._job_id and kind in self._handlers:
            self._handlers[kind](*args)

    def _on_snapshot(self, snap: dict[str, Any]) -> None:
        """Every snapshot's curve deltas are kept; the newest is painted at the next frame."""
        self.latest = self.stream.apply(snap)
        self._latest_job_id = self._job_id
        self.clock.offer(self.latest)

    def _want_frame(self) -> None:
        if self._job_id is not None:
            self._send("frame")

    def _on_state(self, state: str) -> None:
        self.clock.flush()  # views show the state's own snapshot with it
        self._set_state(state)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)

    def _on_failed(self, text: str, details: str) -> None:
        self.stop()
        self.failed.emit(text, details)
