"""Training settings: their defaults and their rules, in one place.

Every way in (a project file, an edit in the window, the command line) passes the settings
through :func:`normalize_training`, so after that the code indexes them without defaults of its
own: the window and ``nnstudio train`` cannot disagree about a batch size or early stopping.
The optimizer and its learning rate belong to the network spec (``nnstudio.engine.spec``).
"""

from __future__ import annotations

import copy
import math
from typing import Any

#: Epochs one run may ask for (0 means "until stopped"); more would never end on a laptop.
MAX_EPOCHS = 10_000_000
MAX_BATCH_SIZE = 1_000_000

#: The settings a new document starts with; every key is documented in the README.
DEFAULT_TRAINING: dict[str, Any] = {
    "batch_size": 10,
    "epochs": 300,  # 0 means "until stopped"
    "validation_ratio": 0.2,
    "standardize": True,
    "shuffle": True,
    # Data sets of images train in float32 whatever the network's dtype: pixel intensities
    # need no more digits, and it halves the memory and time of an MNIST-sized set.
    "image_float32": True,
    "early_stopping": {
        "enabled": False,
        "patience": 20,
        "min_delta": 0.0,
        "restore_best_weights": True,
    },
}


def default_training() -> dict[str, Any]:
    """A fresh copy of the defaults."""
    return copy.deepcopy(DEFAULT_TRAINING)


def normalize_training(value: Any) -> dict[str, Any]:
    """A checked copy of training settings with every default filled in.

    Raises ``ValueError`` naming the setting, what it must be and what it was. Unknown keys are
    refused, so a typo in a hand-written project is not silently ignored.
    """
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ValueError(f"training: expected an object of settings, got {_show(value)}")
    _known("training", value, DEFAULT_TRAINING)
    out = {**default_training(), **copy.deepcopy(value)}
    out["batch_size"] = _whole("training.batch_size", out["batch_size"], 1, MAX_BATCH_SIZE)
    out["epochs"] = _whole("training.epochs", out["epochs"], 0, MAX_EPOCHS)
    ratio = _number("training.validation_ratio", out["validation_ratio"])
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"training.validation_ratio: expected at least 0 and below 1, got {ratio}")
    out["validation_ratio"] = ratio
    out["standardize"] = _flag("training.standardize", out["standardize"])
    out["shuffle"] = _flag("training.shuffle", out["shuffle"])
    out["image_float32"] = _flag("training.image_float32", out["image_float32"])
    es = out["early_stopping"]
    if es is None:
        es = {}
    if not isinstance(es, dict):
        raise ValueError(f"training.early_stopping: expected an object, got {_show(es)}")
    _known("training.early_stopping", es, DEFAULT_TRAINING["early_stopping"])
    es = {**DEFAULT_TRAINING["early_stopping"], **es}
    where = "training.early_stopping"
    out["early_stopping"] = {
        "enabled": _flag(f"{where}.enabled", es["enabled"]),
        "patience": _whole(f"{where}.patience", es["patience"], 0, MAX_EPOCHS),
        "min_delta": abs(_number(f"{where}.min_delta", es["min_delta"])),
        "restore_best_weights": _flag(f"{where}.restore_best_weights", es["restore_best_weights"]),
    }
    return out


def _known(where: str, given: dict[str, Any], allowed: dict[str, Any]) -> None:
    unknown = [key for key in given if key not in allowed]
    if unknown:
        raise ValueError(
            f"{where}: unknown setting {_show(unknown[0])}; known: {', '.join(allowed)}"
        )


def _whole(where: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        expected = f"a whole number from {low} to {high}"
        raise ValueError(f"{where}: expected {expected}, got {_show(value)}")
    return int(value)


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {_show(value)}")
    try:
        value = float(value)
    except OverflowError:
        raise ValueError(f"{where}: expected a finite number") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: expected a finite number, got {value}")
    return value


def _flag(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: expected true or false, got {_show(value)}")
    return value


def _show(value: Any) -> str:
    """A short, safe rendering of a value from a file (no 400-digit integers in messages)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
