"""The status bar's line of text, kept from going stale.

Messages reach the line from everywhere (the editor, the data panel, training, files), each
saying what just happened. Two moments change what is true without anyone sending a new
message, and the old one then misleads:

- **Undo and Redo.** "The network changed, so its weights start fresh from the seed. Undo
  (Ctrl+Z) brings the trained weights back." stayed on the line after the student had pressed
  Ctrl+Z and the trained weights were back. The line now says what was undone or redone.
- **A pause.** "Training…" stayed after Pause, Step batch and Step epoch, while nothing was
  training. The line now says where training stands and how to go on. Only that one message is
  replaced: a pause with a reason (a diverging run) keeps its reason on the line.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from nnstudio.gui.training import PAUSED
from nnstudio.gui.undo import DocumentController

#: What the line says while a run is going (sent by ``LiveTraining`` when a run starts).
TRAINING = "Training…"


class StatusLine(QObject):
    """Shows messages on ``label`` and replaces the ones an undo, a redo or a pause make stale."""

    def __init__(
        self,
        label: QLabel,
        controller: DocumentController,
        trainer: Any,
        undo_action: QAction,
        redo_action: QAction,
    ) -> None:
        super().__init__(label)
        self.label = label
        self.controller = controller
        self.trainer = trainer
        # Connected after the actions' own slots, so these run once the step is undone or redone.
        undo_action.triggered.connect(self._after_undo)
        redo_action.triggered.connect(self._after_redo)
        trainer.stateChanged.connect(self._on_state)

    def show(self, text: str) -> None:
        self.label.setText(text)

    def _after_undo(self) -> None:
        stack = self.controller.undo_stack
        if stack.index() < stack.count():  # the command just undone sits at the index
            self.show(f"Undone: {stack.text(stack.index())}. Redo: Ctrl+Shift+Z.")

    def _after_redo(self) -> None:
        stack = self.controller.undo_stack
        if stack.index() > 0:
            self.show(f"Redone: {stack.text(stack.index() - 1)}.")

    def _on_state(self, state: str) -> None:
        if state != PAUSED or self.label.text() != TRAINING:
            return
        snap = self.trainer.latest
        where = f" at epoch {snap['epoch']}, step {snap['step']}" if snap else ""
        self.show(f"Paused{where}. Play (Space) goes on from here.")


__all__ = ["TRAINING", "StatusLine"]
