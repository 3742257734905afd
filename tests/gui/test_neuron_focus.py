"""Clicking a neuron's picture on the canvas opens it large, with axes, a colour bar and a note.

Driven in the real window like a student: a mouse click on the picture in the canvas, then
"Step epoch" to see the large picture follow the training. Values are checked against the
worker's own maps (and weights, for images).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.examples import example
from nnstudio.gui.editor.pictures import layer_scale
from nnstudio.gui.training import RUNNING


def click_picture(qtbot, win, k: int, j: int) -> None:
    """Click the centre of neuron (k, j)'s picture on the canvas."""
    win.live.refresh_views()  # the pictures of the latest snapshot are on the canvas
    item = win.editor.pictures.items[(k, j)]
    view = win.editor.view
    view.ensureVisible(item)
    point = view.mapFromScene(item.sceneBoundingRect().center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def axis_label(focus, name: str) -> str:
    return focus.view.plot.getPlotItem().getAxis(name).labelText


def test_a_clicked_picture_opens_large_with_axes_colour_bar_and_held_features(qtbot, open_window):
    win = open_window(example("iris"))
    click_picture(qtbot, win, 0, 2)
    focus = win.neuron_focus
    assert focus.isVisible() and focus.view.image.isVisible()
    assert win.editor.selection() == ("neuron", 0, 2)  # the click also selects the neuron
    assert focus.windowTitle().startswith("Layer 1, neuron 3")
    maps = win.live.trainer.latest["neuron_maps"][0]
    np.testing.assert_array_equal(focus.view.values, maps[2])
    s = layer_scale(maps)
    assert focus.view.levels == pytest.approx((-s, s))
    assert focus.view.bar.levels() == pytest.approx((-s, s))
    # the two features of the Boundary view in their own units, the other two named
    assert axis_label(focus, "bottom") == "petal length (cm)"
    assert axis_label(focus, "left") == "petal width (cm)"
    assert focus.view.note.text() == (
        "The other features are held at their means: sepal length (cm), sepal width (cm)."
    )
    x0, x1, y0, y1 = win.live.trainer.latest["extent"]
    rect = focus.view.image.mapRectToParent(focus.view.image.boundingRect())
    assert rect.left() == pytest.approx(x0) and rect.right() == pytest.approx(x1)
    assert rect.top() == pytest.approx(y0) and rect.bottom() == pytest.approx(y1)


def test_the_large_picture_follows_training_and_another_click(qtbot, open_window):
    win = open_window(example("xor"))
    click_picture(qtbot, win, 0, 4)
    focus = win.neuron_focus
    before = focus.view.values.copy()
    win.live.controls.step_epoch_action.trigger()
    trainer = win.live.trainer
    qtbot.waitUntil(
        lambda: trainer.latest["epoch"] >= 1 and trainer.state != RUNNING, timeout=20_000
    )
    qtbot.waitUntil(
        lambda: np.array_equal(focus.view.values, trainer.latest["neuron_maps"][0][4]),
        timeout=5_000,
    )
    assert not np.array_equal(focus.view.values, before)  # it learned, and the picture shows it
    assert "plane of the two inputs" in focus.view.note.text()
    # the output neuron: a probability, grey at one half
    click_picture(qtbot, win, 1, 0)
    assert focus.windowTitle().startswith("Layer 2, neuron 1 (output)")
    np.testing.assert_array_equal(focus.view.values, win.live.trainer.latest["output_maps"][0])
    assert focus.view.levels == (0.0, 1.0)
    assert focus.view.bar.axis.labelText == "probability"


def test_an_image_networks_first_layer_neuron_opens_as_its_weights(qtbot, open_window):
    win = open_window(example("digits"))
    click_picture(qtbot, win, 0, 1)
    focus = win.neuron_focus
    W = np.asarray(win.live.trainer.latest["weights"][0])
    np.testing.assert_array_equal(focus.view.values, W[:, 1].reshape(8, 8).astype(np.float32))
    assert focus.view.plot.getPlotItem().getViewBox().yInverted()  # pixel row 0 at the top
    assert axis_label(focus, "bottom") == "pixel column"
    assert focus.view.bar.axis.labelText == "weight"
    assert "the pattern it looks for" in focus.view.note.text()


def test_the_window_closes_when_its_neuron_is_removed(qtbot, open_window):
    win = open_window(example("xor"))
    click_picture(qtbot, win, 0, 7)
    assert win.neuron_focus.isVisible()
    win.editor.select(("neuron", 0, 7))
    win.delete_action.trigger()  # the layer now has 7 neurons: neuron 8 is gone
    qtbot.waitUntil(lambda: not win.neuron_focus.isVisible(), timeout=10_000)


def test_escape_closes_the_large_picture(qtbot, open_window):
    win = open_window(example("xor"))
    click_picture(qtbot, win, 1, 0)
    focus = win.neuron_focus
    assert focus.isVisible()
    focus.activateWindow()
    qtbot.waitUntil(focus.isActiveWindow)
    qtbot.keyClick(focus, Qt.Key.Key_Escape)
    assert not focus.isVisible()
    assert win.isVisible()  # only the picture's window closed
