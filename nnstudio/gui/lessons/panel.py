"""The Lesson panel: the lesson's text, its steps, and the numbers to find, ticked live.

The panel follows the document: after every edit, training pause or undo it measures the
current step's numbers (``nnstudio.teaching.measure``, the same code as ``nnstudio lesson
check``) and ticks each that matches. A tick stays once earned, so the student can go on
(the next step changes the numbers); Back and Next move between steps.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.data import DataError, Dataset
from nnstudio.gui.inspector.answers import fmt
from nnstudio.gui.undo import DocumentController
from nnstudio.teaching.lesson_file import ACTIONS, Lesson
from nnstudio.teaching.lessons import evaluate
from nnstudio.teaching.measure import Subject

REACHED = QColor(120, 200, 120, 110)
COLUMNS = ["step", "number to find", "expected", "app", "", "where it shows"]


class LessonPanel(QWidget):
    """One lesson at a time; ``reached`` holds the (step, index) of every ticked number."""

    doStep = Signal(dict)  # "Do it for me": the window performs the action with its controls
    openLink = Signal(str)  # a view the lesson talks about ("Code dock", "Loss view"...)

    def __init__(
        self,
        controller: DocumentController,
        dataset: Callable[[], Dataset | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._dataset = dataset
        self.lesson: Lesson | None = None
        self.step = 0
        self.reached: set[tuple[int, int]] = set()
        self.values: dict[tuple[int, int], float | None] = {}

        self.title = QLabel("No lesson open: choose one in the Lessons menu.", self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.step_label = QLabel(self)
        self.step_label.setTextFormat(Qt.TextFormat.PlainText)
        self.step_label.setWordWrap(True)
        self.back = QPushButton("◀ Back", self)
        self.next = QPushButton("Next ▶", self)
        self.do_it = QPushButton("Do it for me", self)
        self.do_it.setToolTip("Performs this step with the window's controls")
        self.back.clicked.connect(lambda: self.go(self.step - 1))
        self.next.clicked.connect(lambda: self.go(self.step + 1))
        self.do_it.clicked.connect(self._do_it)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.score = QLabel(self)
        self.score.setTextFormat(Qt.TextFormat.PlainText)
        self.links = QHBoxLayout()
        self.link_buttons: list[QPushButton] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 2)
        layout.addLayout(self.links)
        layout.addWidget(self.step_label)
        row = QHBoxLayout()
        for button in (self.back, self.next, self.do_it):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.score)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.evaluate)
        controller.changed.connect(lambda _area: self._timer.start())
        controller.documentReplaced.connect(self._timer.start)
        self._show_step()

    # ------------------------------------------------------------------------ lesson
    def set_lesson(self, lesson: Lesson | None) -> None:
        """Show ``lesson`` from its first step, no ticks yet (its document is already open)."""
        self.lesson = lesson
        self.reached.clear()
        self.values.clear()
        self.step = 0
        self.title.setText(lesson.title if lesson else "No lesson open.")
        self.text.setPlainText(lesson.text if lesson else "")
        self._show_links(lesson.links if lesson else ())
        self._show_step()
        self.evaluate()

    def _show_links(self, links) -> None:
        for button in self.link_buttons:
            self.links.removeWidget(button)
            button.deleteLater()
        self.link_buttons = []
        for name in links:
            button = QPushButton(f"Show: {name}", self)
            button.clicked.connect(lambda _=False, n=name: self.openLink.emit(n))
            self.links.addWidget(button)
            self.link_buttons.append(button)

    def go(self, step: int) -> None:
        if self.lesson is None or not 0 <= step < len(self.lesson.steps):
            return
        self.step = step
        self._show_step()
        self.evaluate()

    def _do_it(self) -> None:
        if self.lesson is not None and self.lesson.steps[self.step].action is not None:
            self.doStep.emit(dict(self.lesson.steps[self.step].action))

    def _show_step(self) -> None:
        lesson = self.lesson
        has = lesson is not None
        for button in (self.back, self.next, self.do_it):
            button.setEnabled(has)
        if not has:
            self.step_label.setText("")
            self._fill()
            return
        step = lesson.steps[self.step]
        text = f"Step {self.step + 1} of {len(lesson.steps)}: {step.text}"
        if step.action is not None:
            text += f"\n(Control: {ACTIONS[step.action['action']][1]}.)"
        if step.observe:
            text += f"\nLook for: {step.observe}"
        self.step_label.setText(text)
        self.back.setEnabled(self.step > 0)
        self.next.setEnabled(self.step + 1 < len(lesson.steps))
        self.do_it.setEnabled(step.action is not None)

    # -------------------------------------------------------------------- checking
    def evaluate(self) -> None:
        """Measure the current step's numbers in the document; tick those that match."""
        self._timer.stop()
        lesson = self.lesson
        if lesson is not None and lesson.steps[self.step].expect:
            try:
                ds = self._dataset()
                if ds is None:
                    raise DataError("no data set")
                subject = Subject.of(self.controller.document, ds)
            except (DataError, ValueError):
                subject = None
            if subject is not None:
                for i, expect in enumerate(lesson.steps[self.step].expect):
                    result = evaluate(expect, subject, self.step)
                    self.values[(self.step, i)] = result.actual
                    if result.ok:
                        self.reached.add((self.step, i))
        self._fill()

    def is_reached(self, step: int, index: int) -> bool:
        return (step, index) in self.reached

    def _fill(self) -> None:
        lesson = self.lesson
        rows = [] if lesson is None else [
            (s, i, e) for s, step in enumerate(lesson.steps) for i, e in enumerate(step.expect)
        ]  # fmt: skip
        self.table.setRowCount(len(rows))
        for r, (s, i, expect) in enumerate(rows):
            ok = (s, i) in self.reached
            actual = self.values.get((s, i))
            sign = {"equal": "", "below": "< ", "above": "> "}[expect.compare]
            cells = [
                str(s + 1),
                expect.label,
                f"{sign}{fmt(expect.value)}",
                "" if (s, i) not in self.values else fmt(actual),
                "✓" if ok else ("✗" if (s, i) in self.values else ""),
                expect.where,
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if ok:
                    item.setBackground(QBrush(REACHED))
                if c == 5:
                    item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        if lesson is not None:
            self.score.setText(f"{len(self.reached)} of {len(rows)} numbers found")
        else:
            self.score.setText("")
