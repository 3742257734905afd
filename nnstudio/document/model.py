"""The document: one plain description of a student's work.

The editor draws from it and changes it only through edits (``edits.py``); the engine builds a
``Network`` from ``network``; the project file stores it. Nothing here imports Qt.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Training settings a new document starts with; every key is documented in the README.
DEFAULT_TRAINING: dict[str, Any] = {
    "batch_size": 10,
    "epochs": 300,  # 0 means "until stopped"
    "validation_ratio": 0.2,
    "standardize": True,
    "early_stopping": {"enabled": False, "patience": 20, "min_delta": 0.0},
}


@dataclass
class Document:
    """Everything a project file holds.

    ``weights`` is ``None`` for a network that has not been initialised or trained yet: it is then
    defined by the spec's seed alone. ``data`` is a data-set reference (see ``nnstudio.data``);
    ``embedded`` holds arrays imported from a file (``X``, ``y``) so the project trains anywhere.
    """

    network: dict[str, Any]
    training: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_TRAINING))
    data: dict[str, Any] = field(default_factory=dict)
    weights: list[np.ndarray] | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    standardize: dict[str, list[float]] | None = None
    embedded: dict[str, Any] | None = None
    auto_output: bool = True

    def copy(self) -> Document:
        """A deep copy: edits and the worker never share mutable state with the GUI's document."""
        return Document(
            network=copy.deepcopy(self.network),
            training=copy.deepcopy(self.training),
            data=copy.deepcopy(self.data),
            weights=None if self.weights is None else [w.copy() for w in self.weights],
            history=copy.deepcopy(self.history),
            standardize=copy.deepcopy(self.standardize),
            embedded=copy.deepcopy(self.embedded),
            auto_output=self.auto_output,
        )
