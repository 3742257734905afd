"""The spec contract and the public Network API: defaults, round trips, precise errors, shapes."""

import copy
import subprocess
import sys

import numpy as np
import pytest

from nnstudio.engine import Network, fit, normalize_spec

FULL_SPEC = {
    "inputs": 4,
    "layers": [
        {
            "units": 5,
            "activation": "relu",
            "use_bias": False,
            "dropout": 0.25,
            "l1": 0.001,
            "l2": 0.0,
            "initializer": "he_normal",
        },
        {"units": 3, "activation": "elu", "initializer": "normal", "std": 0.2, "l2": 0.01},
        {"units": 3, "activation": "tanh", "initializer": "uniform", "limit": 0.3},
        {"units": 2, "activation": "softmax", "initializer": "torch"},
    ],
    "loss": "categorical_crossentropy",
    "optimizer": {"name": "adam", "learning_rate": 0.01, "betas": [0.8, 0.9], "amsgrad": True},
    "seed": 123,
    "dtype": "float32",
}


def test_public_api_imports():
    from nnstudio import engine

    assert engine.Network is Network and engine.fit is fit
    for name in ("EarlyStopping", "NanGuard", "History", "check_gradients", "numeric_gradients"):
        assert hasattr(engine, name)


def test_importing_the_engine_does_not_load_qt():
    code = "import sys, nnstudio.engine; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "nnstudio.engine.network" in loaded and "numpy" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")}


def test_to_spec_fills_every_default():
    net = Network.from_spec({"inputs": 2, "layers": [{"units": 3}, {"units": 1}]})
    layer = {
        "units": 3,
        "activation": "linear",
        "use_bias": True,
        "dropout": 0.0,
        "l1": 0.0,
        "l2": 0.0,
        "initializer": "glorot_uniform",
    }
    assert net.to_spec() == {
        "inputs": 2,
        "layers": [layer, {**layer, "units": 1}],
        "loss": "mse",
        "optimizer": {
            "name": "sgd",
            "learning_rate": 0.001,
            "momentum": 0.0,
            "dampening": 0.0,
            "nesterov": False,
            "weight_decay": 0.0,
        },
        "seed": 0,
        "dtype": "float64",
        "features": [],
    }


@pytest.mark.parametrize(
    "spec",
    [
        FULL_SPEC,
        {"inputs": 1, "layers": [{"units": 1}]},
        {"inputs": 3, "layers": [{"units": 2, "activation": "sigmoid"}], "optimizer": "rmsprop"},
        {
            "inputs": 2,
            "layers": [{"units": 8, "activation": "leaky_relu"}, {"units": 1}],
            "optimizer": {"name": "sgd", "momentum": 0.9, "nesterov": True},
            "loss": "mae",
        },
    ],
)
def test_spec_round_trip(spec):
    original = copy.deepcopy(spec)
    net = Network.from_spec(spec)
    assert spec == original  # the caller's dict is not changed
    full = net.to_spec()
    assert Network.from_spec(full).to_spec() == full
    assert normalize_spec(full) == full
    assert net.spec == full
    # JSON-able: plain types only
    import json

    assert json.loads(json.dumps(full)) == full
    # Every given key survives (with lists for tuples).
    for key, value in spec.items():
        if key not in ("layers", "optimizer"):
            assert full[key] == value
    for given, got in zip(spec["layers"], full["layers"], strict=True):
        assert {k: got[k] for k in given} == given


def test_to_spec_reflects_optimizer_changes():
    net = Network.from_spec(FULL_SPEC)
    net.set_optimizer({"name": "adagrad", "lr_decay": 0.1})
    spec = net.to_spec()
    assert spec["optimizer"]["name"] == "adagrad" and spec["optimizer"]["lr_decay"] == 0.1
    assert Network.from_spec(spec).to_spec() == spec


BASE = {"inputs": 2, "layers": [{"units": 3, "activation": "tanh"}, {"units": 1}]}


def with_layer(i, **changes):
    spec = copy.deepcopy(BASE)
    spec["layers"][i].update(changes)
    return spec


