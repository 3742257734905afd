"""``Network`` against the plain reference MLP (``engine/reference.py``): an independent oracle.

The reference shares no code with the network (no flat vector, no fused bias, no buffers), so
agreement on predictions, losses, gradients and optimizer steps, for every activation, with and
without biases, checks the fast implementation against the lecture's formulas.
"""

import numpy as np
import pytest

from nnstudio.engine import Network, reference

HIDDEN = ["linear", "relu", "leaky_relu", "elu", "sigmoid", "tanh"]
OUTPUTS = {  # output activation: (loss, outputs)
    "linear": ("mse", 2),
    "tanh": ("mse", 2),
    "sigmoid": ("binary_crossentropy", 1),
    "softmax": ("categorical_crossentropy", 3),
}
CASES = [(h, o, bias) for h in HIDDEN for o in OUTPUTS for bias in (True, False)]
IDS = [f"{h}-{o}{'' if bias else '-nobias'}" for h, o, bias in CASES]


def make(hidden, output, bias, optimizer="sgd"):
    loss, units = OUTPUTS[output]
    spec = {
        "inputs": 3,
        "layers": [
            {"units": 5, "activation": hidden, "use_bias": bias},
            {"units": 4, "activation": hidden, "use_bias": bias},
            {"units": units, "activation": output, "use_bias": bias},
        ],
        "loss": loss,
        "optimizer": {"name": optimizer, "learning_rate": 0.1},
        "seed": 5,
    }
    net = Network.from_spec(spec)
    rng = np.random.default_rng(4)
    # Large weights and inputs reach every activation's negative and saturated parts.
    net.set_weights([rng.normal(0, 0.9, shape) for shape in net.weight_shapes()])
    X = rng.normal(0, 1.5, (12, 3))
    if output == "softmax":
        y = rng.integers(0, units, 12)
        T = np.eye(units)[y]
    elif output == "sigmoid":
        y = T = (rng.random((12, 1)) < 0.5) * 1.0
    else:
        y = T = rng.normal(size=(12, units))
    return net, X, y, T, loss


def as_layers(net):
    """The network's weights as the reference's (W, b, activation) list."""
    weights = iter(net.get_weights())
    return [
        (next(weights), next(weights) if layer["use_bias"] else None, layer["activation"])
        for layer in net.to_spec()["layers"]
    ]


def flat(layers_or_grads):
    return np.concatenate(
        [w.ravel() for pair in layers_or_grads for w in pair[:2] if w is not None]
    )


def params(net):
    return np.concatenate([w.ravel() for w in net.get_weights()])


@pytest.mark.parametrize(("hidden", "output", "bias"), CASES, ids=IDS)
def test_predictions_and_loss(hidden, output, bias):
    net, X, y, T, loss = make(hidden, output, bias)
    layers = as_layers(net)
    np.testing.assert_allclose(
        net.predict(X), reference.forward(layers, X)[-1][1], rtol=1e-12, atol=1e-14
    )
    # The network's cross-entropy works from the logits (no log of a rounded probability).
    assert net.loss(X, y) == pytest.approx(reference.loss(layers, X, T, loss), rel=1e-9)


@pytest.mark.parametrize(("hidden", "output", "bias"), CASES, ids=IDS)
def test_gradients(hidden, output, bias):
    net, X, y, T, loss = make(hidden, output, bias)
    want = flat(reference.backward(as_layers(net), X, T, loss))
    got = np.concatenate([g.ravel() for g in net.gradients(X, y)])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    assert np.abs(want).max() > 1e-3  # a gradient that is all zeros would prove little


@pytest.mark.parametrize(("hidden", "output", "bias"), CASES, ids=IDS)
def test_one_sgd_step(hidden, output, bias):
    net, X, y, T, loss = make(hidden, output, bias)
    layers = as_layers(net)
    want = reference.sgd_step(layers, reference.backward(layers, X, T, loss), 0.1)
    net.train_step(X, y)
    np.testing.assert_allclose(params(net), flat(want), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(("hidden", "output", "bias"), CASES, ids=IDS)
def test_adam_steps(hidden, output, bias):
    """Three steps, so Adam's averages and bias corrections are checked beyond the first."""
    net, X, y, T, loss = make(hidden, output, bias, optimizer="adam")
    layers, state = as_layers(net), {}
    start = params(net)
    for _ in range(3):
        layers = reference.adam_step(layers, reference.backward(layers, X, T, loss), 0.1, state)
        net.train_step(X, y)
        np.testing.assert_allclose(params(net), flat(layers), rtol=1e-10, atol=1e-13)
    assert np.abs(params(net) - start).max() > 0.1


def test_the_oracle_sees_a_wrong_gradient():
    """The comparison can fail: a slope off by 1 % in one weight is caught."""
    net, X, y, T, loss = make("tanh", "linear", True)
    grads = net.gradients(X, y)
    grads[2][0, 0] *= 1.01
    want = flat(reference.backward(as_layers(net), X, T, loss))
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(np.concatenate([g.ravel() for g in grads]), want, rtol=1e-10)


def test_reference_gradient_matches_finite_differences():
    """The oracle itself is checked against the definition of a derivative."""
    net, X, _, T, loss = make("elu", "softmax", True)
    layers = as_layers(net)
    grads = reference.backward(layers, X, T, loss)
    W, b, act = layers[1]
    h = 1e-6
    for i, j in [(0, 0), (2, 3), (4, 1)]:
        up, down = W.copy(), W.copy()
        up[i, j] += h
        down[i, j] -= h
        slope = (
            reference.loss([layers[0], (up, b, act), layers[2]], X, T, loss)
            - reference.loss([layers[0], (down, b, act), layers[2]], X, T, loss)
        ) / (2 * h)
        assert grads[1][0][i, j] == pytest.approx(slope, rel=1e-6, abs=1e-9)
