"""Races: the same data and the same seeded start, trained with several optimizers side by side.

Each entrant is an ordinary :class:`~nnstudio.live.run.Run` of an ordinary job (the one
training path); only the network's optimizer differs. A :class:`Race` trains them in turns of
a few epochs each (round-robin), so they advance together in one process: on a 2-core machine
the window keeps the other core, and every run gets the same share of this one. Stopping a
``fit`` between epochs and calling it again trains exactly as one long ``fit`` does, so a
race's runs equal the same runs trained alone.

Races run in their own training process (``start_race_child``, spawned like the window's
training process), so a race never blocks the window nor the network being edited there.

Pipes (plain pickled data): GUI -> child ``("race", race_id, jobs, names)``, ``("frame",)``
(the window painted the last report: send the next), ``("stop",)``, ``("quit",)``; child ->
GUI ``("progress", race_id, reports)`` (one per ``frame``, after a turn) and
``("done", race_id, reports)`` (each report then has its ``progress``). Pure NumPy, no Qt.
"""

from __future__ import annotations

import copy
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from nnstudio.data import Dataset
from nnstudio.document import Document, Progress
from nnstudio.live.job import Job, job_from_document
from nnstudio.live.process import start_child
from nnstudio.live.run import Run
from nnstudio.live.snapshot import default_ranges

#: At least 2 and at most 6 entrants (the issue's bounds; six curves stay readable).
MIN_RUNS, MAX_RUNS = 2, 6
#: Seconds of training per turn: long enough to make a turn's overhead small, short enough
#: for the curves to move together and for a report to go out once per frame of the window.
TURN_S = 0.01
#: Reports a second at most when no window paces them (``Race.run`` without ``frames``).
REPORTS_PER_S = 30
THUMBNAIL = 40  # boundary thumbnail grid (points per side)
THUMBNAIL_S = 0.5  # seconds between thumbnails of one run


def optimizer_label(config: dict[str, Any]) -> str:
    """How a run list names an entrant: ``adam, lr 0.01``."""
    return f"{config['name']}, lr {config['learning_rate']:g}"


