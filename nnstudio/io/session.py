"""From a ``Document`` to training: data arrays, a ``Network``, and a training run.

Shared by the command line and the GUI's training worker, so it is pure (no Qt, no printing)
and changes nothing but the document it is given. The GUI calls it on ``doc.copy()`` in its
worker thread and hands the result back to the GUI thread.
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnstudio.data import DataError, Dataset, Standardizer, from_reference
from nnstudio.document import Document
from nnstudio.engine import Callback, EarlyStopping, History, NanGuard, Network, fit
from nnstudio.io import embedded as emb


@dataclass
class Prepared:
    """The arrays one training run uses.

    ``train`` and ``validation`` are already standardized when the document asks for it;
    ``standardizer`` was fitted on the training rows only (None when not standardizing).
    """

    dataset: Dataset
    train: Dataset
    validation: Dataset
    standardizer: Standardizer | None

    @property
    def validation_data(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(X, targets)`` for ``fit``, or None when nothing is held out."""
        if len(self.validation) == 0:
            return None
        return self.validation.X, self.validation.targets()


def dataset(
    doc: Document, base_dir: str | Path | None = None, allow_outside: bool = False
) -> Dataset:
    """The document's whole data set: the embedded rows if any, else its data reference.

    ``base_dir`` (the project file's folder) resolves a relative CSV path in the reference. A
    reference comes from a file, so it may only point inside that folder unless the user
    allowed more (``allow_outside``); see ``nnstudio.data.from_reference``.
    """
    if doc.embedded is not None:
        return emb.to_dataset(doc.embedded).validate()
    if not doc.data:
        raise DataError("the project has no data set; choose one or import a CSV file")
    return from_reference(doc.data, base_dir=base_dir, allow_outside=allow_outside)


def split_seed(doc: Document) -> int:
    """The seed of the training/validation split: the network's seed, so a project is one seed."""
    return int(doc.network.get("seed", 0))


def prepare(
    doc: Document,
    data: Dataset | None = None,
    base_dir: str | Path | None = None,
    allow_outside: bool = False,
) -> Prepared:
    """Split the data (seeded), fit the standardizer on the training part, store its numbers.

    ``doc.standardize`` is set to the fitted statistics (or None), since predictions must use
    the same transform as training.
    """
    ds = dataset(doc, base_dir, allow_outside) if data is None else data
    _check_fits(doc, ds)
    train, validation = ds.split(float(doc.training.get("validation_ratio", 0.0)), split_seed(doc))
    standardizer = None
    if doc.training.get("standardize", False):
        standardizer = Standardizer.fit(train.X)
        train, validation = train.standardized(standardizer), validation.standardized(standardizer)
    doc.standardize = None if standardizer is None else standardizer.to_dict()
    return Prepared(ds, train, validation, standardizer)


def _check_fits(doc: Document, ds: Dataset) -> None:
    inputs, outputs = doc.network["inputs"], doc.network["layers"][-1]["units"]
    if inputs != ds.n_features:
        raise DataError(
            f"the network has {inputs} inputs but the data set {ds.name!r} has "
            f"{ds.n_features} features"
        )
    if outputs != ds.n_outputs:
        raise DataError(
            f"the network has {outputs} outputs but the data set {ds.name!r} needs {ds.n_outputs}"
        )


def network(doc: Document) -> Network:
    """A ``Network`` from the document's spec, with its weights when it has some."""
    net = Network(doc.network)
    if doc.weights is not None:
        net.set_weights(doc.weights)
    net.epochs = len(doc.history.get("loss", []))
    return net


def standardize_inputs(doc: Document, X: np.ndarray) -> np.ndarray:
    """Inputs transformed as in training (unchanged when the project does not standardize)."""
    if doc.standardize is None:
        return np.asarray(X, dtype=np.float64)
    return Standardizer.from_dict(doc.standardize).transform(X)


def predict(doc: Document, X: np.ndarray) -> np.ndarray:
    """The network's outputs for raw (unstandardized) inputs: probabilities for classifiers."""
    return network(doc).predict(standardize_inputs(doc, X))


def train(
    doc: Document,
    epochs: int | None = None,
    callbacks: Iterable[Callback] = (),
    stop: threading.Event | None = None,
    base_dir: str | Path | None = None,
    allow_outside: bool = False,
) -> History:
    """Train the document's network for ``epochs`` (default: its training settings).

    Continues from ``doc.weights`` when present. Afterwards ``doc.weights`` holds the new
    weights and ``doc.history`` has this run's epochs appended (history accumulates across runs;
    epoch numbers continue). The optimizer's state is not stored, so a continued run starts
    with fresh momentum. Epochs 0 means "until stopped" and needs ``stop``. ``base_dir`` resolves
    a relative CSV path in the data reference (give the project file's folder).
    """
    epochs = int(doc.training.get("epochs", 0)) if epochs is None else int(epochs)
    if epochs < 0:
        raise ValueError(f"epochs must be 0 or more, got {epochs}")
    if epochs == 0:
        if stop is None:
            raise ValueError("epochs is 0 (train until stopped) but nothing can stop it")
        epochs = sys.maxsize
    prep = prepare(doc, base_dir=base_dir, allow_outside=allow_outside)
    net = network(doc)
    history = fit(
        net,
        prep.train.X,
        prep.train.targets(),
        epochs=epochs,
        batch_size=int(doc.training.get("batch_size", 32)),
        validation_data=prep.validation_data,
        callbacks=[NanGuard(), *_early_stopping(doc, prep), *callbacks],
        stop=stop,
    )
    doc.weights = net.get_weights()
    _append_history(doc.history, history.history)
    return history


def _early_stopping(doc: Document, prep: Prepared) -> list[Callback]:
    settings = doc.training.get("early_stopping") or {}
    if not settings.get("enabled"):
        return []
    monitor = "val_loss" if prep.validation_data is not None else "loss"
    return [
        EarlyStopping(
            monitor=monitor,
            patience=int(settings.get("patience", 20)),
            min_delta=float(settings.get("min_delta", 0.0)),
            restore_best_weights=True,
        )
    ]


def _append_history(total: dict[str, list[float]], run: dict[str, list[float]]) -> None:
    """Append a run's curves; a curve missing on one side is padded with NaN to stay aligned."""
    before = max((len(v) for v in total.values()), default=0)
    added = max((len(v) for v in run.values()), default=0)
    for key in [*total, *(k for k in run if k not in total)]:
        curve = total.setdefault(key, [])
        curve.extend([math.nan] * (before - len(curve)))
        values = [float(v) for v in run.get(key, [])]
        curve.extend(values + [math.nan] * (added - len(values)))