BAD_SPECS = [
    # (spec, substrings the message must contain: where, the bad value, what is allowed)
    ({**BASE, "lerning_rate": 0.1}, ["lerning_rate", "inputs", "layers", "optimizer"]),
    (with_layer(0, activaton="relu"), ["layers[0]", "activaton", "units", "activation"]),
    (with_layer(0, std=0.1), ["layers[0]", "std", "initializer"]),
    ({**BASE, "optimizer": {"name": "sgd", "lr": 0.1}}, ["optimizer", "lr", "learning_rate"]),
    ({**BASE, "optimizer": {"name": "adam", "momentum": 0.9}}, ["momentum", "betas"]),
    (with_layer(0, activation="relu6"), ["layers[0].activation", "relu6", "relu", "tanh"]),
    (with_layer(1, activation="Tanh"), ["layers[1].activation", "Tanh", "tanh"]),
    (with_layer(0, initializer="xavier"), ["initializer", "xavier", "glorot_uniform"]),
    ({**BASE, "loss": "crossentropy"}, ["loss", "crossentropy", "binary_crossentropy", "mse"]),
    ({**BASE, "optimizer": "adamw"}, ["optimizer", "adamw", "adam", "sgd", "adadelta"]),
    ({**BASE, "optimizer": {"learning_rate": 0.1}}, ["optimizer", "name"]),
    ({**BASE, "dtype": "float16"}, ["dtype", "float16", "float32", "float64"]),
    (with_layer(0, units=0), ["layers[0].units", "0 is out of range", "1 to 1024"]),
    (with_layer(0, units=2.5), ["layers[0].units", "2.5", "whole number"]),
    (with_layer(0, units=True), ["layers[0].units", "True"]),
    (with_layer(0, dropout=1.0), ["layers[0].dropout", "1.0", "below 1"]),
    (with_layer(0, dropout=-0.1), ["layers[0].dropout", "-0.1", "at least 0"]),
    (with_layer(1, dropout=0.5), ["layers[1].dropout", "output layer"]),
    (with_layer(0, l2=-1), ["layers[0].l2", "-1", "at least 0"]),
    (with_layer(0, l1=float("nan")), ["layers[0].l1", "nan"]),
    (with_layer(0, use_bias="yes"), ["layers[0].use_bias", "'yes'", "true or false"]),
    (with_layer(0, activation="softmax"), ["layers[0].activation", "softmax", "output layer"]),
    (with_layer(0, initializer="normal", std=-1), ["layers[0].std", "-1", "at least 0"]),
    ({"inputs": 2, "layers": [{"activation": "relu"}]}, ["layers[0]", "units"]),
    ({"layers": [{"units": 1}]}, ["inputs"]),
    ({"inputs": 2}, ["layers"]),
    ({"inputs": 2, "layers": []}, ["layers", "non-empty"]),
    ({"inputs": 0, "layers": [{"units": 1}]}, ["inputs", "0 is out of range", "1 to"]),
    ({**BASE, "seed": -1}, ["seed", "-1 is out of range"]),
    ({**BASE, "optimizer": {"name": "sgd", "learning_rate": -0.1}}, ["learning_rate", "-0.1"]),
    ({**BASE, "optimizer": {"name": "sgd", "momentum": 1.5}}, ["momentum", "1.5", "at most 1"]),
    (
        {**BASE, "optimizer": {"name": "sgd", "nesterov": True}},
        ["nesterov", "momentum > 0"],
    ),
    ({**BASE, "optimizer": {"name": "adam", "betas": [0.9]}}, ["betas", "[0.9]", "two numbers"]),
    ({**BASE, "optimizer": {"name": "adam", "betas": [0.9, 1.0]}}, ["betas[1]", "1.0"]),
    ({**BASE, "optimizer": {"name": "adam", "amsgrad": "true"}}, ["amsgrad", "'true'"]),
    ({**BASE, "optimizer": {"name": "rmsprop", "alpha": 2}}, ["alpha", "2"]),
]


@pytest.mark.parametrize(("spec", "needles"), BAD_SPECS, ids=[str(n[:2]) for _, n in BAD_SPECS])
def test_bad_specs_raise_precise_errors(spec, needles):
    with pytest.raises(ValueError) as info:
        Network.from_spec(spec)
    message = str(info.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"


@pytest.mark.parametrize("spec", [None, [], "net", 3])
def test_spec_must_be_an_object(spec):
    with pytest.raises(ValueError, match="spec"):
        normalize_spec(spec)


# --------------------------------------------------------------------------- weights API
def mixed_net(**top):
    return Network.from_spec(
        {
            "inputs": 3,
            "layers": [
                {"units": 4, "activation": "tanh"},
                {"units": 5, "activation": "relu", "use_bias": False},
                {"units": 2, "activation": "sigmoid"},
            ],
            "loss": "binary_crossentropy",
            **top,
        }
    )


def test_weights_order_and_shapes():
    net = mixed_net()
    shapes = [(3, 4), (4,), (4, 5), (5, 2), (2,)]
    assert net.weight_shapes() == shapes
    assert [w.shape for w in net.get_weights()] == shapes
    assert net.n_params == sum(int(np.prod(s)) for s in shapes)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 3)), (rng.random((7, 2)) > 0.5).astype(float)
    assert [g.shape for g in net.gradients(X, y)] == shapes
    # W has shape (fan_in, fan_out): the forward pass is X @ W + b.
    W1, b1, W2, W3, b3 = (rng.normal(size=s) for s in shapes)
    net.set_weights([W1, b1, W2, W3, b3])
    for got, want in zip(net.get_weights(), [W1, b1, W2, W3, b3], strict=True):
        np.testing.assert_array_equal(got, want)
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.maximum(h1 @ W2, 0)
    expected = 1 / (1 + np.exp(-(h2 @ W3 + b3)))
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-13)
    # get_weights returns copies
    net.get_weights()[0][...] = 99
    np.testing.assert_array_equal(net.get_weights()[0], W1)


