"""The status line never keeps a sentence that an undo, a redo or a pause made false."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from nnstudio import examples
from nnstudio.gui.status_line import TRAINING


def button(win, action):
    """The tool button the student presses for ``action`` (Play, Step batch, ...)."""
    return next(b for b in win.findChildren(QToolButton) if b.defaultAction() is action)


def press(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def test_step_batch_ends_with_where_training_paused_not_training(qtbot, open_window):
    win = open_window(examples.example("xor"))
    controls = win.live.controls
    press(qtbot, button(win, controls.step_batch_action))
    qtbot.waitUntil(lambda: win.controller.document.progress.steps == 1, timeout=20_000)
    qtbot.waitUntil(lambda: win.status.text() != TRAINING, timeout=20_000)
    assert win.status.text().startswith("Paused at epoch 0, step 1.")
    press(qtbot, button(win, controls.step_epoch_action))  # 400 rows / batch 10: epoch 1 ends at 40
    qtbot.waitUntil(lambda: win.controller.document.epochs == 1, timeout=20_000)
    qtbot.waitUntil(lambda: win.status.text().startswith("Paused at epoch 1, step 40."))


def test_a_pause_with_a_reason_keeps_the_reason(qtbot, open_window):
    win = open_window(examples.example("xor"))
    win.show_message("Training stopped: the loss is not finite at epoch 3")
    win.status_line._on_state("paused")
    assert win.status.text() == "Training stopped: the loss is not finite at epoch 3"


def test_undo_replaces_the_message_of_the_edit_it_takes_back(qtbot, open_window):
    win = open_window(examples.example("xor"))
    win.live.trainer.step_epoch()
    qtbot.waitUntil(lambda: win.controller.document.epochs == 1, timeout=20_000)
    editor = win.editor
    editor.setFocus()
    editor.scene.select(("layer", 0))  # the hidden layer, as a click on its header does
    qtbot.keyClick(editor.view, Qt.Key.Key_Plus)  # one more neuron: the weights start afresh
    assert win.controller.document.weights is None
    qtbot.waitUntil(lambda: "start fresh from the seed" in win.status.text())
    qtbot.keyClick(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert win.controller.document.weights is not None  # the trained weights are back ...
    assert win.status.text().startswith("Undone: ")  # ... and the line no longer says otherwise
    assert "fresh" not in win.status.text()
    qtbot.keyClick(
        win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert win.controller.document.weights is None
    assert win.status.text().startswith("Redone: ")
