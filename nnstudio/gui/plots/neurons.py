"""Neuron maps: what each hidden neuron computes over the input plane, or looks for in images.

For two-input data every hidden neuron is a function of (x1, x2); its activation drawn over
the plane shows the line (first layer) or the shape (deeper layers) it has learned. The maps
come with the snapshot (computed by the worker on the boundary grid); this view tiles them into
one image, one row per layer, each layer on its own symmetric scale.

For image data a plane of two pixels says nothing; there each first-layer neuron is drawn as
its incoming weights in the image's shape (column j of W1 as H x W): the pattern of ink that
excites it (blue) or holds it back (orange), like the pictures on the canvas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.gui.editor.pictures import weight_image
from nnstudio.gui.plots.common import LiveView, diverging_colormap, plot_widget, theme
from nnstudio.live.job import Job

GAP = 2  # pixels between tiles
COLUMNS = 8  # tiles per row; a 16-unit layer takes two rows
#: First-layer neurons drawn as weight images; more would make each tile too small to read.
MAX_WEIGHT_IMAGES = 64
MAPS_NOTE = (
    "Each tile: one hidden neuron's activation over the two inputs of the Boundary view "
    "(blue high, orange low, scaled per layer)."
)
#: The view's title without and with image data.
TITLES = {
    False: "Hidden neurons over the input plane",
    True: "Layer 1 weights, one image per neuron",
}
WEIGHTS_NOTE = (
    "Each tile: the weights into one neuron of layer 1, one per pixel, drawn as an image: "
    "the pattern the neuron looks for (blue: ink there excites it, orange: ink there holds it "
    "back)."
)


class NeuronMapsView(LiveView):
    """One small heat map per hidden neuron (at most 16 per layer), tiled in one image."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = plot_widget(self, TITLES[False], "neuron", "")
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setMouseEnabled(False, False)
        item.invertY(True)
        item.setAspectLocked(True)
        item.getAxis("left").setWidth(60)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.lut = diverging_colormap().getLookupTable(nPts=256)
        self.note = QLabel(MAPS_NOTE, self)
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot)
        layout.addWidget(self.note)
        self._version = -1
        self._layout: tuple = ()
        self.image_shape: tuple[int, int] | None = None

    def set_job(self, job: Job) -> None:
        self._version = -1
        self._layout = ()
        self.image.clear()
        shape = job.view.get("image_shape")
        self.image_shape = (int(shape[0]), int(shape[1])) if shape else None
        images = self.image_shape is not None
        held = " The other features are held at their means." if job.X_train.shape[1] > 2 else ""
        self.note.setText(WEIGHTS_NOTE if images else MAPS_NOTE + held)
        title = TITLES[images]
        self.plot.getPlotItem().setTitle(title, color=theme(self).text.name(), size="10pt")

    def draw(self, snap: dict[str, Any]) -> None:
        if snap.get("heavy_version") == self._version:
            return
        if self.image_shape is not None:
            weights = snap.get("weights")
            maps = [weight_images(weights[0], self.image_shape)] if weights else None
        else:
            maps = snap.get("neuron_maps")
        if not maps:
            return
        self._version = snap.get("heavy_version")
        flip = self.image_shape is None  # a map's row 0 is the lowest x2; an image's is its top
        self.image.setImage(tile(maps, flip), autoLevels=False, levels=(-1.0, 1.0), lut=self.lut)
        shape = tuple(m.shape for m in maps)
        if shape != self._layout:  # axis ticks only when the layout changes
            self._layout = shape
            h, w = maps[0].shape[1:]
            item = self.plot.getPlotItem()
            item.getAxis("left").setTicks([row_ticks(maps, h)])
            cols = min(COLUMNS, max(m.shape[0] for m in maps))
            ticks = [((c + 0.5) * (w + GAP), f"{c + 1}") for c in range(cols)]
            item.getAxis("bottom").setTicks([ticks])
            item.setLabel("left", "")
            item.setLabel("bottom", "neuron")


def row_ticks(maps: list[np.ndarray], h: int) -> list[tuple[float, str]]:
    """Left-axis names of the tile rows: "layer 2" on a layer's first row, "9–16" on the next.

    The bottom axis counts neurons 1 to 8; a layer of more than 8 continues on further rows,
    each named by the neurons it holds.
    """
    ticks, row = [], 0
    for k, m in enumerate(maps):
        units = m.shape[0]
        for first in range(0, units, COLUMNS):
            last = min(first + COLUMNS, units)
            name = f"layer {k + 1}" if first == 0 else f"{first + 1}–{last}"
            ticks.append(((row + 0.5) * (h + GAP), name))
            row += 1
    return ticks


def weight_images(W: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(units, H, W): each first-layer neuron's ``weight_image``; at most MAX_WEIGHT_IMAGES."""
    units = min(np.shape(W)[1], MAX_WEIGHT_IMAGES)
    return np.stack([weight_image(W, j, shape) for j in range(units)])


def tile(maps: list[np.ndarray], flip: bool = True) -> np.ndarray:
    """Layers' (units, H, W) maps as one image, NaN (transparent) between tiles.

    Each layer is scaled by its largest |activation| so ReLU, tanh and sigmoid layers all use
    the full colour range. With ``flip`` the grid's first row (lowest x2) is at the bottom of
    each tile; without, row 0 is at the top, as in an image.
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
            out[r : r + h, c : c + w] = (m[u, ::-1] if flip else m[u]) / s
        row += -(-m.shape[0] // COLUMNS)
    return out
