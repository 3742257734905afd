"""Sliders that report *gestures*, so one drag becomes one undo step.

Every user change is reported as ``edited(value, gesture)``. While the handle is held down the
gesture is the same number for every tick of that drag; a click on the groove, a key press or a
wheel step reports ``gesture=None`` (a step of its own). The owner turns ``gesture`` into
``DragValue(path, value, gesture)``, whose ticks merge on the undo stack.

Programmatic ``setValue`` calls (a panel re-reading the document) are not reported.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QWidget

from nnstudio.gui.widgets.number_edit import NumberEdit, format_number
from nnstudio.gui.widgets.wheel import focus_wheel

_gestures = itertools.count(1)


def next_gesture() -> int:
    """A number no gesture has used yet."""
    return next(_gestures)


class GestureSlider(QSlider):
    """A horizontal ``QSlider`` that emits ``edited(int, gesture)`` for user changes only."""

    edited = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._gesture: int | None = None
        self._quiet = False
        # The sliders sit in panels that scroll: the wheel moves the handle only once the
        # slider has focus (a click or Tab); before, scrolling past "Points" drew new data.
        focus_wheel(self)
        self.sliderPressed.connect(self._start_gesture)
        self.valueChanged.connect(self._report)

    def set_value_quietly(self, value: int) -> None:
        """Move the handle without reporting an edit (the document already has ``value``)."""
        self._quiet = True
        try:
            self.setValue(value)
        finally:
            self._quiet = False

    def _start_gesture(self) -> None:
        self._gesture = next_gesture()

    def _report(self, value: int) -> None:
        if not self._quiet:
            self.edited.emit(value, self._gesture if self.isSliderDown() else None)


class SliderField(QWidget):
    """A :class:`GestureSlider` with its value written to the right ("10 %", "500").

    ``text(value)`` formats the label; the label is wide enough for the widest value so the
    slider does not jump while it is dragged.
    """

    edited = Signal(int, object)

    def __init__(
        self,
        minimum: int,
        maximum: int,
        text: Callable[[int], str] = str,
        *,
        step: int = 1,
        page: int = 10,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._text = text
        self.slider = GestureSlider(self)
        self.slider.setRange(minimum, maximum)
        self.slider.setSingleStep(step)
        self.slider.setPageStep(page)
        self.label = QLabel(self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        widest = max((text(v) for v in (minimum, maximum)), key=len)
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(widest + " "))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.edited.connect(self._on_edited)
        self.slider.valueChanged.connect(lambda v: self.label.setText(self._text(v)))
        self.label.setText(text(self.slider.value()))

    def value(self) -> int:
        return self.slider.value()

    def set_value_quietly(self, value: int) -> None:
        self.slider.set_value_quietly(value)
        self.label.setText(self._text(self.slider.value()))

    def _on_edited(self, value: int, gesture: int | None) -> None:
        self.edited.emit(value, gesture)


def nice_stops(minimum: float, maximum: float, mantissas: Sequence[float]) -> list[float]:
    """Round numbers between ``minimum`` and ``maximum``: 1e-5, 2e-5, 3e-5, 5e-5, 1e-4...

    Built from text (``float("3e-05")``) so a stop is exactly the number a student would type,
    not ``2.9999999999999997e-05``.
    """
    stops = []
    for exponent in range(math.floor(math.log10(minimum)), math.ceil(math.log10(maximum)) + 1):
        for m in mantissas:
            value = float(f"{m}e{exponent}")
            if minimum * (1 - 1e-9) <= value <= maximum * (1 + 1e-9):
                stops.append(value)
    return stops


class LogSlider(GestureSlider):
    """A slider over round numbers spaced evenly on a log scale (1e-5 ... 10 by default).

    Each decade holds the stops 1, 2, 3, 5 (times a power of ten): the learning rates people
    actually try. A value between stops shows at the nearest stop on the log scale.
    """

    editedValue = Signal(float, object)

    def __init__(
        self,
        minimum: float = 1e-5,
        maximum: float = 10.0,
        mantissas: Sequence[float] = (1, 2, 3, 5),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.stops = nice_stops(minimum, maximum, mantissas)
        self.setRange(0, len(self.stops) - 1)
        self.setPageStep(len(mantissas))
        self.edited.connect(lambda i, g: self.editedValue.emit(self.stops[i], g))

    def float_value(self) -> float:
        return self.stops[self.value()]

    def index_of(self, value: float) -> int:
        """The stop nearest to ``value`` on the log scale (values outside go to the ends)."""
        if not value > 0:
            return 0
        target = math.log10(value)
        return min(range(len(self.stops)), key=lambda i: abs(math.log10(self.stops[i]) - target))

    def set_float_quietly(self, value: float) -> None:
        self.set_value_quietly(self.index_of(value))


class LogValueEdit(QWidget):
    """A number field and a :class:`LogSlider` showing one value, always in sync.

    Typing a value (any number in range; with ``any_positive``, any number above 0, with a
    warning beyond the slider's range) reports ``edited(value, None)`` and moves the slider to
    the nearest stop; dragging reports ``edited(stop, gesture)`` and writes the
    stop into the field.
    """

    edited = Signal(float, object)

    def __init__(
        self,
        minimum: float = 1e-5,
        maximum: float = 10.0,
        *,
        slider_width: int = 110,
        any_positive: bool = False,
        warn_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if any_positive:  # the field takes any value above 0; beyond the slider it warns
            self.field = NumberEdit(
                minimum=0.0, positive=True, warn_above=maximum, warn_text=warn_text, parent=self
            )
        else:
            self.field = NumberEdit(minimum=minimum, maximum=maximum, parent=self)
        self.slider = LogSlider(minimum, maximum, parent=self)
        self.slider.setMinimumWidth(slider_width)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        layout.addWidget(self.slider, 1)
        self.field.valueEdited.connect(self._typed)
        self.slider.editedValue.connect(self._dragged)

    def value(self) -> float | None:
        return self.field.value()

    def set_value_quietly(self, value: float) -> None:
        self.field.set_value(value)
        self.slider.set_float_quietly(value)

    def _typed(self, value: float) -> None:
        self.slider.set_float_quietly(value)
        self.edited.emit(value, None)

    def _dragged(self, value: float, gesture: int | None) -> None:
        self.field.set_value(value)
        self.edited.emit(value, gesture)


__all__ = [
    "GestureSlider",
    "LogSlider",
    "LogValueEdit",
    "SliderField",
    "format_number",
    "next_gesture",
    "nice_stops",
]
