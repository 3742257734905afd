"""What the plot views share: theme-aware plot widgets, colour maps and number formatting."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from nnstudio.gui import palette
from nnstudio.live.job import Job

WRONG = QColor(215, 38, 61)  # red for a wrong prediction


def diverging_colormap() -> pg.ColorMap:
    """The editor's orange-grey-blue scale (``gui/palette.py``) as a pyqtgraph colour map."""
    t = np.linspace(-1.0, 1.0, 256)
    return pg.ColorMap(np.linspace(0.0, 1.0, 256), palette.diverging_rgb(t).astype(np.uint8))


def sequential_colormap(dark: bool) -> pg.ColorMap:
    """Background colour to blue, for counts."""
    start = (40, 42, 48) if dark else (250, 250, 252)
    return pg.ColorMap([0.0, 1.0], [start, palette.POSITIVE])


def theme(widget: QWidget) -> palette.Theme:
    return palette.Theme(widget.palette())


class LiveView(QWidget):
    """Base of the live views: draws each frame's snapshot, but only while visible.

    Snapshots come once per frame of the window's frame clock (``gui/frames.py``), the one rate
    limit. A view in a closed dock or a background tab skips the work (GUI time that the
    visible views need) and catches up with the latest snapshot when it is shown.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pending: dict[str, Any] | None = None

    def update_snapshot(self, snap: dict[str, Any]) -> None:
        self._pending = snap
        self._draw_pending()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._draw_pending()

    def _draw_pending(self) -> None:
        if self._pending is None or not self.isVisible():
            return
        snap, self._pending = self._pending, None
        self.draw(snap)

    def draw(self, snap: dict[str, Any]) -> None:
        raise NotImplementedError


def plot_widget(parent: QWidget, title: str = "", x: str = "", y: str = "") -> pg.PlotWidget:
    """A PlotWidget in the palette's colours with labelled axes."""
    t = theme(parent)
    w = pg.PlotWidget(parent, background=t.background)
    style_plot(w.getPlotItem(), t, title, x, y)
    return w


def image_plot(
    parent: QWidget, title: str, x: str = "", y: str = ""
) -> tuple[pg.PlotWidget, pg.ImageItem]:
    """A plot showing one picture (rows down, square pixels) that the mouse cannot pan or zoom.

    Without axis labels the axes are hidden: a grid of sample images has no scale to read.
    """
    plot = plot_widget(parent, title, x, y)
    item = plot.getPlotItem()
    if not (x or y):
        item.hideAxis("left")
        item.hideAxis("bottom")
    item.setMenuEnabled(False)
    item.setMouseEnabled(False, False)
    item.invertY(True)
    item.setAspectLocked(True)
    image = pg.ImageItem(axisOrder="row-major")
    plot.addItem(image)
    return plot, image


#: Curve points drawn per pixel of plot width at most (pyqtgraph's "peak" downsampling keeps a
#: minimum and a maximum per bucket, so 2 per pixel in all). Its default of 5 buckets per pixel
#: (10 points) left a 4096-point curve on a 500-pixel plot undownsampled, and stroking 2-pixel
#: pens along 4096 points cost the small case's loss view ~9 ms a frame.
BUCKETS_PER_PIXEL = 1.0


def thin_out(curve: pg.PlotDataItem) -> None:
    """Draw a long curve at about 2 points per pixel: clipped to the view, peaks kept.

    Thousands of points per curve: drawing costs grow with the points, while what the eye sees
    is one column of pixels per bucket, whose minimum and maximum "peak" keeps.
    """
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    curve.opts["autoDownsampleFactor"] = BUCKETS_PER_PIXEL  # no setter; read at each redraw


def no_si_prefix(item: pg.PlotItem) -> None:
    """Plain numbers on all four axes of ``item`` ("loss", never "loss (x0.001)").

    pyqtgraph scales every new axis by an SI prefix; a student reads 0.004 as 4 unless the
    label's "(x0.001)" is noticed. A colour bar is a PlotItem too and needs the same.
    """
    for name in ("left", "bottom", "right", "top"):
        item.getAxis(name).enableAutoSIPrefix(False)


def style_plot(item: pg.PlotItem, t: palette.Theme, title: str = "", x: str = "", y: str = ""):
    color = t.text.name()
    no_si_prefix(item)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(color))
        axis.setTextPen(pg.mkPen(color))
    if title:
        item.setTitle(title, color=color, size="10pt")
    if x:
        item.setLabel("bottom", x, color=color)
    if y:
        item.setLabel("left", y, color=color)


