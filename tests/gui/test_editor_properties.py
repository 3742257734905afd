"""The properties panel and the document controller, driven through the editor as a user would."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QSplitter

from nnstudio.document import Document
from nnstudio.document import edits as E
from nnstudio.gui.editor import NetworkEditor
from nnstudio.gui.panels.properties import HINT, PropertiesPanel
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


class Studio:
    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.controller = DocumentController(xor_document())
        self.window = QSplitter()
        self.editor = NetworkEditor(self.controller)
        self.panel = PropertiesPanel(self.controller, editor=self.editor)
        self.window.addWidget(self.editor)
        self.window.addWidget(self.panel)
        qtbot.addWidget(self.window)
        self.window.resize(1300, 650)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.editor.scene.sync()
        self.editor.view.set_zoom(1.0)
        self.editor.view.centerOn(self.editor.scene.sceneRect().center())

    @property
    def doc(self) -> Document:
        return self.controller.document

    def click_scene(self, pos: QPointF) -> None:
        viewport = self.editor.view.viewport()
        point = self.editor.view.mapFromScene(pos)
        self.qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
        self.editor.scene.sync()

    def click_layer(self, k: int) -> None:
        header = self.editor.scene.headers[k + 1]
        self.click_scene(header.mapToScene(header.boundingRect().center()))

    def type_into(self, widget, text: str) -> None:
        widget.setFocus()
        widget.selectAll()
        self.qtbot.keyClicks(widget, text)
        self.qtbot.keyClick(widget, Qt.Key.Key_Return)
        self.editor.scene.sync()


@pytest.fixture
def studio(qtbot) -> Studio:
    return Studio(qtbot)


def test_hint_when_nothing_is_selected(studio):
    assert studio.panel.stack.currentWidget() is studio.panel.hint_page
    assert studio.panel.hint_page.text() == HINT
    assert "Select a layer, neuron or connection" in HINT


def test_change_activation_by_clicking_the_layer(studio, qtbot):
    studio.click_layer(0)
    panel = studio.panel
    assert panel.stack.currentWidget() is panel.layer_page
    combo = panel.field("activation")
    assert combo.currentText() == "tanh"
    assert "(-1, 1)" in panel._rows["activation"][2].text()  # the registry's description
    assert "tanh" in combo.toolTip()  # the formula
    combo.setFocus()
    target = combo.findData("relu")
    while combo.currentIndex() != target:  # the user steps through the list with the keyboard
        key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)
    studio.editor.scene.sync()
    assert studio.doc.network["layers"][0]["activation"] == "relu"
    assert studio.editor.scene.headers[1].text == "Dense · 8 · relu"
    assert "max(0, z)" in combo.toolTip()
    steps = studio.controller.undo_stack.count()
    studio.controller.undo()
    assert studio.doc.network["layers"][0]["activation"] != "relu"
    assert combo.currentText() == studio.doc.network["layers"][0]["activation"]
    assert steps >= 1


def test_units_spin_box_and_undo(studio):
    studio.click_layer(1)
    spin = studio.panel.field("units")
    studio.type_into(spin, "12")
    assert studio.doc.network["layers"][1]["units"] == 12
    assert studio.editor.scene.headers[2].text == "Dense · 12 · tanh"
    studio.controller.undo()
    studio.editor.scene.sync()
    assert studio.doc.network["layers"][1]["units"] == 8
    assert spin.value() == 8


def test_initializer_shows_its_parameter(studio, qtbot):
    studio.click_layer(0)
    panel = studio.panel
    std_row = panel._rows["std"][0]
    assert not std_row.isVisibleTo(panel)
    combo = panel.field("initializer")
    combo.setCurrentIndex(combo.findData("normal"))
    combo.activated.emit(combo.currentIndex())
    assert studio.doc.network["layers"][0]["initializer"] == "normal"
    assert std_row.isVisibleTo(panel)
    studio.type_into(panel.field("std"), "0.2")
    assert studio.doc.network["layers"][0]["std"] == pytest.approx(0.2)


def test_dropout_and_bias_checkbox(studio, qtbot):
    studio.click_layer(0)
    panel = studio.panel
    studio.type_into(panel.field("dropout"), "0.5")
    assert studio.doc.network["layers"][0]["dropout"] == 0.5
    box = panel.field("use_bias")
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert studio.doc.network["layers"][0]["use_bias"] is False
    assert E.param_indices(studio.doc.network, 1) == (1, 2)


def test_type_a_weight_then_undo_and_redo(studio):
    scene = studio.editor.scene
    studio.click_scene(scene.connections[1].line(2, 5).pointAt(0.3))
    panel = studio.panel
    assert panel.stack.currentWidget() is panel.connection_page
    assert panel.connection_title.text() == "Weight W2[3, 6]"  # 1-based, like the canvas
    assert panel.connection_info.text() == "Weight from layer 1, neuron 3 to layer 2, neuron 6."
    initial = scene.weight(1, 2, 5)
    assert panel.weight_edit.text() == f"{initial:.4g}"
    studio.type_into(panel.weight_edit, "-1.5")
    assert studio.doc.weights is not None
    assert studio.doc.weights[2][2, 5] == -1.5
    assert scene.connections[1]._steps[scene.connections[1]._selected] < 0
    studio.controller.undo_stack.undo()
    assert studio.doc.weights is None
    assert panel.weight_edit.text() == f"{initial:.4g}"
    studio.controller.undo_stack.redo()
    assert studio.doc.weights[2][2, 5] == -1.5
    assert panel.weight_edit.text() == "-1.5"


def test_type_a_bias_then_undo_and_redo(studio):
    scene = studio.editor.scene
    studio.click_scene(scene.neuron_pos(0, 3))
    panel = studio.panel
    assert panel.stack.currentWidget() is panel.neuron_page
    studio.type_into(panel.bias_edit, "0.75")
    assert studio.doc.weights[1][3] == 0.75
    assert "bias = 0.75" in scene.tooltip_at(scene.neuron_pos(0, 3))
    studio.type_into(panel.bias_edit, "0.25")
    assert studio.doc.weights[1][3] == 0.25
    assert studio.controller.undo_stack.count() == 1  # typing the same bias again merges
    studio.controller.undo()
    assert studio.doc.weights is None
    studio.controller.redo()
    assert studio.doc.weights[1][3] == 0.25


def test_bad_number_is_refused_with_a_message(studio):
    scene = studio.editor.scene
    studio.click_scene(scene.neuron_pos(1, 0))
    studio.type_into(studio.panel.bias_edit, "abc")
    assert studio.panel.error_label.isVisibleTo(studio.panel)
    assert "not a number" in studio.panel.error_label.text()
    assert studio.doc.weights is None
    assert studio.controller.undo_stack.count() == 0


def test_a_refused_weight_is_named_in_words_from_1(studio):
    """Typing an infinite weight is refused in the canvas's words: no W2[2, 5], no layers[1]."""
    scene = studio.editor.scene
    studio.click_scene(scene.connections[1].line(2, 5).pointAt(0.3))
    studio.type_into(studio.panel.weight_edit, "1e999")
    shown = studio.panel.error_label.text()
    assert studio.panel.error_label.isVisibleTo(studio.panel)
    assert shown.startswith("the weight from layer 1, neuron 3 to layer 2, neuron 6: ")
    assert "finite" in shown and "[" not in shown
    assert studio.doc.weights is None and studio.controller.undo_stack.count() == 0