def learning_rate_preset(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The lecture's three learning rates for the current optimizer: /100, as set, x100."""
    lr = float(config["learning_rate"])
    return [
        ("too small", {**config, "learning_rate": lr / 100}),
        ("about right", dict(config)),
        ("too large", {**config, "learning_rate": lr * 100}),
    ]


def race_document(doc: Document, optimizer: dict[str, Any]) -> Document:
    """``doc`` with ``optimizer``, from the start: no history and no optimizer state.

    The start is the document's weights while no epoch is trained (a hand-set start such as
    the course's line m = -1, b = 5), else fresh weights from the seed. Early stopping is
    off: every entrant trains the same number of epochs.
    """
    entrant = copy.deepcopy(doc)
    entrant.network["optimizer"] = copy.deepcopy(optimizer)
    entrant.training["early_stopping"] = {**entrant.training["early_stopping"], "enabled": False}
    start = entrant.weights if doc.epochs == 0 else None
    entrant.set_progress(Progress(weights=start, standardize=entrant.standardize))
    return entrant


def race_jobs(doc: Document, dataset: Dataset, optimizers: list[dict[str, Any]]) -> list[Job]:
    """One job per optimizer: the same split, standardization and seeded start."""
    if not MIN_RUNS <= len(optimizers) <= MAX_RUNS:
        raise ValueError(f"a race has {MIN_RUNS} to {MAX_RUNS} runs, not {len(optimizers)}")
    return [
        job_from_document(race_document(doc, opt), dataset, grid=THUMBNAIL) for opt in optimizers
    ]


@dataclass
class Entrant:
    """One run of a race, and what is known about it so far."""

    name: str
    run: Run
    epochs: int
    seconds: float = 0.0
    per_epoch: float = 0.0  # the last turn's seconds per epoch
    done: bool = False
    sent: int = 0  # epochs of history the window has (progress reports carry only the rest)
    _picture: tuple[float, Any] = (-math.inf, None)  # (when, thumbnail)

    @property
    def trained(self) -> int:
        return len(self.run.history.get("loss", []))

    def thumbnail(self, now: bool = False) -> dict[str, Any] | None:
        """The boundary thumbnail, redrawn at most every ``THUMBNAIL_S`` (or ``now``)."""
        when, picture = self._picture
        if now or time.monotonic() - when >= THUMBNAIL_S:
            picture = thumbnail(self.run.net, self.run.job)
            self._picture = (time.monotonic(), picture)
        return picture


class Race:
    """Trains entrants round-robin, ``TURN_S`` seconds of epochs each turn."""

    def __init__(self, jobs: list[Job], names: list[str], epochs: int) -> None:
        if epochs < 1:
            raise ValueError("a race needs a number of epochs (the Epochs setting)")
        self.entrants = [
            Entrant(name, Run(job), epochs) for job, name in zip(jobs, names, strict=True)
        ]
        self._next = 0

    @property
    def finished(self) -> bool:
        return all(e.done for e in self.entrants)

    def turn(self) -> Entrant | None:
        """Train the next unfinished entrant for one turn; None when all are done."""
        pending = [e for e in self.entrants if not e.done]
        if not pending:
            return None
        entrant = pending[self._next % len(pending)]
        self._next += 1
        left = entrant.epochs - entrant.trained
        epochs = 1 if entrant.per_epoch == 0 else max(1, round(TURN_S / entrant.per_epoch))
        epochs = min(epochs, left)
        started = time.perf_counter()
        entrant.run.fit(epochs)
        spent = time.perf_counter() - started
        entrant.seconds += spent
        entrant.per_epoch = spent / epochs
        entrant.done = entrant.run.diverged or entrant.trained >= entrant.epochs
        return entrant

    def run(
        self,
        emit: Callable[[str, list[dict[str, Any]]], None],
        stop: threading.Event,
        frames: threading.Event | None = None,
    ) -> None:
        """Turns until finished or stopped, with a progress report after a turn when one is due.

        Due when ``frames`` is set (the window painted the last report and wants the next: its
        frame clock paces the race, as it paces live training), or without ``frames`` at most
        ``REPORTS_PER_S`` times a second.
        """
        last = -math.inf
        while not self.finished and not stop.is_set():
            self.turn()
            if frames is not None:
                due = frames.is_set()
                frames.clear()
            else:
                due = time.monotonic() - last >= 1 / REPORTS_PER_S
            if due:
                last = time.monotonic()
                emit("progress", self.reports())
        emit("done", self.reports(final=True))

    def reports(self, final: bool = False) -> list[dict[str, Any]]:
        return [report(e, final) for e in self.entrants]


def report(entrant: Entrant, final: bool = False) -> dict[str, Any]:
    """Plain data about one entrant: its settings, curves, numbers and boundary thumbnail.

    ``history`` holds each curve's epochs from ``history_start`` on: a progress report only
    those the last one did not carry (30 reports a second of whole curves cost the race ~15 %
    of its speed after a few thousand epochs), the final report all of them.
    """
    run = entrant.run
    samples = entrant.trained * len(run.job.X_train)
    start = 0 if final else min(entrant.sent, entrant.trained)
    entrant.sent = entrant.trained
    out = {
        "name": entrant.name,
        "optimizer": run.net.optimizer.get_config(),
        "epochs": entrant.trained,
        "target_epochs": entrant.epochs,
        "history_start": start,
        "history": {key: list(curve[start:]) for key, curve in run.history.items()},
        "seconds": entrant.seconds,
        "samples_per_s": samples / entrant.seconds if entrant.seconds else 0.0,
        "diverged": run.diverged,
        "message": run.message,
        "thumbnail": entrant.thumbnail(final),
    }
    if final:
        out["progress"] = run.progress()
    return out


def thumbnail(net, job: Job) -> dict[str, Any] | None:
    """The first output over the first two inputs (others at their mean), as a small image.

    ``image[i, j]`` is at (xs[j], ys[i]) in raw feature units; None for a one-input model.
    """
    if net.n_inputs < 2:
        return None
    mean, scale = np.asarray(job.view["mean"]), np.asarray(job.view["scale"])
    (x0, x1), (y0, y1) = default_ranges(job.X_train[:, :2] * scale[:2] + mean[:2])
    xs, ys = np.linspace(x0, x1, THUMBNAIL), np.linspace(y0, y1, THUMBNAIL)
    gx, gy = np.meshgrid(xs, ys)
    X = np.zeros((THUMBNAIL * THUMBNAIL, net.n_inputs))
    X[:, 0] = (gx.ravel() - mean[0]) / scale[0]
    X[:, 1] = (gy.ravel() - mean[1]) / scale[1]
    with np.errstate(all="ignore"):  # a diverged run: draw what it gives
        out = net.predict(X)[:, 0]
    image = out.reshape(THUMBNAIL, THUMBNAIL).astype(np.float32)
    return {"image": image, "extent": [x0, x1, y0, y1]}


# ------------------------------------------------------------------------ the race process
def start_race_child():
    """Start a race process: (process, commands to send, events to receive)."""
    return start_child(target=run_race_child)


def run_race_child(commands: Connection, events: Connection) -> None:
    """The race process's main function: one race at a time until told to quit."""
    races: queue.SimpleQueue[tuple[int, list[Job], list[str]] | None] = queue.SimpleQueue()
    stop = threading.Event()
    frames = threading.Event()  # the window painted a report: the next one is welcome

    def read() -> None:
        try:
            while (message := commands.recv())[0] != "quit":
                if message[0] == "frame":
                    frames.set()
                elif message[0] == "stop":
                    stop.set()
                elif message[0] == "race":
                    stop.set()  # a new race replaces a running one
                    races.put(tuple(message[1:]))
        except (EOFError, OSError):
            pass
        stop.set()
        races.put(None)

    reader = threading.Thread(target=read, name="nnstudio-race-commands", daemon=True)
    reader.start()
    while (item := races.get()) is not None:
        race_id, jobs, names = item
        stop.clear()
        epochs = jobs[0].settings["epochs"] or 100  # "until stopped" races 100 epochs

        def emit(kind: str, reports: list[dict[str, Any]], race_id: int = race_id) -> None:
            try:
                events.send((kind, race_id, reports))
            except (OSError, ValueError):
                stop.set()

        frames.set()  # the first report goes out after the first turn
        try:
            Race(jobs, names, epochs).run(emit, stop, frames)
        except Exception as exc:  # a race must not take the process down silently
            emit("failed", [{"message": f"the race failed: {exc}"}])
    reader.join()
