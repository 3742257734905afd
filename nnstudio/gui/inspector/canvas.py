"""The pinned sample on the canvas: each neuron's weighted sum z and activation a beside it.

Small text items are added to the editor's scene next to its neuron items and replaced at
every update; the scene itself is not changed (a rebuild deletes them, the next update puts
them back).
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from nnstudio.gui.editor.widget import NetworkEditor
from nnstudio.gui.inspector.answers import fmt
from nnstudio.teaching.inspect import Inspection


class CanvasProbe:
    """Draws ``z`` and ``a`` under each shown neuron (and the input values under the inputs)."""

    def __init__(self, editor: NetworkEditor) -> None:
        self.editor = editor
        self.items: list[QGraphicsSimpleTextItem] = []
        self.texts: dict[tuple[int, int], str] = {}

    def show(self, inspection: Inspection | None, inputs=None) -> None:
        self.clear()
        if inspection is None or inspection.n != 1:
            return
        if inputs is not None:
            for i, value in enumerate(inputs):
                self.texts[(-1, i)] = f"x = {fmt(float(value))}"
        for node in inspection.nodes:
            self.texts[(node.layer - 1, node.unit - 1)] = f"z {fmt(node.z)}\na {fmt(node.a)}"
        self._draw()

    def _draw(self) -> None:
        scene = self.editor.scene
        font = QFont()
        font.setPointSizeF(7.5)
        color = scene.palette().text().color() if hasattr(scene, "palette") else None
        for key, text in self.texts.items():
            neuron = scene.neurons.get(key)
            if neuron is None:
                continue
            item = QGraphicsSimpleTextItem(text)
            item.setFont(font)
            if color is not None:
                item.setBrush(color)
            width = item.boundingRect().width()
            item.setPos(neuron.pos() + QPointF(-width / 2, 15))
            item.setZValue(5)
            item.setToolTip("Weighted sum z and activation a for the pinned sample (Inspector)")
            scene.addItem(item)
            self.items.append(item)

    def clear(self) -> None:
        scene = self.editor.scene
        for item in self.items:
            if shiboken6.isValid(item) and item.scene() is scene:
                scene.removeItem(item)
        self.items = []
        self.texts = {}