def test_undo_names_a_typed_weight_in_words(studio):
    scene = studio.editor.scene
    studio.click_scene(scene.connections[0].line(1, 4).pointAt(0.3))
    studio.type_into(studio.panel.weight_edit, "0.5")
    assert studio.controller.undo_stack.undoText() == (
        "Set the weight from x2 to layer 1, neuron 5"
    )


def test_gradient_shown_when_known(studio):
    scene = studio.editor.scene
    studio.click_scene(scene.connections[0].line(1, 4).pointAt(0.3))
    assert studio.panel.weight_gradient.text().startswith("no step yet")
    grads = [np.full(w.shape, -0.03125) for w in scene.weights()]
    studio.editor.set_connection_values(grads, "gradients")
    assert studio.panel.weight_gradient.text() == "-0.03125"


def test_output_layer_locked_and_loss_warning(studio):
    studio.click_layer(2)
    panel = studio.panel
    assert not panel.field("units").isEnabled()
    assert not panel.field("activation").isEnabled()
    assert "follow the task" in panel.layer_note.text()
    assert not panel.warning_label.isVisibleTo(panel)
    studio.controller.push(E.SetValue(("network", "loss"), "categorical_crossentropy"))
    assert panel.warning_label.isVisibleTo(panel)
    assert "softmax" in panel.warning_label.text()
    studio.controller.push(E.SetValue(("auto_output",), False))
    studio.editor.scene.sync()
    assert panel.field("units").isEnabled()
    assert any(b.k == 2 for b in studio.editor.scene.buttons)  # +/- on the output now


