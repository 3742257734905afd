"""The confusion matrix: for each true class, how often the network predicts each class.

Counts on the diagonal are right answers; a bright cell off the diagonal names a pair of
classes the network mixes up. Computed by the worker on the validation rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nnstudio.gui.plots.common import LiveView, image_plot, sequential_colormap, theme
from nnstudio.live.job import Job


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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot)
        self.names: list[str] = []
        self._last: np.ndarray | None = None

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
        ticks = [[(i + 0.5, name) for i, name in enumerate(self.names[:k])]]
        item = self.plot.getPlotItem()
        item.getAxis("bottom").setTicks(ticks)
        item.getAxis("left").setTicks(ticks)
        self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)

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
