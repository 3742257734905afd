"""Light graphics items of the network canvas (plain ``QGraphicsItem`` subclasses, no QObjects).

Items only draw and forward clicks to their scene
(:class:`~nnstudio.gui.editor.scene.NetworkScene`), which owns the selection and turns
gestures into edits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QApplication, QGraphicsItem, QStyleOptionGraphicsItem

from nnstudio.gui import palette

if TYPE_CHECKING:
    from nnstudio.gui.editor.scene import NetworkScene

NEURON_R = 13.0
ROW = 34.0
COLUMN_W = 2 * NEURON_R + 22
HEADER_H = 26.0
BUTTON = 20.0


def _scene(item: QGraphicsItem) -> NetworkScene:
    return item.scene()  # type: ignore[return-value]


class ColumnItem(QGraphicsItem):
    """The rounded background of one layer's column; clicking it selects the layer."""

    def __init__(self, k: int, rect: QRectF) -> None:
        super().__init__()
        self.k = k
        self._rect = rect
        self.selected = False
        self.drop_target = False
        self.setZValue(0)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        # Live training repaints the canvas every frame: unchanged items are one blit.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        theme = _scene(self).theme
        if self.drop_target:
            painter.setPen(QPen(theme.drop_indicator, 2.5, Qt.PenStyle.DashLine))
        elif self.selected:
            painter.setPen(QPen(theme.selection, 1.5))
        else:
            painter.setPen(Qt.PenStyle.NoPen)
        fill = theme.column_selected if self.selected else theme.column_fill
        painter.setBrush(fill)
        painter.drawRoundedRect(self._rect, 10, 10)

    def mousePressEvent(self, event) -> None:
        _scene(self).select(("layer", self.k))


class _Selectable(QGraphicsItem):
    """An item drawn in ``self._rect`` that shows whether it is selected (outline within MARGIN)."""

    MARGIN = 2.0
    selected = False

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def boundingRect(self) -> QRectF:
        m = self.MARGIN
        return self._rect.adjusted(-m, -m, m, m)


class HeaderItem(_Selectable):
    """A column's title ("Dense · 8 · tanh"); drag a hidden layer's header to reorder layers."""

    def __init__(self, k: int, text: str, center_x: float, y: float, movable: bool) -> None:
        super().__init__()
        self.k = k
        self.movable = movable
        self.selected = False
        self._font = QFont(QApplication.font())
        self._font.setBold(True)
        metrics = QFontMetricsF(self._font)
        self._text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, 168)
        width = metrics.horizontalAdvance(self._text) + 18
        self._rect = QRectF(-width / 2, 0, width, HEADER_H)
        self.setPos(center_x, y)
        self.setZValue(4)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        if movable:
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        self._press: QPointF | None = None
        self._dragging = False

    @property
    def text(self) -> str:
        return self._text

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        theme = _scene(self).theme
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(theme.button_fill)
        pen = QPen(theme.selection if self.selected else theme.neuron_outline)
        pen.setWidthF(1.8 if self.selected else 0.8)
        painter.setPen(pen)
        painter.drawRoundedRect(self._rect, HEADER_H / 2, HEADER_H / 2)
        painter.setFont(self._font)
        painter.setPen(theme.text)
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self._text)

    def mousePressEvent(self, event) -> None:
        self._press = event.scenePos()
        self._dragging = False
        _scene(self).select(("layer", self.k))

    def mouseMoveEvent(self, event) -> None:
        if not self.movable or self._press is None:
            return
        distance = (event.scenePos() - self._press).manhattanLength()
        if not self._dragging and distance >= QApplication.startDragDistance():
            self._dragging = True
        if self._dragging:
            _scene(self).preview_move(self.k, event.scenePos().x())

    def mouseReleaseEvent(self, event) -> None:
        if self._dragging:
            _scene(self).finish_move(self.k, event.scenePos().x())
        self._press = None
        self._dragging = False


