"""The inspector's numbers: the course's hand computations, the engine's gradients, and
central differences."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import Network
from nnstudio.engine.gradcheck import numeric_gradients
from nnstudio.teaching.inspect import check_gradients, inspect, unit_health, weight_names


def one_weight(loss: str = "mse") -> Network:
    net = Network(
        {
            "inputs": 1,
            "layers": [{"units": 1, "activation": "linear", "use_bias": False}],
            "loss": loss,
            "optimizer": {"name": "sgd", "learning_rate": 0.01},
        }
    )
    net.set_weights([np.array([[2.0]])])
    return net


def test_one_weight_by_hand():
    """Input 3, weight 2, target 10: 6, -4, slope 2 * -4 * 3 = -24, new weight 2.24."""
    ins = inspect(one_weight(), np.array([[3.0]]), np.array([[10.0]]))
    row = ins.row("W1[1,1]")
    assert (row.value, row.feeding, row.slope, row.dl_da) == (2.0, 3.0, 1.0, -8.0)
    assert row.gradient == -24.0 and row.step == pytest.approx(-0.24)
    assert row.after == pytest.approx(2.24, abs=1e-15)
    assert ins.outputs[0, 0] == 6.0 and ins.loss == 16.0
    assert "2 (p - t)" in ins.loss_formula


def test_the_half_convention_halves_the_slope():
    ins = inspect(one_weight("half_mse"), np.array([[3.0]]), np.array([[10.0]]))
    row = ins.row("W1[1,1]")
    assert row.gradient == -12.0 and row.after == pytest.approx(2.12, abs=1e-15)
    assert ins.loss_name == "half_mse" and "/ 2" in ins.loss_formula


def random_net(loss: str, output: str, hidden: str = "tanh", seed: int = 4) -> Network:
    net = Network(
        {
            "inputs": 3,
            "layers": [
                {"units": 4, "activation": hidden},
                {"units": 3, "activation": "sigmoid"},
                {"units": 2 if output != "sigmoid" else 1, "activation": output},
            ],
            "loss": loss,
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "seed": seed,
        }
    )
    return net


CASES = [
    ("mse", "linear", "tanh"),
    ("half_mse", "tanh", "relu"),
    ("binary_crossentropy", "sigmoid", "tanh"),
    ("categorical_crossentropy", "softmax", "sigmoid"),
]


def data_for(net: Network, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    if net.loss_fn.name == "categorical_crossentropy":
        return X, rng.integers(0, 2, n)
    if net.loss_fn.name == "binary_crossentropy":
        return X, rng.integers(0, 2, (n, 1)).astype(float)
    return X, rng.normal(size=(n, net.n_outputs))


@pytest.mark.parametrize(("loss", "output", "hidden"), CASES)
def test_gradients_are_the_engines_and_finite_differences_agree(loss, output, hidden):
    net = random_net(loss, output, hidden)
    for n in (1, 7):
        X, y = data_for(net, n)
        ins = inspect(net, X, y)
        engine = np.concatenate([g.ravel() for g in net.gradients(X, y)])
        table = np.array([ins.row(name).gradient for name in weight_names(net)])
        np.testing.assert_allclose(table, engine, rtol=0, atol=1e-12)
        numeric = np.concatenate([g.ravel() for g in numeric_gradients(net, X, y)])
        np.testing.assert_allclose(table, numeric, rtol=1e-5, atol=1e-8)
        values = np.array([ins.row(name).value for name in weight_names(net)])
        np.testing.assert_array_equal(values, net.params)


@pytest.mark.parametrize(("loss", "output", "hidden"), CASES)
def test_one_samples_gradient_is_the_product_of_its_factors(loss, output, hidden):
    """gradient = input x dL/dz and dL/dz = g'(z) x dL/da, wherever the factors are numbers;
    a hidden node's dL/da is the sum over the weights leaving it."""
    net = random_net(loss, output, hidden)
    X, y = data_for(net, 1, seed=3)
    ins = inspect(net, X, y)
    for row in ins.weights:
        assert row.feeding * row.dl_dz == pytest.approx(row.gradient, abs=1e-12)
        if row.slope is not None and row.dl_da is not None:
            assert row.slope * row.dl_da == pytest.approx(row.dl_dz, abs=1e-12)
    hidden_nodes = [node for node in ins.nodes if node.terms]
    assert len(hidden_nodes) == 4 + 3
    for node in hidden_nodes:
        assert sum(w * d for _, w, d in node.terms) == pytest.approx(node.dl_da, abs=1e-12)
    assert ins.node(1, 1).z == pytest.approx(float(net.layer_outputs(X)[0][0][0, 0]))


