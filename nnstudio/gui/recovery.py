"""Recovery files: each window's unsaved work, kept where a crash cannot take it away.

Every window owns one *slot* in the user data folder (``~/.local/share/nnstudio/recovery`` on
Linux), three files named by a random key:

- ``KEY.nnstudio``: the unsaved work, an ordinary project file;
- ``KEY.json``: which project the work belongs to (``{"project": "/abs/path" or null}``);
- ``KEY.lock``: a ``QLockFile`` the window holds while it lives.

The lock is what tells a crashed window's work from a living one's: a slot whose lock can be
taken has no owner (the process that held it is gone), so its work is offered back the next
time its project is opened, or, for untitled work, the next time the studio starts. A slot
whose owner is alive (another window, in this process or another) is never offered and never
touched. Slots are deleted only by an explicit *Discard* or by saving the project they belong
to; declining an offer ("Open the saved version") keeps the slot for next time.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QStandardPaths, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from nnstudio.io.atomic import write_bytes, write_text
from nnstudio.io.untrusted import MAX_FILE_BYTES

WORK_SUFFIX, META_SUFFIX, LOCK_SUFFIX = ".nnstudio", ".json", ".lock"
MAX_META_BYTES = 64 * 1024
RESTORE, KEEP, DISCARD = "restore", "keep", "discard"


def recovery_dir() -> Path:
    """``<generic data folder>/nnstudio/recovery``: one ``nnstudio`` level, not two.

    (``AppDataLocation`` appends organisation and application name, both "nnstudio".)
    """
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base) / "nnstudio" / "recovery"


def _lock(path: Path) -> QLockFile:
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # stale only when its process is gone, never because it is old
    return lock


def _same_file(a: Path | None, b: Path | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return os.path.normcase(str(a.resolve())) == os.path.normcase(str(b.resolve()))


@dataclass
class Slot:
    """One window's recovery files; ``lock`` is held while the slot is owned."""

    folder: Path
    key: str
    lock: QLockFile
    project: Path | None = None

    @property
    def work(self) -> Path:
        return self.folder / (self.key + WORK_SUFFIX)

    @property
    def meta(self) -> Path:
        return self.folder / (self.key + META_SUFFIX)

    def saved_at(self) -> float | None:
        """When the work was last written (seconds since the epoch), or None if never."""
        try:
            return self.work.stat().st_mtime
        except OSError:
            return None

    def write(self, data: bytes, project: Path | None) -> None:
        """Store the work's bytes for ``project`` (None: untitled). Safe in a worker thread."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.project = project
        name = None if project is None else str(project.resolve())
        write_text(self.meta, json.dumps({"project": name}))
        # Readable by no one the project itself is hidden from: the project's permissions.
        like = project if project is not None and project.exists() else None
        write_bytes(self.work, data, like)

    def discard(self) -> None:
        """Delete the work (explicit Discard, or the project was saved) and free the slot."""
        for path in (self.work, self.meta):
            with contextlib.suppress(OSError):
                path.unlink()
        self.release()

    def release(self) -> None:
        """Give up the slot and keep its files (closing with nothing lost, or declining)."""
        if self.lock.isLocked():
            self.lock.unlock()


def new_slot(folder: Path) -> Slot:
    """A fresh slot owned by this window (its lock taken before anything is written)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = uuid.uuid4().hex
    lock = _lock(folder / (key + LOCK_SUFFIX))
    if not lock.tryLock(0):
        raise OSError(f"cannot create a recovery file in {folder}")
    return Slot(folder, key, lock)


def _read_project(meta: Path) -> tuple[bool, Path | None]:
    """(readable, project) from a slot's small JSON file; anything odd is unreadable."""
    try:
        info = meta.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_META_BYTES:  # a FIFO would block
            return False, None
        value = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False, None
    name = value.get("project") if isinstance(value, dict) else ""
    if name is None:
        return True, None
    return (True, Path(name)) if isinstance(name, str) and name else (False, None)


def orphans(folder: Path, project: Path | None) -> list[Slot]:
    """Slots of ``project`` (None: untitled work) whose owner is gone, newest first.

    Each returned slot is locked by the caller now: adopt it, discard it, or ``release`` it.
    """
    found: list[Slot] = []
    if not folder.is_dir():
        return found
    for meta in folder.glob("*" + META_SUFFIX):
        key = meta.name[: -len(META_SUFFIX)]
        readable, owner = _read_project(meta)
        if not readable or not _same_file(owner, project):
            continue
        if not (folder / (key + WORK_SUFFIX)).is_file():
            continue
        lock = _lock(folder / (key + LOCK_SUFFIX))
        if lock.tryLock(0):
            found.append(Slot(folder, key, lock, owner))
    found.sort(key=lambda s: s.saved_at() or 0.0, reverse=True)
    return found


def legacy_file(project: Path | None) -> Path:
    """Where nnstudio 0.x autosaved: next to the project, or in a doubled nnstudio folder."""
    if project is not None:
        return project.with_name(project.name + ".autosave")
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "untitled.nnstudio.autosave"


def adopt_legacy(folder: Path, project: Path | None) -> None:
    """Move an older version's recovery file into a free slot, so it is offered like any other.

    Only one newer than its project (the old rule for "unsaved work"); the old file is removed
    once its bytes are safely in the slot.
    """
    old = legacy_file(project)
    try:
        if not old.is_file():
            return
        has_project = project is not None and project.is_file()
        if has_project and old.stat().st_mtime <= project.stat().st_mtime:
            return
        if old.stat().st_size > MAX_FILE_BYTES:  # no project is that large: not read at all
            return
        data = old.read_bytes()
    except OSError:
        return
    slot = new_slot(folder)
    try:
        slot.write(data, project)
    except (OSError, ValueError):
        slot.discard()
        return
    slot.release()
    with contextlib.suppress(OSError):
        old.unlink()


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "an unknown time"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def ask(parent: QWidget, slot: Slot, project: Path | None) -> str:
    """Offer a crashed window's work back: RESTORE, KEEP (open the saved version) or DISCARD.

    Closing the box keeps the work for next time: only the Discard button deletes it.
    """
    box = QMessageBox(parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # the text names a file: never markup
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Restore unsaved work?")
    when = _when(slot.saved_at())
    if project is None:
        text = f"An nnstudio window closed unexpectedly with unsaved work (autosaved {when})."
        keep_text = "Not now"
    else:
        saved = _when(project.stat().st_mtime) if project.exists() else "never (it is missing)"
        text = (
            f"{project.name} has unsaved work from a window that closed unexpectedly.\n\n"
            f"Unsaved work: autosaved {when}\nSaved file: written {saved}"
        )
        keep_text = "Open the saved version"
    box.setText(text)
    box.setInformativeText(
        "Restore brings the unsaved work back; the other choice keeps it for next time; "
        "Discard deletes it."
    )
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton(keep_text, QMessageBox.ButtonRole.RejectRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(restore)
    box.setEscapeButton(keep)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is restore:
        return RESTORE
    return DISCARD if clicked is discard else KEEP


__all__ = [
    "DISCARD",
    "KEEP",
    "RESTORE",
    "Slot",
    "adopt_legacy",
    "ask",
    "new_slot",
    "orphans",
    "recovery_dir",
]
