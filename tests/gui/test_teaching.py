"""The teaching lab in the window: each lesson opened from the Lessons menu, its steps done
with the window's controls, its numbers found in the Inspector and ticked in the Lesson panel;
typed answers marked; the gradient check and unit health; a sample pinned from the Boundary."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import QLineEdit

from nnstudio.document import Document, edits
from nnstudio.examples import example
from nnstudio.gui.lessons.steps import do_step
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.training import FINISHED, PAUSED
from nnstudio.teaching.lesson_file import Expect, read_lesson
from nnstudio.teaching.lessons import builtin_lessons, find_lesson

TRAINING = ("step_batch", "step_epoch", "train")


@pytest.fixture
def window(qtbot, tmp_path):
    QStandardPaths.setTestModeEnabled(True)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    settings.setValue("training/steps_per_s", 0)  # full speed: the test waits for training
    win = MainWindow(None, settings=settings)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: win.live.trainer.latest is not None, timeout=20_000)
    yield win
    win.live.shutdown()
    win.controller.undo_stack.setClean()
    win.close()


def settle(win: MainWindow, qtbot) -> None:
    """Let the deferred refreshes run (the panels recompute on a zero-delay timer)."""
    t = win.teaching
    qtbot.waitUntil(
        lambda: not t.inspector._timer.isActive() and not t.lesson_panel._timer.isActive(),
        timeout=5000,
    )


def open_from_menu(win: MainWindow, qtbot, stem: str) -> None:
    """Click the lesson's entry in the Lessons menu."""
    menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Lessons")
    title = read_lesson(find_lesson(stem)).title
    next(a for a in menu.actions() if a.text() == title).trigger()
    qtbot.waitUntil(lambda: win.teaching.lesson_panel.lesson is not None, timeout=5000)
    settle(win, qtbot)


def perform(win: MainWindow, qtbot, action: dict) -> None:
    """Do a step with the controls; a training step is waited for until its result is in."""
    doc = win.controller
    before = (doc.document.epochs, doc.document.progress.steps)
    trainer = win.live.trainer
    if action["action"] in TRAINING:
        qtbot.waitUntil(lambda: trainer.job is not None and trainer.is_running(), timeout=20_000)
    do_step(win, action)
    if action["action"] in TRAINING:
        qtbot.waitUntil(
            lambda: (
                (doc.document.epochs, doc.document.progress.steps) != before
                and trainer.state in (FINISHED, PAUSED)
            ),
            timeout=120_000,
        )
    settle(win, qtbot)


def summary_number(win: MainWindow, label: str) -> float:
    text = win.teaching.inspector.summary.text()
    match = re.search(re.escape(label) + r" = (-?[0-9.e+-]+)", text)
    assert match, f"{label!r} not in {text!r}"
    return float(match[1])


def shown_in_inspector(win: MainWindow, qtbot, expect: Expect) -> float | None:
    """The number as the Inspector shows it (None: it shows in another view)."""
    q, insp = expect.quantity, win.teaching.inspector
    kind = q["of"]
    n_layers = len(win.controller.document.network["layers"])
    if kind in ("output", "node", "error", "target"):
        insp.pin(q.get("sample", 1) - 1)
        if kind == "output":
            return insp.nodes.value(f"{n_layers}.{q.get('unit', 1)}", "a")
        if kind == "node":
            return insp.nodes.value(f"{q['layer']}.{q['unit']}", q.get("field", "a"))
        return summary_number(win, "error ŷ − y" if kind == "error" else "target")
    if kind in ("weight", "gradient"):
        insp.pin(q["sample"] - 1 if "sample" in q else None)
        return insp.weights.value(q["name"], "value" if kind == "weight" else "gradient")
    if kind in ("loss", "rmse", "sum_squared_error"):
        insp.pin(None)
        label = {"loss": "loss", "rmse": "RMSE", "sum_squared_error": "total squared error"}
        return summary_number(win, label[kind])
    return None  # history and epochs: the Loss view and the training bar


@pytest.mark.parametrize("path", builtin_lessons(), ids=lambda p: p.stem)
def test_each_lesson_done_in_the_window_ticks_every_number(window, qtbot, path):
    win = window
    open_from_menu(win, qtbot, path.stem)
    panel, lesson = win.teaching.lesson_panel, win.teaching.lesson_panel.lesson
    assert lesson.name == path.stem
    assert win.teaching.lesson_dock.isVisible() and win.teaching.inspector_dock.isVisible()
    found = 0
    for s, step in enumerate(lesson.steps):
        assert panel.step == s
        if step.action is not None:
            perform(win, qtbot, step.action)
        for i, expect in enumerate(step.expect):
            assert panel.is_reached(s, i), (expect.label, panel.values.get((s, i)))
            if expect.compare == "equal":
                shown = shown_in_inspector(win, qtbot, expect)
                if shown is not None:
                    found += 1
                    # Shown to 6 significant digits: within the lesson's 4 decimals.
                    assert abs(shown - expect.value) <= expect.tolerance + 1e-6, expect.label
        if s + 1 < len(lesson.steps):
            panel.next.click()
    assert (
        panel.score.text() == f"{len(lesson.expectations)} of {len(lesson.expectations)} "
        "numbers found"
    )
    if path.stem.split("-")[0] in "123456":
        assert found == len(lesson.expectations)  # every number of lessons 1-6 is inspectable


