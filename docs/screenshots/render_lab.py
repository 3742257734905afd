"""Render the teaching lab's screenshots: the loss landscape on lesson 5 and a race on spiral.

    QT_QPA_PLATFORM=offscreen python docs/screenshots/render_lab.py [OUT_FOLDER]

``landscape.png``: the course's line y = m x + b through (1, 3) and (2, 5), from m = -1, b = 5
at learning rate 0.1, after 12 single epochs (Step epoch), the Landscape dock beside the Loss:
the loss over (m, b), the path gradient descent took, the current point.
``race.png``: spiral, four optimizers raced for 300 epochs, the Race dock in front and every
dock but the data set's closed (the race draws its own loss curves), so it has the width.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt, QTemporaryDir
from PySide6.QtWidgets import QDockWidget

from nnstudio.examples import example
from nnstudio.gui.app import SCREENSHOT_SIZE, create_app
from nnstudio.gui.main_window import MainWindow


def wait(app, until, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def window(app, name: str, scratch: QTemporaryDir) -> MainWindow:
    settings = QSettings(scratch.filePath(f"{name}.ini"), QSettings.Format.IniFormat)
    win = MainWindow(example(name), settings=settings)
    win.resize(*SCREENSHOT_SIZE)
    win.show()
    wait(app, lambda: win.live.trainer.latest is not None)
    return win


def front(win: MainWindow, title: str, height: int, keep: tuple[QDockWidget, ...]) -> None:
    """The lab dock ``title`` at the bottom, ``height`` tall, beside ``keep``; the rest closed."""
    dock = next(d for d in win.lab_docks if d.windowTitle() == title)
    for other in win.findChildren(QDockWidget):
        if other not in (dock, *keep):
            other.hide()
    win.removeDockWidget(dock)  # out of any tab group: split into a tab it would join the tabs
    bottom = Qt.DockWidgetArea.BottomDockWidgetArea
    beside = [d for d in keep if win.dockWidgetArea(d) == bottom]
    if beside:
        win.splitDockWidget(beside[0], dock, Qt.Orientation.Horizontal)
    else:
        win.addDockWidget(bottom, dock)
    dock.show()
    dock.raise_()
    win.resizeDocks([dock], [height], Qt.Orientation.Vertical)


def landscape(app, out: Path, scratch: QTemporaryDir) -> bool:
    win = window(app, "course_line", scratch)
    front(win, "Landscape", 370, keep=(win.data_dock, win.loss_dock))
    panel = win.lab.landscape
    for epoch in range(1, 13):
        win.live.controls.step_epoch_action.trigger()
        wait(app, lambda e=epoch: (win.live.trainer.latest or {}).get("epoch") == e)
    wait(app, lambda: panel.result is not None and len(panel.path) == 13)
    wait(app, lambda: panel.result.centre == list(panel.path[-1]))
    ok = win.save_screenshot(out / "landscape.png", SCREENSHOT_SIZE)
    win.close_silently()
    return ok


def race(app, out: Path, scratch: QTemporaryDir) -> bool:
    win = window(app, "spiral", scratch)
    win.controller.document.training["epochs"] = 300
    front(win, "Race", 560, keep=(win.data_dock,))  # it draws its own loss curves: all the width
    panel = win.lab.race
    done = []
    panel.race.done.connect(lambda *_: done.append(True))
    panel.start_button.click()
    wait(app, lambda: bool(done), timeout=600)
    ok = win.save_screenshot(out / "race.png", SCREENSHOT_SIZE)
    win.close_silently()
    return ok


def main(out: Path) -> int:
    app = create_app()
    scratch = QTemporaryDir()  # the default layout, whatever this machine's user did
    ok = landscape(app, out, scratch) and race(app, out, scratch)
    app.processEvents()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent))
