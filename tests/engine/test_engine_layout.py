"""The parameter layout ``[W1, b1, W2, ...]`` and the initial weights: one home, in the engine."""

import numpy as np
import pytest

from nnstudio.engine import Network, layout
from nnstudio.io.weights import expected_shapes, tensor_names

SPEC = {
    "inputs": 3,
    "layers": [
        {"units": 4, "activation": "tanh"},
        {"units": 2, "activation": "relu", "use_bias": False, "initializer": "he_normal"},
        {"units": 1, "activation": "sigmoid"},
    ],
    "loss": "binary_crossentropy",
    "seed": 11,
}


def test_slots_shapes_and_indices():
    assert layout.weight_slots(SPEC) == [
        (0, "weight"),
        (0, "bias"),
        (1, "weight"),
        (2, "weight"),
        (2, "bias"),
    ]
    assert layout.weight_shapes(SPEC) == [(3, 4), (4,), (4, 2), (2, 1), (1,)]
    assert [layout.param_indices(SPEC, k) for k in range(3)] == [(0, 1), (2, None), (3, 4)]
    with pytest.raises(ValueError, match="there is no layer 3"):
        layout.param_indices(SPEC, 3)


def test_the_network_and_the_files_use_the_layout():
    net = Network.from_spec(SPEC)
    assert [w.shape for w in net.get_weights()] == layout.weight_shapes(SPEC)
    assert tensor_names(SPEC) == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.2.weight",
        "layers.2.bias",
    ]
    assert list(expected_shapes(SPEC).values()) == [(4, 3), (4,), (2, 4), (1, 2), (1,)]


@pytest.mark.parametrize("seed", [None, 0, 12345])
def test_initial_weights_are_the_networks(seed):
    net = Network.from_spec(SPEC)
    if seed is not None:
        net.initialize(seed)
    want = net.get_weights()
    got = layout.initial_weights(SPEC, seed)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
    other = layout.initial_weights({**SPEC, "seed": 12})
    assert not np.array_equal(other[0], layout.initial_weights(SPEC)[0])  # the seed matters


def test_float32_networks_start_from_the_same_stream():
    spec32 = {**SPEC, "dtype": "float32"}
    got = layout.initial_weights(spec32)
    assert got[0].dtype == np.float32
    np.testing.assert_array_equal(got[0], layout.initial_weights(SPEC)[0].astype(np.float32))
    np.testing.assert_array_equal(Network.from_spec(spec32).get_weights()[0], got[0])
