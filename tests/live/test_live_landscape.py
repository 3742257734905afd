"""The loss landscape: every grid value is Network.loss at the same weights."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio import live
from nnstudio.engine import Network
from nnstudio.examples import example
from nnstudio.io import session
from nnstudio.live.landscape import (
    Axis,
    all_axes,
    automatic_axes,
    landscape,
    losses_at,
    value_in,
    value_of,
)


def _loss_with(net: Network, X, y, axes, values) -> float:
    """The reference: set the parameters in a copy of the weights and call Network.loss."""
    probe = Network(net.to_spec())
    probe.set_weights(net.get_weights())
    for axis, v in zip(axes, values, strict=True):
        layer = probe.layers[axis.layer]
        layer.Wb[layer.fan_in if axis.row is None else axis.row, axis.unit] = v
    return probe.loss(X, y)


def _network(hidden, loss, out_act, outputs=1, l1=0.0, l2=0.0, inputs=2, seed=3):
    layers = [{"units": u, "activation": a, "l1": l1, "l2": l2} for u, a in hidden]
    layers.append({"units": outputs, "activation": out_act})
    return Network({"inputs": inputs, "layers": layers, "loss": loss, "seed": seed})


CASES = [
    ("bce", _network([(8, "tanh"), (8, "tanh")], "binary_crossentropy", "sigmoid"), 1),
    ("mse relu", _network([(5, "relu")], "mse", "linear", l1=0.01, l2=0.02), 1),
    ("softmax", _network([(4, "sigmoid")], "categorical_crossentropy", "softmax", 3), 3),
]


@pytest.mark.parametrize(("name", "net", "outputs"), CASES, ids=[c[0] for c in CASES])
def test_every_grid_value_is_network_loss(name, net, outputs):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = rng.integers(0, 2, 40) if outputs == 1 and "bce" in name else rng.normal(size=(40, 1))
    if outputs == 3:
        y = rng.integers(0, 3, 40)
    axes = all_axes(net)
    pairs = [(axes[0], axes[-1]), (axes[1], axes[len(axes) // 2]), (axes[-2], axes[-1])]
    for pair in pairs:
        values = rng.normal(scale=2.0, size=(7, 2))
        got = losses_at(net, X, y, list(pair), values)
        want = [_loss_with(net, X, y, pair, v) for v in values]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_grid_through_the_current_weights_gives_the_current_loss():
    net = CASES[0][1]
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 2, 30)
    axes = [Axis(1, 2, 3), Axis(0, None, 0)]
    scape = landscape(net, X, y, axes, n=5)  # odd n: the centre is a grid point
    assert scape.loss.shape == (5, 5)
    assert scape.loss[2, 2] == pytest.approx(net.loss(X, y), abs=1e-12)
    # Row i is ys[i], column j is xs[j].
    want = _loss_with(net, X, y, axes, [scape.xs[4], scape.ys[0]])
    assert scape.loss[0, 4] == pytest.approx(want, abs=1e-9)


def test_course_line_landscape_and_tangent():
    """Lesson 5: the line through (1, 3), (2, 5) from m = -1, b = 5: mse 2.5, slopes -3, -1."""
    doc = example("course_line")
    job = live.job_from_document(doc, session.dataset(doc))
    net = live.Run(job).net
    axes = automatic_axes(net)
    assert [a.label() for a in axes] == ["w1[1→1]", "b1[1]"]
    scape = landscape(net, job.X_train, job.y_train, axes, n=3, spans=[1.0, 1.0])
    assert scape.current_loss == pytest.approx(2.5)
    # m = 0, b = 6 (top right): errors (6 - 3, 6 - 5) = (3, 1), mse 5.
    assert scape.loss[2, 2] == pytest.approx(5.0)
    m_only = landscape(net, job.X_train, job.y_train, axes[:1], n=3, spans=[1.0])
    assert m_only.slope == pytest.approx(-3.0)
    b_only = landscape(net, job.X_train, job.y_train, axes[1:], n=3, spans=[1.0])
    assert b_only.slope == pytest.approx(-1.0)
    assert automatic_axes(CASES[0][1]) == []


def test_value_in_reads_a_parameter_from_the_weight_list():
    net = CASES[0][1]
    weights = net.get_weights()
    for axis in all_axes(net):
        assert value_in(weights, net.to_spec(), axis) == value_of(net, axis)


def test_axes_are_checked():
    net = CASES[1][1]
    X, y = np.zeros((3, 2)), np.zeros((3, 1))
    with pytest.raises(ValueError, match="distinct"):
        losses_at(net, X, y, [Axis(0, 0, 0), Axis(0, 0, 0)], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="inputs"):
        losses_at(net, X, y, [Axis(0, 7, 0)], np.zeros((1, 1)))
    with pytest.raises(ValueError, match="one or two"):
        landscape(net, X, y, all_axes(net)[:3])
