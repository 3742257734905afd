"""Recovery that cannot lose work: crashes, two windows, autosave off the GUI thread.

A crash is real here: a child process takes a recovery slot, writes work into it and dies
without cleaning up (``os._exit``), leaving its lock file behind exactly as a crash does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, QStandardPaths, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from nnstudio import examples
from nnstudio.document import edits
from nnstudio.gui import files
from nnstudio.gui import messages as gui_messages
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.recovery import recovery_dir as real_recovery_dir  # before any patching
from nnstudio.io import project as project_io
from nnstudio.io.project import load_project, save_project

CRASH = """
import os, sys
from pathlib import Path
from nnstudio.gui import recovery
folder, work, project = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
slot = recovery.new_slot(folder)
slot.write(work.read_bytes(), None if project == "-" else Path(project))
os._exit(1)  # a crash: nothing is cleaned up, the lock file stays
"""


def crash_with_work(folder: Path, project: Path | None, units: int, tmp_path: Path) -> Path:
    """Let a child process leave unsaved work (first layer of ``units``) and die."""
    doc = examples.example("xor")
    doc.network["layers"][0]["units"] = units
    work = tmp_path / f"work-{units}.nnstudio"
    save_project(doc, work)
    args = [str(folder), str(work), "-" if project is None else str(project)]
    subprocess.run([sys.executable, "-c", CRASH, *args], timeout=60, env=os.environ.copy())
    left = list(folder.glob("*.nnstudio"))
    assert left and list(folder.glob("*.lock")), "the crash left its work and its lock"
    return left[0]


def answer(button_text: str, seen: list[str]) -> None:
    """Click ``button_text`` in the next message box, as a user would, noting its text."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, click)


def units(win: MainWindow) -> int:
    return win.controller.document.network["layers"][0]["units"]


@pytest.fixture
def make_window(qtbot, tmp_path, _private_recovery_folder):
    QStandardPaths.setTestModeEnabled(True)
    made: list[MainWindow] = []

    def make() -> MainWindow:
        settings = QSettings(str(tmp_path / f"settings{len(made)}.ini"), QSettings.Format.IniFormat)
        win = MainWindow(settings=settings, recovery_dir=_private_recovery_folder)
        win.show()
        made.append(win)
        return win

    yield make
    for win in made:
        if not win.isVisible():
            continue
        win.live.shutdown()
        win.close_silently()


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "lesson.nnstudio"
    save_project(examples.example("xor"), path)
    return path


def open_from_command_line(win, path, qtbot):
    win.open_path(path)  # what ``nnstudio FILE`` does once the window shows


def open_from_file_menu(win, path, qtbot):
    win.open_action.trigger()  # the file dialog answers ``path`` (patched in the test)


def open_from_recent(win, path, qtbot):
    files.add_recent(win.settings, path)
    win.recent_menu.aboutToShow.emit()
    next(a for a in win.recent_menu.actions() if a.text() == str(path.resolve())).trigger()


def open_by_drop(win, path, qtbot):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    win.dropEvent(drop)
    qtbot.waitUntil(lambda: win.path == path, timeout=10_000)


@pytest.mark.parametrize(
    "open_it", [open_from_command_line, open_from_file_menu, open_from_recent, open_by_drop]
)
def test_a_crash_then_any_way_of_opening_offers_the_work_back(
    open_it, make_window, project, tmp_path, qtbot, monkeypatch, _private_recovery_folder
):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(project), ""))
    left = crash_with_work(_private_recovery_folder, project, 7, tmp_path)
    win = make_window()
    seen: list[str] = []
    answer("Restore", seen)
    open_it(win, project, qtbot)
    assert seen and "lesson.nnstudio has unsaved work" in seen[0]
    assert "Unsaved work: autosaved" in seen[0] and "Saved file: written" in seen[0]
    assert units(win) == 7 and win.isWindowModified() and win.path == project
    assert left.exists()  # adopted, not deleted: it is still the only copy of the work
    assert win._save_to(project)
    assert not left.exists() and load_project(project).network["layers"][0]["units"] == 7


def test_a_new_window_offers_untitled_work_a_crashed_window_left(
    make_window, tmp_path, _private_recovery_folder
):
    crash_with_work(_private_recovery_folder, None, 5, tmp_path)
    win = make_window()
    seen: list[str] = []
    answer("Restore", seen)
    assert win.offer_recovery()  # what the studio does when it starts
    assert "closed unexpectedly" in seen[0]
    assert units(win) == 5 and win.path is None and win.isWindowModified()


