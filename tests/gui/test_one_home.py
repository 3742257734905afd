"""Facts the window states in several places come from one module each."""

import pytest
from PySide6.QtGui import QColor

from nnstudio.gui import palette
from nnstudio.gui.numbers import fmt
from nnstudio.gui.widgets.data_thumbnail import class_color, legend_html


def test_class_colours_are_distinct_and_start_orange_blue():
    assert len(set(palette.CLASS_COLORS)) == len(palette.CLASS_COLORS) == 10
    assert palette.class_rgb(0) == palette.NEGATIVE and palette.class_rgb(1) == palette.POSITIVE
    assert palette.class_rgb(12) == palette.class_rgb(2)  # cycling


def test_the_data_panel_uses_the_plots_class_colours():
    """Digit 7 is one colour in the thumbnail, its legend and the plots (palette.class_rgb)."""
    legend = legend_html([str(d) for d in range(10)])
    for k in range(10):
        assert class_color(k) == QColor(*palette.class_rgb(k))
        assert QColor(*palette.class_rgb(k)).name() in legend


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.123456, "0.1235"), (-2.0, "-2"), (12345.6, "1.235e+04"), (float("nan"), "–"), (None, "–")],
)
def test_numbers_have_four_significant_digits(value, text):
    assert fmt(value) == text
