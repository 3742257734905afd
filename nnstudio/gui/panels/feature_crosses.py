"""The "Feature crosses" group: TensorFlow Playground's extra inputs, switched on and off.

One check box per cross of ``nnstudio.engine.features`` (x1², x2², x1·x2, sin(x1), sin(x2),
written with the data set's feature names). Each click is one undoable ``SetFeatures`` edit,
an architecture change that starts training afresh; the boxes show what the document holds.
The group is offered only while the network has exactly two inputs (a data set with two
features): choosing another data set removes the crosses as part of that change.

The boxes never widen the data panel: long feature names ("lectures_attended·project_hours")
would otherwise push the whole panel wider than its dock, cutting off every row beside them.
They take three, two or one columns, as many as the panel's width holds, and a label wider
than the panel even alone is shortened with "…" (its tooltip has it whole).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QSizePolicy,
    QStyle,
    QWidget,
)

from nnstudio.document.edits import toggle_feature
from nnstudio.engine.features import CROSS_INPUTS, CROSSES, NAMES, features_of
from nnstudio.gui.undo import DocumentController

TOOLTIP = (
    "Extra inputs computed from the two features, as in TensorFlow Playground: each one is "
    "another input node on the canvas with its own weights. They are computed after "
    "standardizing (when 'Standardize inputs' is on), and every export computes them too, so "
    "an exported model still takes the two raw features. Switching one starts training afresh "
    "(Undo brings the trained network back)."
)


class FeatureCrosses(QGroupBox):
    """Five check boxes bound to ``doc.network["features"]``.

    Signals:
        message(str): why a change was refused, for the status bar.
    """

    message = Signal(str)

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__("Feature crosses", parent)
        self.controller = controller
        self.setToolTip(TOOLTIP)
        self.boxes: dict[str, QCheckBox] = {}
        self._labels: dict[str, str] = {}
        self._columns = 0
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(8, 4, 8, 4)
        self.grid.setVerticalSpacing(2)
        for name in NAMES:
            box = QCheckBox(self)  # a check box's text is always plain: names come from files
            # As wide as its text at most (a click beside the text would miss it), and an
            # explicit minimum instead of the text's width: the box never widens the panel
            box.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            box.setMinimumWidth(1)
            box.toggled.connect(lambda on, name=name: self._toggled(name, on))
            self.boxes[name] = box
        controller.changed.connect(self._on_changed)
        controller.documentReplaced.connect(self.refresh)
        self.refresh()

    def _on_changed(self, area: str) -> None:
        if area in ("network", "data"):
            self.refresh()

    def refresh(self) -> None:
        """Show the document's crosses, labelled with the data set's feature names."""
        network = self.controller.document.network
        self.setVisible(int(network["inputs"]) == CROSS_INPUTS)
        chosen = set(features_of(network))
        names = self._feature_names()
        for name, box in self.boxes.items():
            label = CROSSES[name].label(names)
            self._labels[name] = label
            with QSignalBlocker(box):
                box.setChecked(name in chosen)
            box.setToolTip(f"{label}: {TOOLTIP}")
        self._arrange()  # other names may need other columns

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """Put the boxes in as many columns as fit (3, 2 or 1) and shorten what still does not."""
        if not self._labels:
            return
        margins = self.grid.contentsMargins()
        room = self.contentsRect().width() - margins.left() - margins.right()
        spacing = max(0, self.grid.horizontalSpacing())
        widest = max(self._text_width(label) for label in self._labels.values())
        columns = next((n for n in (3, 2) if n * widest + (n - 1) * spacing <= room), 1)
        column_width = (room - (columns - 1) * spacing) // columns
        for name, box in self.boxes.items():
            label = self._labels[name]
            if self._text_width(label) > column_width:
                text_room = column_width - (self._text_width("") + 2)
                label = box.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, text_room)
            box.setText(label.replace("&", "&&"))  # a lone & would mark a shortcut
        if columns != self._columns:
            self._columns = columns
            for box in self.boxes.values():
                self.grid.removeWidget(box)
            for n, box in enumerate(self.boxes.values()):
                self.grid.addWidget(box, n // columns, n % columns, Qt.AlignmentFlag.AlignLeft)

    def _text_width(self, label: str) -> int:
        """The width a check box needs to show ``label`` whole: indicator, gap and text."""
        style = self.style()
        indicator = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
        gap = style.pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing)
        return indicator + gap + self.fontMetrics().horizontalAdvance(label) + 4

    def _feature_names(self) -> tuple[str, str]:
        loaded = self.controller.dataset()
        ds = loaded.dataset
        if ds is not None and ds.n_features == CROSS_INPUTS:
            return (str(ds.feature_names[0]), str(ds.feature_names[1]))
        return ("x1", "x2")

    def _toggled(self, name: str, on: bool) -> None:
        error = self.controller.try_push(toggle_feature(self.controller.document.network, name, on))
        if error:
            self.message.emit(error)
            self.refresh()


__all__ = ["FeatureCrosses"]
