"""Each live view updates from a real snapshot and reuses its plot items across updates."""

import numpy as np
import pytest

from nnstudio.document import normalize_training
from nnstudio.engine import Network, fit, normalize_spec
from nnstudio.gui.panels.training_controls import TrainingControls
from nnstudio.gui.plots.boundary import BoundaryView
from nnstudio.gui.plots.common import StickyScale
from nnstudio.gui.plots.confusion import ConfusionView
from nnstudio.gui.plots.images import SampleImagesView
from nnstudio.gui.plots.loss import LossView
from nnstudio.gui.plots.neurons import NeuronMapsView, tile
from nnstudio.gui.plots.weights import WeightsView, layer_matrices
from nnstudio.gui.training import TrainingController
from nnstudio.live.curves import SnapshotStream
from nnstudio.live.job import Job
from nnstudio.live.snapshot import Snapshotter


def make_job(inputs, classes, image_shape=None, n=120):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, inputs))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) if classes == 2 else rng.integers(0, classes, n)
    out = (
        {"units": 1, "activation": "sigmoid"}
        if classes == 2
        else {"units": classes, "activation": "softmax"}
    )
    spec = {
        "inputs": inputs,
        "layers": [{"units": 6, "activation": "tanh"}, {"units": 5, "activation": "relu"}, out],
        "loss": "binary_crossentropy" if classes == 2 else "categorical_crossentropy",
        "optimizer": {"name": "adam", "learning_rate": 0.01},
    }
    view = {
        "task": "binary" if classes == 2 else "multiclass",
        "classes": classes,
        "features": [0, 1],
        "mean": [1.0] * inputs,
        "scale": [2.0] * inputs,
        "image_shape": image_shape,
        "grid": 40,
    }
    return Job(
        spec=normalize_spec(spec),
        settings=normalize_training({"batch_size": 10, "epochs": 3}),
        X_train=X[:100],
        y_train=y[:100],
        X_val=X[100:],
        y_val=y[100:],
        view=view,
        class_names=[f"c{k}" for k in range(classes)],
    )


def snapshots(job, count=2):
    """Snapshots as the views get them: the worker's, with their curve deltas folded in."""
    net = Network(job.spec)
    snapper = Snapshotter(net, job.X_train, job.y_train, job.X_val, job.y_val, job.view)
    curves = SnapshotStream()
    out = []
    for _ in range(count):
        history = fit(
            net,
            job.X_train,
            job.y_train,
            epochs=1,
            batch_size=10,
            validation_data=(job.X_val, job.y_val),
        )
        snapper.recorder.on_batch(net.steps, history.history["loss"][-1])
        snapper.recorder.on_epoch(
            {"epoch": net.epochs, **{k: v[-1] for k, v in history.history.items()}}
        )
        snap = snapper.snapshot({"batch": 9}, force=True)
        snap["batches_per_epoch"] = 10
        out.append(curves.apply(snap))
    return out


def item_ids(widget):
    """Ids of every pyqtgraph item in the widget's scenes."""
    import pyqtgraph as pg

    ids = set()
    for view in widget.findChildren(pg.GraphicsView):
        ids |= {id(item) for item in view.scene().items()}
    return ids


@pytest.mark.parametrize(
    ("view_cls", "inputs", "classes", "image_shape"),
    [
        (LossView, 2, 2, None),
        (BoundaryView, 2, 2, None),
        (BoundaryView, 4, 3, None),
        (WeightsView, 2, 2, None),
        (NeuronMapsView, 2, 2, None),
        (SampleImagesView, 16, 3, (4, 4)),
        (ConfusionView, 16, 3, (4, 4)),
    ],
)
def test_view_updates_and_reuses_items(qtbot, view_cls, inputs, classes, image_shape):
    job = make_job(inputs, classes, image_shape)
    first, second = snapshots(job)
    view = view_cls()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.set_job(job)
    view.show()
    view.update_snapshot(first)
    before = item_ids(view)
    view.update_snapshot(second)
    assert item_ids(view) == before
    assert not view.grab().isNull()


def test_boundary_image_follows_the_grid(qtbot):
    job = make_job(2, 2)
    snap = snapshots(job, 1)[0]
    view = BoundaryView()
    qtbot.addWidget(view)
    view.set_job(job)
    view.show()
    view.update_snapshot(snap)
    assert view.image.image.shape == (40, 40)
    assert view.image.levels is not None and tuple(view.image.levels) == (0.0, 1.0)
    x0, x1, _y0, _y1 = snap["extent"]
    rect = view.image.mapRectToParent(view.image.boundingRect())
    assert rect.left() == pytest.approx(x0) and rect.right() == pytest.approx(x1)
    assert len(view.train_points.data) == 100 and len(view.val_points.data) == 20


def test_boundary_feature_pickers_ask_for_a_new_pair(qtbot):
    view = BoundaryView()
    qtbot.addWidget(view)
    view.set_job(make_job(4, 3))
    assert not view.pickers.isHidden()
    with qtbot.waitSignal(view.featuresChanged) as blocker:
        view.y_box.setCurrentIndex(3)
    assert blocker.args == [0, 3]


def test_loss_log_scale_and_hover(qtbot):
    job = make_job(2, 2)
    view = LossView()
    qtbot.addWidget(view)
    view.set_job(job)
    view.update_snapshot(snapshots(job)[1])
    view.set_log(True)
    assert view.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    view._on_mouse(view.loss_plot.getPlotItem().vb.sceneBoundingRect().center())
    assert view.hover.text().startswith("epoch ")
    assert view.vline.isVisible()


