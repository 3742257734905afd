"""Feature crosses: their values by hand, the spec's rules, the layout and the network's maths."""

import numpy as np
import pytest

from nnstudio.engine import Network, check_gradients, fit, layout, normalize_spec, reference
from nnstudio.engine.features import CROSSES, NAMES, expand, input_width, labels

ALL = list(NAMES)


def spec(features, *, inputs=2, bias=True):
    return {
        "inputs": inputs,
        "features": features,
        "layers": [
            {"units": 3, "activation": "tanh", "use_bias": bias},
            {"units": 1, "activation": "sigmoid", "use_bias": bias},
        ],
        "loss": "binary_crossentropy",
        "seed": 5,
    }


def test_each_cross_by_hand():
    X = np.array([[2.0, -3.0], [0.5, np.pi / 2]])
    got = expand(X, ALL)
    want = np.array(
        [
            [2.0, -3.0, 4.0, 9.0, -6.0, np.sin(2.0), np.sin(-3.0)],
            [0.5, np.pi / 2, 0.25, np.pi**2 / 4, np.pi / 4, np.sin(0.5), 1.0],
        ]
    )
    np.testing.assert_allclose(got, want, rtol=1e-15)
    # the listed order is the column order
    np.testing.assert_array_equal(expand(X, ["sin_x2", "x1_squared"])[:, 2:], want[:, [6, 2]])
    assert labels(ALL) == ["x1²", "x2²", "x1·x2", "sin(x1)", "sin(x2)"]
    assert CROSSES["x1_times_x2"].label(["age", "income"]) == "age·income"


def test_the_spec_defaults_to_no_crosses_and_checks_the_list():
    assert normalize_spec(spec([]))["features"] == []
    old = spec([])
    del old["features"]
    assert normalize_spec(old)["features"] == []
    assert normalize_spec(spec(["sin_x2", "x1_squared"]))["features"] == ["sin_x2", "x1_squared"]
    for bad, needles in [
        (["x3_squared"], ["features[0]", "'x3_squared'", "known: x1_squared"]),
        (["sin_x1", "sin_x1"], ["features[1]", "twice"]),
        ("sin_x1", ["features", "a list"]),
        ([7], ["features[0]", "7"]),
    ]:
        with pytest.raises(ValueError) as info:
            normalize_spec(spec(bad))
        for needle in needles:
            assert needle in str(info.value)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        normalize_spec(spec(["x1_squared"], inputs=3))


@pytest.mark.parametrize("bias", [True, False])
def test_the_first_layer_gets_a_row_per_cross(bias):
    s = spec(["x1_squared", "x1_times_x2", "sin_x2"], bias=bias)
    assert input_width(s) == 5
    shapes = layout.weight_shapes(s)
    assert shapes[0] == (5, 3)
    net = Network(s)
    assert net.n_inputs == 2 and net.layers[0].fan_in == 5
    assert [w.shape for w in net.get_weights()] == shapes
    # the initial weights are drawn for the wider layer: the seed's stream, as without crosses
    np.testing.assert_array_equal(net.get_weights()[0], layout.initial_weights(s)[0])


def test_predict_is_the_reference_mlp_on_the_expanded_inputs():
    net = Network(spec(ALL))
    rng = np.random.default_rng(0)
    net.set_weights([rng.normal(0, 1, w.shape) for w in net.get_weights()])
    W1, b1, W2, b2 = net.get_weights()
    X = rng.normal(0, 2, (7, 2))
    ref = reference.forward([(W1, b1, "tanh"), (W2, b2, "sigmoid")], expand(X, ALL))
    np.testing.assert_allclose(net.predict(X), ref[-1][1], rtol=1e-12)
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        net.predict(expand(X, ALL))  # the network takes x1, x2 and crosses them itself


@pytest.mark.parametrize("bias", [True, False])
def test_gradients_through_the_crosses_match_finite_differences(bias):
    net = Network(spec(ALL, bias=bias))
    rng = np.random.default_rng(1)
    X = rng.normal(0, 1, (9, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    result = check_gradients(net, X, y)
    assert result["max_rel_error"] < 1e-6, result


def test_crosses_learn_what_a_linear_model_cannot():
    """A circle: no line separates it, x1² + x2² does; one sigmoid unit with crosses learns it."""
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, (300, 2))
    y = (X[:, 0] ** 2 + X[:, 1] ** 2 < 0.5).astype(float)
    layers = [{"units": 1, "activation": "sigmoid"}]
    common = {"inputs": 2, "layers": layers, "loss": "binary_crossentropy", "seed": 0}
    common["optimizer"] = {"name": "adam", "learning_rate": 0.1}
    scores = {}
    for name, features in (("plain", []), ("crossed", ["x1_squared", "x2_squared"])):
        net = Network({**common, "features": features})
        fit(net, X, y, epochs=60, batch_size=30)
        scores[name] = float(np.mean((net.predict(X)[:, 0] > 0.5) == y))
    assert scores["crossed"] > 0.97 and scores["plain"] < 0.8, scores
