"""The decision boundary: what the network predicts over the plane of two input features.

The worker evaluates the network on a grid (``engine/snapshot.py``); this view only colours it
and draws the data on top: training points filled, validation points outlined. With more than
two inputs the student picks the two features; the others are held at their mean. With one
input and a regression task it shows the fitted curve over the points instead, on axes that fit
the points and the curve. Tick boxes under the plot hide either set of points and switch to hard
class regions (``boundary_options.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnstudio.gui import palette
from nnstudio.gui.plots.boundary_options import BoundaryOptions
from nnstudio.gui.plots.common import (
    LiveView,
    diverging_colormap,
    plot_widget,
    raw_inputs,
)
from nnstudio.gui.plots.square import SquarePlotHolder
from nnstudio.live.job import Job

#: How strongly the heat map is blended towards the background (points stay readable on it).
HEAT_ALPHA = 170
#: Regression targets colour their points in 2 x 16 + 1 shades of the diverging map.
COLOUR_STEPS = 16


class BoundaryView(LiveView):
    """Heat map of the prediction with the data points; feature pickers for wide data."""

    featuresChanged = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # No title: the tick boxes under the plot are the legend ("● training", "○ validation").
        self.plot = plot_widget(self, "", "x1", "x2")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setOpacity(HEAT_ALPHA / 255)
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.lut = diverging_colormap().getLookupTable(nPts=256)
        self.train_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen(255, 255, 255, 160))
        self.val_points = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(0, 0, 0, 0))
        self.curve = pg.PlotDataItem(pen=pg.mkPen(self.palette().text().color(), width=3))
        for item in (self.train_points, self.val_points, self.curve):
            self.plot.addItem(item)
        self.x_box, self.y_box = QComboBox(self), QComboBox(self)
        self.x_box.setToolTip("The input feature along the horizontal axis.")
        self.y_box.setToolTip(
            "The input feature along the vertical axis; all other features are held at their means."
        )
        for box in (self.x_box, self.y_box):
            box.currentIndexChanged.connect(self._on_features)
        self.pickers = QWidget(self)
        row = QHBoxLayout(self.pickers)
        row.setContentsMargins(0, 0, 0, 0)
        # Short labels and boxes sharing the width: "sepal length (cm)" stays whole at 330 px.
        for text, box in (("x:", self.x_box), ("y:", self.y_box)):
            label = QLabel(text)
            label.setToolTip(box.toolTip())
            row.addWidget(label)
            box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(6)
            row.addWidget(box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.pickers)
        self.note = QLabel("The other features are held at their means.", self)
        self.note.hide()
        layout.addWidget(self.note)
        self.holder = SquarePlotHolder(self.plot, self)
        layout.addWidget(self.holder, 1)
        self.options = BoundaryOptions(self)
        self.options.changed.connect(self._on_options)
        layout.addWidget(self.options)
        self.pickers.hide()
        self.job: Job | None = None
        self.task = "binary"
        self.features = [0, 1]
        self._version = -1
        self._grid: tuple[np.ndarray, list[float]] | None = None  # the last grid, for redraws
        self._manual_range = False  # the student zoomed or panned (one-input view)
        self.plot.getPlotItem().getViewBox().sigRangeChangedManually.connect(self._on_manual)

    # ------------------------------------------------------------------------ inputs
    def set_job(self, job: Job) -> None:
        """New data: re-set the scatter points (only here, never per snapshot)."""
        self.job = job
        view = job.view
        self.task = view.get("task", "regression")
        names = job.feature_names or [f"x{i + 1}" for i in range(job.X_train.shape[1])]
        self.names = names
        self.features = list(view.get("features") or [0, 1])[:2]
        wide = len(names) > 2
        self.pickers.setVisible(wide)
        for box, k in ((self.x_box, 0), (self.y_box, 1)):
            box.blockSignals(True)
            box.clear()
            box.addItems(names)
            if k < len(self.features):
                box.setCurrentIndex(self.features[k])
            box.blockSignals(False)
        self._version = -1
        self._grid = None
        self._manual_range = False
        self.image.clear()
        self.curve.setData([], [])
        self.options.set_hard_allowed(self.task in ("binary", "multiclass"))
        self._set_points()

    def _set_points(self) -> None:
        job = self.job
        one_input = job.X_train.shape[1] == 1
        for item, X, y, filled in (
            (self.train_points, job.X_train, job.y_train, True),
            (self.val_points, job.X_val, job.y_val, False),
        ):
            if X is None or len(X) == 0:
                item.setData([], [])
                continue
            shown = _shown_rows(len(X))
            columns = [0] if one_input else list(self.features)
            raw = raw_inputs(job, X[np.ix_(shown, columns)], columns)  # only what is plotted
            y = np.asarray(y)[shown]
            if one_input:
                xs, ys = raw[:, 0], np.asarray(y, float).reshape(len(y), -1)[:, 0]
            else:
                xs, ys = raw[:, 0], raw[:, 1]
            colors = self._point_colors(np.asarray(y))
            if filled:
                item.setData(xs, ys, brush=_shared(pg.mkBrush, colors))
            else:
                item.setData(xs, ys, pen=_shared(lambda c: pg.mkPen(c, width=2), colors))
        self._show_chosen_points()
        plot = self.plot.getPlotItem()
        plot.getViewBox().setAspectLocked(not one_input)  # a plane: one scale on both axes
        if one_input:
            self._fit_curve_axes()
            plot.setLabel("bottom", self.names[0])
            plot.setLabel("left", (job.target_names or ["target"])[0])
        else:
            plot.setLabel("bottom", self.names[self.features[0]])
            plot.setLabel("left", self.names[self.features[1]])
        # Said on screen: with more than two inputs the plane is a slice through the others.
        self.note.setVisible(len(self.names) > 2)

    def _point_colors(self, y: np.ndarray) -> list[tuple[int, int, int]]:
        if self.task in ("binary", "multiclass"):
            labels = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1)
            return [palette.class_rgb(int(k)) for k in labels]
        v = np.asarray(y, float).reshape(len(y), -1)[:, 0]
        t = (v - v.mean()) / (np.abs(v - v.mean()).max() or 1.0)
        t = np.round(t * COLOUR_STEPS) / COLOUR_STEPS  # a few shades, each drawn once
        return [tuple(int(c) for c in rgb) for rgb in palette.diverging_rgb(t)]

    def _on_features(self) -> None:
        i, j = self.x_box.currentIndex(), self.y_box.currentIndex()
        if i < 0 or j < 0 or [i, j] == self.features:
            return
        self.features = [i, j]
        self._set_points()
        self.featuresChanged.emit(i, j)

    def _on_manual(self, *_: Any) -> None:
        self._manual_range = True

    def _on_options(self) -> None:
        self._show_chosen_points()
        if self._grid is not None:
            self._draw_grid(*self._grid)

    def _show_chosen_points(self) -> None:
        choices = self.options.choices()
        self.train_points.setVisible(choices.training)
        self.val_points.setVisible(choices.validation)

    def _fit_curve_axes(self) -> None:
        """Axes around the shown points and the fitted curve, nothing else (one input).

        Auto-range also counted hidden items and the empty heat map, which left most of the
        plot blank; here only what is drawn counts, with a 5 % margin. The axes move only when
        something leaves them or they have grown a third too large, so a curve that changes a
        little every frame does not rebuild the ticks every frame; once the student zooms or
        pans, the axes are theirs until the next job.
        """
        if self._manual_range:
            return
        xs, ys = [], []
        for item in (self.train_points, self.val_points, self.curve):
            if item.isVisible():
                x, y = item.getData()
                if x is not None and len(x):
                    xs.append(np.asarray(x, float))
                    ys.append(np.asarray(y, float))
        if not xs:
            return
        x, y = np.concatenate(xs), np.concatenate(ys)
        keep = np.isfinite(x) & np.isfinite(y)
        if not keep.any():
            return
        vb = self.plot.getPlotItem().getViewBox()
        wanted = [(v[keep].min(), v[keep].max()) for v in (x, y)]
        if all(_still_fits(now, want) for now, want in zip(vb.viewRange(), wanted, strict=True)):
            return
        vb.setRange(xRange=wanted[0], yRange=wanted[1], padding=0.05)

    # ----------------------------------------------------------------------- drawing
    def draw(self, snap: dict[str, Any]) -> None:
        if snap.get("heavy_version") == self._version:
            return  # the grid has not been recomputed since the last frame
        self._version = snap.get("heavy_version")
        if "curve" in snap:
            self.curve.setData(*snap["curve"])
            self._fit_curve_axes()
            return
        grid = snap.get("boundary")
        if grid is None:
            return
        self._grid = (grid, snap["extent"])
        self._draw_grid(grid, snap["extent"])

    def _draw_grid(self, grid: np.ndarray, extent: list[float]) -> None:
        x0, x1, y0, y1 = extent
        hard = self.options.choices().hard and self.task in ("binary", "multiclass")
        if grid.ndim == 2 and self.task == "binary":
            if hard:  # each side of p = 0.5 in its class's full colour
                grid = np.where(np.isnan(grid), np.nan, (grid >= 0.5).astype(np.float32))
            self.image.setImage(grid, autoLevels=False, levels=(0.0, 1.0), lut=self.lut)
        elif grid.ndim == 2:  # regression over two inputs: symmetric around the mean target
            centre = float(np.nanmean(grid))
            s = float(np.nanmax(np.abs(grid - centre))) or 1.0
            self.image.setImage(
                grid, autoLevels=False, levels=(centre - s, centre + s), lut=self.lut
            )
        else:
            self.image.setImage(self._class_rgba(grid, hard), autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    @staticmethod
    def _class_rgba(prob: np.ndarray, hard: bool = False) -> np.ndarray:
        """Colour by the most likely class, opacity by how sure the network is (or opaque)."""
        k = prob.shape[2]
        colors = np.array([palette.class_rgb(c) for c in range(k)], np.float64)
        best = prob.argmax(axis=2)
        confidence = prob.max(axis=2)
        rgba = np.empty((*best.shape, 4), np.uint8)
        rgba[..., :3] = colors[best]
        # 1/k (a guess) -> transparent, 1 (certain) -> opaque
        rgba[..., 3] = 255 if hard else np.clip((confidence - 1 / k) / (1 - 1 / k), 0, 1) * 255
        return rgba


def _still_fits(now: list[float], wanted: tuple[float, float]) -> bool:
    """Whether axis range ``now`` holds ``wanted`` and is at most a third larger than it."""
    lo, hi = now
    span = max(wanted[1] - wanted[0], 1e-12)
    return lo <= wanted[0] and wanted[1] <= hi and (hi - lo) <= 1.34 * span


#: Points drawn per set: more cannot be told apart on a plot this size, and 60,000 imported
#: rows took seconds to draw (each point is an item with its own brush).
MAX_POINTS = 2000


def _shared(make: Callable[[tuple], Any], colors: list[tuple]) -> list[Any]:
    """One pen or brush per distinct colour, repeated for every point that has it.

    pyqtgraph's symbol atlas keys symbols by the pen and brush objects: a new brush per point
    rendered 4,000 identical symbols and froze the window for half a second on a large set.
    """
    made = {c: make(c) for c in set(colors)}
    return [made[c] for c in colors]


def _shown_rows(n: int) -> np.ndarray:
    """Evenly spaced rows, all of them up to MAX_POINTS (the split has shuffled the rows)."""
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.linspace(0, n - 1, MAX_POINTS).astype(np.int64)
