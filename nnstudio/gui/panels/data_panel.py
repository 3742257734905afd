"""The data panel: choose a data set, see its points, set noise, size, split and seed.

Everything shown is read from the document (``doc.data``, ``doc.embedded``,
``doc.training["validation_ratio"]``) whenever it changes; every control pushes an edit. The
loaded ``Dataset`` comes from the window's one cache (``DocumentController.dataset``).

Choosing a data set is one undo step that also fits the input layer (one input per feature)
and, while the output layer is automatic, the output layer and loss to the task.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.data import DataError, Dataset, available, from_reference, reference_for
from nnstudio.data import embedded as emb
from nnstudio.data.limits import MAX_SEED
from nnstudio.document.data_edits import DragValue, data_change, data_name
from nnstudio.gui.panels.feature_crosses import FeatureCrosses
from nnstudio.gui.panels.import_dialog import ImportDialog, describe
from nnstudio.gui.undo import DocumentController
from nnstudio.gui.widgets.data_thumbnail import DataThumbnail, legend_html
from nnstudio.gui.widgets.sliders import SliderField
from nnstudio.gui.widgets.wheel import focus_wheel

#: Group headings of the chooser, by ``DatasetInfo.kind``.
KIND_TITLES = {
    "synthetic": "Playground (2-D)",
    "course": "Course examples",
    "builtin": "Real data sets",
}
IMPORTED = "__imported__"  # item data of the entry naming the imported file
FILE_SOURCES = ("csv", "mnist", "idx")
MAX_SAMPLES = 2000
ERROR_COLOR = "#c0392b"


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else words or word + 's'}"


def summary(dataset: Dataset, validation_ratio: float) -> str:
    """ "500 points · 2 features · 2 classes · 400 train / 100 validation"."""
    n = len(dataset)
    n_val = round(validation_ratio * n)  # as Dataset.split counts them
    if dataset.image_shape:
        h, w = dataset.image_shape
        parts = [f"{_plural(n, 'image')} of {h}×{w}"]
    else:
        parts = [_plural(n, "point"), _plural(dataset.n_features, "feature")]
    if dataset.is_classification:
        parts.append(_plural(len(dataset.class_names or ()), "class", "classes"))
    else:
        parts.append("regression")
    parts.append(f"{n - n_val:,} train / {n_val:,} validation")
    return " · ".join(parts)


class DataPanel(QWidget):
    """The left-hand panel (about 260 px wide, 560 px or more high).

    Signals:
        message(str): a refused edit or an unreadable data set, for the status bar.
    """

    message = Signal(str)

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.import_dialog: ImportDialog | None = None
        self.native_dialogs = True  # tests turn this off
        self._infos = {info.name: info for info in available()}
        self._updating = False

        self.chooser = QComboBox(self)
        self.chooser.setPlaceholderText("Choose a data set…")
        self.chooser.setToolTip("The examples the network learns from")
        self._fill_chooser()
        self.description = QLabel(self)
        self.description.setTextFormat(Qt.TextFormat.PlainText)  # names a file: never markup
        self.description.setWordWrap(True)
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.92)
        self.description.setFont(small)
        self.thumbnail = DataThumbnail(self)
        self.legend = QLabel(self)
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.noise = SliderField(0, 50, lambda v: f"{v} %", step=1, page=5, parent=self)
        self.noise.setToolTip("Random disturbance of the points: 0 % is clean, 50 % very noisy")
        self.samples = SliderField(
            10, MAX_SAMPLES, lambda v: f"{v:,}", step=10, page=100, parent=self
        )
        self.samples.setToolTip("How many points the data set has")
        self.validation = SliderField(0, 90, lambda v: f"{v} %", step=5, page=10, parent=self)
        self.validation.setToolTip(
            "Share of the points held out for validation: the network never trains on them, "
            "so they show whether it has learnt the pattern or memorised the training points"
        )
        self.seed = QSpinBox(self)
        self.seed.setRange(0, MAX_SEED)
        self.seed.setKeyboardTracking(False)
        self.seed.setToolTip("Another seed draws other random points with the same pattern")
        focus_wheel(self.seed)  # scrolling the panel past it draws no new points

        self.import_csv_button = QPushButton("Import CSV…", self)
        self.import_csv_button.setToolTip("Load a table of numbers with a label column")
        self.import_mnist_button = QPushButton("Import MNIST folder…", self)
        self.import_mnist_button.setToolTip("Load handwritten digits from MNIST's IDX files")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Noise", self.noise)
        form.addRow("Points", self.samples)
        form.addRow("Seed", self.seed)
        form.addRow("Validation", self.validation)
        self._form = form
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.chooser)
        layout.addWidget(self.description)
        layout.addWidget(self.thumbnail)
        layout.addWidget(self.legend)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        self.crosses = FeatureCrosses(controller, self)  # shown for two-feature data only
        layout.addWidget(self.crosses)
        layout.addSpacing(6)
        layout.addWidget(self.import_csv_button)
        layout.addWidget(self.import_mnist_button)
        layout.addStretch(1)

        self.chooser.currentIndexChanged.connect(self._chosen)
        self.noise.edited.connect(lambda v, g: self._set_data_value("noise", v / 100, g))
        self.samples.edited.connect(lambda v, g: self._set_data_value("n_samples", v, g))
        self.seed.valueChanged.connect(lambda v: self._set_data_value("seed", v, None))
        self.validation.edited.connect(self._set_validation)
        self.import_csv_button.clicked.connect(lambda: self.open_import_dialog("csv"))
        self.import_mnist_button.clicked.connect(lambda: self.open_import_dialog("mnist"))
        self.crosses.message.connect(self.message)
        controller.changed.connect(self._on_changed)
        controller.documentReplaced.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------- chooser
    def _fill_chooser(self) -> None:
        """Group headings (bold, not selectable) followed by their data sets."""
        model: QStandardItemModel = self.chooser.model()
        for kind, title in KIND_TITLES.items():
            self._add_heading(model, title)
            for info in (i for i in self._infos.values() if i.kind == kind):
                self.chooser.addItem(info.title, info.name)
                self.chooser.setItemData(
                    self.chooser.count() - 1, info.description, Qt.ItemDataRole.ToolTipRole
                )

    def _add_heading(self, model: QStandardItemModel, title: str) -> None:
        self.chooser.addItem(title)
        item = model.item(self.chooser.count() - 1)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        font = QFont(self.chooser.font())
        font.setBold(True)
        item.setFont(font)

    def _show_imported_entry(self, name: str | None) -> None:
        """The last group names the imported file, if the document holds one."""
        index = self.chooser.findData(IMPORTED)
        if index >= 0:
            self.chooser.removeItem(index)
            self.chooser.removeItem(index - 1)  # its heading
        if name is not None:
            self._add_heading(self.chooser.model(), "Imported")
            self.chooser.addItem(name, IMPORTED)

    # ------------------------------------------------------------------- refresh
    def _on_changed(self, area: str) -> None:
        if area in ("data", "training"):
            self.refresh()

    def refresh(self) -> None:
        """Show what the document holds."""
        doc = self.controller.document
        ref = doc.data or {}
        info = self._infos.get(ref.get("name")) if ref.get("source") not in FILE_SOURCES else None
        imported = ref.get("source") in FILE_SOURCES or doc.embedded is not None
        self._updating = True
        try:
            self._show_imported_entry(data_name(ref) if imported else None)
            key = IMPORTED if imported else (info.name if info else None)
            self.chooser.setCurrentIndex(self.chooser.findData(key) if key else -1)
            if imported:
                where = ref.get("path") or ref.get("folder") or ""
                self.description.setText(
                    f"Imported from {data_name(ref)}; its rows are saved in the project."
                )
                # A tooltip guesses rich text; escaped inside <p> it is always this text.
                self.description.setToolTip(f"<p>{html.escape(str(where))}</p>")
            else:
                self.description.setText(info.description if info else "")
                self.description.setToolTip("")
            params = info.parameters if info else ()
            for name, field in (("noise", self.noise), ("n_samples", self.samples)):
                field.setEnabled(name in params)
                self._form.labelForField(field).setEnabled(name in params)
            self.seed.setEnabled("seed" in params)
            self._form.labelForField(self.seed).setEnabled("seed" in params)
            self.noise.set_value_quietly(round(100 * float(ref.get("noise", 0.0))))
            self.samples.set_value_quietly(int(ref.get("n_samples", 500)))
            self.seed.setValue(min(max(int(ref.get("seed", 0)), 0), self.seed.maximum()))
            ratio = doc.training["validation_ratio"]
            self.validation.set_value_quietly(round(100 * ratio))
        finally:
            self._updating = False
        dataset, error = self._dataset()
        show_legend = dataset is not None and dataset.is_classification and not dataset.image_shape
        self.legend.setVisible(show_legend)
        if show_legend:
            self.legend.setText(legend_html(dataset.class_names or []))
        if dataset is not None:
            self.thumbnail.show_dataset(dataset)
            self.summary.setStyleSheet("")
            what, split = summary(dataset, ratio).rsplit(" · ", 1)
            self.summary.setText(f"{what}\n{split}")  # the split on a line of its own
        else:
            self.thumbnail.show_message("No data set" if not error else "Cannot load")
            self.summary.setStyleSheet(f"color: {ERROR_COLOR};" if error else "")
            self.summary.setText(error or "Choose a data set above, or import your own.")

    def load_error(self) -> str:
        """Why the document's data set cannot be loaded ("" when it can, or there is none)."""
        return self._dataset()[1]

    def _dataset(self) -> tuple[Dataset | None, str]:
        """The document's data set or the reason it cannot be loaded (the window's one cache)."""
        loaded = self.controller.dataset()
        return loaded.dataset, loaded.error

    # --------------------------------------------------------------------- edits
    def _push(self, edit) -> bool:
        error = self.controller.try_push(edit)
        if error:
            self.message.emit(error)
            self.refresh()
        return error is None

    def _chosen(self, index: int) -> None:
        name = self.chooser.itemData(index)
        if self._updating or name in (None, IMPORTED):
            return
        self.choose(name)

    def choose(self, name: str) -> None:
        """Switch to the named data set (keeping noise, points and seed between playground sets)."""
        doc = self.controller.document
        info = self._infos[name]
        old = doc.data or {}
        keep = {}
        if old.get("source") == "synthetic" and info.kind == "synthetic":
            keep = {k: old[k] for k in ("n_samples", "noise", "seed") if k in old}
        try:
            reference = reference_for(name, **keep)
            dataset = from_reference(reference)
        except DataError as exc:
            self.message.emit(str(exc))
            self.refresh()
            return
        self._push(data_change(doc, reference, dataset))

    def _set_data_value(self, key: str, value: Any, gesture: int | None) -> None:
        if not self._updating:
            self._push(DragValue(("data", key), value, gesture))

    def _set_validation(self, percent: int, gesture: int | None) -> None:
        if not self._updating:
            self._push(DragValue(("training", "validation_ratio"), percent / 100, gesture))

    # ------------------------------------------------------------------- import
    def open_import_dialog(self, kind: str = "csv") -> ImportDialog:
        """Show the import dialog (window-modal, not blocking); its result becomes one edit."""
        dialog = ImportDialog(self, kind, native_dialogs=self.native_dialogs)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.use_import(dialog.dataset, dialog.reference))
        dialog.destroyed.connect(lambda: setattr(self, "import_dialog", None))
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def close_import_dialog(self) -> None:
        """Close an open import dialog, stopping its reading thread (the window closes)."""
        if self.import_dialog is not None:
            self.import_dialog.reject()

    def use_import(self, dataset: Dataset, reference: dict[str, Any]) -> bool:
        """Make an imported data set the document's (rows embedded so the project travels)."""
        doc = self.controller.document
        # The dialog made this data set for the document alone: no 400 MB copy of it.
        ok = self._push(data_change(doc, reference, dataset, emb.embed(dataset, copy=False)))
        if ok:
            self.message.emit(f"Imported {data_name(reference)}: {describe(dataset)}.")
        return ok


__all__ = ["DataPanel", "summary"]
