"""The import dialog's CSV tab: preview, column choices, every problem at once, a background read.

Choosing a file shows its first rows at once (only the head of the file is read) with the
guessed delimiter, header and label column, and starts reading the whole file in a worker
thread, with a progress bar and Cancel. The read gives a column table
(``nnstudio.data.csv_table``): changing the label column, ticking a column off, the task or the
missing-value rule then judges that table again in milliseconds, without reading the file.
Only the delimiter, the header and decimal commas change how the file is split, and re-read it.

Problems are listed all at once in the dialog's own words ("choose *Drop those rows* under
Missing values"), never the API's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.data import DataError, Dataset
from nnstudio.data.csv import CsvImport, CsvPreview, Selection, preview, select
from nnstudio.data.csv_problems import Advice
from nnstudio.data.csv_table import ReadOptions, Table, read_table
from nnstudio.gui.panels.import_widgets import (
    PathRow,
    ProgressRow,
    Status,
    describe_parts,
    plural,
)
from nnstudio.gui.tasks import Task

if TYPE_CHECKING:
    from nnstudio.gui.panels.import_dialog import ImportDialog

PREVIEW_ROWS = 8
#: (shown text, delimiter); the combo is editable, so any other single character works too.
DELIMITERS = [("Comma  ,", ","), ("Semicolon  ;", ";"), ("Tab", "\t"), ("Space", " "), ("|", "|")]
TASKS = [("Automatic", None), ("Classification", "classification"), ("Regression", "regression")]
MISSING = [("Refuse the file", "error"), ("Drop those rows", "drop")]
#: The advice in problem messages, naming this dialog's controls.
DIALOG_ADVICE = Advice(
    missing='fix them in the file, or choose "Drop those rows" under Missing values',
    decimal_comma='tick "Decimal commas" (the delimiter must then be ; or Tab)',
    words="choose it as the Label column, or untick it in the first row of the preview",
)
HINT = "Choose a CSV file: one row per example, numbers, and a label column."


class CsvPage(QWidget):
    """The CSV tab: file, preview with a *use* tick per column, options, status."""

    def __init__(self, dialog: ImportDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self.path: Path | None = None
        self.head: CsvPreview | None = None
        self.table: Table | None = None
        self.selection: Selection | None = None
        self.result: Dataset | None = None
        self.reference: dict[str, Any] | None = None
        self._excluded: set[int] = set()
        self._updating = False
        self._header_chosen = False  # until the student sets it, the importer guesses

        self.file = PathRow("Choose a .csv file…", lambda: dialog.choose_csv_file(), self)
        self.table_view = QTableWidget(self)
        self.table_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table_view.setToolTip(
            "The first rows of the file. Untick a column in the first row to leave it out "
            "(a student ID, a name)."
        )
        self.delimiter = QComboBox(self)
        self.delimiter.setEditable(True)
        for text, value in DELIMITERS:
            self.delimiter.addItem(text, value)
        self.delimiter.setToolTip("The character between columns (any single character)")
        self.header = QCheckBox("First row holds column names", self)
        self.decimal_comma = QCheckBox("Decimal commas (2,5)", self)
        self.decimal_comma.setToolTip("Numbers written with a comma, as many spreadsheets do")
        self.label = QComboBox(self)
        self.label.setToolTip("The column the network learns to predict; the others are inputs")
        self.task = QComboBox(self)
        for text, value in TASKS:
            self.task.addItem(text, value)
        self.task.setToolTip(
            "Automatic: words and a few whole numbers are classes, other numbers are a value to "
            "predict (regression)"
        )
        self.missing = QComboBox(self)
        for text, value in MISSING:
            self.missing.addItem(text, value)
        self.missing.setToolTip("Empty cells, NA, N/A, NaN, ? or null")
        self.progress = ProgressRow(self)
        self.status = Status(self)
        self.status.info(HINT)

        options = QGridLayout()
        options.addWidget(QLabel("Delimiter:"), 0, 0)
        options.addWidget(self.delimiter, 0, 1)
        options.addWidget(self.header, 0, 2)
        options.addWidget(self.decimal_comma, 0, 3)
        options.addWidget(QLabel("Label column:"), 1, 0)
        options.addWidget(self.label, 1, 1)
        options.addWidget(QLabel("Task:"), 1, 2)
        options.addWidget(self.task, 1, 3)
        options.addWidget(QLabel("Missing values:"), 2, 0)
        options.addWidget(self.missing, 2, 1)
        options.setColumnStretch(1, 1)
        options.setColumnStretch(3, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file)
        layout.addWidget(self.table_view, 1)
        layout.addLayout(options)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)

        self.progress.idle.connect(dialog.update_ok)
        self.file.entered.connect(self._path_entered)
        self.delimiter.currentTextChanged.connect(self._split_changed)
        self.header.toggled.connect(self._header_toggled)
        self.decimal_comma.toggled.connect(self._split_changed)
        for combo in (self.label, self.task, self.missing):
            combo.currentIndexChanged.connect(self._choice_changed)
        self.table_view.itemChanged.connect(self._use_ticked)
        self._enable_options(False)

    # ---------------------------------------------------------------------- the file
    def set_path(self, path: str | Path) -> None:
        """Open ``path``: show its first rows and start reading it."""
        self.file.edit.setText(str(path))
        self._path_entered()

    def delimiter_value(self) -> str | None:
        text = self.delimiter.currentText()
        for shown, value in DELIMITERS:
            if text == shown:
                return value
        text = text.strip() or text
        return text if len(text) == 1 else None

    def _path_entered(self) -> None:
        text = self.file.edit.text().strip()
        path = Path(text) if text else None
        if path == self.path and (self.table is not None or self.progress.busy):
            return
        self.path = path
        self._header_chosen = False
        self._excluded = set()
        self.progress.stop()
        self.table = None
        if path is None:
            return self._fail(None)
        try:
            head = preview(path, PREVIEW_ROWS)
        except (DataError, OSError) as exc:
            self._enable_options(False)
            return self._fail(str(exc))
        self._show_head(head, keep_label=False)
        self._enable_options(True)
        self._start_reading()

    def _show_head(self, head: CsvPreview, keep_label: bool) -> None:
        """Put the guessed layout in the controls (without reacting to it) and the rows up."""
        self.head = head
        self._updating = True
        try:
            index = self.delimiter.findData(head.delimiter)
            if index >= 0:
                self.delimiter.setCurrentIndex(index)
            else:
                self.delimiter.setEditText(head.delimiter)
            self.header.setChecked(head.has_header)
            old, count = self.label.currentIndex(), self.label.count()
            self.label.clear()
            self.label.addItems(head.columns)
            same = keep_label and count == len(head.columns) and old >= 0
            self.label.setCurrentIndex(old if same else head.label)
            if not same:  # other word columns (a name) are left out until ticked
                self._excluded = set(head.word_columns) - {head.label}
        finally:
            self._updating = False
        self._show_preview()

    def _split_changed(self, *_args) -> None:
        """Delimiter or decimal commas: the file splits differently, so it is read again."""
        if self._updating or self.path is None:
            return
        delimiter = self.delimiter_value()
        if delimiter is None:
            return self._fail("The delimiter must be a single character.")
        header = self.header.isChecked() if self._header_chosen else None
        try:
            head = preview(
                self.path,
                PREVIEW_ROWS,
                delimiter=delimiter,
                has_header=header,
                decimal_comma=self.decimal_comma.isChecked(),
            )
        except (DataError, OSError) as exc:
            return self._fail(str(exc))
        self._show_head(head, keep_label=True)
        self._start_reading()

    def _header_toggled(self) -> None:
        if not self._updating:
            self._header_chosen = True
            self._split_changed()

    def read_options(self) -> ReadOptions:
        return ReadOptions(
            self.delimiter_value(), self.header.isChecked(), self.decimal_comma.isChecked()
        )

    def _start_reading(self) -> None:
        self.table, self.selection = None, None
        self._clear_result()
        path, options = self.path, self.read_options()
        if options.decimal_comma and options.delimiter == ",":
            return self._fail('Decimal commas need another delimiter: choose "Semicolon" or "Tab".')
        task = Task(lambda progress: read_table(path, options, progress), self)
        task.succeeded.connect(self._read)
        task.failed.connect(self._fail)
        task.cancelled.connect(
            lambda: self.status.info("Reading stopped. Press Enter in the file field to read it.")
        )
        self.status.info(f"Reading {path.name}…")
        self.progress.run(task)
        self._dialog.update_ok()

    def _read(self, table: Table) -> None:
        self.table = table
        self._judge()

    # --------------------------------------------------------------------- choices
    def label_index(self) -> int:
        return self.label.currentIndex()

    def excluded(self) -> list[int]:
        return sorted(self._excluded - {self.label_index()})

    def _choice_changed(self, *_args) -> None:
        if self._updating:
            return
        self._show_preview()
        self._judge()

    def _use_ticked(self, item: QTableWidgetItem) -> None:
        if self._updating or item.row() != 0:
            return
        column = item.column()
        if item.checkState() == Qt.CheckState.Checked:
            self._excluded.discard(column)
        else:
            self._excluded.add(column)
        self._judge()

    def _judge(self) -> None:
        """Judge the read table for the current choices (no file access, milliseconds)."""
        self._clear_result()
        if self.table is None:
            return
        try:
            self.selection = select(
                self.table,
                self.label_index(),
                self.excluded(),
                self.task.currentData(),
                self.missing.currentData(),
                DIALOG_ADVICE,
            )
        except DataError as exc:
            return self._fail(str(exc))
        chosen = self.selection
        text = describe_parts(
            chosen.n_rows, len(chosen.features), chosen.image_shape, chosen.class_names
        )
        if chosen.dropped_rows:
            text += f" · {plural(chosen.dropped_rows, 'row')} with missing values left out"
        if self.excluded():
            names = ", ".join(self.head.columns[j] for j in self.excluded()) if self.head else ""
            text += f" · {plural(len(self.excluded()), 'column')} left out ({names})"
        self.status.info(text)
        self._dialog.update_ok()

    def _clear_result(self) -> None:
        self.selection, self.result, self.reference = None, None, None

    def _fail(self, message: str | None) -> None:
        self._clear_result()
        if message is None:
            self.status.info(HINT)
        else:
            self.status.error(message)
        self._dialog.update_ok()

    # ----------------------------------------------------------------------- import
    @property
    def ready(self) -> bool:
        return self.selection is not None and not self.progress.busy

    def start_import(self, done) -> None:
        """Make the data set in the worker thread, then call ``done()``.

        The table's memory becomes the features (no second copy of a large file), so a later
        change of choice reads the file again.
        """
        chosen, self.table = self.selection, None
        task = Task(lambda _: chosen.build(consume=True), self)
        task.succeeded.connect(lambda result: self._imported(result, done))
        task.failed.connect(self._fail)
        self.status.info("Preparing the data set…")
        self.progress.run(task)
        self._dialog.update_ok()

    def _imported(self, result: CsvImport, done) -> None:
        self.result = result.dataset
        self.reference = self._reference(result)
        done()

    def _reference(self, result: CsvImport) -> dict[str, Any]:
        """How the project file finds the data again (``nnstudio.data.from_reference``)."""
        columns = self.head.columns if self.head else []
        named = result.has_header and columns.count(result.label_column) == 1
        reference: dict[str, Any] = {
            "source": "csv",
            "path": str(self.path),
            "label": result.label_column if named else self.label_index(),
            "delimiter": result.delimiter,
            "has_header": result.has_header,
            "task": self.task.currentData(),
            "missing": self.missing.currentData(),
        }
        if result.excluded:
            reference["exclude"] = list(result.excluded) if named else self.excluded()
        if self.decimal_comma.isChecked():
            reference["decimal_comma"] = True
        return reference

    # ---------------------------------------------------------------------- preview
    def _show_preview(self) -> None:
        head = self.head
        self._updating = True
        try:
            self.table_view.clear()
            if head is None:
                self.table_view.setRowCount(0)
                self.table_view.setColumnCount(0)
                return
            columns, label = head.columns, self.label_index()
            self.table_view.setColumnCount(len(columns))
            self.table_view.setRowCount(len(head.rows) + 1)
            self.table_view.setHorizontalHeaderLabels(columns)
            self.table_view.setVerticalHeaderLabels(
                ["use"] + [str(i + 1) for i in range(len(head.rows))]
            )
            bold = self.table_view.font()
            bold.setBold(True)
            for j in range(len(columns)):
                self.table_view.setItem(0, j, self._use_item(j, j == label))
            for i, row in enumerate(head.rows, start=1):
                for j, cell in enumerate(row[: len(columns)]):
                    item = QTableWidgetItem(cell.strip())
                    if j == label:
                        item.setFont(bold)
                    self.table_view.setItem(i, j, item)
            if 0 <= label < len(columns):
                header = self.table_view.horizontalHeaderItem(label)
                header.setText(f"{columns[label]} (label)")
                header.setFont(bold)
            self.table_view.resizeColumnsToContents()
        finally:
            self._updating = False

    def _use_item(self, column: int, is_label: bool) -> QTableWidgetItem:
        if is_label:
            item = QTableWidgetItem("label")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            return item
        item = QTableWidgetItem("use")
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        used = column not in self._excluded
        item.setCheckState(Qt.CheckState.Checked if used else Qt.CheckState.Unchecked)
        return item

    def use_column(self, column: int, used: bool) -> None:
        """Tick or untick a column's *use* box, as a click does."""
        state = Qt.CheckState.Checked if used else Qt.CheckState.Unchecked
        self.table_view.item(0, column).setCheckState(state)

    def _enable_options(self, on: bool) -> None:
        for widget in (
            self.delimiter,
            self.header,
            self.decimal_comma,
            self.label,
            self.task,
            self.missing,
        ):
            widget.setEnabled(on)
        if not on:
            self.head = None
            self._show_preview()


__all__ = ["DIALOG_ADVICE", "CsvPage"]
