"""Import a data set from a CSV file or an MNIST folder, with a preview and precise errors.

The dialog parses the file again after every option change and shows the importer's own
message (file, line, column) in red when it refuses the file, so a student can fix the choice
or the file without a crash or a guess. *Import* stays disabled until the file parses.

After ``accepted``, :attr:`ImportDialog.dataset` holds the ``Dataset`` and
:attr:`ImportDialog.reference` the project file's reference to it (``{"source": "csv", ...}``
or ``{"source": "mnist", ...}``, loadable by ``nnstudio.data.from_reference``).
"""

from __future__ import annotations

import csv
import gzip
import html
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.data import DataError, Dataset, import_csv, load_mnist_folder, preview

PREVIEW_ROWS = 8
#: (shown text, delimiter); the combo is editable, so any other single character works too.
DELIMITERS = [("Comma  ,", ","), ("Semicolon  ;", ";"), ("Tab", "\t"), ("Space", " "), ("|", "|")]
TASKS = [("Automatic", None), ("Classification", "classification"), ("Regression", "regression")]
MISSING = [("Refuse the file", "error"), ("Drop those rows", "drop")]
ERROR_COLOR = "#c0392b"
#: MNIST's four files: (kind, what, idx tag); the reader also accepts ".gz" and Kaggle's names.
MNIST_FILES = [
    ("train", "images", "idx3"),
    ("train", "labels", "idx1"),
    ("t10k", "images", "idx3"),
    ("t10k", "labels", "idx1"),
]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def describe(dataset: Dataset) -> str:
    """One line about an imported data set: rows, features and what the label means."""
    parts = [_plural(len(dataset), "row"), _plural(dataset.n_features, "feature")]
    if dataset.image_shape:
        parts[1] = f"images of {dataset.image_shape[0]}×{dataset.image_shape[1]} pixels"
    if dataset.is_classification:
        names = dataset.class_names or []
        shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
        parts.append(f"{len(names)} classes ({shown})")
    else:
        parts.append("regression target")
    return " · ".join(parts)


