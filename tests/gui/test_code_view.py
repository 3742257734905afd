"""The code view follows the student's edits and shows exactly what the exports write."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from nnstudio.document import Document, edits
from nnstudio.examples import example
from nnstudio.gui.code_view import CodeView
from nnstudio.gui.undo import DocumentController
from nnstudio.io import export
from nnstudio.io.code import LANGUAGES, model_code


@pytest.fixture
def view(qtbot):
    controller = DocumentController(example("xor"))
    widget = CodeView(controller)
    qtbot.addWidget(widget)
    widget.resize(600, 700)
    widget.show()
    return widget


def dense_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "layers.Dense(" in line]


def test_adding_a_layer_adds_its_dense_line_and_undo_takes_it_away(view):
    before = view.text("keras")
    assert dense_lines(before) == [
        'model.add(layers.Dense(8, activation="tanh"))',
        'model.add(layers.Dense(1, activation="sigmoid"))',
    ]
    view.controller.push(edits.InsertLayer(1, units=5, activation="relu"))
    assert dense_lines(view.text("keras")) == [
        'model.add(layers.Dense(8, activation="tanh"))',
        'model.add(layers.Dense(5, activation="relu"))',
        'model.add(layers.Dense(1, activation="sigmoid"))',
    ]
    assert "(5, 'relu', True)" in view.text("pytorch")
    assert "(5, 'relu', True)" in view.text("numpy")
    view.controller.undo()
    assert view.text("keras") == before


def test_a_dropout_edit_shows_a_dropout_layer(view):
    view.controller.push(edits.SetLayerProperty(0, "dropout", 0.5))
    lines = [line.strip() for line in view.text("keras").splitlines()]
    dense = lines.index('model.add(layers.Dense(8, activation="tanh"))')
    assert lines[dense + 1] == "model.add(layers.Dropout(0.5))"


def test_training_settings_appear_with_their_keras_names(view):
    view.controller.push(edits.SetValue(("training", "batch_size"), 32))
    view.controller.push(edits.SetValue(("network", "optimizer"), {"name": "rmsprop"}))
    view.controller.push(edits.SetValue(("network", "loss"), "mse"))
    text = view.text("keras")
    assert 'BATCH_SIZE = 32  # "Batch size"' in text
    assert "optimizer = keras.optimizers.RMSprop(" in text
    assert 'loss="mean_squared_error"' in text
    summary = view.summary.text()
    assert 'loss="mean_squared_error"' in summary and "keras.optimizers.RMSprop" in summary
    assert 'batch_size=32 is "Batch size"' in summary
    assert 'validation_split=0.2 is "Validation"' in summary


def test_every_tab_is_the_model_definition_the_export_writes(view, tmp_path):
    doc = view.controller.document
    for language in LANGUAGES:
        view.set_language(language)
        assert view.language() == language
        assert view.text() == model_code(doc, language)
        script = export(doc, language, tmp_path / f"model_{language}.py")[1]
        assert view.text() in script.read_text(encoding="utf-8")


def test_copy_puts_the_shown_code_on_the_clipboard(view, qtbot):
    view.set_language("pytorch")
    qtbot.mouseClick(view.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == view.text("pytorch")
    assert "class Model(nn.Module)" in QGuiApplication.clipboard().text()


def test_the_code_is_read_only_monospace_plain_text(view):
    for editor in view.editors.values():
        assert editor.isReadOnly()
        metrics = editor.fontMetrics()  # monospace as drawn: every letter equally wide
        assert metrics.horizontalAdvance("iiii") == metrics.horizontalAdvance("MMMM")


def test_a_new_document_replaces_the_code(view):
    view.controller.set_document(example("iris"))
    assert 'layers.Dense(3, activation="softmax")' in view.text("keras")
    assert "keras.utils.to_categorical(y, num_classes=3)" in view.text("keras")


def test_scroll_position_is_kept_when_the_code_changes(view, qtbot):
    view.set_language("keras")
    bar = view.editors["keras"].verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 10)
    bar.setValue(10)
    view.controller.push(edits.SetUnits(0, 9))
    assert "layers.Dense(9," in view.text("keras")
    assert bar.value() == 10


def test_a_network_that_is_not_valid_is_said_so_instead_of_code(qtbot):
    controller = DocumentController(Document(network={"inputs": 2, "layers": []}))
    widget = CodeView(controller)
    qtbot.addWidget(widget)
    for language in LANGUAGES:
        assert widget.text(language).startswith("# The network is not complete yet: ")
    assert widget.summary.text() == ""
