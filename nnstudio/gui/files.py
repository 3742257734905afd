"""Where the GUI keeps files: projects, recent files, recovery copies, and the app icon.

Paths go through ``pathlib`` and ``QStandardPaths`` so the same code runs on Windows, macOS and
Linux. Reading and writing projects is ``nnstudio.io.project``'s job (atomic, validated).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from nnstudio.data.catalog import outside_location
from nnstudio.document import Document
from nnstudio.io.project import load_project, save_project

PROJECT_FILTER = "nnstudio projects (*.nnstudio);;All files (*)"
RECOVERY_SUFFIX = ".autosave"
UNTITLED_RECOVERY = "untitled.nnstudio" + RECOVERY_SUFFIX


def documents_dir() -> str:
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)


def data_dir() -> Path:
    """The per-user folder for recovery files of unsaved projects."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def load(path: Path) -> Document:
    return load_project(path)


def save(doc: Document, path: Path) -> None:
    save_project(doc, path)


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


def add_recent(settings: QSettings, path: Path, limit: int) -> None:
    paths = [path.resolve()] + [p for p in recent(settings) if p != path.resolve()]
    settings.setValue("files/recent", [str(p) for p in paths[:limit]])


def recovery_path(project: Path | None) -> Path:
    """Next to the project (``lesson.nnstudio.autosave``), or in the user data folder."""
    if project is None:
        return data_dir() / UNTITLED_RECOVERY
    return project.with_name(project.name + RECOVERY_SUFFIX)


def save_recovery(doc: Document, project: Path | None) -> Path:
    """Write the recovery copy, readable by no one the project itself is hidden from."""
    target = recovery_path(project)
    target.parent.mkdir(parents=True, exist_ok=True)
    like = project if project is not None and project.exists() else None
    save_project(doc, target, like=like)
    return target


def find_recovery(project: Path | None) -> Path | None:
    """A recovery file worth offering: present, and newer than the project it belongs to."""
    target = recovery_path(project)
    if not target.is_file():
        return None
    stale = (
        project is not None
        and project.is_file()
        and target.stat().st_mtime <= project.stat().st_mtime
    )
    return None if stale else target


def discard_recovery(project: Path | None) -> None:
    discard_recovery_file(recovery_path(project))


def discard_recovery_file(path: Path) -> None:
    path.unlink(missing_ok=True)


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
