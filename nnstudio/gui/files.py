"""Where the GUI keeps files: opening, saving, autosave and recovery, recent files, the icon.

:class:`ProjectFiles` is one window's file keeper. It owns the project's path, the window's
recovery slot (``nnstudio.gui.recovery``) and the autosave timer, and makes every way of
opening a project (the command line, File > Open, Open Recent, a dropped file) go through one
method, :meth:`ProjectFiles.open_path`, which offers a crashed window's unsaved work back.

Reading and writing run in a worker thread (``nnstudio.gui.tasks``): the window keeps painting
while a 25 MB project is written. Reading and writing themselves are ``nnstudio.io.project``'s
job (atomic, validated). Paths go through ``pathlib`` and ``QStandardPaths`` so the same code
runs on Windows, macOS and Linux.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QFileDialog

from nnstudio.data.catalog import outside_location
from nnstudio.document import Document, edits
from nnstudio.document.data_edits import data_name
from nnstudio.gui import messages, recovery
from nnstudio.gui.tasks import Outcome, Progress, Task, run_blocking
from nnstudio.io.atomic import write_bytes
from nnstudio.io.project import load_project, project_bytes

if TYPE_CHECKING:
    from nnstudio.gui.main_window import MainWindow

PROJECT_SUFFIX = ".nnstudio"
PROJECT_FILTER = "nnstudio projects (*.nnstudio);;All files (*)"
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
AUTOSAVE_MS = 60_000
MAX_RECENT = 8


def documents_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))


def data_outside_folder(doc: Document, project: Path) -> Path | None:
    """Where the document's data reference points, if outside the project's folder (else None).

    Embedded data is never read from its reference, so it does not count.
    """
    return None if doc.embedded is not None else outside_location(doc.data, project.parent)


def recent(settings: QSettings) -> list[Path]:
    """Recent projects that still exist, newest first."""
    value = settings.value("files/recent", [])
    names = [value] if isinstance(value, str) else list(value or [])
    return [Path(n) for n in names if Path(n).is_file()]


def add_recent(settings: QSettings, path: Path, limit: int = MAX_RECENT) -> None:
    paths = [path.resolve()] + [p for p in recent(settings) if p != path.resolve()]
    settings.setValue("files/recent", [str(p) for p in paths[:limit]])


def disk_stamp(path: Path) -> tuple[int, int] | None:
    """(modification time in ns, size) of a file, None if it is not there: "has it changed?"."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class ProjectFiles(QObject):
    """Open, save, autosave and recovery for one window.

    Signals:
        message(str): what happened, for the status bar.
        pathChanged(): the project has a new name (title bar).
        autosaved(): a recovery copy was written (tests wait for it).
    """

    message = Signal(str)
    pathChanged = Signal()
    autosaved = Signal()

    def __init__(self, window: MainWindow, folder: Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        self.settings = window.settings
        self.folder = folder or recovery.recovery_dir()
        self.path: Path | None = None
        self._stamp: tuple[int, int] | None = None  # the project file as it was opened/saved
        self._slot: recovery.Slot | None = None
        self._changes = 0  # edits since the window opened; autosave compares it
        self._autosaved_key: tuple[int, int] | None = None
        self._autosave_task: Task | None = None
        self._busy = False  # a save or an open is running: autosave waits for the next tick
        self.controller.changed.connect(self._count_change)
        self.controller.documentReplaced.connect(self._count_change)
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()

    def _run(self, label: str, function, **options) -> Outcome:
        """``run_blocking`` with autosave held off meanwhile (its timer may fire in the wait)."""
        self._busy = True
        try:
            return run_blocking(self.window, label, function, **options)
        finally:
            self._busy = False

    # ------------------------------------------------------------------ opening
    def open_path(self, path: Path, interactive: bool = True) -> bool:
        """Open a project, then offer back unsaved work a crashed window left on it.

        A failure shows the error (a message box, or the status bar when not interactive)
        and leaves the current work untouched. A project whose data set cannot be loaded still
        opens (its network is worth having), with one message saying why. Data outside the
        project's folder is read only if the student agrees.
        """
        outcome = self._run(f"Opening {path.name}…", lambda _: load_project(path))
        if not outcome.ok:
            if outcome.error:
                self._refuse("Could not open the project", outcome.error, interactive)
            return False
        doc = outcome.result
        outside = data_outside_folder(doc, path)
        allowed = outside is not None and interactive and self._allow_outside(path, outside)
        self.controller.data_folder, self.controller.allow_outside_paths = path.parent, allowed
        self._replace(doc, path)
        self.offer_recovery()
        add_recent(self.settings, path)
        problem = self.window.data_panel.load_error()
        if problem and interactive and (outside is None or allowed):
            title = "The data set cannot be loaded"
            messages.warning(self.window, title, f"{path.name}: {problem}")
        if not self.controller.undo_stack.isClean():
            return True  # restored: the restore message stays
        self.message.emit(f"Opened {path.name}.")
        return True

    def _allow_outside(self, project: Path, data: Path) -> bool:
        answer = messages.ask(
            self.window,
            "Read data outside the project's folder?",
            f"{project.name} reads its data from {data}, outside the project's folder. "
            "A project from someone else should only read files next to it. Read it anyway?",
            default=messages.Button.No,
        )
        return answer == messages.Button.Yes

    def offer_recovery(self) -> bool:
        """Offer the newest work left by a crashed window on this project (or untitled work).

        True if it was restored. Other orphans stay for next time.
        """
        try:
            recovery.adopt_legacy(self.folder, self.path)
        except OSError as exc:
            self.message.emit(f"Could not read an older recovery file: {exc}")
        found = recovery.orphans(self.folder, self.path)
        if not found:
            return False
        for other in found[1:]:
            other.release()
        slot = found[0]
        answer = recovery.ask(self.window, slot, self.path)
        if answer == recovery.DISCARD:
            slot.discard()
            self.message.emit("Discarded the unsaved work.")
            return False
        if answer == recovery.KEEP:
            slot.release()
            return False
        outcome = self._run("Restoring unsaved work…", lambda _: load_project(slot.work))
        if not outcome.ok:
            slot.release()
            if outcome.error:
                self._refuse("Could not restore the unsaved work", outcome.error, True)
            return False
        self._replace(outcome.result, self.path, keep_stamp=True)
        self._adopt(slot)
        doc = self.controller.document
        self.controller.push(edits.SetValue(("auto_output",), doc.auto_output))  # marks unsaved
        self.message.emit("Restored the unsaved work; save it to keep it.")
        return True

    def _replace(self, doc: Document, path: Path | None, keep_stamp: bool = False) -> None:
        """Show ``doc``; the old document's work was saved or discarded by the user already."""
        self._wait_for_autosave()
        if self._slot is not None:
            self._slot.discard()
            self._slot = None
        self.path = path
        if not keep_stamp:
            self._stamp = None if path is None else disk_stamp(path)
        self.window.replace_document(doc)
        self._autosaved_key = None
        self.pathChanged.emit()

    def _adopt(self, slot: recovery.Slot) -> None:
        if self._slot is not None:
            self._slot.discard()
        self._slot = slot

    def new_document(self, doc: Document) -> None:
        """An untitled document (File > New from Example)."""
        self.controller.data_folder, self.controller.allow_outside_paths = None, False
        self._replace(doc, None)

    def _refuse(self, title: str, text: str, interactive: bool) -> None:
        self.message.emit(text)
        if interactive:
            messages.error(self.window, title, text)

    # ------------------------------------------------------------------- saving
    def save(self) -> bool:
        return self.save_as() if self.path is None else self.save_to(self.path)

    def suggested_name(self, suffix: str) -> Path:
        """Next to the project and named like it; untitled work after its data set."""
        if self.path is not None:
            return self.path.with_suffix(suffix)
        name = data_name(self.controller.document.data or {}) or "project"
        return documents_dir() / f"{Path(name).stem or 'project'}{suffix}"

    def save_as(self) -> bool:
        start = str(self.path or self.suggested_name(PROJECT_SUFFIX))
        name, _ = QFileDialog.getSaveFileName(self.window, "Save project", start, PROJECT_FILTER)
        if not name:
            return False
        path = Path(name)
        if path.suffix != PROJECT_SUFFIX:
            path = path.with_name(path.name + PROJECT_SUFFIX)
        return self.save_to(path)

    def changed_on_disk(self) -> bool:
        """Whether the open project's file was changed by someone else since it was read."""
        return self.path is not None and disk_stamp(self.path) != self._stamp

    def save_to(self, path: Path) -> bool:
        """Write the project; ask first if another window or program changed the file."""
        if path == self.path and self.changed_on_disk() and not self._confirm_overwrite(path):
            self.message.emit(f"Not saved: {path.name} changed on disk.")
            return False
        self.window.live.sync()
        self._wait_for_autosave()
        snap = self.controller.document.copy()  # cheap: the data arrays are shared
        outcome = self._run(
            f"Saving {path.name}…",
            lambda progress: _write_project(snap, path, progress),
            cancel_after=False,
        )
        if not outcome.ok:
            if outcome.error:
                self._refuse("Could not save the project", outcome.error, True)
            return False
        if self._slot is not None:
            self._slot.discard()
            self._slot = None
        self.path, self._stamp = path, disk_stamp(path)
        self.controller.data_folder = path.parent
        self.controller.undo_stack.setClean()
        add_recent(self.settings, path)
        self.pathChanged.emit()
        self.message.emit(f"Saved {path.name}.")
        return True

    def _confirm_overwrite(self, path: Path) -> bool:
        answer = messages.box(
            self.window,
            messages.Icon.Warning,
            "The file changed on disk",
            f"{path.name} was changed by another window or program since you opened it. "
            "Saving replaces those changes with yours.\n\nOverwrite it? (Cancel keeps both: "
            "then use Save As to save your work under another name.)",
            messages.Button.Save | messages.Button.Cancel,
            messages.Button.Cancel,
        )
        return answer == messages.Button.Save

    # ------------------------------------------------------------------ autosave
    def _count_change(self, *_args) -> None:
        self._changes += 1

    def _key(self) -> tuple[int, int]:
        """What the document looks like to autosave: its edits (a training result is one too,
        ``SetProgress``), and its weights' identity as a cheap second check."""
        return self._changes, id(self.controller.document.weights)

    def autosave(self) -> bool:
        """Write a recovery copy in a worker thread, if the work changed since the last one.

        Returns True if a write was started. The project file itself is never touched.
        """
        if self._autosave_task is not None or self._busy:
            return False
        if self.controller.undo_stack.isClean() or self._key() == self._autosaved_key:
            return False
        try:
            slot = self._slot or recovery.new_slot(self.folder)
        except OSError as exc:
            self.message.emit(f"Autosave failed: {exc}")
            return False
        self._slot = slot
        key, project = self._key(), self.path
        snap = self.controller.document.copy()  # cheap: the data arrays are shared
        task = Task(lambda _: slot.write(project_bytes(snap), project), self)
        task.succeeded.connect(lambda _: self._autosave_done(key))
        task.failed.connect(lambda text: self.message.emit(f"Autosave failed: {text}"))
        task.finished.connect(self._autosave_finished)
        self._autosave_task = task
        task.start()
        return True

    def _autosave_done(self, key: tuple[int, int]) -> None:
        self._autosaved_key = key
        self.autosaved.emit()

    def _autosave_finished(self) -> None:
        task, self._autosave_task = self._autosave_task, None
        if task is not None:
            task.deleteLater()

    def _wait_for_autosave(self) -> None:
        """Let a running autosave finish, so it cannot write after a save or a discard."""
        if self._autosave_task is not None:
            self._autosave_task.wait()

    @property
    def recovery_file(self) -> Path | None:
        """This window's recovery copy, if it has written one."""
        return None if self._slot is None or not self._slot.work.exists() else self._slot.work

    # ------------------------------------------------------------------- closing
    def close(self, discard: bool) -> None:
        """The window closes: drop the recovery copy if nothing is unsaved, else keep it."""
        self.timer.stop()
        self._wait_for_autosave()
        if self._slot is not None:
            (self._slot.discard if discard else self._slot.release)()
            self._slot = None

    # ------------------------------------------------------------------- dialogs
    def open_dialog(self) -> Path | None:
        start = str(self.path.parent if self.path else documents_dir())
        name, _ = QFileDialog.getOpenFileName(self.window, "Open project", start, PROJECT_FILTER)
        return Path(name) if name else None

    def export_target(self, fmt: str, suffix: str) -> Path | None:
        start = str(self.suggested_name(suffix))
        name, _ = QFileDialog.getSaveFileName(self.window, f"Export as {fmt}", start, f"*{suffix}")
        return Path(name) if name else None


def _write_project(doc: Document, path: Path, progress: Progress) -> None:
    """Encode (the long part; Cancel stops it before anything is written), then write."""
    data = project_bytes(doc)
    progress(0.9)
    write_bytes(path, data)


def dropped_kind(path: Path) -> str | None:
    """What a file dropped on the window is: "project", "csv", "mnist" (a folder) or None."""
    if path.is_dir():
        return "mnist"
    if path.suffix.lower() == PROJECT_SUFFIX:
        return "project"
    if path.suffix.lower() in CSV_SUFFIXES:
        return "csv"
    return None


def app_icon() -> QIcon:
    """A small drawn icon (three connected neurons), so no image file is needed."""
    pixmap = QPixmap(64, 64)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    blue, orange = QColor(33, 118, 204), QColor(224, 104, 16)
    painter.setPen(blue)
    for a, b in (((14, 18), (50, 32)), ((14, 46), (50, 32))):
        painter.drawLine(*a, *b)
    for (x, y), colour in (((14, 18), blue), ((14, 46), orange), ((50, 32), blue)):
        painter.setBrush(colour)
        painter.drawEllipse(x - 9, y - 9, 18, 18)
    painter.end()
    return QIcon(pixmap)


__all__ = [
    "ProjectFiles",
    "add_recent",
    "app_icon",
    "disk_stamp",
    "documents_dir",
    "dropped_kind",
    "recent",
]
