"""The network editor widget: toolbox on top, canvas below."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nnstudio.document import edits
from nnstudio.gui.editor.pictures import NeuronPictures
from nnstudio.gui.editor.scene import NetworkScene
from nnstudio.gui.editor.toolbox import EditorToolbox
from nnstudio.gui.editor.view import NetworkView
from nnstudio.gui.undo import DocumentController


class NetworkEditor(QWidget):
    """Toolbox + canvas for the controller's network.

    Signals:
        selectionChanged(object): ``("layer", k)``, ``("neuron", k, j)``,
            ``("connection", k, i, j)`` or ``None`` (``k = -1`` is the input layer).
        message(str): why an edit was refused, for the status bar.
        pictureClicked(int, int): a neuron's picture was clicked (layer, neuron; 0-based).
    """

    selectionChanged = Signal(object)
    message = Signal(str)
    pictureClicked = Signal(int, int)

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.scene = NetworkScene(controller, self)
        self.view = NetworkView(self.scene, self)
        self.toolbox = EditorToolbox(self)
        self.pictures = NeuronPictures(self.scene)
        self.pictures.on_click = self.pictureClicked.emit
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbox)
        layout.addWidget(self.view, 1)
        self.scene.selectedChanged.connect(self.selectionChanged)
        self.scene.message.connect(self.message)
        self.toolbox.colorModeChanged.connect(self.set_color_mode)
        self.toolbox.zoomRequested.connect(self._zoom)
        self.toolbox.dense_button.clicked.connect(self._add_layer_clicked)
        self.toolbox.neuron_button.clicked.connect(self._add_neuron_clicked)
        controller.documentReplaced.connect(self._fit_soon)

    # ---------------------------------------------------------------- forwarding API

    def selection(self) -> tuple | None:
        return self.scene.selection()

    def select(self, selection: tuple | None) -> None:
        self.scene.select(selection)

    def delete_selection(self) -> bool:
        """Remove the selected hidden layer, or one neuron of the selected neuron's layer."""
        return self.scene.delete_selected()

    def set_input_names(self, names: list[str] | None) -> None:
        self.scene.set_input_names(names)

    def set_output_names(self, names: list[str] | None) -> None:
        self.scene.set_output_names(names)

    def set_connection_values(self, arrays: list[np.ndarray] | None, kind: str = "weights") -> None:
        """Live weights or gradients in the ``[W1, b1, ...]`` layout (see NetworkScene)."""
        self.scene.set_connection_values(arrays, kind)

    def set_live_values(self, weights, gradients=None, updates=None) -> None:
        """A training frame's weights, gradients and updates: one recolour (see NetworkScene)."""
        self.scene.set_live_values(weights, gradients, updates)

    def set_neuron_pictures(self, snap: dict, image_shape: tuple[int, ...] | None = None) -> None:
        """Each neuron's activation over the input plane (or weights, for images) on its face."""
        self.pictures.update(snap, image_shape)

    def set_pictures_enabled(self, on: bool) -> None:
        """Pictures on or off (the bias dots show again when off)."""
        self.pictures.set_enabled(on)

    def set_color_mode(self, mode: str) -> None:
        """Colour connections by "weights" or "gradients"."""
        self.scene.set_color_mode(mode)
        self.toolbox.set_color_mode(mode)
        self.view.viewport().update()

    def zoom_in(self) -> None:
        self.view.zoom_in()

    def zoom_out(self) -> None:
        self.view.zoom_out()

    def zoom_fit(self) -> None:
        self.scene.sync()
        self.view.zoom_fit()

    # ---------------------------------------------------------------- internals

    def _zoom(self, what: str) -> None:
        {"in": self.zoom_in, "out": self.zoom_out, "fit": self.zoom_fit}[what]()

    def _fit_soon(self) -> None:
        self.view._fitted = False
        if self.view.isVisible():
            self.scene.sync()
            self.view.zoom_fit()

    def _add_layer_clicked(self) -> None:
        self.scene.insert_layer(edits.hidden_count(self.controller.document.network))

    def _add_neuron_clicked(self) -> None:
        sel = self.scene.selection()
        if sel is None or sel[0] not in ("layer", "neuron") or sel[1] < 0:
            self.message.emit("Select a hidden layer first, or drag the neuron onto one.")
            return
        self.scene.change_units(sel[1], 1)
