"""The teaching lab's place in the window: the Lessons menu, the Lesson and Inspector docks.

``Teaching(win)`` makes the two panels and their docks; ``add_menu`` adds the Lessons menu.
Opening a lesson replaces the project (asking first if there is unsaved work) with the
lesson's, shows its text and pins sample 1 in the Inspector. A click on a training or
validation point in the Boundary view pins that sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMenuBar

from nnstudio.gui import layout, messages
from nnstudio.gui.inspector.canvas import CanvasProbe
from nnstudio.gui.inspector.panel import InspectorPanel
from nnstudio.gui.lessons.panel import LessonPanel
from nnstudio.gui.lessons.steps import do_step
from nnstudio.gui.plots.common import raw_inputs
from nnstudio.teaching.lesson_file import LessonError, read_lesson
from nnstudio.teaching.lessons import build_document, builtin_lessons

if TYPE_CHECKING:
    from nnstudio.gui.main_window import MainWindow


class Teaching:
    """The Lesson and Inspector docks of one window, and what ties them to the other views."""

    def __init__(self, win: MainWindow) -> None:
        self.win = win
        dataset = win.live.dataset
        self.inspector = InspectorPanel(win.controller, dataset, win)
        self.lesson_panel = LessonPanel(win.controller, dataset, win)
        left, bottom = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        # In scroll areas: a narrow window scrolls them instead of growing (gui/layout.py)
        self.lesson_dock = win._dock("Lesson", layout.scrolled(self.lesson_panel), left)
        win.tabifyDockWidget(win.data_dock, self.lesson_dock)
        win.data_dock.raise_()
        self.inspector_dock = win._dock("Inspector", layout.scrolled(self.inspector), bottom)
        win.tabifyDockWidget(win.loss_dock, self.inspector_dock)
        win.loss_dock.raise_()
        self.probe = CanvasProbe(win.editor)
        self.inspector.refreshed.connect(self._show_on_canvas)
        self.inspector_dock.visibilityChanged.connect(self.inspector.on_dock_visibility)
        self.lesson_panel.doStep.connect(lambda action: do_step(win, action))
        self.lesson_panel.openLink.connect(self.show_view)
        boundary = win.live.views.boundary
        boundary.train_points.sigClicked.connect(lambda _i, pts, _e: self._pin(pts, "train"))
        boundary.val_points.sigClicked.connect(lambda _i, pts, _e: self._pin(pts, "val"))

    def add_menu(self, bar: QMenuBar) -> None:
        menu = bar.addMenu("&Lessons")
        for path in builtin_lessons():
            try:
                title = read_lesson(path).title
            except LessonError:
                continue  # a broken built-in lesson is caught by the tests, not shown
            action = menu.addAction(title)
            action.triggered.connect(lambda _=False, p=path: self.open_lesson(p))
        menu.addSeparator()
        menu.addAction("Open Lesson &File…").triggered.connect(self.open_dialog)
        menu.addSeparator()
        menu.addAction(self.lesson_dock.toggleViewAction())
        menu.addAction(self.inspector_dock.toggleViewAction())

    # ----------------------------------------------------------------------- lessons
    def open_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self.win, "Open lesson", str(Path.home()), "Lessons (*.json)"
        )
        if name:
            self.open_lesson(Path(name))

    def open_lesson(self, path: Path, interactive: bool = True) -> bool:
        """Open the lesson's project and text; a broken file is explained, nothing changes."""
        try:
            lesson = read_lesson(path)
            doc = build_document(lesson)
        except LessonError as exc:
            if interactive:
                messages.error(self.win, "Could not open the lesson", str(exc))
            return False
        if interactive and not self.win.maybe_save():
            return False
        win = self.win
        win.files.new_document(doc)  # untitled: no data folder, nothing outside it allowed
        self.lesson_panel.set_lesson(lesson)
        self.lesson_dock.show()
        self.lesson_dock.raise_()
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        self.inspector.pin(0)
        win.show_message(f"Lesson: {lesson.title}")
        return True

    def show_view(self, name: str) -> bool:
        """Bring forward the dock a lesson links to ("Code dock", "Loss view", "Boundary view").

        A view this window does not have (yet) is said so in the status bar.
        """
        wanted = name.lower().removesuffix(" dock").removesuffix(" view").strip()
        for dock in self.win.findChildren(QDockWidget):
            if dock.windowTitle().lower() == wanted:
                dock.show()
                dock.raise_()
                return True
        self.win.show_message(f"This window has no {name}.")
        return False

    # --------------------------------------------------------------------- pinning
    def _pin(self, points, which: str) -> None:
        job = self.win.live.views.boundary.job
        if job is None or not len(points):
            return
        X = job.X_train if which == "train" else job.X_val
        index = points[0].index()
        raw = raw_inputs(job, np.asarray(X[index : index + 1], float))[0]
        if self.inspector.pin_point(raw):
            self.inspector_dock.show()
            self.inspector_dock.raise_()

    def _show_on_canvas(self) -> None:
        ins, subject = self.inspector.inspection, self.inspector.subject
        inputs = None
        if ins is not None and ins.n == 1 and subject is not None:
            ds = self.win.live.dataset()
            if ds is not None and self.inspector.sample is not None:
                inputs = ds.X[self.inspector.sample]
        self.probe.show(ins, inputs)
