"""Replay: the weights of past epochs, kept with bounded memory, and going on from one of them.

A run keeps a :class:`Trail` of frames, one per recorded epoch end: the flat weight vector,
the step count and the two random streams (shuffling, dropout) as they were then. Memory is
bounded: at most ``MAX_FRAMES`` frames (and ``MAX_BYTES`` of weights), thinned evenly. When
the trail is full, every other frame goes and from then on only every second (fourth, ...)
epoch is recorded, so the frames always cover the whole run at an even spacing.

"Continue from here" (:func:`continue_progress`) turns a frame into the training progress the
document keeps: that epoch's weights, the history cut after it, the random streams as they
were, and a fresh optimizer state (momentum and running averages are not kept per frame; a
plain SGD run therefore goes on exactly as it went the first time). Pure NumPy, no Qt.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.document import Progress
from nnstudio.engine import Callback, Network

#: Frames kept per run (the issue's bound), and the weight bytes a trail may hold at most.
MAX_FRAMES = 500
MAX_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Frame:
    """The network at the end of ``epoch`` (0: before the first epoch of the document)."""

    epoch: int
    steps: int
    params: np.ndarray  # the flat parameter vector (``Network.params``), a copy
    shuffle_rng: dict[str, Any]
    dropout_rng: dict[str, Any]


def capacity_for(n_params: int, itemsize: int = 8) -> int:
    """Frames a trail keeps: ``MAX_FRAMES``, fewer for a big network (at least 2)."""
    return max(2, min(MAX_FRAMES, MAX_BYTES // max(1, n_params * itemsize)))


class Trail:
    """Frames of one run, thinned evenly to at most ``capacity`` (see the module docstring)."""

    def __init__(self, capacity: int = MAX_FRAMES) -> None:
        if capacity < 2:
            raise ValueError(f"a trail keeps at least 2 frames, not {capacity}")
        self.capacity = capacity
        self.stride = 1  # epochs between kept frames
        self.frames: list[Frame] = []

    def record(self, net: Network) -> None:
        """Keep the network as it is now, if its epoch falls on the current spacing."""
        first = self.frames[0].epoch if self.frames else net.epochs
        if (net.epochs - first) % self.stride:
            return
        if self.frames and self.frames[-1].epoch == net.epochs:
            self.frames.pop()  # the same epoch again (a pause between epochs): keep the latest
        self.frames.append(frame_of(net))
        if len(self.frames) > self.capacity:
            self.stride *= 2
            self.frames = [f for f in self.frames if (f.epoch - first) % self.stride == 0]

    def at(self, epoch: int) -> Frame:
        """The kept frame closest to ``epoch`` (the earlier one on a tie)."""
        if not self.frames:
            raise LookupError("no frames recorded")
        return min(self.frames, key=lambda f: (abs(f.epoch - epoch), f.epoch))

    @property
    def epochs(self) -> list[int]:
        return [f.epoch for f in self.frames]


def frame_of(net: Network) -> Frame:
    """A copy of what the frame keeps of ``net`` now (between epochs)."""
    return Frame(
        epoch=net.epochs,
        steps=net.steps,
        params=net.params.copy(),
        shuffle_rng=copy.deepcopy(net.shuffle_rng.bit_generator.state),
        dropout_rng=copy.deepcopy(net.dropout_rng.bit_generator.state),
    )


class TrailRecorder(Callback):
    """Records an epoch's frame at its end (after the history has recorded the epoch)."""

    def __init__(self, trail: Trail) -> None:
        self.trail = trail

    def on_epoch_end(self, logs):
        self.trail.record(self.net)


def weights_of(spec: dict[str, Any], frame: Frame) -> list[np.ndarray]:
    """The frame's weights as ``[W1, b1, ...]`` for a network of ``spec``."""
    net = Network(spec)
    net.params[...] = frame.params
    return net.get_weights()


def continue_progress(
    spec: dict[str, Any],
    frame: Frame,
    history: dict[str, list[float]],
    standardize: dict[str, list[float]] | None,
) -> Progress:
    """The progress that goes on from ``frame``: its weights and random streams, the history
    cut after its epoch, and the optimizer's state afresh (``t`` = 0, zero vectors)."""
    net = Network(spec)
    net.params[...] = frame.params
    state = net.get_state()  # a fresh optimizer of the right kind, so files load it
    del state["epochs"]
    state.update(
        steps=frame.steps,
        shuffle_rng=copy.deepcopy(frame.shuffle_rng),
        dropout_rng=copy.deepcopy(frame.dropout_rng),
        position=None,
    )
    cut = {key: list(curve[: frame.epoch]) for key, curve in history.items()}
    return Progress(
        weights=net.get_weights(),
        history=cut,
        standardize=copy.deepcopy(standardize),
        state=state,
    )
