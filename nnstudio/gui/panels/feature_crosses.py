"""The "Feature crosses" group: TensorFlow Playground's extra inputs, switched on and off.

One check box per cross of ``nnstudio.engine.features`` (x1², x2², x1·x2, sin(x1), sin(x2),
written with the data set's feature names). Each click is one undoable ``SetFeatures`` edit,
an architecture change that starts training afresh; the boxes show what the document holds.
The group is offered only while the network has exactly two inputs (a data set with two
features): choosing another data set removes the crosses as part of that change.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QWidget

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
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setVerticalSpacing(2)
        for n, name in enumerate(NAMES):
            box = QCheckBox(self)  # a check box's text is always plain: names come from files
            box.toggled.connect(lambda on, name=name: self._toggled(name, on))
            grid.addWidget(box, n // 3, n % 3)
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
            with QSignalBlocker(box):
                box.setText(label.replace("&", "&&"))  # a lone & would mark a shortcut
                box.setChecked(name in chosen)
            box.setToolTip(f"{label}: {TOOLTIP}")

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
