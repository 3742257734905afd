"""Data carried inside a project: a ``Dataset`` as ``Document.embedded`` and back.

A project made from a CSV file keeps its rows (``X``, ``y``) so it trains on any computer, even
without the original file. In memory ``Document.embedded`` is a plain dict::

    {"X": (n, d) float64 (float32: IDX images),
     "y": (n,) int64 classes or (n,)/(n, k) float64 targets,
     "feature_names": [...], "class_names": [...] or None, "task": "binary", "name": "data",
     "target_names": [...] or None, "image_shape": [h, w] or None}

In a project file the arrays go to ``data.safetensors`` and the rest to ``project.json``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError
from nnstudio.data.limits import check_classes

NAME_KEYS = ("feature_names", "class_names", "task", "name", "target_names", "image_shape")


def embed(ds: Dataset, copy: bool = True) -> dict[str, Any]:
    """The ``Document.embedded`` dict for a data set (arrays copied, unless the data set was
    made for this and nothing else holds it: ``copy=False`` spares a 400 MB copy)."""
    return {
        "X": ds.X.copy() if copy else ds.X,
        "y": ds.y.copy() if copy else ds.y,
        "feature_names": list(ds.feature_names),
        "class_names": None if ds.class_names is None else list(ds.class_names),
        "task": ds.task,
        "name": ds.name,
        "target_names": None if ds.target_names is None else list(ds.target_names),
        "image_shape": None if ds.image_shape is None else list(ds.image_shape),
    }


def to_dataset(embedded: dict[str, Any]) -> Dataset:
    """The ``Dataset`` an embedded dict describes; ``DataError`` if the pieces do not fit.

    The names come from a project file, so their kinds are checked here, where they are read.
    """
    names = {key: embedded.get(key) for key in NAME_KEYS}
    _check_texts(names["feature_names"], "feature_names", required=True)
    for key in ("class_names", "target_names"):
        _check_texts(names[key], key, required=False)
    if names["class_names"] is not None:
        check_classes("embedded data", len(names["class_names"]))
    if not isinstance(names["task"], str):
        raise DataError(f"task must be a name, got {names['task']!r}")
    if names["name"] is not None and not isinstance(names["name"], str):
        raise DataError(f"name must be text, got {names['name']!r}")
    return Dataset(
        X=np.asarray(embedded["X"]),
        y=np.asarray(embedded["y"]),
        feature_names=list(names["feature_names"]),
        class_names=names["class_names"],
        task=names["task"],
        name=names["name"] or "data",
        image_shape=_image_shape(names["image_shape"]),
        target_names=names["target_names"],
    )


def _check_texts(value: Any, key: str, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise DataError(f"{key} must be a list of texts")


def _image_shape(shape: Any) -> tuple[int, int] | None:
    """None, or [height, width]: two whole numbers of at least 1."""
    if shape is None:
        return None
    ok = (
        isinstance(shape, list | tuple)
        and len(shape) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in shape)
    )
    if not ok:
        raise DataError(
            f"image_shape must be null or [height, width] (whole numbers), got {shape!r}"
        )
    return shape[0], shape[1]


def names_of(embedded: dict[str, Any]) -> dict[str, Any]:
    """The JSON part of an embedded dict (everything but the arrays)."""
    return {key: embedded.get(key) for key in NAME_KEYS}


def project_dataset(
    reference: dict[str, Any],
    embedded: dict[str, Any] | None,
    base_dir: Any = None,
    allow_outside: bool = False,
) -> Dataset:
    """A project's whole data set: its embedded rows if any, else what its reference names.

    ``base_dir`` (the project file's folder) resolves a relative file path in the reference. A
    reference comes from a file, so it may only point inside that folder unless the user
    allowed more (``allow_outside``); see ``nnstudio.data.from_reference``.
    """
    from nnstudio.data.catalog import from_reference

    if embedded is not None:
        return to_dataset(embedded).validate()
    if not reference:
        raise DataError("the project has no data set; choose one or import a CSV file")
    return from_reference(reference, base_dir=base_dir, allow_outside=allow_outside)
