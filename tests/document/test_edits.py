"""Edits: apply then inverse restores the document exactly; merges; validation errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.document import Document
from nnstudio.document import edits as E


def xor_doc(weights: bool = False) -> Document:
    doc = Document(
        network={
            "inputs": 2,
            "layers": [
                {"units": 8, "activation": "tanh"},
                {"units": 8, "activation": "relu", "initializer": "normal", "std": 0.1},
                {"units": 1, "activation": "sigmoid"},
            ],
            "loss": "binary_crossentropy",
            "optimizer": {"name": "sgd", "learning_rate": 0.03, "momentum": 0.0},
            "seed": 0,
        }
    )
    if weights:
        doc.weights = E.initial_weights(doc.network)
        doc.weights[0] = doc.weights[0] + 0.5  # not the seed's weights: must survive undo
    return doc


def assert_same(a: Document, b: Document) -> None:
    """Every field of the two documents is equal: arrays exactly, dtypes and nested state too."""
    for name in ("network", "training", "data", "auto_output", "history", "standardize"):
        assert getattr(a, name) == getattr(b, name), name
    for name in ("weights", "embedded"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        pairs = zip(x, y, strict=True) if isinstance(x, list) else ((x[k], y[k]) for k in x or {})
        if isinstance(x, dict):
            assert x.keys() == y.keys(), name
        for u, v in pairs:
            assert np.asarray(u).dtype == np.asarray(v).dtype, name
            np.testing.assert_array_equal(u, v)
    assert (a.state is None) == (b.state is None)
    if a.state is not None:
        va, vb = a.state["optimizer"].get("vectors", {}), b.state["optimizer"].get("vectors", {})
        assert va.keys() == vb.keys()
        for key in va:
            np.testing.assert_array_equal(va[key], vb[key])
        plain = lambda s: {**s, "optimizer": {**s["optimizer"], "vectors": None}}  # noqa: E731
        assert plain(a.state) == plain(b.state)


def roundtrip(doc: Document, edit: E.Edit) -> E.Edit:
    """Apply ``edit``, check the inverse restores ``doc``, redo, and return the inverse."""
    before = doc.copy()
    inverse = edit.apply(doc)
    after = doc.copy()
    with pytest.raises(AssertionError):
        assert_same(before, after)  # the edit changed something
    redo = inverse.apply(doc)
    assert_same(doc, before)
    redo.apply(doc)
    assert_same(doc, after)
    return inverse


EDITS = [
    lambda: E.InsertLayer(1, units=5, activation="tanh"),
    lambda: E.InsertLayer(0),
    lambda: E.InsertLayer(2, units=3),
    lambda: E.RemoveLayer(0),
    lambda: E.RemoveLayer(1),
    lambda: E.MoveLayer(0, 1),
    lambda: E.SetUnits(1, 12),
    lambda: E.SetLayerProperty(0, "activation", "relu"),
    lambda: E.SetLayerProperty(1, "initializer", "uniform", params={"limit": 0.3}),
    lambda: E.SetLayerProperty(1, "initializer", "he_normal"),
    lambda: E.SetLayerProperty(1, "std", 0.5),
    lambda: E.SetLayerProperty(0, "dropout", 0.5),
    lambda: E.SetLayerProperty(0, "l1", 0.01),
    lambda: E.SetLayerProperty(1, "l2", 0.001),
    lambda: E.SetLayerProperty(1, "use_bias", False),
    lambda: E.SetWeight(0, 1, 7, 2.5),
    lambda: E.SetWeight(2, 7, 0, -1.0),
    lambda: E.SetBias(1, 3, 0.25),
    lambda: E.SetWeights(None),
    lambda: E.SetInputs(3),
    lambda: E.SetOutput(3, "softmax", "categorical_crossentropy"),
    lambda: E.SetValue(("network", "loss"), "mse"),
    lambda: E.SetValue(("network", "optimizer", "learning_rate"), 0.1),
    lambda: E.SetValue(("training", "batch_size"), 32),
    lambda: E.SetValue(("training", "early_stopping", "patience"), 5),
    lambda: E.SetValue(("data", "name"), "circle"),
    lambda: E.SetValue(("auto_output",), False),
    lambda: E.Compound((E.SetInputs(4), E.SetOutput(2, "linear", "mse"))),
]


@pytest.mark.parametrize("with_weights", [False, True])
@pytest.mark.parametrize("make", EDITS)
def test_inverse_restores_exactly(make, with_weights):
    doc = xor_doc(with_weights)
    edit = make()
    if isinstance(edit, E.SetWeights) and not with_weights:
        edit = E.SetWeights(E.initial_weights(doc.network))
    roundtrip(doc, edit)


def test_architecture_edits_reset_weights_and_undo_restores_them():
    doc = xor_doc(weights=True)
    trained = [w.copy() for w in doc.weights]
    inverse = E.SetUnits(0, 9).apply(doc)
    assert doc.weights is None
    assert doc.network["layers"][0]["units"] == 9
    inverse.apply(doc)
    for a, b in zip(doc.weights, trained, strict=True):
        np.testing.assert_array_equal(a, b)


def test_activation_change_keeps_weights():
    doc = xor_doc(weights=True)
    before = [w.copy() for w in doc.weights]
    E.SetLayerProperty(0, "activation", "relu").apply(doc)
    for a, b in zip(doc.weights, before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_typing_a_weight_materialises_the_initial_weights():
    doc = xor_doc()
    expected = E.initial_weights(doc.network)
    inverse = E.SetWeight(0, 1, 2, 4.0).apply(doc)
    assert doc.weights is not None
    assert doc.weights[0][1, 2] == 4.0
    expected[0][1, 2] = 4.0
    for a, b in zip(doc.weights, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    inverse.apply(doc)
    assert doc.weights is None


def test_set_weight_copies_on_write():
    doc = xor_doc(weights=True)
    held = doc.weights[0]
    value = float(held[0, 0])
    E.SetWeight(0, 0, 0, 99.0).apply(doc)
    assert held[0, 0] == value  # arrays others hold (undo data, snapshots) are not touched
    assert doc.weights[0][0, 0] == 99.0


def test_bias_index_skips_layers_without_bias():
    doc = xor_doc(weights=True)
    E.SetLayerProperty(0, "use_bias", False).apply(doc)
    assert [w.shape for w in E.initial_weights(doc.network)] == E.weight_shapes(doc.network)
    assert E.param_indices(doc.network, 1) == (1, 2)
    E.SetBias(1, 0, 1.5).apply(doc)
    assert doc.weights[2][0] == 1.5
    with pytest.raises(ValueError, match="no bias"):
        E.SetBias(0, 0, 1.0).apply(doc)


def test_insert_layer_shape_and_position():
    doc = xor_doc()
    E.InsertLayer(1, units=5, activation="elu").apply(doc)
    layers = doc.network["layers"]
    assert [lay["units"] for lay in layers] == [8, 5, 8, 1]
    assert layers[1]["activation"] == "elu"
    assert layers[1]["use_bias"] is True


def test_move_layer():
    doc = xor_doc()
    E.MoveLayer(0, 1).apply(doc)
    assert [lay["activation"] for lay in doc.network["layers"]] == ["relu", "tanh", "sigmoid"]


def test_initializer_change_drops_and_restores_params():
    doc = xor_doc()
    E.SetLayerProperty(1, "initializer", "glorot_uniform").apply(doc)
    assert "std" not in doc.network["layers"][1]
    E.SetLayerProperty(1, "initializer", "uniform").apply(doc)
    assert "limit" not in doc.network["layers"][1]  # the engine's default applies
    E.SetLayerProperty(1, "limit", 0.2).apply(doc)
    assert doc.network["layers"][1]["limit"] == 0.2


def test_merge_units_drag_is_one_step():
    doc = xor_doc(weights=True)
    before = doc.copy()
    first = E.SetUnits(0, 9)
    inverse = first.apply(doc)
    for n in (10, 11, 12):
        nxt = E.SetUnits(0, n)
        nxt.apply(doc)
        assert first.merge(nxt)
    assert first.units == 12
    assert not first.merge(E.SetUnits(1, 3))
    assert not first.merge(E.SetLayerProperty(0, "l2", 0.1))
    inverse.apply(doc)
    assert_same(doc, before)


def test_merge_weight_drag_and_slider():
    doc = xor_doc()
    first = E.SetWeight(0, 0, 0, 1.0)
    inverse = first.apply(doc)
    second = E.SetWeight(0, 0, 0, 2.0)
    second.apply(doc)
    assert first.merge(second) and first.value == 2.0
    assert not first.merge(E.SetWeight(0, 0, 1, 2.0))
    inverse.apply(doc)
    assert doc.weights is None
    slider = E.SetLayerProperty(0, "dropout", 0.1)
    assert slider.merge(E.SetLayerProperty(0, "dropout", 0.3)) and slider.value == 0.3
    assert not slider.merge(E.SetLayerProperty(1, "dropout", 0.3))
    combo = E.SetLayerProperty(0, "activation", "relu")
    assert not combo.merge(E.SetLayerProperty(0, "activation", "elu"))
    value = E.SetValue(("network", "optimizer", "learning_rate"), 0.1)
    assert value.merge(E.SetValue(("network", "optimizer", "learning_rate"), 0.2))
    assert not value.merge(E.SetValue(("network", "loss"), "mse"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: E.SetUnits(0, 0), "1 to 1024"),
        (lambda: E.SetUnits(0, 1025), "1 to 1024"),
        (lambda: E.SetUnits(0, 2.5), "whole number"),
        (lambda: E.SetUnits(7, 3), "no layer 8; the network has layers 1 to 3"),
        (lambda: E.SetUnits(2, 3), "output layer follows the task"),
        (lambda: E.SetLayerProperty(2, "activation", "relu"), "output layer follows"),
        (lambda: E.SetLayerProperty(0, "activation", "swish"), "unknown activation"),
        (lambda: E.SetLayerProperty(0, "activation", "softmax"), "layer 1 is a hidden layer"),
        (lambda: E.SetLayerProperty(0, "dropout", 1.0), "below 1"),
        (lambda: E.SetLayerProperty(0, "l2", -0.1), "negative"),
        (lambda: E.SetLayerProperty(0, "std", 0.5), "unknown key 'std'"),
        (lambda: E.SetLayerProperty(1, "std", 0.0), "greater than 0"),
        (lambda: E.SetLayerProperty(0, "colour", 1), "unknown layer property"),
        (lambda: E.SetLayerProperty(0, "use_bias", 1), "true or false"),
        (lambda: E.SetLayerProperty(0, "initializer", "magic"), "unknown initializer"),
        (lambda: E.InsertLayer(5), "position 6: positions 1 to 3"),
        (lambda: E.InsertLayer(0, units=1025), "1 to 1024"),
        (lambda: E.RemoveLayer(2), "no hidden layer 3"),
        (lambda: E.MoveLayer(0, 0), "already there"),
        (lambda: E.SetWeight(0, 2, 0, 1.0), "does not exist"),
        (lambda: E.SetWeight(0, 0, 0, float("nan")), "finite"),
        (lambda: E.SetWeight(0, 0, 0, "x"), "expected a number"),
        (lambda: E.SetBias(0, 8, 1.0), "does not exist"),
        (lambda: E.SetWeights([np.zeros((2, 2))]), "do not fit"),
        (lambda: E.SetInputs(0), "number of inputs"),
        (lambda: E.SetValue(("network", "layers"), []), "own edit"),
        (lambda: E.SetValue(("network", "loss"), "hinge"), "unknown loss"),
        (lambda: E.SetValue(("training", "batch_size"), 0), "batch_size"),
        (lambda: E.SetValue(("colour",), 1), "path starts with"),
        (lambda: E.SetValue(("auto_output",), "yes"), "true or false"),
    ],
)
def test_validation_errors_leave_the_document_alone(make, message):
    doc = xor_doc(weights=True)
    before = doc.copy()
    with pytest.raises(ValueError, match=message):
        make().apply(doc)
    assert_same(doc, before)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: E.SetLayerProperty(1, "activation", "softmax"), "layer 2 is a hidden layer"),
        (lambda: E.SetLayerProperty(0, "std", 0.5), "layer 1: unknown key 'std'"),
        (lambda: E.SetLayerProperty(2, "dropout", 0.5), "layer 3 dropout: the output layer"),
        (lambda: E.SetWeight(0, 2, 0, 1.0), "the weight from x3 to layer 1, neuron 1 does not"),
        (lambda: E.SetWeight(1, 0, 3, np.inf), "the weight from layer 1, neuron 1 to layer 2, "),
        (lambda: E.SetBias(0, 8, 1.0), "the bias of layer 1, neuron 9 does not exist"),
        (lambda: E.MoveLayer(0, 5), "there is no hidden layer 6"),
    ],
)
def test_refusals_name_layers_and_neurons_from_1_in_words(make, words):
    """The window shows these to students: the canvas's 1-based names, never a JSON path."""
    doc = xor_doc()
    with pytest.raises(ValueError) as refused:
        make().apply(doc)
    message = str(refused.value)
    assert words in message
    assert "layers[" not in message and "W1[" not in message and "b1[" not in message


