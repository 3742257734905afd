"""The document: one plain description of a student's work.

The editor draws from it and changes it only through edits (``edits.py``); a training job is
derived from it alone (``nnstudio.live``) and what a run produces goes back into it as one edit;
the project file stores all of it. Nothing here imports Qt.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.document.settings import DEFAULT_TRAINING, default_training, normalize_training


@dataclass
class Progress:
    """What training has made of a network, and all a later run needs to go on exactly.

    ``weights`` (``None``: defined by the spec's seed), ``history`` (one value per epoch and
    curve, the whole run), ``standardize`` (the input transform the weights were trained with)
    and ``state`` (``Network.get_state()`` without ``epochs``, which is the history's length:
    steps, optimizer state, random streams, the place inside an unfinished epoch). Arrays are
    never written in place once they are in a document (edits copy on write), so progress can
    be shared between the document and its undo steps.
    """

    weights: list[np.ndarray] | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    standardize: dict[str, list[float]] | None = None
    state: dict[str, Any] | None = None

    @property
    def epochs(self) -> int:
        return len(self.history.get("loss", []))

    @property
    def steps(self) -> int:
        return 0 if self.state is None else int(self.state["steps"])

    @property
    def nbytes(self) -> int:
        """Roughly what this progress holds in memory (for the undo stack's budget)."""
        arrays = list(self.weights or [])
        if self.state is not None:
            arrays += list(self.state["optimizer"]["vectors"].values())
        curves = sum(len(v) for v in self.history.values())
        return sum(np.asarray(a).nbytes for a in arrays) + 32 * curves


@dataclass
class Document:
    """Everything a project file holds.

    ``weights``, ``history``, ``standardize`` and ``state`` are the document's training
    :class:`Progress` (see there). ``data`` is a data-set reference (see ``nnstudio.data``);
    ``embedded`` holds arrays imported from a file (``X``, ``y``) so the project trains anywhere.
    ``training`` is always normalized (``nnstudio.document.settings``).
    """

    network: dict[str, Any]
    training: dict[str, Any] = field(default_factory=default_training)
    data: dict[str, Any] = field(default_factory=dict)
    weights: list[np.ndarray] | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    standardize: dict[str, list[float]] | None = None
    embedded: dict[str, Any] | None = None
    auto_output: bool = True
    state: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # Settings enter the document normalized, so the code after this point never guesses
        # a default; a bad setting is refused here with its name (ValueError).
        self.training = normalize_training(self.training)

    @property
    def progress(self) -> Progress:
        """The training progress (sharing the document's arrays: do not write into them)."""
        return Progress(self.weights, self.history, self.standardize, self.state)

    def set_progress(self, progress: Progress) -> Progress:
        """Replace the progress; returns the previous one (an edit's inverse)."""
        old = self.progress
        self.weights, self.history = progress.weights, progress.history
        self.standardize, self.state = progress.standardize, progress.state
        return old

    @property
    def epochs(self) -> int:
        """Epochs trained so far: one history entry each."""
        return self.progress.epochs

    def copy(self) -> Document:
        """A copy that shares no mutable state with this document but the embedded arrays.

        Those can be hundreds of megabytes and are never written into (an edit replaces them
        as a whole), so sharing them is safe and makes a copy cheap enough for autosave and
        for building a training job on another thread.
        """
        return Document(
            network=copy.deepcopy(self.network),
            training=copy.deepcopy(self.training),
            data=copy.deepcopy(self.data),
            weights=None if self.weights is None else [w.copy() for w in self.weights],
            history=copy.deepcopy(self.history),
            standardize=copy.deepcopy(self.standardize),
            embedded=None if self.embedded is None else dict(self.embedded),
            auto_output=self.auto_output,
            state=copy.deepcopy(self.state),
        )


__all__ = ["DEFAULT_TRAINING", "Document", "Progress"]
