"""Scrolling the data panel with the wheel scrolls it; it does not change the slider under it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from nnstudio import examples


def wheel_down(widget, notches: int = 1) -> bool:
    """Turn the mouse wheel ``notches`` steps towards the student over ``widget``'s centre.

    Returns whether ``widget`` took the last step; one it leaves goes on to the panel under it
    (Qt passes an ignored wheel event to the parents, the scroll area among them).
    """
    centre = QPointF(widget.rect().center())
    accepted = False
    for _ in range(notches):
        event = QWheelEvent(
            centre,
            QPointF(widget.mapToGlobal(widget.rect().center())),
            QPoint(0, 0),
            QPoint(0, -120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        event.setAccepted(False)
        QApplication.sendEvent(widget, event)
        accepted = event.isAccepted()
    return accepted


def test_the_wheel_scrolls_the_panel_past_a_slider_and_moves_it_once_clicked(qtbot, open_window):
    win = open_window(examples.example("xor"))
    win.resize(1024, 700)
    win.reset_layout_action.trigger()
    area = win.data_dock.widget()
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)  # the panel scrolls
    slider = win.data_panel.samples.slider
    doc = win.controller.document
    steps = win.controller.undo_stack.count()
    assert not wheel_down(slider, 3)  # left to the panel, which scrolls ...
    assert doc.data["n_samples"] == 500  # ... and the data set is unchanged
    assert win.controller.undo_stack.count() == steps
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=slider.rect().center())
    assert slider.hasFocus()
    value, points = slider.value(), doc.data["n_samples"]
    assert wheel_down(slider)  # a focused slider takes the wheel: fewer points
    assert slider.value() < value and doc.data["n_samples"] < points


def test_the_wheel_passes_over_the_seed_until_it_is_clicked(qtbot, open_window):
    win = open_window(examples.example("xor"))
    seed = win.data_panel.seed
    steps = win.controller.undo_stack.count()
    assert not wheel_down(seed, 2)  # left to the panel
    assert win.controller.document.data["seed"] == 0 and seed.value() == 0
    assert win.controller.undo_stack.count() == steps
    qtbot.mouseClick(seed.lineEdit(), Qt.MouseButton.LeftButton)
    assert seed.hasFocus()
    seed.setValue(5)
    seed.editingFinished.emit()
    qtbot.waitUntil(lambda: win.controller.document.data["seed"] == 5)
    assert wheel_down(seed)  # focused: the wheel steps the seed down
    qtbot.waitUntil(lambda: seed.value() == 4)


def test_scrolling_the_properties_and_data_panels_changes_no_field(qtbot, open_window):
    """Every spin box and combo box of a scrolled panel waits for a click before it takes the
    wheel: the layer's neurons, dropout and activation, the data set's choices."""
    import copy

    from PySide6.QtWidgets import QAbstractSpinBox, QComboBox

    win = open_window(examples.example("xor"))
    doc = win.controller.document
    before, steps = copy.deepcopy((doc.network, doc.data)), win.controller.undo_stack.count()
    panels = [win.properties_dock.widget().widget(), win.data_dock.widget().widget()]
    fields = [
        f for p in panels for kind in (QAbstractSpinBox, QComboBox) for f in p.findChildren(kind)
    ]
    assert len(fields) >= 8
    for field in fields:
        assert not wheel_down(field), field.objectName() or type(field).__name__
    assert (doc.network, doc.data) == before and win.controller.undo_stack.count() == steps
    dropout = next(f for f in fields if isinstance(f, QAbstractSpinBox) and f.maximum() == 0.95)
    dropout.setFocus()
    qtbot.waitUntil(dropout.hasFocus)
    assert wheel_down(dropout)  # once focused, the wheel is the field's
