"""The import rule from DESIGN.md: only nnstudio.gui may load Qt."""

import subprocess
import sys

QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph")


def _loaded_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_engine_data_io_do_not_import_qt():
    loaded = _loaded_after("import nnstudio.engine, nnstudio.data, nnstudio.io, nnstudio.document")
    assert "nnstudio.engine" in loaded  # the probe really imported the packages
    leaked = sorted(m for m in loaded if m.split(".")[0] in QT_MODULES)
    assert leaked == []


def test_gui_does_import_qt():
    """The probe above can fail: importing the GUI package does load Qt."""
    loaded = _loaded_after("import nnstudio.gui.undo")
    assert "PySide6" in loaded
