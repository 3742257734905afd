"""The network canvas's scene: drawn from the document, changed only through the controller.

Layout: one column per layer, left to right (input, hidden layers, output). Column ``c`` shows
dense layer ``k = c - 1`` (``k = -1`` is the input layer). Layers with more than
``MAX_DRAWN`` neurons are drawn compressed: the first and last ``EDGE`` neurons and a
"… N more …" marker between them, so a 12 x 256 network stays light.

Selections are plain tuples: ``("layer", k)``, ``("neuron", k, j)``, ``("connection", k, i, j)``
(weight ``W[k][i, j]``) or ``None``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, QRectF, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneHelpEvent, QToolTip

from nnstudio.document import edits
from nnstudio.engine.features import features_of, input_labels
from nnstudio.gui import naming, palette
from nnstudio.gui.editor.crosses import CrossToggleItem, add_cross_toggles, cross_of_input
from nnstudio.gui.editor.items import (
    COLUMN_W,
    HEADER_H,
    NEURON_R,
    ROW,
    ColumnItem,
    ConnectionsItem,
    DropIndicatorItem,
    HeaderItem,
    LabelItem,
    NeuronItem,
    UnitButtonItem,
)
from nnstudio.gui.numbers import fmt
from nnstudio.gui.undo import DocumentController

#: MIME type of items dragged from the editor's toolbox; the payload is b"dense" or b"neuron".
MIME_TYPE = "application/x-nnstudio-editor-item"
DRAG_KINDS = ("dense", "neuron")

MAX_DRAWN = 24  # layers with more neurons are drawn compressed
EDGE = 6  # neurons drawn at each end of a compressed layer
COLUMN_SPACING = 190.0
NEURONS_TOP = HEADER_H + 44.0  # y where the neuron area starts (header and +/- buttons above)

Selection = tuple | None


def mime_data(kind: str) -> QMimeData:
    """The ``QMimeData`` a toolbox drag carries (``kind`` is "dense" or "neuron")."""
    if kind not in DRAG_KINDS:
        raise ValueError(f"unknown drag kind {kind!r}; known: {', '.join(DRAG_KINDS)}")
    mime = QMimeData()
    mime.setData(MIME_TYPE, kind.encode())
    mime.setText({"dense": "Dense layer", "neuron": "Neuron"}[kind])
    return mime


def drag_kind(mime: QMimeData | None) -> str | None:
    """The kind carried by ``mime`` (or ``None`` when it is not an editor drag)."""
    if mime is None or not mime.hasFormat(MIME_TYPE):
        return None
    kind = bytes(mime.data(MIME_TYPE).data()).decode(errors="replace")
    return kind if kind in DRAG_KINDS else None


def shown_indices(units: int) -> tuple[np.ndarray, bool]:
    """The neuron indices drawn for a layer of ``units`` neurons, and whether it is compressed."""
    if units <= MAX_DRAWN:
        return np.arange(units), False
    return np.concatenate([np.arange(EDGE), np.arange(units - EDGE, units)]), True


@dataclass
class Column:
    """Where one layer is drawn."""

    k: int  # dense layer index; -1 for the input layer
    kind: str  # "input", "hidden" or "output"
    units: int
    activation: str | None
    shown: np.ndarray
    ys: np.ndarray
    compressed: bool
    x: float
    top: float
    bottom: float
    ellipsis_y: float | None


class NetworkScene(QGraphicsScene):
    """Draws the controller's document as a network and turns gestures into edits.

    Signals:
        selectedChanged(object): the new selection tuple (see module doc) or ``None``.
        message(str): a short user-facing message (e.g. why an edit was refused).
        valuesChanged(): live weights or gradients were set (see set_connection_values).
    """

    selectedChanged = Signal(object)
    message = Signal(str)
    valuesChanged = Signal()

    def __init__(self, controller: DocumentController, parent=None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.theme = palette.Theme(QGuiApplication.palette())
        self._input_names: list[str] | None = None
        self._output_names: list[str] | None = None
        self._selection: Selection = None
        self._mode = "weights"
        self._live_weights: list[np.ndarray] | None = None
        self._gradients: list[np.ndarray] | None = None
        self._updates: list[np.ndarray] | None = None
        self._initial_cache: dict[str, list[np.ndarray]] = {}
        self._built_key: tuple | None = None
        self.scale = 1.0  # full-colour value of the connections currently shown
        self.columns: list[Column] = []
        self.headers: list[HeaderItem] = []
        self.column_items: list[ColumnItem] = []
        self.neurons: dict[tuple[int, int], NeuronItem] = {}
        self.connections: list[ConnectionsItem] = []
        self.buttons: list[UnitButtonItem] = []
        self.labels: list[LabelItem] = []
        self._indicator: DropIndicatorItem | None = None
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(0)
        self._rebuild_timer.timeout.connect(self.rebuild)
        controller.changed.connect(self._on_changed)
        controller.documentReplaced.connect(self._on_replaced)
        self.rebuild()

    # ---------------------------------------------------------------- public API

    @property
    def controller(self) -> DocumentController:
        return self._controller

    def selection(self) -> Selection:
        return self._selection

    def color_mode(self) -> str:
        return self._mode

    def set_theme(self, theme: palette.Theme) -> None:
        self.theme = theme
        self.update()

    def set_input_names(self, names: list[str] | None) -> None:
        """Feature names shown next to the input neurons (``None``: x1, x2, ...)."""
        self._input_names = list(names) if names else None
        self._schedule_rebuild()

    def set_output_names(self, names: list[str] | None) -> None:
        """Class or target names shown next to the output neurons."""
        self._output_names = list(names) if names else None
        self._schedule_rebuild()

    def set_color_mode(self, mode: str) -> None:
        """Colour connections by "weights" or by "gradients"."""
        if mode not in ("weights", "gradients"):
            raise ValueError(f"unknown colour mode {mode!r}; known: weights, gradients")
        if mode != self._mode:
            self._mode = mode
            self.refresh_values()

    def set_connection_values(self, arrays: list[np.ndarray] | None, kind: str = "weights") -> None:
        """Show live values in the ``[W1, b1, W2, ...]`` layout, without rebuilding anything.

        ``kind`` "weights": weights to draw instead of the document's (``None``: back to the
        document's). ``kind`` "gradients": the latest gradients (tooltips, properties and the
        "gradients" colour mode; ``None``: unknown). ``kind`` "updates": each weight's last
        optimizer update (tooltips only). Arrays whose shapes do not fit are ignored.
        """
        fitting = arrays if arrays is None or self._fits(arrays) else None
        if kind == "weights":
            self._live_weights = fitting
        elif kind == "gradients":
            self._gradients = fitting
        elif kind == "updates":
            self._updates = fitting
            return  # nothing drawn changes
        else:
            raise ValueError(f"unknown value kind {kind!r}; known: weights, gradients, updates")
        if not self._rebuild_timer.isActive():
            self.refresh_values()
        self.valuesChanged.emit()

    def set_live_values(
        self,
        weights: list[np.ndarray] | None,
        gradients: list[np.ndarray] | None = None,
        updates: list[np.ndarray] | None = None,
    ) -> None:
        """A training frame's weights, gradients and updates at once: one recolour, one signal.

        Setting them one by one with :meth:`set_connection_values` recolours the canvas and
        refreshes the Properties panel per kind.
        """
        self._live_weights = weights if weights is None or self._fits(weights) else None
        self._gradients = gradients if gradients is None or self._fits(gradients) else None
        self._updates = updates if updates is None or self._fits(updates) else None
        if not self._rebuild_timer.isActive():
            self.refresh_values()
        self.valuesChanged.emit()

    def weights(self) -> list[np.ndarray]:
        """The weights drawn: live ones, else the document's, else the seed's initial weights."""
        if self._live_weights is not None:
            return self._live_weights
        doc = self._controller.document
        if doc.weights is not None:
            return doc.weights
        return self._initial_weights()

    def gradients(self) -> list[np.ndarray] | None:
        return self._gradients

    def weight(self, k: int, i: int, j: int) -> float:
        w_idx, _ = edits.param_indices(self._controller.document.network, k)
        return float(self.weights()[w_idx][i, j])

    def bias(self, k: int, j: int) -> float | None:
        _, b_idx = edits.param_indices(self._controller.document.network, k)
        return None if b_idx is None else float(self.weights()[b_idx][j])

    def gradient(self, k: int, i: int | None, j: int) -> float | None:
        """``dL/dW[k][i, j]`` (or ``dL/db[k][j]`` for ``i=None``) when known."""
        if self._gradients is None:
            return None
        w_idx, b_idx = edits.param_indices(self._controller.document.network, k)
        if i is None:
            return None if b_idx is None else float(self._gradients[b_idx][j])
        return float(self._gradients[w_idx][i, j])

    def select(self, selection: Selection) -> None:
        """Select a layer, neuron or connection (``None`` clears); emits ``selectedChanged``."""
        selection = tuple(selection) if selection is not None else None
        if selection is not None and not self._valid(selection):
            selection = None
        if selection == self._selection:
            return
        self._selection = selection
        self._highlight()
        self.selectedChanged.emit(selection)

    def sync(self) -> None:
        """Apply a pending redraw now (normally done on the next event-loop turn)."""
        if self._rebuild_timer.isActive():
            self._rebuild_timer.stop()
            self.rebuild()

    def column_of_layer(self, k: int) -> Column:
        return self.columns[k + 1]

    def neuron_pos(self, k: int, j: int) -> QPointF:
        """Scene position of neuron ``j`` of layer ``k`` (it must be drawn)."""
        return self.neurons[(k, j)].pos()

    def gap_x(self, index: int) -> float:
        """Scene x of the gap before hidden layer ``index`` (where a dropped layer lands)."""
        return (self.columns[index].x + self.columns[index + 1].x) / 2

    def hit_tolerance(self) -> float:
        views = self.views()
        zoom = views[0].transform().m11() if views else 1.0
        return max(2.0, 5.0 / max(zoom, 1e-3))

    # ---------------------------------------------------------------- edits from gestures

    def push(self, edit: edits.Edit) -> bool:
        """Push ``edit``; a refused edit shows its reason through ``message``."""
        error = self._controller.try_push(edit)
        if error:
            self.message.emit(error)
            return False
        return True

    def change_units(self, k: int, delta: int) -> bool:
        """Add (``delta`` > 0) or remove neurons of layer ``k``."""
        net = self._controller.document.network
        if k < 0:
            self.message.emit("The input layer has one neuron per feature of the data set.")
            return False
        return self.push(edits.SetUnits(k, net["layers"][k]["units"] + delta))

    def insert_layer(self, index: int) -> bool:
        """Insert a new dense layer before hidden layer ``index`` and select it."""
        if self.push(edits.InsertLayer(index, **_new_layer_args())):
            self.select(("layer", index))
            return True
        return False

    def delete_selected(self) -> bool:
        """Delete key: remove the selected hidden layer, or one neuron of its layer."""
        sel = self._selection
        if sel is None:
            return False
        n_hidden = edits.hidden_count(self._controller.document.network)
        if sel[0] == "layer":
            k = sel[1]
            if k < 0:
                self.message.emit("The input layer follows the data set; it cannot be removed.")
                return False
            if k >= n_hidden:
                self.message.emit("The output layer cannot be removed.")
                return False
            if self.push(edits.RemoveLayer(k)):
                self.select(None)
                return True
            return False
        if sel[0] == "neuron":
            k = sel[1]
            cross = cross_of_input(self._controller.document.network, sel[2]) if k < 0 else None
            if cross is not None:  # a feature cross: switch it off
                net = self._controller.document.network
                return self.push(edits.toggle_feature(net, cross, False))
            if self.change_units(k, -1):
                units = self._controller.document.network["layers"][k]["units"]
                self.select(("neuron", k, min(sel[2], units - 1)))
                return True
        return False

    def change_selected_units(self, delta: int) -> bool:
        """+/- keys: add or remove a neuron in the selected layer (or the selected neuron's)."""
        sel = self._selection
        if sel is None or sel[0] not in ("layer", "neuron"):
            return False
        return self.change_units(sel[1], delta)

    def preview_move(self, k: int, x: float) -> None:
        """While a header is dragged: show where layer ``k`` would go."""
        gap = self._gap_at(x)
        self._show_gap(gap)

    def finish_move(self, k: int, x: float) -> bool:
        """Header dropped at scene x: move hidden layer ``k`` there."""
        self._hide_indicators()
        n_hidden = edits.hidden_count(self._controller.document.network)
        target = self._gap_at(x)  # insert position among hidden layers, before removal
        if target > k:
            target -= 1
        target = min(max(target, 0), n_hidden - 1)
        if target == k:
            return False
        if self.push(edits.MoveLayer(k, target)):
            self.select(("layer", target))
            return True
        return False

    # ---------------------------------------------------------------- drawing

    def _schedule_rebuild(self) -> None:
        self._rebuild_timer.start()

    def _structure_key(self) -> tuple:
        """What the drawn items depend on (loss, optimizer, dropout... are not drawn)."""
        doc = self._controller.document
        layers = tuple(
            (
                lay["units"],
                lay.get("activation", "linear"),
                lay.get("use_bias", True),
                lay.get("dropout", 0.0),
            )
            for lay in doc.network["layers"]
        )
        crosses = tuple(features_of(doc.network))  # their labels and the greyed nodes too
        return (doc.network["inputs"], crosses, layers, doc.auto_output)

    def _on_changed(self, area: str) -> None:
        if area == "network":
            if self._structure_key() != self._built_key:
                self._schedule_rebuild()  # deferred: the item that started the edit may be running
            elif not self._rebuild_timer.isActive():
                self.refresh_values()  # e.g. a new initializer or seed: other initial weights
        elif area == "weights" and not self._rebuild_timer.isActive():
            self.refresh_values()

    def _on_replaced(self) -> None:
        self._live_weights = None
        self._gradients = None
        self._selection = None
        self.selectedChanged.emit(None)
        self._schedule_rebuild()

    def _clear(self) -> None:
        self.columns, self.headers, self.column_items = [], [], []
        self.neurons, self.connections, self.buttons, self.labels = {}, [], [], []
        self._indicator = None
        self.clear()

    def rebuild(self) -> None:
        """Recreate every item from the document; values alone update in place."""
        self._rebuild_timer.stop()
        doc = self._controller.document
        net = doc.network
        self._built_key = self._structure_key()
        self._clear()
        if self._live_weights is not None and not self._fits(self._live_weights):
            self._live_weights = None
        if self._gradients is not None and not self._fits(self._gradients):
            self._gradients = None
        sizes = edits.layer_sizes(net)
        n_layers = len(net["layers"])
        layouts = [shown_indices(n) for n in sizes]
        rows = [len(shown) + (1 if compressed else 0) for shown, compressed in layouts]
        height = max(rows) * ROW
        for c, (units, (shown, compressed)) in enumerate(zip(sizes, layouts, strict=True)):
            k = c - 1
            kind = "input" if c == 0 else "output" if k == n_layers - 1 else "hidden"
            activation = None if k < 0 else net["layers"][k].get("activation", "linear")
            top = NEURONS_TOP + (height - rows[c] * ROW) / 2
            slots = np.arange(rows[c], dtype=float)
            if compressed:
                slots = np.concatenate([slots[:EDGE], slots[EDGE + 1 :]])
            ys = top + ROW / 2 + slots * ROW
            ellipsis_y = top + ROW / 2 + EDGE * ROW if compressed else None
            col = Column(
                k, kind, units, activation, shown, ys, compressed,
                c * COLUMN_SPACING, top, top + rows[c] * ROW, ellipsis_y,
            )  # fmt: skip
            self.columns.append(col)
            self._add_column(col)
        self.cross_toggles = add_cross_toggles(self, self.columns[0])  # unused crosses, greyed
        for k in range(n_layers):
            a, b = self.columns[k], self.columns[k + 1]
            item = ConnectionsItem(k, a.shown, a.ys, a.x, b.shown, b.ys, b.x)
            self.addItem(item)
            self.connections.append(item)
        self._indicator = DropIndicatorItem()
        self.addItem(self._indicator)
        rect = self.itemsBoundingRect().adjusted(-30, -20, 30, 30)
        self.setSceneRect(rect)
        if self._selection is not None and not self._valid(self._selection):
            self._selection = None
            self.selectedChanged.emit(None)
        self.refresh_values()
        self._highlight()

    def _add_column(self, col: Column) -> None:
        doc = self._controller.document
        x = col.x
        rect = QRectF(x - COLUMN_W / 2, col.top - 6, COLUMN_W, col.bottom - col.top + 12)
        column_item = ColumnItem(col.k, rect)
        self.addItem(column_item)
        self.column_items.append(column_item)
        title = {"input": "Input", "hidden": "Dense", "output": "Output"}[col.kind]
        text = f"{title} · {col.units}" + (f" · {col.activation}" if col.activation else "")
        header = HeaderItem(col.k, text, x, 0.0, movable=col.kind == "hidden")
        header.setToolTip(self._layer_tooltip(col))
        self.addItem(header)
        self.headers.append(header)
        editable = col.kind == "hidden" or (col.kind == "output" and not doc.auto_output)
        if editable:
            for delta, dx in ((-1, -15.0), (1, 15.0)):
                button = UnitButtonItem(col.k, delta, QPointF(x + dx, HEADER_H + 20.0))
                self.addItem(button)
                self.buttons.append(button)
        for j, y in zip(col.shown, col.ys, strict=True):
            neuron = NeuronItem(col.k, int(j), QPointF(x, y), is_input=col.kind == "input")
            self.addItem(neuron)
            self.neurons[(col.k, int(j))] = neuron
            name = self._name_of(col, int(j))
            if name is not None:
                side = -1 if col.kind == "input" else 1
                anchor = QPointF(x + side * (NEURON_R + 6), y)
                label = LabelItem(name, anchor, "left" if side < 0 else "right")
                self.addItem(label)
                self.labels.append(label)
        dropout = doc.network["layers"][col.k].get("dropout", 0.0) if col.k >= 0 else 0.0
        if dropout:  # drawn where it acts: under the layer whose outputs it drops in training
            label = LabelItem(f"dropout {dropout:.0%}", QPointF(x, col.bottom + 16), "center")
            label.setToolTip(
                f"While training, each output of this layer is zeroed with "
                f"probability {dropout:.0%} (and the rest scaled up to match)."
            )
            self.addItem(label)
            self.labels.append(label)
        if col.ellipsis_y is not None:
            more = col.units - len(col.shown)
            label = LabelItem(f"… {more} more …", QPointF(x, col.ellipsis_y), "center", k=col.k)
            self.addItem(label)
            self.labels.append(label)

    def input_names(self) -> list[str] | None:
        """The input layer's feature names and crosses (None: x1, x2, ... and no crosses)."""
        net = self._controller.document.network
        if not self._input_names and not features_of(net):
            return None
        return input_labels(net, self._input_names)

    def _name_of(self, col: Column, j: int) -> str | None:
        if col.kind == "input":
            return naming.input_name(j, self.input_names())
        if col.kind == "output" and self._output_names and j < len(self._output_names):
            return self._output_names[j]
        return None

    def _layer_tooltip(self, col: Column) -> str:
        if col.kind == "input":
            crosses = len(features_of(self._controller.document.network))
            if crosses:
                return (
                    f"Input layer: {col.units - crosses} features (follows the data set) and "
                    f"{crosses} feature crosses (Data panel)"
                )
            return f"Input layer: {col.units} features (follows the data set)"
        where = f"Layer {col.k + 1} ({'output' if col.kind == 'output' else 'hidden'})"
        tip = f"{where}: {col.units} neurons, {col.activation}"
        if col.kind == "hidden":
            tip += "\nDrag this header to move the layer; Delete removes it."
        return tip

    def refresh_values(self) -> None:
        """Recolour connections and biases from the current values (no items are created)."""
        if not self.connections:
            return
        net = self._controller.document.network
        use_grad = self._mode == "gradients"
        values = self._gradients if use_grad else self.weights()
        blocks: list[np.ndarray | None] = []
        biases: list[np.ndarray | None] = []
        for k, item in enumerate(self.connections):
            if values is None:
                blocks.append(None)
                biases.append(None)
                continue
            w_idx, b_idx = edits.param_indices(net, k)
            blocks.append(np.asarray(values[w_idx])[np.ix_(item.src, item.dst)])
            biases.append(None if b_idx is None else np.asarray(values[b_idx])[item.dst])
        present = [b.ravel() for b in blocks if b is not None and b.size]
        old_scale = self.scale
        self.scale = palette.auto_scale(np.concatenate(present)) if present else 1.0
        for item, block in zip(self.connections, blocks, strict=True):
            item.set_values(block, self.scale)
        present_b = [b for b in biases if b is not None and b.size]
        bias_scale = palette.auto_scale(np.concatenate(present_b)) if present_b else 1.0
        if bias_scale < 1e-9:
            bias_scale = 1.0
        for k, b in enumerate(biases):
            col = self.columns[k + 1]
            for n, j in enumerate(col.shown):
                t = None if b is None else float(np.clip(b[n] / bias_scale, -1, 1))
                self.neurons[(k, int(j))].set_bias_t(t)
        if self.scale != old_scale:  # the legend's numbers; items repaint themselves if changed
            # Through the scene, not each viewport's update(): that one painted the canvas a
            # second time per training frame, apart from the items' own (deferred) repaint.
            self.update()

    def _highlight(self) -> None:
        sel = self._selection
        for item in self.column_items:
            item.selected = sel is not None and sel[0] == "layer" and sel[1] == item.k
            item.update()
        for header in self.headers:
            header.set_selected(sel is not None and sel[0] == "layer" and sel[1] == header.k)
        for key, neuron in self.neurons.items():
            neuron.set_selected(sel is not None and sel[0] == "neuron" and sel[1:] == key)
        for item in self.connections:
            on = sel is not None and sel[0] == "connection" and sel[1] == item.k
            item.set_selected((sel[2], sel[3]) if on else None)

    # ---------------------------------------------------------------- helpers

    def _initial_weights(self) -> list[np.ndarray]:
        net = self._controller.document.network
        keep = ("units", "use_bias", "initializer", "std", "limit")
        key = json.dumps(
            [
                net["inputs"],
                features_of(net),
                [{k: v for k, v in lay.items() if k in keep} for lay in net["layers"]],
                net.get("seed", 0),
                net.get("dtype", "float64"),
            ],
            sort_keys=True,
        )
        cache = self._initial_cache
        if key in cache:
            cache[key] = cache.pop(key)  # most recently used last
        else:
            cache[key] = edits.initial_weights(net)
            while len(cache) > 4:  # an edit and its undo both stay cached
                cache.pop(next(iter(cache)))
        return cache[key]

    def _fits(self, arrays: list[np.ndarray]) -> bool:
        shapes = edits.weight_shapes(self._controller.document.network)
        return len(arrays) == len(shapes) and all(
            np.shape(a) == s for a, s in zip(arrays, shapes, strict=True)
        )

    def _valid(self, sel: tuple) -> bool:
        sizes = edits.layer_sizes(self._controller.document.network)
        n_layers = len(sizes) - 1
        kind = sel[0]
        try:
            if kind == "layer":
                return len(sel) == 2 and -1 <= sel[1] < n_layers
            if kind == "neuron":
                return len(sel) == 3 and -1 <= sel[1] < n_layers and 0 <= sel[2] < sizes[sel[1] + 1]
            if kind == "connection":
                k, i, j = sel[1:]
                return 0 <= k < n_layers and 0 <= i < sizes[k] and 0 <= j < sizes[k + 1]
        except (TypeError, ValueError):
            return False
        return False

    def _gap_at(self, x: float) -> int:
        """Hidden-layer insert position for scene x (0 .. number of hidden layers)."""
        n_hidden = len(self.columns) - 2
        passed = sum(1 for col in self.columns if col.x < x)
        return min(max(passed - 1, 0), n_hidden)

    def _column_at(self, x: float) -> Column | None:
        for col in self.columns:
            if abs(col.x - x) <= COLUMN_SPACING / 2:
                return col
        return None

    def _show_gap(self, gap: int) -> None:
        if self._indicator is None or not self.columns:
            return
        top = min(col.top for col in self.columns) - 6
        bottom = max(col.bottom for col in self.columns) + 6
        self._indicator.show_at(self.gap_x(gap), top, bottom)

    def _hide_indicators(self) -> None:
        if self._indicator is not None:
            self._indicator.hide()
        for item in self.column_items:
            if item.drop_target:
                item.drop_target = False
                item.update()

    def _neuron_target(self, x: float) -> Column | None:
        col = self._column_at(x)
        if col is None:
            return None
        if col.kind == "hidden":
            return col
        if col.kind == "output" and not self._controller.document.auto_output:
            return col
        return None

    # ---------------------------------------------------------------- drag and drop

    def _preview_drop(self, kind: str, pos: QPointF) -> bool:
        self._hide_indicators()
        if kind == "dense":
            self._show_gap(self._gap_at(pos.x()))
            return True
        target = self._neuron_target(pos.x())
        if target is None:
            return False
        self.column_items[target.k + 1].drop_target = True
        self.column_items[target.k + 1].update()
        return True

    def dragEnterEvent(self, event) -> None:
        kind = drag_kind(event.mimeData())
        if kind is None:
            event.ignore()
            return
        self._preview_drop(kind, event.scenePos())
        event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        kind = drag_kind(event.mimeData())
        if kind is None or not self._preview_drop(kind, event.scenePos()):
            event.ignore()
            return
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self._hide_indicators()
        event.accept()

    def dropEvent(self, event) -> None:
        self._hide_indicators()
        kind = drag_kind(event.mimeData())
        if kind is None:
            event.ignore()
            return
        x = event.scenePos().x()
        if kind == "dense":
            done = self.insert_layer(self._gap_at(x))
        else:
            target = self._neuron_target(x)
            if target is None:
                self.message.emit("Drop a neuron onto a hidden layer.")
                done = False
            else:
                done = self.change_units(target.k, 1)
                if done:
                    self.select(("layer", target.k))
        if done:
            event.acceptProposedAction()
        else:
            event.ignore()

    # ---------------------------------------------------------------- mouse and help

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        if not event.isAccepted():
            self.select(None)  # empty canvas: clear; the view may start panning

    def tooltip_at(self, pos: QPointF) -> str | None:
        """The tooltip text for scene position ``pos`` (connections, neurons, headers)."""
        for item in self.items(pos):
            if isinstance(item, NeuronItem):
                return self._neuron_tooltip(item.k, item.j)
            if isinstance(item, (HeaderItem, UnitButtonItem, CrossToggleItem)):
                return item.toolTip() or None
            if isinstance(item, ConnectionsItem):
                ij = item.hit(pos, self.hit_tolerance())
                if ij is not None:
                    return self._connection_tooltip(item.k, *ij)
        return None

    def _connection_tooltip(self, k: int, i: int, j: int) -> str:
        n_layers = len(self.columns) - 1
        name = naming.weight_name(k, i, j, n_layers, self.input_names())
        text = f"{name[0].upper()}{name[1:]}\nweight = {fmt(self.weight(k, i, j))}"
        grad = self.gradient(k, i, j)
        if grad is not None:
            text += f"\ngradient = {fmt(grad)}"
        if self._updates is not None:
            w_idx, _ = edits.param_indices(self._controller.document.network, k)
            text += f"\nlast update = {fmt(float(self._updates[w_idx][i, j]))}"
        return text

    def _neuron_tooltip(self, k: int, j: int) -> str:
        if k < 0:
            return f"Input {j + 1}: {self._name_of(self.columns[0], j)}"
        col = self.columns[k + 1]
        name = naming.neuron_name(k, j, len(self.columns) - 1)
        text = f"{name[0].upper()}{name[1:]} ({col.activation})"
        bias = self.bias(k, j)
        text += "\nno bias" if bias is None else f"\nbias = {fmt(bias)}"
        grad = self.gradient(k, None, j)
        if grad is not None:
            text += f"\nbias gradient = {fmt(grad)}"
        return text

    def helpEvent(self, event: QGraphicsSceneHelpEvent) -> None:
        text = self.tooltip_at(event.scenePos())
        if text:
            QToolTip.showText(event.screenPos(), text)
            event.accept()
        else:
            QToolTip.hideText()
            event.ignore()


def _new_layer_args() -> dict[str, Any]:
    return {"units": edits.NEW_LAYER["units"], "activation": edits.NEW_LAYER["activation"]}
