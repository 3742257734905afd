"""Frames cost little: long curves are drawn at about two points per pixel, peaks kept."""

import numpy as np

from nnstudio.gui.plots.loss import LossView


class _Job:
    """What ``LossView.set_job`` reads of a job."""

    view = {"task": "binary"}
    has_validation = True


def _snapshot(n: int) -> dict:
    epochs = np.arange(1, n + 1, dtype=float)
    loss = 1.0 / epochs
    loss[n // 2] = 5.0  # one spike: downsampling must keep it
    return {
        "epoch_loss": (epochs, loss),
        "val_loss": (epochs, loss * 1.1),
        "accuracy": (epochs, 1 - loss / 5),
        "val_accuracy": (epochs, 1 - loss / 4),
        "batch_loss": (epochs * 10, loss),
        "batches_per_epoch": 10,
        "step": 10 * n,
    }


def _shown_loss_view(qtbot) -> LossView:
    """A loss view on screen at the size of a docked one, with a job."""
    view = LossView()
    qtbot.addWidget(view)
    view.resize(530, 420)
    view.show()
    qtbot.waitExposed(view)
    view.set_job(_Job())  # type: ignore[arg-type]
    return view


def test_a_long_curve_is_drawn_at_two_points_per_pixel_with_its_peaks(qtbot):
    view = _shown_loss_view(qtbot)
    view.draw(_snapshot(4096))
    width = view.train_curve.getViewBox().width()
    assert 100 < width < 530
    for curve in view.curves_list():
        x, y = curve.getData()  # what is drawn, after clipping and downsampling
        assert len(x) <= 2 * width + 4, (len(x), width)
        assert len(x) >= width  # still one bucket per pixel at least: no detail lost
    x, y = view.train_curve.getData()
    assert y.max() == 5.0  # the spike survives ("peak" keeps each bucket's extremes)


def test_a_short_curve_is_drawn_point_for_point(qtbot):
    view = _shown_loss_view(qtbot)
    snap = _snapshot(120)
    view.draw(snap)
    x, y = view.train_curve.getData()
    np.testing.assert_array_equal(x, snap["epoch_loss"][0])
    np.testing.assert_array_equal(y, snap["epoch_loss"][1])


def test_a_canvas_frame_blits_the_greyed_cross_nodes_instead_of_painting_them(qtbot, monkeypatch):
    """Live training repaints the whole canvas each frame; unchanged items come from a cache."""
    from PySide6.QtWidgets import QApplication

    from nnstudio.gui.editor import NetworkEditor, crosses
    from nnstudio.gui.undo import DocumentController

    painted = []

    class CrossToggleItem(crosses.CrossToggleItem):
        def paint(self, *args) -> None:
            painted.append(self)
            super().paint(*args)

    monkeypatch.setattr(crosses, "CrossToggleItem", CrossToggleItem)
    editor = NetworkEditor(DocumentController())
    qtbot.addWidget(editor)
    editor.resize(900, 600)
    editor.show()
    qtbot.waitExposed(editor)
    editor.scene.sync()
    editor.view.zoom_fit()
    QApplication.processEvents()
    toggles = [i for i in editor.scene.items() if isinstance(i, CrossToggleItem)]
    assert len(toggles) == 5  # a two-input network offers all five crosses
    viewport = editor.view.viewport()
    viewport.repaint()  # the first frame fills each item's cache
    first = len(painted)
    for _ in range(3):
        viewport.repaint()  # what every training frame does
    assert first > 0  # the items were in view
    assert len(painted) == first


def test_a_new_weight_scale_repaints_the_canvas_legend_once(qtbot):
    """Doubled weights keep every colour but change the legend's numbers: one repaint."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from nnstudio.gui.editor import NetworkEditor
    from nnstudio.gui.undo import DocumentController

    class Paints(QObject):
        count = 0

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    editor = NetworkEditor(DocumentController())
    qtbot.addWidget(editor)
    editor.resize(900, 600)
    editor.show()
    qtbot.waitExposed(editor)
    scene = editor.scene
    weights = [w * 0 + 0.5 for w in scene.weights()]
    scene.set_live_values(weights)
    QApplication.processEvents()
    paints = Paints()
    editor.view.viewport().installEventFilter(paints)
    scale = scene.scale
    scene.set_live_values([w * 2 for w in weights])
    QApplication.processEvents()
    assert scene.scale == 2 * scale
    assert paints.count == 1


def test_the_race_panel_paints_reports_once_per_frame_and_asks_for_the_next(qtbot):
    """The frame clock paces a race as it paces live training: paint, then ask for one more."""
    from nnstudio.gui.lab.race import RaceController

    class Commands:
        def __init__(self) -> None:
            self.sent: list[tuple] = []

        def send(self, message: tuple) -> None:
            self.sent.append(message)

    race = RaceController()
    commands = Commands()
    race._link = (None, commands, None)  # a race process that only records what it is sent
    race.race_id, race.running = 3, True
    painted = []
    race.progress.connect(lambda race_id, reports: painted.append(reports))
    race._on_event("progress", 3, ["first"])
    assert painted == [["first"]] and commands.sent == [("frame",)]  # idle clock: at once
    race._on_event("progress", 3, ["second"])
    race._on_event("progress", 3, ["third"])
    assert painted == [["first"]]  # within the frame: the newest waits for the next tick
    qtbot.waitUntil(lambda: len(painted) == 2, timeout=1000)
    assert painted[1] == ["third"] and commands.sent == [("frame",)] * 2
    race._on_event("progress", 2, ["old race"])  # news of a replaced race: never painted
    race._on_event("progress", 3, ["fourth"])
    assert race.clock.pending is not None
    done = []
    race.done.connect(lambda race_id, reports: done.append(reports))
    race._on_event("done", 3, ["final"])  # the final reports replace the waiting frame
    assert done == [["final"]] and race.clock.pending is None and len(painted) == 2
    race._link = None
