"""No axis anywhere in the window scales its numbers with an SI prefix ("loss (x0.001)").

pyqtgraph turns it on for every new axis; a student reads 0.004 as 4 unless the label's
"(x0.001)" is noticed. Every axis of every plot, colour bar included, is checked after
training, with each dock and the large neuron picture shown.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QDockWidget

from nnstudio.examples import example


def si_scaled_axes(win) -> list[str]:
    found = []
    for view in win.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem) and item.isVisible() and item.autoSIPrefix:
                found.append(f"{type(view.parent()).__name__}: {item.labelText!r}")
    return found


def test_no_axis_uses_an_si_prefix(qtbot, open_window):
    win = open_window(example("iris"))
    win.live.train_headless(3)
    for dock in win.findChildren(QDockWidget):
        dock.show()
        dock.raise_()
        qtbot.wait(1)
    win.neuron_focus.show_unit(0, 0)
    axes = [
        item
        for view in win.findChildren(pg.GraphicsView)
        for item in view.scene().items()
        if isinstance(item, pg.AxisItem) and item.isVisible()
    ]
    assert len(axes) > 20  # the loss, weights, colour bars, landscape... are all there
    assert si_scaled_axes(win) == []
