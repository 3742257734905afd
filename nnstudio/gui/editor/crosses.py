"""Feature crosses on the canvas: the unused ones as greyed nodes under the input column.

As in TensorFlow Playground, the extra inputs x1², x2², x1·x2, sin(x1), sin(x2) sit beside
x1 and x2: a cross in use is an input neuron like the features (drawn by the scene), one not in
use is a dashed, greyed node below the column; clicking it adds the cross, and Delete on a
selected cross neuron removes it. Each is one undoable ``SetFeatures`` edit, the same edit as
the Data panel's check boxes. Offered only while the network has exactly two inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QApplication, QGraphicsItem, QStyleOptionGraphicsItem

from nnstudio.document.edits import toggle_feature
from nnstudio.engine.features import CROSS_INPUTS, CROSSES, NAMES, features_of
from nnstudio.gui.editor.items import NEURON_R

if TYPE_CHECKING:
    from nnstudio.gui.editor.scene import Column, NetworkScene

#: The greyed nodes are a little smaller than neurons and closer together.
RADIUS = NEURON_R * 0.75
SPACING = 2 * RADIUS + 8
GAP = 26.0  # between the input column and the first greyed node


class CrossToggleItem(QGraphicsItem):
    """A cross not in use: a dashed circle with its label on the left; a click adds it."""

    def __init__(self, name: str, label: str, center: QPointF) -> None:
        super().__init__()
        self.name = name
        self.label = label
        self._font = QFont(QApplication.font())
        self._font.setPointSizeF(max(7.0, self._font.pointSizeF() * 0.85))
        metrics = QFontMetricsF(self._font)
        self._text_w = metrics.horizontalAdvance(label) + 4
        self._text_h = metrics.height()
        self.setPos(center)
        self.setZValue(3)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"Add the feature cross {label} as one more input (click)")
        # Live training repaints the canvas every frame: a blit, not a dashed antialiased
        # circle stroked again (five of them cost the spiral's canvas ~4 ms a frame).
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def _text_rect(self) -> QRectF:
        return QRectF(-RADIUS - 6 - self._text_w, -self._text_h / 2, self._text_w, self._text_h)

    def boundingRect(self) -> QRectF:
        circle = QRectF(-RADIUS, -RADIUS, 2 * RADIUS, 2 * RADIUS)
        return circle.united(self._text_rect()).adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        theme = self.scene().theme
        faded = QColor(theme.neuron_outline)
        faded.setAlphaF(0.6)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(faded, 1.2, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(0, 0), RADIUS, RADIUS)
        painter.drawLine(QPointF(-RADIUS / 2, 0), QPointF(RADIUS / 2, 0))  # a "+"
        painter.drawLine(QPointF(0, -RADIUS / 2), QPointF(0, RADIUS / 2))
        painter.setFont(self._font)
        painter.setPen(theme.muted_text)
        align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(self._text_rect(), align, self.label)

    def mousePressEvent(self, event) -> None:
        scene: NetworkScene = self.scene()  # type: ignore[assignment]
        scene.push(toggle_feature(scene.controller.document.network, self.name, True))


def add_cross_toggles(scene: NetworkScene, column: Column) -> list[CrossToggleItem]:
    """Greyed nodes for the crosses not in use, stacked under the input ``column``."""
    network = scene.controller.document.network
    if int(network["inputs"]) != CROSS_INPUTS:
        return []
    names = (scene.input_names() or ["x1", "x2"])[:CROSS_INPUTS]
    used = set(features_of(network))
    items = []
    for n, name in enumerate(name for name in NAMES if name not in used):
        center = QPointF(column.x, column.bottom + GAP + RADIUS + n * SPACING)
        item = CrossToggleItem(name, CROSSES[name].label(names), center)
        scene.addItem(item)
        items.append(item)
    return items


def cross_of_input(network: dict, j: int) -> str | None:
    """The cross that input row ``j`` of the first layer is (``None`` for a feature)."""
    used = features_of(network)
    i = j - int(network["inputs"])
    return used[i] if 0 <= i < len(used) else None
