"""Files from anywhere: dropped on the window, dialogs that start in the right place, messages
in the status bar, and closing without a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnstudio import examples
from nnstudio.document import edits
from nnstudio.gui import messages as gui_messages
from nnstudio.gui.main_window import MainWindow
from nnstudio.io.project import save_project


@pytest.fixture
def window(qtbot, tmp_path, _private_recovery_folder):
    QStandardPaths.setTestModeEnabled(True)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings, recovery_dir=_private_recovery_folder)
    win.data_panel.native_dialogs = False
    win.show()
    yield win
    if win.isVisible():
        win.live.shutdown()
        win.close_silently()


def drop(win: MainWindow, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(30, 30),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    win.dropEvent(event)


def test_a_dropped_csv_opens_the_preview_and_imports(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "sign_mnist.csv"
    rng = np.random.default_rng(0)
    header = "label," + ",".join(f"pixel{i + 1}" for i in range(784))
    rows = [",".join(map(str, [i % 4, *rng.integers(0, 256, 784)])) for i in range(24)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    drop(window, path)
    qtbot.waitUntil(lambda: window.data_panel.import_dialog is not None, timeout=5_000)
    dialog = window.data_panel.import_dialog
    page = dialog.csv_page
    qtbot.waitUntil(lambda: page.table is not None, timeout=20_000)
    assert dialog.tabs.currentWidget() is page and page.label.currentText() == "label"
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    doc = window.controller.document
    assert doc.network["inputs"] == 784 and doc.embedded["image_shape"] == [28, 28]
    assert window.status.text().startswith("Imported sign_mnist.csv: 24 rows")
    monkeypatch.setattr(gui_messages, "box", lambda *a, **k: QMessageBox.StandardButton.Discard)
    window.live.shutdown()
    assert window.close()  # used to print "QUndoStack already deleted" from the title update


def test_a_dropped_folder_opens_the_mnist_tab(window, qtbot, tmp_path):
    drop(window, tmp_path)
    qtbot.waitUntil(lambda: window.data_panel.import_dialog is not None, timeout=5_000)
    dialog = window.data_panel.import_dialog
    assert dialog.tabs.currentWidget() is dialog.mnist_page
    assert "No complete pair" in dialog.mnist_page.status.text()
    dialog.reject()


def test_a_dropped_project_opens(window, qtbot, tmp_path):
    path = tmp_path / "spiral.nnstudio"
    save_project(examples.example("spiral"), path)
    drop(window, path)
    qtbot.waitUntil(lambda: window.path == path, timeout=10_000)
    assert window.controller.document.data["name"] == "spiral"
    assert window.windowTitle().startswith("spiral.nnstudio")


@pytest.mark.parametrize(
    ("name", "taken"), [("notes.docx", False), ("data.csv", True), ("x.nnstudio", True)]
)
def test_only_files_the_studio_reads_are_taken_when_dragged_over(window, tmp_path, name, taken):
    path = tmp_path / name
    path.write_text("x")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDragEnterEvent(
        QPoint(30, 30),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    event.ignore()
    window.dragEnterEvent(event)
    assert event.isAccepted() == taken


def test_save_and_export_dialogs_start_next_to_the_project_with_its_name(
    window, tmp_path, monkeypatch
):
    path = tmp_path / "lesson.nnstudio"
    assert window._save_to(path)
    asked = []

    def remember(parent, caption, start, *args, **kwargs):
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", remember)
    window.save_as_action.trigger()
    window.export_dialog("onnx")
    window.export_dialog("pytorch")
    assert asked == [str(path), str(tmp_path / "lesson.onnx"), str(tmp_path / "lesson.py")]


def test_untitled_work_is_offered_under_its_data_sets_name(window, monkeypatch):
    asked = []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda p, c, start, *a, **k: asked.append(start) or ("", "")
    )
    window.save_as()
    assert Path(asked[0]).name == "xor.nnstudio"


def test_a_refused_save_keeps_the_work_and_says_why(window, tmp_path, monkeypatch):
    window.controller.push(edits.SetUnits(0, 3))
    shown = []
    monkeypatch.setattr(gui_messages, "box", lambda *args, **kw: shown.append(args[3]))
    assert not window._save_to(tmp_path / "no such folder" / "x.nnstudio")
    assert shown and "does not exist" in shown[0]
    assert "does not exist" in window.status.text()
    assert window.isWindowModified() and window.path is None


def test_closing_the_window_while_a_file_is_read_stops_the_reading(
    window, qtbot, tmp_path, monkeypatch
):
    from nnstudio.gui.panels import import_csv_page

    def endless(path, options, progress):
        while True:
            progress(0.5)

    monkeypatch.setattr(import_csv_page, "read_table", endless)
    path = tmp_path / "big.csv"
    path.write_text("a,b\n1,2\n")
    dialog = window.data_panel.open_import_dialog("csv")
    dialog.csv_page.set_path(path)
    task = dialog.csv_page.progress.task
    assert task is not None and task.isRunning()
    window.live.shutdown()
    assert window.close()
    assert task.isFinished()
