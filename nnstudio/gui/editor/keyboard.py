"""Moving the canvas's selection with the arrow keys, without a mouse.

Left and right go from layer to layer (a neuron keeps its row as far as the next layer has
one), up and down go from neuron to neuron within a layer; from a layer, down enters its first
neuron and up from the first neuron returns to the layer. Layers are numbered as in the scene:
-1 is the input layer, 0 .. n-1 the dense layers.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

Selection = tuple | None

ARROWS = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down)


def next_selection(selection: Selection, key: Qt.Key, sizes: list[int]) -> Selection:
    """Where ``key`` moves ``selection``; ``sizes`` are the units per column, input first."""
    last = len(sizes) - 2  # the output layer's index
    if selection is None or selection[0] == "connection":
        return ("layer", 0 if last >= 0 else -1)
    kind, k = selection[0], selection[1]
    if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
        k2 = max(-1, min(last, k + (1 if key == Qt.Key.Key_Right else -1)))
        if kind == "layer":
            return ("layer", k2)
        return ("neuron", k2, min(selection[2], sizes[k2 + 1] - 1))
    if kind == "layer":
        return ("neuron", k, 0) if key == Qt.Key.Key_Down else selection
    j = selection[2] + (1 if key == Qt.Key.Key_Down else -1)
    if j < 0:
        return ("layer", k)
    return ("neuron", k, min(j, sizes[k + 1] - 1))


def insert_position(selection: Selection, hidden_layers: int) -> int:
    """The hidden-layer index Insert adds a layer at: after the selected layer, else at the end."""
    if selection is None or selection[0] == "connection":
        return hidden_layers
    return max(0, min(selection[1] + 1, hidden_layers))
