"""Sample images with their true and predicted labels (wrong predictions in red).

For image data sets (digits 8x8, MNIST 28x28): the first validation images, tiled into one
grey-scale image, with a label under each tile that changes as the network learns. The number
of columns follows the view's width so that every label ("11→20" for 24 classes, or class
names) fits under its own image instead of running into the next one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nnstudio.gui.plots.common import WRONG, LiveView, image_plot, raw_inputs, theme
from nnstudio.live.job import Job

#: Columns of images: as many as fit with their labels, within these bounds.
MIN_COLUMNS, MAX_COLUMNS = 2, 6
GAP = 0.7  # room under each image for its label, as a fraction of its height


class SampleImagesView(LiveView):
    """A grid of images; the label reads "true → predicted"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot, self.image = image_plot(self, "Validation samples: true → predicted")
        self.labels: list[pg.TextItem] = []
        self.text = theme(self).text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot)
        self.true: np.ndarray = np.zeros(0, int)
        self.names: list[str] = []
        self._shown: list[tuple[str, bool]] = []
        self.raw: np.ndarray | None = None  # the shown images in the data's own units
        self.shape: tuple[int, int] = (0, 0)
        self.columns = MAX_COLUMNS
        self.plot.getPlotItem().getViewBox().sigResized.connect(self._on_resized)

    def set_job(self, job: Job) -> None:
        shape = job.view.get("image_shape")
        self.raw = None
        if not shape:
            self._clear_labels()
            self.image.clear()
            return
        has_val = job.has_validation
        X, y = (job.X_val, job.y_val) if has_val else (job.X_train, job.y_train)
        n = min(len(X), int(job.view.get("samples", 18)))
        self.raw = raw_inputs(job, X[:n])
        self.shape = (int(shape[0]), int(shape[1]))
        self.true = np.asarray(y[:n]).reshape(n, -1)
        self.true = self.true.argmax(1) if self.true.shape[1] > 1 else self.true[:, 0].astype(int)
        self.names = job.class_names or [str(k) for k in range(int(self.true.max()) + 1)]
        # what each label says: the true class until the first prediction
        self._shown = [(self.names[t], True) for t in self.true]
        self.columns = self._columns_that_fit()
        self._lay_out()

    def _clear_labels(self) -> None:
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []

    def _columns_that_fit(self) -> int:
        """The most columns whose images are at least as wide as the widest label.

        Fewer columns make larger images only while the grid's width limits them; the
        image's height limits a tall grid, so each count is tried. Where no count fits every
        label, the one with the largest images.
        """
        metrics = QFontMetrics(self.font())
        longest = max(self.names, key=len, default="")
        needed = max(metrics.horizontalAdvance(f"{longest}→{longest}"), 1) + 8
        vb = self.plot.getPlotItem().getViewBox()
        width = vb.width() if vb.width() > 1 else self.plot.width() - 20
        height = vb.height() if vb.height() > 1 else self.plot.height() - 30
        n = len(self.raw) if self.raw is not None else 0
        h, w = self.shape
        gh, gw = int(h * (1 + GAP)) + 2, w + 2

        def image_px(columns: int) -> float:
            rows = max(1, -(-n // columns))
            return min(width / (columns * gw), height / (rows * gh)) * gw

        counts = range(MIN_COLUMNS, MAX_COLUMNS + 1)
        fitting = [c for c in counts if image_px(c) >= needed]
        return max(fitting) if fitting else max(counts, key=image_px)

    def _lay_out(self) -> None:
        """Tile the images in ``self.columns`` columns, a label under each."""
        self._clear_labels()
        raw, columns = self.raw, self.columns
        n = len(raw)
        h, w = self.shape
        gh, gw = int(h * (1 + GAP)) + 2, w + 2
        rows = -(-n // columns)
        grid = np.full((rows * gh, columns * gw), np.nan)
        lo, hi = float(raw.min()), float(raw.max())
        for i in range(n):
            r, c = divmod(i, columns)
            grid[r * gh : r * gh + h, c * gw : c * gw + w] = raw[i].reshape(h, w)
            label = pg.TextItem("", anchor=(0.5, 0.0), color=self.text)
            label.setPos(c * gw + w / 2, r * gh + h)
            self.plot.addItem(label)
            self.labels.append(label)
        lut = np.linspace(255, 0, 256).astype(np.uint8)  # ink dark on light paper
        self.image.setImage(grid, autoLevels=False, levels=(lo, hi if hi > lo else lo + 1), lut=lut)
        for label, (text, ok) in zip(self.labels, self._shown, strict=True):
            label.setText(text, color=self.text if ok else WRONG)

    def _on_resized(self) -> None:
        if self.raw is not None and self._columns_that_fit() != self.columns:
            self.columns = self._columns_that_fit()
            self._lay_out()

    def draw(self, snap: dict[str, Any]) -> None:
        pred = snap.get("predictions")
        if pred is None or not self.labels:
            return
        for i, p in zip(pred["indices"], pred["labels"], strict=True):
            if i >= len(self.labels):
                continue
            ok = int(p) == int(self.true[i])
            text = f"{self.names[self.true[i]]}→{self.names[int(p)]}"
            if self._shown[i] != (text, ok):  # touch a label only when it changes
                self._shown[i] = (text, ok)
                self.labels[i].setText(text, color=self.text if ok else WRONG)