def test_open_the_saved_version_and_closing_keep_the_recovery_file(
    make_window, project, tmp_path, monkeypatch, _private_recovery_folder
):
    left = crash_with_work(_private_recovery_folder, project, 7, tmp_path)
    win = make_window()
    seen: list[str] = []
    answer("Open the saved version", seen)
    assert win.open_path(project)
    assert units(win) != 7 and not win.isWindowModified()
    win.close()  # nothing unsaved in this window: it closes without asking
    assert left.exists()
    again = make_window()
    answer("Discard", seen)
    assert again.open_path(project)
    assert len(seen) == 2 and not left.exists()
    assert not list(_private_recovery_folder.glob("*.nnstudio"))


def test_two_untitled_windows_keep_their_own_work(
    make_window, qtbot, monkeypatch, _private_recovery_folder
):
    first, second = make_window(), make_window()
    first.controller.push(edits.SetUnits(0, 3))
    second.controller.push(edits.SetUnits(0, 6))
    for win in (first, second):
        with qtbot.waitSignal(win.files.autosaved, timeout=20_000):
            assert win.autosave()
    a, b = first.files.recovery_file, second.files.recovery_file
    assert a != b and load_project(a).network["layers"][0]["units"] == 3
    assert load_project(b).network["layers"][0]["units"] == 6
    third = make_window()
    assert not third.offer_recovery()  # both owners are alive: nothing to offer, nothing touched
    monkeypatch.setattr(gui_messages, "box", lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert first.close()  # the user said Discard: only this window's copy goes
    assert not a.exists() and b.exists()
    assert second.files.recovery_file == b


def test_two_windows_on_one_project_do_not_overwrite_each_other(make_window, project, monkeypatch):
    first, second = make_window(), make_window()
    assert first.open_path(project) and second.open_path(project)
    first.controller.push(edits.SetUnits(0, 3))
    assert first._save_to(project)
    second.controller.push(edits.SetUnits(0, 6))
    asked: list[str] = []

    def cancel(parent, icon, title, *args, **kwargs):
        asked.append(title)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(gui_messages, "box", cancel)
    assert not second._save_to(project)
    assert asked == ["The file changed on disk"]
    assert load_project(project).network["layers"][0]["units"] == 3  # the first's save stands
    assert units(second) == 6 and second.isWindowModified()  # the second's work stands too
    monkeypatch.setattr(gui_messages, "box", lambda *a, **k: QMessageBox.StandardButton.Save)
    assert second._save_to(project)
    assert load_project(project).network["layers"][0]["units"] == 6


def test_autosave_runs_only_after_a_change_and_off_the_gui_thread(make_window, qtbot, monkeypatch):
    threads: list[bool] = []
    real = project_io.project_bytes

    def spy(doc):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(doc)

    monkeypatch.setattr(files, "project_bytes", spy)
    win = make_window()
    assert not win.autosave()  # nothing unsaved
    win.controller.push(edits.SetUnits(0, 3))
    with qtbot.waitSignal(win.files.autosaved, timeout=20_000):
        assert win.autosave()
    assert not win.autosave()  # nothing changed since
    win.controller.push(edits.SetUnits(0, 4))
    with qtbot.waitSignal(win.files.autosaved, timeout=20_000):
        assert win.autosave()
    assert threads == [False, False]
    assert load_project(win.files.recovery_file).network["layers"][0]["units"] == 4


def test_the_recovery_folder_is_not_a_doubled_nnstudio_folder():
    QStandardPaths.setTestModeEnabled(True)
    folder = real_recovery_dir()
    assert folder.parts[-2:] == ("nnstudio", "recovery")
    assert folder.parts[-3] != "nnstudio"


def test_an_older_versions_recovery_file_next_to_the_project_is_offered(
    make_window, project, _private_recovery_folder
):
    doc = examples.example("xor")
    doc.network["layers"][0]["units"] = 9
    old = project.with_name(project.name + ".autosave")  # where nnstudio 0.x autosaved
    save_project(doc, old)
    os.utime(old, (project.stat().st_mtime + 60,) * 2)  # newer than the project
    win = make_window()
    seen: list[str] = []
    answer("Restore", seen)
    assert win.open_path(project)
    assert seen and units(win) == 9
    assert not old.exists() and win.files.recovery_file is not None  # moved, not lost
