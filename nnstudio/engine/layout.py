"""The parameter layout: which weight arrays a network has, in which order, and their start.

A network's weights are the list ``[W1, b1, W2, b2, ...]``: layer k's W, shape (inputs,
units), then its bias b, shape (units,), when the layer has one. The network, the document's
edits, the editor and the weights files all ask this module, so the order is written once. The
initial weights come from here too: one random stream per spec and seed, whether a ``Network``
is built or the editor only needs the numbers.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from nnstudio.engine import features, initializers
from nnstudio.engine.spec import normalize_spec

Kind = Literal["weight", "bias"]


def weight_slots(spec: dict[str, Any]) -> list[tuple[int, Kind]]:
    """``(layer, "weight" | "bias")`` for each array in the list, in order."""
    slots: list[tuple[int, Kind]] = []
    for k, layer in enumerate(spec["layers"]):
        slots.append((k, "weight"))
        if layer.get("use_bias", True):
            slots.append((k, "bias"))
    return slots


def weight_shapes(spec: dict[str, Any]) -> list[tuple[int, ...]]:
    """The shape of each array: W (inputs, units), b (units,); the first W has a row per cross."""
    sizes = [features.input_width(spec)] + [int(layer["units"]) for layer in spec["layers"]]
    return [
        (sizes[k], sizes[k + 1]) if kind == "weight" else (sizes[k + 1],)
        for k, kind in weight_slots(spec)
    ]


def param_indices(spec: dict[str, Any], k: int) -> tuple[int, int | None]:
    """Where layer k's W and b sit in the list (b is ``None`` for a layer without bias)."""
    slots = weight_slots(spec)
    if not 0 <= k < len(spec["layers"]):
        raise ValueError(f"there is no layer {k}; the network has {len(spec['layers'])} layers")
    w_idx = slots.index((k, "weight"))
    return w_idx, (w_idx + 1 if (k, "bias") in slots else None)


def initial_weights(spec: dict[str, Any], seed: int | None = None) -> list[np.ndarray]:
    """The weights a spec starts from: each layer's initializer, drawn from the seed's stream.

    ``Network.initialize`` uses exactly these, so code that only needs the numbers (the editor
    draws a 12 x 256 network's untrained weights) need not build a network and its optimizer.
    """
    spec = normalize_spec(spec)
    dtype = np.dtype(spec["dtype"])
    rng = np.random.default_rng([spec["seed"] if seed is None else seed, 0])
    out: list[np.ndarray] = []
    fan_in = features.input_width(spec)
    for layer in spec["layers"]:
        init = initializers.get(layer["initializer"])
        w, b = init.init(rng, fan_in, layer["units"], **{k: layer[k] for k in init.params})
        out.append(np.asarray(w, dtype=dtype))
        if layer["use_bias"]:
            out.append(np.asarray(b, dtype=dtype))
        fan_in = layer["units"]
    return out
