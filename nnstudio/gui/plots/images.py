"""Sample images with their true and predicted labels (wrong predictions in red).

For image data sets (digits 8x8, MNIST 28x28): the first validation images, tiled into one
grey-scale image, with a label under each tile that changes as the network learns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nnstudio.gui.plots.common import WRONG, LiveView, image_plot, raw_inputs, theme
from nnstudio.live.job import Job

COLUMNS = 6
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

    def set_job(self, job: Job) -> None:
        shape = job.view.get("image_shape")
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        if not shape:
            self.image.clear()
            return
        has_val = job.has_validation
        X, y = (job.X_val, job.y_val) if has_val else (job.X_train, job.y_train)
        n = min(len(X), int(job.view.get("samples", 18)))
        raw = raw_inputs(job, X[:n])
        self.true = np.asarray(y[:n]).reshape(n, -1)
        self.true = self.true.argmax(1) if self.true.shape[1] > 1 else self.true[:, 0].astype(int)
        self.names = job.class_names or [str(k) for k in range(int(self.true.max()) + 1)]
        h, w = shape
        gh, gw = int(h * (1 + GAP)) + 2, w + 2
        rows = -(-n // COLUMNS)
        grid = np.full((rows * gh, COLUMNS * gw), np.nan)
        lo, hi = float(raw.min()), float(raw.max())
        for i in range(n):
            r, c = divmod(i, COLUMNS)
            grid[r * gh : r * gh + h, c * gw : c * gw + w] = raw[i].reshape(h, w)
            label = pg.TextItem("", anchor=(0.5, 0.0), color=self.text)
            label.setPos(c * gw + w / 2, r * gh + h)
            self.plot.addItem(label)
            self.labels.append(label)
        lut = np.linspace(255, 0, 256).astype(np.uint8)  # ink dark on light paper
        self.image.setImage(grid, autoLevels=False, levels=(lo, hi if hi > lo else lo + 1), lut=lut)
        self._shown = [("", True)] * n
        for i, label in enumerate(self.labels):
            label.setText(self.names[self.true[i]])

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
