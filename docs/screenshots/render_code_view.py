"""Render docs/screenshots/code-view.png: XOR trained 300 epochs, the Code dock beside the canvas.

    QT_QPA_PLATFORM=offscreen python docs/screenshots/render_code_view.py [OUT.png]

The app's own ``--screenshot`` shows the default layout (Properties in front); this shows the
Code tab instead, widened so a Dense line fits. Training writes the standardizer it used into
the document, so the code shows the numbers the run standardized with.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt, QTemporaryDir

from nnstudio.examples import example
from nnstudio.gui.app import SCREENSHOT_SIZE, create_app
from nnstudio.gui.main_window import MainWindow


def main(out: Path) -> int:
    app = create_app()
    scratch = QTemporaryDir()  # the default layout, whatever this machine's user did
    settings = QSettings(scratch.filePath("settings.ini"), QSettings.Format.IniFormat)
    doc = example("xor")
    window = MainWindow(doc, settings=settings)
    window.train_headless(300)
    window.code_dock.raise_()
    window.resizeDocks([window.code_dock], [520], Qt.Orientation.Horizontal)
    ok = window.save_screenshot(out, SCREENSHOT_SIZE)
    app.processEvents()
    return 0 if ok else 1


if __name__ == "__main__":
    default = Path(__file__).with_name("code-view.png")
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else default))
