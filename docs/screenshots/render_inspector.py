"""Render docs/screenshots/inspector.png: lesson 3 ("one weight") open, sample 1 pinned.

    python docs/screenshots/render_inspector.py [OUT.png]   # on a display, e.g. Xvfb

Qt's offscreen platform leaves stale dock tab bars in a grab, so this one is rendered on a
(virtual) X display: ``Xvfb :99 & DISPLAY=:99 python docs/screenshots/render_inspector.py``.

The Lesson panel (left) shows the lesson's text and its numbers, ticked; the Inspector (below)
shows the chain-rule table for the pinned sample, with two answers typed in by a student and
checked (one right, one wrong); the canvas shows the sample's x, z and a beside the neurons.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, QTemporaryDir

from nnstudio.gui.app import SCREENSHOT_SIZE, create_app
from nnstudio.gui.main_window import MainWindow
from nnstudio.teaching.lessons import find_lesson


def main(out: Path) -> int:
    app = create_app()
    scratch = QTemporaryDir()  # the default layout, whatever this machine's user did
    settings = QSettings(scratch.filePath("settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings=settings)
    window.teaching.open_lesson(find_lesson("3"), interactive=False)
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    app.processEvents()
    inspector = window.teaching.inspector
    inspector.refresh()
    inspector.weights.type_answer("W1[1,1]", "dl_da", "-4")  # forgot the 2 of 2·(ŷ - y)
    inspector.weights.type_answer("W1[1,1]", "gradient", "-24")
    inspector.weights.resizeColumnsToContents()
    dock = window.teaching.inspector_dock
    window.resizeDocks([dock], [330], Qt.Orientation.Vertical)
    window.resizeDocks(
        [window.teaching.lesson_dock, window.properties_dock], [410, 150], Qt.Orientation.Horizontal
    )
    # One point, no training yet: the plots say little, so the inspector gets the width.
    for other in (window.boundary_dock, window.weights_dock, window.neurons_dock):
        other.hide()
    for other in (window.samples_dock, window.confusion_dock):
        other.hide()
    # Tab bars that docking replaced are deleted later; a grab must not catch them.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    ok = window.save_screenshot(out, SCREENSHOT_SIZE)
    app.processEvents()
    return 0 if ok else 1


if __name__ == "__main__":
    default = Path(__file__).with_name("inspector.png")
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else default))
