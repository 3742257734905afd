"""The teaching lab in the window: loss landscape, replay and races, driven like a student."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio import live
from nnstudio.engine import Network
from nnstudio.examples import example
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.training import FINISHED, PAUSED
from nnstudio.live.landscape import Axis, losses_at
from nnstudio.live.race import race_document


def show(win: MainWindow, title: str) -> None:
    dock = next(d for d in win.lab_docks if d.windowTitle() == title)
    dock.show()
    dock.raise_()


def train(win: MainWindow, qtbot, epochs: int) -> None:
    win.controller.document.training["epochs"] = epochs  # as typed in the Epochs field
    win.live.load_job()
    trainer = win.live.trainer
    with qtbot.waitSignal(
        trainer.stateChanged, timeout=60_000, check_params_cb=lambda s: s in (FINISHED, PAUSED)
    ):
        win.live.controls.play_action.trigger()
    qtbot.waitUntil(lambda: win.controller.document.epochs == epochs, timeout=5000)


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_landscape_of_the_course_line_follows_a_gradient_step(open_window, qtbot):
    """Lesson 5: the loss over (m, b) from m = -1, b = 5 (mse 2.5), then one step at lr 0.1."""
    win = open_window(example("course_line"))
    panel = win.lab.landscape
    show(win, "Landscape")
    qtbot.waitUntil(lambda: panel.result is not None, timeout=10_000)
    scape = panel.result
    assert [a.label() for a in scape.axes] == ["w1[1→1]", "b1[1]"]  # picked automatically
    assert scape.centre == [-1.0, 5.0] and scape.current_loss == pytest.approx(2.5)
    job = win.live.trainer.job
    net = Network(job.spec)
    net.set_weights(job.weights)
    for i, j in ((0, 0), (17, 42), (59, 3)):
        probe = Network(job.spec)
        probe.set_weights([np.array([[scape.xs[j]]]), np.array([scape.ys[i]])])
        assert scape.loss[i, j] == pytest.approx(probe.loss(job.X_train, job.y_train), abs=1e-9)
    with qtbot.waitSignal(panel.computed, timeout=10_000):
        win.live.controls.step_epoch_action.trigger()
    qtbot.waitUntil(lambda: panel.result.centre != [-1.0, 5.0], timeout=10_000)
    assert panel.result.centre == pytest.approx([-0.7, 5.1])
    np.testing.assert_allclose(np.array(list(panel.path), dtype=float), [[-1.0, 5.0], [-0.7, 5.1]])
    np.testing.assert_allclose(panel.path_item.getData()[0], [-1.0, -0.7])
    panel.one_button.click()  # one weight: the loss curve with its tangent
    qtbot.waitUntil(lambda: panel.result.ys is None, timeout=10_000)
    # After the step: errors (-0.7 + 5.1 - 3, -1.4 + 5.1 - 5) = (1.4, -1.3): slope 1.4 - 2.6.
    assert panel.result.slope == pytest.approx(1.4 - 2 * 1.3)
    assert panel.tangent.getData()[1] is not None


def test_landscape_axes_are_chosen_on_the_canvas(open_window, qtbot):
    win = open_window(example("xor"))
    panel = win.lab.landscape
    show(win, "Landscape")
    assert panel.axes == [] and "Pick one or two parameters" in panel.note.text()
    win.editor.select(("connection", 0, 1, 2))  # input 2 -> hidden neuron 3
    panel.x_button.click()
    win.editor.select(("neuron", 1, 0))  # the output neuron's bias
    panel.y_button.click()
    assert panel.axes == [Axis(0, 1, 2), Axis(1, None, 0)]
    qtbot.waitUntil(
        lambda: panel.result is not None and panel.result.axes == panel.axes, timeout=10_000
    )
    job = win.live.trainer.job
    net = Network(job.spec)
    net.set_weights(panel.weights)
    values = np.column_stack([panel.result.xs[:5], panel.result.ys[:5]])
    want = losses_at(net, job.X_train, job.y_train, panel.axes, values)
    np.testing.assert_allclose(np.diag(panel.result.loss[:5, :5]), want, atol=1e-12)
    win.editor.select(("layer", 0))
    panel.x_button.click()
    assert "Select a connection" in panel.note.text()


def test_replay_shows_a_kept_epoch_and_continues_from_it(open_window, qtbot):
    doc = example("xor")
    win = open_window(doc.copy())
    panel = win.lab.replay
    show(win, "Replay")
    train(win, qtbot, 8)
    qtbot.waitUntil(lambda: len(panel.frames) == 9, timeout=5000)  # epochs 0 to 8
    assert panel.slider.isEnabled()
    panel.marker.setValue(5.8)  # dragged along the loss curve: the nearest kept epoch
    panel.marker.sigDragged.emit(panel.marker)
    assert panel.slider.value() == 6 and panel.shown.epoch == 6
    panel.slider.setValue(3)
    assert panel.shown.epoch == 3 and "Showing epoch 3" in panel.label.text()
    alone = doc.copy()
    live.train(alone, epochs=3)  # the same run, stopped after 3 epochs
    assert same(win.editor.scene.weights(), alone.weights)  # the canvas shows epoch 3
    win.weights_dock.raise_()  # a view in a background tab draws when it is shown
    qtbot.waitUntil(lambda: same(win.live.views.weights.snap["weights"], alone.weights))
    assert win.lab.landscape.weights is not None and same(win.lab.landscape.weights, alone.weights)
    panel.continue_button.click()
    document = win.controller.document
    assert document.epochs == 3 and same(document.weights, alone.weights)
    assert document.history["loss"] == alone.history["loss"]
    assert win.controller.undo_stack.undoText() == "Continue from epoch 3"
    win.controller.undo_stack.undo()
    assert win.controller.document.epochs == 8


def test_a_race_in_the_window_equals_the_runs_trained_alone(open_window, qtbot):
    doc = example("xor")
    doc.training["epochs"] = 4
    win = open_window(doc.copy())
    panel = win.lab.race
    show(win, "Race")
    for row, ticked in zip(panel.rows, [True, True, False, False, False, False], strict=True):
        row.tick.setChecked(ticked)
    panel.rows[1].set("adam", 0.02)
    with qtbot.waitSignal(panel.race.done, timeout=60_000):
        panel.start_button.click()
        assert not panel.start_button.isEnabled()
    assert panel.table.rowCount() == 2
    assert [panel.table.item(r, 1).text() for r in range(2)] == ["sgd, lr 0.03", "adam, lr 0.02"]
    assert [panel.table.item(r, 2).text() for r in range(2)] == ["4", "4"]
    assert [panel.table.item(r, 8).text() for r in range(2)] == ["done", "done"]
    configs = [panel.rows[0].config(), panel.rows[1].config()]
    for report, config in zip(panel.reports, configs, strict=True):
        alone = race_document(doc, config)
        live.train(alone, epochs=4)
        assert same(report["progress"].weights, alone.weights)
        assert (
            panel.table.item(panel.reports.index(report), 3).text()
            == f"{alone.history['loss'][-1]:.4g}"
        )
    assert len(panel.curves[0].getData()[0]) == 4
    assert panel.thumb_items[0][1].image.shape == (40, 40)
    assert win.controller.document.epochs == 0  # a race leaves the project alone
    with qtbot.waitSignal(panel.race.done, timeout=60_000):
        panel.preset_button.click()  # one click: set the three rows and race them
    lrs = [row.lr.value() for row in panel.rows[:3]]
    assert lrs == pytest.approx([0.0001, 0.01, 1.0])  # the project's adam at 0.01: / 100, x 100
    assert [row.tick.isChecked() for row in panel.rows] == [True] * 3 + [False] * 3
    assert panel.table.rowCount() == 5  # the first race's runs are kept
    assert panel.table.item(2, 1).text() == "too small: adam, lr 0.0001"
    assert panel.table.item(4, 1).text() == "too large: adam, lr 1"
    panel.rows[0].lr.setValue(0.005)  # edited by hand: no longer "too small"
    assert panel.entrants()[0][0] == "adam, lr 0.005"


def test_stop_ends_a_race_and_keeps_its_runs_as_stopped(open_window, qtbot):
    doc = example("xor")
    doc.training["epochs"] = 100_000  # far more than the test waits for
    win = open_window(doc)
    panel = win.lab.race
    show(win, "Race")
    with qtbot.waitSignal(panel.race.progress, timeout=60_000):
        panel.start_button.click()
    with qtbot.waitSignal(panel.race.done, timeout=10_000):
        panel.stop_button.click()
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    rows = range(panel.table.rowCount())
    assert [panel.table.item(r, 8).text() for r in rows] == ["stopped"] * 4
    epochs = [int(panel.table.item(r, 2).text()) for r in rows]
    assert 0 < max(epochs) < 100_000  # stopped within a turn
