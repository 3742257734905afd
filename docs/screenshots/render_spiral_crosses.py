"""Render docs/screenshots/spiral-crosses.png and spiral-crosses-1024x700.png.

    QT_QPA_PLATFORM=offscreen python docs/screenshots/render_spiral_crosses.py [FOLDER]

The spiral example with all five feature crosses ticked and one hidden layer of 8 tanh neurons
(the example itself has two layers of 16 and no crosses), trained 100 epochs: the crosses
appear as input nodes on the canvas and in the Data set panel's "Feature crosses" group.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, QTemporaryDir

from nnstudio.engine.features import NAMES
from nnstudio.examples import example
from nnstudio.gui.app import create_app
from nnstudio.gui.main_window import MainWindow

SIZES = {"spiral-crosses.png": (1280, 800), "spiral-crosses-1024x700.png": (1024, 700)}


def crossed_spiral():
    doc = example("spiral")
    doc.network["features"] = list(NAMES)
    doc.network["layers"] = [{"units": 8, "activation": "tanh"}, doc.network["layers"][-1]]
    return doc


def main(folder: Path) -> int:
    app = create_app()
    ok = True
    for name, size in SIZES.items():
        scratch = QTemporaryDir()  # the default layout, whatever this machine's user did
        settings = QSettings(scratch.filePath("settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(crossed_spiral(), settings=settings)
        window.train_headless(100)
        ok = window.save_screenshot(folder / name, size) and ok
        window.controller.undo_stack.setClean()
        window.close()
        app.processEvents()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent))