def test_undo_texts_name_weights_in_words():
    assert E.SetWeight(0, 1, 2, 0.5).describe() == "set the weight from x2 to layer 1, neuron 3"
    assert E.SetWeight(1, 0, 0, 0.5).describe() == (
        "set the weight from layer 1, neuron 1 to layer 2, neuron 1"
    )
    assert E.SetBias(1, 3, 0.5).describe() == "set the bias of layer 2, neuron 4"


def test_at_most_twelve_hidden_layers():
    doc = xor_doc()
    for _ in range(10):
        E.InsertLayer(0, units=2).apply(doc)
    assert E.hidden_count(doc.network) == 12
    with pytest.raises(ValueError, match="at most 12 hidden layers"):
        E.InsertLayer(0).apply(doc)


def test_output_layer_editable_when_not_automatic():
    doc = xor_doc()
    doc.auto_output = False
    E.SetUnits(2, 3).apply(doc)
    E.SetLayerProperty(2, "activation", "softmax").apply(doc)
    with pytest.raises(ValueError, match="output layer cannot have dropout"):
        E.SetLayerProperty(2, "dropout", 0.5).apply(doc)


def test_batch_rolls_back_on_error():
    doc = xor_doc(weights=True)
    before = doc.copy()
    with pytest.raises(ValueError):
        E.Compound((E.SetInputs(5), E.SetUnits(0, 0))).apply(doc)
    assert_same(doc, before)
    assert E.Compound((E.SetInputs(5), E.SetValue(("data", "x"), 1))).areas() == {"network", "data"}


