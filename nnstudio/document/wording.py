"""Refused edits in the course's words: layers and neurons counted from 1, no file paths.

The engine names a bad spec entry by its place in the project file ("layers[0].activation"),
which is what someone editing that file by hand needs. A student who changed a layer in the
window reads the names the canvas, the Properties panel and the Weights view use: "layer 1",
"layer 2, neuron 3", "the weight from x1 to layer 1, neuron 3" (``gui/naming.py`` says the
same with the data set's feature names). Edits word their own messages with these helpers, and
``plain_spec_error`` rewrites what the engine says about a network an edit produced.
"""

from __future__ import annotations

import re

#: A layer's place in the project file's JSON: ``layers[0]``, ``layers[0].activation``.
_LAYER_PATH = re.compile(r"layers\[(\d+)\](?:\.(\w+))?")


def layer_words(k: int, n_layers: int | None = None) -> str:
    """Dense layer ``k`` (0-based): "layer 1", or "layer 3 (the output layer)" for the last."""
    text = f"layer {k + 1}"
    return f"{text} (the output layer)" if n_layers is not None and k == n_layers - 1 else text


def neuron_words(k: int, j: int) -> str:
    """Neuron ``j`` of dense layer ``k`` (both 0-based): "layer 2, neuron 3"."""
    return f"layer {k + 1}, neuron {j + 1}"


def weight_words(k: int, i: int, j: int) -> str:
    """The weight ``W{k+1}[i, j]``: "the weight from x1 to layer 1, neuron 3"."""
    source = f"x{i + 1}" if k == 0 else neuron_words(k - 1, i)
    return f"the weight from {source} to {neuron_words(k, j)}"


def bias_words(k: int, j: int) -> str:
    """The bias ``b{k+1}[j]``: "the bias of layer 1, neuron 3"."""
    return f"the bias of {neuron_words(k, j)}"


def plain_spec_error(message: str, n_layers: int) -> str:
    """``message`` with every "layers[i].key" written as "layer i+1 key" (1-based)."""

    def words(match: re.Match[str]) -> str:
        text = layer_words(int(match.group(1)), n_layers)
        key = match.group(2)
        return f"{text} {key.replace('_', ' ')}" if key else text

    return _LAYER_PATH.sub(words, message)
