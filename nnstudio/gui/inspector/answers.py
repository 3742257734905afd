"""Tables whose numeric cells a student may overwrite with an answer, marked right or wrong.

Each numeric cell keeps the app's number; what the student types is compared with it to 4
decimals and shown with a tick or a cross (and green or red). "Hide the app's numbers" blanks
the cells the student has not answered, so the table becomes an exercise sheet.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

#: "Right" means equal to 4 decimals, give or take: what the lessons use.
TOLERANCE = 5e-5
RIGHT, WRONG = QColor(120, 200, 120, 110), QColor(230, 110, 100, 130)


def fmt(value: float | None) -> str:
    """A number as a lecture writes it: up to 6 significant digits; '—' when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


def is_right(typed: float, value: float | None) -> bool:
    return value is not None and math.isfinite(value) and abs(typed - value) <= TOLERANCE


class AnswerTable(QTableWidget):
    """Rows keyed by a name; numeric columns keyed by a field name. Typed answers survive
    refreshes (they are kept by row name and field) until the rows change meaning."""

    answered = Signal(str, str, bool)  # row name, field, right?

    def __init__(self, columns: list[tuple[str, str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.fields = [key for key, _, _ in columns]
        self.setColumnCount(len(columns))
        for c, (_, title, tip) in enumerate(columns):
            item = QTableWidgetItem(title)
            item.setToolTip(tip)
            self.setHorizontalHeaderItem(c, item)
        self.verticalHeader().setVisible(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.answers: dict[tuple[str, str], float] = {}
        self.hide_values = False
        self._rows: list[tuple[str, dict[str, float | None], dict[str, str]]] = []
        self._filling = False
        self.itemChanged.connect(self._on_edit)
        # Typing the number a cell already shows changes no data, so no itemChanged: the
        # editor's commit is an answer too.
        self.itemDelegate().commitData.connect(self._on_commit)

    def set_rows(self, rows: list[tuple[str, dict[str, float | None], dict[str, str]]]) -> None:
        """``(name, numbers by field, texts by field)`` per row; texts are not answerable."""
        self._rows = rows
        self._fill()

    def editing(self) -> bool:
        """A student is typing in a cell: refilling now would throw the typing away."""
        return self.state() == QAbstractItemView.State.EditingState

    def set_hide_values(self, hide: bool) -> None:
        self.hide_values = hide
        self._fill()

    def clear_answers(self) -> None:
        self.answers.clear()
        self._fill()

    def value(self, name: str, field: str) -> float | None:
        for row_name, numbers, _ in self._rows:
            if row_name == name:
                return numbers.get(field)
        raise KeyError(name)

    def cell(self, name: str, field: str) -> QTableWidgetItem:
        r = [row[0] for row in self._rows].index(name)
        return self.item(r, self.fields.index(field))

    def type_answer(self, name: str, field: str, text: str) -> None:
        """Take ``text`` as the student's answer in that cell (what typing into it does)."""
        item = self.cell(name, field)
        self._answer(item.row(), item.column(), text)

    def _fill(self) -> None:
        self._filling = True
        try:
            self.setRowCount(len(self._rows))
            for r, (name, numbers, texts) in enumerate(self._rows):
                for c, field in enumerate(self.fields):
                    self.setItem(r, c, self._item(name, field, numbers, texts))
            self.resizeColumnsToContents()
        finally:
            self._filling = False

    def _item(self, name: str, field: str, numbers: dict, texts: dict) -> QTableWidgetItem:
        if field in texts or field not in numbers:
            item = QTableWidgetItem(texts.get(field, ""))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            return item
        value = numbers[field]
        typed = self.answers.get((name, field))
        if typed is not None:
            right = is_right(typed, value)
            item = QTableWidgetItem(f"{fmt(typed)} {'✓' if right else '✗'}")
            item.setBackground(QBrush(RIGHT if right else WRONG))
            item.setToolTip(
                "Right: the app finds the same to 4 decimals."
                if right
                else f"Not what the app finds ({fmt(value)}); double-click to try again."
            )
            item.setData(Qt.ItemDataRole.UserRole, "right" if right else "wrong")
        else:
            item = QTableWidgetItem("" if self.hide_values else fmt(value))
            item.setToolTip("Double-click and type your own answer to check it.")
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if value is None:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        return item

    def _on_edit(self, item: QTableWidgetItem) -> None:
        if not self._filling:
            self._answer(item.row(), item.column(), item.text())

    def _on_commit(self, editor: QWidget) -> None:
        index = self.currentIndex()
        if isinstance(editor, QLineEdit) and index.isValid():
            self._answer(index.row(), index.column(), editor.text())

    def _answer(self, row: int, column: int, text: str) -> None:
        """Keep (or, for text that is no number, forget) an answer and mark it."""
        name, field = self._rows[row][0], self.fields[column]
        text = text.replace("✓", "").replace("✗", "").strip().replace(",", ".")
        try:
            typed = float(text)
        except ValueError:
            typed = None
        known = self.answers.get((name, field))
        if typed is None or not math.isfinite(typed):
            self.answers.pop((name, field), None)
        else:
            self.answers[(name, field)] = typed
        self._fill()
        if typed is not None and math.isfinite(typed) and typed != known:
            self.answered.emit(name, field, is_right(typed, self.value(name, field)))
