"""Edits for the data set, and the bridge between a document and a :class:`Dataset`.

``SetData`` replaces the data reference and the embedded arrays together (an imported file's
arrays travel with the project; ``nnstudio.data.embedded`` converts a ``Dataset`` to and from
that dict). :func:`data_change` bundles what choosing a data set means for
the network (input count, output layer and loss) into one undo step. ``DragValue`` is a
``SetValue`` that merges only within one gesture, so two separate drags of one slider stay two
undo steps while every tick of a single drag folds into one.

Nothing here imports Qt.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nnstudio.document.edits import (
    Compound,
    Edit,
    SetFeatures,
    SetInputs,
    SetOutput,
    SetValue,
    output_for_task,
)
from nnstudio.document.model import Document, Progress
from nnstudio.engine.features import CROSS_INPUTS, features_of


@dataclass(eq=False)
class SetData(Edit):
    """Replace ``doc.data`` (the reference) and ``doc.embedded`` (imported arrays or ``None``).

    The arrays are shared, not copied: nothing in the program writes into a data set's arrays,
    and a 60,000-image import should not exist twice in memory per undo step.
    """

    reference: dict[str, Any]
    embedded: dict[str, Any] | None = field(default=None, repr=False)
    #: The progress after the edit; ``None``: the weights stay, the old data's curves and
    #: optimizer state go (they describe training on the other data).
    progress: Progress | None = field(default=None, repr=False)

    kind: ClassVar[str] = "set_data"
    area: ClassVar[str] = "data"

    def areas(self) -> frozenset[str]:
        return frozenset({"data", "weights"})

    def apply(self, doc: Document) -> Edit:
        if not isinstance(self.reference, Mapping):
            raise ValueError(f"a data reference is a mapping, got {self.reference!r}")
        if self.reference and "source" not in self.reference:
            raise ValueError(f"a data reference needs a 'source', got {dict(self.reference)!r}")
        if self.embedded is not None:
            _check_embedded(self.embedded)
        progress = self.progress
        if progress is None:
            progress = Progress(doc.weights, {}, doc.standardize, None)
        old = SetData(doc.data, doc.embedded, doc.set_progress(progress))
        doc.data = copy.deepcopy(dict(self.reference))
        doc.embedded = None if self.embedded is None else dict(self.embedded)
        return old

    def describe(self) -> str:
        return f"choose data set {data_name(self.reference)}"


def _check_embedded(embedded: Mapping[str, Any]) -> None:
    missing = [key for key in ("X", "y", "task") if key not in embedded]
    if missing:
        raise ValueError(f"embedded data needs {', '.join(missing)}")
    X, y = np.asarray(embedded["X"]), np.asarray(embedded["y"])
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"embedded X {X.shape} and y {y.shape} do not fit together")


@dataclass(eq=False)
class DragValue(SetValue):
    """A :class:`SetValue` that merges only with the next edit of the same ``gesture``.

    A widget draws a fresh gesture number when a drag starts and uses it for every tick of that
    drag; ``gesture=None`` (a typed value, a click) never merges.
    """

    gesture: int | None = None

    kind: ClassVar[str] = "drag_value"

    def merge(self, other: Edit) -> bool:
        if (
            self.gesture is not None
            and isinstance(other, DragValue)
            and other.gesture == self.gesture
            and other.path == self.path
        ):
            self.value = other.value
            return True
        return False


# ----------------------------------------------------------------------------- documents


def data_name(reference: Mapping[str, Any]) -> str:
    """A short name for a data reference: the set's name or the imported file's."""
    if reference.get("name"):
        return str(reference["name"])
    location = reference.get("path") or reference.get("folder")
    return Path(str(location)).name if location else "data"


def data_change(
    doc: Document,
    reference: dict[str, Any],
    dataset: Any,
    embedded: dict[str, Any] | None = None,
) -> Compound:
    """One undo step that switches to ``dataset``: the reference, the input count (without the
    feature crosses unless it has two features) and, when the output layer is automatic, the
    output layer and loss that fit the task.

    Parts that would not change anything are left out: re-setting the input count would throw
    away the weights for nothing.
    """
    parts: list[Edit] = [SetData(reference, embedded)]
    if features_of(doc.network) and dataset.n_features != CROSS_INPUTS:
        parts.append(SetFeatures(()))  # crosses name x1 and x2: gone with a third feature
    if int(doc.network["inputs"]) != dataset.n_features:
        parts.append(SetInputs(dataset.n_features))
    if doc.auto_output:
        units, activation, loss = output_for_task(dataset.task, dataset.n_outputs)
        out = doc.network["layers"][-1]
        current = (int(out["units"]), out.get("activation", "linear"), doc.network.get("loss"))
        if current != (units, activation, loss):
            parts.append(SetOutput(units, activation, loss))
    return Compound(tuple(parts), f"choose data set {data_name(reference)}")


__all__ = [
    "DragValue",
    "SetData",
    "data_change",
    "data_name",
]
