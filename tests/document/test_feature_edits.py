"""Feature crosses on and off: undoable architecture edits, gone with a third feature."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio import live
from nnstudio.data import load, reference_for
from nnstudio.document import Document
from nnstudio.document.data_edits import data_change
from nnstudio.document.edits import SetFeatures, SetValue, toggle_feature, weight_shapes


def trained_doc() -> Document:
    doc = Document(
        network={
            "inputs": 2,
            "layers": [{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
            "loss": "binary_crossentropy",
            "optimizer": {"name": "adam", "learning_rate": 0.03},
        },
        data=reference_for("circle", n_samples=100),
        training={"epochs": 2, "batch_size": 10},
    )
    live.train(doc, epochs=2)
    return doc


def test_a_toggle_resets_training_and_undo_brings_it_back():
    doc = trained_doc()
    weights, history = [w.copy() for w in doc.weights], dict(doc.history)
    inverse = toggle_feature(doc.network, "sin_x2", True).apply(doc)
    assert doc.network["features"] == ["sin_x2"]
    assert doc.weights is None and doc.history == {} and doc.state is None
    assert weight_shapes(doc.network)[0] == (3, 4)
    inverse.apply(doc)
    assert doc.network.get("features", []) == []
    assert doc.history == history
    for a, b in zip(doc.weights, weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_toggles_keep_the_offered_order():
    doc = trained_doc()
    for name in ("sin_x1", "x1_squared", "x1_times_x2"):
        toggle_feature(doc.network, name, True).apply(doc)
    assert doc.network["features"] == ["x1_squared", "x1_times_x2", "sin_x1"]
    toggle_feature(doc.network, "x1_squared", False).apply(doc)
    assert doc.network["features"] == ["x1_times_x2", "sin_x1"]
    live.train(doc, epochs=1)  # the crossed network trains through the one path
    assert doc.weights[0].shape == (4, 4)


def test_bad_crosses_are_refused_before_anything_changes():
    doc = trained_doc()
    before = [w.copy() for w in doc.weights]
    with pytest.raises(ValueError, match="unknown cross 'cos_x1'"):
        SetFeatures(("cos_x1",)).apply(doc)
    with pytest.raises(ValueError, match="architecture"):
        SetValue(("network", "features"), ["sin_x1"]).apply(doc)
    assert doc.network.get("features", []) == []
    np.testing.assert_array_equal(doc.weights[0], before[0])


def test_a_data_set_with_four_features_removes_the_crosses_in_one_undo_step():
    doc = trained_doc()
    toggle_feature(doc.network, "x1_squared", True).apply(doc)
    iris = load("iris")
    inverse = data_change(doc, reference_for("iris"), iris).apply(doc)
    assert doc.network["inputs"] == 4 and doc.network["features"] == []
    inverse.apply(doc)
    assert doc.network["inputs"] == 2 and doc.network["features"] == ["x1_squared"]


def test_another_two_feature_data_set_keeps_the_crosses():
    doc = trained_doc()
    toggle_feature(doc.network, "x1_times_x2", True).apply(doc)
    spiral = reference_for("spiral", n_samples=100)
    data_change(doc, spiral, load("spiral", n_samples=100)).apply(doc)
    assert doc.network["features"] == ["x1_times_x2"]
