"""The Landscape panel: the training loss over one or two chosen parameters, as training moves.

Two parameters: a filled contour plot (the loss in bands of colour, a band per loss range)
over a grid around their current values, with the optimizer's recent path drawn on it. One
parameter: the loss curve with the tangent line at the current value (the lecture's
"optimizing a model with a single weight"). The maths is ``nnstudio.live.landscape``; this
panel picks the axes (from the canvas's selection, or both parameters of a two-parameter model
automatically), computes off the GUI thread, at most every ``MIN_INTERVAL_S``, and draws.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nnstudio.engine import Network
from nnstudio.gui.plots.common import no_si_prefix, plot_widget
from nnstudio.live.job import Job
from nnstudio.live.landscape import (
    Axis,
    Landscape,
    automatic_axes,
    default_span,
    landscape,
    value_in,
    value_of,
)

#: Grid points per side, and the fewest seconds between two recomputations.
GRID = 60
MIN_INTERVAL_S = 0.25
#: Points of the optimizer's path kept (one per snapshot the panel saw).
PATH_POINTS = 300
#: Colour bands of the filled contour plot.
BANDS = 14


def axis_from_selection(selection: tuple | None, n_layers: int) -> Axis | None:
    """The parameter a canvas selection names: a connection's weight or a neuron's bias."""
    if selection is None:
        return None
    if selection[0] == "connection":
        k, i, j = selection[1:]
        return Axis(k, i, j)
    if selection[0] == "neuron" and 0 <= selection[1] < n_layers:
        return Axis(selection[1], None, selection[2])
    return None


class LandscapePanel(QWidget):
    """See the module docstring. ``computed`` is emitted (on the GUI thread) with each result."""

    computed = Signal(object)
    _finished = Signal(object, int)  # from the worker thread: (landscape or error, request)

    def __init__(self, selection_source, parent: QWidget | None = None) -> None:
        """``selection_source()`` returns the canvas's selection (``NetworkEditor.selection``)."""
        super().__init__(parent)
        self.selection_source = selection_source
        self.job: Job | None = None
        self.weights: list[np.ndarray] | None = None
        self._live_weights: Any = None  # the last snapshot's list, to skip frames without new ones
        self.axes: list[Axis] = []
        self.result: Landscape | None = None
        self.path: deque[tuple[float, ...]] = deque(maxlen=PATH_POINTS)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnstudio-landscape")
        self._busy = False
        self._dirty = False
        self._request = 0
        self._last_started = -np.inf
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start)
        self._finished.connect(self._on_finished)
        self._build()

    # ----------------------------------------------------------------------- widgets
    def _build(self) -> None:
        self.x_button = QPushButton("Selected → x axis")
        self.y_button = QPushButton("Selected → y axis")
        self.one_button = QPushButton("One weight")
        self.x_button.setToolTip(
            "Click a connection (a weight) or a neuron (its bias) on the canvas, then here."
        )
        self.y_button.setToolTip("A second parameter: the loss surface over both.")
        self.one_button.setToolTip("Only the x parameter: the loss curve and its tangent.")
        self.x_button.clicked.connect(lambda: self._take_selection(0))
        self.y_button.clicked.connect(lambda: self._take_selection(1))
        self.one_button.clicked.connect(self._one_axis)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout()
        for button in (self.x_button, self.y_button, self.one_button):
            row.addWidget(button)
        row.addStretch(1)
        self.plot = plot_widget(self, "", "", "")
        item = self.plot.getPlotItem()
        for side in ("left", "bottom"):  # 0.004, not "4 (x0.001)"
            item.getAxis(side).enableAutoSIPrefix(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        item.addItem(self.image)
        self.cmap = pg.colormap.get("viridis")
        self.colorbar = pg.ColorBarItem(colorMap=self.cmap, interactive=False)
        self.colorbar.setImageItem(self.image, insert_in=item)
        no_si_prefix(self.colorbar)
        self.path_item = pg.PlotDataItem(
            pen=pg.mkPen(255, 255, 255, 220, width=2),
            symbol="o",
            symbolSize=4,
            symbolBrush=pg.mkBrush(255, 255, 255, 200),
            symbolPen=None,
        )
        self.curve = pg.PlotDataItem(pen=pg.mkPen(self.palette().text().color(), width=2))
        dashed = pg.mkPen((213, 94, 0), width=2, style=Qt.PenStyle.DashLine)
        self.tangent = pg.PlotDataItem(pen=dashed)
        self.point = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(215, 38, 61), pen=pg.mkPen("w"))
        for it in (self.path_item, self.curve, self.tangent, self.point):
            item.addItem(it)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.plot, 1)
        self._show_note()

    # ------------------------------------------------------------------------ inputs
    def set_job(self, job: Job) -> None:
        """A new job: its training data, its weights; two-parameter models pick their axes."""
        self.job = job
        net = Network(job.spec)
        if job.weights is not None:
            net.set_weights(job.weights)
        self.weights = net.get_weights()
        auto = automatic_axes(net)
        if auto:
            self.axes = auto
        elif not self._axes_fit(net):
            self.axes = []
        self.path.clear()
        self._note_path()
        self.schedule()

    def update_snapshot(self, snap: dict[str, Any]) -> None:
        """Training moved: new weights, one more point on the path."""
        if "weights" not in snap or self.job is None:
            return
        if snap["weights"] is self._live_weights:
            return  # a frame without new weights (a large network's come a few times a second)
        self._live_weights = snap["weights"]
        self.show_weights(snap["weights"])

    def show_weights(self, weights: list[np.ndarray]) -> None:
        """Draw the landscape around ``weights`` (live training or a replayed epoch)."""
        self.weights = [np.asarray(w) for w in weights]
        self._note_path()
        self.schedule()

    def set_axes(self, axes: list[Axis]) -> None:
        self.axes = list(axes)
        self.path.clear()
        self._note_path()
        self.schedule()

    def _axes_fit(self, net: Network) -> bool:
        try:
            for a in self.axes:
                layer = net.layers[a.layer]
                if a.unit >= layer.units or (a.row is not None and a.row >= layer.fan_in):
                    return False
                if a.row is None and not layer.use_bias:
                    return False
        except IndexError:
            return False
        return bool(self.axes)

    def _take_selection(self, k: int) -> None:
        if self.job is None:
            return
        axis = axis_from_selection(self.selection_source(), len(self.job.spec["layers"]))
        if axis is None:
            self.note.setText(
                "Select a connection (a weight) or a neuron (its bias) on the canvas first."
            )
            return
        axes = list(self.axes[:2])
        if k == 0:
            axes = [axis, *axes[1:]] if axes else [axis]
        else:
            axes = [axes[0], axis] if axes else [axis]
        if len(axes) == 2 and axes[0] == axes[1]:
            axes = axes[:1]
        self.set_axes(axes)

    def _one_axis(self) -> None:
        if self.axes:
            self.set_axes(self.axes[:1])

    def _note_path(self) -> None:
        if self.weights is None or not self.axes or self.job is None:
            return
        point = tuple(value_in(self.weights, self.job.spec, a) for a in self.axes)
        if not self.path or self.path[-1] != point:
            self.path.append(point)

    # ----------------------------------------------------------------------- compute
    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.schedule()  # catch up with what happened while hidden

    def schedule(self) -> None:
        """Recompute soon: now if idle and the last start was long enough ago (if shown)."""
        if self.job is None or not self.axes or self.weights is None:
            self._show_note()
            return
        if not self.isVisible():
            return  # a hidden panel costs nothing; showEvent catches up
        if self._busy:
            self._dirty = True
            return
        wait = self._last_started + MIN_INTERVAL_S - time.monotonic()
        if wait > 0:
            if not self._timer.isActive():
                self._timer.start(int(wait * 1000) + 1)
            return
        self._start()

    def _network(self) -> Network:
        net = Network(self.job.spec)
        net.set_weights(self.weights)
        return net

    def _start(self) -> None:
        if self.job is None or not self.axes or self.weights is None or self._busy:
            return
        self._busy, self._dirty = True, False
        self._last_started = time.monotonic()
        self._request += 1
        net, job, axes, request = self._network(), self.job, list(self.axes), self._request
        spans = self._spans(net)

        def work() -> Landscape:
            with np.errstate(all="ignore"):  # a diverged network: draw what it gives
                return landscape(net, job.X_train, job.y_train, axes, n=GRID, spans=spans)

        future: Future = self._executor.submit(work)
        future.add_done_callback(lambda f: self._finished.emit(_outcome(f), request))

    def _spans(self, net: Network) -> list[float]:
        """Half-widths of the grid: the usual ones, widened so the whole path is on it."""
        centre = [value_of(net, a) for a in self.axes]
        spans = [default_span(c) for c in centre]
        if self.path:
            far = np.abs(np.array(self.path) - centre).max(axis=0) * 1.15
            spans = [max(s, float(f)) for s, f in zip(spans, far, strict=True)]
        return spans

    def _on_finished(self, outcome: Any, request: int) -> None:
        self._busy = False
        if isinstance(outcome, Landscape) and request == self._request:
            self.result = outcome
            self._draw(outcome)
            self.computed.emit(outcome)
        elif isinstance(outcome, Exception):
            self.note.setText(f"The landscape could not be computed: {outcome}")
        if self._dirty:
            self.schedule()

    # ----------------------------------------------------------------------- drawing
    def name(self, axis: Axis) -> str:
        """The axis title: m and b for the course's line y = m x + b (one weight, one bias)."""
        spec = self.job.spec if self.job is not None else {"inputs": 0, "layers": []}
        units = [layer["units"] for layer in spec["layers"]]
        if spec["inputs"] == 1 and units == [1]:
            return f"b (bias {axis.label()})" if axis.row is None else f"m (weight {axis.label()})"
        kind = "bias" if axis.row is None else "weight"
        return f"{kind} {axis.label()}"

    def _show_note(self) -> None:
        if not self.axes:
            self.note.setText(
                "Pick one or two parameters: click a connection (a weight) or a neuron (its "
                "bias) on the canvas, then 'Selected → x axis' (and '→ y axis' for a surface)."
            )

    def _draw(self, scape: Landscape) -> None:
        item = self.plot.getPlotItem()
        names = [self.name(a) for a in scape.axes]
        item.setLabel("bottom", names[0])
        if scape.ys is None:
            self._draw_curve(scape, item)
        else:
            self._draw_surface(scape, item, names)

    def _draw_curve(self, scape: Landscape, item) -> None:
        self.image.hide()
        self.colorbar.hide()
        self.path_item.setData([], [])
        item.setLabel("left", "training loss")
        w0, slope, loss0 = scape.centre[0], scape.slope or 0.0, scape.current_loss
        self.curve.setData(scape.xs, scape.loss)
        half = (scape.xs[-1] - scape.xs[0]) / 4
        xs = np.array([w0 - half, w0 + half])
        self.tangent.setData(xs, loss0 + slope * (xs - w0))
        self.point.setData([w0], [loss0])
        direction = "increase" if slope < 0 else "decrease"
        self.note.setText(
            f"Loss {loss0:.4g} at {self.name(scape.axes[0])} = {w0:.4g}; the slope (dashed "
            f"tangent) is {slope:.4g}, so gradient descent will {direction} this weight."
        )

    def _draw_surface(self, scape: Landscape, item, names: list[str]) -> None:
        self.curve.setData([], [])
        self.tangent.setData([], [])
        self.image.show()
        self.colorbar.show()
        item.setLabel("left", names[1])
        shown = np.log10(np.maximum(scape.loss, 1e-12))  # losses span decades: bands in log
        finite = shown[np.isfinite(shown)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        hi = hi if hi > lo else lo + 1.0
        edges = np.linspace(lo, hi, BANDS + 1)
        banded = edges[np.clip(np.digitize(shown, edges[1:-1]), 0, BANDS - 1)]
        self.image.setImage(np.nan_to_num(banded, nan=hi, posinf=hi), autoLevels=False)
        self.colorbar.setLevels((lo, hi))
        self.colorbar.axis.setLabel("training loss, log10 (0 = 1, −1 = 0.1)")
        x0, x1, y0, y1 = scape.xs[0], scape.xs[-1], scape.ys[0], scape.ys[-1]
        dx, dy = (x1 - x0) / (len(scape.xs) - 1), (y1 - y0) / (len(scape.ys) - 1)
        self.image.setRect(QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy))
        path = np.array(self.path) if self.path else np.zeros((0, 2))
        self.path_item.setData(path[:, 0], path[:, 1])
        self.point.setData([scape.centre[0]], [scape.centre[1]])
        self.note.setText(
            f"Training loss {scape.current_loss:.4g} at {names[0]} = {scape.centre[0]:.4g}, "
            f"{names[1]} = {scape.centre[1]:.4g} (red dot). Each colour band is one range of loss: "
            "dark is low. White line: where the optimizer has taken these two parameters so far "
            "(all other weights are held as they are now)."
        )

    def shutdown(self) -> None:
        self._timer.stop()
        self._executor.shutdown(wait=True, cancel_futures=True)


def _outcome(future: Future) -> Any:
    exc = future.exception()
    return exc if exc is not None else future.result()