def test_check_gradients_names_the_weight_that_disagrees(monkeypatch):
    net = random_net("mse", "linear")
    X, y = data_for(net, 5)
    good = check_gradients(net, X, y)
    assert good.max_relative < 1e-6
    original = net.gradients

    def broken(X, y):  # a backpropagation bug in one weight: W2[3,2] off by 10 %
        grads = original(X, y)
        grads[2][2, 1] *= 1.1
        return grads

    monkeypatch.setattr(net, "gradients", broken)
    bad = check_gradients(net, X, y)
    assert bad.worst == "W2[3,2]"
    assert bad.max_relative == pytest.approx(0.1 / 2.1, rel=1e-4)


def test_unit_health_flags_dead_relu_and_saturated_sigmoid_units():
    net = Network(
        {
            "inputs": 2,
            "layers": [
                {"units": 2, "activation": "relu"},
                {"units": 2, "activation": "sigmoid"},
                {"units": 1, "activation": "linear"},
            ],
            "loss": "mse",
        }
    )
    W1, b1, W2, b2, W3, b3 = net.get_weights()
    X = np.random.default_rng(0).uniform(0, 1, (50, 2))  # positive inputs
    W1[:, 0], b1[0] = -1.0, -0.1  # unit 1.1: negative sum on every sample
    W1[:, 1], b1[1] = 1.0, 0.1
    W2[:, 0], b2[0] = 0.0, 8.0  # unit 2.1: sigmoid(8) on every sample, slope 0.0003
    W2[:, 1], b2[1] = 0.5, 0.0
    net.set_weights([W1, b1, W2, b2, W3, b3])
    problems = unit_health(net, X)
    assert [(p.layer, p.unit, p.kind) for p in problems] == [(1, 1, "dead"), (2, 1, "saturated")]
    assert "leaky_relu" in problems[0].advice and "standardize" in problems[1].advice
    b1[0] = 0.5  # now alive on some samples
    b2[0] = 0.0
    net.set_weights([W1, b1, W2, b2, W3, b3])
    assert unit_health(net, X) == []


def small_net(optimizer: dict, dropout: float = 0.0) -> Network:
    return Network(
        {
            "inputs": 2,
            "layers": [
                {"units": 3, "activation": "tanh", "dropout": dropout},
                {"units": 1, "activation": "sigmoid"},
            ],
            "loss": "binary_crossentropy",
            "optimizer": optimizer,
            "seed": 7,
        }
    )


ROWS = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]])
TARGETS = np.array([[1.0], [0.0], [1.0]])


def test_after_step_is_adams_first_step_not_plain_gradient_descent():
    """Adam's first step moves every weight by lr * g / (|g| + eps): nearly lr, whatever g is."""
    ins = inspect(small_net({"name": "adam", "learning_rate": 0.01}), ROWS, TARGETS)
    for row in ins.weights:
        g = row.gradient
        assert row.after == pytest.approx(row.value - 0.01 * g / (abs(g) + 1e-8), abs=1e-12)
        assert row.step == pytest.approx(row.value - row.after, abs=1e-15)


def test_after_step_uses_the_momentum_training_left():
    """SGD with momentum 0.9 after one step on batch A: the step on B is lr (0.9 g_A + g_B)."""
    net = small_net({"name": "sgd", "learning_rate": 0.1, "momentum": 0.9})
    g_a = np.concatenate([g.ravel() for g in net.gradients(ROWS[:2], TARGETS[:2])])
    net.train_step(ROWS[:2], TARGETS[:2])
    before = net.get_weights()
    ins = inspect(net, ROWS, TARGETS)
    g_b = np.concatenate([g.ravel() for g in net.gradients(ROWS, TARGETS)])
    expected = np.concatenate([w.ravel() for w in before]) - 0.1 * (0.9 * g_a + g_b)
    by_name = {row.name: row.after for row in ins.weights}
    got = np.array([by_name[name] for name in weight_names(net)])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    for w, w0 in zip(net.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, w0)  # inspecting changed nothing


def test_after_step_ignores_dropout_like_the_gradient_column():
    ins = inspect(small_net({"name": "sgd", "learning_rate": 0.5}, dropout=0.5), ROWS, TARGETS)
    for row in ins.weights:
        assert row.after == pytest.approx(row.value - 0.5 * row.gradient, abs=1e-14)
