"""Feature crosses in the window: check boxes in the data panel, input nodes on the canvas."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from nnstudio import examples, live
from nnstudio.document.edits import SetFeatures
from nnstudio.engine.features import NAMES
from nnstudio.gui.editor import NetworkEditor
from nnstudio.gui.undo import DocumentController


def boxes(win):
    return win.data_panel.crosses.boxes


def input_labels(win) -> list[str]:
    """The labels drawn left of the input column, top to bottom."""
    scene = win.editor.scene
    scene.sync()
    x_input = scene.columns[0].x
    left = [label for label in scene.labels if label.pos().x() < x_input]
    return [label.text for label in sorted(left, key=lambda item: item.pos().y())]


def click(qtbot, box) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())


def test_a_click_adds_an_input_node_and_undo_takes_it_away(qtbot, open_window):
    win = open_window(examples.example("xor"))
    group = win.data_panel.crosses
    assert group.isVisibleTo(win) and [b.text() for b in group.boxes.values()] == [
        "x1²",
        "x2²",
        "x1·x2",
        "sin(x1)",
        "sin(x2)",
    ]
    steps = win.controller.undo_stack.count()
    click(qtbot, boxes(win)["x1_times_x2"])
    click(qtbot, boxes(win)["sin_x1"])
    doc = win.controller.document
    assert doc.network["features"] == ["x1_times_x2", "sin_x1"]
    assert win.controller.undo_stack.count() == steps + 2  # one undo step per click
    qtbot.waitUntil(lambda: input_labels(win) == ["x1", "x2", "x1·x2", "sin(x1)"])
    assert win.editor.scene.headers[0].text == "Input · 4"
    win.controller.undo()
    assert doc.network["features"] == ["x1_times_x2"]
    assert not boxes(win)["sin_x1"].isChecked() and boxes(win)["x1_times_x2"].isChecked()
    qtbot.waitUntil(lambda: input_labels(win) == ["x1", "x2", "x1·x2"])


def test_the_window_trains_the_crossed_network_as_nnstudio_train_does(qtbot, open_window):
    win = open_window(examples.example("circle"))
    for name in NAMES:
        click(qtbot, boxes(win)[name])
    assert win.controller.document.weights is None  # each switch starts training afresh
    headless = win.controller.document.copy()
    win.live.trainer.step_epoch()
    qtbot.waitUntil(lambda: win.controller.document.epochs == 1, timeout=20_000)
    doc = win.controller.document
    assert doc.weights[0].shape == (7, doc.network["layers"][0]["units"])
    live.train(headless, epochs=1)
    for a, b in zip(doc.weights, headless.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_a_data_set_with_more_features_removes_the_crosses_and_hides_the_group(qtbot, open_window):
    win = open_window(examples.example("xor"))
    click(qtbot, boxes(win)["x1_squared"])
    panel = win.data_panel
    panel.chooser.setCurrentIndex(panel.chooser.findData("iris"))
    doc = win.controller.document
    assert doc.network["inputs"] == 4 and doc.network["features"] == []
    assert not panel.crosses.isVisibleTo(win)
    win.controller.undo()  # the data-set change and the crosses' removal are one step
    assert doc.network["inputs"] == 2 and doc.network["features"] == ["x1_squared"]
    assert panel.crosses.isVisibleTo(win) and boxes(win)["x1_squared"].isChecked()


def test_a_selected_cross_node_explains_itself(qtbot, open_window):
    win = open_window(examples.example("xor"))
    click(qtbot, boxes(win)["x2_squared"])
    qtbot.waitUntil(lambda: len(win.editor.scene.columns[0].shown) == 3)
    win.editor.scene.select(("neuron", -1, 2))
    assert "x2²" in win.properties.input_title.text()
    assert "feature cross" in win.properties.input_title.text()


# ------------------------------------------------------------------------ on the canvas
@pytest.fixture
def editor(qtbot):
    widget = NetworkEditor(DocumentController(examples.example("xor")))
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.scene.sync()
    widget.view.set_zoom(1.5)
    widget.view.centerOn(widget.scene.columns[0].x, widget.scene.columns[0].bottom)
    return widget


def click_scene(qtbot, editor, scene_pos: QPointF) -> None:
    viewport = editor.view.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=editor.view.mapFromScene(scene_pos))
    editor.scene.sync()


def greyed(editor) -> dict[str, object]:
    return {item.label: item for item in editor.scene.cross_toggles}


def test_a_greyed_node_on_the_canvas_adds_its_cross_and_delete_removes_it(qtbot, editor):
    doc = editor.controller.document
    assert list(greyed(editor)) == ["x1²", "x2²", "x1·x2", "sin(x1)", "sin(x2)"]
    assert "Add the feature cross sin(x1)" in editor.scene.tooltip_at(
        greyed(editor)["sin(x1)"].pos()
    )
    click_scene(qtbot, editor, greyed(editor)["sin(x1)"].pos())
    assert doc.network["features"] == ["sin_x1"]
    assert list(greyed(editor)) == ["x1²", "x2²", "x1·x2", "sin(x2)"]  # one node moved up
    assert editor.scene.tooltip_at(editor.scene.neuron_pos(-1, 2)) == "Input 3: sin(x1)"
    click_scene(qtbot, editor, editor.scene.neuron_pos(-1, 2))
    assert editor.selection() == ("neuron", -1, 2)
    qtbot.keyClick(editor.view, Qt.Key.Key_Delete)
    editor.scene.sync()
    assert doc.network["features"] == []
    assert len(greyed(editor)) == 5
    editor.controller.undo()
    editor.scene.sync()
    assert doc.network["features"] == ["sin_x1"] and len(greyed(editor)) == 4


def test_no_greyed_nodes_for_a_network_of_other_than_two_inputs(qtbot):
    widget = NetworkEditor(DocumentController(examples.example("iris")))
    qtbot.addWidget(widget)
    widget.scene.sync()
    assert widget.scene.cross_toggles == []


def test_the_input_layers_properties_list_the_crosses(qtbot, open_window):
    win = open_window(examples.example("xor"))
    win.editor.scene.select(("layer", -1))
    assert "greyed nodes" in win.properties.input_info.text()
    click(qtbot, boxes(win)["x1_squared"])
    assert "Feature crosses in use: x1²." in win.properties.input_info.text()


def test_swapping_one_cross_for_another_relabels_the_canvas(qtbot, editor):
    """Same width, other crosses: the canvas is redrawn, not only recoloured."""
    editor.controller.push(SetFeatures(("x1_squared",)))
    editor.scene.sync()
    editor.controller.push(SetFeatures(("sin_x1",)))
    editor.scene.sync()
    assert editor.scene.tooltip_at(editor.scene.neuron_pos(-1, 2)) == "Input 3: sin(x1)"
    assert "sin(x1)" not in greyed(editor) and "x1²" in greyed(editor)


@pytest.mark.parametrize("example", ["spiral", "pass_class"])
def test_the_crosses_never_widen_the_data_panel_at_1024x700(qtbot, open_window, example):
    """Long feature names ("lectures_attended·project_hours") once pushed the whole panel wider
    than its dock: the noise, points and validation values were cut off at the right edge."""
    from PySide6.QtWidgets import QApplication

    win = open_window(examples.example(example))
    win.resize(1024, 700)
    win.reset_layout_action.trigger()
    panel = win.data_panel
    click(qtbot, boxes(win)["x1_times_x2"])
    for _ in range(3):
        QApplication.processEvents()
    area = win.data_dock.widget()
    assert area.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways to
    assert panel.width() <= area.viewport().width()
    group = panel.crosses
    for name, box in group.boxes.items():
        assert group.rect().contains(box.geometry()), name  # every box whole inside the group
        label = group._labels[name]
        assert box.text() == label or box.text().endswith("…"), (box.text(), label)
        assert box.toolTip().startswith(f"{label}: ")  # the whole name is one hover away
    assert boxes(win)["x1_times_x2"].isChecked()


def test_short_names_keep_three_columns_and_long_names_take_rows(qtbot, open_window):
    win = open_window(examples.example("xor"))
    group = win.data_panel.crosses
    group.resize(400, group.height())
    group._arrange()
    assert group._columns == 3 and all(not b.text().endswith("…") for b in boxes(win).values())
    win.data_panel.choose("pass_class")  # lectures_attended, project_hours
    group.resize(230, group.height())
    group._arrange()
    assert group._columns == 1
    shortened = boxes(win)["x1_times_x2"].text()
    assert shortened.startswith("lectures_attended") and shortened.endswith("…")
