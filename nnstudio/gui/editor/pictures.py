"""Neuron pictures: every neuron on the canvas shows what it computes, like Playground.

For two-feature data each hidden and output neuron's face is its activation over the input
plane (the two features of the Boundary view; any others held at their means), blue high,
orange low, on the same scale as the boundary. For image data the first layer's neurons show
their incoming weights as an image instead: the pattern each unit looks for. Pointing at a
picture enlarges it; clicking it selects its neuron and opens it large, with axes and a colour
bar (``gui/plots/neuron_focus.py``). The worker computes the maps (``live/snapshot.py``); this
module only colours them, once per new set of maps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
)

from nnstudio.gui import palette
from nnstudio.gui.editor.items import NEURON_R

#: The picture's side on the canvas (inside the neuron's outline), in scene units.
SIDE = 2 * NEURON_R - 3
#: How much pointing at a picture enlarges it.
HOVER_SCALE = 5.0
#: Activations of these output units are probabilities: 0.5 is drawn grey, like the boundary.
PROBABILITY = ("sigmoid", "softmax")


def picture_rgb(values: np.ndarray, scale: float, centre: float = 0.0) -> np.ndarray:
    """(h, w, 3) uint8 colours of a map: ``centre`` grey, ``centre`` +- ``scale`` full colour.

    Row 0 of a map is the lowest x2 (the grid grows upwards), so it becomes the image's
    bottom row.
    """
    scale = scale if np.isfinite(scale) and scale > 0 else 1.0
    t = np.nan_to_num((np.asarray(values, float) - centre) / scale, nan=0.0)
    return np.ascontiguousarray(palette.diverging_rgb(t[::-1]).round().astype(np.uint8))


def layer_scale(maps: np.ndarray) -> float:
    """One symmetric scale per layer (its largest |activation|), so neurons compare."""
    finite = np.abs(maps[np.isfinite(maps)])
    return float(finite.max()) if finite.size else 1.0


def weight_image(W: np.ndarray, j: int, shape: tuple[int, ...]) -> np.ndarray:
    """Neuron ``j``'s incoming weights (column j of W, inputs x units) in the image's shape.

    The pixels were flattened row by row (``Dataset.image_shape``), so a plain reshape puts
    each weight back on the pixel it multiplies; row 0 is the image's top row.
    """
    return np.asarray(W)[:, j].reshape(shape)


def to_qimage(rgb: np.ndarray) -> QImage:
    h, w, _ = rgb.shape
    return QImage(rgb.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class PictureItem(QGraphicsItem):
    """A neuron's picture: round on the neuron, square and large while pointed at."""

    def __init__(self, k: int, j: int, on_click: Callable[[int, int], None] | None = None) -> None:
        super().__init__()
        self.k, self.j = k, j
        self.on_click = on_click
        self.image: QImage | None = None
        self.rgb: np.ndarray | None = None  # what is drawn, for tests and the enlarged view
        self._rect = QRectF(-SIDE / 2, -SIDE / 2, SIDE, SIDE)
        self._hovered = False
        self.setZValue(4)  # above its neuron
        # Repainted with the canvas every frame, redrawn only when its image changes.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)

    def set_rgb(self, rgb: np.ndarray) -> None:
        self.rgb = rgb
        self.image = to_qimage(rgb)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self.image is None:
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        if self._hovered:
            painter.drawImage(self._rect, self.image)
            painter.setPen(QPen(Qt.GlobalColor.darkGray, 0.3))
            painter.drawRect(self._rect)
            return
        path = QPainterPath()
        path.addEllipse(self._rect)
        painter.setClipPath(path)
        painter.drawImage(self._rect, self.image)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        """Select the neuron (as a click on it would), then show its picture large."""
        scene = self.scene()
        if scene is not None and hasattr(scene, "select"):
            scene.select(("neuron", self.k, self.j))
        if self.on_click is not None:
            self.on_click(self.k, self.j)
        event.accept()

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.setScale(HOVER_SCALE)
        self.setZValue(30)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.setScale(1.0)
        self.setZValue(4)
        super().hoverLeaveEvent(event)


class NeuronPictures:
    """The pictures of one scene: created per drawn neuron, recoloured per new set of maps."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.enabled = True
        #: Called with (layer, neuron) when a picture is clicked.
        self.on_click: Callable[[int, int], None] | None = None
        self.items: dict[tuple[int, int], PictureItem] = {}
        self._neurons: dict | None = None  # the scene's neuron dict the items were made for
        self._version: Any = None

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        for item in self.items.values():
            item.setVisible(on)

    def update(self, snap: dict[str, Any], image_shape: tuple[int, ...] | None = None) -> None:
        """Recolour from a snapshot; nothing to do unless its maps are new or the scene is."""
        version = snap.get("heavy_version")
        fresh_scene = self._neurons is not self.scene.neurons
        if not self.enabled or (version == self._version and not fresh_scene):
            return
        self._version = version
        if fresh_scene:
            self._neurons = self.scene.neurons
            self.items = {}  # the old items went with the scene's rebuild
        for (k, j), rgb in self.pictures(snap, image_shape).items():
            neuron = self.scene.neurons.get((k, j))
            if neuron is None:
                continue  # not drawn (a compressed layer's middle)
            item = self.items.get((k, j))
            if item is None:
                item = PictureItem(k, j, self._clicked)
                item.setPos(neuron.pos())
                self.scene.addItem(item)
                self.items[(k, j)] = item
            item.set_rgb(rgb)

    def _clicked(self, k: int, j: int) -> None:
        if self.on_click is not None:
            self.on_click(k, j)

    def pictures(
        self, snap: dict[str, Any], image_shape: tuple[int, ...] | None
    ) -> dict[tuple[int, int], np.ndarray]:
        """(layer, neuron) -> picture colours, for every neuron the snapshot has a map of."""
        out: dict[tuple[int, int], np.ndarray] = {}
        if image_shape:
            weights = snap.get("weights")
            if weights:
                W = np.asarray(weights[0])  # (inputs, units): column j feeds neuron j
                s = layer_scale(W)
                for j in range(W.shape[1]):
                    out[(0, j)] = picture_rgb(weight_image(W, j, image_shape)[::-1], s)
            return out  # deeper layers have no input plane worth drawing
        hidden = snap.get("neuron_maps") or []
        for k, maps in enumerate(hidden):
            s = layer_scale(maps)
            for j in range(maps.shape[0]):
                out[(k, j)] = picture_rgb(maps[j], s)
        outputs = snap.get("output_maps")
        if outputs is not None and len(hidden) + 1 == len(self.scene.columns) - 1:
            k = len(hidden)
            if self.scene.columns[k + 1].activation in PROBABILITY:
                s, centre = 0.5, 0.5
            else:
                centre = float(np.nanmean(outputs)) if outputs.size else 0.0
                s = layer_scale(outputs - centre)
            for j in range(outputs.shape[0]):
                out[(k, j)] = picture_rgb(outputs[j], s, centre)
        return out