def test_lesson_3_in_the_inspector_and_on_the_canvas(window, qtbot):
    win = window
    open_from_menu(win, qtbot, "3-one-weight")
    insp = win.teaching.inspector
    assert insp.sample == 0
    assert "Loss in use: mse" in insp.summary.text()
    row = {f: insp.weights.value("W1[1,1]", f) for f in insp.weights.fields[1:]}
    assert row == {
        "value": 2.0,
        "feeding": 3.0,
        "slope": 1.0,
        "dl_da": -8.0,
        "dl_dz": -8.0,
        "gradient": -24.0,
        "step": pytest.approx(-0.24),
        "after": pytest.approx(2.24),
    }
    assert [item.text() for item in win.teaching.probe.items] == ["x = 3", "z 6\na 6"]
    # The ½ convention, chosen in the settings bar: the formula above the table follows.
    win.settings_bar.loss.setCurrentIndex(win.settings_bar.loss.findData("half_mse"))
    settle(win, qtbot)
    assert "Loss in use: half_mse" in insp.summary.text() and "/ 2" in insp.summary.text()
    assert insp.weights.value("W1[1,1]", "gradient") == -12.0


def test_the_canvas_numbers_go_when_the_inspector_is_hidden(window, qtbot):
    win = window
    open_from_menu(win, qtbot, "1-baseline")
    probe = win.teaching.probe
    assert sorted(item.text() for item in probe.items) == [
        "x = 2", "x = 3", "z 1\na 1", "z 5\na 5", "z 9\na 9"
    ]  # fmt: skip
    win.teaching.inspector_dock.close()  # the student closes the Inspector
    win.controller.push(edits.SetValue(("network", "optimizer", "learning_rate"), 0.1))
    settle(win, qtbot)
    assert probe.items == []
    win.teaching.inspector_dock.show()
    win.teaching.inspector_dock.raise_()  # its tab to the front, as a click on it does
    qtbot.waitUntil(lambda: len(probe.items) == 5, timeout=5000)


def test_the_canvas_numbers_go_when_the_inspector_tab_is_behind_another(window, qtbot):
    win = window
    open_from_menu(win, qtbot, "1-baseline")
    probe = win.teaching.probe
    assert len(probe.items) == 5
    neighbour = win.tabifiedDockWidgets(win.teaching.inspector_dock)[0]
    neighbour.raise_()  # another tab in front of the Inspector's
    qtbot.waitUntil(lambda: probe.items == [], timeout=5000)
    win.teaching.inspector_dock.raise_()
    qtbot.waitUntil(lambda: len(probe.items) == 5, timeout=5000)


def test_a_lesson_links_to_the_code_dock(window, qtbot):
    win = window
    open_from_menu(win, qtbot, "3-one-weight")
    buttons = {b.text(): b for b in win.teaching.lesson_panel.link_buttons}
    assert set(buttons) == {"Show: Code dock", "Show: Loss landscape"}
    buttons["Show: Code dock"].click()
    qtbot.waitUntil(lambda: not win.code_dock.visibleRegion().isEmpty())
    assert "Dense(1" in win.code_view.editors["keras"].toPlainText()


def test_do_it_for_me_presses_step_batch(window, qtbot):
    win = window
    open_from_menu(win, qtbot, "3-one-weight")
    panel = win.teaching.lesson_panel
    assert not panel.do_it.isEnabled()  # step 1 is only looking
    panel.next.click()
    trainer = win.live.trainer
    qtbot.waitUntil(lambda: trainer.job is not None and trainer.is_running(), timeout=20_000)
    panel.do_it.click()
    qtbot.waitUntil(lambda: win.controller.document.progress.steps == 1, timeout=20_000)
    settle(win, qtbot)
    assert panel.is_reached(1, 0) and panel.values[(1, 0)] == pytest.approx(2.24)


def test_a_broken_lesson_file_changes_nothing(window, qtbot, tmp_path):
    win = window
    before = win.controller.document
    path = tmp_path / "broken.json"
    path.write_text('{"format": 1, "title": "x"}')
    assert not win.teaching.open_lesson(path, interactive=False)
    assert win.controller.document is before and win.teaching.lesson_panel.lesson is None


