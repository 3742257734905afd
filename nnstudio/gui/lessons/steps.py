"""A lesson step done with the window's own controls, as a student would do it.

"Do it for me" in the Lesson panel and the GUI tests use this: each action selects what it
needs on the canvas and types or clicks in the same widget the lesson names (the settings bar,
Properties, the Train actions), so the edit is the one a student's hand would push.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nnstudio.gui.main_window import MainWindow


def do_step(win: MainWindow, action: dict[str, Any]) -> None:
    """Perform ``action`` (a lesson step's ``do``). Training steps start and return at once."""
    kind = action["action"]
    controls, bar, props = win.live.controls, win.settings_bar, win.properties
    if kind == "step_batch":
        controls.step_batch_action.trigger()
    elif kind == "step_epoch":
        controls.step_epoch_action.trigger()
    elif kind == "reset":
        controls.reset_action.trigger()
    elif kind == "train":
        bar.epochs.setValue(int(action["epochs"]))
        bar.epochs.editingFinished.emit()
        controls.play_action.trigger()
    elif kind == "set_loss":
        bar.loss.setCurrentIndex(bar.loss.findData(action["loss"]))
    elif kind == "set_learning_rate":
        _type(bar.learning_rate.field, repr(float(action["value"])))
    elif kind == "set_early_stopping":
        bar.early_stopping.setChecked(bool(action["enabled"]))
    elif kind == "set_activation":
        win.editor.select(("layer", int(action["layer"]) - 1))
        combo = props._fields["activation"]
        index = combo.findData(action["activation"])
        combo.setCurrentIndex(index)
        combo.activated.emit(index)
    elif kind == "set_dropout":
        win.editor.select(("layer", int(action["layer"]) - 1))
        props._fields["dropout"].setValue(float(action["value"]))
    elif kind == "set_weight":
        _set_weight(win, action["name"], float(action["value"]))
    else:
        raise ValueError(f"unknown lesson action {kind!r}")


def _set_weight(win: MainWindow, name: str, value: float) -> None:
    """Select the connection (or the neuron, for a bias) and type the value into Properties."""
    match = re.fullmatch(r"W(\d+)\[(\d+),(\d+)\]|b(\d+)\[(\d+)\]", name)
    if match is None:
        raise ValueError(f"{name!r} is not a weight name like W1[2,1] or b1[1]")
    props = win.properties
    if match[1]:
        k, i, j = int(match[1]) - 1, int(match[2]) - 1, int(match[3]) - 1
        win.editor.select(("connection", k, i, j))
        _type(props.weight_edit, repr(value))
    else:
        win.editor.select(("neuron", int(match[4]) - 1, int(match[5]) - 1))
        _type(props.bias_edit, repr(value))


def _type(field, text: str) -> None:
    field.setText(text)
    field.setModified(True)
    field.editingFinished.emit()
