"""A new window opens at 1280 x 800, the size its default layout is arranged for.

Arranging the docks before the first show (all fourteen of them, in one area each) once grew the
window to 1280 x 950: taller than a 1280 x 800 screen, with the status bar and the bottom of the
loss and weights views below its edge. Measured from the window itself, as a student sees it.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, QStandardPaths

from nnstudio import examples
from nnstudio.gui.main_window import MainWindow


def test_a_new_window_is_1280_by_800(qtbot, tmp_path):
    QStandardPaths.setTestModeEnabled(True)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(examples.example("xor"), settings=settings)
    try:
        win.show()
        qtbot.waitExposed(win)
        assert (win.width(), win.height()) == (1280, 800)
        assert win.statusBar().geometry().bottom() < win.height()  # the status line is inside
    finally:
        win.live.shutdown()
        win.controller.undo_stack.setClean()
        win.close()
