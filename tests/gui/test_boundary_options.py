"""The Boundary view's tick boxes and the regression view's axes, clicked like a student would.

Jobs are built from the built-in examples through the one training path (``job_from_document``)
and trained briefly with the engine; the snapshots come from the real ``Snapshotter``.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from nnstudio.engine import Network, fit
from nnstudio.examples import example
from nnstudio.gui import palette
from nnstudio.gui.plots.boundary import BoundaryView
from nnstudio.io import session
from nnstudio.live.job import job_from_document
from nnstudio.live.snapshot import Snapshotter


def trained(name: str, epochs: int = 5, grid: int = 40):
    """(job, snapshot) for a built-in example after a few epochs."""
    doc = example(name)
    job = job_from_document(doc, session.dataset(doc), grid=grid)
    net = Network(job.spec)
    fit(net, job.X_train, job.y_train, epochs=epochs, batch_size=10)
    snapper = Snapshotter(net, job.X_train, job.y_train, job.X_val, job.y_val, job.view)
    return job, snapper.snapshot({"batch": 0}, force=True)


@pytest.fixture
def shown(qtbot):
    """A shown Boundary view drawing ``name``'s snapshot."""

    def make(name: str) -> tuple[BoundaryView, dict]:
        job, snap = trained(name)
        view = BoundaryView()
        qtbot.addWidget(view)
        view.resize(420, 460)
        view.set_job(job)
        view.show()
        qtbot.waitExposed(view)
        view.update_snapshot(snap)
        return view, snap

    return make


def wheel(plot, vb) -> None:
    """One notch of the mouse wheel over the middle of the plot's data area."""
    centre = plot.mapFromScene(vb.sceneBoundingRect().center())
    event = QWheelEvent(
        QPointF(centre),
        QPointF(plot.viewport().mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(plot.viewport(), event)


def click(qtbot, box) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())


def test_training_and_validation_points_hide_and_show(qtbot, shown):
    view, _ = shown("xor")
    options = view.options
    assert view.train_points.isVisible() and view.val_points.isVisible()
    click(qtbot, options.training)
    assert not view.train_points.isVisible() and view.val_points.isVisible()
    click(qtbot, options.validation)
    assert not view.val_points.isVisible()
    click(qtbot, options.training)
    assert view.train_points.isVisible() and not view.val_points.isVisible()
    assert len(view.train_points.data) == 400  # hidden, never dropped: nothing to rebuild


def test_hard_regions_colour_each_side_of_one_half_fully_and_go_back(qtbot, shown):
    view, snap = shown("xor")
    grid = snap["boundary"]
    np.testing.assert_array_equal(view.image.image, grid)  # soft: the probabilities
    click(qtbot, view.options.hard)
    np.testing.assert_array_equal(view.image.image, (grid >= 0.5).astype(np.float32))
    assert 0 < view.image.image.mean() < 1  # both classes have a region after training
    click(qtbot, view.options.hard)
    np.testing.assert_array_equal(view.image.image, grid)


def test_hard_regions_for_many_classes_are_opaque_in_the_winning_class_colour(qtbot, shown):
    view, snap = shown("iris")
    prob = snap["boundary"]  # (n, n, 3)
    soft_alpha = view.image.image[..., 3].copy()
    assert soft_alpha.min() < 255  # unsure places fade
    click(qtbot, view.options.hard)
    rgba = view.image.image
    assert (rgba[..., 3] == 255).all()
    best = prob.argmax(axis=2)
    for k in range(3):
        if (best == k).any():
            assert (rgba[best == k, :3] == palette.class_rgb(k)).all()


def test_regression_has_no_hard_regions_and_axes_fit_points_and_curve(qtbot, shown):
    view, snap = shown("sine")
    assert not view.options.hard.isEnabled()
    vb = view.plot.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    xs, ys = view.train_points.getData()
    cx, cy = snap["curve"]
    shown_y = np.concatenate([ys, view.val_points.getData()[1], cy])
    shown_x = np.concatenate([xs, cx])
    # everything drawn is inside the axes ...
    assert y0 <= shown_y.min() and shown_y.max() <= y1
    assert x0 <= shown_x.min() and shown_x.max() <= x1
    # ... and fills them: the margins are 5 % a side, not 70 % of empty plot
    assert (shown_y.max() - shown_y.min()) / (y1 - y0) > 0.85
    assert (shown_x.max() - shown_x.min()) / (x1 - x0) > 0.85


def test_choices_are_remembered_in_the_settings(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "view.ini"), QSettings.Format.IniFormat)
    job, _ = trained("xor", epochs=1)
    first = BoundaryView()
    qtbot.addWidget(first)
    first.options.remember(settings)
    first.set_job(job)
    first.show()
    click(qtbot, first.options.validation)
    click(qtbot, first.options.hard)
    settings.sync()
    again = BoundaryView()  # the next session
    qtbot.addWidget(again)
    again.options.remember(QSettings(str(tmp_path / "view.ini"), QSettings.Format.IniFormat))
    again.set_job(job)
    again.show()
    choices = again.options.choices()
    assert (choices.training, choices.validation, choices.hard) == (True, False, True)
    assert again.train_points.isVisible() and not again.val_points.isVisible()


