"""The Boundary view's switches: which points to draw, and soft or hard class regions.

Hiding the training points shows whether the boundary also fits the validation points alone
(and the other way round); "hard regions" colours each point of the plane by the class the
network would answer, without the fading that shows how sure it is. The choices are view
settings, not part of the project, so they are kept in the window's settings (``remember``)
and come back in the next session.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QWidget

#: Where the choices are kept in the window's settings.
SETTINGS_GROUP = "boundary"


@dataclass(frozen=True)
class BoundaryChoices:
    training: bool = True
    validation: bool = True
    hard: bool = False


class BoundaryOptions(QWidget):
    """Three tick boxes in a row, the first two also the points' legend; ``changed`` redraws."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.training = QCheckBox("● training", self)
        self.training.setToolTip("Show the points the network learns from (filled dots).")
        self.validation = QCheckBox("○ validation", self)
        self.validation.setToolTip(
            "Show the points kept aside to check the network (rings): it never learns from them."
        )
        self.hard = QCheckBox("hard regions", self)
        self.hard.setToolTip(
            "Discretize the output: colour the plane by the class the network answers, with no "
            "fading where it is unsure."
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for box in (self.training, self.validation, self.hard):
            box.setChecked(box is not self.hard)
            box.toggled.connect(self._on_toggled)
            row.addWidget(box)
        row.addStretch(1)
        self._settings: QSettings | None = None

    def choices(self) -> BoundaryChoices:
        return BoundaryChoices(
            self.training.isChecked(), self.validation.isChecked(), self.hard.isChecked()
        )

    def set_hard_allowed(self, allowed: bool) -> None:
        """Hard regions need classes: a regression output has no class to choose."""
        self.hard.setEnabled(allowed)

    def remember(self, settings: QSettings) -> None:
        """Take the choices kept in ``settings`` and keep every later change there."""
        self._settings = None  # no writing back while the saved values are applied
        for key, box in self._boxes().items():
            saved = settings.value(f"{SETTINGS_GROUP}/{key}")
            if saved is not None:
                box.setChecked(str(saved).lower() in ("true", "1"))
        self._settings = settings

    def _boxes(self) -> dict[str, QCheckBox]:
        return {"training": self.training, "validation": self.validation, "hard": self.hard}

    def _on_toggled(self) -> None:
        if self._settings is not None:
            for key, box in self._boxes().items():
                self._settings.setValue(f"{SETTINGS_GROUP}/{key}", box.isChecked())
        self.changed.emit()
