"""The training process computes for a snapshot only what some view draws.

An image network's canvas, Neurons view and large picture draw first-layer weights, so its
grid is predicted without neuron maps (no copies of every hidden layer's activations), and the
sample images' predicted labels come from the confusion matrix's pass over the same rows
instead of a forward pass per frame.
"""

import numpy as np
import pytest

from nnstudio.engine import Network, fit, normalize_spec
from nnstudio.live.snapshot import Snapshotter, class_labels


def _setup(image_shape, classes=3, inputs=16, n=90):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, inputs))
    y = rng.integers(0, classes, n)
    spec = normalize_spec(
        {
            "inputs": inputs,
            "layers": [
                {"units": 6, "activation": "tanh"},
                {"units": 5, "activation": "relu"},
                {"units": classes, "activation": "softmax"},
            ],
            "loss": "categorical_crossentropy",
            "optimizer": {"name": "adam", "learning_rate": 0.01},
        }
    )
    net = Network(spec)
    fit(net, X[:60], y[:60], epochs=2, batch_size=10)
    view = {
        "task": "multiclass",
        "classes": classes,
        "features": [0, 1],
        "image_shape": image_shape,
        "grid": 20,
    }
    return net, Snapshotter(net, X[:60], y[:60], X[60:], y[60:], view), X[60:]


class _Counting:
    """Wraps one network method and counts its calls."""

    def __init__(self, monkeypatch, obj, name):
        self.calls = 0
        inner = getattr(obj, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return inner(*args, **kwargs)

        monkeypatch.setattr(obj, name, counted)


def test_an_image_network_grid_comes_without_neuron_maps_or_hidden_copies(monkeypatch):
    net, snapper, _ = _setup(image_shape=(4, 4))
    copies = _Counting(monkeypatch, Network, "layer_outputs")
    snap = snapper.snapshot({"batch": 0}, force=True)
    assert copies.calls == 0
    assert "neuron_maps" not in snap and "output_maps" not in snap
    # The boundary is still the network's output over the grid of features 0 and 1.
    grid = snap["boundary"]
    assert grid.shape == (20, 20, 3)
    x0, _, y0, _ = snap["extent"]
    corner = np.zeros((1, 16))
    corner[0, 0], corner[0, 1] = x0, y0  # the grid's first row and column (mean 0, scale 1)
    np.testing.assert_allclose(grid[0, 0], net.predict(corner)[0], rtol=1e-5, atol=1e-6)


def test_a_network_on_the_input_plane_still_gets_its_neuron_maps():
    _, snapper, _ = _setup(image_shape=None, inputs=2)
    snap = snapper.snapshot({"batch": 0}, force=True)
    assert [m.shape[0] for m in snap["neuron_maps"]] == [6, 5]
    assert snap["output_maps"].shape[0] == 3


@pytest.mark.parametrize("image_shape", [(4, 4), None])
def test_sample_predictions_come_with_the_confusion_pass_not_every_frame(monkeypatch, image_shape):
    net, snapper, X_eval = _setup(image_shape)
    first = snapper.snapshot({"batch": 0}, force=True)
    if image_shape is None:
        assert "predictions" not in first  # no sample images to label
        return
    expected = class_labels(net.predict(X_eval[:32]))
    np.testing.assert_array_equal(first["predictions"]["labels"], expected)
    np.testing.assert_array_equal(first["predictions"]["indices"], np.arange(30))
    # Between two confusion passes a frame runs no forward pass of the trained network.
    forward = _Counting(monkeypatch, net, "predict")
    snapper.confusion_throttle._next = np.inf
    snapper.boundary_throttle._next = np.inf
    for _ in range(5):
        snap = snapper.snapshot({"batch": 0})
        assert "predictions" not in snap and "confusion" not in snap
    assert forward.calls == 0
    snapper.confusion_throttle._next = -np.inf  # due again: both come back, from one pass
    snap = snapper.snapshot({"batch": 0})
    assert forward.calls == 1
    np.testing.assert_array_equal(snap["predictions"]["labels"], expected)
    assert snap["confusion"].sum() == len(X_eval)
