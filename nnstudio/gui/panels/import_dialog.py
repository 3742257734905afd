"""Import a data set from a CSV file or an MNIST folder, with a preview and precise errors.

Two tabs (``import_csv_page``, ``import_mnist_page``). Reading runs in a worker thread with a
progress bar and Cancel, so the window stays responsive with a 100 MB file. *Import* is enabled
once the file has been read and the choices make a data set; pressing Enter in a path field
previews that file and never imports.

After ``accepted``, :attr:`ImportDialog.dataset` holds the ``Dataset`` and
:attr:`ImportDialog.reference` the project file's reference to it (``{"source": "csv", ...}``
or ``{"source": "mnist", ...}``, loadable by ``nnstudio.data.from_reference``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.data import Dataset
from nnstudio.gui.panels.import_csv_page import CsvPage
from nnstudio.gui.panels.import_mnist_page import MnistPage
from nnstudio.gui.panels.import_widgets import describe_parts


def describe(dataset: Dataset) -> str:
    """One line about an imported data set: rows, features and what the label means."""
    classes = dataset.class_names if dataset.is_classification else None
    return describe_parts(len(dataset), dataset.n_features, dataset.image_shape, classes)


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
        for button in self.buttons.buttons():  # Enter must never import by surprise
            button.setAutoDefault(False)
            button.setDefault(False)
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
        self.resize(760, 560)
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

    def page(self) -> CsvPage | MnistPage:
        return self.tabs.currentWidget()

    def update_ok(self, *_args) -> None:
        if hasattr(self, "tabs"):
            self.ok_button.setEnabled(self.page().ready)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter previews (the path field handles it) and never imports."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def accept(self) -> None:
        """Make the data set in the background; the dialog closes when it is ready."""
        page = self.page()
        if not page.ready:
            return
        page.start_import(lambda: self._finish(page))
        self.update_ok()

    def _finish(self, page: CsvPage | MnistPage) -> None:
        self.dataset, self.reference = page.result, page.reference
        super().accept()

    def done(self, result: int) -> None:
        """Closing (Import, Cancel, Escape) stops any reading still going on and waits for its
        thread, so no thread outlives the dialog."""
        for page in (self.csv_page, self.mnist_page):
            page.progress.stop()
        super().done(result)


__all__ = ["CsvPage", "ImportDialog", "MnistPage", "describe"]