def test_set_weights_rejects_bad_input_without_changing_anything():
    net = mixed_net()
    before = net.params.copy()
    good = net.get_weights()
    with pytest.raises(ValueError, match="expected 5 weight arrays, got 4"):
        net.set_weights(good[:4])
    bad_shape = [*good[:2], np.zeros((5, 4)), *good[3:]]
    with pytest.raises(ValueError, match=r"weight array 2: expected shape \(4, 5\), got \(5, 4\)"):
        net.set_weights(bad_shape)
    bad_value = [*good[:4], np.array([0.0, np.nan])]
    bad_value[0] = good[0] + 1
    with pytest.raises(ValueError, match="weight array 4: contains NaN"):
        net.set_weights(bad_value)
    np.testing.assert_array_equal(net.params, before)


def test_predict_loss_and_train_step_contracts():
    net = mixed_net(optimizer={"name": "sgd", "learning_rate": 0.5})
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(9, 3)), (rng.random((9, 2)) > 0.5).astype(float)
    out = net.predict(X)
    assert out.shape == (9, 2) and out.dtype == np.float64
    assert ((out > 0) & (out < 1)).all()
    # A 1-D input is one row. Compare with a 1-row product, not a row of the 9-row one: BLAS
    # may block the two products differently and round the last bit differently.
    np.testing.assert_array_equal(net.predict(X[0]), net.predict(X[:1]))
    np.testing.assert_allclose(net.predict(X[0]), out[:1], rtol=1e-12)
    before = net.loss(X, y)
    assert net.train_step(X, y) == before
    after = net.loss(X, y)
    assert after < before
    with pytest.raises(ValueError, match=r"expected shape \(n, 3\)"):
        net.predict(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"expected shape \(n, 2\)"):
        net.loss(X, np.zeros((9, 3)))


def test_predict_does_not_alias_internal_buffers():
    net = mixed_net()
    X = np.random.default_rng(2).normal(size=(4, 3))
    first = net.predict(X)
    kept = first.copy()
    net.predict(X * 2)
    np.testing.assert_array_equal(first, kept)


def test_trace_exposes_every_intermediate_value():
    net = mixed_net()
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(2, 3)), np.array([[1.0, 0.0], [0.0, 1.0]])
    tr = net.trace(X, y)
    assert tr["loss"] == pytest.approx(net.loss(X, y), rel=1e-15)
    np.testing.assert_array_equal(tr["output"], net.predict(X))
    grads = net.gradients(X, y)
    flat = [tr["layers"][0]["dW"], tr["layers"][0]["db"], tr["layers"][1]["dW"]]
    flat += [tr["layers"][2]["dW"], tr["layers"][2]["db"]]
    for a, b in zip(flat, grads, strict=True):
        np.testing.assert_array_equal(a, b)
    first = tr["layers"][0]
    np.testing.assert_array_equal(first["input"], X)
    np.testing.assert_allclose(first["slope"], 1 - np.tanh(first["z"]) ** 2, rtol=1e-14)
    np.testing.assert_allclose(first["dL_dz"], first["dL_da"] * first["slope"], rtol=1e-14)
    assert tr["layers"][2]["dL_da"] is None  # fused sigmoid + cross-entropy: dL/dz directly
    np.testing.assert_allclose(tr["layers"][2]["dL_dz"], (tr["output"] - y) / y.size)


def _stack(n_layers: int, units: int, inputs: int = 2) -> dict:
    return {"inputs": inputs, "layers": [{"units": units} for _ in range(n_layers)]}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (_stack(65, 1), "65 layers; the limit is 64"),
        (_stack(1, 1, inputs=100_001), "1 to 100000"),
        (_stack(12, 1024), "11,548,672 weights and biases; the limit is 4,000,000"),
        (_stack(2, 1, inputs=100_000) | {"layers": [{"units": 41}, {"units": 1}]}, "4,100,083"),
    ],
)
def test_network_size_is_limited_before_anything_is_allocated(spec, message):
    with pytest.raises(ValueError, match=message):
        normalize_spec(spec)


def test_the_largest_allowed_network_is_accepted():
    from nnstudio.engine.spec import MAX_PARAMETERS, parameter_count

    spec = normalize_spec(_stack(3, 1024, inputs=1024))
    assert parameter_count(spec) == 3 * (1024 * 1024 + 1024) <= MAX_PARAMETERS
