"""A small picture of a data set: its points coloured by class, or a few of its images.

Drawn with QPainter rather than a plot widget: a thumbnail needs no axes, zoom or mouse
interaction, and repainting a few hundred dots is cheaper than a pyqtgraph scene.

* Two or more features: the first two, one dot per row (at most ``MAX_POINTS``).
* One feature: the feature across, the target (or the class) up.
* Images: the first few images in a row-major grid, each with its class name.

Class colours are the ones every view uses (``gui/palette.py``): orange and blue first, matching
the synthetic sets' class names. Regression targets use the orange-grey-blue diverging scale.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from nnstudio.data.pairs import telling_pair
from nnstudio.gui.palette import POSITIVE, class_rgb, diverging_rgb

MAX_POINTS = 1500
MAX_IMAGES = 8
MARGIN = 6


def class_color(index: int) -> QColor:
    """The colour of class ``index`` (``palette.CLASS_COLORS``) as a ``QColor``."""
    return QColor(*class_rgb(index))


class DataThumbnail(QWidget):
    """Shows one data set; call :meth:`show_dataset` or :meth:`show_message`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(120)
        self.setFixedHeight(220)
        self._message = "No data set"
        self._points: np.ndarray | None = None  # (n, 2) in [0, 1]^2, y up
        self._colors: list[QColor] = []
        self._axis_names = ("", "")
        self._images: list[tuple[QImage, str]] = []

    def sizeHint(self) -> QSize:
        return QSize(240, 220)

    @property
    def axis_names(self) -> tuple[str, str]:
        """The names on the (horizontal, vertical) axes of the drawn points."""
        return self._axis_names

    # ----------------------------------------------------------------------- content
    def show_message(self, text: str) -> None:
        self._message, self._points, self._images = text, None, []
        self.update()

    def show_dataset(self, dataset) -> None:
        """Draw ``dataset`` (an ``nnstudio.data.Dataset``)."""
        self._message, self._points, self._images = "", None, []
        if dataset.image_shape is not None:
            rows = _one_per_class(dataset, MAX_IMAGES)
            self._images = [
                (_gray_image(dataset.X[i], dataset.image_shape), _label(dataset, i)) for i in rows
            ]
        else:
            self._show_points(dataset, _sample_rows(len(dataset), MAX_POINTS))
        self.update()

    def _show_points(self, dataset, rows: np.ndarray) -> None:
        X = dataset.X[rows]
        y = dataset.y[rows]
        target = y if y.ndim == 1 else y[:, 0]
        if X.shape[1] >= 2:  # the pair the Boundary view starts on
            i, j = telling_pair(dataset.X, dataset.y, dataset.task)
            xy = X[:, [i, j]]
            self._axis_names = (dataset.feature_names[i], dataset.feature_names[j])
        else:  # one feature: plot it against the target (or the class)
            xy = np.column_stack([X[:, 0], target])
            up = "class" if dataset.is_classification else (dataset.target_names or ["target"])[0]
            self._axis_names = (dataset.feature_names[0], up)
        self._points = _unit_square(xy)
        if dataset.is_classification:
            self._colors = [class_color(int(c)) for c in target]
        elif X.shape[1] >= 2:
            t = (target - target.mean()) / (np.abs(target - target.mean()).max() or 1.0)
            self._colors = [QColor(*(int(c) for c in rgb)) for rgb in diverging_rgb(t)]
        else:
            self._colors = [QColor(*POSITIVE)] * len(target)

    # ------------------------------------------------------------------------- paint
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        area = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(pal.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(area, 4, 4)
        if self._images:
            self._paint_images(painter)
        elif self._points is not None:
            self._paint_points(painter)
        else:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self._message)
        painter.end()

    def _paint_points(self, painter: QPainter) -> None:
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.8))
        painter.setFont(small)
        text_h = painter.fontMetrics().height() + 2
        plot = QRectF(self.rect()).adjusted(MARGIN + text_h, MARGIN, -MARGIN, -MARGIN - text_h)
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(muted)
        x_name, y_name = self._axis_names
        below = QRectF(plot.left(), plot.bottom(), plot.width(), text_h)
        painter.drawText(below, Qt.AlignmentFlag.AlignCenter, _elide(painter, x_name, plot.width()))
        painter.save()
        painter.translate(MARGIN, plot.center().y())
        painter.rotate(-90)
        side = QRectF(-plot.height() / 2, 0, plot.height(), text_h)
        painter.drawText(side, Qt.AlignmentFlag.AlignCenter, _elide(painter, y_name, plot.height()))
        painter.restore()
        radius = 2.6 if len(self._points) < 600 else 1.8
        outline = QPen(QColor(255, 255, 255, 150), 0.6)
        for (u, v), color in zip(self._points, self._colors, strict=True):
            painter.setPen(outline)
            painter.setBrush(color)
            center = QPointF(plot.left() + u * plot.width(), plot.bottom() - v * plot.height())
            painter.drawEllipse(center, radius, radius)

    def _paint_images(self, painter: QPainter) -> None:
        n = len(self._images)
        cols = min(4, n)
        rows = -(-n // cols)
        text_h = painter.fontMetrics().height()
        cell_w = (self.width() - 2 * MARGIN) / cols
        cell_h = (self.height() - 2 * MARGIN) / rows
        side = max(8.0, min(cell_w - 4, cell_h - text_h - 4))
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        for k, (image, label) in enumerate(self._images):
            x0 = MARGIN + (k % cols) * cell_w + (cell_w - side) / 2
            y0 = MARGIN + (k // cols) * cell_h + 2
            painter.drawImage(QRectF(x0, y0, side, side), image)
            painter.drawText(
                QRectF(x0 - 4, y0 + side, side + 8, text_h), Qt.AlignmentFlag.AlignCenter, label
            )


def _sample_rows(n: int, limit: int) -> np.ndarray:
    """Evenly spread rows, so a big data set's picture is still representative."""
    if n <= limit:
        return np.arange(n)
    return np.linspace(0, n - 1, limit).astype(np.int64)


def _one_per_class(dataset, limit: int) -> np.ndarray:
    """The first image of each class (then the first rows), so the picture shows the variety."""
    if dataset.class_names is None:
        return np.arange(min(limit, len(dataset)))
    classes, first = np.unique(dataset.y, return_index=True)
    return np.sort(first)[:limit] if len(classes) > 1 else np.arange(min(limit, len(dataset)))


def legend_html(class_names: list[str], limit: int = 10) -> str:
    """Class names after dots in their colours, for a rich-text label under the thumbnail."""
    items = [
        f"<span style='color:{class_color(i).name()}'>&#9679;</span>&nbsp;{html.escape(name)}"
        for i, name in enumerate(class_names[:limit])
    ]
    return " &nbsp; ".join(items) + (" …" if len(class_names) > limit else "")


def _unit_square(xy: np.ndarray) -> np.ndarray:
    """Scale each column into [0.03, 0.97] (a constant column sits in the middle)."""
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    unit = np.where(high > low, (xy - low) / span, 0.5)
    return 0.03 + 0.94 * unit


def _gray_image(row: np.ndarray, shape: tuple[int, int]) -> QImage:
    """One row of pixels as an 8-bit grey image, dark ink on white like a written digit."""
    pixels = row.reshape(shape)
    low, high = float(pixels.min()), float(pixels.max())
    scaled = (pixels - low) / (high - low) if high > low else np.zeros(shape)
    gray = np.ascontiguousarray(255 - np.round(scaled * 255)).astype(np.uint8)
    h, w = shape
    return QImage(gray.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def _label(dataset, i: int) -> str:
    if dataset.class_names is not None:
        return str(dataset.class_names[int(dataset.y[i])])
    return f"{float(np.ravel(dataset.y[i])[0]):.3g}"


def _elide(painter: QPainter, text: str, width: float) -> str:
    return painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(width))
