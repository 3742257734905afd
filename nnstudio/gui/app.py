"""Application setup: the QApplication, pyqtgraph's configuration, and ``run`` for the CLI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTemporaryDir
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from nnstudio.gui import tooltips

ORGANIZATION = "nnstudio"
APPLICATION = "nnstudio"
SCREENSHOT_SIZE = (1280, 800)


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the system palette is dark (window colour darker than its text)."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def configure_pyqtgraph() -> None:
    """Row-major images (NumPy's order), antialiased curves, and colours from the palette."""
    dark = is_dark()
    pg.setConfigOptions(
        imageAxisOrder="row-major",
        antialias=True,
        background=QGuiApplication.palette().color(QPalette.ColorRole.Base),
        foreground="#dddddd" if dark else "#333333",
    )


def create_app(argv: list[str] | None = None) -> QApplication:
    """The one QApplication, created once; follows the system's light or dark palette."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(argv if argv is not None else sys.argv[:1])
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("nnstudio")
    configure_pyqtgraph()
    tooltips.install(app)
    return app


def run(
    path: str | os.PathLike | None = None,
    *,
    example: str | None = None,
    screenshot: str | os.PathLike | None = None,
    train_epochs: int | None = None,
    size: tuple[int, int] | None = None,
) -> int:
    """Open the studio on a project file, a built-in example or a new document.

    With ``screenshot`` the window is rendered offscreen at ``size`` (default 1280x800) to that
    PNG and the function returns without entering the event loop (after training
    ``train_epochs`` headless first, so every live view is filled).
    """
    if screenshot is not None and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = create_app()
    from nnstudio.gui.main_window import MainWindow

    settings = None
    if screenshot is not None:  # a screenshot shows the default layout, whatever the user did
        scratch = QTemporaryDir()
        settings = QSettings(scratch.filePath("settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    if screenshot is not None:
        if path is not None and not window.open_path(Path(path), interactive=False):
            print(f"nnstudio: error: {window.status.text()}", file=sys.stderr)
            return 1
        if example is not None:
            window.new_from_example(example)
        if train_epochs:
            window.train_headless(train_epochs)
        return 0 if window.save_screenshot(Path(screenshot), size or SCREENSHOT_SIZE) else 1
    window.show()
    if path is not None:
        window.open_path(Path(path))  # a bad file is shown in the window, which stays open
    else:
        if example is not None:
            window.new_from_example(example)
        window.offer_recovery()  # untitled work a crashed window left behind
    if train_epochs:
        window.train_headless(train_epochs)
    return app.exec()
