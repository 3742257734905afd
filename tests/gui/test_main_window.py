"""The studio window driven as a student would: edit, train, save, reopen, close."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QStandardPaths, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox, QTabBar

from nnstudio import examples
from nnstudio.document import edits
from nnstudio.engine import normalize_spec
from nnstudio.gui import files
from nnstudio.gui import messages as gui_messages
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.training import FINISHED, PAUSED, RUNNING
from nnstudio.io.export import FORMATS
from nnstudio.io.project import load_project, save_project


@pytest.fixture
def window(qtbot, tmp_path):
    QStandardPaths.setTestModeEnabled(True)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("training/steps_per_s", 0)  # full speed: tests wait for runs
    win = MainWindow(settings=settings)  # closed below, not by qtbot (it would ask to save)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: win.live.trainer.latest is not None, timeout=20_000)
    yield win
    win.live.shutdown()
    win.controller.undo_stack.setClean()  # no "save changes?" dialog when it closes
    win.close()
    assert not win.live.trainer.is_running()


def save_as(win: MainWindow, path: Path) -> bool:
    """File > Save As…, typing ``path`` into the file dialog."""
    with mock.patch.object(QFileDialog, "getSaveFileName", return_value=(str(path), "")):
        return win.save_as()


def _hidden_units(win: MainWindow) -> list[int]:
    return [layer["units"] for layer in win.controller.document.network["layers"][:-1]]


def test_title_shows_name_and_unsaved_mark(window, tmp_path):
    assert window.windowTitle().startswith("Untitled")
    assert not window.isWindowModified()
    window.controller.push(edits.SetUnits(0, 5))
    assert window.isWindowModified()
    path = tmp_path / "lesson.nnstudio"
    assert save_as(window, path)
    assert window.windowTitle().startswith("lesson.nnstudio")
    assert not window.isWindowModified()


def test_edit_save_reopen_finds_the_same_network(window, tmp_path):
    window.controller.push(edits.SetUnits(0, 6))
    window.controller.push(edits.SetLayerProperty(0, "activation", "relu"))
    window.controller.push(edits.SetWeight(0, 1, 2, 0.125))
    path = tmp_path / "mine.nnstudio"
    assert save_as(window, path)
    before = window.controller.document
    window.new_from_example("spiral")
    assert window.controller.document.data["name"] == "spiral"
    assert window.open_path(path, interactive=False)
    after = window.controller.document
    assert after.network == normalize_spec(before.network)
    assert after.weights[0][1, 2] == 0.125
    assert all(np.array_equal(a, b) for a, b in zip(after.weights, before.weights, strict=True))


def test_failed_open_shows_error_and_keeps_work(window, tmp_path, monkeypatch):
    window.controller.push(edits.SetUnits(0, 3))
    network = dict(window.controller.document.network)
    bad = tmp_path / "broken.nnstudio"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    shown = []
    monkeypatch.setattr(gui_messages, "box", lambda *args, **kw: shown.append(args[3]))
    assert not window.open_path(bad)
    assert shown and "broken.nnstudio" in shown[0]
    assert window.controller.document.network == network
    assert window.isWindowModified()


def test_close_with_unsaved_changes_asks_and_cancel_keeps_window(window, monkeypatch):
    window.controller.push(edits.SetUnits(0, 3))
    asked = []

    def cancel(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(gui_messages, "box", cancel)
    assert not window.close()
    assert asked == ["Unsaved changes"]
    assert window.isVisible()


def test_space_trains_and_pause_commits_weights_as_one_undo_step(window, qtbot):
    trainer = window.live.trainer
    start = [w.copy() for w in window.live.trainer.latest["weights"]]
    window.live.controls.play_action.trigger()
    qtbot.waitUntil(lambda: trainer.state == RUNNING, timeout=10_000)
    qtbot.waitUntil(lambda: (trainer.latest or {}).get("epoch", 0) >= 3, timeout=20_000)
    window.live.controls.play_action.trigger()  # pause
    qtbot.waitUntil(lambda: trainer.state == PAUSED, timeout=10_000)
    qtbot.waitUntil(lambda: window.controller.document.weights is not None, timeout=5_000)
    trained = window.controller.document.weights
    assert not all(np.array_equal(a, b) for a, b in zip(trained, start, strict=True))
    assert window.controller.document.history["loss"]  # the curves travel with the weights
    assert window.controller.undo_stack.undoText().startswith("Train to epoch")
    window.controller.undo()  # "undo training" restores the untrained network
    assert window.controller.document.weights is None


def test_learning_rate_change_keeps_the_workers_place(window, qtbot):
    trainer = window.live.trainer
    trainer.step_epoch()
    qtbot.waitUntil(lambda: trainer.state == PAUSED, timeout=10_000)
    steps = trainer.latest["step"]
    assert steps > 0
    window.controller.push(edits.SetValue(("network", "optimizer", "learning_rate"), 0.001))
    progress = trainer.sync()  # a round trip: the process has handled the change by now
    assert progress.steps == steps
    assert trainer.state == PAUSED  # no new job: still paused where it was
    assert trainer.latest["step"] == steps
    assert trainer.job.spec["optimizer"]["learning_rate"] == 0.001


def test_architecture_change_says_weights_reset(window, qtbot):
    window.controller.push(edits.SetWeights(window.live.trainer.latest["weights"]))
    messages = []
    window.live.message.connect(messages.append)
    window.controller.push(edits.SetUnits(0, 2))
    assert window.controller.document.weights is None
    assert any("Undo" in m for m in messages)


def test_autosave_writes_a_recovery_copy_and_saving_discards_it(window, qtbot, tmp_path):
    path = tmp_path / "work.nnstudio"
    assert save_as(window, path)
    window.controller.push(edits.SetUnits(0, 7))
    with qtbot.waitSignal(window.files.autosaved, timeout=20_000):
        assert window.autosave()
    recovery = window.files.recovery_file
    assert recovery is not None and recovery.is_file()
    assert load_project(recovery).network["layers"][0]["units"] == 7
    assert load_project(path).network["layers"][0]["units"] != 7  # the project is untouched
    assert save_as(window, path)
    assert not recovery.exists()
    assert load_project(path).network["layers"][0]["units"] == 7


def test_export_menu_lists_every_format(window):
    file_menu = window.menuBar().actions()[0].menu()
    export_menu = next(a.menu() for a in file_menu.actions() if a.text() == "&Export")
    labels = [a.text() for a in export_menu.actions()]
    assert len(labels) == len(FORMATS) == 6
    assert any("ONNX" in label for label in labels)
    assert "Keras script…" in labels


def _dock_tab_titles(win: MainWindow) -> dict[tuple[str, ...], Qt.TextElideMode]:
    """Each visible dock tab bar's titles and how it shortens them.

    Qt makes the tab bars of tabified docks children of the window itself; tab widgets inside
    a dock (the code view's languages) have theirs deeper down.
    """
    children = win.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
    bars = [bar for bar in children if bar.isVisible() and bar.count()]
    return {tuple(bar.tabText(i) for i in range(bar.count())): bar.elideMode() for bar in bars}


def test_dock_tabs_show_whole_titles_also_after_the_user_regroups_them(window, qtbot):
    """At 1280 px the bottom tabs were cut to "Bou…", "Wei…"; they now scroll instead."""
    tabs = _dock_tab_titles(window)
    assert tabs == {
        ("Boundary", "Samples", "Confusion"): Qt.TextElideMode.ElideNone,
        ("Weights", "Neurons", "Inspector"): Qt.TextElideMode.ElideNone,
        ("Properties", "Code", "Landscape"): Qt.TextElideMode.ElideNone,
        ("Data set", "Lesson"): Qt.TextElideMode.ElideNone,
        ("Loss", "Replay", "Race"): Qt.TextElideMode.ElideNone,  # the teaching lab's docks
    }
    window.tabifyDockWidget(window.loss_dock, window.data_dock)  # as a drag would
    qtbot.waitUntil(lambda: len(_dock_tab_titles(window)) == 4)
    assert set(_dock_tab_titles(window).values()) == {Qt.TextElideMode.ElideNone}


def test_zoom_and_delete_shortcuts_are_registered(window):
    shortcuts = {a.shortcut().toString() for a in window.actions()}
    assert {"Ctrl+S", "Ctrl+O", "Ctrl+0", "Del", "Space", "F1"} <= shortcuts


def test_screenshot_command_writes_a_1280x800_png(tmp_path):
    out = tmp_path / "shot.png"
    save_project(examples.example("xor"), tmp_path / "xor.nnstudio")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnstudio",
            str(tmp_path / "xor.nnstudio"),
            "--screenshot",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    # Not blank: the window really drew something (many distinct colours).
    colours = {image.pixel(x, y) for x in range(0, 1280, 16) for y in range(0, 800, 16)}
    assert len(colours) > 20


def test_train_epochs_screenshot_trains_first(tmp_path):
    out = tmp_path / "trained.png"
    project = tmp_path / "xor.nnstudio"
    save_project(examples.example("xor"), project)
    before = project.read_bytes()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnstudio",
            "--example",
            "xor",
            "--train-epochs",
            "20",
            "--screenshot",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    assert out.is_file() and zipfile.is_zipfile(project)
    assert project.read_bytes() == before


def test_keyboard_delete_removes_selected_layer(window, qtbot):
    window.controller.push(edits.InsertLayer(1, units=4, activation="tanh"))
    n = len(window.controller.document.network["layers"])
    window.editor.select(("layer", 1))
    window.editor.view.setFocus()
    qtbot.keyClick(window.editor.view, Qt.Key.Key_Delete)
    assert len(window.controller.document.network["layers"]) == n - 1


def test_finished_run_is_committed(window, qtbot):
    window.controller.push(edits.SetValue(("training", "epochs"), 2))
    trainer = window.live.trainer
    qtbot.waitUntil(lambda: trainer.job.settings["epochs"] == 2, timeout=5_000)
    trainer.play()
    qtbot.waitUntil(lambda: trainer.state == FINISHED, timeout=20_000)
    qtbot.waitUntil(
        lambda: len(window.controller.document.history.get("loss", [])) == 2, timeout=5_000
    )


def test_recent_files_remember_saved_projects(window, tmp_path):
    path = tmp_path / "recent.nnstudio"
    save_as(window, path)
    assert files.recent(window.settings)[0] == Path(path).resolve()


def test_connection_tooltip_shows_weight_gradient_and_last_update(window, qtbot):
    trainer = window.live.trainer
    trainer.step_batch()
    qtbot.waitUntil(lambda: (trainer.latest or {}).get("step") == 1, timeout=20_000)
    snap = trainer.latest
    window.live.refresh_views()
    text = window.editor.scene._connection_tooltip(0, 1, 2)
    assert f"weight = {snap['weights'][0][1, 2]:.4g}" in text
    assert f"gradient = {snap['grads'][0][1, 2]:.4g}" in text
    assert f"last update = {snap['updates'][0][1, 2]:.4g}" in text
    assert snap["updates"][0][1, 2] != 0  # one SGD/Adam step really moved this weight


def test_the_code_dock_sits_beside_the_canvas_and_follows_edits(window):
    assert window.dockWidgetArea(window.code_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert window.code_dock.widget() is window.code_view
    assert window.code_dock.toggleViewAction().text() == "Code"  # in View > Panels
    window.controller.push(edits.InsertLayer(0, units=3, activation="elu"))
    assert 'layers.Dense(3, activation="elu")' in window.code_view.text("keras")


def _csv_project(folder, path_in_project: str):
    from nnstudio.io import project_bytes

    doc = examples.example("xor")
    doc.data = {"source": "csv", "path": path_in_project, "label": "label"}
    project = folder / "p.nnstudio"
    project.write_bytes(project_bytes(doc))
    return project


GRADES = "x1,x2,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n"


def test_a_relative_data_path_is_read_from_the_projects_folder(window, tmp_path, monkeypatch):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "grades.csv").write_text(GRADES)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the working directory must not matter
    assert window.open_path(_csv_project(folder, "grades.csv"))
    assert window.data_panel.load_error() == ""
    assert len(window.live.dataset()) == 4


@pytest.mark.parametrize(("answer", "loaded"), [("yes", True), ("no", False)])
def test_data_outside_the_folder_is_read_only_when_the_student_agrees(
    window, tmp_path, monkeypatch, answer, loaded
):
    (tmp_path / "grades.csv").write_text(GRADES)
    folder = tmp_path / "course"
    folder.mkdir()
    asked = []

    def box(parent, icon, title, text, *args, **kwargs):
        asked.append(text)
        yes = QMessageBox.StandardButton.Yes
        return yes if answer == "yes" else QMessageBox.StandardButton.No

    monkeypatch.setattr(gui_messages, "box", box)
    assert window.open_path(_csv_project(folder, "../grades.csv"))
    assert len(asked) == 1 and "outside the project's folder" in asked[0]
    assert (window.live.dataset() is not None) is loaded
    assert ("outside the project's folder" in window.data_panel.load_error()) is not loaded


def test_the_default_pace_is_watchable_and_full_speed_is_one_click_and_remembered(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings)
    controls = win.live.controls
    # 20 steps/s: XOR's 40 steps an epoch make a clean boundary in tens of seconds, not 1 s.
    assert controls.steps_per_s() == 20.0
    assert win.live.trainer._step_interval == pytest.approx(1 / 20)
    controls.full_speed.click()
    assert controls.steps_per_s() == 0.0 and win.live.trainer._step_interval == 0.0
    assert float(settings.value("training/steps_per_s")) == 0.0
    win.live.shutdown()
    win.close()
    again = MainWindow(settings=settings)
    assert again.live.controls.steps_per_s() == 0.0 and again.live.controls.full_speed.isChecked()
    again.live.controls.full_speed.click()  # back to the pace watched before
    assert again.live.controls.steps_per_s() == 20.0
    assert float(settings.value("training/steps_per_s")) == 20.0
    again.live.shutdown()
    again.close()


def test_space_on_a_focused_toolbox_item_adds_a_layer_instead_of_playing(window, qtbot):
    before = len(_hidden_units(window))
    button = window.editor.toolbox.dense_button
    button.setFocus()
    qtbot.waitUntil(button.hasFocus, timeout=2000)
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert len(_hidden_units(window)) == before + 1
    assert window.live.trainer.state != RUNNING


def test_enter_on_the_canvas_opens_the_selections_properties(window, qtbot):
    window.code_dock.raise_()
    view = window.editor.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            window.properties.isVisible()
            and window.properties.visibleRegion().boundingRect().height() > 0
        ),
        timeout=2000,
    )
    assert window.properties.stack.currentWidget() is window.properties.layer_page
