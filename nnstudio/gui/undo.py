"""The document's owner on the GUI side: every change goes through :meth:`DocumentController.push`.

Edits (``nnstudio.document.edits``) are plain data; :class:`EditCommand` is the thin
``QUndoCommand`` around one: ``redo`` applies the edit, ``undo`` applies its inverse, and
``mergeWith`` asks the edit to fold the next one in (a drag or a slider is one undo step).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack

from nnstudio.document.edits import Edit
from nnstudio.document.model import Document

#: Change areas in the order listeners are told about them.
AREAS = ("network", "weights", "training", "data")

_KIND_IDS: dict[str, int] = {}


def kind_id(kind: str) -> int:
    """A stable small integer per edit kind (``QUndoCommand.id``); "batch" never merges."""
    if kind == "batch":
        return -1
    return _KIND_IDS.setdefault(kind, 1000 + len(_KIND_IDS))


class EditCommand(QUndoCommand):
    """A ``QUndoCommand`` that owns one edit and the inverse its last application returned."""

    def __init__(self, controller: DocumentController, edit: Edit, inverse: Edit) -> None:
        super().__init__(edit.describe().capitalize())
        self._controller = controller
        self.edit = edit
        self.inverse = inverse
        self._applied = True  # push() applied the edit already (so errors reach the caller)

    def redo(self) -> None:
        if self._applied:
            self._applied = False
        else:
            self.inverse = self.edit.apply(self._controller.document)
        self._controller._announce(self.edit.areas())

    def undo(self) -> None:
        self.inverse.apply(self._controller.document)
        self._controller._announce(self.edit.areas())

    def id(self) -> int:
        return kind_id(self.edit.kind)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand) or other.id() != self.id():
            return False
        if not self.edit.merge(other.edit):
            return False
        self.setText(self.edit.describe().capitalize())
        return True  # keep self.inverse: it restores the state before the first edit


class DocumentController(QObject):
    """Owns the :class:`Document` and its ``QUndoStack``. Widgets never mutate the document.

    Signals:
        changed(str): after an edit, undo or redo, once per area that changed: "network"
            (layers, units, activations, loss, optimizer, auto_output), "weights", "training",
            "data". A "network" change implies the weights may have changed too.
        documentReplaced(): a new or opened document replaced the old one (stack cleared).
    """

    changed = Signal(str)
    documentReplaced = Signal()

    def __init__(self, document: Document | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document if document is not None else default_document()
        self._stack = QUndoStack(self)
        #: Where the document's data reference is read from: the project file's folder (None
        #: for an unsaved project) and whether the student allowed a path outside it.
        self.data_folder: Path | None = None
        self.allow_outside_paths = False

    def data_access(self) -> dict[str, Any]:
        """Keyword arguments for ``from_reference`` / ``session.dataset``: folder and permission."""
        return {"base_dir": self.data_folder, "allow_outside": self.allow_outside_paths}

    @property
    def document(self) -> Document:
        """The live document. Read it freely; change it only with :meth:`push`."""
        return self._document

    @property
    def undo_stack(self) -> QUndoStack:
        return self._stack

    def push(self, edit: Edit) -> None:
        """Apply ``edit`` as one undo step; a ``ValueError`` (bad value) leaves everything as is."""
        inverse = edit.apply(self._document)
        self._stack.push(EditCommand(self, edit, inverse))

    def try_push(self, edit: Edit) -> str | None:
        """Like :meth:`push`, but returns the error message instead of raising ``ValueError``."""
        try:
            self.push(edit)
        except ValueError as exc:
            return str(exc)
        return None

    def undo(self) -> None:
        self._stack.undo()

    def redo(self) -> None:
        self._stack.redo()

    def set_document(self, document: Document) -> None:
        """Replace the document (new / open): clears the undo history."""
        self._stack.clear()
        self._document = document
        self._stack.setClean()
        self.documentReplaced.emit()

    def create_undo_action(self, parent: QObject) -> QAction:
        """An "Undo" action (Ctrl+Z) bound to the stack, for menus and toolbars."""
        action = self._stack.createUndoAction(parent, "Undo")
        action.setShortcut(QKeySequence.StandardKey.Undo)
        return action

    def create_redo_action(self, parent: QObject) -> QAction:
        """A "Redo" action (Ctrl+Shift+Z, and Ctrl+Y where that is the platform's) for menus."""
        action = self._stack.createRedoAction(parent, "Redo")
        keys = [QKeySequence("Ctrl+Shift+Z")]
        keys += [
            k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo) if k not in keys
        ]
        action.setShortcuts(keys)
        return action

    def _announce(self, areas: frozenset[str]) -> None:
        for area in AREAS:
            if area in areas:
                self.changed.emit(area)
        for area in sorted(areas - set(AREAS)):
            self.changed.emit(area)


def default_document() -> Document:
    """A small starting network: 2 inputs, one hidden layer of 4 tanh neurons, 1 sigmoid output."""
    return Document(
        network={
            "inputs": 2,
            "layers": [
                {"units": 4, "activation": "tanh"},
                {"units": 1, "activation": "sigmoid"},
            ],
            "loss": "binary_crossentropy",
            "optimizer": {"name": "sgd", "learning_rate": 0.03, "momentum": 0.0},
            "seed": 0,
            "dtype": "float64",
        }
    )
