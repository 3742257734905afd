"""The default layout at the sizes students' screens have, measured from widget geometry.

Each example is opened, trained two epochs and rendered at 1024x700, 1280x800 and 1920x1080;
the tests then measure what a student would see: a square decision boundary of at least
240 px, weight and gradient cells of at least 6 px, docks no smaller than their contents
need, and a network that fills the canvas without being cut off.
"""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF, QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QTabBar, QToolBar

from nnstudio.gui.editor.view import LEGEND_STRIP
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.plots.weights import layer_matrices

SIZES = [(1024, 700), (1280, 800), (1920, 1080)]
EXAMPLES = ["xor", "iris", "sine", "digits"]


@pytest.fixture
def open_window(qtbot, tmp_path):
    """``open_window(example, size)``: a trained window at that size, closed after the test."""
    QStandardPaths.setTestModeEnabled(True)
    made: list[MainWindow] = []

    def make(example: str, size: tuple[int, int]) -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        win = MainWindow(settings=settings)
        made.append(win)
        win.new_from_example(example)
        win.train_headless(2)
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        settle()
        return win

    yield make
    for win in made:
        win.live.shutdown()
        win.controller.undo_stack.setClean()
        win.close()


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def network_fill(win: MainWindow) -> tuple[QRectF, QRectF]:
    """The network's bounding box and the canvas viewport, both in viewport pixels."""
    view, scene = win.editor.view, win.editor.scene
    box = view.mapFromScene(scene.itemsBoundingRect()).boundingRect()
    return QRectF(box), QRectF(view.viewport().rect())


def assert_network_fits(win: MainWindow) -> None:
    box, viewport = network_fill(win)
    assert viewport.adjusted(-2, -2, 2, 2).contains(box), (box, viewport)
    fill = max(box.width() / viewport.width(), box.height() / viewport.height())
    assert fill >= 0.5, fill
    # the colour legend's strip at the bottom covers no neuron
    neurons = [item.sceneBoundingRect() for item in win.editor.scene.neurons.values()]
    lowest = max(win.editor.view.mapFromScene(r).boundingRect().bottom() for r in neurons)
    assert lowest <= viewport.height() - LEGEND_STRIP, (lowest, viewport.height())


