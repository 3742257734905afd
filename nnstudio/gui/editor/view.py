"""The network canvas's view: zoom (Ctrl+wheel), pan (drag the background), keys, legend."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QLinearGradient, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from nnstudio.document import edits
from nnstudio.engine.spec import parameter_count
from nnstudio.gui import palette
from nnstudio.gui.editor import keyboard
from nnstudio.gui.editor.scene import NetworkScene
from nnstudio.gui.numbers import fmt

MIN_ZOOM = 0.05
MAX_ZOOM = 4.0
#: Fitting magnifies a small network up to this much, so XOR fills a large window too.
MAX_FIT_ZOOM = 3.0
#: Viewport pixels at the bottom kept for the colour legend and the parameter count.
LEGEND_STRIP = 44
ZOOM_STEP = 1.25


class NetworkView(QGraphicsView):
    """Shows a :class:`NetworkScene`. Delete removes the selection; + / - add or remove neurons;
    arrows move the selection, Insert adds a layer after it, Enter asks for its properties.
    """

    propertiesRequested = Signal()

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
        # Until the student zooms, the network is fitted whenever it or the window changes.
        self.follow_fit = True
        scene.sceneRectChanged.connect(self._refit)
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
        self.follow_fit = False
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.follow_fit = False
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def zoom_fit(self) -> None:
        """Show the whole network as large as the viewport allows, and follow it from now on."""
        self.follow_fit = True
        rect = self._scene.sceneRect()
        if rect.isEmpty():
            return
        # The legend's strip at the bottom stays free, so it never covers the lowest neurons.
        vp = self.viewport().rect()
        width, height = vp.width() - 8, vp.height() - LEGEND_STRIP - 8
        if width <= 0 or height <= 0:
            return
        factor = min(width / rect.width(), height / rect.height(), MAX_FIT_ZOOM)
        self.set_zoom(factor)
        self._extend_for_legend()
        self.centerOn(self.sceneRect().center())
        self._fitted = True

    def _extend_for_legend(self) -> None:
        """The view scrolls over the scene plus a strip below it, the legend's place."""
        strip = LEGEND_STRIP / max(self.zoom(), MIN_ZOOM)
        self.setSceneRect(self._scene.sceneRect().adjusted(0, 0, 0, strip))

    def _refit(self) -> None:
        if self.follow_fit and self.isVisible():
            self.zoom_fit()
        else:
            self._extend_for_legend()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted or self.follow_fit:
            self.zoom_fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._refit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.follow_fit = False
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
        elif plain and key in keyboard.ARROWS:
            sizes = edits.layer_sizes(self._scene._controller.document.network)
            self._scene.select(keyboard.next_selection(self._scene.selection(), key, sizes))
            self._show_selection()
        elif plain and key == Qt.Key.Key_Insert:
            hidden = edits.hidden_count(self._scene._controller.document.network)
            self._scene.insert_layer(keyboard.insert_position(self._scene.selection(), hidden))
        elif plain and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._scene.selection() is not None:
                self.propertiesRequested.emit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _show_selection(self) -> None:
        """Keep the keyboard's selection in view (the network may be zoomed in)."""
        sel = self._scene.selection()
        if sel is not None and sel[0] == "neuron":
            item = self._scene.neurons.get((sel[1], sel[2]))
            if item is not None:
                self.ensureVisible(item.sceneBoundingRect(), 20, 20)

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
        self._draw_parameter_count(painter, vp.width(), vp.height())
        painter.restore()

    def parameter_label(self) -> str | None:
        """ "33 parameters": how many numbers training adjusts (as `nnstudio info` says)."""
        network = self._scene._controller.document.network
        layers = [{"use_bias": True, **layer} for layer in network["layers"]]
        try:
            return f"{parameter_count({**network, 'layers': layers}):,} parameters"
        except (KeyError, TypeError, ValueError):
            return None

    def _draw_parameter_count(self, painter: QPainter, width: int, height: int) -> None:
        """The parameter count in the bottom-right corner, always current."""
        text = self.parameter_label()
        if text is None:
            return
        metrics = painter.fontMetrics()
        x = width - metrics.horizontalAdvance(text) - 12
        painter.drawText(QPointF(x, height - 12), text)
