"""The feature crosses as generated Python, for the PyTorch, NumPy and Keras code.

Each language gets a ``crosses(x)`` function that appends the spec's crosses to the
standardized inputs as extra columns, written from the definitions in
``nnstudio.engine.features`` (``("mul", i, j)`` -> ``x1 * x2``, ``("sin", i)`` -> ``sin(x1)``),
so the exported code and the engine cannot disagree about what a cross is. A network without
crosses gets no such function and its code is unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from nnstudio.engine.features import CROSSES, labels

#: language -> (the sine function, how columns are joined)
_SPELLING = {
    "numpy": ("np.sin", "np.concatenate(columns, axis=1)"),
    "pytorch": ("torch.sin", "torch.cat(columns, dim=1)"),
    "keras": ("keras.ops.sin", "keras.ops.concatenate(columns, axis=1)"),
}


def expression(name: str, sin: str) -> str:
    """One cross in code over the columns ``x1`` and ``x2``: ``x1 * x2``, ``np.sin(x1)``."""
    cross = CROSSES[name]
    cols = [f"x{i + 1}" for i in cross.columns]
    return " * ".join(cols) if cross.op == "mul" else f"{sin}({cols[0]})"


def crosses_block(spec: dict[str, Any], language: str) -> str:
    """The ``CROSSES`` constant and ``crosses(x)`` function (no trailing blank line); "" if none."""
    features = spec["features"]
    if not features:
        return ""
    sin, join = _SPELLING[language]
    parts = ", ".join(["x", *(expression(name, sin) for name in features)])
    return "\n".join(
        [
            "# Feature crosses: extra inputs computed from x1 and x2 after standardizing (when the",
            "# project standardizes), appended to them in this order.",
            f"CROSSES = {json.dumps(features)}",
            "",
            "",
            "def crosses(x):",
            f'    """x with its crosses as extra columns: {", ".join(labels(features))}."""',
            "    x1, x2 = x[:, 0:1], x[:, 1:2]",
            f"    columns = [{parts}]",
            f"    return {join}",
        ]
    )


def input_width_code(spec: dict[str, Any]) -> str:
    """The first layer's input count in the generated code: ``INPUTS`` (+ the crosses)."""
    return "INPUTS + len(CROSSES)" if spec["features"] else "INPUTS"
