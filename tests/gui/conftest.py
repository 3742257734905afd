"""GUI tests run headless, and any Qt warning fails the test (DESIGN habit 8)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QtMsgType

#: Messages of the offscreen platform plugin itself, not of our code.
IGNORED_QT_MESSAGES = (
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise()",
)
_FAILING = (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)


@pytest.fixture(autouse=True)
def _fail_on_qt_warnings(qtlog):
    yield
    bad = [
        rec.message
        for rec in qtlog.records
        if rec.type in _FAILING and not any(s in rec.message for s in IGNORED_QT_MESSAGES)
    ]
    if bad:
        pytest.fail("Qt warnings:\n" + "\n".join(bad), pytrace=False)


@pytest.fixture(autouse=True)
def _private_recovery_folder(tmp_path_factory, monkeypatch):
    """Each test's windows keep recovery files in a folder of their own, never the user's."""
    from nnstudio.gui import recovery

    folder = tmp_path_factory.mktemp("recovery")
    monkeypatch.setattr(recovery, "recovery_dir", lambda: folder)
    real_legacy = recovery.legacy_file
    untitled = folder.parent / (folder.name + "-untitled.nnstudio.autosave")
    monkeypatch.setattr(
        recovery, "legacy_file", lambda p: untitled if p is None else real_legacy(p)
    )
    return folder
