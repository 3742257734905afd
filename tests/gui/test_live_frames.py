"""One frame clock: each snapshot painted at most once, the newest one, and curves from deltas."""

import multiprocessing

import numpy as np

from nnstudio.gui.editor import NetworkEditor
from nnstudio.gui.frames import FrameClock
from nnstudio.gui.live import LiveTraining
from nnstudio.gui.plots.loss import LossView
from nnstudio.gui.training import FINISHED, TrainingController
from nnstudio.gui.undo import DocumentController


def plotted(curve):
    """The y values a pyqtgraph curve was given (it keeps None for none)."""
    return np.asarray([] if curve.yData is None else curve.yData)


def test_the_clock_paints_the_newest_snapshot_once_and_at_once_when_idle(qtbot):
    clock = FrameClock(interval_ms=20)
    painted, ready = [], []
    clock.frame.connect(lambda snap: painted.append(snap["n"]))
    clock.ready.connect(lambda: ready.append(1))
    clock.offer({"n": 1})
    assert painted == [1]  # idle: painted at once
    clock.offer({"n": 2})
    clock.offer({"n": 3})
    assert painted == [1]  # within the frame: the newest waits
    with qtbot.waitSignal(clock.frame, timeout=2000):
        pass
    assert painted == [1, 3]  # 2 was never painted
    qtbot.waitUntil(lambda: not clock.ticking, timeout=2000)
    assert painted == [1, 3] and len(ready) == 2  # a tick with nothing new paints nothing
    clock.offer({"n": 4})
    assert painted == [1, 3, 4]  # idle again: at once
    clock.offer({"n": 5})
    clock.flush()  # a state change: now
    clock.flush()  # nothing waits: nothing painted twice
    assert painted == [1, 3, 4, 5] and clock.pending is None


def test_a_run_of_600_epochs_plots_its_whole_history_each_frame_once(qtbot, xor_job):
    controller = TrainingController()
    view = LossView()
    qtbot.addWidget(view)
    view.show()
    controller.jobLoaded.connect(view.set_job)
    controller.snapshot.connect(view.update_snapshot)
    frames, results = [], []
    controller.snapshot.connect(frames.append)
    controller.resultReady.connect(results.append)
    try:
        controller.load_job(xor_job(epochs=600))
        controller.set_speed(0)
        controller.play()
        with qtbot.waitSignal(
            controller.stateChanged, timeout=60_000, check_params_cb=lambda s: s == FINISHED
        ):
            pass
    finally:
        controller.shutdown()
    assert multiprocessing.active_children() == []
    history = results[-1].history
    assert len(history["loss"]) == 600
    assert len({id(f) for f in frames}) == len(frames) > 1  # no snapshot painted twice
    x, y = view.train_curve.xData, view.train_curve.yData  # what the plot was given
    np.testing.assert_array_equal(x, np.arange(1, 601))
    np.testing.assert_array_equal(y, history["loss"])
    np.testing.assert_array_equal(view.val_curve.yData, history["val_loss"])
    np.testing.assert_array_equal(view.acc_curve.yData, history["accuracy"])


def test_reset_starts_the_curves_afresh_and_undo_brings_them_back(qtbot):
    controller = DocumentController()
    editor = NetworkEditor(controller)
    qtbot.addWidget(editor)
    live = LiveTraining(controller, editor)
    view = live.views.loss
    qtbot.addWidget(view)
    view.show()
    curves = live.trainer.stream.curves["epoch_loss"]

    def shows_epoch(epoch):
        latest = live.trainer.latest
        painted = live.trainer.clock.pending is None
        return latest is not None and latest["epoch"] == epoch and painted

    try:
        assert live.train_headless(30)
        history = list(controller.document.history["loss"])
        assert len(history) == 30 and list(curves.y) == history
        live.reset()
        qtbot.waitUntil(lambda: shows_epoch(0), timeout=10_000)
        assert len(curves) == 0 and plotted(view.train_curve).size == 0
        controller.undo()
        qtbot.waitUntil(lambda: shows_epoch(30), timeout=10_000)
        assert list(curves.y) == history
        np.testing.assert_array_equal(view.train_curve.yData, history)
    finally:
        live.shutdown()
