"""Loss and accuracy over training: per epoch, with a faint per-batch curve underneath.

The training loss of an epoch is the mean over its batches; the validation loss is measured
after the epoch on rows the network never trains on. When the two part ways, it memorizes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QBoxLayout, QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.gui import palette
from nnstudio.gui.numbers import fmt
from nnstudio.gui.plots.common import LiveView, RangeKeeper, plot_widget, theme, thin_out
from nnstudio.live.job import Job

TRAIN = palette.POSITIVE
VAL = palette.NEGATIVE
#: Below this height the accuracy plot, stacked under the loss, could not show its axis name;
#: the two plots then stand side by side if the view is at least SIDE_BY_SIDE_WIDTH wide.
STACKED_MIN_HEIGHT = 320
SIDE_BY_SIDE_WIDTH = 400


class LossView(LiveView):
    """Training/validation loss per epoch (+ smoothed batch loss) and, for classes, accuracy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = theme(self)
        # No titles and no legend boxes over the curves: the axis names say what is plotted and
        # one legend line above both plots says which curve is which.
        self.loss_plot = plot_widget(self, "", "epoch", "loss")
        self.acc_plot = plot_widget(self, "", "epoch", "accuracy")
        self.acc_plot.setXLink(self.loss_plot)
        self.acc_plot.setYRange(0, 1)
        self.acc_plot.getPlotItem().getViewBox().disableAutoRange()
        self.range = RangeKeeper(self.loss_plot.getPlotItem())
        faint = (*TRAIN, 60)
        self.batch_curve = self.loss_plot.plot(
            pen=pg.mkPen(faint, width=1), name="per batch", antialias=False
        )
        self.train_curve = self.loss_plot.plot(
            pen=pg.mkPen(TRAIN, width=2), name="training", antialias=False
        )
        self.val_curve = self.loss_plot.plot(
            pen=pg.mkPen(VAL, width=2, style=Qt.PenStyle.DashLine),
            name="validation",
            antialias=False,
        )
        self.acc_curve = self.acc_plot.plot(
            pen=pg.mkPen(TRAIN, width=2), name="training", antialias=False
        )
        self.val_acc_curve = self.acc_plot.plot(
            pen=pg.mkPen(VAL, width=2, style=Qt.PenStyle.DashLine),
            name="validation",
            antialias=False,
        )
        for curve in (self.batch_curve, *self.curves_list()):
            # Thousands of points per curve: no antialiasing, and at most ~2 points per pixel.
            thin_out(curve)
        self.curves = {
            "epoch_loss": self.train_curve,
            "val_loss": self.val_curve,
            "accuracy": self.acc_curve,
            "val_accuracy": self.val_acc_curve,
        }
        # Hover: a vertical line and a readout of the nearest epoch.
        self.vline = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(t.muted_text))
        self.vline.setVisible(False)
        self.loss_plot.addItem(self.vline, ignoreBounds=True)
        self.hover = QLabel(" ", self)
        self.hover.setToolTip("Point at the plot to read the value at an epoch.")
        self.loss_plot.scene().sigMouseMoved.connect(self._on_mouse)

        self.log_box = QCheckBox("log scale", self)
        self.log_box.setToolTip(
            "Show the loss on a logarithmic axis: late, small changes stay visible."
        )
        self.log_box.toggled.connect(self.set_log)
        self.legend = QLabel(_legend_html(), self)
        self.legend.setToolTip(
            "Training loss: mean over the epoch's batches. Validation loss: measured after the "
            "epoch on rows the network never trains on. Per batch: each step's loss (faint)."
        )
        top = QHBoxLayout()
        top.addWidget(self.log_box)
        top.addSpacing(8)
        top.addWidget(self.legend)
        top.addStretch(1)
        top.addWidget(self.hover)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        self.plots = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.plots.addWidget(self.loss_plot, 3)
        self.plots.addWidget(self.acc_plot, 2)
        layout.addLayout(self.plots, 1)
        self._data: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange_plots()

    def _arrange_plots(self) -> None:
        """Loss above accuracy where there is height for both, else side by side."""
        short = self.height() < STACKED_MIN_HEIGHT
        side = short and self.width() >= SIDE_BY_SIDE_WIDTH
        direction = QBoxLayout.Direction.LeftToRight if side else QBoxLayout.Direction.TopToBottom
        if self.plots.direction() != direction:
            self.plots.setDirection(direction)
        # side by side, or short and narrow: equal shares; tall: the loss gets more
        self.plots.setStretch(1, 3 if short else 2)

    def curves_list(self) -> list[pg.PlotDataItem]:
        return [self.train_curve, self.val_curve, self.acc_curve, self.val_acc_curve]

    # ------------------------------------------------------------------------ inputs
    def set_job(self, job: Job) -> None:
        task = job.view.get("task", "regression")
        self.acc_plot.setVisible(task in ("binary", "multiclass"))
        self.has_val = job.has_validation
        self.val_curve.setVisible(self.has_val)
        self.val_acc_curve.setVisible(self.has_val)
        for curve in (*self.curves.values(), self.batch_curve):
            curve.setData([], [])
        self._data = {}
        self.range.reset()

    def draw(self, snap: dict[str, Any]) -> None:
        for key, curve in self.curves.items():
            pair = snap.get(key)
            if pair is not None:
                x, y = pair
                curve.setData(x, self._positive(y) if "loss" in key else y)
                self._data[key] = pair
        steps, loss = snap.get("batch_loss", (np.zeros(0), np.zeros(0)))
        per_epoch = max(1, int(snap.get("batches_per_epoch", 1)))
        batch = self._positive(smooth(loss))
        self.batch_curve.setData(steps / per_epoch, batch)
        epochs = snap["step"] / per_epoch
        self.range.update(epochs, batch, log=self.log_box.isChecked())

    def _positive(self, y: np.ndarray) -> np.ndarray:
        """In log scale, zero and negative values have no place: NaN leaves a gap."""
        if self.log_box.isChecked():
            y = np.where(np.isfinite(y) & (y > 0), y, np.nan)
        return y

    def set_log(self, on: bool) -> None:
        self.log_box.setChecked(on)
        self.loss_plot.setLogMode(y=on)
        self.loss_plot.getPlotItem().setLabel("left", "loss (log scale)" if on else "loss")
        self.range.reset()

    # ------------------------------------------------------------------------- hover
    def _on_mouse(self, pos: QPointF) -> None:
        vb = self.loss_plot.getPlotItem().vb
        if not self.loss_plot.sceneBoundingRect().contains(pos) or "epoch_loss" not in self._data:
            self.vline.setVisible(False)
            return
        x = vb.mapSceneToView(pos).x()
        epochs, train = self._data["epoch_loss"]
        if len(epochs) == 0:
            return
        i = int(np.argmin(np.abs(epochs - x)))
        text = f"epoch {epochs[i]:.0f}: training loss {fmt(train[i])}"
        val = self._data.get("val_loss")
        if val is not None and len(val[0]) > i:
            text += f", validation loss {fmt(val[1][i])}"
        acc = self._data.get("accuracy")
        if acc is not None and len(acc[0]) > i and self.acc_plot.isVisible():
            text += f", accuracy {fmt(acc[1][i])}"
        self.vline.setPos(epochs[i])
        self.vline.setVisible(True)
        self.hover.setText(text)


def smooth(y: np.ndarray, window: int = 15) -> np.ndarray:
    """A centred moving average: single batches are noisy, the trend is what matters."""
    if len(y) < 2 * window:
        return y
    kernel = np.ones(window) / window
    out = np.convolve(y, kernel, mode="same")
    edge = window // 2
    out[:edge], out[-edge:] = y[:edge], y[-edge:]
    return out


def _legend_html() -> str:
    """Coloured line samples and names: training (solid), validation (dashed), per batch."""
    train = QColor(*TRAIN).name()
    val = QColor(*VAL).name()
    return (
        f"<span style='color:{train}'>━━</span> training &nbsp; "
        f"<span style='color:{val}'>╍╍</span> validation &nbsp; "
        f"<span style='color:{train}; opacity:0.4'>──</span> per batch"
    )