def test_the_window_keeps_the_choices_in_its_settings(qtbot, open_window):
    win = open_window()
    options = win.live.views.boundary.options
    click(qtbot, options.hard)
    assert win.settings.value("boundary/hard") in (True, "true")
    assert win.settings.value("boundary/training") in (True, "true")


def test_regression_axes_move_only_when_the_curve_leaves_them_or_the_student_zooms(qtbot, shown):
    view, snap = shown("sine")
    vb = view.plot.getPlotItem().getViewBox()
    xs, ys = snap["curve"]
    before = vb.viewRange()
    view.update_snapshot({"heavy_version": 101, "curve": (xs, ys * 0.99)})  # a small change
    assert vb.viewRange() == before  # no new ticks for a curve that still fits
    view.update_snapshot({"heavy_version": 102, "curve": (xs, ys * 3.0)})  # it leaves the axes
    (_, _), (y0, y1) = vb.viewRange()
    assert y0 <= (ys * 3.0).min() and (ys * 3.0).max() <= y1
    wheel(view.plot, vb)  # the student zooms with the mouse wheel ...
    panned = vb.viewRange()
    assert panned != before
    view.update_snapshot({"heavy_version": 103, "curve": (xs, ys * 9.0)})
    assert vb.viewRange() == panned  # ... and keeps the axes until the next job


def test_points_share_one_brush_per_class_in_their_class_colour(shown):
    """pyqtgraph draws one symbol per brush object: a brush per point drew 4,000 of them."""
    view, _snap = shown("xor")
    brushes = view.train_points.data["brush"]
    assert len({id(b) for b in brushes}) == 2
    labels = np.asarray(view.job.y_train)[: len(brushes)]
    for brush, label in zip(brushes, labels, strict=True):
        assert brush.color().getRgb()[:3] == palette.class_rgb(int(label))


def test_regression_points_come_in_a_few_shades(shown):
    view, _snap = shown("sine")
    brushes = view.train_points.data["brush"]
    assert 2 < len({id(b) for b in brushes}) <= 33


def test_the_data_thumbnail_and_the_boundary_start_on_the_same_pair(qtbot):
    from nnstudio.gui.widgets.data_thumbnail import DataThumbnail

    doc = example("iris")
    thumbnail = DataThumbnail()
    qtbot.addWidget(thumbnail)
    thumbnail.show_dataset(session.dataset(doc))
    view = BoundaryView()
    qtbot.addWidget(view)
    view.set_job(job_from_document(doc, session.dataset(doc)))
    axes = view.plot.getPlotItem()
    shown = (axes.getAxis("bottom").labelText, axes.getAxis("left").labelText)
    assert thumbnail.axis_names == shown == ("petal length (cm)", "petal width (cm)")
