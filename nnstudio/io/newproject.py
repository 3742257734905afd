"""New projects from imported data: a sensible first network for the data's task.

One hidden layer of tanh neurons (enough for most small tables, and smooth to watch train)
and the output layer the task needs: one sigmoid neuron with binary cross-entropy for two
classes, a softmax layer with categorical cross-entropy for more, linear neurons with mean
squared error for regression. The student changes it from there.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

from nnstudio.data import Dataset, import_csv
from nnstudio.data.embedded import embed
from nnstudio.document import DEFAULT_TRAINING, Document
from nnstudio.document.edits import output_for_task

LARGE_ROWS = 10_000


def hidden_units(ds: Dataset) -> int:
    """Between 8 and 32: roughly twice the number of features or classes."""
    return max(8, min(32, 2 * max(ds.n_features, ds.n_outputs)))


def from_dataset(ds: Dataset, reference: dict | None = None) -> Document:
    """A new, untrained document for ``ds``, with its rows embedded."""
    units, activation, loss = output_for_task(ds.task, ds.n_outputs)
    network = {
        "inputs": ds.n_features,
        "layers": [
            {"units": hidden_units(ds), "activation": "tanh"},
            {"units": units, "activation": activation},
        ],
        "loss": loss,
        "optimizer": {"name": "adam", "learning_rate": 0.01},
        "seed": 0,
    }
    training = copy.deepcopy(DEFAULT_TRAINING)
    training["epochs"] = 100 if len(ds) < LARGE_ROWS else 10
    training["batch_size"] = 10 if len(ds) < 1000 else 32
    return Document(
        network=network, training=training, data=dict(reference or {}), embedded=embed(ds)
    )


def from_csv(path: str | os.PathLike[str], label: str | int | None = None) -> Document:
    """A project from a CSV file of numeric features and one label column.

    Without ``label`` the column is guessed as the import dialog guesses it (a column named
    ``label``, ``class``... wherever it is, else the last column of words, else the last). The
    data is embedded; ``data`` records where it came from and which column was the label.
    """
    path = Path(path)
    result = import_csv(path, label=label)
    reference = {"source": "csv", "path": str(path)}
    reference["label"] = result.label_column if result.has_header else label
    if reference["label"] is None:
        del reference["label"]
    return from_dataset(result.dataset, reference)
