"""One way of naming the parts of a network, everywhere a student reads them.

Layers count from 1 like the weight matrices W1, W2, ... (the input layer is not counted, it
has no weights), neurons count from 1 within their layer, and inputs go by their feature names
(x1, x2 for the playground sets). The canvas's tooltips, the Properties panel and the Weights
view all name a weight "weight from x1 to layer 1, neuron 3", so the three can be compared.
"""

from __future__ import annotations

from collections.abc import Sequence

from nnstudio.document.wording import neuron_words


def input_name(i: int, names: Sequence[str] | None = None) -> str:
    """Input ``i`` (0-based) by its feature name, or x1, x2, ..."""
    return names[i] if names and 0 <= i < len(names) else f"x{i + 1}"


def neuron_name(k: int, j: int, n_layers: int | None = None) -> str:
    """Neuron ``j`` of dense layer ``k`` (both 0-based): "layer 2, neuron 3" (1-based)."""
    text = neuron_words(k, j)  # the words refused edits use too
    return f"{text} (output)" if n_layers is not None and k == n_layers - 1 else text


def source_name(k: int, i: int, input_names: Sequence[str] | None = None) -> str:
    """What feeds row ``i`` of W of layer ``k``: an input for the first layer, else a neuron."""
    return input_name(i, input_names) if k == 0 else neuron_name(k - 1, i)


def weight_name(
    k: int, i: int, j: int, n_layers: int | None = None, input_names: Sequence[str] | None = None
) -> str:
    """ "weight from x1 to layer 1, neuron 3": the weight W{k+1}[i, j] in words."""
    return f"weight from {source_name(k, i, input_names)} to {neuron_name(k, j, n_layers)}"


def bias_name(k: int, j: int, n_layers: int | None = None) -> str:
    return f"bias of {neuron_name(k, j, n_layers)}"
