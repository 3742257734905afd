"""Data carried inside a project: a ``Dataset`` as ``Document.embedded`` and back.

A project made from a CSV file keeps its rows (``X``, ``y``) so it trains on any computer, even
without the original file. In memory ``Document.embedded`` is a plain dict::

    {"X": (n, d) float64, "y": (n,) int64 classes or (n,)/(n, k) float64 targets,
     "feature_names": [...], "class_names": [...] or None, "task": "binary", "name": "data",
     "target_names": [...] or None, "image_shape": [h, w] or None}

In a project file the arrays go to ``data.safetensors`` and the rest to ``project.json``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.data import Dataset

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
    """The ``Dataset`` an embedded dict describes; ``DataError`` if the pieces do not fit."""
    shape = embedded.get("image_shape")
    return Dataset(
        X=np.asarray(embedded["X"]),
        y=np.asarray(embedded["y"]),
        feature_names=list(embedded["feature_names"]),
        class_names=embedded.get("class_names"),
        task=embedded["task"],
        name=embedded.get("name") or "data",
        image_shape=None if shape is None else (int(shape[0]), int(shape[1])),
        target_names=embedded.get("target_names"),
    )


def names_of(embedded: dict[str, Any]) -> dict[str, Any]:
    """The JSON part of an embedded dict (everything but the arrays)."""
    return {key: embedded.get(key) for key in NAME_KEYS}
