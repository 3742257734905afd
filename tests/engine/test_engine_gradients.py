"""Backpropagation against finite differences: every activation, loss and penalty.

Central differences with h = 1e-6 in float64 agree with an exact gradient to about 1e-9 of the
gradient's scale; the tolerance below is relative to the largest gradient of the network, so
elements whose gradient is tiny are not judged on a relative error dominated by rounding. Kinked
functions (relu, leaky_relu, elu, mae, L1) are only checked where every weighted sum, residual
and weight is far (> 1e-4) from its kink, which the helpers assert rather than hope for.
"""

import numpy as np
import pytest

from nnstudio.engine import Network, activations, check_gradients, losses, numeric_gradients

ACTIVATIONS = ["linear", "relu", "leaky_relu", "elu", "sigmoid", "tanh"]
KINKED = {"relu", "leaky_relu", "elu"}
GRAD_RTOL = 1e-6
MARGIN = 1e-4


def random_net(
    rng_seed, depth, width, *, hidden, output, loss, bias=True, l1=0.0, l2=0.0, inputs=3, k=None
):
    rng = np.random.default_rng(rng_seed)
    k = k or (3 if output == "softmax" else 2)
    layers = [
        {"units": int(width), "activation": hidden, "use_bias": bias, "l1": l1, "l2": l2}
        for _ in range(depth - 1)
    ]
    layers.append({"units": k, "activation": output, "use_bias": bias, "l1": l1, "l2": l2})
    net = Network.from_spec({"inputs": inputs, "layers": layers, "loss": loss, "seed": rng_seed})
    # Random biases too (they start at zero), so their gradients are exercised.
    net.set_weights([rng.normal(0, 1.2 / np.sqrt(w.shape[0]), w.shape) for w in net.get_weights()])
    return net, rng


def targets_for(loss, output, n, k, rng):
    if loss == "categorical_crossentropy":
        p = rng.random((n, k)) + 0.1
        return p / p.sum(axis=1, keepdims=True)  # soft targets: more general than one-hot
    if loss == "binary_crossentropy":
        return rng.random((n, k))
    return rng.normal(size=(n, k))


def assert_away_from_kinks(net, X, y):
    for layer, (z, _) in zip(net.layers, net.layer_outputs(X), strict=True):
        if layer.activation.name in KINKED:
            assert np.abs(z).min() > MARGIN, "pick another seed: a weighted sum sits on a kink"
        if layer.l1:
            assert np.abs(layer.W).min() > MARGIN, "pick another seed: a weight sits on L1's kink"
    if net.loss_fn.name == "mae":
        assert np.abs(net.predict(X) - net.prepare_targets(y)).min() > MARGIN


def assert_gradients_match(net, X, y):
    analytic = net.gradients(X, y)
    numeric = numeric_gradients(net, X, y)
    scale = max(np.abs(g).max() for g in numeric)
    assert scale > 1e-6, "degenerate problem: all gradients vanish"
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        assert a.shape == n.shape == net.weight_shapes()[i]
        err = np.abs(a - n).max() / scale
        assert err < GRAD_RTOL, f"array {i}: error {err:.2e} of the gradient scale {scale:.2e}"
    report = check_gradients(net, X, y)
    assert report["max_abs_error"] < GRAD_RTOL * scale
    assert len(report["per_array"]) == len(analytic)


CASES = [
    # (hidden, output, loss)
    *[(act, "linear", "mse") for act in ACTIVATIONS],
    *[(act, "sigmoid", "binary_crossentropy") for act in ACTIVATIONS],  # fused
    *[(act, "softmax", "categorical_crossentropy") for act in ACTIVATIONS],  # fused
    ("tanh", "tanh", "half_mse"),
    ("sigmoid", "elu", "mae"),
    ("tanh", "leaky_relu", "mse"),
    ("tanh", "relu", "mse"),
    ("elu", "softmax", "mse"),  # softmax's full Jacobian, not fused
    ("tanh", "sigmoid", "categorical_crossentropy"),  # unfused cross-entropy
    ("relu", "softmax", "binary_crossentropy"),  # unfused binary cross-entropy
    ("tanh", "sigmoid", "mse"),
]