class _Status(QLabel):
    """A word-wrapped line that is either neutral information or a red error."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # messages quote files: never markup
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.is_error = False

    def info(self, text: str) -> None:
        self.is_error = False
        self.setStyleSheet("")
        self.setText(text)

    def error(self, text: str) -> None:
        self.is_error = True
        self.setStyleSheet(f"color: {ERROR_COLOR};")
        self.setText(text)


class _PathRow(QWidget):
    """A path field and a *Browse…* button; ``chooser`` returns the chosen path or None."""

    def __init__(self, placeholder: str, chooser: Callable[[], str | None], parent: QWidget):
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.button = QPushButton("Browse…", self)
        self._chooser = chooser
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.button.clicked.connect(self._browse)

    def _browse(self) -> None:
        chosen = self._chooser()
        if chosen:
            self.edit.setText(chosen)
            self.edit.editingFinished.emit()


class CsvPage(QWidget):
    """The CSV tab: file, preview, delimiter, header, label column, task, missing values."""

    def __init__(self, dialog: ImportDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self.path: Path | None = None
        self.result: Dataset | None = None
        self.reference: dict[str, Any] | None = None
        self._updating = False
        self._header_chosen = False  # until the student sets it, the importer guesses

        self.file = _PathRow("Choose a .csv file…", lambda: dialog.choose_csv_file(), self)
        self.table = QTableWidget(self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setToolTip("The first rows of the file, split by the chosen delimiter")

        self.delimiter = QComboBox(self)
        self.delimiter.setEditable(True)
        for text, value in DELIMITERS:
            self.delimiter.addItem(text, value)
        self.delimiter.setToolTip("The character between columns (any single character)")
        self.header = QCheckBox("First row holds column names", self)
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
        self.status = _Status(self)
        self.status.info("Choose a CSV file: one row per example, numbers, and a label column.")

        options = QGridLayout()
        options.addWidget(QLabel("Delimiter:"), 0, 0)
        options.addWidget(self.delimiter, 0, 1)
        options.addWidget(self.header, 0, 2, 1, 2)
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
        layout.addWidget(self.table, 1)
        layout.addLayout(options)
        layout.addWidget(self.status)

        self.file.edit.editingFinished.connect(self._path_entered)
        self.delimiter.currentTextChanged.connect(self._options_changed)
        self.header.toggled.connect(self._header_toggled)
        for combo in (self.label, self.task, self.missing):
            combo.currentIndexChanged.connect(self._options_changed)
        self._enable_options(False)

    # ----------------------------------------------------------------------- choices
    def set_path(self, path: str | Path) -> None:
        """Open ``path``: guess its layout, show its first rows and try to import it."""
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
        if path == self.path and self.result is not None:
            return
        self.path, self.result, self.reference = path, None, None
        self._header_chosen = False
        if path is None:
            return self._fail(None)
        try:
            guess = preview(path, PREVIEW_ROWS)
        except (DataError, OSError) as exc:
            self._enable_options(False)
            return self._fail(str(exc))
        self._updating = True
        try:
            self._set_delimiter(guess.delimiter)
            self.header.setChecked(guess.has_header)
            self._fill_labels(self._columns(), keep=False)
        finally:
            self._updating = False
        self._enable_options(True)
        self._options_changed()

    def _set_delimiter(self, delimiter: str) -> None:
        index = self.delimiter.findData(delimiter)
        if index >= 0:
            self.delimiter.setCurrentIndex(index)
        else:
            self.delimiter.setEditText(delimiter)

    def _header_toggled(self) -> None:
        if not self._updating:
            self._header_chosen = True
            self._options_changed()

    def _options_changed(self, *_args) -> None:
        if self._updating or self.path is None:
            return
        self._updating = True
        try:
            self._fill_labels(self._columns(), keep=True)
        finally:
            self._updating = False
        self._parse()
        self._show_preview()

    # ---------------------------------------------------------------------- preview
    def _head(self) -> list[list[str]]:
        """The file's first non-blank lines split with the chosen delimiter (as text)."""
        delimiter = self.delimiter_value()
        if self.path is None or delimiter is None:
            return []
        rows: list[list[str]] = []
        try:
            with self.path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
                for line in f:
                    if line.strip():
                        rows.append(next(csv.reader([line], delimiter=delimiter)))
                    if len(rows) > PREVIEW_ROWS:
                        break
        except (OSError, csv.Error):
            return rows
        return rows

    def _columns(self) -> list[str]:
        head = self._head()
        if not head:
            return []
        width = len(head[0])
        if self.header.isChecked():
            return [c.strip() or f"column {j + 1}" for j, c in enumerate(head[0])]
        return [f"column {j + 1}" for j in range(width)]

    def _fill_labels(self, columns: list[str], keep: bool) -> None:
        """Refill the label combo; keep the chosen column while the columns stay the same
        (a header toggled), else pick the last one (the usual place of the label)."""
        old, old_count = self.label.currentIndex(), self.label.count()
        self.label.clear()
        self.label.addItems(columns)
        index = old if keep and old_count == len(columns) and old >= 0 else len(columns) - 1
        self.label.setCurrentIndex(index)

    def _show_preview(self) -> None:
        rows = self._head()
        columns = self._columns()
        body = rows[1:] if self.header.isChecked() else rows
        body = body[:PREVIEW_ROWS]
        self.table.clear()
        self.table.setColumnCount(len(columns))
        self.table.setRowCount(len(body))
        self.table.setHorizontalHeaderLabels(columns)
        label = self.label.currentIndex()
        bold = self.table.font()
        bold.setBold(True)
        for i, row in enumerate(body):
            for j, cell in enumerate(row[: len(columns)]):
                item = QTableWidgetItem(cell.strip())
                if j == label:
                    item.setFont(bold)
                self.table.setItem(i, j, item)
        if 0 <= label < len(columns):
            header = self.table.horizontalHeaderItem(label)
            header.setText(f"{columns[label]} (label)")
            header.setFont(bold)
        self.table.resizeColumnsToContents()

    # ------------------------------------------------------------------------ parse
    def _parse(self) -> None:
        self.result, self.reference = None, None
        delimiter = self.delimiter_value()
        if delimiter is None:
            return self._fail("The delimiter must be a single character.")
        label = self.label.currentIndex()
        options = {
            "label": label,
            "delimiter": delimiter,
            "has_header": self.header.isChecked() if self._header_chosen else None,
            "task": self.task.currentData(),
            "missing": self.missing.currentData(),
        }
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            imported = import_csv(self.path, **options)
        except (DataError, OSError) as exc:
            return self._fail(str(exc))
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.result = imported.dataset
        options["has_header"] = imported.has_header
        if imported.has_header != self.header.isChecked():  # the importer's guess
            self._updating = True
            try:
                self.header.setChecked(imported.has_header)
                self._fill_labels(self._columns(), keep=True)
            finally:
                self._updating = False
        name = imported.label_column
        columns = self._columns()
        if self.header.isChecked() and columns.count(name) == 1:
            options["label"] = name  # a name reads better in the project file than an index
        self.reference = {"source": "csv", "path": str(self.path), **options}
        text = describe(imported.dataset)
        if imported.dropped_rows:
            text += f" · {_plural(imported.dropped_rows, 'row')} with missing values dropped"
        self.status.info(text)
        self._dialog.update_ok()

    def _fail(self, message: str | None) -> None:
        self.result, self.reference = None, None
        if message is None:
            self.status.info("Choose a CSV file: one row per example, numbers, and a label column.")
        else:
            self.status.error(message)
        self._dialog.update_ok()

    def _enable_options(self, on: bool) -> None:
        for widget in (self.delimiter, self.header, self.label, self.task, self.missing):
            widget.setEnabled(on)
        if not on:
            self.table.clear()
            self.table.setRowCount(0)
            self.table.setColumnCount(0)


