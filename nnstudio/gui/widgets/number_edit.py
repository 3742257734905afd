"""A text field for one number, written the way people write numbers: 0.03, 1e-8, 5.

Spin boxes cannot show 1e-8 and would round a learning rate to a fixed number of decimals, so
learning rates and epsilons are typed. Input is checked when the student presses Enter or leaves
the field: a bad entry turns the field red with the reason as its tooltip and is not reported
(the field keeps what was typed: it is never silently replaced by another value). A value that is
used but unusual (``warn_above``) turns the field amber with the reason.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QWidget

_ERROR_STYLE = "QLineEdit { border: 1px solid #d55e00; }"
_WARNING_STYLE = "QLineEdit { border: 1px solid #e69f00; background: #fff4dc; }"


def format_number(value: float) -> str:
    """Short, exact enough for display: ``0.03``, ``1e-08``, ``0.999``, ``5``."""
    return f"{value:.6g}"


class NumberEdit(QLineEdit):
    """Reports ``valueEdited(float)`` when the student enters a new valid number.

    ``invalid(str)`` carries the reason when the text is not a number in
    ``[minimum, maximum]``; the field keeps the text so it can be corrected.
    """

    valueEdited = Signal(float)
    invalid = Signal(str)
    #: A value that is used but unusual (a learning rate above 10): the reason, or "".
    warning = Signal(str)

    def __init__(
        self,
        value: float = 0.0,
        *,
        minimum: float = 0.0,
        maximum: float = math.inf,
        positive: bool = False,
        warn_above: float | None = None,
        warn_text: str = "",
        width_chars: int = 7,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.minimum, self.maximum, self.positive = minimum, maximum, positive
        self.warn_above, self.warn_text = warn_above, warn_text
        self.warning_text = ""  # the warning about the value shown now
        self._value: float | None = None
        self.setMaximumWidth(self.fontMetrics().horizontalAdvance("0" * (width_chars + 2)))
        self.set_value(value)
        self.editingFinished.connect(self._finish)

    def value(self) -> float | None:
        return self._value

    def set_value(self, value: float) -> None:
        """Show ``value`` (no change signal): the document already holds it."""
        self._value = float(value)
        self.setText(format_number(value))
        self._mark(None)
        self._warn(float(value), quiet=True)

    def _finish(self) -> None:
        text = self.text().strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # a decimal comma, as typed in many countries
        try:
            value = float(text)
        except ValueError:
            self._mark(f"“{self.text()}” is not a number")
            return
        in_range = self.minimum <= value <= self.maximum and (value > 0 or not self.positive)
        if not math.isfinite(value) or not in_range:
            high = "" if math.isinf(self.maximum) else f" and at most {format_number(self.maximum)}"
            low = "above 0" if self.positive else f"at least {format_number(self.minimum)}"
            self._mark(f"“{self.text()}” cannot be used: expected a number {low}{high}")
            return
        self._mark(None)
        self._warn(value)
        if value != self._value:
            self._value = value
            self.setText(format_number(value))
            self.valueEdited.emit(value)

    def _warn(self, value: float, quiet: bool = False) -> None:
        """Amber, with the reason, for a value used but unusual; ``warning`` unless quiet."""
        if self.warn_above is None:
            return
        unusual = value > self.warn_above
        self.setStyleSheet(_WARNING_STYLE if unusual else "")
        text = self.warn_text.format(value=format_number(value)) if unusual else ""
        if unusual:
            self.setToolTip(text)
        self.warning_text = text
        if not quiet:
            self.warning.emit(text)

    def _mark(self, error: str | None) -> None:
        self.setStyleSheet(_ERROR_STYLE if error else "")
        self.setToolTip(error or self.property("help") or "")
        if error:
            self.invalid.emit(error)

    def set_help(self, text: str) -> None:
        """The tooltip shown while the entry is valid."""
        self.setProperty("help", text)
        if not self.styleSheet():
            self.setToolTip(text)
