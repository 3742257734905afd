"""The document's owner on the GUI side: every change goes through :meth:`DocumentController.push`.

Edits (``nnstudio.document.edits``) are plain data; :class:`EditCommand` is the thin
``QUndoCommand`` around one: ``redo`` applies the edit, ``undo`` applies its inverse, and
``mergeWith`` asks the edit to fold the next one in (a drag or a slider is one undo step).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack

from nnstudio.document.changes import Mark, changed_since, mark
from nnstudio.document.edits import Edit, SetProgress
from nnstudio.document.model import Document
from nnstudio.examples import example
from nnstudio.gui.datasets import DatasetCache, LoadedData

#: Change areas in the order listeners are told about them.
AREAS = ("network", "weights", "training", "data")

_KIND_IDS: dict[str, int] = {}


def kind_id(kind: str) -> int:
    """A stable small integer per edit kind (``QUndoCommand.id``); a compound edit never merges."""
    if kind == "compound":
        return -1
    return _KIND_IDS.setdefault(kind, 1000 + len(_KIND_IDS))


class EditCommand(QUndoCommand):
    """A ``QUndoCommand`` that owns one edit and the inverse its last application returned."""

    def __init__(
        self, controller: DocumentController, edit: Edit, inverse: Edit, before: Mark
    ) -> None:
        super().__init__(edit.describe().capitalize())
        self._controller = controller
        self.edit = edit
        self.inverse = inverse
        # push() applied the edit already (so errors reach the caller); this is the document
        # before it, for the first redo's announcement.
        self._applied: Mark | None = before

    def redo(self) -> None:
        before = self._applied
        if before is not None:
            self._applied = None
        else:
            before = mark(self._controller.document)
            self.inverse = self.edit.apply(self._controller.document)
        self._controller._announce(self.edit.areas(), before)

    def undo(self) -> None:
        if self.inverse is None:  # dropped to keep memory (see DocumentController.trim)
            self.setObsolete(True)
            return
        before = mark(self._controller.document)
        self.inverse.apply(self._controller.document)
        self._controller._announce(self.edit.areas(), before)

    def payload_bytes(self) -> int:
        """Memory held for undo by a training step (its previous progress); 0 for others."""
        inverse = self.inverse
        if isinstance(inverse, SetProgress) and isinstance(self.edit, SetProgress):
            return inverse.progress.nbytes if self.edit.trained else 0
        return 0

    def drop(self) -> None:
        """Forget what undo needs: undoing this step will do nothing and remove it."""
        self.inverse = None
        self.setText(f"{self.text()} (dropped to save memory)")

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
        edited(Change): after an edit, undo or redo, once, with exactly the fields that
            changed (``nnstudio.document.changes``: spec, optimizer, weights, progress,
            training, data), so a listener never compares documents to find out.
        documentReplaced(): a new or opened document replaced the old one (stack cleared).
    """

    changed = Signal(str)
    edited = Signal(object)  # a Change
    documentReplaced = Signal()

    #: Memory the undo stack may hold for training steps before it drops the oldest.
    TRAINING_UNDO_BYTES = 200 * 1024 * 1024

    def __init__(self, document: Document | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document if document is not None else default_document()
        self._stack = QUndoStack(self)
        #: Called with the edit (None for undo/redo) before the document changes: live
        #: training ends its run there and writes it back first.
        self.before_change: list[Callable[[Edit | None], None]] = []
        self._notifying = False
        #: Where the document's data reference is read from: the project file's folder (None
        #: for an unsaved project) and whether the student allowed a path outside it.
        self.data_folder: Path | None = None
        self.allow_outside_paths = False
        self._datasets = DatasetCache()

    def data_access(self) -> dict[str, Any]:
        """Keyword arguments for ``from_reference`` / ``session.dataset``: folder and permission."""
        return {"base_dir": self.data_folder, "allow_outside": self.allow_outside_paths}

    def dataset(self) -> LoadedData:
        """The document's data set (or why it cannot load), read once per data reference."""
        return self._datasets.get(self._document, self.data_access())

    @property
    def document(self) -> Document:
        """The live document. Read it freely; change it only with :meth:`push`."""
        return self._document

    @property
    def undo_stack(self) -> QUndoStack:
        return self._stack

    def push(self, edit: Edit) -> None:
        """Apply ``edit`` as one undo step; a ``ValueError`` (bad value) leaves everything as is."""
        self._notify(edit)
        before = mark(self._document)
        inverse = edit.apply(self._document)
        self._stack.push(EditCommand(self, edit, inverse, before))
        self.trim()

    def _notify(self, edit: Edit | None) -> None:
        if self._notifying:  # a hook's own push (a training result) needs no second round
            return
        self._notifying = True
        try:
            for hook in self.before_change:
                hook(edit)
        finally:
            self._notifying = False

    def trim(self, budget: int | None = None) -> int:
        """Drop the oldest training steps' undo data while they hold more than ``budget``.

        Training steps keep the weights and optimizer state before them; forty pauses on a
        large network would hold gigabytes. Other edits are small and always kept. Returns the
        bytes still held.
        """
        budget = self.TRAINING_UNDO_BYTES if budget is None else budget
        commands = [self._stack.command(i) for i in range(self._stack.index())]
        held = [(c, c.payload_bytes()) for c in commands if isinstance(c, EditCommand)]
        total = sum(size for _, size in held)
        for command, size in held:
            if total <= budget:
                break
            if size:
                command.drop()
                total -= size
        return total

    def try_push(self, edit: Edit) -> str | None:
        """Like :meth:`push`, but returns the error message instead of raising ``ValueError``."""
        try:
            self.push(edit)
        except ValueError as exc:
            return str(exc)
        return None

    def undo(self) -> None:
        self._notify(None)
        self._stack.undo()

    def redo(self) -> None:
        self._notify(None)
        self._stack.redo()

    def set_document(self, document: Document) -> None:
        """Replace the document (new / open): clears the undo history.

        The ``before_change`` hooks run first, so a running job writes its progress into the
        document it trained, not into the new one.
        """
        self._notify(None)
        self._stack.clear()
        self._document = document
        self._stack.setClean()
        self.documentReplaced.emit()

    def create_undo_action(self, parent: QObject) -> QAction:
        """An "Undo" action (Ctrl+Z) for menus and toolbars; it ends a running job first."""
        stack = self._stack
        action = _StackAction("Undo", stack.undoText(), self.undo, parent)
        stack.canUndoChanged.connect(action.setEnabled)
        stack.undoTextChanged.connect(action.relabel)
        action.setEnabled(stack.canUndo())
        action.setShortcut(QKeySequence.StandardKey.Undo)
        return action

    def create_redo_action(self, parent: QObject) -> QAction:
        """A "Redo" action (Ctrl+Shift+Z, and Ctrl+Y where that is the platform's) for menus."""
        stack = self._stack
        action = _StackAction("Redo", stack.redoText(), self.redo, parent)
        stack.canRedoChanged.connect(action.setEnabled)
        stack.redoTextChanged.connect(action.relabel)
        action.setEnabled(stack.canRedo())
        keys = [QKeySequence("Ctrl+Shift+Z")]
        keys += [
            k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo) if k not in keys
        ]
        action.setShortcuts(keys)
        return action

    def _announce(self, areas: frozenset[str], before: Mark) -> None:
        for area in AREAS:
            if area in areas:
                self.changed.emit(area)
        for area in sorted(areas - set(AREAS)):
            self.changed.emit(area)
        change = changed_since(before, self._document)
        if change.fields:
            self.edited.emit(change)


class _StackAction(QAction):
    """Undo or Redo through the controller (QUndoStack's own actions would bypass it)."""

    def __init__(self, verb: str, text: str, slot: Callable[[], None], parent: QObject) -> None:
        super().__init__(verb, parent)
        self.verb = verb
        self.triggered.connect(slot)
        self.relabel(text)

    @Slot(str)
    def relabel(self, text: str) -> None:
        self.setText(f"{self.verb} {text}" if text else self.verb)


def default_document() -> Document:
    """A controller's document when given none: the XOR example, as ``nnstudio.examples`` has it."""
    return example("xor")
