"""SetData, DragValue and data_change: one undo step per data-set change, one per drag."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import load, reference_for
from nnstudio.document import Document
from nnstudio.document.data_edits import DragValue, SetData, data_change, data_name
from nnstudio.document.edits import SetValue


def small_doc() -> Document:
    return Document(
        network={
            "inputs": 2,
            "layers": [{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
            "loss": "binary_crossentropy",
            "optimizer": {"name": "sgd", "learning_rate": 0.03},
        },
        data=reference_for("xor"),
    )


def test_set_data_replaces_reference_and_embedded_and_its_inverse_restores_them():
    doc = small_doc()
    before = (dict(doc.data), doc.embedded)
    embedded = {"X": np.zeros((3, 2)), "y": np.array([0, 1, 0]), "task": "binary"}
    inverse = SetData({"source": "csv", "path": "/tmp/my.csv"}, embedded).apply(doc)
    assert doc.data == {"source": "csv", "path": "/tmp/my.csv"}
    assert doc.embedded["X"] is embedded["X"]  # shared, never copied per undo step
    inverse.apply(doc)
    assert (doc.data, doc.embedded) == before


@pytest.mark.parametrize(
    "reference, embedded",
    [
        ({"name": "xor"}, None),  # no source
        ({"source": "csv"}, {"X": np.zeros((3, 2)), "y": np.zeros(2), "task": "binary"}),
        ({"source": "csv"}, {"X": np.zeros((3, 2))}),
    ],
)
def test_set_data_refuses_bad_values_before_touching_the_document(reference, embedded):
    doc = small_doc()
    before = dict(doc.data)
    with pytest.raises(ValueError):
        SetData(reference, embedded).apply(doc)
    assert doc.data == before


def test_drag_values_merge_within_one_gesture_only():
    first = DragValue(("data", "noise"), 0.1, gesture=7)
    assert first.merge(DragValue(("data", "noise"), 0.2, gesture=7))
    assert first.value == 0.2
    assert not first.merge(DragValue(("data", "noise"), 0.3, gesture=8))
    assert not first.merge(DragValue(("data", "seed"), 3, gesture=7))
    assert not first.merge(SetValue(("data", "noise"), 0.3))
    assert not DragValue(("data", "noise"), 0.1).merge(DragValue(("data", "noise"), 0.2))


def test_data_change_fits_inputs_and_output_and_undoes_as_one():
    doc = small_doc()
    before = doc.copy()
    iris = load("iris")
    batch = data_change(doc, reference_for("iris"), iris)
    inverse = batch.apply(doc)
    assert doc.data["name"] == "iris"
    assert doc.network["inputs"] == 4
    assert doc.network["layers"][-1]["units"] == 3
    assert doc.network["layers"][-1]["activation"] == "softmax"
    assert doc.network["loss"] == "categorical_crossentropy"
    inverse.apply(doc)
    assert (doc.data, doc.network) == (before.data, before.network)


def test_data_change_leaves_out_what_does_not_change():
    doc = small_doc()
    batch = data_change(doc, reference_for("circle"), load("circle"))
    assert [type(e).__name__ for e in batch.edits] == ["SetData"]
    doc.auto_output = False
    batch = data_change(doc, reference_for("iris"), load("iris"))
    assert [type(e).__name__ for e in batch.edits] == ["SetData", "SetInputs"]


def test_data_name_prefers_the_name_then_the_file():
    assert data_name({"source": "synthetic", "name": "xor"}) == "xor"
    assert data_name({"source": "csv", "path": "/a/b/flowers.csv"}) == "flowers.csv"
    assert data_name({"source": "mnist", "folder": "/data/mnist"}) == "mnist"
