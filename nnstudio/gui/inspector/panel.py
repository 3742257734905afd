"""The Inspector dock: pin a sample, read its forward and backward pass, check the gradients.

Every number comes from ``nnstudio.teaching`` (``Network.trace`` of the document's network);
this module only lays them out. It follows the document: each edit, training pause or undo
recomputes the tables. A sample is pinned by a click on a row of the data table or on a point
in the Boundary view; "All training rows" shows the gradients of one full batch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.data import DataError, Dataset
from nnstudio.gui.inspector.answers import AnswerTable, fmt
from nnstudio.gui.undo import DocumentController
from nnstudio.teaching.inspect import (
    GradientCheck,
    Inspection,
    check_gradients,
    inspect,
    unit_health,
)
from nnstudio.teaching.measure import Subject

#: Rows listed in the data table (the course sets have 1 to 200); larger sets pin by clicking
#: a point in the Boundary view.
MAX_TABLE_ROWS = 200
#: Rows used for "All training rows" and unit health on large data sets.
MAX_BATCH_ROWS = 5000
#: Data sets with more values than this are inspected only when the student asks.
LARGE_VALUES = 2_000_000
#: Weights listed (a 784-256 layer has 200,000; a lecture tabulates a handful).
MAX_WEIGHT_ROWS = 2000
#: The finite-difference check costs two losses per weight.
MAX_CHECKED_WEIGHTS = 5000

WEIGHT_COLUMNS = [
    ("name", "weight", "W2[3,1] joins unit 3 of the layer before to unit 1 of layer 2"),
    ("value", "value", "The weight now"),
    ("feeding", "input x", "The value feeding the weight (1 for a bias)"),
    ("slope", "g'(z)", "The slope of the activation at the node it feeds"),
    ("dl_da", "dL/da", "The slope of the loss with respect to that node's output"),
    ("dl_dz", "dL/dz", "g'(z) × dL/da: the slope with respect to the node's weighted sum"),
    ("gradient", "gradient", "input x × dL/dz = dLoss/dWeight"),
    ("step", "step", "value − after step: for plain SGD, the learning rate times the gradient"),
    (
        "after",
        "after step",
        "The weight after one step of the network's optimizer on this gradient, with its "
        "running averages (Adam, momentum) as training left them",
    ),
]
NODE_COLUMNS = [
    ("name", "node", "layer.unit, counted from 1"),
    ("z", "z", "The weighted sum: inputs × weights + bias"),
    ("a", "a", "The activation g(z): what the node passes on"),
    ("slope", "g'(z)", "The activation's slope"),
    ("dl_da", "dL/da", "The loss's slope at the node's output"),
    ("sum", "= Σ over the weights leaving it", "w × dL/dz of the node each weight feeds"),
    ("dl_dz", "dL/dz", "g'(z) × dL/da"),
]


class InspectorPanel(QWidget):
    """Data table, loss line, chain-rule tables, gradient check and unit health."""

    pinned = Signal(object)  # the pinned row (0-based, data-set order) or None (the batch)
    refreshed = Signal()  # new numbers (the canvas shows the pinned sample's)
    message = Signal(str)

    def __init__(
        self,
        controller: DocumentController,
        dataset: Callable[[], Dataset | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._dataset = dataset
        self.sample: int | None = 0
        self.inspection: Inspection | None = None
        self.subject: Subject | None = None
        self.result: GradientCheck | None = None  # the last "Check gradients"

        self.rows = QTableWidget(self)
        self.rows.setToolTip("Click a row to pin that sample; the first row is the whole batch.")
        self.rows.verticalHeader().setVisible(False)
        self.rows.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.rows.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.rows.cellClicked.connect(self._on_row_clicked)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.weights = AnswerTable(WEIGHT_COLUMNS, self)
        self.nodes = AnswerTable(NODE_COLUMNS, self)
        self.health = QLabel(self)
        self.health.setTextFormat(Qt.TextFormat.PlainText)
        self.health.setWordWrap(True)
        self.health.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.weights, "Weights")
        self.tabs.addTab(self.nodes, "Neurons")
        self.tabs.addTab(self.health, "Unit health")
        self.hide_box = QCheckBox("Hide the app's numbers", self)
        self.hide_box.setToolTip("Blank the tables and fill them in yourself; each is checked.")
        self.hide_box.toggled.connect(self._on_hide)
        self.check_button = QPushButton("Check gradients", self)
        self.check_button.setToolTip(
            "Compare backpropagation with central differences (L(w+h) − L(w−h)) / 2h "
            "for every weight"
        )
        self.check_button.clicked.connect(self.check_gradients)
        self.check_result = QLabel(self)
        self.check_result.setTextFormat(Qt.TextFormat.PlainText)
        self.check_result.setWordWrap(True)
        # A large data set is inspected when asked, not at every pause (splitting and
        # standardizing 60,000 images takes seconds on the GUI thread).
        self.inspect_button = QPushButton("Inspect this data set", self)
        self.inspect_button.setToolTip("Compute the tables for this large data set now")
        self.inspect_button.clicked.connect(self._inspect_large)
        self.inspect_button.hide()
        self._large_ok: Dataset | None = None  # the large data set the student asked for

        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.summary)
        column.addWidget(self.tabs, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hide_box)
        buttons.addWidget(self.inspect_button)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.check_result, 1)
        column.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.rows)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setSizes([120, 700])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        controller.changed.connect(lambda _area: self.schedule())
        controller.documentReplaced.connect(self._on_replaced)
        self._table_key: object = None
        self._stale = True
        self.schedule()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.schedule()

    def shown(self) -> bool:
        """On screen: a dock tabbed behind another stays "visible" to Qt but shows nothing."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def on_dock_visibility(self, visible: bool) -> None:
        """The dock's tab came to the front or went behind: catch up, or clear the canvas."""
        if visible:
            self.schedule()
        else:
            self._timer.start(0)  # refresh() sees it hidden and takes the numbers off

    # ---------------------------------------------------------------------- pinning
    def pin(self, sample: int | None) -> None:
        """Pin data-set row ``sample`` (0-based), or None for all training rows (one batch)."""
        if sample != self.sample:
            self.sample = sample
            self.weights.clear_answers()
            self.nodes.clear_answers()
        self.refresh()
        self.pinned.emit(sample)

    def pin_point(self, raw: np.ndarray) -> bool:
        """Pin the data-set row with these inputs (a point clicked in the Boundary view)."""
        ds = self._dataset()
        if ds is None:
            return False
        close = np.flatnonzero(np.all(np.isclose(ds.X, raw, rtol=1e-9, atol=1e-9), axis=1))
        if close.size == 0:
            return False
        self.pin(int(close[0]))
        return True

    def _on_row_clicked(self, row: int, _column: int) -> None:
        self.pin(None if row == 0 else row - 1)

    def _on_replaced(self) -> None:
        self.sample = 0
        self.weights.clear_answers()
        self.nodes.clear_answers()
        self.schedule()

    def _on_hide(self, hide: bool) -> None:
        self.weights.set_hide_values(hide)
        self.nodes.set_hide_values(hide)

    # ---------------------------------------------------------------------- numbers
    def schedule(self) -> None:
        self._timer.start()

    def _rows_and_targets(self) -> tuple[np.ndarray, np.ndarray, str]:
        subject = self.subject
        assert subject is not None
        if self.sample is not None and self.sample < len(subject.rows_X):
            k = self.sample
            return subject.rows_X[k : k + 1], subject.rows_T[k : k + 1], f"sample {k + 1}"
        self.sample = None
        n = min(len(subject.X), MAX_BATCH_ROWS)
        what = "all training rows" if n == len(subject.X) else f"the first {n} training rows"
        return subject.X[:n], subject.T[:n], what

    def refresh(self) -> None:
        """Recompute everything from the document (cheap for the networks a lecture draws).

        A hidden inspector (its tab behind another) computes nothing and clears the canvas's
        numbers; it catches up when shown.
        """
        self._timer.stop()
        if not self.shown():
            self._stale = True
            if self.inspection is not None:
                self.inspection = None
                self.refreshed.emit()
            return
        self._stale = False
        if self.weights.editing() or self.nodes.editing():
            self._timer.start(200)  # after the student's answer is in
            return
        ds = self._dataset()
        doc = self.controller.document
        large = ds is not None and ds.X.size > LARGE_VALUES and self._large_ok is not ds
        self.inspect_button.setVisible(large)
        if large:
            self.subject = self.inspection = None
            self.summary.setText(
                f"This data set is large ({len(ds)} rows × {ds.n_features} features): "
                "press 'Inspect this data set' to compute the tables (a few seconds)."
            )
            self.weights.set_rows([])
            self.nodes.set_rows([])
            self.refreshed.emit()
            return
        try:
            if ds is None:
                raise DataError("the data set cannot be loaded")
            self.subject = Subject.of(doc, ds)
        except (DataError, ValueError) as exc:
            self.subject = self.inspection = None
            self.summary.setText(f"Nothing to inspect: {exc}")
            self.weights.set_rows([])
            self.nodes.set_rows([])
            self.refreshed.emit()
            return
        self._fill_data_table(ds)
        X, T, what = self._rows_and_targets()
        self.inspection = ins = inspect(self.subject.net, X, T)
        self.summary.setText(self._summary(ins, what))
        self.weights.set_rows(
            [(r.name, vars(r), {"name": r.name}) for r in ins.weights[:MAX_WEIGHT_ROWS]]
        )
        self.nodes.set_rows([self._node_row(n) for n in ins.nodes])
        self._show_health()
        self.refreshed.emit()

    def _inspect_large(self) -> None:
        self._large_ok = self._dataset()
        self.refresh()

    def _summary(self, ins: Inspection, what: str) -> str:
        lines = [f"Loss in use: {ins.loss_name}   {ins.loss_formula}"]
        if ins.n == 1:
            out, target = ins.outputs[0], ins.targets[0]
            parts = [
                f"ŷ{j + 1} = {fmt(o)}, target {fmt(t)}, error ŷ − y = {fmt(o - t)}"
                for j, (o, t) in enumerate(zip(out, target, strict=True))
            ]
            lines.append(f"{what}: " + "; ".join(parts[:4]) + f";  loss = {fmt(ins.loss)}")
        else:
            text = f"{what} ({ins.n}) as one batch: loss = {fmt(ins.loss)}"
            if ins.loss_name in ("mse", "half_mse"):
                sse = float(np.sum((ins.outputs - ins.targets) ** 2))
                mse = sse / ins.outputs.size
                text += f", RMSE = {fmt(np.sqrt(mse))}, total squared error = {fmt(sse)}"
            lines.append(text)
        lines.append(f"learning rate {fmt(ins.learning_rate)}")
        if len(ins.weights) > MAX_WEIGHT_ROWS:
            lines[-1] += f"; the first {MAX_WEIGHT_ROWS} of {len(ins.weights)} weights listed"
        return "\n".join(lines)

    @staticmethod
    def _node_row(node) -> tuple[str, dict, dict]:
        name = f"{node.layer}.{node.unit}"
        terms = " + ".join(f"{fmt(w)}×{fmt(d)}" for _, w, d in node.terms)
        numbers = {
            "z": node.z,
            "a": node.a,
            "slope": node.slope,
            "dl_da": node.dl_da,
            "dl_dz": node.dl_dz,
        }
        return name, numbers, {"name": name, "sum": terms or "(output: from the loss)"}

    def _fill_data_table(self, ds: Dataset) -> None:
        key = (id(ds), len(ds))
        if key == self._table_key:
            self._select_row()
            return
        self._table_key = key
        n = min(len(ds), MAX_TABLE_ROWS)
        names = list(ds.feature_names)[:6]
        self.rows.clear()
        self.rows.setColumnCount(len(names) + 2)
        self.rows.setHorizontalHeaderLabels(["#", *names, "target"])
        self.rows.setRowCount(n + 1)
        first = QTableWidgetItem("All training rows")
        self.rows.setItem(0, 0, first)
        self.rows.setSpan(0, 0, 1, len(names) + 2)
        for r in range(n):
            self.rows.setItem(r + 1, 0, QTableWidgetItem(str(r + 1)))
            for c in range(len(names)):
                self.rows.setItem(r + 1, c + 1, QTableWidgetItem(fmt(float(ds.X[r, c]))))
            y = ds.y[r]
            target = (
                ds.class_names[int(y)]
                if ds.class_names is not None and np.ndim(y) == 0
                else fmt(float(np.ravel(y)[0]))
            )
            self.rows.setItem(r + 1, len(names) + 1, QTableWidgetItem(target))
        self.rows.resizeColumnsToContents()
        self._select_row()

    def _select_row(self) -> None:
        row = 0 if self.sample is None else self.sample + 1
        if row < self.rows.rowCount():
            self.rows.selectRow(row)

    # ---------------------------------------------------------------------- checks
    def check_gradients(self) -> None:
        """Backpropagation against central differences, on what is pinned now."""
        if self.subject is None:
            return
        net = self.subject.net
        if net.n_params > MAX_CHECKED_WEIGHTS:
            self.check_result.setText(
                f"{net.n_params} weights are too many for a quick check "
                f"(at most {MAX_CHECKED_WEIGHTS})."
            )
            return
        X, T, what = self._rows_and_targets()
        result = check_gradients(net, X, T)
        verdict = "agree" if result.max_relative < 1e-5 else "DIFFER"
        self.result = result
        self.check_result.setText(
            f"Backpropagation and finite differences {verdict} on {what}: largest relative "
            f"difference {result.max_relative:.2g} at {result.worst} "
            f"(backprop {fmt(result.analytic)}, numeric {fmt(result.numeric)})."
        )

    def _show_health(self) -> None:
        subject = self.subject
        assert subject is not None
        problems = unit_health(subject.net, subject.X[:MAX_BATCH_ROWS])
        self.tabs.setTabText(2, f"Unit health ({len(problems)})" if problems else "Unit health")
        self.health.setText(
            "\n".join(p.advice for p in problems)
            or "Every hidden unit responds to some training sample: none is dead or saturated."
        )
