"""Colours: a colour-blind-safe diverging scale for signed values, and theme-aware UI colours.

Signed values (weights, gradients, biases) use blue for positive, orange for negative and grey
near zero. Blue/orange stays distinct for the common colour-vision deficiencies (deuteranopia,
protanopia, tritanopia keeps a lightness difference), and the three anchor colours have a
mid lightness so they read on white and on a dark theme alike (contrast >= 2.8:1 on both).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette, QPen

#: Anchors of the diverging scale (sRGB).
POSITIVE = (33, 118, 204)  # blue   #2176cc
NEGATIVE = (224, 104, 16)  # orange #e06810
NEUTRAL = (150, 150, 150)  # grey   #969696

#: Class colours in order, the same in every view (the data panel's thumbnail, the decision
#: boundary, the per-class curves): orange and blue first, the scale's ends, so binary class 0
#: is orange and class 1 blue everywhere; then Okabe-Ito's colour-blind-safe set without its
#: black (invisible on a dark theme), and a brown.
CLASS_COLORS = [
    NEGATIVE,
    POSITIVE,
    (0, 158, 115),  # bluish green
    (204, 121, 167),  # reddish purple
    (230, 159, 0),  # yellow-orange
    (86, 180, 233),  # sky blue
    (213, 94, 0),  # vermillion
    (120, 120, 120),  # grey
    (240, 228, 66),  # yellow
    (170, 120, 60),  # brown
]

#: How many colour steps each half of the scale has (pens are cached per step).
STEPS = 8


def class_rgb(k: int) -> tuple[int, int, int]:
    """The colour of class ``k`` (cycling after ten classes)."""
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def diverging_rgb(t: float | np.ndarray) -> np.ndarray:
    """RGB (0-255 floats, shape (..., 3)) for ``t`` in [-1, 1]: -1 orange, 0 grey, +1 blue."""
    t = np.clip(np.asarray(t, dtype=float), -1.0, 1.0)[..., None]
    grey = np.array(NEUTRAL, dtype=float)
    pos = np.array(POSITIVE, dtype=float)
    neg = np.array(NEGATIVE, dtype=float)
    # ease-out so small values already lean towards their sign's colour
    s = np.sqrt(np.abs(t))
    return np.where(t >= 0, grey + (pos - grey) * s, grey + (neg - grey) * s)


def diverging_color(t: float, alpha: int = 255) -> QColor:
    """The scale's colour for ``t`` in [-1, 1] as a ``QColor``."""
    r, g, b = (round(c) for c in diverging_rgb(t))
    return QColor(r, g, b, alpha)


def quantize(t: np.ndarray) -> np.ndarray:
    """Step index in ``-STEPS..STEPS`` for values ``t`` in [-1, 1] (0 = grey, near zero)."""
    return np.rint(np.clip(t, -1.0, 1.0) * STEPS).astype(np.int64)


@lru_cache(maxsize=512)
def connection_pen(
    step: int,
    background: tuple[int, int, int] = (255, 255, 255),
    base_width: float = 0.6,
    extra_width: float = 3.4,
) -> QPen:
    """The cached pen for a connection at quantised step ``step`` (see :func:`quantize`).

    Width grows with |value|; near-zero connections are thin and faded towards ``background``
    (pre-mixed, so the pen is opaque: blending thousands of antialiased lines costs twice as
    much to paint).
    """
    t = step / STEPS
    alpha = 0.45 + 0.55 * min(1.0, abs(t) * 1.5)
    rgb = diverging_rgb(t) * alpha + np.asarray(background, dtype=float) * (1.0 - alpha)
    pen = QPen(QColor(*(round(c) for c in rgb)))
    pen.setWidthF(base_width + extra_width * abs(t))
    # widths in scene units: a zoomed-out 12 x 256 network gets thin lines, not a wall of
    # colour; flat caps are cheaper than round ones for thousands of lines
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


@lru_cache(maxsize=64)
def step_color(step: int) -> QColor:
    """The scale's colour at quantised step ``step`` (cached; for neuron biases)."""
    return diverging_color(step / STEPS)


def value_to_t(values: np.ndarray, scale: float) -> np.ndarray:
    """Map signed values to [-1, 1] with ``scale`` as full strength."""
    scale = float(scale) if scale and np.isfinite(scale) and scale > 0 else 1.0
    return np.clip(np.nan_to_num(np.asarray(values, dtype=float) / scale), -1.0, 1.0)


def auto_scale(values: np.ndarray, floor: float = 1e-12) -> float:
    """A robust full-strength value: the 98th percentile of |values| (max for small arrays)."""
    a = np.abs(np.asarray(values, dtype=float).ravel())
    a = a[np.isfinite(a)]
    if a.size == 0:
        return 1.0
    s = float(np.max(a)) if a.size < 50 else float(np.percentile(a, 98))
    return max(s, floor)


class Theme:
    """UI colours derived from a widget's ``QPalette`` (so light and dark themes both work)."""

    def __init__(self, palette: QPalette) -> None:
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        self.dark = base.lightness() < 128
        self.background = base
        self.text = text
        self.muted_text = palette.color(QPalette.ColorRole.PlaceholderText)
        self.highlight = palette.color(QPalette.ColorRole.Highlight)
        # a selection colour that is neither blue nor orange: near-black / near-white outline
        self.selection = QColor(250, 250, 250) if self.dark else QColor(20, 20, 20)
        self.neuron_fill = QColor(58, 60, 66) if self.dark else QColor(252, 252, 252)
        self.neuron_outline = QColor(170, 172, 178) if self.dark else QColor(90, 92, 98)
        self.input_fill = QColor(70, 76, 70) if self.dark else QColor(236, 242, 236)
        self.column_fill = QColor(255, 255, 255, 14) if self.dark else QColor(0, 0, 0, 10)
        self.column_selected = QColor(255, 255, 255, 40) if self.dark else QColor(0, 0, 0, 28)
        self.drop_indicator = QColor(0, 158, 115)  # bluish green (Okabe-Ito): not blue/orange
        self.button_fill = QColor(80, 82, 90) if self.dark else QColor(232, 233, 236)
        self.warning = QColor(230, 159, 0) if self.dark else QColor(170, 100, 0)
        self.background_rgb = (base.red(), base.green(), base.blue())
