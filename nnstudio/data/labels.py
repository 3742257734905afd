"""Turning a label column's texts into targets: class indices or regression values.

A CSV label column arrives as text. Words ("setosa") are class names. Numbers are classes when
they are whole and few (0/1, the digits 0..9, the letters of a sign alphabet coded 0..24) and
regression targets otherwise; a caller can force either reading.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from nnstudio.data.errors import DataError
from nnstudio.data.limits import check_classes

MAX_INFERRED_CLASSES = 30
CLASSIFICATION_TASKS = ("binary", "multiclass", "classification")
TASK_CHOICES = (*CLASSIFICATION_TASKS, "regression")


def encode_labels(
    texts: Sequence[str],
    codes: np.ndarray,
    task: str | None = None,
    where: Callable[[int], str] = lambda row: f"row {row}",
    source: str = "labels",
) -> tuple[np.ndarray, list[str] | None, str]:
    """Targets, class names (None for regression) and task for one label column.

    ``texts`` are the distinct label texts; ``codes[i]`` is the index in ``texts`` of row i's
    label. ``task`` None infers the task; "classification" picks binary or multiclass by the
    number of classes. ``where(row)`` names a row's location and ``source`` the file, for error
    messages.
    """
    if task is not None and task not in TASK_CHOICES:
        raise DataError(f"unknown task {task!r}; expected one of {', '.join(TASK_CHOICES)}")
    present, codes = np.unique(codes, return_inverse=True)
    texts = [texts[c] for c in present]
    values = _numeric_values(texts)
    if task is None:
        task = "classification" if _looks_categorical(values, len(codes)) else "regression"
    if task == "regression":
        return _regression_targets(texts, values, codes, where), None, "regression"
    return _class_indices(texts, values, codes, task, source)


def _numeric_values(texts: Sequence[str]) -> np.ndarray:
    """Each text's number, NaN where the text is not a finite number."""
    return np.array([_number_or_nan(text) for text in texts], dtype=np.float64)


def _number_or_nan(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _looks_categorical(values: np.ndarray, n_rows: int) -> bool:
    """Words always are; numbers are when whole, few, and each seen on two rows on average."""
    if np.isnan(values).any():
        return True
    whole = bool(np.all(values == np.round(values)))
    return whole and len(values) <= MAX_INFERRED_CLASSES and 2 * len(values) <= n_rows


def _regression_targets(
    texts: list[str], values: np.ndarray, codes: np.ndarray, where: Callable[[int], str]
) -> np.ndarray:
    bad = np.flatnonzero(np.isnan(values))
    if bad.size:
        row = int(np.flatnonzero(codes == bad[0])[0])
        raise DataError(
            f'{where(row)}: expected a number for a regression target, found "{texts[bad[0]]}"'
        )
    return values[codes]


def _class_indices(
    texts: list[str], values: np.ndarray, codes: np.ndarray, task: str, source: str
) -> tuple[np.ndarray, list[str], str]:
    """Classes sorted by value when all labels are numbers (2 before 10), else by text."""
    if np.isnan(values).any():
        check_classes(source, len(texts))
        names = sorted(texts)
        position = {name: i for i, name in enumerate(names)}  # a dict: linear, not quadratic
        order = np.array([position[t] for t in texts], dtype=np.int64)
    else:
        distinct = np.unique(values)
        check_classes(source, len(distinct))
        names = [_format_number(v) for v in distinct]
        order = np.searchsorted(distinct, values)
    k = len(names)
    if k == 1:
        raise DataError(
            f'{source}: only one class: every label is "{names[0]}"; '
            "a classifier needs examples of at least two classes"
        )
    if task == "classification":
        task = "binary" if k == 2 else "multiclass"
    if task == "binary" and k > 2:
        shown = ", ".join(names[:10]) + (", ..." if k > 10 else "")
        raise DataError(f"{source}: a binary task needs 2 classes, the labels hold {k}: {shown}")
    return order[codes].astype(np.int64), names, task


def _format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(float(value))