@pytest.mark.parametrize(
    ("task", "n", "expected"),
    [
        ("binary", 1, (1, "sigmoid", "binary_crossentropy")),
        ("multiclass", 10, (10, "softmax", "categorical_crossentropy")),
        ("regression", 2, (2, "linear", "mse")),
    ],
)
def test_output_for_task(task, n, expected):
    assert E.output_for_task(task, n) == expected
    doc = xor_doc()
    E.output_edit(task, n).apply(doc)
    assert E.loss_warning(doc.network) is None


def test_output_for_task_errors():
    with pytest.raises(ValueError, match="unknown task"):
        E.output_for_task("ranking", 2)
    with pytest.raises(ValueError, match="at least 2 classes"):
        E.output_for_task("multiclass", 1)


@pytest.mark.parametrize(
    ("units", "activation", "loss", "fragment"),
    [
        (3, "softmax", "mse", "Softmax outputs with mse"),
        (3, "sigmoid", "categorical_crossentropy", "Sigmoid outputs do not add up to 1"),
        (1, "linear", "binary_crossentropy", "linear output"),
        (3, "relu", "categorical_crossentropy", "relu output"),
        (1, "softmax", "categorical_crossentropy", "single neuron"),
        (3, "softmax", "binary_crossentropy", "Softmax with binary"),
    ],
)
def test_loss_warning(units, activation, loss, fragment):
    spec = {"inputs": 2, "layers": [{"units": units, "activation": activation}], "loss": loss}
    warning = E.loss_warning(spec)
    assert warning is not None and fragment in warning
    good = {"inputs": 2, "layers": [{"units": 1, "activation": "sigmoid"}], "loss": "mse"}
    assert E.loss_warning(good) is None


@pytest.mark.parametrize(
    "network",
    [
        xor_doc().network,
        {
            "inputs": 3,
            "layers": [
                {"units": 4, "initializer": "torch", "use_bias": False},
                {"units": 5, "initializer": "uniform", "limit": 0.2},
                {"units": 2, "activation": "softmax", "initializer": "he_normal"},
            ],
            "seed": 7,
            "dtype": "float32",
        },
    ],
)
def test_initial_weights_match_the_engine(network):
    from nnstudio.engine import Network

    expected = Network.from_spec(network).get_weights()
    got = E.initial_weights(network)
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
