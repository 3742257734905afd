"""The network canvas driven as a user would: clicks, drags, drops, keys, undo/redo."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QHelpEvent,
    QKeySequence,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication

from nnstudio.document import Document
from nnstudio.document import edits as E
from nnstudio.gui.editor import NetworkEditor, mime_data
from nnstudio.gui.editor.items import ConnectionsItem, UnitButtonItem
from nnstudio.gui.numbers import fmt
from nnstudio.gui.undo import DocumentController


def xor_document() -> Document:
    return Document(
        network={
            "inputs": 2,
            "layers": [
                {"units": 8, "activation": "tanh"},
                {"units": 8, "activation": "tanh"},
                {"units": 1, "activation": "sigmoid"},
            ],
            "loss": "binary_crossentropy",
            "optimizer": {"name": "sgd", "learning_rate": 0.03},
            "seed": 0,
        }
    )


def big_document(hidden: int = 12, units: int = 256) -> Document:
    layers = [{"units": units, "activation": "relu"} for _ in range(hidden)]
    layers.append({"units": 10, "activation": "softmax"})
    return Document(
        network={
            "inputs": 784,
            "layers": layers,
            "loss": "categorical_crossentropy",
            "optimizer": {"name": "adam"},
            "seed": 1,
        }
    )


@pytest.fixture
def editor(qtbot):
    controller = DocumentController(xor_document())
    widget = NetworkEditor(controller)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.scene.sync()
    widget.view.set_zoom(1.0)
    widget.view.centerOn(widget.scene.sceneRect().center())
    return widget


def units(editor) -> list[int]:
    return [layer["units"] for layer in editor.controller.document.network["layers"]]


def viewport_point(editor, scene_pos: QPointF) -> QPoint:
    return editor.view.mapFromScene(scene_pos)


def click(qtbot, editor, scene_pos: QPointF) -> None:
    qtbot.mouseClick(
        editor.view.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point(editor, scene_pos)
    )
    editor.scene.sync()


def drop(editor, kind: str, scene_pos: QPointF) -> bool:
    """Drag ``kind`` from the toolbox over the canvas and drop it at ``scene_pos`` (real events)."""
    mime = mime_data(kind)
    pos = viewport_point(editor, scene_pos)
    viewport = editor.view.viewport()
    copy, left, none = (
        Qt.DropAction.CopyAction,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(pos, copy, mime, left, none)
    QApplication.sendEvent(viewport, enter)
    move = QDragMoveEvent(pos, copy, mime, left, none)
    QApplication.sendEvent(viewport, move)
    event = QDropEvent(QPointF(pos), copy, mime, left, none)
    QApplication.sendEvent(viewport, event)
    editor.scene.sync()
    return event.isAccepted()


def header_pos(editor, k: int) -> QPointF:
    header = editor.scene.headers[k + 1]
    return header.mapToScene(header.boundingRect().center())


def button_pos(editor, k: int, delta: int) -> QPointF:
    for item in editor.scene.buttons:
        if isinstance(item, UnitButtonItem) and item.k == k and item.delta == delta:
            return item.scenePos()
    raise AssertionError(f"no {delta:+d} button on layer {k}")


def test_canvas_draws_the_document(editor):
    scene = editor.scene
    assert [h.text for h in scene.headers] == [
        "Input · 2",
        "Dense · 8 · tanh",
        "Dense · 8 · tanh",
        "Output · 1 · sigmoid",
    ]
    assert len(scene.neurons) == 2 + 8 + 8 + 1
    assert [len(item._lines) for item in scene.connections] == [16, 64, 8]
    # columns left to right, input on the left
    xs = [col.x for col in scene.columns]
    assert xs == sorted(xs)
    # +/- buttons on hidden layers only (the output follows the task)
    assert sorted({(b.k, b.delta) for b in scene.buttons}) == [(0, -1), (0, 1), (1, -1), (1, 1)]


def test_input_names_are_shown(editor):
    editor.set_input_names(["lectures", "hours"])
    editor.scene.sync()
    texts = {label.text for label in editor.scene.labels}
    assert {"lectures", "hours"} <= texts


def test_drag_dense_layer_between_two_layers(editor):
    scene = editor.scene
    gap = QPointF(scene.gap_x(1), scene.columns[1].ys[3])  # between hidden 0 and hidden 1
    assert drop(editor, "dense", gap)
    layers = editor.controller.document.network["layers"]
    assert [lay["units"] for lay in layers] == [8, 8, 8, 1]
    assert layers[1]["activation"] == "relu"
    assert [h.text for h in scene.headers][2] == "Dense · 8 · relu"
    assert editor.selection() == ("layer", 1)
    # dropping at the far right appends after the last hidden layer
    right = QPointF(scene.columns[-1].x + 150, scene.columns[-1].ys[0])
    assert drop(editor, "dense", right)
    assert len(editor.controller.document.network["layers"]) == 5
    assert editor.controller.document.network["layers"][3]["activation"] == "relu"
    assert editor.controller.document.network["layers"][4]["activation"] == "sigmoid"
    # one undo step per drop
    editor.controller.undo()
    editor.controller.undo()
    editor.scene.sync()
    assert units(editor) == [8, 8, 1]


def test_drag_shows_indicator_and_ignores_foreign_data(editor):
    scene = editor.scene
    pos = viewport_point(editor, QPointF(scene.gap_x(2), scene.columns[1].ys[0]))
    mime = mime_data("dense")
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(editor.view.viewport(), QDragEnterEvent(pos, *args))
    move = QDragMoveEvent(pos, *args)
    QApplication.sendEvent(editor.view.viewport(), move)
    assert move.isAccepted()
    assert scene._indicator.isVisible()
    from PySide6.QtCore import QMimeData

    text = QMimeData()
    text.setText("hello")
    foreign = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        text,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(editor.view.viewport(), foreign)
    assert not foreign.isAccepted()
    assert units(editor) == [8, 8, 1]


def test_drag_neuron_onto_a_layer(editor):
    scene = editor.scene
    assert drop(editor, "neuron", QPointF(scene.columns[2].x, scene.columns[2].ys[4]))
    assert units(editor) == [8, 9, 1]
    # not onto the input layer (it follows the data set) nor the automatic output layer
    assert not drop(editor, "neuron", QPointF(scene.columns[0].x, scene.columns[0].ys[0]))
    assert not drop(editor, "neuron", QPointF(scene.columns[3].x, scene.columns[3].ys[0]))
    assert units(editor) == [8, 9, 1]


def test_plus_minus_buttons(qtbot, editor):
    click(qtbot, editor, button_pos(editor, 0, +1))
    assert units(editor) == [9, 8, 1]
    click(qtbot, editor, button_pos(editor, 1, -1))
    assert units(editor) == [9, 7, 1]
    assert editor.controller.document.weights is None
    assert editor.controller.undo_stack.count() == 2


def test_keys_on_selected_layer_and_neuron(qtbot, editor):
    click(qtbot, editor, header_pos(editor, 0))
    assert editor.selection() == ("layer", 0)
    qtbot.keyClick(editor.view, Qt.Key.Key_Plus)
    editor.scene.sync()
    assert units(editor) == [9, 8, 1]
    qtbot.keyClick(editor.view, Qt.Key.Key_Minus)
    qtbot.keyClick(editor.view, Qt.Key.Key_Minus)
    editor.scene.sync()
    assert units(editor) == [7, 8, 1]
    # a neuron: Delete removes one unit of its layer
    click(qtbot, editor, editor.scene.neuron_pos(1, 7))
    assert editor.selection() == ("neuron", 1, 7)
    qtbot.keyClick(editor.view, Qt.Key.Key_Delete)
    editor.scene.sync()
    assert units(editor) == [7, 7, 1]
    assert editor.selection() == ("neuron", 1, 6)
    # a layer: Delete removes it
    click(qtbot, editor, header_pos(editor, 1))
    qtbot.keyClick(editor.view, Qt.Key.Key_Delete)
    editor.scene.sync()
    assert units(editor) == [7, 1]
    assert editor.selection() is None


def test_refused_edits_report_a_message(qtbot, editor):
    messages = []
    editor.message.connect(messages.append)
    click(qtbot, editor, header_pos(editor, 2))  # the output layer
    assert editor.selection() == ("layer", 2)
    qtbot.keyClick(editor.view, Qt.Key.Key_Delete)
    assert messages and "output layer" in messages[-1]
    for _ in range(7):
        qtbot.keyClick(editor.view, Qt.Key.Key_Minus)  # nothing happens on the output layer
    editor.scene.sync()
    assert units(editor) == [8, 8, 1]
    click(qtbot, editor, header_pos(editor, 0))
    for _ in range(8):
        qtbot.keyClick(editor.view, Qt.Key.Key_Minus)
    editor.scene.sync()
    assert units(editor)[0] == 1
    assert "1 to 1024" in messages[-1]


def test_undo_redo_with_shortcuts(qtbot, editor):
    undo = editor.controller.create_undo_action(editor)
    redo = editor.controller.create_redo_action(editor)
    editor.addAction(undo)
    editor.addAction(redo)
    assert redo.shortcuts()[0] == QKeySequence("Ctrl+Shift+Z")
    editor.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    editor.view.setFocus()
    click(qtbot, editor, button_pos(editor, 0, +1))
    assert units(editor) == [9, 8, 1]
    qtbot.keyClick(editor.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    editor.scene.sync()
    assert units(editor) == [8, 8, 1]
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(editor.view, Qt.Key.Key_Z, ctrl_shift)
    editor.scene.sync()
    assert units(editor) == [9, 8, 1]
    assert [h.text for h in editor.scene.headers][1] == "Dense · 9 · tanh"


def test_drag_header_reorders_layers(qtbot, editor):
    editor.controller.push(E.SetLayerProperty(0, "activation", "relu"))
    editor.scene.sync()
    viewport = editor.view.viewport()
    start = viewport_point(editor, header_pos(editor, 0))
    scene = editor.scene
    end = viewport_point(editor, QPointF(scene.columns[2].x + 60, header_pos(editor, 0).y()))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for t in np.linspace(0, 1, 6)[1:]:
        qtbot.mouseMove(viewport, start + (end - start) * t)
    assert scene._indicator.isVisible()
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    scene.sync()
    acts = [lay["activation"] for lay in editor.controller.document.network["layers"]]
    assert acts == ["tanh", "relu", "sigmoid"]
    assert editor.selection() == ("layer", 1)
    editor.controller.undo()
    acts = [lay["activation"] for lay in editor.controller.document.network["layers"]]
    assert acts == ["relu", "tanh", "sigmoid"]


def test_click_a_connection_selects_it_and_tooltip_shows_weight(qtbot, editor):
    selections = []
    editor.selectionChanged.connect(selections.append)
    scene = editor.scene
    mid = scene.connections[1].line(2, 5).pointAt(0.45)
    click(qtbot, editor, mid)
    assert selections[-1] == ("connection", 1, 2, 5)
    w = scene.weights()[2][2, 5]
    text = scene.tooltip_at(mid)
    assert f"weight = {fmt(w)}" in text
    assert text.startswith("Weight from layer 1, neuron 3 to layer 2, neuron 6")
    assert "gradient" not in text
    grads = [np.full(w_.shape, 0.125) for w_ in scene.weights()]
    editor.set_connection_values(grads, "gradients")
    assert "gradient = 0.125" in scene.tooltip_at(mid)
    # a real tooltip request goes through the scene's help handler
    pos = viewport_point(editor, mid)
    event = QHelpEvent(QEvent.Type.ToolTip, pos, editor.view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(editor.view.viewport(), event)
    # clicking the empty canvas clears the selection
    click(qtbot, editor, QPointF(scene.columns[0].x, scene.sceneRect().bottom() - 5))
    assert selections[-1] is None


def test_neuron_tooltip_shows_bias(editor):
    editor.controller.push(E.SetBias(1, 3, 0.123456))
    editor.scene.sync()
    text = editor.scene.tooltip_at(editor.scene.neuron_pos(1, 3))
    assert "bias = 0.1235" in text


def test_set_connection_values_updates_pens_without_rebuilding(editor):
    scene = editor.scene
    items = list(scene.connections)
    neurons = dict(scene.neurons)
    weights = [np.zeros_like(w) for w in scene.weights()]
    weights[0][:, :] = -1.0  # W1 (the layout is W1, b1, W2, b2, W3, b3)
    weights[4][:, :] = 1.0  # W3
    editor.set_connection_values(weights, "weights")
    assert scene.connections == items and scene.neurons == neurons  # same items
    assert set(items[0]._steps.tolist()) == {-8}  # full orange
    assert set(items[1]._steps.tolist()) == {0}  # grey
    assert set(items[2]._steps.tolist()) == {8}  # full blue
    editor.set_color_mode("gradients")
    assert set(items[0]._steps.tolist()) == {0}  # no gradients known: all grey
    grads = [np.ones_like(w) for w in weights]
    grads[2][:, :] = -1.0
    editor.set_connection_values(grads, "gradients")
    assert set(items[1]._steps.tolist()) == {-8}
    editor.set_color_mode("weights")
    editor.set_connection_values(None, "weights")  # back to the document's weights
    assert scene.weights() is not weights
    # arrays that do not fit the network are ignored, never drawn
    editor.set_connection_values([np.zeros((3, 3))], "weights")
    assert scene.weights()[0].shape == (2, 8)


def test_weight_edit_recolours_in_place(editor):
    scene = editor.scene
    items = list(scene.connections)
    editor.controller.push(E.SetWeight(2, 0, 0, 100.0))
    assert scene.connections == items  # weights change: no rebuild
    assert items[2]._steps[0] == 8


def test_zoom_methods_and_ctrl_wheel(editor):
    view = editor.view
    z = view.zoom()
    editor.zoom_in()
    assert view.zoom() == pytest.approx(z * 1.25)
    editor.zoom_out()
    editor.zoom_out()
    assert view.zoom() == pytest.approx(z / 1.25)
    center = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(
        center,
        QPointF(view.viewport().mapToGlobal(center.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    before = view.zoom()
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom() == pytest.approx(before * 1.25)
    editor.zoom_fit()
    rect = view.mapFromScene(editor.scene.sceneRect()).boundingRect()
    assert view.viewport().rect().adjusted(-2, -2, 2, 2).contains(rect)


def test_toolbox_items_carry_the_drag_kind(editor):
    from nnstudio.gui.editor import drag_kind

    for button, kind in (
        (editor.toolbox.dense_button, "dense"),
        (editor.toolbox.neuron_button, "neuron"),
    ):
        drag = button.make_drag()
        assert drag_kind(drag.mimeData()) == kind


def test_toolbox_clicks(qtbot, editor):
    qtbot.mouseClick(editor.toolbox.dense_button, Qt.MouseButton.LeftButton)
    editor.scene.sync()
    assert units(editor) == [8, 8, 8, 1]
    assert editor.selection() == ("layer", 2)
    qtbot.mouseClick(editor.toolbox.neuron_button, Qt.MouseButton.LeftButton)
    editor.scene.sync()
    assert units(editor) == [8, 8, 9, 1]


def test_compressed_drawing_for_256_units(qtbot):
    controller = DocumentController(big_document(hidden=2))
    widget = NetworkEditor(controller)
    qtbot.addWidget(widget)
    scene = widget.scene
    col = scene.column_of_layer(0)
    assert col.compressed and col.units == 256
    assert list(col.shown) == [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]
    assert "… 244 more …" in {label.text for label in scene.labels}
    assert "… 772 more …" in {label.text for label in scene.labels}
    assert len([key for key in scene.neurons if key[0] == 0]) == 12
    assert len(scene.connections[1]._lines) == 12 * 12
    assert len(scene.connections[2]._lines) == 12 * 10  # the 10-unit output is drawn in full
    # a drawn neuron at the end is the real last neuron
    controller.push(E.SetBias(0, 255, 5.0))
    assert "bias = 5" in scene.tooltip_at(scene.neuron_pos(0, 255))


def test_twelve_by_256_network_builds_and_edits(qtbot):
    controller = DocumentController(big_document())
    widget = NetworkEditor(controller)
    qtbot.addWidget(widget)
    scene = widget.scene
    assert len(scene.columns) == 14
    assert sum(isinstance(i, ConnectionsItem) for i in scene.items()) == 13
    controller.push(E.SetUnits(5, 255))
    controller.push(E.SetWeight(3, 0, 255, 1.0))
    scene.sync()
    assert scene.column_of_layer(5).units == 255
    assert scene.weight(3, 0, 255) == 1.0
    with pytest.raises(ValueError, match="at most 12 hidden layers"):
        controller.push(E.InsertLayer(0))


def test_selection_survives_structure_changes_when_valid(qtbot, editor):
    click(qtbot, editor, editor.scene.neuron_pos(1, 7))
    editor.controller.push(E.SetUnits(1, 6))
    editor.scene.sync()
    assert editor.selection() is None  # neuron 7 no longer exists
    editor.select(("layer", 1))
    editor.controller.push(E.SetUnits(1, 5))
    editor.scene.sync()
    assert editor.selection() == ("layer", 1)
    assert editor.scene.headers[2].selected


def test_dropout_is_drawn_on_its_layer_and_the_parameter_count_is_current(editor):
    # 2-8-8-1 with biases: (2+1)*8 + (8+1)*8 + (8+1)*1 = 24 + 72 + 9
    assert editor.view.parameter_label() == "105 parameters"
    editor.controller.push(E.SetLayerProperty(1, "dropout", 0.2))
    editor.scene.rebuild()
    dropped = [label for label in editor.scene.labels if label.text.startswith("dropout")]
    assert [label.text for label in dropped] == ["dropout 20%"]
    column = editor.scene.columns[2]  # the second hidden layer
    assert dropped[0].sceneBoundingRect().center().x() == pytest.approx(column.x, abs=1)
    assert dropped[0].sceneBoundingRect().top() > column.bottom
    editor.controller.push(E.SetUnits(0, 5))
    assert editor.view.parameter_label() == "72 parameters"  # (2+1)*5 + (5+1)*8 + (8+1)*1


def test_the_keyboard_alone_selects_inserts_and_asks_for_properties(qtbot, editor):
    view = editor.view
    view.setFocus()
    key = Qt.Key
    qtbot.keyClick(view, key.Key_Right)  # nothing selected: the first dense layer
    assert editor.selection() == ("layer", 0)
    qtbot.keyClick(view, key.Key_Left)
    assert editor.selection() == ("layer", -1)  # the input layer
    qtbot.keyClick(view, key.Key_Down)
    assert editor.selection() == ("neuron", -1, 0)
    qtbot.keyClick(view, key.Key_Down)
    qtbot.keyClick(view, key.Key_Down)  # x2 is the last input: stays there
    assert editor.selection() == ("neuron", -1, 1)
    qtbot.keyClick(view, key.Key_Right)  # same row in the next layer
    assert editor.selection() == ("neuron", 0, 1)
    for _ in range(3):
        qtbot.keyClick(view, key.Key_Right)  # the output layer has one neuron: row 1 -> 0
    assert editor.selection() == ("neuron", 2, 0)
    qtbot.keyClick(view, key.Key_Up)
    assert editor.selection() == ("layer", 2)
    qtbot.keyClick(view, key.Key_Left)
    assert editor.selection() == ("layer", 1)
    qtbot.keyClick(view, key.Key_Insert)  # a new layer after layer 2 (0-based 1)
    editor.scene.sync()
    assert units(editor) == [8, 8, units(editor)[2], 1] and len(units(editor)) == 4
    assert editor.selection() == ("layer", 2)
    with qtbot.waitSignal(view.propertiesRequested, timeout=1000):
        qtbot.keyClick(view, key.Key_Return)


def test_a_focused_toolbox_item_is_activated_by_space_and_enter(qtbot, editor):
    button = editor.toolbox.dense_button
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    editor.scene.sync()
    assert len(units(editor)) == 4  # a layer added at the end, as a click does
    qtbot.keyClick(button, Qt.Key.Key_Return)
    editor.scene.sync()
    assert len(units(editor)) == 5
