"""Initializers, seeded determinism, float32 end to end, and dropout."""

import copy
import math

import numpy as np
import pytest

from nnstudio.engine import Network, fit, initializers


def layer_net(initializer, fan_in, fan_out, seed=0, **params):
    return Network.from_spec(
        {
            "inputs": fan_in,
            "layers": [{"units": fan_out, "initializer": initializer, **params}],
            "seed": seed,
        }
    )


@pytest.mark.parametrize("name", initializers.INITIALIZERS.names())
def test_shapes_and_seeded_determinism(name):
    W, b = initializers.get(name).init(np.random.default_rng(5), 7, 3)
    assert W.shape == (7, 3) and b.shape == (3,)
    a = layer_net(name, 7, 3, seed=11)
    same = layer_net(name, 7, 3, seed=11)
    other = layer_net(name, 7, 3, seed=12)
    np.testing.assert_array_equal(a.params, same.params)  # bit-identical
    if name != "zeros":
        assert not np.array_equal(a.params, other.params)
    # initialize() redraws the same start
    start = a.params.copy()
    a.params[...] = 0
    a.initialize()
    np.testing.assert_array_equal(a.params, start)


def test_initializers_never_touch_the_global_random_state():
    np.random.seed(1234)
    state = np.random.get_state()[1].copy()
    net = Network.from_spec(
        {
            "inputs": 3,
            "layers": [{"units": 4, "dropout": 0.5, "initializer": "torch"}, {"units": 1}],
        }
    )
    X = np.random.default_rng(0).normal(size=(20, 3))
    fit(net, X, X[:, 0], epochs=2, batch_size=5)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


BIG = (500, 800)


@pytest.mark.parametrize(
    ("name", "kind", "scale"),
    [
        ("glorot_uniform", "uniform", math.sqrt(6 / (BIG[0] + BIG[1]))),
        ("he_uniform", "uniform", math.sqrt(6 / BIG[0])),
        ("torch", "uniform", 1 / math.sqrt(BIG[0])),
        ("glorot_normal", "normal", math.sqrt(2 / (BIG[0] + BIG[1]))),
        ("he_normal", "normal", math.sqrt(2 / BIG[0])),
        ("lecun_normal", "normal", math.sqrt(1 / BIG[0])),
    ],
)
def test_statistics_on_a_big_layer(name, kind, scale):
    W = layer_net(name, *BIG).get_weights()[0]
    n = W.size
    assert abs(W.mean()) < 5 * W.std() / math.sqrt(n)
    if kind == "uniform":  # U(-l, l): inside the limit, reaching close to it, std l / sqrt(3)
        assert np.abs(W).max() <= scale
        assert np.abs(W).max() > 0.999 * scale
        assert W.std() == pytest.approx(scale / math.sqrt(3), rel=0.01)
    else:
        assert W.std() == pytest.approx(scale, rel=0.01)
        assert np.abs(W).max() > 3 * scale  # a normal's tails, not a uniform's


def test_normal_std_and_uniform_limit_keys():
    W = layer_net("normal", *BIG, std=0.3).get_weights()[0]
    assert W.std() == pytest.approx(0.3, rel=0.01)
    W = layer_net("normal", *BIG).get_weights()[0]
    assert W.std() == pytest.approx(0.05, rel=0.01)  # the default std
    W = layer_net("uniform", *BIG, limit=0.2).get_weights()[0]
    assert np.abs(W).max() <= 0.2 and np.abs(W).max() > 0.199
    W = layer_net("uniform", *BIG).get_weights()[0]
    assert np.abs(W).max() <= 0.05 and np.abs(W).max() > 0.0499
    spec = layer_net("normal", 3, 2, std=0.3).to_spec()
    assert spec["layers"][0]["std"] == 0.3
    assert layer_net("uniform", 3, 2).to_spec()["layers"][0]["limit"] == 0.05


def test_zeros_and_biases():
    W, b = layer_net("zeros", 6, 4).get_weights()
    assert not W.any() and not b.any()
    W, b = layer_net("glorot_uniform", 6, 4).get_weights()
    assert W.all() and not b.any()  # biases start at zero except for "torch"
    W, b = layer_net("torch", 400, 300).get_weights()
    lim = 1 / math.sqrt(400)
    assert b.all() and np.abs(b).max() <= lim and np.abs(b).max() > 0.9 * lim
    assert np.abs(W).max() <= lim


SPEC = {
    "inputs": 2,
    "layers": [
        {"units": 6, "activation": "tanh", "dropout": 0.3},
        {"units": 5, "activation": "relu", "initializer": "he_normal"},
        {"units": 1, "activation": "sigmoid"},
    ],
    "loss": "binary_crossentropy",
    "optimizer": {"name": "adam", "learning_rate": 0.01},
    "seed": 9,
}


def xor_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(float)


def run(spec, epochs=5):
    X, y = xor_data()
    net = Network.from_spec(copy.deepcopy(spec))
    history = fit(net, X, y, epochs=epochs, batch_size=8, validation_data=xor_data(32, 1))
    return net, history


