"""From a ``Document`` to predictions: the network with its weights, inputs as in training.

Training lives in ``nnstudio.live`` (one path for the command line and the window); this
module is what exports, ``nnstudio predict`` and the tables need: the document's data set, its
network, and the input transform its weights were trained with.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nnstudio.data import Dataset, Standardizer
from nnstudio.data.embedded import project_dataset
from nnstudio.document import Document
from nnstudio.engine import Network


def dataset(
    doc: Document, base_dir: str | Path | None = None, allow_outside: bool = False
) -> Dataset:
    """The document's whole data set: the embedded rows if any, else its data reference.

    ``base_dir`` (the project file's folder) resolves a relative file path in the reference;
    ``allow_outside`` lets it point outside that folder (the user said so).
    """
    return project_dataset(doc.data, doc.embedded, base_dir, allow_outside)


def network(doc: Document) -> Network:
    """A ``Network`` from the document's spec, with its weights when it has some."""
    net = Network(doc.network)
    if doc.weights is not None:
        net.set_weights(doc.weights)
    net.epochs = doc.epochs
    return net


def standardize_inputs(doc: Document, X: np.ndarray) -> np.ndarray:
    """Inputs transformed as in training (unchanged when the weights were trained on raw ones)."""
    if doc.standardize is None:
        return np.asarray(X, dtype=np.float64)
    return Standardizer.from_dict(doc.standardize).transform(X)


def predict(doc: Document, X: np.ndarray) -> np.ndarray:
    """The network's outputs for raw (unstandardized) inputs: probabilities for classifiers."""
    return network(doc).predict(standardize_inputs(doc, X))
