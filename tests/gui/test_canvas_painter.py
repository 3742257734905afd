"""The canvas is recoloured at a bounded rate, and always ends on the newest snapshot."""

from __future__ import annotations

from PySide6.QtCore import QObject

from nnstudio.gui.live import CanvasPainter


class FakeEditor:
    """Records what the painter asks the canvas to show."""

    def __init__(self) -> None:
        self.weights: list[object] = []

    def set_connection_values(self, values, kind) -> None:
        if kind == "weights":
            self.weights.append(values)

    def set_neuron_pictures(self, snap, image_shape) -> None:
        pass


def test_snapshots_within_the_interval_are_coalesced_to_the_newest(qtbot):
    editor, owner = FakeEditor(), QObject()
    painter = CanvasPainter(editor, lambda: None, owner, fps=10)
    painter.show({"weights": "first", "step": 1})
    assert editor.weights == ["first"]  # the first is drawn at once
    for k in range(2, 6):
        painter.show({"weights": f"snap {k}", "step": k})
    assert editor.weights == ["first"]  # the rest wait for the interval...
    qtbot.waitUntil(lambda: editor.weights == ["first", "snap 5"], timeout=2000)  # ...newest only
    painter.draw({"weights": "now", "step": 6})  # screenshots: at once, whatever the rate
    assert editor.weights[-1] == "now"
