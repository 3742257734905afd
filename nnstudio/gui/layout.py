"""The window's default arrangement, built for the window's current size.

Like TensorFlow Playground: data on the left (the lesson behind it), the network in the centre,
the output (decision boundary, or sample images for image data) prominent at the top right,
with the properties below it (the code and the lab's loss landscape behind them). The loss and
the weights share the space under the network: the lab's replay and race are tabs beside the
loss, the backpropagation inspector a tab beside the weights. Every group of tabs holds few
enough views that all titles are readable at 1024x700.

The same function builds the layout on start and for View > Reset Layout, so a reset gives
exactly what a new window shows, at the window's present size (never widening it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QTabBar, QToolBar, QWidget

from nnstudio.gui.widgets.wheel import focus_wheel_fields

if TYPE_CHECKING:
    from nnstudio.gui.main_window import MainWindow

#: The left column (data set) and the right column (output, properties), in pixels.
LEFT_WIDTH = 250
RIGHT_MIN_WIDTH = 330
#: The share of the width the right column takes on a large window.
RIGHT_SHARE = 0.24
#: The right column's output gets this share of its height, and at least enough for a square
#: plot of 240 px with its axes, title, tab bar and dock title.
OUTPUT_SHARE = 0.6
OUTPUT_MIN_HEIGHT = 370
#: From this centre width on, the loss and the weights are side by side instead of tabs.
SPLIT_CENTRE_WIDTH = 700
#: The share of the centre's height the network canvas gets; the loss and weights take the rest.
CANVAS_SHARE = 0.52


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: a tall panel scrolls instead of growing the window.

    Its fields take the mouse wheel only once clicked, so scrolling the panel changes no value.
    """
    focus_wheel_fields(widget)
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setMinimumHeight(60)
    return area


def arrange_default(window: MainWindow) -> None:
    """Put every dock and toolbar where a new window has them, sized for the window's size."""
    left = Qt.DockWidgetArea.LeftDockWidgetArea
    right = Qt.DockWidgetArea.RightDockWidgetArea
    bottom = Qt.DockWidgetArea.BottomDockWidgetArea
    window.setCorner(Qt.Corner.BottomLeftCorner, left)
    window.setCorner(Qt.Corner.BottomRightCorner, right)
    docks: list[QDockWidget] = window.findChildren(QDockWidget)
    standard = _standard_docks(window)
    shown = {dock: dock in standard or dock.isVisible() for dock in docks}
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        bar.hide()  # Qt shows again the ones the new arrangement uses; old ones stay hidden
    for dock in docks:  # start from nothing, so the result never depends on what was before
        dock.setFloating(False)
        window.removeDockWidget(dock)
        dock.setVisible(shown[dock])  # before tabifying, or raise_() cannot pick the tab later
    window.addDockWidget(left, window.data_dock)
    window.tabifyDockWidget(window.data_dock, window.teaching.lesson_dock)
    for dock in (window.boundary_dock, window.properties_dock):
        window.addDockWidget(right, dock, Qt.Orientation.Vertical)
    for dock in (window.samples_dock, window.confusion_dock):
        window.tabifyDockWidget(window.boundary_dock, dock)
    window.addDockWidget(bottom, window.loss_dock)
    loss_group = [window.loss_dock, *_lab_docks(window, "Replay", "Race")]
    weights_group = [window.weights_dock, window.neurons_dock, window.teaching.inspector_dock]
    if _centre_width(window) >= SPLIT_CENTRE_WIDTH:
        window.addDockWidget(bottom, window.weights_dock, Qt.Orientation.Horizontal)
        _tabify(window, loss_group)
        _tabify(window, weights_group)
    else:  # too narrow for two readable plots side by side: tabs with whole titles
        _tabify(window, [*loss_group, *weights_group])
    _tabify(window, [window.properties_dock, window.code_dock, *_lab_docks(window, "Landscape")])
    for dock in docks:  # docks added by other parts of the window go beside the weights
        if dock not in standard:
            window.tabifyDockWidget(window.weights_dock, dock)
    window.weights_dock.raise_()
    for dock in (window.data_dock, window.boundary_dock, window.properties_dock, window.loss_dock):
        dock.raise_()
    window.raise_output_view()
    _arrange_toolbars(window)
    size_docks(window)


def _tabify(window: MainWindow, group: list[QDockWidget]) -> None:
    """The docks of ``group`` as tabs of the first one's place, in this order."""
    for dock in group[1:]:
        window.tabifyDockWidget(group[0], dock)


def _lab_docks(window: MainWindow, *titles: str) -> list[QDockWidget]:
    return [dock for dock in window.lab_docks if dock.windowTitle() in titles]


def _standard_docks(window: MainWindow) -> list[QDockWidget]:
    return [
        window.data_dock,
        window.boundary_dock,
        window.samples_dock,
        window.confusion_dock,
        window.properties_dock,
        window.code_dock,
        window.loss_dock,
        window.weights_dock,
        window.neurons_dock,
        window.teaching.lesson_dock,
        window.teaching.inspector_dock,
        *window.lab_docks,
    ]


def _arrange_toolbars(window: MainWindow) -> None:
    """The training controls on one row, the training settings on the row below."""
    bars = window.findChildren(QToolBar)
    names = {bar.objectName(): bar for bar in bars}
    controls, settings = names.get("training_controls"), names.get("training_settings")
    if controls is None or settings is None:
        return
    top = Qt.ToolBarArea.TopToolBarArea
    for bar in (controls, settings):
        bar.show()
        window.removeToolBarBreak(bar)
    window.addToolBar(top, controls)
    window.addToolBar(top, settings)
    window.insertToolBarBreak(settings)


def _right_width(window: MainWindow) -> int:
    return max(RIGHT_MIN_WIDTH, int(window.width() * RIGHT_SHARE))


def _centre_width(window: MainWindow) -> int:
    return window.width() - LEFT_WIDTH - _right_width(window)


def size_docks(window: MainWindow) -> None:
    """Column widths and row heights as shares of the window's size."""
    height = window.height()
    right_width = _right_width(window)
    window.resizeDocks(
        [window.data_dock, window.boundary_dock],
        [LEFT_WIDTH, right_width],
        Qt.Orientation.Horizontal,
    )
    docks_height = max(300, height - 190)
    output = min(max(OUTPUT_MIN_HEIGHT, int(docks_height * OUTPUT_SHARE)), docks_height - 120)
    window.resizeDocks(
        [window.boundary_dock, window.properties_dock],
        [output, docks_height - output],
        Qt.Orientation.Vertical,
    )
    window.resizeDocks(
        [window.loss_dock], [int(docks_height * (1 - CANVAS_SHARE))], Qt.Orientation.Vertical
    )
    centre = _centre_width(window)
    if window.weights_dock in window.tabifiedDockWidgets(window.loss_dock):
        return
    window.resizeDocks(
        [window.loss_dock, window.weights_dock],
        [centre // 2, centre // 2],
        Qt.Orientation.Horizontal,
    )
