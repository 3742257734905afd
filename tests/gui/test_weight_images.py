"""Image data: first-layer neurons are drawn as their incoming weights in the image's shape.

Both the Neurons view and the pictures on the canvas: each tile must be the weight column of
its neuron reshaped to H x W (values checked against the weights, not only that something was
drawn). The expected colours are worked out here from the palette's formula.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import Network, fit
from nnstudio.examples import example
from nnstudio.gui import palette
from nnstudio.gui.plots.neurons import COLUMNS, GAP, NeuronMapsView, row_ticks
from nnstudio.io import session
from nnstudio.live.job import job_from_document
from nnstudio.live.snapshot import Snapshotter


@pytest.fixture(scope="module")
def digits():
    """(job, snapshot) of the digits example after two epochs."""
    doc = example("digits")
    job = job_from_document(doc, session.dataset(doc), grid=20)
    net = Network(job.spec)
    fit(net, job.X_train, job.y_train, epochs=2, batch_size=32)
    snapper = Snapshotter(net, job.X_train, job.y_train, job.X_val, job.y_val, job.view)
    return job, snapper.snapshot({"batch": 0}, force=True)


def test_the_neurons_view_tiles_each_first_layer_neurons_weights_as_an_image(qtbot, digits):
    job, snap = digits
    view = NeuronMapsView()
    qtbot.addWidget(view)
    view.set_job(job)
    view.show()
    view.update_snapshot(snap)
    W = snap["weights"][0]  # (64 pixels, 32 neurons)
    assert W.shape == (64, 32)
    shown = view.image.image
    scale = np.abs(W).max()
    for j in (0, 5, 8, 31):  # first row, middle, second row, last
        r, c = divmod(j, COLUMNS)
        top, left = r * (8 + GAP), c * (8 + GAP)
        tile = shown[top : top + 8, left : left + 8]
        # pixel (row, col) of the tile is the weight from pixel (row, col) of the image
        np.testing.assert_allclose(tile, W[:, j].reshape(8, 8) / scale, rtol=1e-6)
    assert shown.shape == (4 * (8 + GAP), COLUMNS * (8 + GAP))  # 32 neurons: 4 rows of 8
    assert np.isnan(shown[8, 0])  # the gap between tiles is transparent
    assert view.plot.getPlotItem().titleLabel.text == "Layer 1 weights, one image per neuron"
    # rows are named by the neurons they hold: 1-8 under "layer 1", then 9-16, ...
    assert [name for _, name in row_ticks([W.T.reshape(32, 8, 8)], 8)] == [
        "layer 1",
        "9–16",
        "17–24",
        "25–32",
    ]
    assert "the pattern the neuron looks for" in view.note.text()
    assert "two inputs" not in view.note.text()


def test_two_input_data_keeps_the_activation_maps(qtbot, xor_job):
    job = xor_job(grid=20)
    net = Network(job.spec)
    snap = Snapshotter(net, job.X_train, job.y_train, job.X_val, job.y_val, job.view).snapshot(
        {"batch": 0}, force=True
    )
    view = NeuronMapsView()
    qtbot.addWidget(view)
    view.set_job(job)
    view.show()
    view.update_snapshot(snap)
    maps = snap["neuron_maps"][0]
    h = maps.shape[1]
    s = np.abs(maps).max()
    np.testing.assert_allclose(view.image.image[:h, :h], maps[0, ::-1] / s, rtol=1e-6)
    assert "two inputs" in view.note.text() and "held at their means" not in view.note.text()


def test_wider_data_says_the_other_features_are_held_at_their_means(qtbot):
    doc = example("iris")
    job = job_from_document(doc, session.dataset(doc), grid=10)
    view = NeuronMapsView()
    qtbot.addWidget(view)
    view.set_job(job)
    assert view.note.text().endswith("The other features are held at their means.")


def expected_rgb(values: np.ndarray, scale: float) -> np.ndarray:
    t = np.clip(values / scale, -1, 1)
    return np.round(palette.diverging_rgb(t)).astype(np.uint8)


def test_the_canvas_draws_first_layer_neurons_as_their_weights(open_window):
    win = open_window(example("digits"))
    win.live.refresh_views()  # draw the latest snapshot now
    W = np.asarray(win.live.trainer.latest["weights"][0])
    items = win.editor.pictures.items
    drawn = sorted(j for (k, j) in items if k == 0)
    assert drawn and all(k == 0 for k, _ in items)  # deeper layers have no image to show
    scale = np.abs(W).max()
    for j in drawn:
        np.testing.assert_array_equal(items[(0, j)].rgb, expected_rgb(W[:, j].reshape(8, 8), scale))
    assert all(key in win.editor.scene.neurons for key in items)  # each on a drawn neuron
