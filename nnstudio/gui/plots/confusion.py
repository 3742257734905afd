"""The confusion matrix: for each true class, how often the network predicts each class.

Counts on the diagonal are right answers; a bright cell off the diagonal names a pair of
classes the network mixes up. Computed by the worker on the validation rows.

Legible at any number of classes: the counts are written in the cells only where they fit
(their size follows the cell's), the class names on the axes are thinned to every second or
third where they would overlap, and pointing at a cell always reads out its whole story
("true 11 → predicted 2: 5 of 40 validation samples of class 11").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.gui.plots.common import LiveView, image_plot, sequential_colormap, theme
from nnstudio.live.job import Job

#: Counts are written in cells at least this many pixels wide, in a font of at most MAX_FONT_PX.
MIN_CELL_PX = 16
MAX_FONT_PX = 13
HINT = "Point at a cell to read it: true class → predicted class, and how many."


class ConfusionView(LiveView):
    """Counts per (true, predicted) class pair, coloured by count, numbers in the cells."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot, self.image = image_plot(
            self, "Confusion matrix (validation)", "predicted class", "true class"
        )
        t = theme(self)
        self.lut = sequential_colormap(t.dark).getLookupTable(nPts=256)
        self.text, self.dark = t.text, t.dark
        self.cells: list[list[pg.TextItem]] = []
        self.readout = QLabel(HINT, self)
        self.readout.setTextFormat(Qt.TextFormat.PlainText)  # class names come from files
        self.readout.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self.names: list[str] = []
        self._last: np.ndarray | None = None
        self._fit: tuple = ()  # (cell px, k) the text was last fitted for
        #: Per axis, the (position, name) pairs written (the others are bare ticks).
        self.names_shown: dict[str, list[tuple[float, str]]] = {}
        self.plot.getPlotItem().getViewBox().sigResized.connect(self._fit_text)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)

    def set_job(self, job: Job) -> None:
        k = max(2, int(job.view.get("classes") or 0))
        self.names = job.class_names or [str(c) for c in range(k)]
        self._last = None
        self._build(k)

    def _build(self, k: int) -> None:
        for row in self.cells:
            for cell in row:
                self.plot.removeItem(cell)
        self.cells = []
        for r in range(k):
            row = []
            for c in range(k):
                cell = pg.TextItem("", anchor=(0.5, 0.5), color=self.text)
                cell.setPos(c + 0.5, r + 0.5)
                self.plot.addItem(cell)
                row.append(cell)
            self.cells.append(row)
        self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
        self._fit = ()
        self._fit_text()

    def cell_px(self) -> float:
        """The side of one cell on screen, in pixels."""
        w, h = self.plot.getPlotItem().getViewBox().viewPixelSize()
        return 1.0 / max(w, h, 1e-9)

    def _fit_text(self) -> None:
        """Counts sized to their cells (hidden where they cannot fit) and non-overlapping names."""
        k = len(self.cells)
        px = self.cell_px()
        if not k or self._fit == (round(px, 1), k):
            return
        self._fit = (round(px, 1), k)
        font = QFont(self.font())
        font.setPixelSize(max(7, min(MAX_FONT_PX, int(px * 0.5))))
        show = px >= MIN_CELL_PX
        for row in self.cells:
            for cell in row:
                cell.setFont(font)
                cell.setVisible(show)
        axis_font = self.plot.getPlotItem().getAxis("bottom").style.get("tickFont")
        metrics = QFontMetrics(axis_font or self.font())
        names = self.names[:k]
        wide = max((metrics.horizontalAdvance(n) for n in names), default=0) + 6
        item = self.plot.getPlotItem()
        for axis, need in (("bottom", wide), ("left", metrics.height())):
            stride = max(1, math.ceil(need / max(px, 1.0)))
            major = [(i + 0.5, name) for i, name in enumerate(names) if i % stride == 0]
            minor = [(i + 0.5, "") for i in range(k) if i % stride]
            item.getAxis(axis).setTicks([major, minor])
            self.names_shown[axis] = major

    def _on_mouse(self, pos: QPointF) -> None:
        m = self._last
        vb = self.plot.getPlotItem().getViewBox()
        if m is None or not vb.sceneBoundingRect().contains(pos):
            self.readout.setText(HINT)
            return
        p = vb.mapSceneToView(pos)
        r, c = math.floor(p.y()), math.floor(p.x())
        if not (0 <= r < m.shape[0] and 0 <= c < m.shape[1]):
            self.readout.setText(HINT)
            return
        self.readout.setText(cell_text(m, r, c, self.names))

    def draw(self, snap: dict[str, Any]) -> None:
        m = snap.get("confusion")
        if m is None or (self._last is not None and np.array_equal(m, self._last)):
            return  # recomputed at most ~2 per second: most frames have nothing new
        self._last = m
        k = m.shape[0]
        if len(self.cells) != k:
            self.names = self.names if len(self.names) >= k else [str(c) for c in range(k)]
            self._build(k)
        top = max(1, int(m.max()))
        # square root: a handful of mistakes still shows against a diagonal of hundreds
        self.image.setImage(
            np.sqrt(m.astype(float)), autoLevels=False, levels=(0, np.sqrt(top)), lut=self.lut
        )
        light = (200, 200, 200) if self.dark else (255, 255, 255)
        for r in range(k):
            for c in range(k):
                v = int(m[r, c])
                strong = v > 0.6 * top
                self.cells[r][c].setText(str(v), color=light if strong else self.text)


def cell_text(m: np.ndarray, r: int, c: int, names: list[str]) -> str:
    """ "true 11 → predicted 2: 5 of 40 validation samples of class 11" for cell (r, c)."""
    true, pred = _name(names, r), _name(names, c)
    total = int(m[r].sum())
    verdict = "right" if r == c else "wrong"
    return (
        f"true {true} → predicted {pred}: {int(m[r, c])} of {total} validation samples "
        f"of class {true} ({verdict})"
    )


def _name(names: list[str], i: int) -> str:
    return names[i] if i < len(names) else str(i)
