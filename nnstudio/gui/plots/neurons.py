"""Neuron maps: what each hidden neuron computes over the input plane.

For two-input data every hidden neuron is a function of (x1, x2); its activation drawn over
the plane shows the line (first layer) or the shape (deeper layers) it has learned. The maps
come with the snapshot (computed by the worker on the boundary grid); this view tiles them into
one image, one row per layer, each layer on its own symmetric scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.gui.plots.common import LiveView, diverging_colormap, plot_widget
from nnstudio.live.job import Job

GAP = 2  # pixels between tiles
COLUMNS = 8  # tiles per row; a 16-unit layer takes two rows


class NeuronMapsView(LiveView):
    """One small heat map per hidden neuron (at most 16 per layer), tiled in one image."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = plot_widget(self, "Hidden neurons over the input plane", "neuron", "")
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setMouseEnabled(False, False)
        item.invertY(True)
        item.setAspectLocked(True)
        item.getAxis("left").setWidth(60)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.lut = diverging_colormap().getLookupTable(nPts=256)
        self.note = QLabel(
            "Each tile: one hidden neuron's activation over the two inputs "
            "(blue high, orange low, scaled per layer).",
            self,
        )
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot)
        layout.addWidget(self.note)
        self._version = -1
        self._layout: tuple = ()

    def set_job(self, job: Job) -> None:
        self._version = -1
        self.image.clear()

    def draw(self, snap: dict[str, Any]) -> None:
        maps = snap.get("neuron_maps")
        if not maps or snap.get("heavy_version") == self._version:
            return
        self._version = snap.get("heavy_version")
        self.image.setImage(tile(maps), autoLevels=False, levels=(-1.0, 1.0), lut=self.lut)
        shape = tuple(m.shape for m in maps)
        if shape != self._layout:  # axis ticks only when the layout changes
            self._layout = shape
            h, w = maps[0].shape[1:]
            item = self.plot.getPlotItem()
            rows, row = [], 0
            for k, m in enumerate(maps):
                rows.append(((row + 0.5) * (h + GAP), f"layer {k + 1}"))
                row += -(-m.shape[0] // COLUMNS)
            cols = min(COLUMNS, max(m.shape[0] for m in maps))
            ticks = [((c + 0.5) * (w + GAP), f"{c + 1}") for c in range(cols)]
            item.getAxis("left").setTicks([rows])
            item.getAxis("bottom").setTicks([ticks])
            item.setLabel("left", "")
            item.setLabel("bottom", "neuron (rows continue left to right)")


def tile(maps: list[np.ndarray]) -> np.ndarray:
    """Layers' (units, H, W) maps as one image, NaN (transparent) between tiles.

    Each layer is scaled by its largest |activation| so ReLU, tanh and sigmoid layers all use
    the full colour range; the grid's first row (lowest x2) is at the bottom of each tile.
    """
    h, w = maps[0].shape[1:]
    cols = min(COLUMNS, max(m.shape[0] for m in maps))
    rows = sum(-(-m.shape[0] // COLUMNS) for m in maps)
    out = np.full((rows * (h + GAP), cols * (w + GAP)), np.nan, np.float32)
    row = 0
    for m in maps:
        s = float(np.nanmax(np.abs(m))) if m.size else 1.0
        s = s if np.isfinite(s) and s > 0 else 1.0
        for u in range(m.shape[0]):
            r, c = (row + u // COLUMNS) * (h + GAP), (u % COLUMNS) * (w + GAP)
            out[r : r + h, c : c + w] = m[u, ::-1] / s  # flipped: y grows upwards in each tile
        row += -(-m.shape[0] // COLUMNS)
    return out