@pytest.mark.parametrize(("hidden", "output", "loss"), CASES)
@pytest.mark.parametrize(("depth", "width", "bias"), [(1, 0, True), (2, 4, False), (4, 5, True)])
def test_backprop_matches_finite_differences(hidden, output, loss, depth, width, bias):
    seed = 7 * depth + width + 100 * CASES.index((hidden, output, loss))
    net, rng = random_net(seed, depth, width, hidden=hidden, output=output, loss=loss, bias=bias)
    X = rng.normal(size=(6, 3)) * 1.5
    y = targets_for(loss, output, 6, net.n_outputs, rng)
    assert_away_from_kinks(net, X, y)
    assert_gradients_match(net, X, y)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("l1", "l2", "hidden"), [(0.01, 0.0, "tanh"), (0.0, 0.05, "relu"), (0.02, 0.03, "elu")]
)
def test_penalties_match_finite_differences(seed, l1, l2, hidden):
    net, rng = random_net(
        seed, 3, 4, hidden=hidden, output="sigmoid", loss="binary_crossentropy", l1=l1, l2=l2
    )
    X = rng.normal(size=(5, 3))
    y = (rng.random((5, 2)) > 0.5).astype(float)
    assert_away_from_kinks(net, X, y)
    assert_gradients_match(net, X, y)
    # The penalty really is part of the loss: sum of l1 |W| + l2 W^2 over weights, not biases.
    weights = net.get_weights()
    Ws = [w for w in weights if w.ndim == 2]  # biases are not penalized
    expected = sum(l1 * np.abs(W).sum() + l2 * (W * W).sum() for W in Ws)
    assert net.penalty() == pytest.approx(expected, rel=1e-12)
    plain = Network.from_spec(
        {
            **net.to_spec(),
            "layers": [{**lay, "l1": 0.0, "l2": 0.0} for lay in net.to_spec()["layers"]],
        }
    )
    plain.set_weights(weights)
    assert net.loss(X, y) == pytest.approx(plain.loss(X, y) + expected, rel=1e-12)


def test_gradient_check_detects_a_wrong_derivative(monkeypatch):
    """The checker can fail: a tanh slope off by 1% is caught."""
    net, rng = random_net(5, 3, 4, hidden="tanh", output="linear", loss="mse")
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    assert_gradients_match(net, X, y)
    tanh = activations.get("tanh")
    original = type(tanh).backward
    monkeypatch.setattr(
        type(tanh), "backward", lambda self, z, a, g, out=None: original(self, z, a, g, out) * 1.01
    )
    with pytest.raises(AssertionError, match="error"):
        assert_gradients_match(net, X, y)


# ------------------------------------------------------------------ element-wise derivatives
def away_from_zero(rng, shape, spread=3.0):
    z = rng.normal(0, spread, shape)
    return np.where(np.abs(z) < 0.01, 0.5, z)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_derivative_elementwise(name):
    act = activations.get(name)
    rng = np.random.default_rng(len(name))
    z = away_from_zero(rng, (40, 5))
    h = 1e-6
    numeric = (act.forward(z + h) - act.forward(z - h)) / (2 * h)
    a = act.forward(z)
    np.testing.assert_allclose(act.derivative(z, a), numeric, rtol=1e-7, atol=1e-9)
    grad_a = rng.normal(size=z.shape)
    np.testing.assert_allclose(act.backward(z, a, grad_a), grad_a * numeric, rtol=1e-6, atol=1e-9)
    # with preallocated outputs, as the network calls them
    out = np.empty_like(z)
    assert act.forward(z, out=out) is out
    np.testing.assert_array_equal(out, a)
    out2 = np.empty_like(z)
    act.backward(z, a, grad_a, out=out2)
    np.testing.assert_array_equal(out2, act.backward(z, a, grad_a))


def test_activation_values_and_course_slopes():
    z = np.array([[-2.0, -0.5, 0.5, 2.0]])
    get = activations.get
    np.testing.assert_array_equal(get("relu").forward(z), [[0, 0, 0.5, 2]])
    np.testing.assert_array_equal(get("relu").derivative(z, None), [[0, 0, 1, 1]])
    np.testing.assert_allclose(get("leaky_relu").forward(z), [[-0.02, -0.005, 0.5, 2]])
    np.testing.assert_allclose(get("elu").forward(z), [[np.expm1(-2), np.expm1(-0.5), 0.5, 2]])
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(get("sigmoid").forward(z), s, rtol=1e-15)
    np.testing.assert_allclose(get("sigmoid").derivative(z, s), s * (1 - s), rtol=1e-15)
    t = np.tanh(z)
    np.testing.assert_allclose(get("tanh").derivative(z, t), 1 - t**2, rtol=1e-15)
    np.testing.assert_array_equal(get("linear").forward(z), z)
    np.testing.assert_array_equal(get("linear").derivative(z, z), np.ones_like(z))
    # Extremes stay finite and in range.
    big = np.array([[-1000.0, 1000.0]])
    np.testing.assert_array_equal(get("sigmoid").forward(big), [[0.0, 1.0]])
    np.testing.assert_array_equal(get("elu").forward(big), [[-1.0, 1000.0]])


