"""The training process: one long-lived child that trains whatever job the GUI sends it.

Why a process and not a thread: a small network's training step is almost all Python, so a
training thread holds the GIL nearly all the time and the GUI's Python paint code waits for it.
A child process has its own interpreter (and, on a 2-core machine, its own core).

Two one-way pipes carry plain, pickled data between our own two processes:

* GUI -> child, ``commands``: ``("job", job_id, job)``, ``("mode", mode)`` (run, pause, step
  batch, step epoch), ``("request", {"optimizer" | "features" | "sync": ...})``,
  ``("speed", seconds_per_step)``, ``("frame",)`` (the window painted a frame: send the next
  snapshot), ``("stop",)``, ``("modules",)`` (debug: the child's loaded modules), ``("quit",)``.
* child -> GUI, ``events``: ``(kind, job_id, args)``: the worker's ``emit`` calls (see
  ``nnstudio.live.worker``), then ``("ended", job_id, (result,))`` when a job's worker is done.

In the child a reader thread blocks on ``commands.recv()`` (which releases the GIL) and only
sets fields of the current job's :class:`Gate`; the main thread runs the worker, and a sender
thread writes its events (:class:`_Outbox`), so training never waits for the GUI to read. A new
job stops the current one, so one child serves every job of a window and starts (~0.3 s) once.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import pickle
import queue
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from nnstudio.live.job import Job
from nnstudio.live.worker import Gate, Worker

#: BLAS threads in the child: the GUI needs the other core, and a second BLAS thread helps only
#: large layers (and collapses when the other core is busy). ``bench/gui.py`` compares.
CHILD_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
CHILD_BLAS_THREADS = 1


@contextlib.contextmanager
def blas_threads(threads: int) -> Iterator[None]:
    """BLAS thread variables set to ``threads`` meanwhile: for a child process's start only."""
    saved = {name: os.environ.get(name) for name in CHILD_THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(CHILD_THREAD_VARIABLES, str(threads)))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def start_child(
    target: Callable[[Connection, Connection], None] | None = None,
) -> tuple[BaseProcess, Connection, Connection]:
    """Start the training process; returns it with the commands (send) and events (recv) ends.

    The child is spawned (a fresh interpreter: nothing of the GUI, no forked Qt state) and is a
    daemon, so it cannot outlive the app. Its BLAS threads (``CHILD_BLAS_THREADS``) are set
    for its start only.
    ``target`` is the child's main function (default :func:`run_child`; races use their own).
    """
    ctx = multiprocessing.get_context("spawn")
    commands_in, commands_out = ctx.Pipe(duplex=False)
    events_in, events_out = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=target or run_child,
        args=(commands_in, events_out),
        name="nnstudio-training",
        daemon=True,
    )
    with blas_threads(CHILD_BLAS_THREADS):
        process.start()
    # The child holds its own copies now; closing ours lets each side see EOF when the other
    # one dies.
    commands_in.close()
    events_out.close()
    return process, commands_out, events_in


def run_child(commands: Connection, events: Connection) -> None:
    """The child process's main function: serve jobs until told to quit or the GUI is gone."""
    _Child(events).serve(commands)


class _Outbox:
    """Events to the GUI, sent by a thread of their own: training never waits for the pipe.

    A pipe holds 64 KiB and a snapshot can be megabytes; a blocking send would hold the worker
    until the GUI process has read it all, which it does between paints. Here the worker only
    appends. Every event is sent, in order: snapshots carry curve deltas, so none may be
    dropped, and the window asks for one per frame (``"frame"``), so they cannot pile up.
    """

    def __init__(self, events: Connection, on_gone: Callable[[], None]) -> None:
        self.events, self.on_gone = events, on_gone
        self._cond = threading.Condition()
        self._queue: deque[tuple[str, int | None, tuple] | None] = deque()
        self._gone = False
        self._thread = threading.Thread(target=self._run, name="nnstudio-events", daemon=True)
        self._thread.start()

    def put(self, kind: str, job_id: int | None, args: tuple) -> None:
        with self._cond:
            if self._gone:
                return
            self._queue.append((kind, job_id, args))
            self._cond.notify()

    def close(self) -> None:
        """Send what is queued, then end the thread."""
        with self._cond:
            self._queue.append(None)
            self._cond.notify()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue)
                event = self._queue.popleft()
            if event is None:
                return
            try:
                self.events.send(event)
            except (OSError, ValueError):  # the GUI is gone: nobody is watching
                with self._cond:
                    self._gone = True
                    self._queue.clear()
                self.on_gone()
                return


