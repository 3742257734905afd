"""A holder that keeps a plot's data area square, centred in whatever space the dock gives.

pyqtgraph fills its widget, so in a wide dock a decision boundary came out as a flat strip
and circles looked like ellipses. The holder sizes the plot so that its ViewBox (the area
inside the axes) is a square as large as fits; with ``setAspectLocked`` on the ViewBox the
two axes then also share one scale.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRect, QTimer
from PySide6.QtWidgets import QSizePolicy, QWidget

#: The smallest square data area the holder asks its dock for, in pixels.
MIN_SIDE = 244
#: Room for the axes and the title before the first layout has measured it.
DEFAULT_MARGINS = (55, 70)
#: The most room axes and title can take; a measurement beyond is a layout in progress.
MAX_MARGIN = 120


class SquarePlotHolder(QWidget):
    """Holds one PlotWidget and keeps its ViewBox square."""

    def __init__(self, plot: pg.PlotWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = plot
        plot.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._margins = DEFAULT_MARGINS
        self.setMinimumSize(MIN_SIDE + self._margins[0], MIN_SIDE + self._margins[1])
        plot.getPlotItem().getViewBox().sigResized.connect(self._measure)
        # The axes take their new widths only once pyqtgraph has laid itself out again.
        self._remeasure = QTimer(self)
        self._remeasure.setSingleShot(True)
        self._remeasure.setInterval(0)
        self._remeasure.timeout.connect(self._measure)

    def side(self) -> int:
        """The side of the square data area for the holder's current size."""
        mx, my = self._margins
        return max(1, min(self.width() - mx, self.height() - my))

    def _measure(self) -> None:
        """Learn how much the axes and title take, and lay out again if that changed."""
        vb = self.plot.getPlotItem().getViewBox()
        size = vb.size()
        margins = (
            round(self.plot.width() - size.width()),
            round(self.plot.height() - size.height()),
        )
        sane = all(0 <= m <= MAX_MARGIN for m in margins) and min(size.width(), size.height()) > 1
        if sane and margins != self._margins:
            self._margins = margins
            self.setMinimumSize(MIN_SIDE + margins[0], MIN_SIDE + margins[1])
            self._place()

    def _place(self) -> None:
        side = self.side()
        mx, my = self._margins
        w, h = min(side + mx, self.width()), min(side + my, self.height())
        self.plot.setGeometry(QRect((self.width() - w) // 2, (self.height() - h) // 2, w, h))
        self._remeasure.start()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()