def idx_shape(path: Path) -> tuple[int, ...]:
    """The dimensions an IDX file's header declares (reads only the header)."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    with opener(path, "rb") as f:
        head = f.read(4)
        if len(head) < 4 or head[:2] != b"\0\0" or not 1 <= head[3] <= 4:
            raise DataError(f"{path.name}: not an IDX file")
        dims = f.read(4 * head[3])
        if len(dims) < 4 * head[3]:
            raise DataError(f"{path.name}: the header is cut short")
        return struct.unpack(f">{head[3]}I", dims)


def find_idx(folder: Path, kind: str, what: str, tag: str) -> Path | None:
    """The file MNIST's loader would read, under any of the names it accepts."""
    for stem in (f"{kind}-{what}-{tag}-ubyte", f"{kind}-{what}.{tag}-ubyte"):
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


class MnistPage(QWidget):
    """The MNIST tab: a folder, what was found in it, and which half to load."""

    def __init__(self, dialog: ImportDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self.folder: Path | None = None
        self.result: Dataset | None = None
        self.reference: dict[str, Any] | None = None
        self.found: dict[str, int] = {}  # kind -> number of images with matching labels

        self.file = _PathRow(
            "Choose the folder with the four MNIST files…", lambda: dialog.choose_folder(), self
        )
        self.listing = QLabel(self)
        self.listing.setTextFormat(Qt.TextFormat.RichText)
        self.listing.setWordWrap(True)
        self.listing.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.kind = QComboBox(self)
        self.kind.setToolTip("MNIST comes as 60,000 training and 10,000 test images")
        self.status = _Status(self)
        self.status.info(
            "MNIST (or Fashion-MNIST) files: train-images-idx3-ubyte, train-labels-idx1-ubyte, "
            "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (optionally .gz)."
        )
        form = QFormLayout()
        form.addRow("Load:", self.kind)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file)
        layout.addWidget(self.listing, 1)
        layout.addLayout(form)
        layout.addWidget(self.status)
        self.file.edit.editingFinished.connect(self._folder_entered)
        self.kind.setEnabled(False)

    def set_folder(self, folder: str | Path) -> None:
        self.file.edit.setText(str(folder))
        self._folder_entered()

    def _folder_entered(self) -> None:
        text = self.file.edit.text().strip()
        self.folder = Path(text) if text else None
        self.found = {}
        self.kind.clear()
        lines = []
        if self.folder is not None and not self.folder.is_dir():
            self.status.error(f"{self.folder}: no such folder")
        elif self.folder is not None:
            shapes: dict[tuple[str, str], tuple[int, ...] | str] = {}
            for kind, what, tag in MNIST_FILES:
                path = find_idx(self.folder, kind, what, tag)
                try:
                    shapes[kind, what] = idx_shape(path) if path else "missing"
                except (DataError, OSError) as exc:
                    shapes[kind, what] = str(exc)
                lines.append(_listing_line(f"{kind}-{what}", shapes[kind, what]))
            for kind, title in (("train", "Training set"), ("t10k", "Test set")):
                images, labels = shapes[kind, "images"], shapes[kind, "labels"]
                complete = isinstance(images, tuple) and isinstance(labels, tuple)
                if complete and len(images) == 3 and images[0] == labels[0]:
                    self.found[kind] = images[0]
                    self.kind.addItem(f"{title} ({images[0]:,} images)", kind)
            if self.found:
                self.status.info("Ready to load.")
            else:
                self.status.error("No complete pair of images and labels in this folder.")
        self.listing.setText("<br>".join(lines))
        self.kind.setEnabled(bool(self.found))
        self._dialog.update_ok()

    def load(self) -> bool:
        """Read the chosen half; False (with the error shown) if the files are unreadable."""
        kind = self.kind.currentData()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.result = load_mnist_folder(self.folder, "test" if kind == "t10k" else "train")
        except (DataError, OSError) as exc:
            self.result = None
            self.status.error(str(exc))
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.reference = {
            "source": "mnist",
            "folder": str(self.folder),
            "kind": "test" if kind == "t10k" else "train",
        }
        return True


