"""Weights and gradients as matrices, and each layer's gradient size over time.

Per layer, W (with the bias as its last column) and dL/dW are colour maps: blue positive,
orange negative, grey near zero, on one symmetric scale shared by all layers so layers compare.
The gradient-norm plot (log scale) shows vanishing gradients (early layers' norms far below the
last layer's) and exploding ones (norms shooting up before the loss becomes NaN).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from nnstudio.engine.features import input_labels
from nnstudio.gui import naming, palette
from nnstudio.gui.numbers import fmt
from nnstudio.gui.plots.common import (
    LiveView,
    RangeKeeper,
    StickyScale,
    diverging_colormap,
    layout_widget,
    no_si_prefix,
    plot_widget,
    style_plot,
    theme,
    thin_out,
)
from nnstudio.live.job import Job

#: Every matrix cell is at least this many pixels on each side; the view scrolls if need be.
CELL = 7
#: The smallest data area of one matrix: a 1 x 3 layer is still a visible strip, and its
#: side is long enough for the axis name "neuron".
MIN_AREA = (48, 60)
#: Pixels around one matrix's data area: its title, axes and their labels.
PLOT_MARGINS = (72, 84)
#: Width of the two colour bars with their axes.
BARS_WIDTH = 150
#: Height of the gradient-size plot.
NORMS_HEIGHT = 170


def matrix_area(units: int, cols: int) -> tuple[int, int]:
    """The smallest (width, height) in pixels of one matrix's data area: CELL px per cell."""
    return max(MIN_AREA[0], cols * CELL), max(MIN_AREA[1], units * CELL)


