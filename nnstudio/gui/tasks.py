"""Long file work off the GUI thread: a ``Task`` runs one function in a ``QThread``.

Reading a 100 MB CSV file or writing a 25 MB project takes seconds; done on the GUI thread it
freezes the window. A ``Task`` runs the function in its own thread and reports back through
signals, which Qt delivers on the GUI thread (the ``QThread`` object itself lives there), so
slots may touch widgets. The function gets a :class:`Progress` to report how far it is and to
notice Cancel; it never sees Qt.

Errors become one readable line (``failed``), never a traceback on stderr: ``ValueError``
(``DataError``, ``ProjectError``), ``OSError`` and ``MemoryError`` carry their own message;
anything else is named as unexpected.

:func:`run_blocking` is for actions whose caller needs the answer before going on (Save before
closing, Open): the window keeps painting and a progress dialog with Cancel appears after a
moment, while a window-modal dialog keeps the user from starting a second action meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QLabel, QProgressDialog, QWidget


class Cancelled(Exception):
    """Raised inside a task's function when the user pressed Cancel."""


class Progress:
    """Handed to a task's function: ``progress(0.4)`` reports 40 % and raises on Cancel."""

    def __init__(self, emit: Callable[[float], None], stop: threading.Event) -> None:
        self._emit = emit
        self._stop = stop
        self._last = -1.0

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if Cancel was pressed."""
        if self._stop.is_set():
            raise Cancelled

    def __call__(self, fraction: float) -> None:
        self.check()
        if fraction - self._last >= 0.01 or fraction >= 1.0:  # at most ~100 signals a task
            self._last = fraction
            self._emit(min(1.0, max(0.0, fraction)))


def describe_error(exc: BaseException) -> str:
    """One line for any failure; the expected kinds carry their own message."""
    if isinstance(exc, MemoryError):
        return "not enough memory"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror}"
    if isinstance(exc, ValueError | OSError):
        return str(exc) or type(exc).__name__
    return f"unexpected {type(exc).__name__}: {exc} (please report this)"


class Task(QThread):
    """One function run in its own thread.

    Signals (delivered on the GUI thread):
        progressed(float): 0..1, from the function's ``progress`` calls.
        succeeded(object): the function's return value.
        failed(str): why it failed, in one line.
        cancelled(): Cancel was pressed and the function stopped.
    Qt's own ``finished()`` follows. After :meth:`stop` none of the first four is delivered,
    even one the thread sent just before: a stopped task's news is stale.
    """

    progressed = Signal(float)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    _news = Signal(str, object)  # (signal name, value), sent from the task's thread

    def __init__(
        self,
        function: Callable[[Progress], Any],
        parent: QObject | None = None,
        *,
        cancel_after: bool = True,
    ):
        """``cancel_after=False``: Cancel pressed after the function's last ``progress`` call
        changes nothing (a file already written stays written and is reported as such)."""
        super().__init__(parent)
        self._function = function
        self._cancel_after = cancel_after
        self._stop = threading.Event()
        self._muted = False
        self._news.connect(self._deliver)  # queued: this object lives in the GUI thread

    def run(self) -> None:  # in the task's thread
        progress = Progress(lambda f: self._news.emit("progressed", f), self._stop)
        try:
            result = self._function(progress)
            if self._cancel_after:
                progress.check()
        except Cancelled:
            self._news.emit("cancelled", None)
        except Exception as exc:  # reported as a line: a thread must never print a traceback
            self._news.emit("failed", describe_error(exc))
        else:
            self._news.emit("succeeded", result)

    def _deliver(self, name: str, value: Any) -> None:
        if self._muted:
            return
        if name == "cancelled":
            self.cancelled.emit()
        else:
            getattr(self, name).emit(value)

    def cancel(self) -> None:
        """Ask the function to stop at its next ``progress`` call."""
        self._stop.set()

    def stop(self) -> None:
        """Cancel, wait for the thread to end, and deliver nothing more (teardown)."""
        self._muted = True
        self.cancel()
        self.wait()


@dataclass
class Outcome:
    """What :func:`run_blocking` returns: the result, or an error, or that it was cancelled."""

    result: Any = None
    error: str | None = None
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled


def run_blocking(
    parent: QWidget,
    label: str,
    function: Callable[[Progress], Any],
    *,
    delay_ms: int = 400,
    cancel_after: bool = True,
) -> Outcome:
    """Run ``function`` in a thread and wait for it while the window keeps painting.

    A window-modal progress dialog with Cancel shows if it takes longer than ``delay_ms``.
    """
    task = Task(function, parent, cancel_after=cancel_after)
    dialog = QProgressDialog(label, "Cancel", 0, 1000, parent)
    text = QLabel(label, dialog)
    text.setTextFormat(Qt.TextFormat.PlainText)  # the label names a file: never markup
    dialog.setLabel(text)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(delay_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)
    outcome = Outcome()
    loop = QEventLoop()
    task.progressed.connect(lambda f: dialog.setValue(round(1000 * f)))
    task.succeeded.connect(lambda r: setattr(outcome, "result", r))
    task.failed.connect(lambda m: setattr(outcome, "error", m))
    task.cancelled.connect(lambda: setattr(outcome, "cancelled", True))
    task.finished.connect(loop.quit)
    dialog.canceled.connect(task.cancel)
    task.start()
    loop.exec()
    task.wait()
    dialog.canceled.disconnect(task.cancel)
    dialog.close()
    dialog.deleteLater()
    task.deleteLater()
    return outcome


__all__ = ["Cancelled", "Outcome", "Progress", "Task", "describe_error", "run_blocking"]
