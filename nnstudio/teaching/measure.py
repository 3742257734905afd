"""The numbers a lesson asks for, read from a document: what the window shows, computed once.

The Lesson panel and ``nnstudio lesson check`` both call :func:`measure`, and the inspector
shows the same quantities from the same engine calls, so a tick in the window and a tick on
the command line mean the same thing. Samples, layers and units count from 1, as the course
does; "sample k" is the k-th row of the data set as it lists them (whether it trains or
validates), and losses and gradients are over the training rows, as one full batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.data import Dataset
from nnstudio.document import Document
from nnstudio.engine import Network
from nnstudio.io import session
from nnstudio.live import prepare
from nnstudio.live.job import split_seed
from nnstudio.teaching.inspect import weight_names


@dataclass
class Subject:
    """A document's network, its training rows and all rows, as the network sees them.

    ``X``/``T``: the training rows (shuffled by the split) and their targets shaped like the
    output; ``rows_X``/``rows_T``: every row in the data set's own order, transformed as the
    training rows are (standardized when the settings say so).
    """

    doc: Document
    net: Network
    X: np.ndarray
    T: np.ndarray
    rows_X: np.ndarray
    rows_T: np.ndarray

    @classmethod
    def of(cls, doc: Document, dataset: Dataset) -> Subject:
        train, rows = _split_rows(doc, dataset)
        net = session.network(doc)
        return cls(
            doc,
            net,
            train.X,
            net.prepare_targets(train.targets()),
            rows.X,
            net.prepare_targets(rows.targets()),
        )

    def row(self, sample: int) -> tuple[np.ndarray, np.ndarray]:
        """Sample ``sample`` (from 1) and its target, each as a one-row array."""
        if not 1 <= sample <= len(self.rows_X):
            raise LookupError(f"sample {sample}: the data set has {len(self.rows_X)} rows")
        return self.rows_X[sample - 1 : sample], self.rows_T[sample - 1 : sample]

    def param_index(self, name: str) -> int:
        names = weight_names(self.net)
        if name not in names:
            raise LookupError(f"no weight {name!r}; the network has {names[0]} … {names[-1]}")
        return names.index(name)


#: The last data set's training rows and all rows, as the network sees them: they depend on
#: the data and the split settings, not on the weights, and the inspector asks again at every
#: pause (splitting and standardizing 60,000 images takes seconds).
_last_split: tuple[Dataset, tuple, Dataset, Dataset] | None = None


def _split_rows(doc: Document, dataset: Dataset) -> tuple[Dataset, Dataset]:
    global _last_split
    settings = doc.training
    key = (settings["validation_ratio"], settings["standardize"], split_seed(doc))
    key = (*key, doc.network["inputs"], doc.network["layers"][-1]["units"])
    if _last_split is not None and _last_split[0] is dataset and _last_split[1] == key:
        return _last_split[2], _last_split[3]
    prep = prepare(doc, dataset)
    rows = dataset if prep.standardizer is None else dataset.standardized(prep.standardizer)
    _last_split = (dataset, key, prep.train, rows)
    return prep.train, rows


def measure(subject: Subject, quantity: dict[str, Any]) -> float | None:
    """The value of one lesson quantity (see ``lesson_file.QUANTITIES``); None if absent.

    Raises ``LookupError`` when the quantity names a sample, layer or weight the network or
    data do not have.
    """
    kind = quantity["of"]
    net = subject.net
    sample, unit = quantity.get("sample", 1), quantity.get("unit", 1)
    if kind in ("output", "target", "error"):
        X, T = subject.row(sample)
        if not 1 <= unit <= net.n_outputs:
            raise LookupError(f"unit {unit}: the output layer has {net.n_outputs} units")
        out = float(net.predict(X)[0, unit - 1])
        target = float(T[0, unit - 1])
        return {"output": out, "target": target, "error": out - target}[kind]
    if kind == "node":
        X, _ = subject.row(sample)
        layer = quantity.get("layer", 1)
        if not 1 <= layer <= len(net.layers) or not 1 <= unit <= net.layers[layer - 1].units:
            raise LookupError(f"node {layer}.{unit} is not in the network")
        z, a = net.layer_outputs(X)[layer - 1]
        return float((z if quantity.get("field", "a") == "z" else a)[0, unit - 1])
    if kind == "weight":
        return float(net.params[subject.param_index(quantity["name"])])
    if kind == "gradient":
        i = subject.param_index(quantity["name"])
        X, T = subject.row(quantity["sample"]) if "sample" in quantity else (subject.X, subject.T)
        net.gradients(X, T)
        return float(net.grads[i])
    if kind in ("loss", "rmse"):
        value = net.loss(subject.X, subject.T)
        return value if kind == "loss" else math.sqrt(value)
    if kind == "sum_squared_error":
        return float(np.sum((net.predict(subject.X) - subject.T) ** 2))
    if kind == "epochs":
        return float(subject.doc.epochs)
    return _history(subject.doc, quantity.get("key", "loss"), quantity.get("at", "last"))


def _history(doc: Document, key: str, at: str) -> float | None:
    curve = [v for v in doc.history.get(key, []) if math.isfinite(v)]
    if not curve:
        return None
    return {"last": curve[-1], "first": curve[0], "min": min(curve), "max": max(curve)}[at]
