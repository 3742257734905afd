"""One neuron's picture, large: clicking a picture on the canvas opens it in a window of its own.

The canvas's pictures are small; pointing at one enlarges it for a glance. Clicking it opens
this window, which shows the same map with what a glance cannot give: the two features on
labelled axes in their own units, a colour bar with the numbers, and, with more than two
features, which ones are held at their means. It follows the training live (every new
snapshot) and shows whichever picture was clicked last. For image data a first-layer neuron is
its incoming weights in the image's shape, on pixel axes.

The colours are the canvas's: one symmetric scale per layer (its largest |activation|), an
output probability with 0.5 grey, so the large picture looks like the small one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.gui import naming
from nnstudio.gui.editor.pictures import PROBABILITY, layer_scale, weight_image
from nnstudio.gui.plots.common import (
    LiveView,
    diverging_colormap,
    no_si_prefix,
    plot_widget,
    theme,
)
from nnstudio.gui.plots.square import SquarePlotHolder
from nnstudio.live.job import Job


class NeuronFocusView(LiveView):
    """The picture of neuron ``unit = (k, j)`` on axes, with a colour bar and a note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.plot = plot_widget(self, "", "x1", "x2")
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        self.bar = pg.ColorBarItem(
            values=(-1, 1), colorMap=diverging_colormap(), interactive=False, width=14
        )
        self.bar.setImageItem(self.image, insert_in=item)
        text = theme(self).text
        self.bar.axis.setTextPen(pg.mkPen(text))
        self.bar.axis.setPen(pg.mkPen(text))
        no_si_prefix(self.bar)
        self.note = QLabel(self)
        self.note.setTextFormat(Qt.TextFormat.PlainText)  # feature names come from files
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addWidget(SquarePlotHolder(self.plot, self), 1)
        layout.addWidget(self.note)
        self.unit: tuple[int, int] | None = None
        self.job: Job | None = None
        self.snap: dict[str, Any] | None = None
        self.values: np.ndarray | None = None  # what is drawn (row 0 at the image's origin)
        self.levels: tuple[float, float] = (-1.0, 1.0)
        self._drawn: tuple | None = None  # (neuron, what its picture came from)

    # ------------------------------------------------------------------------ inputs
    def set_job(self, job: Job | None) -> None:
        self.job, self.snap, self._drawn = job, None, None

    def set_unit(self, k: int, j: int) -> None:
        """Show neuron ``j`` of dense layer ``k`` (0-based) from now on."""
        self.unit = (k, j)
        if self.snap is not None:
            self.draw(self.snap)

    def n_layers(self) -> int:
        return len(self.job.spec["layers"]) if self.job is not None else 0

    def exists(self) -> bool:
        """Whether the chosen neuron is in the job's network (an edit may have removed it)."""
        if self.unit is None or self.job is None:
            return False
        k, j = self.unit
        layers = self.job.spec["layers"]
        return k < len(layers) and j < layers[k]["units"]

    # ----------------------------------------------------------------------- drawing
    def draw(self, snap: dict[str, Any]) -> None:
        self.snap = snap
        if not self.exists():
            return
        k, j = self.unit
        shape = self.job.view.get("image_shape")
        # Frames come 30 times a second; the picture changes only with new maps (or weights).
        source = id(snap.get("weights")) if shape else snap.get("heavy_version")
        if (self.unit, source) == self._drawn:
            return
        self._drawn = (self.unit, source)
        activation = self.job.spec["layers"][k]["activation"]
        self.heading.setText(naming.neuron_name(k, j, self.n_layers()).capitalize())
        if shape and k == 0:
            self._draw_weights(snap, j, (int(shape[0]), int(shape[1])))
        elif not shape:
            self._draw_map(snap, k, j, activation)
        else:
            self._show_nothing(
                "Deeper layers of an image network have no picture: their inputs are "
                "neurons, not pixels."
            )

    def _draw_map(self, snap: dict[str, Any], k: int, j: int, activation: str) -> None:
        hidden = snap.get("neuron_maps")
        extent = snap.get("extent")
        if hidden is None or extent is None:
            return  # no maps yet
        if k < len(hidden):
            maps, centre = hidden[k], 0.0
            scale = layer_scale(maps)
            label = f"activation ({activation})"
        else:
            maps = snap.get("output_maps")
            if maps is None:
                return
            if activation in PROBABILITY:
                centre, scale, label = 0.5, 0.5, "probability"
            else:
                centre = float(np.nanmean(maps)) if maps.size else 0.0
                scale, label = layer_scale(maps - centre), f"output ({activation})"
        if j >= maps.shape[0]:
            self._show_nothing(
                f"Only the first {maps.shape[0]} neurons of a layer get a picture "
                "(they are computed while training)."
            )
            return
        x0, x1, y0, y1 = extent
        features = snap.get("boundary_features") or [0, 1]
        names = self._feature_names()
        self._show(
            maps[j],
            (centre - scale, centre + scale),
            QRectF(x0, y0, x1 - x0, y1 - y0),
            (names[features[0]], names[features[1]]),
            label,
            flip=False,
        )
        held = [n for i, n in enumerate(names) if i not in features[:2]]
        self.note.setText(
            f"The other features are held at their means: {', '.join(held)}."
            if held
            else "The neuron's value at every point of the plane of the two inputs."
        )

    def _draw_weights(self, snap: dict[str, Any], j: int, shape: tuple[int, int]) -> None:
        weights = snap.get("weights")
        if not weights:
            return
        W = np.asarray(weights[0])
        s = layer_scale(W)
        h, w = shape
        self._show(
            weight_image(W, j, shape),
            (-s, s),
            QRectF(0, 0, w, h),
            ("pixel column", "pixel row"),
            "weight",
            flip=True,
        )
        # Pixels counted from 1 at their centres, as a student counts them.
        for name, n in (("bottom", w), ("left", h)):
            step = max(1, n // 8)
            ticks = [(i + 0.5, str(i + 1)) for i in range(0, n, step)]
            self.plot.getPlotItem().getAxis(name).setTicks([ticks])
        self.note.setText(
            "Its weights from every pixel, in the image's shape: the pattern it looks for "
            "(blue: ink there excites it, orange: ink there holds it back)."
        )

    def _show(self, values, levels, rect, axes, label, flip: bool) -> None:
        """Draw ``values`` over ``rect``; ``flip``: row 0 at the top, as in an image."""
        self.values = np.asarray(values, np.float32)
        self.levels = (float(levels[0]), float(levels[1]))
        item = self.plot.getPlotItem()
        item.getViewBox().invertY(flip)
        for name in ("bottom", "left"):
            item.getAxis(name).setTicks(None)  # a plane's own numbers (pixels set theirs after)
        item.getViewBox().setAspectLocked(True)
        self.image.setImage(self.values, autoLevels=False, levels=self.levels)
        self.image.setRect(rect)
        self.image.show()
        self.bar.setLevels(self.levels)
        self.bar.axis.setLabel(label)
        item.setLabel("bottom", axes[0])
        item.setLabel("left", axes[1])
        item.getViewBox().setRange(rect, padding=0)

    def _show_nothing(self, why: str) -> None:
        self.values = None
        self.image.hide()
        self.note.setText(why)

    def _feature_names(self) -> list[str]:
        n = int(self.job.spec["inputs"])
        names = list(self.job.feature_names or [])
        return names if len(names) == n else [f"x{i + 1}" for i in range(n)]


class NeuronFocusWindow(QWidget):
    """A small window beside the main one holding the view, following the trainer live."""

    def __init__(self, trainer, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Tool)
        self.trainer = trainer
        self.view = NeuronFocusView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.resize(440, 500)
        # Escape closes it, as it does a dialog: a tool window has no taskbar entry to find
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self._placed = False
        trainer.jobLoaded.connect(self._on_job)
        trainer.snapshot.connect(self.view.update_snapshot)

    def show_unit(self, k: int, j: int) -> None:
        """Open (or re-aim) the window at neuron ``j`` of dense layer ``k``."""
        if self.view.job is not self.trainer.job:
            self.view.set_job(self.trainer.job)
        self.view.set_unit(k, j)
        n_layers = self.view.n_layers()
        self.setWindowTitle(f"{naming.neuron_name(k, j, n_layers).capitalize()} — nnstudio")
        if not self._placed:  # later the student's own placement is kept
            self._placed = True
            self._place()
        self.show()
        self.raise_()
        if self.trainer.latest is not None:
            self.view.update_snapshot(self.trainer.latest)

    def _place(self) -> None:
        """Beside the main window if the screen has room there, else over its left column.

        The left column holds the data set, which matters least while looking at a neuron;
        the canvas, the boundary and the curves stay in view.
        """
        main = self.parentWidget().frameGeometry()
        screen = self.parentWidget().screen().availableGeometry()
        if main.right() + self.width() <= screen.right():
            self.move(main.right() + 1, main.top())
        else:
            self.move(main.left() + 8, main.top() + min(150, max(0, main.height() // 5)))

    def _on_job(self, job: Job) -> None:
        self.view.set_job(job)
        if self.isVisible() and not self.view.exists():
            self.hide()  # the network changed and this neuron is gone
