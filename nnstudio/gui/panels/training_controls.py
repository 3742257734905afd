"""Training controls: play/pause, step, reset, speed, and the always-visible readouts.

Buttons are ``QAction``s so the main window can put the same actions in its menus and register
the Space shortcut once. The widget only talks to a :class:`TrainingController`.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.gui.numbers import fmt
from nnstudio.gui.plots.common import last
from nnstudio.gui.training import FINISHED, IDLE, PAUSED, RUNNING, TrainingController

#: Speed slider positions: steps per second (0 = as fast as possible).
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 0)
#: The pace a new window trains at: XOR (40 steps an epoch) goes from a guess to a clean
#: boundary in about 20 s, slow enough to watch the boundary bend.
DEFAULT_SPEED = 20

READOUTS = {
    "epoch": ("Epoch", "An epoch is one pass over all the training data."),
    "step": ("Step", "A step is one weight update, made after each batch."),
    "speed": (
        "Samples/s",
        "Training samples processed per second. A batch is the handful of samples whose "
        "averaged gradient makes one step.",
    ),
    "loss": (
        "Train loss",
        "The mean loss over the last epoch's batches, each measured before its update "
        "(before the first epoch ends: the last batch's loss).",
    ),
    "val_loss": (
        "Val. loss",
        "The loss on validation data the network never trains on, after the last epoch. "
        "If it rises while the training loss falls, the network is memorizing (overfitting).",
    ),
}


class TrainingControls(QWidget):
    """A compact toolbar for one :class:`TrainingController`.

    Signals:
        speedChanged(float): the chosen steps per second (0 = full speed), for remembering it.
    """

    speedChanged = Signal(float)

    def __init__(self, trainer: TrainingController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trainer = trainer
        self.play_action = QAction("Play", self)
        self.play_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.play_action.setToolTip("Start or pause training (Space)")
        self.play_action.triggered.connect(trainer.toggle)
        self.step_batch_action = QAction("Step batch", self)
        self.step_batch_action.setShortcut(QKeySequence("Ctrl+B"))
        self.step_batch_action.setToolTip(
            "Train on one batch (one weight update), then pause (Ctrl+B)"
        )
        self.step_batch_action.triggered.connect(trainer.step_batch)
        self.step_epoch_action = QAction("Step epoch", self)
        self.step_epoch_action.setShortcut(QKeySequence("Ctrl+E"))
        self.step_epoch_action.setToolTip(
            "Train to the end of the current epoch, then pause (Ctrl+E)"
        )
        self.step_epoch_action.triggered.connect(trainer.step_epoch)
        self.reset_action = QAction("Reset", self)
        # Reset is an edit of the document: the window connects it (``LiveTraining.reset``).
        self.reset_action.setToolTip(
            "Start over: fresh weights drawn from the network's seed, no curves (undoable; Ctrl+R)"
        )
        self.reset_action.setShortcut(QKeySequence("Ctrl+R"))
        self.actions_ = [
            self.play_action,
            self.step_batch_action,
            self.step_epoch_action,
            self.reset_action,
        ]

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for action in self.actions_:
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            buttons.addWidget(button)
        self.speed = QSlider(Qt.Orientation.Horizontal, self)
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setValue(SPEEDS.index(DEFAULT_SPEED))
        self.speed.setToolTip("Slow training down to watch each step")
        self.speed.valueChanged.connect(self._on_speed)
        self.speed_label = QLabel(self)
        self.speed_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("500 steps/s"))
        self.full_speed = QToolButton(self)
        self.full_speed.setText("Full speed")
        self.full_speed.setCheckable(True)
        self.full_speed.setToolTip("Train as fast as the computer can; click again for the pace")
        self.full_speed.toggled.connect(self._on_full_speed)
        self._watch_position = self.speed.value()
        buttons.addSpacing(8)
        buttons.addWidget(QLabel("Speed:", self))
        buttons.addWidget(self.speed, 1)
        buttons.addWidget(self.speed_label)
        buttons.addWidget(self.full_speed)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        self.values: dict[str, QLabel] = {}
        for col, (key, (title, tip)) in enumerate(READOUTS.items()):
            name, value = QLabel(title, self), QLabel("–", self)
            name.setToolTip(tip)
            value.setToolTip(tip)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setMinimumWidth(value.fontMetrics().horizontalAdvance("0.0000e-00"))
            font = value.font()
            font.setBold(True)
            value.setFont(font)
            grid.addWidget(name, 0, col)
            grid.addWidget(value, 1, col)
            self.values[key] = value
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addLayout(grid)

        trainer.stateChanged.connect(self.set_state)
        trainer.snapshot.connect(self.update_snapshot)
        self._on_speed(self.speed.value())
        self.set_state(trainer.state)

    def actions_for_window(self) -> list[QAction]:
        """Play/pause (Space), step batch, step epoch, reset: for the main window's menus."""
        return list(self.actions_)

    @Slot(str)
    def set_state(self, state: str) -> None:
        has_job = self.trainer.job is not None
        running = state == RUNNING
        self.play_action.setText("Pause" if running else "Play")
        self.play_action.setEnabled(has_job)
        for action in (self.step_batch_action, self.step_epoch_action):
            action.setEnabled(has_job and state in (IDLE, PAUSED, FINISHED))
        self.reset_action.setEnabled(has_job and not running)
        if not running:
            self.values["speed"].setText("0")  # nothing is being processed now

    def steps_per_s(self) -> float:
        """The chosen pace; 0 is full speed."""
        return float(SPEEDS[self.speed.value()])

    def set_steps_per_s(self, rate: float) -> None:
        """Move the slider to the position nearest ``rate`` (0 = full speed)."""
        if rate <= 0:
            self.speed.setValue(len(SPEEDS) - 1)
            return
        paced = [(abs(s - rate), i) for i, s in enumerate(SPEEDS) if s > 0]
        self.speed.setValue(min(paced)[1])

    @Slot(int)
    def _on_speed(self, position: int) -> None:
        rate = SPEEDS[position]
        self.speed_label.setText(f"{rate} steps/s" if rate else "full")
        self.trainer.set_speed(float(rate))
        full = rate == 0
        if not full:
            self._watch_position = position
        if self.full_speed.isChecked() != full:
            self.full_speed.blockSignals(True)
            self.full_speed.setChecked(full)
            self.full_speed.blockSignals(False)
        self.speedChanged.emit(float(rate))

    @Slot(bool)
    def _on_full_speed(self, on: bool) -> None:
        self.speed.setValue(len(SPEEDS) - 1 if on else self._watch_position)

    @Slot(object)
    def update_snapshot(self, snap: dict[str, Any]) -> None:
        v = self.values
        v["epoch"].setText(str(snap["epoch"]))
        v["step"].setText(str(snap["step"]))
        rate = snap.get("samples_per_s", 0) if self.trainer.state == RUNNING else 0
        v["speed"].setText(f"{rate:.0f}")
        train = last(snap.get("epoch_loss"))  # before the first epoch ends: the last batch's
        v["loss"].setText(fmt(snap.get("loss") if math.isnan(train) else train))
        v["val_loss"].setText(fmt(last(snap.get("val_loss"))))