def test_input_layer_is_read_only_info(studio):
    studio.click_layer(-1)
    panel = studio.panel
    assert panel.stack.currentWidget() is panel.input_page
    assert "2 features" in panel.input_title.text()
    assert "follows the data set" in panel.input_info.text()


def test_hint_again_when_the_selection_goes_away(studio, qtbot):
    studio.click_layer(1)
    qtbot.keyClick(studio.editor.view, Qt.Key.Key_Delete)
    studio.editor.scene.sync()
    assert len(studio.doc.network["layers"]) == 2
    assert studio.panel.stack.currentWidget() is studio.panel.hint_page
    studio.click_scene(studio.editor.scene.neuron_pos(0, 7))
    assert studio.panel.stack.currentWidget() is studio.panel.neuron_page
    studio.controller.push(E.SetUnits(0, 4))  # e.g. from another panel
    studio.editor.scene.sync()
    assert studio.panel.stack.currentWidget() is studio.panel.hint_page


# ------------------------------------------------------------------------- controller


def test_controller_signals_merge_and_errors(qtbot):
    controller = DocumentController(xor_document())
    seen: list[str] = []
    controller.changed.connect(seen.append)
    controller.push(E.SetUnits(0, 9))
    assert seen == ["network"]
    controller.push(E.SetUnits(0, 10))
    controller.push(E.SetUnits(0, 11))
    assert controller.undo_stack.count() == 1  # one drag, one step
    controller.push(E.SetWeight(1, 0, 0, 2.0))
    assert seen[-1] == "weights"
    with pytest.raises(ValueError):
        controller.push(E.SetUnits(0, 0))
    assert controller.undo_stack.count() == 2
    assert controller.try_push(E.SetUnits(0, 99_999)) is not None
    controller.undo()
    controller.undo()
    assert controller.document.network["layers"][0]["units"] == 8
    assert controller.undo_stack.undoText() == ""
    controller.redo()
    assert controller.document.network["layers"][0]["units"] == 11
    controller.push(E.SetValue(("training", "batch_size"), 4))
    assert seen[-1] == "training"
    replaced = []
    controller.documentReplaced.connect(lambda: replaced.append(True))
    controller.set_document(xor_document())
    assert replaced and controller.undo_stack.count() == 0


def test_panel_wired_to_the_scene_like_the_main_window(qtbot):
    controller = DocumentController(xor_document())
    editor = NetworkEditor(controller)
    panel = PropertiesPanel(controller, editor.scene)
    qtbot.addWidget(editor)
    qtbot.addWidget(panel)
    editor.selectionChanged.connect(panel.show_selection)
    editor.select(("connection", 0, 1, 2))
    assert panel.connection_title.text() == "Weight W1[2, 3]"
    assert panel.connection_info.text() == "Weight from x2 to layer 1, neuron 3."
    grads = [np.full(w.shape, 0.5) for w in editor.scene.weights()]
    editor.set_connection_values(grads, "gradients")
    assert panel.weight_gradient.text() == "0.5"
    editor.select(("layer", 0))
    assert editor.delete_selection()
    editor.scene.sync()
    assert len(controller.document.network["layers"]) == 2
    assert panel.stack.currentWidget() is panel.hint_page


def test_hidden_layers_do_not_offer_softmax(studio):
    panel = studio.panel
    box = panel._fields["activation"]
    row = box.findData("softmax")
    studio.editor.select(("layer", 0))  # a hidden layer
    assert box.view().isRowHidden(row) and not box.model().item(row).isEnabled()
    studio.editor.select(("layer", len(studio.doc.network["layers"]) - 1))  # the output layer
    assert not box.view().isRowHidden(row) and box.model().item(row).isEnabled()
