"""The editor's toolbox: drag a "Dense layer" or a "Neuron" onto the canvas; colour and zoom."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QDrag, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from nnstudio.gui.editor.scene import mime_data

#: Keys that activate a focused toolbox item.
ACTIVATING_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)


class DragButton(QToolButton):
    """A toolbox item: drag it onto the canvas, or click it."""

    def __init__(self, text: str, kind: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setText(text)
        self.setToolTip(tooltip)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._press: QPoint | None = None

    def make_drag(self) -> QDrag:
        """The ``QDrag`` this item starts (its mime data names the kind)."""
        drag = QDrag(self)
        drag.setMimeData(mime_data(self.kind))
        drag.setPixmap(self.grab())
        drag.setHotSpot(QPoint(self.width() // 2, self.height() // 2))
        return drag

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            moved = (event.position().toPoint() - self._press).manhattanLength()
            if moved >= QApplication.startDragDistance():
                self._press = None
                self.setDown(False)
                self.make_drag().exec(Qt.DropAction.CopyAction)
                return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def event(self, event: QEvent) -> bool:
        """A focused item takes Space and Enter itself: Space would otherwise start training."""
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in ACTIVATING_KEYS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()  # adds at the end, as a click does
            return
        super().keyPressEvent(event)


class EditorToolbox(QWidget):
    """A horizontal bar: [Dense layer] [Neuron] | Colour by [Weights|Gradients] | [-] [+] [Fit].

    Signals: ``colorModeChanged(str)`` ("weights" or "gradients"), ``zoomRequested(str)``
    ("in", "out", "fit"). The drag items' ``clicked`` signals are the editor's to handle.
    """

    colorModeChanged = Signal(str)
    zoomRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        self.dense_button = DragButton(
            "▮ Dense layer",
            "dense",
            "Drag onto the canvas, between two layers, to insert a dense layer there "
            "(click: add one after the last hidden layer)",
        )
        self.neuron_button = DragButton(
            "● Neuron",
            "neuron",
            "Drag onto a hidden layer to add a neuron (click: add one to the selected layer)",
        )
        layout.addWidget(self.dense_button)
        layout.addWidget(self.neuron_button)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        layout.addWidget(QLabel("Colour by"))
        self.color_combo = QComboBox()
        self.color_combo.addItem("Weights", "weights")
        self.color_combo.addItem("Gradients", "gradients")
        self.color_combo.setToolTip(
            "Connections: blue positive, orange negative, grey near zero; width shows size"
        )
        self.color_combo.currentIndexChanged.connect(
            lambda _i: self.colorModeChanged.emit(self.color_combo.currentData())
        )
        layout.addWidget(self.color_combo)
        layout.addStretch(1)
        for text, what, tip in (
            ("−", "out", "Zoom out (Ctrl+wheel)"),
            ("+", "in", "Zoom in (Ctrl+wheel)"),
            ("Fit", "fit", "Show the whole network"),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(lambda _checked=False, w=what: self.zoomRequested.emit(w))
            layout.addWidget(button)

    def set_color_mode(self, mode: str) -> None:
        index = self.color_combo.findData(mode)
        if index >= 0:
            self.color_combo.setCurrentIndex(index)