def test_softmax_jacobian_vector_product():
    act = activations.get("softmax")
    rng = np.random.default_rng(3)
    z, grad_a = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    a = act.forward(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-15)
    h = 1e-6
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[idx] = h
        numeric[idx] = ((act.forward(z + e) - act.forward(z - e)) * grad_a).sum() / (2 * h)
    np.testing.assert_allclose(act.backward(z, a, grad_a), numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(act.derivative(z, a), a * (1 - a))
    np.testing.assert_allclose(act.forward(z + 500.0), a, rtol=1e-12)  # shift invariant, stable


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", [*ACTIVATIONS, "softmax"])
def test_activations_keep_the_dtype(name, dtype):
    act = activations.get(name)
    z = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    a = act.forward(z)
    assert a.dtype == dtype
    assert act.derivative(z, a).dtype == dtype
    assert act.backward(z, a, np.ones_like(z)).dtype == dtype


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_backward_is_the_slope_times_the_gradient_bit_for_bit(dtype):
    """The compiled ReLU backward equals dL/da x g'(z) as NumPy computes it, in every corner:
    a NaN or infinite dL/da where z <= 0 stays NaN (0 x inf), -0.0 keeps its sign, and views
    with gaps between rows (the layer buffers) work."""
    relu = activations.get("relu")
    z = np.array([[-1.0, 0.0, 2.0, -0.0, 3.0], [1.0, -2.0, np.nan, 4.0, -5.0]], dtype)
    grad_a = np.array([[np.nan, np.inf, -0.0, 1.5, -2.5], [-0.0, 7.0, 1.0, -np.inf, 0.25]], dtype)
    wide = np.full((2, 7), 9.0, dtype)
    got = relu.backward(z, None, grad_a, out=wide[:, :5])
    with np.errstate(invalid="ignore"):  # inf x 0
        expected = grad_a * relu.derivative(z, None)
    np.testing.assert_array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected), equal_nan=True)
    np.testing.assert_array_equal(wide[:, 5:], 9.0)  # nothing written past the view
    np.testing.assert_array_equal(relu.backward(z, None, grad_a), expected)


# ------------------------------------------------------------------------------- losses
def loss_inputs(name, rng, n=5, k=3):
    if name == "categorical_crossentropy":
        p = rng.random((n, k)) + 0.05
        t = rng.random((n, k))
        return p / p.sum(axis=1, keepdims=True), t / t.sum(axis=1, keepdims=True)
    if name == "binary_crossentropy":
        return rng.uniform(0.05, 0.95, (n, k)), rng.random((n, k))
    return rng.normal(size=(n, k)), rng.normal(size=(n, k))