class UnitButtonItem(QGraphicsItem):
    """A small round "+" or "-" button that adds or removes a neuron of layer ``k``."""

    def __init__(self, k: int, delta: int, center: QPointF) -> None:
        super().__init__()
        self.k = k
        self.delta = delta
        self._rect = QRectF(-BUTTON / 2, -BUTTON / 2, BUTTON, BUTTON)
        self.setPos(center)
        self.setZValue(4)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setToolTip("Add a neuron" if delta > 0 else "Remove a neuron")

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        theme = _scene(self).theme
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(theme.button_fill)
        painter.setPen(QPen(theme.neuron_outline, 0.8))
        painter.drawEllipse(self._rect)
        pen = QPen(theme.text, 2.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        h = BUTTON * 0.26
        painter.drawLine(QLineF(-h, 0, h, 0))
        if self.delta > 0:
            painter.drawLine(QLineF(0, -h, 0, h))

    def mousePressEvent(self, event) -> None:
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self.contains(event.pos()):
            _scene(self).change_units(self.k, self.delta)


class NeuronItem(_Selectable):
    """One neuron: a circle whose centre shows its bias on the diverging scale."""

    MARGIN = 3.0  # its selection outline is 3 px wide

    def __init__(self, k: int, j: int, center: QPointF, is_input: bool) -> None:
        super().__init__()
        self.k = k
        self.j = j
        self.is_input = is_input
        self.selected = False
        self.bias_t: float | None = None
        self._bias_color: QColor | None = None
        self._rect = QRectF(-NEURON_R, -NEURON_R, 2 * NEURON_R, 2 * NEURON_R)
        self.setPos(center)
        self.setZValue(3)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # see ColumnItem

    def set_bias_t(self, t: float | None) -> None:
        """The bias on the colour scale; repainted only when its colour or size shows a change."""
        if _bias_look(t) != _bias_look(self.bias_t):
            self._bias_color = None if t is None else palette.step_color(round(t * palette.STEPS))
            self.update()
        self.bias_t = t

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        theme = _scene(self).theme
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(theme.input_fill if self.is_input else theme.neuron_fill)
        if self.selected:
            painter.setPen(QPen(theme.selection, 3.0))
        else:
            painter.setPen(QPen(theme.neuron_outline, 1.2))
        painter.drawEllipse(self._rect)
        if self.bias_t is not None:
            r = _bias_look(self.bias_t)[1] / 4
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._bias_color)
            painter.drawEllipse(QPointF(0, 0), r, r)

    def mousePressEvent(self, event) -> None:
        _scene(self).select(("neuron", self.k, self.j))


def _bias_look(t: float | None) -> tuple[int, int] | None:
    """A bias dot as drawn: its colour step and its radius in quarter units."""
    if t is None:
        return None
    radius = NEURON_R * (0.25 + 0.45 * min(1.0, abs(t) ** 0.5))
    return round(t * palette.STEPS), round(4 * radius)


class LabelItem(QGraphicsItem):
    """A short text (feature or class name, or "… 244 more …") aligned left or right of a point."""

    def __init__(self, text: str, anchor: QPointF, align: str, k: int | None = None) -> None:
        super().__init__()
        self.k = k
        self._font = QFont(QApplication.font())
        size = self._font.pointSizeF()
        self._font.setPointSizeF(max(7.0, size * 0.9))
        metrics = QFontMetricsF(self._font)
        self.text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, 120)
        width = metrics.horizontalAdvance(self.text) + (10 if k is not None else 4)
        height = metrics.height()
        x = {"left": -width, "right": 0.0, "center": -width / 2}[align]
        self._rect = QRectF(x, -height / 2, width, height)
        self.setPos(anchor)
        self.setZValue(3 if k is None else 5)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        if k is None:
            self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        theme = _scene(self).theme
        if self.k is not None:  # "… N more …" sits on the lines: give it a background
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.background)
            painter.drawRoundedRect(self._rect, 4, 4)
        painter.setFont(self._font)
        painter.setPen(theme.text)
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)

    def mousePressEvent(self, event) -> None:
        if self.k is None:
            event.ignore()
        else:
            _scene(self).select(("layer", self.k))


