"""A training job: everything one run needs, derived from a ``Document`` and its data alone.

The command line, the window's training process and scripts all start here, so they split the
data the same way (seeded by the network's seed), fit the standardizer on the same training
rows, and read the same normalized settings. A job is plain data (it is pickled to the
training process); nothing in it refers back to the document.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.data import DataError, Dataset, Standardizer
from nnstudio.data.pairs import telling_pair
from nnstudio.document import Document, normalize_training
from nnstudio.engine import normalize_spec
from nnstudio.live.images import prepare_float32, trains_in_float32


@dataclass
class Prepared:
    """The arrays one run trains on: split (seeded), standardized when the settings ask."""

    dataset: Dataset
    train: Dataset
    validation: Dataset
    standardizer: Standardizer | None


@dataclass
class Job:
    """One run's inputs. ``state`` is ``Network.get_state()`` (``epochs`` included) or None.

    ``history`` is the document's whole history: the run appends to it, so the views and the
    write-back see every epoch since the network was initialised. ``view`` is what the live
    views need beyond the weights (task, classes, boundary features, the standardizer's mean
    and scale, image shape, grid size). ``dtype`` is "float32" for images when the
    ``image_float32`` setting is on (the arrays are float32 then), else None: the spec's own.
    """

    spec: dict[str, Any]
    settings: dict[str, Any]
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    weights: list[np.ndarray] | None = None
    state: dict[str, Any] | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    standardize: dict[str, list[float]] | None = None
    view: dict[str, Any] = field(default_factory=dict)
    feature_names: list[str] = field(default_factory=list)
    class_names: list[str] | None = None
    target_names: list[str] | None = None
    name: str = "data"
    dtype: str | None = None  # what the network trains in, when not the spec's dtype

    @property
    def network_spec(self) -> dict[str, Any]:
        """The spec the run's network is built from: ``spec`` in the job's ``dtype``."""
        return self.spec if self.dtype is None else {**self.spec, "dtype": self.dtype}

    @property
    def epochs_done(self) -> int:
        return len(self.history.get("loss", []))

    @property
    def has_validation(self) -> bool:
        return len(self.X_val) > 0

    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.X_train) // self.settings["batch_size"])


def split_seed(doc: Document) -> int:
    """The seed of the training/validation split: the network's seed, so a project is one seed."""
    return int(normalize_spec(doc.network)["seed"])


def prepare(doc: Document, dataset: Dataset) -> Prepared:
    """Split ``dataset`` as the document says and fit the standardizer on the training rows."""
    check_fits(doc, dataset)
    settings = normalize_training(doc.training)
    train, validation = dataset.split(settings["validation_ratio"], split_seed(doc))
    standardizer = None
    if settings["standardize"]:
        standardizer = Standardizer.fit(train.X)
        train, validation = train.standardized(standardizer), validation.standardized(standardizer)
    return Prepared(dataset, train, validation, standardizer)


def check_fits(doc: Document, ds: Dataset) -> None:
    """Refuse a data set whose features or outputs do not match the network, in plain words."""
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


def job_from_document(doc: Document, dataset: Dataset, grid: int = 100) -> Job:
    """The job that continues ``doc``'s training on ``dataset`` (its own data set, loaded)."""
    settings = normalize_training(doc.training)
    if trains_in_float32(settings, dataset):
        check_fits(doc, dataset)
        arrays = prepare_float32(dataset, settings, split_seed(doc))
        std, dtype = arrays.standardizer, "float32"
        X_train, y_train, X_val, y_val = arrays.X_train, arrays.y_train, arrays.X_val, arrays.y_val
    else:
        prep = prepare(doc, dataset)
        std, dtype = prep.standardizer, None
        X_train, y_train = prep.train.X, prep.train.y
        X_val, y_val = prep.validation.X, prep.validation.y
    spec = normalize_spec(doc.network)
    d = dataset.n_features
    state = None
    if doc.state is not None:
        state = {**copy.deepcopy(doc.state), "epochs": doc.epochs}
    return Job(
        spec=spec,
        settings=settings,
        X_train=X_train,
        y_train=y_train,
        X_val=X_val,
        y_val=y_val,
        weights=None if doc.weights is None else [np.array(w) for w in doc.weights],
        state=state,
        history=copy.deepcopy(doc.history),
        standardize=None if std is None else std.to_dict(),
        view={
            "task": dataset.task,
            "classes": len(dataset.class_names or ()),
            "features": telling_pair(dataset.X, dataset.y, dataset.task),
            "mean": (std.mean if std is not None else np.zeros(d)).tolist(),
            "scale": (std.scale if std is not None else np.ones(d)).tolist(),
            "image_shape": dataset.image_shape,
            "grid": grid,
        },
        feature_names=list(dataset.feature_names),
        class_names=None if dataset.class_names is None else list(dataset.class_names),
        target_names=None if dataset.target_names is None else list(dataset.target_names),
        name=dataset.name,
        dtype=dtype,
    )
