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


@pytest.fixture
def open_window(qtbot, tmp_path):
    """Opens studio windows on documents; closes each, and its processes, afterwards."""
    from PySide6.QtCore import QSettings, QStandardPaths

    from nnstudio.gui.main_window import MainWindow

    QStandardPaths.setTestModeEnabled(True)
    windows = []

    def make(doc=None) -> MainWindow:
        settings = QSettings(str(tmp_path / f"settings{len(windows)}.ini"), QSettings.IniFormat)
        settings.setValue("training/steps_per_s", 0)  # full speed: tests wait for runs
        win = MainWindow(doc, settings=settings)
        win.resize(1280, 800)
        win.show()
        windows.append(win)
        qtbot.waitUntil(lambda: win.live.trainer.latest is not None, timeout=20_000)
        return win

    yield make
    for win in windows:
        win.lab.shutdown()
        win.live.shutdown()
        win.controller.undo_stack.setClean()
        win.close()
        assert not win.live.trainer.is_running()
