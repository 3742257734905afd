"""Feature crosses: extra inputs computed from two features, as in TensorFlow Playground.

For a data set with exactly two features x1 and x2, a spec may list extra inputs by name in
``"features"``: ``x1_squared`` (x1²), ``x2_squared`` (x2²), ``x1_times_x2`` (x1·x2),
``sin_x1`` (sin(x1)) and ``sin_x2`` (sin(x2)). The network's first layer then sees
``[x1, x2, extra_1, ...]`` in the listed order, so its weight matrix has ``2 + len(features)``
rows.

The crosses are computed from the inputs the network is given: the *standardized* x1 and x2
when the project standardizes its inputs (the default), the raw ones when it does not. On
standardized inputs x1² and x1·x2 have a scale near 1 whatever the data's units, so they train
as easily as x1 and x2 themselves (raw x² of a feature in the thousands would not). An export
therefore standardizes first and computes the crosses second, and takes raw inputs.

This module owns the definitions. Each cross is one of two operations on input columns,
``("mul", i, j)`` (x_i · x_j) or ``("sin", i)``, so the exporters (ONNX nodes, generated
PyTorch, NumPy and Keras code) translate the same five definitions instead of keeping their
own lists. Pure NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Crosses need exactly this many features (they name x1 and x2).
CROSS_INPUTS = 2


@dataclass(frozen=True)
class Cross:
    """One extra input: ``op`` ("mul" or "sin") applied to input columns ``columns``."""

    name: str
    op: str
    columns: tuple[int, ...]
    template: str  # the label with {x1}, {x2} for the input names

    def label(self, names: tuple[str, str] | list[str] = ("x1", "x2")) -> str:
        """The cross as a student reads it: "x1²", "x1·x2", "sin(x1)" (with the given names)."""
        return self.template.format(x1=names[0], x2=names[1])

    def compute(self, X: np.ndarray, out: np.ndarray) -> None:
        """Write the cross of the rows of ``X`` (n, 2) into the column view ``out`` (n,)."""
        if self.op == "mul":
            np.multiply(X[:, self.columns[0]], X[:, self.columns[1]], out=out)
        else:
            np.sin(X[:, self.columns[0]], out=out)


#: Playground's five crosses, in the order the window offers them.
CROSSES: dict[str, Cross] = {
    c.name: c
    for c in (
        Cross("x1_squared", "mul", (0, 0), "{x1}²"),
        Cross("x2_squared", "mul", (1, 1), "{x2}²"),
        Cross("x1_times_x2", "mul", (0, 1), "{x1}·{x2}"),
        Cross("sin_x1", "sin", (0,), "sin({x1})"),
        Cross("sin_x2", "sin", (1,), "sin({x2})"),
    )
}
NAMES = tuple(CROSSES)


def normalize_features(value: Any, inputs: int) -> list[str]:
    """Check a spec's ``features`` list: known names, each once, only for two inputs.

    The order is kept (it is the order of the first layer's extra weight rows).
    """
    if not isinstance(value, list | tuple):
        raise ValueError(f"features: expected a list of names, got {value!r}")
    out: list[str] = []
    for i, name in enumerate(value):
        if name not in CROSSES:  # also refuses non-strings, so the list is bounded by NAMES
            raise ValueError(f"features[{i}]: unknown cross {name!r}; known: {', '.join(NAMES)}")
        if name in out:
            raise ValueError(f"features[{i}]: {name!r} is listed twice")
        out.append(name)
    if out and inputs != CROSS_INPUTS:
        raise ValueError(
            f"features: crosses need exactly {CROSS_INPUTS} inputs (x1 and x2); "
            f"the network has {inputs}"
        )
    return out


def features_of(spec: dict[str, Any]) -> list[str]:
    """A spec's crosses (a document's network may leave the key out: none)."""
    return list(spec.get("features") or ())


def input_width(spec: dict[str, Any]) -> int:
    """How many numbers the first layer receives: the inputs plus their crosses."""
    return int(spec["inputs"]) + len(features_of(spec))


def labels(features: list[str], names: tuple[str, str] | list[str] = ("x1", "x2")) -> list[str]:
    """The labels of the listed crosses, in their order."""
    return [CROSSES[name].label(names) for name in features]


def input_labels(spec: dict[str, Any], names: list[str] | None = None) -> list[str]:
    """What feeds each row of the first layer: the feature names (x1, x2, ... when ``names``
    has none), then the crosses written with the first two of them."""
    base = [
        str(names[i]) if names and i < len(names) else f"x{i + 1}"
        for i in range(int(spec["inputs"]))
    ]
    crosses = features_of(spec)
    return base + (labels(crosses, base) if crosses else [])


def expand(X: np.ndarray, features: list[str], out: np.ndarray | None = None) -> np.ndarray:
    """``[X, cross_1(X), ...]``: the rows of X (n, 2) with their crosses as extra columns.

    ``out`` (n, 2 + len(features)) or wider is filled in place when given (the network writes
    into the array that also holds its column of ones); extra columns are left alone.
    """
    X = np.asarray(X)
    d = X.shape[1]
    if out is None:
        out = np.empty((len(X), d + len(features)), X.dtype)
    out[:, :d] = X
    for c, name in enumerate(features, start=d):
        CROSSES[name].compute(X, out[:, c])
    return out
