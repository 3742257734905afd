"""The files in the top-level ``resources/`` folder (data sets, lesson files, icons), found
the same way from a source checkout and from an installed wheel.

The wheel installs ``resources/`` as the package ``nnstudio.resources`` (``setup.py`` lists it
and ``pyproject.toml`` maps it with ``package-dir``), so ``importlib.resources`` finds the files
inside an installed nnstudio, zipped or not. A source checkout has no ``nnstudio/resources``:
there it is the folder beside the ``nnstudio`` package, next to ``pyproject.toml``. Whatever
reads a resource asks :func:`resource`, so no caller needs to know which case it is in. This
module imports nothing of the project, so every package, the engine and data included, may
use it.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def resource(*parts: str) -> Traversable:
    """``resources/<parts...>``: read it with ``read_bytes()``, ``read_text()`` or ``open()``."""
    node = _root()
    for part in parts:  # one at a time: a namespace package's path joins one name per call
        node = node / part
    return node


def _root() -> Traversable:
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "resources").is_dir():
        return checkout / "resources"  # a source checkout (also an editable install)
    return files("nnstudio.resources")  # an installed wheel
