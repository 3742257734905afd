"""The network canvas's view: zoom (Ctrl+wheel), pan (drag the background), keys, legend."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QKeyEvent, QLinearGradient, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from nnstudio.gui import palette
from nnstudio.gui.editor.scene import NetworkScene
from nnstudio.gui.numbers import fmt

MIN_ZOOM = 0.05
MAX_ZOOM = 4.0
ZOOM_STEP = 1.25


class NetworkView(QGraphicsView):
    """Shows a :class:`NetworkScene`. Delete removes the selection; + / - add or remove neurons."""

    def __init__(self, scene: NetworkScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self._scene = scene
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        # full updates: the legend stays put while the scene scrolls
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self.setMinimumSize(320, 220)
        self._fitted = False
        self.setBackgroundBrush(scene.theme.background)

    # ------------------------------------------------------------ zoom

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = min(max(factor, MIN_ZOOM), MAX_ZOOM)
        current = self.zoom()
        if current > 0 and abs(factor - current) > 1e-9:
            self.scale(factor / current, factor / current)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def zoom_fit(self) -> None:
        """Show the whole network (never magnified beyond 100 %)."""
        rect = self._scene.sceneRect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.0:
            self.set_zoom(1.0)
            self.centerOn(rect.center())
        self._fitted = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted:
            self.zoom_fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.set_zoom(self.zoom() * ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)

    # ------------------------------------------------------------ keys

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        if plain and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._scene.delete_selected()
        elif plain and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self._scene.change_selected_units(1)
        elif plain and key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self._scene.change_selected_units(-1)
        elif plain and key == Qt.Key.Key_Escape:
            self._scene.select(None)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ------------------------------------------------------------ legend

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        """A small colour legend in the bottom-left corner of the viewport."""
        theme = self._scene.theme
        painter.save()
        painter.resetTransform()
        vp = self.viewport().rect()
        w, h = 150.0, 10.0
        x0, y0 = 12.0, vp.height() - 30.0
        grad = QLinearGradient(QPointF(x0, 0), QPointF(x0 + w, 0))
        for n in range(9):
            t = -1.0 + n / 4.0
            grad.setColorAt(n / 8.0, palette.diverging_color(t))
        back = QColor(theme.background)
        back.setAlpha(215)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(back)
        painter.drawRoundedRect(QRectF(x0 - 6, y0 - 20, 300, h + 28), 5, 5)
        painter.setPen(theme.neuron_outline)
        painter.setBrush(grad)
        painter.drawRoundedRect(QRectF(x0, y0, w, h), 3, 3)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        painter.setPen(theme.text)
        what = "gradient" if self._scene.color_mode() == "gradients" else "weight"
        if what == "gradient" and self._scene.gradients() is None:
            label = "gradients: none yet (train or check gradients)"
        else:
            label = f"{what}: −{fmt(self._scene.scale)}  0  +{fmt(self._scene.scale)}"
        painter.drawText(QPointF(x0, y0 - 5), label)
        painter.restore()