def nice_ceiling(x: float, steps: tuple[float, ...] = (1.0, 2.0, 5.0)) -> float:
    """The smallest of ``steps`` x 10^k at least ``x``: a scale that changes rarely."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    k = np.floor(np.log10(x))
    for m in (*steps, 10.0):
        if m * 10**k >= x * (1 - 1e-12):
            return float(m * 10**k)
    return float(10 ** (k + 1))


#: Epoch axes end on one of these x 10^k: 30 or 300 epochs fill the plot (with 1-2-5 steps a
#: finished 30-epoch run sat in the left 60 % of an axis to 50), and a growing run still moves
#: the axis only about ten times per decade.
EPOCH_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)


class StickyScale:
    """A 1-2-5 colour scale that grows at once but shrinks only after staying too big a while.

    A noisy maximum (a batch's largest gradient) near a step boundary would otherwise flip the
    scale every frame, and each change redraws the colour bar and its axis.
    """

    def __init__(self, hold_s: float = 1.0) -> None:
        self.hold_s = hold_s
        self.value = 0.0
        self._smaller_since: float | None = None

    def reset(self) -> None:
        self.value, self._smaller_since = 0.0, None

    def update(self, largest: float) -> float:
        """The scale for data whose largest magnitude is ``largest``."""
        target = nice_ceiling(largest)
        if target >= self.value:
            self.value, self._smaller_since = target, None
        elif self._smaller_since is None:
            self._smaller_since = time.monotonic()
        elif time.monotonic() - self._smaller_since >= self.hold_s:
            self.value, self._smaller_since = target, None
        return self.value


class RangeKeeper:
    """Keeps a live plot's ranges in coarse 1-2-5 steps instead of auto-ranging every frame.

    Auto-range moves the axes at each frame and pyqtgraph then rebuilds their ticks and labels,
    the biggest cost of a live plot. Once the student zooms or pans, the plot is theirs until
    the next job.
    """

    def __init__(self, item: pg.PlotItem) -> None:
        self.vb = item.getViewBox()
        self.vb.disableAutoRange()
        self.vb.sigRangeChangedManually.connect(self._on_manual)
        self.manual = False
        self._last: tuple | None = None

    def _on_manual(self, *_: Any) -> None:
        self.manual = True

    def reset(self) -> None:
        self.manual, self._last = False, None

    def update(self, x_max: float, y: np.ndarray | None = None, log: bool = False) -> None:
        """Show x in [0, nice(x_max)] and y around the finite values of ``y``."""
        if self.manual:
            return
        x1 = nice_ceiling(x_max, EPOCH_STEPS)
        y_range: tuple[float, float] | None = None
        if y is not None:
            v = y[np.isfinite(y)]
            if log:
                v = v[v > 0]
                if v.size:
                    y_range = (np.floor(np.log10(v.min())), np.ceil(np.log10(v.max())))
            elif v.size:
                lo = 0.0 if v.min() >= 0 else -nice_ceiling(-v.min())
                y_range = (lo, nice_ceiling(v.max()) if v.max() > 0 else 1.0)
        key = (x1, y_range)
        if key != self._last:
            self._last = key
            self.vb.setXRange(0, x1, padding=0.02)
            if y_range is not None:
                self.vb.setYRange(*y_range, padding=0.02)


def layout_widget(parent: QWidget) -> pg.GraphicsLayoutWidget:
    w = pg.GraphicsLayoutWidget(parent)
    w.setBackground(theme(parent).background)
    return w


def text_color(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.ColorRole.Text)


def last(curve: tuple[np.ndarray, np.ndarray] | None) -> float:
    """The last y of an (x, y) history pair, NaN if empty."""
    if curve is None or len(curve[1]) == 0:
        return float("nan")
    return float(curve[1][-1])


def raw_inputs(job: Job, X: np.ndarray, columns: list[int] | None = None) -> np.ndarray:
    """Standardized rows back in the data's own units (the axes the student knows).

    ``columns`` says which of the job's features ``X`` holds (default: all of them, in order),
    so a view that plots two of 784 pixels converts only those two.
    """
    view = job.view
    d = X.shape[1]
    mean, scale = view.get("mean"), view.get("scale")
    mean = np.zeros(d) if mean is None else np.asarray(mean, float)
    scale = np.ones(d) if scale is None else np.asarray(scale, float)
    if columns is not None and view.get("mean") is not None:
        mean, scale = mean[columns], scale[columns]
    return X * scale + mean