def showing(widget) -> bool:
    """On screen: not closed, and the current tab of its group (Qt moves the others away)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def assert_docks_fit_their_contents(win: MainWindow) -> None:
    for dock in win.findChildren(QDockWidget):
        widget = dock.widget()
        if not showing(widget):
            continue  # a background tab
        # Qt's rule: an explicit minimum replaces the layout's hint in that direction.
        hint = widget.minimumSizeHint()
        need_w = widget.minimumWidth() or hint.width()
        need_h = widget.minimumHeight() or hint.height()
        assert widget.width() >= need_w, (dock.windowTitle(), widget.size(), need_w)
        assert widget.height() >= need_h, (dock.windowTitle(), widget.size(), need_h)


def assert_tab_titles_whole(win: MainWindow) -> None:
    for bar in win.findChildren(QTabBar):
        if not bar.isVisible():
            continue
        for i in range(bar.count()):
            rect = bar.tabRect(i)
            assert bar.rect().contains(rect), (bar.tabText(i), rect, bar.rect())
            needed = bar.fontMetrics().horizontalAdvance(bar.tabText(i))
            assert rect.width() >= needed, bar.tabText(i)


def assert_axis_labels_whole(win: MainWindow) -> None:
    """Every axis name on screen fits along its axis ("accuracy", never "accurac")."""
    checked = 0
    for view in win.findChildren(pg.GraphicsView):
        if not showing(view.viewport()):
            continue
        for item in view.scene().items():
            if not (isinstance(item, pg.AxisItem) and item.isVisible() and item.labelText):
                continue
            text = item.label.boundingRect().width()  # before the side axes' rotation
            room = item.height() if item.orientation in ("left", "right") else item.width()
            assert text <= room + 1, (item.labelText, text, room)
            checked += 1
    assert checked >= 4  # loss, accuracy or boundary axes are on screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("example", EXAMPLES)
def test_default_layout_is_readable(open_window, example, size):
    win = open_window(example, size)
    assert (win.width(), win.height()) == size  # nothing forced the window to grow
    for dock in win.findChildren(QDockWidget):  # the lessons' and the lab's panels too
        assert dock.isVisible() and not dock.isFloating(), dock.windowTitle()
        assert win.dockWidgetArea(dock) != Qt.DockWidgetArea.NoDockWidgetArea, dock.windowTitle()
    assert_docks_fit_their_contents(win)
    assert_tab_titles_whole(win)
    assert_axis_labels_whole(win)
    assert showing(win.properties_dock.widget())
    assert_network_fits(win)

    boundary = win.live.views.boundary
    images = example == "digits"
    assert showing(win.samples_dock.widget()) == images
    if not images:
        vb = boundary.plot.getPlotItem().getViewBox()
        assert showing(boundary)
        assert vb.width() >= 240 and vb.height() >= 240, vb.size()
        assert abs(vb.width() - vb.height()) <= 2, vb.size()
        if example != "sine":  # a plane: one scale on both axes (circles stay round)
            px, py = vb.viewPixelSize()
            assert px == pytest.approx(py, rel=0.02)

    win.weights_dock.raise_()
    settle()
    weights = win.live.views.weights
    assert showing(weights)
    snap = weights.snap
    assert snap is not None
    for images_, arrays in ((weights.w_images, snap["weights"]), (weights.g_images, snap["grads"])):
        matrices = layer_matrices(arrays)
        assert len(images_) == len(matrices)
        for img, matrix in zip(images_, matrices, strict=True):
            rect = img.sceneBoundingRect()  # the layout widget's scene is in pixels
            rows, cols = matrix.shape
            assert rect.width() / cols >= 6 and rect.height() / rows >= 6, (rect, matrix.shape)
    legend_names = [label.text for _, label in weights.norm_legend.items]
    assert legend_names == [f"layer {k + 1}" for k in range(len(weights.w_images))]


def test_network_refits_after_a_data_set_change_and_a_resize(open_window):
    win = open_window("xor", (1280, 800))
    assert_network_fits(win)
    win.data_panel.choose("digits")  # 64 inputs, 10 outputs: a much taller network
    win.editor.scene.rebuild()
    settle()
    assert_network_fits(win)
    win.resize(1920, 1080)
    settle()
    assert_network_fits(win)
    before = win.editor.view.zoom()
    win.editor.zoom_in()  # the student zooms: from now on the canvas keeps their zoom
    win.resize(1024, 700)
    settle()
    assert win.editor.view.zoom() == pytest.approx(before * 1.25)


def test_reset_layout_restores_the_default_at_the_present_size(open_window):
    win = open_window("xor", (1280, 800))
    docks = win.findChildren(QDockWidget)
    default = {d.windowTitle(): (d.geometry(), showing(d.widget())) for d in docks}
    win.loss_dock.setFloating(True)
    win.tabifyDockWidget(win.data_dock, win.boundary_dock)
    win.code_dock.close()
    win.resizeDocks([win.properties_dock], [500], Qt.Orientation.Horizontal)
    settle()
    win.reset_layout_action.trigger()
    settle()
    assert (win.width(), win.height()) == (1280, 800)
    after = {d.windowTitle(): (d.geometry(), showing(d.widget())) for d in docks}
    for title, (geometry, shown) in default.items():
        assert after[title][1] == shown, title
        if shown:  # Qt parks background tabs somewhere off screen
            assert after[title][0] == geometry, title
    bars = {bar.objectName(): bar for bar in win.findChildren(QToolBar)}
    controls, settings = bars["training_controls"], bars["training_settings"]
    assert settings.geometry().top() >= controls.geometry().bottom()  # two rows, not one
    assert controls.width() == win.width()
