"""Small pieces the import dialog's pages share: a path row, a status line, a progress row."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from nnstudio.gui.tasks import Task

ERROR_COLOR = "#c0392b"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else words or word + 's'}"


def describe_parts(
    n_rows: int,
    n_features: int,
    image_shape: tuple[int, int] | None,
    class_names: list[str] | None,
) -> str:
    """ "60,000 rows · images of 28×28 pixels · 10 classes (0, 1, …)"."""
    parts = [plural(n_rows, "row"), plural(n_features, "feature")]
    if image_shape:
        parts[1] = f"images of {image_shape[0]}×{image_shape[1]} pixels"
    if class_names is not None:
        shown = ", ".join(class_names[:6]) + (", …" if len(class_names) > 6 else "")
        parts.append(f"{len(class_names)} classes ({shown})")
    else:
        parts.append("regression target")
    return " · ".join(parts)


class Status(QLabel):
    """A word-wrapped line that is either neutral information or a red error."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # messages quote files: never markup
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.is_error = False

    def info(self, text: str) -> None:
        self.is_error = False
        self.setStyleSheet("")
        self.setText(text)

    def error(self, text: str) -> None:
        self.is_error = True
        self.setStyleSheet(f"color: {ERROR_COLOR};")
        self.setText(text)


class PathRow(QWidget):
    """A path field and a *Browse…* button; ``chooser`` returns the chosen path or None.

    ``entered`` is emitted when the student presses Enter, leaves the field after typing, or
    picks a file with *Browse…*.
    """

    entered = Signal()

    def __init__(self, placeholder: str, chooser: Callable[[], str | None], parent: QWidget):
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.button = QPushButton("Browse…", self)
        self.button.setAutoDefault(False)
        self._chooser = chooser
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.button.clicked.connect(self._browse)
        self.edit.editingFinished.connect(self.entered)

    def _browse(self) -> None:
        chosen = self._chooser()
        if chosen:
            self.edit.setText(chosen)
            self.entered.emit()


class ProgressRow(QWidget):
    """A progress bar with its own Cancel button, shown while a task runs.

    ``idle`` is emitted when the task it shows has finished (after its result signal).
    """

    idle = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setAutoDefault(False)
        self.cancel.setToolTip("Stop reading the file")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel)
        self.task: Task | None = None
        self.cancel.clicked.connect(self._cancel_clicked)
        self.hide()

    def run(self, task: Task) -> None:
        """Show ``task``'s progress until it finishes; an older task is stopped first."""
        self.stop()
        self.task = task
        self.bar.setValue(0)
        task.progressed.connect(lambda f: self.bar.setValue(round(1000 * f)))
        task.finished.connect(self._finished)
        self.show()
        task.start()

    def _finished(self) -> None:
        task = self.sender()
        if task is self.task:
            self.task = None
            self.hide()
            self.idle.emit()
        if isinstance(task, Task):
            task.deleteLater()

    def _cancel_clicked(self) -> None:
        """Ask the task to stop; it says so (``cancelled``) and ``idle`` follows."""
        if self.task is not None:
            self.task.cancel()

    @property
    def busy(self) -> bool:
        return self.task is not None

    def stop(self) -> None:
        """Cancel the running task and wait for its thread (it stops within one chunk)."""
        task, self.task = self.task, None
        if task is not None:
            task.stop()
        self.hide()


__all__ = ["ERROR_COLOR", "PathRow", "ProgressRow", "Status", "describe_parts", "plural"]
