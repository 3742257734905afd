"""The canvas is recoloured once per frame with new weights: weights, gradients, updates at once."""

from __future__ import annotations

from PySide6.QtCore import QObject

from nnstudio.gui.editor import NetworkEditor
from nnstudio.gui.live import CanvasPainter
from nnstudio.gui.undo import DocumentController


def test_one_frame_recolours_the_canvas_once_and_tells_the_properties_panel_once(qtbot):
    controller = DocumentController()
    editor = NetworkEditor(controller)
    qtbot.addWidget(editor)
    editor.scene.sync()
    painter = CanvasPainter(editor, lambda: None, QObject())
    recolours, told = [], []
    scene = editor.scene
    original = scene.refresh_values
    scene.refresh_values = lambda: (recolours.append(1), original())[1]
    scene.valuesChanged.connect(lambda: told.append(1))
    weights = [w * 0 + 0.5 for w in scene.weights()]
    grads = [w * 0 - 0.25 for w in weights]
    updates = [w * 0 + 0.125 for w in weights]
    painter.show(
        {"weights": weights, "grads": grads, "updates": updates, "step": 3, "stepped": True}
    )
    assert (len(recolours), len(told)) == (1, 1)
    assert scene.weight(0, 0, 0) == 0.5
    assert scene.gradient(0, 0, 0) == -0.25
    painter.show(
        {"weights": weights, "grads": grads, "updates": updates, "step": 4, "stepped": True}
    )
    assert (len(recolours), len(told)) == (1, 1)  # the same weights: nothing to recolour
    fresh = [w.copy() for w in weights]
    painter.show({"weights": fresh, "grads": grads, "updates": updates, "step": 0})
    assert scene.gradient(0, 0, 0) is None  # no step yet: no gradient to show
    assert (len(recolours), len(told)) == (2, 2)
    reopened = [w.copy() for w in weights]  # 3200 steps saved, none taken in this run
    painter.show({"weights": reopened, "grads": grads, "updates": updates, "step": 3200})
    assert scene.gradient(0, 0, 0) is None
