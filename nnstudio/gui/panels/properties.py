"""The properties panel: what is selected in the network editor, explained and editable.

A layer shows units, activation, initializer (+ std / limit), dropout, L1, L2 and bias, each
with a one-line explanation (the formula is the tooltip). A neuron shows its bias, a connection
its weight (both editable, each change one undoable edit) and, when known, the gradient. Every
change goes through ``DocumentController.push``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.document import edits
from nnstudio.engine.activations import ACTIVATIONS
from nnstudio.engine.features import CROSS_INPUTS, features_of, input_labels
from nnstudio.engine.initializers import INITIALIZERS
from nnstudio.engine.losses import LOSSES
from nnstudio.gui import naming
from nnstudio.gui.numbers import fmt
from nnstudio.gui.undo import DocumentController

HINT = (
    "Select a layer, neuron or connection in the network to see and edit its properties.\n\n"
    "Drag a Dense layer or a Neuron from the toolbox onto the canvas; Delete removes the "
    "selection; + and − add or remove neurons."
)

_EXPLAIN = {
    "units": "How many neurons the layer has; each one sees every output of the layer before.",
    "dropout": "Fraction of this layer's outputs zeroed at random in each training step.",
    "l1": "Penalty on the sum of |w|: pushes unneeded weights to exactly zero.",
    "l2": "Penalty on the sum of w²: keeps weights small (weight decay).",
    "use_bias": "Adds a learnable offset b to each neuron's weighted sum.",
    "std": "Standard deviation of the normal distribution the weights start from.",
    "limit": "Weights start uniformly between −limit and +limit.",
}
_FORMULA = {
    "units": "z_j = b_j + Σ_i w_ij x_i,   a_j = g(z_j)",
    "dropout": "a ← a · m / (1 − p),   m ~ Bernoulli(1 − p)   (training only)",
    "l1": "loss += l1 · Σ |w|",
    "l2": "loss += l2 · Σ w²",
    "use_bias": "z = b + Σ w x   (off: z = Σ w x)",
    "std": "W ~ N(0, std²)",
    "limit": "W ~ U(−limit, limit)",
}


def _crosses_note(network: dict[str, Any], names: list[str] | None) -> str:
    """For a two-input network: the feature crosses it uses, or that it could use some."""
    if int(network["inputs"]) != CROSS_INPUTS:
        return ""
    if not features_of(network):
        return " Feature crosses (x1², sin(x1), ...) can be added from the greyed nodes below it."
    crosses = input_labels(network, names)[CROSS_INPUTS:]
    return f" Feature crosses in use: {', '.join(crosses)}."


#: What a gradient field says before any step or gradient check has computed one.
NO_STEP_YET = "no step yet (train or check gradients)"


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names come from files: never markup
    label.setWordWrap(True)
    font = QFont(label.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
    label.setFont(font)
    pal = label.palette()
    muted = pal.color(QPalette.ColorRole.WindowText)
    muted.setAlphaF(0.72)
    pal.setColor(QPalette.ColorRole.WindowText, muted)
    label.setPalette(pal)
    return label


def _title(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    label.setWordWrap(True)
    return label


class PropertiesPanel(QWidget):
    """Properties of the editor's selection.

    ``editor`` is a :class:`~nnstudio.gui.editor.NetworkEditor` (the panel then follows its
    selection and shows its live weights and gradients) or its ``NetworkScene`` (values only:
    connect ``editor.selectionChanged`` to :meth:`set_selection` yourself). Without it the
    document's (or the seed's initial) weights are shown.
    """

    def __init__(
        self, controller: DocumentController, editor=None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        # a NetworkEditor (followed: selection and live values) or its NetworkScene (values only)
        self._values = getattr(editor, "scene", editor)
        self._selection: tuple | None = None
        self._initial_cache: tuple[str, list] | None = None
        self._fields: dict[str, QWidget] = {}
        self._rows: dict[str, tuple[QLabel, QWidget, QLabel]] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        self.warning_label = QLabel()
        self.warning_label.setTextFormat(Qt.TextFormat.PlainText)
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(
            "QLabel { background: rgba(230,159,0,0.18); border: 1px solid rgba(230,159,0,0.7);"
            " border-radius: 4px; padding: 4px; }"
        )
        self.warning_label.hide()
        outer.addWidget(self.warning_label)
        self.error_label = QLabel()
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c0392b;")
        self.error_label.hide()
        outer.addWidget(self.error_label)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        outer.addStretch(1)

        self.hint_page = _muted(HINT)
        self.hint_page.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.stack.addWidget(self.hint_page)
        self.input_page, self.input_title, self.input_info = self._build_info_page()
        self.layer_page = self._build_layer_page()
        self.neuron_page = self._build_neuron_page()
        self.connection_page = self._build_connection_page()
        self.stack.setCurrentWidget(self.hint_page)

        controller.changed.connect(self._on_changed)
        controller.documentReplaced.connect(lambda: self.set_selection(None))
        if editor is not None and hasattr(editor, "selectionChanged"):
            editor.selectionChanged.connect(self.set_selection)
        if self._values is not None and hasattr(self._values, "valuesChanged"):
            self._values.valuesChanged.connect(self._refresh_values)
        self._refresh_warning()

    # ---------------------------------------------------------------- pages

    def _build_info_page(self) -> tuple[QWidget, QLabel, QLabel]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        title, info = _title(), _muted()
        layout.addWidget(title)
        layout.addWidget(info)
        layout.addStretch(1)
        self.stack.addWidget(page)
        return page, title, info

    def _add_row(self, form: QFormLayout, key: str, label: str, field: QWidget) -> None:
        lab = QLabel(label)
        explain = _muted(_EXPLAIN.get(key, ""))
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 4)
        v.setSpacing(1)
        v.addWidget(field)
        v.addWidget(explain)
        form.addRow(lab, box)
        tip = _FORMULA.get(key, "")
        for w in (lab, field, explain):
            w.setToolTip(tip)
        self._fields[key] = field
        self._rows[key] = (lab, box, explain)

    def _build_layer_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.layer_title = _title()
        self.layer_note = _muted()
        layout.addWidget(self.layer_title)
        layout.addWidget(self.layer_note)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)

        units = QSpinBox()
        units.setRange(edits.MIN_UNITS, edits.MAX_UNITS)
        units.setKeyboardTracking(False)
        units.valueChanged.connect(lambda v: self._push_layer(lambda k: edits.SetUnits(k, v)))
        self._add_row(form, "units", "Neurons", units)

        activation = QComboBox()
        for name in ACTIVATIONS.names():
            activation.addItem(name, name)
            activation.setItemData(
                activation.count() - 1, ACTIVATIONS.get(name).formula, Qt.ItemDataRole.ToolTipRole
            )
        activation.activated.connect(
            lambda _i: self._set_prop("activation", activation.currentData())
        )
        self._add_row(form, "activation", "Activation", activation)

        init = QComboBox()
        for name in INITIALIZERS.names():
            init.addItem(name, name)
            init.setItemData(
                init.count() - 1, INITIALIZERS.get(name).formula, Qt.ItemDataRole.ToolTipRole
            )
        init.activated.connect(lambda _i: self._set_prop("initializer", init.currentData()))
        self._add_row(form, "initializer", "Initializer", init)

        for key, label in (("std", "Std"), ("limit", "Limit")):
            spin = self._double(0.0001, 10.0, 4, 0.01)
            spin.valueChanged.connect(lambda v, key=key: self._set_prop(key, v))
            self._add_row(form, key, label, spin)

        dropout = self._double(0.0, 0.95, 2, 0.05)
        dropout.valueChanged.connect(lambda v: self._set_prop("dropout", v))
        self._add_row(form, "dropout", "Dropout", dropout)
        for key, label in (("l1", "L1"), ("l2", "L2")):
            spin = self._double(0.0, 10.0, 5, 0.0001)
            spin.valueChanged.connect(lambda v, key=key: self._set_prop(key, v))
            self._add_row(form, key, label, spin)

        bias = QCheckBox("Use bias")
        bias.clicked.connect(lambda checked: self._set_prop("use_bias", bool(checked)))
        self._add_row(form, "use_bias", "Bias", bias)
        layout.addStretch(1)
        self.stack.addWidget(page)
        return page

    @staticmethod
    def _double(low: float, high: float, decimals: int, step: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(low, high)
        spin.setDecimals(decimals)
        spin.setSingleStep(step)
        spin.setKeyboardTracking(False)
        return spin

    def _build_neuron_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.neuron_title = _title()
        layout.addWidget(self.neuron_title)
        self.neuron_activation = _muted()
        layout.addWidget(self.neuron_activation)
        form = QFormLayout()
        self.bias_edit = QLineEdit()
        self.bias_edit.setToolTip("z = b + Σ w·x: the bias shifts the weighted sum")
        self.bias_edit.editingFinished.connect(self._bias_entered)
        form.addRow("Bias", self.bias_edit)
        self.bias_gradient = QLabel("—")
        form.addRow("Gradient", self.bias_gradient)
        layout.addLayout(form)
        layout.addWidget(_muted("Type a number and press Enter; Ctrl+Z undoes it."))
        layout.addStretch(1)
        self.stack.addWidget(page)
        return page

    def _build_connection_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.connection_title = _title()
        layout.addWidget(self.connection_title)
        self.connection_info = _muted()
        layout.addWidget(self.connection_info)
        form = QFormLayout()
        self.weight_edit = QLineEdit()
        self.weight_edit.setToolTip("w_ij multiplies neuron i's output on its way into neuron j")
        self.weight_edit.editingFinished.connect(self._weight_entered)
        form.addRow("Weight", self.weight_edit)
        self.weight_gradient = QLabel("—")
        self.weight_gradient.setToolTip("∂L/∂w: gradient descent moves w by −learning_rate × this")
        form.addRow("Gradient", self.weight_gradient)
        layout.addLayout(form)
        layout.addWidget(
            _muted("Blue lines are positive weights, orange negative; thicker means larger.")
        )
        layout.addStretch(1)
        self.stack.addWidget(page)
        return page

    # ---------------------------------------------------------------- selection and refresh

    def field(self, key: str) -> QWidget:
        """The control that edits the selected layer's ``key`` ("units", "activation", ...)."""
        return self._fields[key]

    def selection(self) -> tuple | None:
        return self._selection

    def set_selection(self, selection: tuple | None) -> None:
        """Show the properties of ``selection`` (the editor's selection tuple, or ``None``)."""
        self._selection = tuple(selection) if selection is not None else None
        self.error_label.hide()
        self._refresh()

    show_selection = set_selection

    def _on_changed(self, area: str) -> None:
        self._refresh_warning()
        if area in ("network", "weights"):
            self._refresh()

    def _refresh_warning(self) -> None:
        warning = edits.loss_warning(self.controller.document.network)
        self.warning_label.setText(f"⚠ {warning}" if warning else "")
        self.warning_label.setVisible(bool(warning))

    def _refresh(self) -> None:
        sel = self._selection
        net = self.controller.document.network
        sizes = edits.layer_sizes(net)
        if sel is not None and not _valid(sel, sizes):
            self._selection = sel = None
        if sel is None:
            self.stack.setCurrentWidget(self.hint_page)
        elif (sel[0] == "layer" and sel[1] < 0) or (sel[0] == "neuron" and sel[1] < 0):
            self._show_input(sel)
        elif sel[0] == "layer":
            self._show_layer(sel[1])
        elif sel[0] == "neuron":
            self._show_neuron(sel[1], sel[2])
        else:
            self._show_connection(*sel[1:])

    def _refresh_values(self) -> None:
        """Live values changed (training): update the numbers, not the editors being typed in."""
        sel = self._selection
        if sel is None:
            return
        if sel[0] == "neuron" and sel[1] >= 0:
            self._show_neuron(sel[1], sel[2])
        elif sel[0] == "connection":
            self._show_connection(*sel[1:])

    def _show_input(self, sel: tuple) -> None:
        n = self.controller.document.network["inputs"]
        if sel[0] == "layer":
            self.input_title.setText(f"Input layer · {n} features")
            self.input_info.setText(
                "One neuron per feature of the data set. Its size follows the data set; "
                "choose another data set to change it."
                + _crosses_note(self.controller.document.network, self._input_names())
            )
        elif sel[2] >= n:  # a feature cross (engine/features.py), after the features
            label = input_labels(self.controller.document.network, self._input_names())[sel[2]]
            self.input_title.setText(f"Input {label} · a feature cross")
            self.input_info.setText(
                "Computed from the first two inputs (after standardizing, when that is on) and "
                "fed to the first layer like a feature. Delete removes it; the Data panel's "
                "check boxes switch crosses on and off."
            )
        else:
            self.input_title.setText(f"Input {sel[2]}")
            self.input_info.setText(
                "Passes feature value x_i on unchanged: inputs have no weights, bias or "
                "activation of their own."
            )
        self.stack.setCurrentWidget(self.input_page)

    def _show_layer(self, k: int) -> None:
        doc = self.controller.document
        layers = doc.network["layers"]
        layer = layers[k]
        last = k == len(layers) - 1
        self.layer_title.setText(
            f"Layer {k + 1} (output) · {layer['units']}"
            if last
            else f"Layer {k + 1} (hidden) · Dense"
        )
        locked = last and doc.auto_output
        if locked:
            loss = doc.network.get("loss", "mse")
            self.layer_note.setText(
                f"Neurons and activation follow the task (automatic output layer); loss: {loss}. "
                f"{LOSSES.get(loss).description}"
            )
        else:
            self.layer_note.setText(
                "Every neuron takes a weighted sum of the previous layer, adds its bias and "
                "applies the activation."
            )
        act = layer.get("activation", "linear")
        init_name = layer.get("initializer", "glorot_uniform")
        init = INITIALIZERS.get(init_name)
        values: dict[str, Any] = {
            "units": layer["units"],
            "activation": act,
            "initializer": init_name,
            "dropout": layer.get("dropout", 0.0),
            "l1": layer.get("l1", 0.0),
            "l2": layer.get("l2", 0.0),
            "use_bias": layer.get("use_bias", True),
        }
        for key in ("std", "limit"):
            values[key] = layer.get(key, init.params.get(key, 0.05))
        for key, field in self._fields.items():
            with QSignalBlocker(field):
                value = values[key]
                if isinstance(field, QComboBox):
                    field.setCurrentIndex(max(0, field.findData(value)))
                elif isinstance(field, QCheckBox):
                    field.setChecked(bool(value))
                else:
                    field.setValue(value)
        self._offer_softmax(last)
        act_obj, init_obj = ACTIVATIONS.get(act), init
        self._explain("activation", act_obj.description, act_obj.formula)
        self._explain("initializer", init_obj.description, init_obj.formula)
        for key in ("std", "limit"):
            for widget in self._rows[key]:
                widget.setVisible(key in init.params)
        self._fields["units"].setEnabled(not locked)
        self._fields["activation"].setEnabled(not locked)
        self._fields["dropout"].setEnabled(not last)
        self.stack.setCurrentWidget(self.layer_page)

    def _offer_softmax(self, output: bool) -> None:
        """Softmax turns a layer into probabilities that sum to 1: only the output layer's job."""
        box = self._fields["activation"]
        row = box.findData("softmax")
        if row >= 0:
            box.view().setRowHidden(row, not output)
            box.model().item(row).setEnabled(output)

    def _explain(self, key: str, description: str, formula: str) -> None:
        lab, _box, explain = self._rows[key]
        explain.setText(description)
        for w in (lab, self._fields[key], explain):
            w.setToolTip(formula)

    def _show_neuron(self, k: int, j: int) -> None:
        layers = self.controller.document.network["layers"]
        name = naming.neuron_name(k, j, len(layers))
        self.neuron_title.setText(name[0].upper() + name[1:])
        act = layers[k].get("activation", "linear")
        self.neuron_activation.setText(f"Activation {act}: {ACTIVATIONS.get(act).description}")
        _, b_idx = edits.param_indices(self.controller.document.network, k)
        if b_idx is None:
            self._set_text(self.bias_edit, "")
            self.bias_edit.setPlaceholderText("no bias (turn on 'Use bias' on the layer)")
            self.bias_edit.setEnabled(False)
        else:
            self.bias_edit.setEnabled(True)
            self._set_text(self.bias_edit, fmt(float(self._weights()[b_idx][j])))
        grad = self._gradient(k, None, j)
        self.bias_gradient.setText(NO_STEP_YET if grad is None else fmt(grad))
        self.stack.setCurrentWidget(self.neuron_page)

    def _show_connection(self, k: int, i: int, j: int) -> None:
        layers = self.controller.document.network["layers"]
        self.connection_title.setText(f"Weight W{k + 1}[{i + 1}, {j + 1}]")
        name = naming.weight_name(k, i, j, len(layers), self._input_names())
        self.connection_info.setText(name[0].upper() + name[1:] + ".")
        w_idx, _ = edits.param_indices(self.controller.document.network, k)
        self._set_text(self.weight_edit, fmt(float(self._weights()[w_idx][i, j])))
        grad = self._gradient(k, i, j)
        self.weight_gradient.setText(NO_STEP_YET if grad is None else fmt(grad))
        self.stack.setCurrentWidget(self.connection_page)

    @staticmethod
    def _set_text(edit: QLineEdit, text: str) -> None:
        if not edit.hasFocus() or not edit.isModified():
            with QSignalBlocker(edit):
                edit.setText(text)
                edit.setModified(False)

    # ---------------------------------------------------------------- values

    def _weights(self) -> list:
        if self._values is not None:
            return self._values.weights()
        doc = self.controller.document
        if doc.weights is not None:
            return doc.weights
        key = repr(doc.network)
        if self._initial_cache is None or self._initial_cache[0] != key:
            self._initial_cache = (key, edits.initial_weights(doc.network))
        return self._initial_cache[1]

    def _input_names(self) -> list[str] | None:
        """The data set's feature names, as the canvas shows them on the input layer."""
        names = getattr(self._values, "input_names", None)
        return names() if callable(names) else None

    def _gradient(self, k: int, i: int | None, j: int) -> float | None:
        if self._values is None:
            return None
        return self._values.gradient(k, i, j)

    # ---------------------------------------------------------------- edits

    def _push(self, edit: edits.Edit) -> bool:
        error = self.controller.try_push(edit)
        if error:
            self.error_label.setText(error)
            self.error_label.show()
            self._refresh()
            return False
        self.error_label.hide()
        return True

    def _push_layer(self, make) -> None:
        sel = self._selection
        if sel is not None and sel[0] == "layer" and sel[1] >= 0:
            self._push(make(sel[1]))

    def _set_prop(self, key: str, value: Any) -> None:
        sel = self._selection
        if sel is None or sel[0] != "layer" or sel[1] < 0:
            return
        layer = self.controller.document.network["layers"][sel[1]]
        if key in layer and layer[key] == value:
            return
        self._push(edits.SetLayerProperty(sel[1], key, value))

    def _parse(self, edit: QLineEdit) -> float | None:
        text = edit.text().strip().replace("−", "-")
        try:
            return float(text)
        except ValueError:
            self.error_label.setText(f"{text!r} is not a number")
            self.error_label.show()
            return None

    def _bias_entered(self) -> None:
        sel = self._selection
        if sel is None or sel[0] != "neuron" or sel[1] < 0 or not self.bias_edit.isModified():
            return
        value = self._parse(self.bias_edit)
        self.bias_edit.setModified(False)
        if value is not None:
            self._push(edits.SetBias(sel[1], sel[2], value))
        self._refresh()

    def _weight_entered(self) -> None:
        sel = self._selection
        if sel is None or sel[0] != "connection" or not self.weight_edit.isModified():
            return
        value = self._parse(self.weight_edit)
        self.weight_edit.setModified(False)
        if value is not None:
            self._push(edits.SetWeight(sel[1], sel[2], sel[3], value))
        self._refresh()


def _valid(sel: tuple, sizes: list[int]) -> bool:
    n_layers = len(sizes) - 1
    if sel[0] == "layer":
        return -1 <= sel[1] < n_layers
    if sel[0] == "neuron":
        return -1 <= sel[1] < n_layers and 0 <= sel[2] < sizes[sel[1] + 1]
    if sel[0] == "connection":
        k, i, j = sel[1:]
        return 0 <= k < n_layers and 0 <= i < sizes[k] and 0 <= j < sizes[k + 1]
    return False