class _Child:
    """The child's state: the current job's gate, and the jobs waiting for the main thread."""

    def __init__(self, events: Connection) -> None:
        self.gate = Gate()
        self.job_id: int | None = None
        self.jobs: queue.SimpleQueue[tuple[int, Job, Gate] | None] = queue.SimpleQueue()
        self.outbox = _Outbox(events, on_gone=lambda: self.gate.request_stop())
        self.handlers = {
            "job": self._on_job,
            "mode": lambda mode: self.gate.command(mode),
            "request": lambda pending: self.gate.request(**pending),
            "speed": lambda seconds: self.gate.set_step_interval(seconds),
            "frame": lambda: self.gate.want_frame(),
            "stop": lambda: self.gate.request_stop(),
            "modules": lambda: self.send(None, "modules", sorted(sys.modules)),
        }

    def serve(self, commands: Connection) -> None:
        reader = threading.Thread(
            target=self._read, args=(commands,), name="nnstudio-commands", daemon=True
        )
        reader.start()
        while (item := self.jobs.get()) is not None:
            job_id, job, gate = item
            emit = functools.partial(self.send, job_id)
            result = None if gate.stop.is_set() else Worker(job, gate, emit).run()
            emit("ended", result)
        reader.join()
        self.outbox.close()

    def _read(self, commands: Connection) -> None:
        """The reader thread: commands in, gate fields set; ends at "quit" or EOF."""
        try:
            while (message := receive_command(commands))[0] != "quit":
                kind, *args = message
                try:
                    self.handlers[kind](*args)
                except Exception as exc:  # a bad command must not silence the reader
                    details = traceback.format_exc()
                    self.send(self.job_id, "failed", f"bad command {kind!r}: {exc}", details)
        except (EOFError, OSError):
            pass  # the GUI is gone: stop as if told to quit
        self.gate.request_stop()
        self.jobs.put(None)

    def _on_job(self, job_id: int, job: Job) -> None:
        """A new job replaces the current one: stop it; the main thread builds the new one."""
        self.gate.request_stop()
        self.gate = Gate(self.gate.step_interval)
        self.job_id = job_id
        self.jobs.put((job_id, job, self.gate))

    def send(self, job_id: int | None, kind: str, *args: Any) -> None:
        """One event to the GUI (queued; see :class:`_Outbox`)."""
        self.outbox.put(kind, job_id, args)


@dataclass(frozen=True)
class _Frame:
    """A pickled command whose arrays follow it as raw byte messages of these sizes."""

    header: bytes
    sizes: tuple[int, ...]


def send_command(commands: Connection, message: tuple) -> None:
    """Send ``message``, its NumPy arrays' memory written straight into the pipe.

    A plain ``send`` pickles a job of 60,000 images into one 190 MB bytes object first, and
    copying it holds the GIL (the GUI thread waited half a second). Pickle protocol 5 hands
    the arrays' buffers over instead; writing them releases the GIL at every chunk.
    """
    buffers: list[pickle.PickleBuffer] = []
    header = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    if not buffers:
        commands.send_bytes(header)  # what ``send`` would write: ``recv`` reads it back
        return
    views = [buffer.raw() for buffer in buffers]
    commands.send(_Frame(header, tuple(view.nbytes for view in views)))
    for view in views:
        commands.send_bytes(view)


def receive_command(commands: Connection) -> tuple:
    """The next command, whether sent by :func:`send_command` or a plain ``send``.

    Arrays are read into buffers of their own, so they arrive writable, as they left.
    """
    message = commands.recv()
    if not isinstance(message, _Frame):
        return message
    buffers = []
    for size in message.sizes:
        buffer = bytearray(size)
        commands.recv_bytes_into(buffer)
        buffers.append(buffer)
    return pickle.loads(message.header, buffers=buffers)
