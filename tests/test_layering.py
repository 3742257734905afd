"""The import graph of DESIGN.md, read from the source with ``ast``.

engine and data import nothing of the project; document imports engine; live imports engine,
data and document; io imports engine, data and document (never live or gui); teaching (the
lessons and the inspector's numbers) imports those and live, io and examples; only gui and the
command line import Qt.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nnstudio

ROOT = Path(nnstudio.__file__).parent
ALLOWED = {
    "engine": set(),
    "data": set(),
    "document": {"engine"},
    "live": {"engine", "data", "document"},
    "teaching": {"engine", "data", "document", "live", "io", "examples"},
    "io": {"engine", "data", "document"},
}
QT = ("PySide6", "shiboken6", "pyqtgraph")


def imported_modules(source: str) -> set[str]:
    """Every module a piece of source imports (at any depth: lazy imports count)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def violations(package: str, source: str) -> list[str]:
    """The imports of ``source`` (a module of ``package``, one of ALLOWED) that are forbidden."""
    bad = []
    for module in imported_modules(source):
        top, *rest = module.split(".")
        if top in QT and package != "gui":
            bad.append(module)
        other = rest[0] if top == "nnstudio" and rest else None
        project = (*ALLOWED, "gui", "cli", "examples")
        if other in project and other != package and other not in ALLOWED[package]:
            bad.append(module)
    return bad


def test_every_package_keeps_to_the_graph():
    problems = []
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in violations(package, path.read_text()):
                problems.append(f"{path.relative_to(ROOT)} imports {module}")
    assert problems == []


def test_the_check_finds_a_forbidden_import():
    """The test above can fail: each kind of forbidden import is reported."""
    assert violations("engine", "from nnstudio.data import load") == ["nnstudio.data"]
    assert violations("io", "def f():\n    from nnstudio.live import train") == ["nnstudio.live"]
    assert violations("document", "import nnstudio.gui.undo") == ["nnstudio.gui.undo"]
    assert violations("live", "from nnstudio.examples import example") == ["nnstudio.examples"]
    assert violations("data", "from PySide6 import QtCore") == ["PySide6"]
    assert violations("live", "from nnstudio.document import Document") == []