def test_typed_answers_are_marked_right_or_wrong(window, qtbot):
    win = window
    open_from_menu(win, qtbot, "3-one-weight")
    table = win.teaching.inspector.weights
    win.teaching.inspector.hide_box.setChecked(True)
    assert table.cell("W1[1,1]", "gradient").text() == ""  # an exercise sheet now
    with qtbot.waitSignal(table.answered) as wrong:
        table.type_answer("W1[1,1]", "gradient", "-12")
    assert wrong.args == ["W1[1,1]", "gradient", False]
    cell = table.cell("W1[1,1]", "gradient")
    assert cell.text() == "-12 ✗" and "-24" in cell.toolTip()
    with qtbot.waitSignal(table.answered) as right:
        table.type_answer("W1[1,1]", "after", "2.24")
    assert right.args == ["W1[1,1]", "after", True]
    assert table.cell("W1[1,1]", "after").text() == "2.24 ✓"
    nodes = win.teaching.inspector.nodes
    nodes.type_answer("1.1", "a", "6")
    assert nodes.cell("1.1", "a").text() == "6 ✓"
    settle(win, qtbot)  # answers survive a refresh
    assert table.cell("W1[1,1]", "gradient").text() == "-12 ✗"


def open_editors(table) -> list[QLineEdit]:
    """The cell editor now open (closed ones wait for deletion)."""
    return [e for e in table.findChildren(QLineEdit) if shiboken6.isValid(e) and e.isVisible()]


def test_typing_into_a_cell_with_the_keyboard_checks_the_answer(window, qtbot):
    """Typing the number the cell already shows is an answer too (and is marked right)."""
    win = window
    open_from_menu(win, qtbot, "4-two-inputs")
    win.teaching.inspector_dock.raise_()
    table = win.teaching.inspector.weights
    for text, mark in (("40", "✓"), ("30", "✗")):
        item = table.cell("W1[2,1]", "gradient")
        table.setFocus()
        table.setCurrentItem(item)
        table.editItem(item)
        qtbot.waitUntil(lambda: len(open_editors(table)) == 1)
        editor = open_editors(table)[0]
        editor.selectAll()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next turn
        qtbot.waitUntil(lambda: not table.editing(), timeout=2000)
        assert table.cell("W1[2,1]", "gradient").text() == f"{text} {mark}"


def test_check_gradients_button_reports_the_largest_difference(window, qtbot):
    win = window
    open_from_menu(win, qtbot, "5-line")
    insp = win.teaching.inspector
    insp.pin(None)
    insp.check_button.click()
    text = insp.check_result.text()
    assert text.startswith("Backpropagation and finite differences agree on all training rows")
    assert insp.result.max_relative < 1e-6 and insp.result.worst in ("W1[1,1]", "b1[1]")


def test_a_click_on_a_boundary_point_pins_that_sample(window, qtbot):
    win = window
    open_from_menu(win, qtbot, "9-overfitting")
    boundary = win.live.views.boundary
    qtbot.waitUntil(lambda: boundary.job is not None and len(boundary.train_points.points()) > 0)
    spot = boundary.train_points.points()[5]
    boundary.train_points.sigClicked.emit(boundary.train_points, [spot], None)
    insp = win.teaching.inspector
    ds = win.live.dataset()
    assert insp.sample is not None
    np.testing.assert_allclose(ds.X[insp.sample], [spot.pos().x(), spot.pos().y()])
    assert insp.rows.currentRow() == insp.sample + 1
    assert insp.inspection.n == 1 and len(insp.inspection.nodes) == 64 + 64 + 1


def test_unit_health_in_the_inspector(window, qtbot):
    doc = Document(
        network={
            "inputs": 1,
            "layers": [{"units": 2, "activation": "relu"}, {"units": 1, "activation": "linear"}],
            "loss": "mse",
            "seed": 0,
        },
        training={"validation_ratio": 0.0, "standardize": False},
        embedded={
            "X": np.array([[1.0], [2.0], [3.0]]),
            "y": np.array([1.0, 2.0, 3.0]),
            "feature_names": ["x"],
            "class_names": None,
            "task": "regression",
            "name": "three",
            "target_names": ["y"],
            "image_shape": None,
        },
        auto_output=False,
    )
    doc.weights = [np.array([[-1.0, 1.0]]), np.array([0.0, 0.0]), np.ones((2, 1)), np.zeros(1)]
    win = window
    win.files.new_document(doc)
    win.teaching.inspector_dock.raise_()  # hidden, it computes nothing
    insp = win.teaching.inspector
    qtbot.waitUntil(lambda: insp.subject is not None and insp.subject.doc is doc, timeout=5000)
    settle(win, qtbot)
    assert insp.tabs.tabText(2) == "Unit health (1)"
    assert insp.health.text().startswith("ReLU unit 1.1 outputs 0 on every training sample")


def test_a_large_data_set_is_inspected_when_asked(window, qtbot, monkeypatch):
    from nnstudio.gui.inspector import panel as inspector_panel

    monkeypatch.setattr(inspector_panel, "LARGE_VALUES", 100)  # iris (600 values) counts as large
    win = window
    win.files.new_document(example("iris"))
    insp = win.teaching.inspector
    win.teaching.inspector_dock.show()
    win.teaching.inspector_dock.raise_()
    insp.refresh()
    assert insp.inspect_button.isVisible() and insp.inspection is None
    assert "press 'Inspect this data set'" in insp.summary.text()
    qtbot.mouseClick(insp.inspect_button, Qt.MouseButton.LeftButton)
    assert insp.inspection is not None and not insp.inspect_button.isVisible()
    assert insp.weights.rowCount() > 0
