"""The one training path: a job's network, callbacks and results, for the CLI and the window.

``nnstudio train``, the window's training process and scripts all train through :class:`Run`,
so they build the network the same way (weights and optimizer state from the document), use
the same callbacks (the NaN guard, early stopping that restores the best weights), record the
same per-epoch history and write back the same :class:`~nnstudio.document.Progress`.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nnstudio.data.embedded import project_dataset
from nnstudio.document import Document, Progress
from nnstudio.engine import Callback, EarlyStopping, History, NanGuard, Network, fit
from nnstudio.live.job import Job, job_from_document
from nnstudio.live.replay import Trail, TrailRecorder, capacity_for

#: Per-epoch figures the document keeps, in the order the README lists them.
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def epochs_for_next_run(settings: dict[str, Any], done: int) -> int | None:
    """How many epochs Play (or ``nnstudio train`` without ``--epochs``) trains.

    Up to the "Epochs" setting; once there, that many more. ``None``: until stopped (0).
    """
    target = settings["epochs"]
    if target == 0:
        return None
    return target - done if done < target else target


def build_network(job: Job) -> Network:
    """The job's network with its weights and its training state (counters, optimizer, RNGs).

    It trains in the job's dtype (float32 for images); weights and optimizer state from a
    float64 document are rounded to it.
    """
    net = Network(job.network_spec)
    if job.weights is not None:
        net.set_weights(job.weights)
    if job.state is not None:
        net.set_state(job.state)
    net.epochs = job.epochs_done  # the history is the count's one home
    return net


class _Record(Callback):
    """Appends each epoch's figures to the run's whole history (NaN where a figure is absent)."""

    def __init__(self, history: dict[str, list[float]]) -> None:
        self.history = history

    def on_epoch_end(self, logs):
        done = max((len(v) for v in self.history.values()), default=0)
        for key in dict.fromkeys([*HISTORY_KEYS, *self.history]):
            value = logs.get(key)
            if value is None and key not in self.history:
                continue
            curve = self.history.setdefault(key, [math.nan] * done)
            curve.append(math.nan if value is None else float(value))


class Run:
    """Trains one job's network; ``fit`` may be called again to go on (pauses, more epochs).

    ``message`` says why the last ``fit`` stopped early (divergence, early stopping), with
    advice that fits the settings in use; ``diverged`` is True after a divergence.
    """

    def __init__(self, job: Job) -> None:
        self.job = job
        self.net = build_network(job)
        self.history: dict[str, list[float]] = copy.deepcopy(job.history)
        self.message = ""
        self.diverged = False
        #: The weights of past epochs, for replay (bounded: see ``nnstudio.live.replay``).
        self.trail = Trail(capacity_for(self.net.n_params, self.net.dtype.itemsize))
        if self.net.position is None:  # between epochs: the run's start is a frame too
            self.trail.record(self.net)

    def callbacks(self) -> list[Callback]:
        """The guard, early stopping as the settings say, and the history record."""
        out: list[Callback] = [NanGuard()]
        es = self.job.settings["early_stopping"]
        if es["enabled"]:
            out.append(
                EarlyStopping(
                    monitor="val_loss" if self.job.has_validation else "loss",
                    patience=es["patience"],
                    min_delta=es["min_delta"],
                    restore_best_weights=es["restore_best_weights"],
                )
            )
        out.append(_Record(self.history))
        out.append(TrailRecorder(self.trail))
        return out

    def fit(
        self,
        epochs: int | None,
        callbacks: Iterable[Callback] = (),
        stop: threading.Event | None = None,
    ) -> History:
        """Train ``epochs`` more epochs (``None``: until ``stop`` is set)."""
        if epochs is None:
            if stop is None:
                raise ValueError("training until stopped needs something that can stop it")
            epochs = 2**62
        own = self.callbacks()
        job = self.job
        history = fit(
            self.net,
            job.X_train,
            job.y_train,
            epochs=epochs,
            batch_size=job.settings["batch_size"],
            validation_data=(job.X_val, job.y_val) if job.has_validation else None,
            shuffle=job.settings["shuffle"],
            callbacks=[*own, *callbacks],
            stop=stop,
        )
        guard = own[0]
        assert isinstance(guard, NanGuard)
        self.diverged = bool(guard.message)
        self.message = divergence_advice(guard, job) if guard.message else history.stopped_reason
        return history

    def progress(self) -> Progress:
        """What the document keeps of this run: weights, whole history, transform, state."""
        state = self.net.get_state()
        del state["epochs"]  # the history's length
        return Progress(
            weights=self.net.get_weights(),
            history=copy.deepcopy(self.history),
            standardize=copy.deepcopy(self.job.standardize),
            state=state,
        )


def divergence_advice(guard: NanGuard, job: Job) -> str:
    """The guard's account of where the loss stopped being finite, and what to change."""
    lr = job.spec["optimizer"]["learning_rate"]
    advice = f"Try a smaller learning rate than {lr:g} (say {lr / 10:g}), then press Play"
    if not job.settings["standardize"]:
        advice += ", or turn on 'Standardize inputs'"
    text = guard.message[0].upper() + guard.message[1:]
    return f"Training stopped: {text} {advice}."


def train_document(
    doc: Document,
    job: Job,
    epochs: int | None = None,
    callbacks: Iterable[Callback] = (),
    stop: threading.Event | None = None,
) -> Run:
    """Train ``doc`` through ``job`` (from ``job_from_document``) and write the results back.

    ``epochs``: how many more (default: :func:`epochs_for_next_run`). What the command line
    does, and what scripts can do; the window does the same in its training process.
    """
    if epochs is None:
        epochs = epochs_for_next_run(job.settings, job.epochs_done)
    run = Run(job)
    run.fit(epochs, callbacks, stop)
    doc.set_progress(run.progress())
    return run


def train(
    doc: Document,
    epochs: int | None = None,
    callbacks: Iterable[Callback] = (),
    stop: threading.Event | None = None,
    base_dir: str | Path | None = None,
    allow_outside: bool = False,
) -> Run:
    """Load ``doc``'s data, train it and write the results into ``doc``: ``nnstudio train``.

    ``epochs``: how many more (default: up to the "epochs" setting, or that many more once
    there). ``base_dir`` (the project file's folder) resolves a relative data-file path;
    ``allow_outside`` lets the reference point outside it.
    """
    # The loaded data set is dropped once the job is built: an MNIST-sized set is 376 MB.
    job = job_from_document(doc, project_dataset(doc.data, doc.embedded, base_dir, allow_outside))
    return train_document(doc, job, epochs, callbacks, stop)