def layer_matrices(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Per layer one (neurons, inputs [+ 1]) matrix: row = neuron, last column = bias if any.

    ``arrays`` is in ``get_weights`` order: each W (2-D) followed by its b (1-D) if it has one.
    """
    out: list[np.ndarray] = []
    for a in arrays:
        if a.ndim == 2:
            out.append(a.T)
        else:
            out[-1] = np.hstack([out[-1], a[:, None]])
    return out


class WeightsView(LiveView):
    """W and dL/dW per layer with colour bars, hover readout, and gradient norms."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.t = theme(self)
        # The matrices and the norm plot scroll together: a big layer keeps legible cells.
        content = QWidget()
        self.graphics = layout_widget(content)
        self.readout = QLabel(
            "Each row is a neuron, each column an input; the last column is the bias. "
            "Point at a cell to read its weight, gradient and last update.",
            self,
        )
        self.readout.setWordWrap(True)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.readout)
        layout.addWidget(self.scroll, 1)
        inner = QVBoxLayout(content)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.graphics, 3)
        self.norms = plot_widget(content, "Gradient size per layer (log scale)", "step", "‖dL/dW‖")
        self.norm_plot = self.norms.getPlotItem()
        self.norm_plot.setLogMode(y=True)
        self.norm_plot.getAxis("left").enableAutoSIPrefix(False)
        self.norm_legend = self.norm_plot.addLegend(offset=(-10, 10), labelTextColor=self.t.text)
        self.norms.setMinimumHeight(NORMS_HEIGHT)
        self.norm_range = RangeKeeper(self.norm_plot)
        self.scales = {"weights": StickyScale(), "grads": StickyScale()}
        inner.addWidget(self.norms, 1)
        self.cmap = diverging_colormap()
        self.lut = self.cmap.getLookupTable(nPts=256)
        self.shapes: list[tuple[int, ...]] = []
        self.w_images: list[pg.ImageItem] = []
        self.g_images: list[pg.ImageItem] = []
        self.norm_curves: list[pg.PlotDataItem] = []
        self.snap: dict[str, Any] | None = None
        self.input_names: list[str] | None = None
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse)

    def set_job(self, job: Job) -> None:
        self.input_names = input_labels(job.spec, job.feature_names)  # crosses included
        self.shapes = []  # rebuilt at the first snapshot
        self.norm_range.reset()
        for scale in self.scales.values():
            scale.reset()

    def _build(self, weights: list[np.ndarray]) -> None:
        """Create the items once per network shape."""
        g = self.graphics
        g.clear()
        self.shapes = [w.shape for w in weights]
        self.w_images, self.g_images, self.plots = [], [], []
        n_layers = sum(w.ndim == 2 for w in weights)
        widths, heights = [], []
        for k in range(n_layers):
            for col, (kind, store) in enumerate(
                (("weights W", self.w_images), ("gradient dL/dW", self.g_images))
            ):
                plot = g.addPlot(row=k, col=col)
                last_row = k == n_layers - 1
                x_label = "input" if last_row else ""  # the bias column: said above
                style_plot(plot, self.t, f"layer {k + 1}: {kind}", x_label, "neuron")
                plot.setMenuEnabled(False)
                plot.setMouseEnabled(False, False)
                plot.invertY(True)
                units, inputs = weights[
                    [i for i, w in enumerate(weights) if w.ndim == 2][k]
                ].T.shape
                plot.getAxis("left").setTicks([[(0.5, "1"), (units - 0.5, str(units))]])
                cols = inputs + (col >= 0 and self._has_bias(weights, k))
                plot.getAxis("bottom").setTicks([[(0.5, "1"), (cols - 0.5, str(cols))]])
                plot.setRange(xRange=(0, cols), yRange=(0, units), padding=0)
                area_w, area_h = matrix_area(units, cols)
                plot.setMinimumSize(area_w + PLOT_MARGINS[0], area_h + PLOT_MARGINS[1])
                if col == 0:
                    widths.append(area_w + PLOT_MARGINS[0])
                    heights.append(area_h + PLOT_MARGINS[1])
                plot.vb.disableAutoRange()  # fixed: the axes are not redrawn every frame
                img = pg.ImageItem(axisOrder="row-major")
                plot.addItem(img)
                store.append(img)
                self.plots.append(plot)
        self.w_bar = pg.ColorBarItem(
            values=(-1, 1), colorMap=self.cmap, interactive=False, label="weight", width=12
        )
        self.g_bar = pg.ColorBarItem(
            values=(-1, 1), colorMap=self.cmap, interactive=False, label="gradient", width=12
        )
        # Two matrices side by side per layer (W and its gradient have the same shape).
        g.setMinimumSize(2 * max(widths, default=0) + BARS_WIDTH, sum(heights) + 10)
        g.addItem(self.w_bar, row=0, col=2, rowspan=max(1, n_layers))
        g.addItem(self.g_bar, row=0, col=3, rowspan=max(1, n_layers))
        for bar in (self.w_bar, self.g_bar):
            bar.axis.setTextPen(pg.mkPen(self.t.text))
            bar.axis.setPen(pg.mkPen(self.t.text))
            no_si_prefix(bar)  # "gradient", never "gradient (x0.001)"
        for curve in self.norm_curves:
            self.norm_plot.removeItem(curve)
        self.norm_legend.clear()
        self.norm_legend.setColumnCount(max(1, -(-n_layers // 3)))  # every layer, 3 rows at most
        self.norm_curves = []
        for k in range(n_layers):
            pen = pg.mkPen(palette.class_rgb(k), width=2)
            curve = self.norm_plot.plot(pen=pen, name=f"layer {k + 1}", antialias=False)
            # Up to 4096 points per curve: an antialiased wide path of them costs ~4 ms a frame.
            thin_out(curve)
            self.norm_curves.append(curve)

    @staticmethod
    def _has_bias(weights: list[np.ndarray], k: int) -> bool:
        starts = [i for i, w in enumerate(weights) if w.ndim == 2]
        i = starts[k] + 1
        return i < len(weights) and weights[i].ndim == 1

    def draw(self, snap: dict[str, Any]) -> None:
        weights, grads = snap["weights"], snap["grads"]
        if [w.shape for w in weights] != self.shapes:
            self._build(weights)
        elif self.snap is not None and weights is self.snap["weights"]:
            self.snap = snap
            self._draw_norms(snap)  # the same matrices (new ones come when they are due)
            return
        self.snap = snap
        for images, arrays, bar, scale in (
            (self.w_images, weights, self.w_bar, self.scales["weights"]),
            (self.g_images, grads, self.g_bar, self.scales["grads"]),
        ):
            s = scale.update(max(float(np.abs(a).max(initial=0)) for a in arrays))
            if bar.levels() != (-s, s):  # a new scale redraws the bar's axis: rarely
                bar.setLevels((-s, s), update_items=False)
            for img, matrix in zip(images, layer_matrices(arrays), strict=True):
                img.setImage(matrix, autoLevels=False, levels=(-s, s), lut=self.lut)
        self._draw_norms(snap)

    def _draw_norms(self, snap: dict[str, Any]) -> None:
        shown = []
        for curve, (steps, norms) in zip(self.norm_curves, snap["grad_norms"], strict=False):
            norms = np.where(norms > 0, norms, np.nan)
            curve.setData(steps, norms)
            shown.append(norms)
        if shown:
            self.norm_range.update(snap["step"], np.concatenate(shown), log=True)

    # ------------------------------------------------------------------------- hover
    def _on_mouse(self, pos: QPointF) -> None:
        if self.snap is None:
            return
        for images in (self.w_images, self.g_images):
            for k, img in enumerate(images):
                if not img.sceneBoundingRect().contains(pos):
                    continue
                p = img.mapFromScene(pos)
                col, row = int(p.x()), int(p.y())
                W = layer_matrices(self.snap["weights"])[k]
                if not (0 <= row < W.shape[0] and 0 <= col < W.shape[1]):
                    return
                G = layer_matrices(self.snap["grads"])[k]
                U = layer_matrices(self.snap["updates"])[k]
                fan_in = self.shapes[[i for i, sh in enumerate(self.shapes) if len(sh) == 2][k]][0]
                n_layers = len(images)
                if col >= fan_in:
                    name = naming.bias_name(k, row, n_layers)
                else:
                    name = naming.weight_name(k, col, row, n_layers, self.input_names)
                self.readout.setText(
                    f"{name[0].upper()}{name[1:]}:  value {fmt(W[row, col])},  "
                    f"gradient {fmt(G[row, col])},  last update {fmt(U[row, col])}"
                )
                return
