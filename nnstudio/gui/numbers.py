"""How the window writes a number: one format for tooltips, panels, plots and the editor."""

from __future__ import annotations

import math
from typing import Any


def fmt(value: Any) -> str:
    """A number to 4 significant digits (``0.1235``, ``1.235e+04``), or a dash when missing.

    Four digits are enough to compare weights by eye and short enough for a tooltip line; a
    value that is not a number (``None``, NaN, text) shows as "–" rather than "nan".
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(v) else f"{v:.4g}"