def test_weight_matrices_put_the_bias_last():
    W, b = np.arange(6.0).reshape(2, 3), np.array([7.0, 8.0, 9.0])
    (m,) = layer_matrices([W, b])
    np.testing.assert_array_equal(m, [[0, 3, 7], [1, 4, 8], [2, 5, 9]])


def test_neuron_tiles_scale_each_layer():
    maps = [np.full((3, 4, 4), 2.0), np.full((10, 4, 4), -0.5)]
    image = tile(maps)
    assert np.nanmax(image) == 1.0 and np.nanmin(image) == -1.0
    assert image.shape == (3 * 6, 8 * 6)


def test_controls_enable_by_state(qtbot):
    controller = TrainingController()
    controls = TrainingControls(controller)
    qtbot.addWidget(controls)
    assert not controls.play_action.isEnabled()
    controller.job = make_job(2, 2)
    controls.set_state("running")
    assert controls.play_action.text() == "Pause"
    assert not controls.step_batch_action.isEnabled() and not controls.reset_action.isEnabled()
    controls.set_state("paused")
    assert controls.play_action.text() == "Play" and controls.step_batch_action.isEnabled()
    snap = snapshots(make_job(2, 2), 1)[0]
    controls.update_snapshot({**snap, "samples_per_s": 1234.5})
    assert controls.values["speed"].text() == "0"  # paused: nothing is processed now
    controller.state = "running"
    controls.update_snapshot({**snap, "samples_per_s": 1234.5})
    assert controls.values["speed"].text() == "1234"
    assert controls.values["step"].text() == "10"
    assert controls.values["loss"].text() != "–"
    assert controls.play_action.shortcut().toString() == "Space"


def test_hidden_view_catches_up_when_shown(qtbot):
    job = make_job(2, 2)
    snap = snapshots(job, 1)[0]
    view = NeuronMapsView()
    qtbot.addWidget(view)
    view.set_job(job)
    view.update_snapshot(snap)  # hidden: nothing drawn yet
    assert view.image.image is None
    view.show()
    assert view.image.image is not None


def test_sticky_scale_grows_at_once_and_shrinks_late():
    scale = StickyScale(hold_s=60.0)
    assert scale.update(0.7) == 1.0
    assert [scale.update(v) for v in (1.1, 0.9, 1.2, 0.8)] == [2.0, 2.0, 2.0, 2.0]  # no flicker
    quick = StickyScale(hold_s=0.0)
    quick.update(1.5)
    assert quick.update(0.3) == 2.0  # the first smaller value only starts the clock
    assert quick.update(0.3) == 0.5


def test_a_view_draws_every_frame_it_is_given_and_a_hidden_one_catches_up_when_shown(qtbot):
    job = make_job(2, 2)
    first, second = snapshots(job)
    view = WeightsView()
    qtbot.addWidget(view)
    view.set_job(job)
    view.show()
    view.update_snapshot(first)
    assert view.snap is first
    view.update_snapshot(second)  # the frame clock already spaced them: drawn at once
    assert view.snap is second
    view.hide()
    view.update_snapshot(first)  # hidden: no work
    assert view.snap is second
    view.show()
    assert view.snap is first


def test_boundary_says_when_other_inputs_are_held_at_their_mean(qtbot):
    view = BoundaryView()
    qtbot.addWidget(view)
    view.show()
    view.set_job(make_job(4, 3))
    assert view.note.isVisible() and "other features are held at their means" in view.note.text()
    view.set_job(make_job(2, 2))
    assert not view.note.isVisible()
    assert view.plot.getPlotItem().getViewBox().state["aspectLocked"]  # one scale on both axes


def test_a_large_data_set_draws_an_even_sample_of_its_points(qtbot):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60_000, 2))
    y = (X[:, 0] > 0).astype(int)
    job = make_job(2, 2)
    job.X_train, job.y_train = X, y
    view = BoundaryView()
    qtbot.addWidget(view)
    view.set_job(job)
    xs, ys = view.train_points.getData()
    assert len(xs) == 2000
    rows = np.linspace(0, 59_999, 2000).astype(int)
    np.testing.assert_allclose(xs, X[rows, 0] * 2.0 + 1.0)  # raw units: x * scale + mean
    np.testing.assert_allclose(ys, X[rows, 1] * 2.0 + 1.0)


def test_the_weights_view_redraws_matrices_only_for_new_weights(qtbot):
    job = make_job(2, 2)
    first, second = snapshots(job)
    view = WeightsView()
    qtbot.addWidget(view)
    view.set_job(job)
    view.show()
    view.update_snapshot(first)
    image = view.w_images[0].image
    same = {**second, "weights": first["weights"], "grads": first["grads"]}  # none were due
    view.update_snapshot(same)
    assert view.w_images[0].image is image  # not set again
    assert view.snap is same  # but the gradient-size curves follow the frame
    view.update_snapshot(second)
    np.testing.assert_array_equal(view.w_images[0].image, layer_matrices(second["weights"])[0])


@pytest.mark.parametrize(
    ("epochs", "axis_end"), [(30, 30), (300, 300), (200, 200), (101, 120), (7, 8)]
)
def test_a_finished_run_fills_most_of_the_epoch_axis(qtbot, epochs, axis_end):
    """The axis ends on 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 x 10^k: never a third empty."""
    import pyqtgraph as pg

    from nnstudio.gui.plots.common import RangeKeeper

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    keeper = RangeKeeper(widget.getPlotItem())
    keeper.update(epochs, np.array([1.0, 0.5]))
    _low, high = widget.getPlotItem().getViewBox().viewRange()[0]
    assert axis_end <= high <= 1.05 * axis_end  # the end, plus a little padding
    assert epochs / axis_end > 0.8
