"""Wheel steps for the panel, not for the field that happens to be under the pointer.

A spin box in a scrolling panel takes every wheel step that passes over it: a student
scrolling the data panel drew new points with each step over "Seed". :func:`focus_wheel`
makes such a field take the wheel only once it has focus (a click or Tab); until then the
step goes on to the panel, which scrolls. ``GestureSlider`` uses it too, and every scrolled
panel's spin boxes and combo boxes get it (:func:`focus_wheel_fields`, from ``layout.scrolled``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QWidget


class _WheelNeedsFocus(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        unfocused = isinstance(watched, QWidget) and not watched.hasFocus()
        if event.type() == QEvent.Type.Wheel and unfocused:
            event.ignore()
            return True  # not for the field: Qt passes an ignored step on to the parents
        return False


def focus_wheel(widget: QWidget) -> QWidget:
    """Let ``widget`` take wheel steps only while it has focus; returns ``widget``."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # focus by click or Tab, never by wheel
    if widget.findChild(_WheelNeedsFocus) is None:  # one guard, however often it is asked
        widget.installEventFilter(_WheelNeedsFocus(widget))
    return widget


def focus_wheel_fields(panel: QWidget) -> None:
    """:func:`focus_wheel` for every spin box and combo box in ``panel`` (a scrolled panel)."""
    for kind in (QAbstractSpinBox, QComboBox):
        for field in panel.findChildren(kind):
            focus_wheel(field)


__all__ = ["focus_wheel", "focus_wheel_fields"]
