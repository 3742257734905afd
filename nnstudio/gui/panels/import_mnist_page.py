"""The import dialog's MNIST tab: a folder, what was found in it, and which half to load.

Finding the files and reading their headers is ``nnstudio.data.idx``'s job (the same code the
loader uses, so the listing and the load never disagree); loading runs in a worker thread with
a progress bar and Cancel. A failed load shows why and leaves the tab ready for another try.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.data import DataError, Dataset, load_mnist_folder
from nnstudio.data.idx import find_mnist_file, idx_shape
from nnstudio.gui.panels.import_widgets import ERROR_COLOR, PathRow, ProgressRow, Status
from nnstudio.gui.tasks import Task

if TYPE_CHECKING:
    from nnstudio.gui.panels.import_dialog import ImportDialog

HINT = (
    "MNIST (or Fashion-MNIST) files: train-images-idx3-ubyte, train-labels-idx1-ubyte, "
    "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (optionally .gz)."
)
HALVES = [("train", "Training set"), ("test", "Test set")]


class MnistPage(QWidget):
    """The MNIST tab: a folder, the files found in it, and which half to load."""

    def __init__(self, dialog: ImportDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self.folder: Path | None = None
        self.result: Dataset | None = None
        self.reference: dict[str, Any] | None = None
        self.found: dict[str, int] = {}  # kind -> number of images with matching labels

        self.file = PathRow(
            "Choose the folder with the four MNIST files…", lambda: dialog.choose_folder(), self
        )
        self.listing = QLabel(self)
        self.listing.setTextFormat(Qt.TextFormat.RichText)
        self.listing.setWordWrap(True)
        self.listing.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.kind = QComboBox(self)
        self.kind.setToolTip("MNIST comes as 60,000 training and 10,000 test images")
        self.progress = ProgressRow(self)
        self.status = Status(self)
        self.status.info(HINT)
        form = QFormLayout()
        form.addRow("Load:", self.kind)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file)
        layout.addWidget(self.listing, 1)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.progress.idle.connect(dialog.update_ok)
        self.file.entered.connect(self._folder_entered)
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
            for kind, title in HALVES:
                shapes = {what: _shape(self.folder, kind, what) for what in ("images", "labels")}
                lines += [_listing_line(kind, what, shape) for what, shape in shapes.items()]
                images, labels = shapes["images"], shapes["labels"]
                if _pair(images, labels):
                    self.found[kind] = images[0]
                    self.kind.addItem(f"{title} ({images[0]:,} images)", kind)
            if self.found:
                self.status.info("Ready to load.")
            else:
                self.status.error("No complete pair of images and labels in this folder.")
        self.listing.setText("<br>".join(lines))
        self.kind.setEnabled(bool(self.found))
        self._dialog.update_ok()

    @property
    def ready(self) -> bool:
        return bool(self.found) and not self.progress.busy

    def start_import(self, done) -> None:
        """Load the chosen half in the worker thread, then call ``done()``; a failure shows
        why and leaves the tab ready for another try."""
        folder, kind = self.folder, self.kind.currentData()
        task = Task(lambda progress: load_mnist_folder(folder, kind, progress), self)
        task.succeeded.connect(lambda dataset: self._loaded(dataset, kind, done))
        task.failed.connect(self._failed)
        task.cancelled.connect(lambda: self.status.info("Loading stopped."))
        self.status.info(f"Loading the {kind} images…")
        self.progress.run(task)
        self._dialog.update_ok()

    def _loaded(self, dataset: Dataset, kind: str, done) -> None:
        self.result = dataset
        self.reference = {"source": "mnist", "folder": str(self.folder), "kind": kind}
        done()

    def _failed(self, message: str) -> None:
        self.result, self.reference = None, None
        self.status.error(message)


def _shape(folder: Path, kind: str, what: str) -> tuple[int, ...] | str:
    """The header's dimensions, "missing", or why the header cannot be read."""
    path = find_mnist_file(folder, kind, what)
    if path is None:
        return "missing"
    try:
        return idx_shape(path)
    except (DataError, OSError) as exc:
        return str(exc)


def _pair(images: tuple[int, ...] | str, labels: tuple[int, ...] | str) -> bool:
    complete = isinstance(images, tuple) and isinstance(labels, tuple)
    return complete and len(images) == 3 and len(labels) == 1 and images[0] == labels[0]


def _listing_line(kind: str, what: str, shape: tuple[int, ...] | str) -> str:
    """One rich-text line; an error text comes from the disk (file names), so it is escaped."""
    name = f"{'t10k' if kind == 'test' else kind}-{what}"
    if shape == "missing":
        return f"<span style='color:{ERROR_COLOR}'>✗ {name}: not found</span>"
    if isinstance(shape, str):
        return f"<span style='color:{ERROR_COLOR}'>✗ {html.escape(shape)}</span>"
    if len(shape) == 3:
        return f"✓ {name}: {shape[0]:,} images of {shape[1]}×{shape[2]} pixels"
    return f"✓ {name}: {shape[0]:,} labels"


__all__ = ["MnistPage"]