def test_training_runs_are_bit_identical():
    a, ha = run(SPEC)
    b, hb = run(SPEC)
    np.testing.assert_array_equal(a.params, b.params)
    assert ha.history == hb.history
    c, hc = run({**SPEC, "seed": 10})
    assert not np.array_equal(a.params, c.params)
    assert hc.history["loss"] != ha.history["loss"]
    # initialize() restarts every stream: weights, dropout masks and shuffling.
    a.initialize()
    X, y = xor_data()
    fit(a, X, y, epochs=5, batch_size=8, validation_data=xor_data(32, 1))
    np.testing.assert_array_equal(a.params, b.params)


# ---------------------------------------------------------------------------- float32
def test_float32_end_to_end():
    spec = {**SPEC, "dtype": "float32"}
    net, history = run(spec, epochs=30)
    assert net.params.dtype == np.float32
    assert net.grads.dtype == np.float32
    assert all(w.dtype == np.float32 for w in net.get_weights())
    assert all(v.dtype == np.float32 for v in net.optimizer.state.values())
    X, y = xor_data()
    assert net.predict(X).dtype == np.float32
    assert net.predict(X.astype(np.float64)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.gradients(X, y))
    assert isinstance(net.loss(X, y), float)
    assert history.history["loss"][-1] < history.history["loss"][0]
    # Close to the same run in float64: float32 is a precision change, not another model.
    net64, _ = run(SPEC, epochs=1)
    net32, _ = run(spec, epochs=1)
    np.testing.assert_allclose(net32.params, net64.params, rtol=1e-3, atol=1e-4)


# ----------------------------------------------------------------------------- dropout
def dropout_net(rate=0.5, seed=0, units=200):
    return Network.from_spec(
        {
            "inputs": 3,
            "layers": [
                {"units": units, "activation": "linear", "dropout": rate},
                {"units": 1, "activation": "linear"},
            ],
            "optimizer": {"name": "sgd", "learning_rate": 0.0},  # steps change nothing
            "seed": seed,
        }
    )


def test_dropout_only_in_training_and_inverted():
    net = dropout_net()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 3))
    X = np.repeat(x, 4000, axis=0)
    y = np.zeros(4000)
    W1, b1, W2, b2 = net.get_weights()
    clean = ((x @ W1 + b1) @ W2 + b2)[0, 0]  # by hand: every unit kept, nothing scaled
    masks_before = net.dropout_rng.bit_generator.state
    np.testing.assert_allclose(net.predict(X), np.full((4000, 1), clean), rtol=1e-12)
    assert net.loss(X, y) == pytest.approx(clean**2, rel=1e-12)
    assert net.dropout_rng.bit_generator.state == masks_before  # no mask was drawn
    net.train_step(X, y)
    assert net.dropout_rng.bit_generator.state != masks_before  # training draws masks
    noisy = net.last_output[:, 0].copy()
    # Training outputs vary row to row: masks differ per sample.
    assert noisy.std() > 0.05 * abs(clean) and len(np.unique(noisy)) > 100
    # Inverted dropout: kept activations are scaled by 1/(1 - rate), so the mean is preserved.
    contrib = (x @ W1 + b1)[0] * W2[:, 0]
    # Each contribution is 0 or 2x with probability 1/2: std of the mean of 4000 samples.
    se = math.sqrt((contrib**2).sum()) / math.sqrt(4000)
    assert abs(noisy.mean() - clean) < 5 * se
    # Roughly half of the hidden units are dropped per sample: (noisy - b2) is a sum over kept
    # contributions times 2; its variance matches Bernoulli(0.5) masks.
    assert noisy.var() == pytest.approx((contrib**2).sum(), rel=0.15)
    # The next step draws new masks.
    net.train_step(X, y)
    assert not np.array_equal(net.last_output[:, 0], noisy)


def test_dropout_is_seeded():
    X = np.random.default_rng(1).normal(size=(50, 3))
    y = np.zeros(50)
    outs = []
    for seed in (4, 4, 5):
        net = dropout_net(seed=seed)
        net.train_step(X, y)
        outs.append(net.last_output.copy())
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])


def test_dropout_gradient_uses_the_same_mask():
    """One SGD step with dropout equals backprop through the mask the forward pass drew.

    White-box: the mask is redrawn from a copy of ``net.dropout_rng`` (keep where u < 1 - rate).
    """
    rate = 0.4
    net = Network.from_spec(
        {
            "inputs": 3,
            "layers": [
                {"units": 6, "activation": "tanh", "dropout": rate},
                {"units": 2, "activation": "linear"},
            ],
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "seed": 2,
        }
    )
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    W1, b1, W2, b2 = net.get_weights()
    mask = (copy.deepcopy(net.dropout_rng).random((8, 6)) < 1 - rate) / (1 - rate)
    h = np.tanh(X @ W1 + b1)
    hd = h * mask
    out = hd @ W2 + b2
    d_out = 2 * (out - y) / out.size
    dW2, db2 = hd.T @ d_out, d_out.sum(axis=0)
    dz1 = (d_out @ W2.T) * mask * (1 - h * h)
    dW1, db1 = X.T @ dz1, dz1.sum(axis=0)
    loss = net.train_step(X, y)
    assert loss == pytest.approx(((out - y) ** 2).mean(), rel=1e-12)
    np.testing.assert_allclose(net.last_output, out, rtol=1e-12)
    for got, w, g in zip(net.get_weights(), [W1, b1, W2, b2], [dW1, db1, dW2, db2], strict=True):
        np.testing.assert_allclose(got, w - 0.1 * g, rtol=1e-12, atol=1e-14)
    assert not (mask == 1).all()  # some units really were dropped