def _listing_line(name: str, shape: tuple[int, ...] | str) -> str:
    """One rich-text line; the texts in it come from the disk, so they are escaped."""
    name = html.escape(name)
    if shape == "missing":
        return f"<span style='color:{ERROR_COLOR}'>✗ {name}: not found</span>"
    if isinstance(shape, str):
        return f"<span style='color:{ERROR_COLOR}'>✗ {html.escape(shape)}</span>"
    if len(shape) == 3:
        return f"✓ {name}: {shape[0]:,} images of {shape[1]}×{shape[2]} pixels"
    return f"✓ {name}: {shape[0]:,} labels"


class ImportDialog(QDialog):
    """A two-tab dialog: *CSV file* and *MNIST folder*.

    ``kind`` ("csv" or "mnist") picks the first tab. ``native_dialogs=False`` makes *Browse…*
    use Qt's own file dialog (tests, and desktops whose native dialog misbehaves).
    """

    def __init__(
        self, parent: QWidget | None = None, kind: str = "csv", *, native_dialogs: bool = True
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import data")
        self.dataset: Dataset | None = None
        self.reference: dict[str, Any] | None = None
        self._options = (
            QFileDialog.Option(0) if native_dialogs else QFileDialog.Option.DontUseNativeDialog
        )
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Import")
        self.csv_page = CsvPage(self)
        self.mnist_page = MnistPage(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.csv_page, "CSV file")
        self.tabs.addTab(self.mnist_page, "MNIST folder")
        self.tabs.setCurrentWidget(self.mnist_page if kind == "mnist" else self.csv_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.tabs.currentChanged.connect(self.update_ok)
        self.resize(720, 520)
        self.update_ok()

    # Choosers are attributes so a test (or a caller) can replace the file dialog.
    def choose_csv_file(self) -> str | None:
        filters = "CSV files (*.csv *.txt *.tsv);;All files (*)"
        name, _ = QFileDialog.getOpenFileName(
            self, "Import a CSV file", "", filters, options=self._options
        )
        return name or None

    def choose_folder(self) -> str | None:
        name = QFileDialog.getExistingDirectory(
            self, "Folder with the MNIST files", "", QFileDialog.Option.ShowDirsOnly | self._options
        )
        return name or None

    def update_ok(self, *_args) -> None:
        if not hasattr(self, "tabs"):
            return
        if self.tabs.currentWidget() is self.csv_page:
            ready = self.csv_page.result is not None
        else:
            ready = bool(self.mnist_page.found)
        self.ok_button.setEnabled(ready)

    def accept(self) -> None:
        page = self.tabs.currentWidget()
        if page is self.mnist_page and not self.mnist_page.load():
            self.ok_button.setEnabled(False)
            return
        if page.result is None:
            return
        self.dataset, self.reference = page.result, page.reference
        super().accept()


__all__ = ["CsvPage", "ImportDialog", "MnistPage", "describe", "find_idx", "idx_shape"]