@pytest.mark.parametrize("name", losses.LOSSES.names())
def test_loss_gradient_elementwise(name):
    loss = losses.get(name)
    rng = np.random.default_rng(11)
    p, t = loss_inputs(name, rng)
    h = 1e-6
    numeric = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        e = np.zeros_like(p)
        e[idx] = h
        numeric[idx] = (loss.value(p + e, t) - loss.value(p - e, t)) / (2 * h)
    np.testing.assert_allclose(loss.gradient(p, t), numeric, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize(
    ("name", "act"), [("binary_crossentropy", "sigmoid"), ("categorical_crossentropy", "softmax")]
)
def test_fused_loss_value_and_gradient_from_logits(name, act):
    loss, g = losses.get(name), activations.get(act)
    assert loss.fused_activation == act
    rng = np.random.default_rng(12)
    z = rng.normal(0, 3, (5, 3))
    _, t = loss_inputs(name, rng)
    a = g.forward(z)
    # Equals the unfused formula where that is finite.
    assert loss.value_from_logits(z, t) == pytest.approx(loss.value(a, t), rel=1e-12)
    h = 1e-6
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[idx] = h
        up, down = loss.value_from_logits(z + e, t), loss.value_from_logits(z - e, t)
        numeric[idx] = (up - down) / (2 * h)
    np.testing.assert_allclose(loss.fused_gradient(a, t), numeric, rtol=1e-6, atol=1e-10)
    # and the chain rule through the unfused gradient gives the same dL/dz
    chained = g.backward(z, a, loss.gradient(a, t))
    np.testing.assert_allclose(loss.fused_gradient(a, t), chained, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "act"), [("binary_crossentropy", "sigmoid"), ("categorical_crossentropy", "softmax")]
)
def test_fused_activate_and_value_gives_the_activation_and_the_loss(name, act):
    """One pass yields both; soft targets whose rows do not sum to 1 are summed class by class."""
    loss, g = losses.get(name), activations.get(act)
    rng = np.random.default_rng(13)
    z = rng.normal(0, 3, (6, 4 if act == "softmax" else 1))
    t = rng.uniform(0, 1, z.shape)  # soft targets, rows not normalised
    out = np.full_like(z, np.nan)
    value = loss.activate_and_value(z, t, out=out)
    np.testing.assert_array_equal(out, g.forward(z))
    assert value == pytest.approx(loss.value(g.forward(z), t), rel=1e-12)


def test_fused_losses_are_stable_for_huge_logits():
    bce = losses.get("binary_crossentropy")
    z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
    t = np.array([[1.0], [0.0], [0.0], [1.0]])
    # Right answers cost nothing; confident wrong answers cost |z| each: mean 2000 / 4.
    assert bce.value_from_logits(z, t) == pytest.approx(500.0, rel=1e-15)
    cce = losses.get("categorical_crossentropy")
    zc = np.array([[1000.0, -1000.0, 0.0], [0.0, 0.0, 0.0]])
    tc = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    assert cce.value_from_logits(zc, tc) == pytest.approx((2000.0 + np.log(3)) / 2, rel=1e-15)
    for loss, zz, tt, act in ((bce, z, t, "sigmoid"), (cce, zc, tc, "softmax")):
        a = activations.get(act).forward(zz)
        assert np.isfinite(a).all()
        grad = loss.fused_gradient(a, tt)
        assert np.isfinite(grad).all()
        assert np.abs(grad).max() <= 1.0


@pytest.mark.parametrize(
    ("output", "loss", "k"),
    [("sigmoid", "binary_crossentropy", 1), ("softmax", "categorical_crossentropy", 3)],
)
def test_network_with_huge_logits_stays_finite(output, loss, k):
    net = Network.from_spec(
        {
            "inputs": 1,
            "layers": [{"units": k, "activation": output}],
            "loss": loss,
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
        }
    )
    W = np.linspace(-1000, 1000, k).reshape(1, k) if k > 1 else np.array([[1000.0]])
    net.set_weights([W, np.zeros(k)])
    X = np.array([[1.0], [-1.0]])
    y = np.array([0.0, 1.0]) if k == 1 else np.array([0, 2])
    value = net.loss(X, y)
    assert np.isfinite(value) and value > 900  # confidently wrong on every sample
    assert all(np.isfinite(g).all() for g in net.gradients(X, y))
    net.train_step(X, y)
    assert net.last_step_ok
    assert np.isfinite(net.params).all()


def test_cce_integer_and_one_hot_targets_agree():
    net = Network.from_spec(
        {
            "inputs": 4,
            "layers": [{"units": 6, "activation": "relu"}, {"units": 3, "activation": "softmax"}],
            "loss": "categorical_crossentropy",
        }
    )
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    onehot = np.eye(3)[labels]
    assert net.loss(X, labels) == net.loss(X, onehot)
    assert net.loss(X, labels.reshape(-1, 1)) == net.loss(X, onehot)
    for a, b in zip(net.gradients(X, labels), net.gradients(X, onehot), strict=True):
        np.testing.assert_array_equal(a, b)
    # and the value is the mean of -log p(true class)
    p = net.predict(X)
    assert net.loss(X, labels) == pytest.approx(-np.log(p[np.arange(20), labels]).mean())
    with pytest.raises(ValueError, match="0 to 2"):
        net.loss(X, labels + 1)
    with pytest.raises(ValueError, match="0 to 2"):
        net.loss(X, labels + 0.5)