class ConnectionsItem(QGraphicsItem):
    """Every drawn connection from one column to the next, painted in one go.

    ``k`` is the dense layer the connections feed (``W[k]``). ``src`` and ``dst`` are the drawn
    neuron indices of both columns; :meth:`set_values` recolours from a (len(src), len(dst))
    block of values without rebuilding anything (cheap enough for ~30 updates per second).
    """

    def __init__(
        self,
        k: int,
        src: np.ndarray,
        src_y: np.ndarray,
        x1: float,
        dst: np.ndarray,
        dst_y: np.ndarray,
        x2: float,
    ) -> None:
        super().__init__()
        self.k = k
        self.src = np.asarray(src)
        self.dst = np.asarray(dst)
        ii, jj = np.meshgrid(np.arange(len(src)), np.arange(len(dst)), indexing="ij")
        self._ii, self._jj = ii.ravel(), jj.ravel()
        self._y1 = np.asarray(src_y, dtype=float)[self._ii]
        self._y2 = np.asarray(dst_y, dtype=float)[self._jj]
        self._x1, self._x2 = x1 + NEURON_R, x2 - NEURON_R
        self._lines = [
            QLineF(self._x1, a, self._x2, b) for a, b in zip(self._y1, self._y2, strict=True)
        ]
        self._groups: list[tuple[QPen, list[QLineF]]] = []
        self._selected: int | None = None
        top = min(float(np.min(src_y)), float(np.min(dst_y))) - 6
        bottom = max(float(np.max(src_y)), float(np.max(dst_y))) + 6
        self._rect = QRectF(self._x1 - 3, top, self._x2 - self._x1 + 6, bottom - top)
        self.setZValue(1)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self._steps = np.zeros(len(self._lines), dtype=np.int64)  # colours come with set_values
        # Thousands of antialiased lines: drawn again only when their colours change, not
        # whenever a neuron or a picture elsewhere on the canvas does.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_values(self, block: np.ndarray | None, scale: float) -> None:
        """Recolour from ``block[i, j]`` (the drawn connections' values); ``scale``: full colour."""
        if block is None:
            steps = np.zeros(len(self._lines), dtype=np.int64)
        else:
            steps = palette.quantize(palette.value_to_t(np.asarray(block).ravel(), scale))
        if self._groups and np.array_equal(steps, self._steps):
            return  # every connection keeps its colour: nothing to repaint
        # one group per pen, strongest drawn last (on top)
        order = np.argsort(np.abs(steps) * 2 + (steps > 0), kind="stable")
        groups: list[tuple[QPen, list[QLineF]]] = []
        scene = self.scene()
        background = scene.theme.background_rgb if scene is not None else (255, 255, 255)
        sorted_steps = steps[order]
        bounds = np.flatnonzero(np.diff(sorted_steps)) + 1
        lines = self._lines
        for chunk in np.split(order, bounds):
            if len(chunk):
                pen = palette.connection_pen(int(steps[chunk[0]]), background)
                groups.append((pen, [lines[n] for n in chunk]))
        self._groups = groups
        self._steps = steps
        self.update()

    def set_selected(self, ij: tuple[int, int] | None) -> None:
        index = None
        if ij is not None:
            hits = np.flatnonzero((self.src[self._ii] == ij[0]) & (self.dst[self._jj] == ij[1]))
            index = int(hits[0]) if len(hits) else None
        if index != self._selected:
            self._selected = index
            self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for pen, lines in self._groups:
            painter.setPen(pen)
            painter.drawLines(lines)
        if self._selected is not None:
            theme = _scene(self).theme
            line = self._lines[self._selected]
            outline = QPen(theme.selection, 7.0)
            outline.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(outline)
            painter.drawLine(line)
            inner = QPen(palette.step_color(int(self._steps[self._selected])), 3.5)
            painter.setPen(inner)
            painter.drawLine(line)

    def line(self, i: int, j: int) -> QLineF:
        """The drawn line of connection ``W[k][i, j]`` (both neurons must be drawn)."""
        hits = np.flatnonzero((self.src[self._ii] == i) & (self.dst[self._jj] == j))
        if not len(hits):
            raise KeyError(f"connection ({i}, {j}) is not drawn")
        return QLineF(self._lines[int(hits[0])])

    def hit(self, pos: QPointF, tolerance: float) -> tuple[int, int] | None:
        """``(i, j)`` of the drawn connection nearest to ``pos`` within ``tolerance``."""
        x, y = pos.x(), pos.y()
        if not self._x1 - tolerance <= x <= self._x2 + tolerance or not self._lines:
            return None
        dx = self._x2 - self._x1
        t = np.clip((x - self._x1) / dx, 0.0, 1.0)
        y_on = self._y1 + (self._y2 - self._y1) * t
        # perpendicular distance to each line: |dy| * cos(angle)
        slope = (self._y2 - self._y1) / dx
        dist = np.abs(y - y_on) / np.sqrt(1.0 + slope * slope)
        n = int(np.argmin(dist))
        if dist[n] > tolerance:
            return None
        return int(self.src[self._ii[n]]), int(self.dst[self._jj[n]])

    def mousePressEvent(self, event) -> None:
        scene = _scene(self)
        ij = self.hit(event.scenePos(), scene.hit_tolerance())
        if ij is None:
            event.ignore()
            return
        scene.select(("connection", self.k, ij[0], ij[1]))


class DropIndicatorItem(QGraphicsItem):
    """A vertical bar showing where a dragged layer will land."""

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF()
        self.setZValue(10)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.hide()

    def show_at(self, x: float, top: float, bottom: float) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(x - 3, top, 6, bottom - top)
        self.show()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        theme = _scene(self).theme
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(theme.drop_indicator))
        painter.drawRoundedRect(self._rect, 3, 3)


__all__ = [
    "COLUMN_W",
    "HEADER_H",
    "NEURON_R",
    "ROW",
    "ColumnItem",
    "ConnectionsItem",
    "DropIndicatorItem",
    "HeaderItem",
    "LabelItem",
    "NeuronItem",
    "UnitButtonItem",
]
