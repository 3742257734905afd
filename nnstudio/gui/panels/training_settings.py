"""Training settings: loss, optimizer, learning rate and its hyper-parameters, batches, epochs,
validation, early stopping, standardisation and the seed.

Two arrangements of the same controls: ``layout="bar"`` (two compact rows for the top of the
window, 1280 px wide, plus a third row while the optimizer's settings are open) and
``layout="form"`` (a vertical form for a dock). Every control shows the document and pushes an
edit; nothing is stored here. Optimizer hyper-parameters are built from the optimizer class's
own ``defaults``, so a new optimizer in the engine appears here without code changes.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.document.data_edits import DragValue
from nnstudio.document.edits import loss_warning
from nnstudio.engine.losses import LOSSES
from nnstudio.engine.optimizers import OPTIMIZERS
from nnstudio.engine.spec import normalize_optimizer
from nnstudio.gui.undo import DocumentController
from nnstudio.gui.widgets.number_edit import NumberEdit
from nnstudio.gui.widgets.sliders import LogValueEdit

LOSS_TITLES = {
    "mse": "Mean squared error",
    "half_mse": "½ mean squared error",
    "mae": "Mean absolute error",
    "binary_crossentropy": "Binary cross-entropy",
    "categorical_crossentropy": "Categorical cross-entropy",
}
OPTIMIZER_TITLES = {
    "sgd": "SGD",
    "adam": "Adam",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adadelta": "Adadelta",
}
#: Hyper-parameters: (label, tooltip). Tooltips follow torch.optim's documentation.
HYPER_HELP: dict[str, tuple[str, str]] = {
    "momentum": (
        "Momentum",
        "Momentum factor: how much of the previous step is kept and added to this one "
        "(0 = plain gradient descent, 0.9 is common).",
    ),
    "dampening": (
        "Dampening",
        "Dampening for momentum: the new gradient enters the momentum buffer scaled by "
        "(1 - dampening).",
    ),
    "nesterov": (
        "Nesterov",
        "Nesterov momentum: take the slope where the momentum is about to carry the weights "
        "(needs momentum > 0 and dampening 0).",
    ),
    "weight_decay": (
        "Weight decay",
        "Weight decay (L2 penalty): adds weight_decay × w to every gradient, pulling the "
        "weights towards 0.",
    ),
    "betas": (
        "β1, β2",
        "Coefficients of the running averages of the gradient (β1) and of its square (β2).",
    ),
    "eps": ("ε", "Term added to the denominator to improve numerical stability."),
    "amsgrad": (
        "AMSGrad",
        "Use the AMSGrad variant: divide by the largest squared-gradient average seen so far.",
    ),
    "alpha": ("α", "Smoothing constant of the running average of squared gradients."),
    "centered": (
        "Centered",
        "Centered RMSprop: normalise the gradient by an estimate of its variance.",
    ),
    "lr_decay": (
        "LR decay",
        "Learning-rate decay: step t uses learning_rate / (1 + (t - 1) × lr_decay).",
    ),
    "initial_accumulator_value": (
        "Initial sum",
        "Initial value of the running sum of squared gradients.",
    ),
    "rho": ("ρ", "Coefficient of the running averages of squared gradients and of updates."),
}
#: Hyper-parameters that live in [0, 1] and get a spin box.
UNIT_INTERVAL = ("momentum", "dampening", "alpha", "rho")

TIPS = {
    "loss": "What the network minimises: how far its predictions are from the targets.",
    "optimizer": "How the weights are changed from the slopes (gradients) of the loss.",
    "learning_rate": (
        "Step size of gradient descent: w ← w − learning rate × slope. Too small learns "
        "slowly, too large overshoots and diverges. Type a value or drag (log scale)."
    ),
    "batch_size": (
        "Examples averaged for one weight update (one step). 1 = stochastic gradient "
        "descent; as many as the training points = full-batch gradient descent."
    ),
    "epochs": "Passes over the training data. 0 = keep training until you press Stop.",
    "validation_ratio": (
        "Share of the data held out for validation: the network never trains on it, so it "
        "reveals overfitting."
    ),
    "standardize": (
        "Shift and scale every input to mean 0 and standard deviation 1 (measured on the "
        "training rows): gradient descent works better when inputs have similar scales."
    ),
    "early_stopping": (
        "Stop when the validation loss has not improved for 'patience' epochs "
        "(needs validation data)."
    ),
    "patience": "Epochs without improvement of the validation loss before training stops.",
    "seed": (
        "Seed of the random initial weights, the shuffling and the training/validation "
        "split: the same seed gives the same run."
    ),
    "more": "The optimizer's own settings (momentum, betas, …)",
}


def _title(titles: dict[str, str], name: str) -> str:
    return titles.get(name, name.replace("_", " ").capitalize())


class TrainingSettings(QWidget):
    """Loss, optimizer, learning rate, batch size, epochs, validation, early stopping,
    standardisation and seed.

    Args:
        controller: the document's controller; every change goes through it.
        layout: "bar" (rows for the top of the window) or "form" (a column for a dock).

    Signals:
        message(str): why an edit was refused, for the status bar (also shown in red here).
    """

    message = Signal(str)

    def __init__(
        self,
        controller: DocumentController,
        parent: QWidget | None = None,
        *,
        layout: str = "bar",
    ) -> None:
        super().__init__(parent)
        if layout not in ("bar", "form"):
            raise ValueError(f"layout is 'bar' or 'form', got {layout!r}")
        self.controller = controller
        self.arrangement = layout
        self._updating = False
        self._error_active = False  # a refused value's reason is showing (notes wait)
        self._hyper_for: str | None = None  # optimizer whose hyper-parameter widgets exist
        self.hyper_widgets: dict[str, QWidget] = {}
        self._build_controls()
        if layout == "bar":
            self._arrange_bar()
        else:
            self._arrange_form()
        self._connect()
        controller.changed.connect(self._on_changed)
        controller.documentReplaced.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------ building
    def _build_controls(self) -> None:
        self.loss = QComboBox(self)
        for loss in (LOSSES.get(name) for name in LOSSES.names()):
            self.loss.addItem(_title(LOSS_TITLES, loss.name), loss.name)
            tip = f"{loss.description}\n{loss.formula}"
            self.loss.setItemData(self.loss.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.loss.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.loss_warning = QLabel(self)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        size = self.fontMetrics().height()
        self.loss_warning.setPixmap(icon.pixmap(size, size))
        self.loss_warning_text = _Note(self)
        self.loss_warning_text.setWordWrap(True)
        self.loss_warning_text.setStyleSheet("color: #b35c00;")

        self.optimizer = QComboBox(self)
        for cls in (OPTIMIZERS.get(name) for name in OPTIMIZERS.names()):
            self.optimizer.addItem(_title(OPTIMIZER_TITLES, cls.name), cls.name)
            tip = f"{cls.description}\n{cls.formula}"
            self.optimizer.setItemData(self.optimizer.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.learning_rate = LogValueEdit(
            1e-5,
            10.0,
            slider_width=90,
            any_positive=True,
            warn_text=(
                "{value} is a very large learning rate: training will probably diverge "
                "(worth seeing once)."
            ),
            parent=self,
        )
        self.more = QToolButton(self)
        self.more.setText("More…")
        self.more.setCheckable(True)
        self.more.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more.setArrowType(Qt.ArrowType.RightArrow)
        self.hyper_box = QFrame(self)  # the expandable group; its inside is rebuilt per optimizer
        QVBoxLayout(self.hyper_box).setContentsMargins(0, 0, 0, 0)
        self.hyper_box.setVisible(False)
        self._hyper_inner: QWidget | None = None

        self.batch_size = QSpinBox(self)
        self.batch_size.setRange(1, 100_000)
        self.epochs = QSpinBox(self)
        self.epochs.setRange(0, 1_000_000)
        self.epochs.setSpecialValueText("until stopped")
        self.epochs.setSingleStep(10)
        self.validation = QSpinBox(self)
        self.validation.setRange(0, 90)
        self.validation.setSingleStep(5)
        self.validation.setSuffix(" %")
        self.standardize = QCheckBox("Standardize inputs", self)
        self.early_stopping = QCheckBox("Early stopping", self)
        self.patience = QSpinBox(self)
        self.patience.setRange(1, 10_000)
        self.patience.setPrefix("patience ")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.error = _Note(self)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        self.error.setVisible(False)

        for spin in (self.batch_size, self.epochs, self.validation, self.patience, self.seed):
            spin.setKeyboardTracking(False)  # typing "128" is one edit, not three
            spin.setAccelerated(True)
        tips = {
            self.loss: TIPS["loss"],
            self.optimizer: TIPS["optimizer"],
            self.learning_rate: TIPS["learning_rate"],
            self.batch_size: TIPS["batch_size"],
            self.epochs: TIPS["epochs"],
            self.validation: TIPS["validation_ratio"],
            self.standardize: TIPS["standardize"],
            self.early_stopping: TIPS["early_stopping"],
            self.patience: TIPS["patience"],
            self.seed: TIPS["seed"],
            self.more: TIPS["more"],
        }
        for widget, tip in tips.items():
            widget.setToolTip(tip)
        self.learning_rate.field.set_help(TIPS["learning_rate"])

    def _labelled(self, text: str, widget: QWidget, tip: str) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(widget)
        label.setToolTip(tip)
        return label

    def _arrange_bar(self) -> None:
        def row(*items: QWidget | int) -> QHBoxLayout:
            box = QHBoxLayout()
            box.setSpacing(6)
            for item in items:
                if isinstance(item, int):
                    box.addSpacing(item)
                else:
                    box.addWidget(item)
            return box

        gap = 10
        first = row(
            self._labelled("Loss", self.loss, TIPS["loss"]),
            self.loss,
            self.loss_warning,
            gap,
            self._labelled("Optimizer", self.optimizer, TIPS["optimizer"]),
            self.optimizer,
            gap,
            self._labelled("Learning rate", self.learning_rate, TIPS["learning_rate"]),
            self.learning_rate,
            self.more,
            gap,
            self._labelled("Seed", self.seed, TIPS["seed"]),
            self.seed,
        )
        first.addStretch(1)
        second = row(
            self._labelled("Batch size", self.batch_size, TIPS["batch_size"]),
            self.batch_size,
            gap,
            self._labelled("Epochs", self.epochs, TIPS["epochs"]),
            self.epochs,
            gap,
            self._labelled("Validation", self.validation, TIPS["validation_ratio"]),
            self.validation,
            gap,
            self.standardize,
            gap,
            self.early_stopping,
            self.patience,
        )
        second.addStretch(1)
        spins = ((self.batch_size, 6), (self.validation, 5), (self.seed, 6), (self.patience, 12))
        for spin, chars in spins:
            spin.setMaximumWidth(self.fontMetrics().horizontalAdvance("0" * (chars + 5)))
        self.learning_rate.setMinimumWidth(170)
        # Notes (a loss warning, a refused value) wrap in the space right of the two rows.
        notes = QVBoxLayout()
        notes.setSpacing(0)
        notes.addWidget(self.loss_warning_text)
        notes.addWidget(self.error)
        small = self.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        for label in (self.loss_warning_text, self.error):
            # Ignored both ways: a wrapped note takes the two rows' height, never grows the bar.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            label.setFont(small)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setHorizontalSpacing(gap)
        grid.setVerticalSpacing(3)
        grid.addLayout(first, 0, 0)
        grid.addLayout(second, 1, 0)
        grid.addLayout(notes, 0, 1, 2, 1)
        grid.addWidget(self.hyper_box, 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def _arrange_form(self) -> None:
        form = QFormLayout()
        loss_row = QHBoxLayout()
        loss_row.addWidget(self.loss, 1)
        loss_row.addWidget(self.loss_warning)
        form.addRow(self._labelled("Loss", self.loss, TIPS["loss"]), loss_row)
        form.addRow("", self.loss_warning_text)
        form.addRow(self._labelled("Optimizer", self.optimizer, TIPS["optimizer"]), self.optimizer)
        form.addRow(
            self._labelled("Learning rate", self.learning_rate, TIPS["learning_rate"]),
            self.learning_rate,
        )
        form.addRow("", self.more)
        form.addRow(self.hyper_box)
        form.addRow(
            self._labelled("Batch size", self.batch_size, TIPS["batch_size"]), self.batch_size
        )
        form.addRow(self._labelled("Epochs", self.epochs, TIPS["epochs"]), self.epochs)
        form.addRow(
            self._labelled("Validation", self.validation, TIPS["validation_ratio"]),
            self.validation,
        )
        form.addRow("", self.standardize)
        stop_row = QHBoxLayout()
        stop_row.addWidget(self.early_stopping)
        stop_row.addWidget(self.patience, 1)
        form.addRow("", stop_row)
        form.addRow(self._labelled("Seed", self.seed, TIPS["seed"]), self.seed)
        form.addRow(self.error)
        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addStretch(1)

    def _connect(self) -> None:
        self.loss.currentIndexChanged.connect(
            lambda i: self._set(("network", "loss"), self.loss.itemData(i))
        )
        self.optimizer.currentIndexChanged.connect(self._optimizer_chosen)
        self.learning_rate.edited.connect(
            lambda v, g: self._set(("network", "optimizer", "learning_rate"), v, g)
        )
        self.learning_rate.field.invalid.connect(self._show_error)
        self.learning_rate.field.warning.connect(self._show_note)
        self.more.toggled.connect(self._toggle_more)
        self.batch_size.valueChanged.connect(lambda v: self._set(("training", "batch_size"), v))
        self.epochs.valueChanged.connect(lambda v: self._set(("training", "epochs"), v))
        self.validation.valueChanged.connect(
            lambda v: self._set(("training", "validation_ratio"), v / 100)
        )
        self.standardize.toggled.connect(lambda on: self._set(("training", "standardize"), on))
        self.early_stopping.toggled.connect(
            lambda on: self._set(("training", "early_stopping", "enabled"), on)
        )
        self.patience.valueChanged.connect(
            lambda v: self._set(("training", "early_stopping", "patience"), v)
        )
        self.seed.valueChanged.connect(lambda v: self._set(("network", "seed"), v))

    # --------------------------------------------------------- optimizer settings
    def _build_hyper(self, name: str) -> None:
        """One labelled control per hyper-parameter of optimizer ``name`` except the rate.

        The controls live in a fresh inner widget that replaces the previous optimizer's.
        """
        old = self._hyper_inner
        if old is not None:
            self.hyper_box.layout().removeWidget(old)
            old.hide()
            old.deleteLater()
        inner = self._hyper_inner = QWidget(self.hyper_box)
        self.hyper_box.layout().addWidget(inner)
        self.hyper_widgets = {}
        cls = OPTIMIZERS.get(name)
        box: QHBoxLayout | QFormLayout
        if self.arrangement == "bar":
            box = QHBoxLayout(inner)
            box.setContentsMargins(0, 0, 0, 0)
            title = QLabel(f"{_title(OPTIMIZER_TITLES, name)} settings:", inner)
            title.setToolTip(f"{cls.description}\n{cls.formula}")
            box.addWidget(title)
        else:
            box = QFormLayout(inner)
            box.setContentsMargins(12, 0, 0, 0)
        for key, default in cls.defaults.items():
            if key == "learning_rate":
                continue
            widget = self._hyper_widget(inner, key, default)
            text, tip = HYPER_HELP.get(key, (key.replace("_", " "), ""))
            widget.setToolTip(tip)
            self.hyper_widgets[key] = widget
            label = None
            if isinstance(widget, QCheckBox):
                widget.setText(text)
            else:
                label = QLabel(text, inner)
                label.setToolTip(tip)
            if isinstance(box, QFormLayout):
                box.addRow(label or "", widget)
            else:
                box.addSpacing(8)
                if label is not None:
                    box.addWidget(label)
                box.addWidget(widget)
        if isinstance(box, QHBoxLayout):
            box.addStretch(1)
        self._hyper_for = name

    def _hyper_widget(self, parent: QWidget, key: str, default: Any) -> QWidget:
        path = ("network", "optimizer", key)
        if isinstance(default, bool):
            check = QCheckBox(parent)
            check.toggled.connect(lambda on: self._set(path, on))
            return check
        if key == "betas":
            pair = QWidget(parent)
            row = QHBoxLayout(pair)
            row.setContentsMargins(0, 0, 0, 0)
            spins = [_unit_spin(pair, 4, 0.9999), _unit_spin(pair, 4, 0.9999)]
            for spin in spins:
                row.addWidget(spin)
                spin.valueChanged.connect(lambda _v: self._set(path, [s.value() for s in spins]))
            pair.spins = spins  # type: ignore[attr-defined]
            return pair
        if key in UNIT_INTERVAL:
            spin = _unit_spin(parent, 3)
            spin.valueChanged.connect(lambda v: self._set(path, v))
            return spin
        edit = NumberEdit(default, minimum=0.0, maximum=math.inf, parent=parent)
        edit.valueEdited.connect(lambda v: self._set(path, v))
        edit.invalid.connect(self._show_error)
        return edit

    def _toggle_more(self, on: bool) -> None:
        self.more.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.hyper_box.setVisible(on)

    # ------------------------------------------------------------------ refresh
    def _on_changed(self, area: str) -> None:
        if area in ("network", "training"):
            self.refresh()

    def refresh(self) -> None:
        """Show what the document holds."""
        doc = self.controller.document
        net, training = doc.network, doc.training
        optimizer = normalize_optimizer(net.get("optimizer", {"name": "sgd"}))
        stopping = training["early_stopping"]
        self._updating = True
        try:
            self.loss.setCurrentIndex(self.loss.findData(net.get("loss", "mse")))
            self.optimizer.setCurrentIndex(self.optimizer.findData(optimizer["name"]))
            self.learning_rate.set_value_quietly(optimizer["learning_rate"])
            if self._hyper_for != optimizer["name"]:
                self._build_hyper(optimizer["name"])
            for key, widget in self.hyper_widgets.items():
                _show_hyper(widget, optimizer[key])
            self.batch_size.setValue(training["batch_size"])
            self.epochs.setValue(training["epochs"])
            self.validation.setValue(round(100 * training["validation_ratio"]))
            self.standardize.setChecked(training["standardize"])
            self.early_stopping.setChecked(bool(stopping.get("enabled", False)))
            self.patience.setValue(int(stopping.get("patience", 20)))
            self.patience.setEnabled(self.early_stopping.isChecked())
            self.seed.setValue(int(net.get("seed", 0)))
        finally:
            self._updating = False
        self._show_note(self.learning_rate.field.warning_text)  # e.g. after an undo
        warning = loss_warning(net)
        self.loss_warning.setVisible(warning is not None)
        self.loss_warning.setToolTip(warning or "")
        self.loss_warning_text.setVisible(warning is not None)
        self.loss_warning_text.setText(warning or "")
        self.loss_warning_text.setToolTip(warning or "")

    # -------------------------------------------------------------------- edits
    def _set(self, path: tuple[str, ...], value: Any, gesture: int | None = None) -> None:
        if self._updating:
            return
        error = self.controller.try_push(DragValue(path, value, gesture))
        if error:
            self._show_error(error)
            self.refresh()  # back to what the document holds
        else:
            self._error_active = False
            self._show_note(self.learning_rate.field.warning_text)

    def _optimizer_chosen(self, index: int) -> None:
        """A new optimizer starts from its defaults, keeping a learning rate the user set."""
        if self._updating:
            return
        current = self.controller.document.network.get("optimizer", {})
        chosen: dict[str, Any] = {"name": self.optimizer.itemData(index)}
        if isinstance(current, dict) and "learning_rate" in current:
            chosen["learning_rate"] = current["learning_rate"]
        self._set(("network", "optimizer"), chosen)

    def _show_note(self, text: str) -> None:
        """A warning about a value in use (not an error: the value stays); errors come first."""
        if self._error_active:
            return
        if text and text != self.error.text():
            self.message.emit(text)  # the status bar: seen even where the bar has no room
        self.error.setText(text)
        self.error.setToolTip(text)
        self.error.setVisible(bool(text))

    def _show_error(self, text: str) -> None:
        self._error_active = bool(text)
        self.error.setText(text)
        self.error.setToolTip(text)
        self.error.setVisible(bool(text))
        if text:
            self.message.emit(text)


class _Note(QLabel):
    """A wrapped note that takes the height it is given and never asks for more.

    A word-wrapped label reports the height its text needs at the narrow width of its column;
    in the settings bar that grew the whole bar to four times its height.
    """

    def hasHeightForWidth(self) -> bool:
        return False

    def minimumSizeHint(self) -> QSize:
        return QSize(0, 0)

    def sizeHint(self) -> QSize:
        return QSize(0, 0)


def _unit_spin(parent: QWidget, decimals: int, maximum: float = 1.0) -> QDoubleSpinBox:
    """A spin box for a factor between 0 and ``maximum`` (momentum, betas, rho...)."""
    spin = QDoubleSpinBox(parent)
    spin.setRange(0.0, maximum)
    spin.setDecimals(decimals)
    spin.setSingleStep(0.01)
    spin.setKeyboardTracking(False)
    return spin


def _show_hyper(widget: QWidget, value: Any) -> None:
    """Put the document's ``value`` into a hyper-parameter widget (signals are ignored)."""
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QDoubleSpinBox):
        widget.setValue(float(value))
    elif isinstance(widget, NumberEdit):
        widget.set_value(float(value))
    else:  # betas
        for spin, v in zip(widget.spins, value, strict=True):  # type: ignore[attr-defined]
            spin.setValue(float(v))


__all__ = ["HYPER_HELP", "TrainingSettings"]
