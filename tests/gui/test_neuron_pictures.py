"""Neuron pictures on the canvas: each shows exactly the worker's map for its unit.

The snapshot comes from the real ``Snapshotter`` after real training; the expected colours are
worked out here from the map values with the palette's formula, independently of the module.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsSceneHoverEvent

from nnstudio.document import Document
from nnstudio.engine import Network, fit
from nnstudio.gui import palette
from nnstudio.gui.editor import NetworkEditor
from nnstudio.gui.editor.pictures import HOVER_SCALE
from nnstudio.gui.undo import DocumentController
from nnstudio.live.snapshot import Snapshotter


def trained_snapshot(job, image_shape=None):
    net = Network(job.spec)
    fit(net, job.X_train, job.y_train, epochs=3, batch_size=10)
    view = {**job.view, "image_shape": image_shape}
    snapper = Snapshotter(net, job.X_train, job.y_train, job.X_val, job.y_val, view)
    return snapper.snapshot({"batch": 0}, force=True)


@pytest.fixture
def canvas(qtbot, xor_job):
    job = xor_job(grid=40)
    doc = Document(network={**job.spec})
    editor = NetworkEditor(DocumentController(doc))
    qtbot.addWidget(editor)
    editor.resize(900, 600)
    editor.show()
    editor.scene.sync()
    return editor, job


def expected_rgb(values: np.ndarray, scale: float, centre: float = 0.0) -> np.ndarray:
    t = np.clip((values - centre) / scale, -1, 1)
    return np.round(palette.diverging_rgb(t)).astype(np.uint8)


def image_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w = image.height(), image.width()
    raw = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h)
    return raw.reshape(h, image.bytesPerLine())[:, : 3 * w].reshape(h, w, 3)


def test_each_hidden_neuron_shows_the_workers_map_for_its_unit(canvas):
    editor, job = canvas
    snap = trained_snapshot(job)
    maps = snap["neuron_maps"][0]  # (8 units, h, w), row 0 = lowest x2
    editor.set_neuron_pictures(snap)
    items = editor.pictures.items
    scale = np.abs(maps).max()
    for j in range(8):
        shown = image_array(items[(0, j)].image)
        # the image's top row is the map's last row (highest x2)
        np.testing.assert_array_equal(shown, expected_rgb(maps[j][::-1], scale))
    # the images differ between units: they are the units' own maps, not one picture
    assert not np.array_equal(image_array(items[(0, 0)].image), image_array(items[(0, 1)].image))


def test_the_output_neuron_shows_its_probability_with_half_as_grey(canvas):
    editor, job = canvas
    snap = trained_snapshot(job)
    editor.set_neuron_pictures(snap)
    out = snap["output_maps"][0]
    assert out.min() >= 0 and out.max() <= 1  # a sigmoid unit
    shown = image_array(editor.pictures.items[(1, 0)].image)
    np.testing.assert_array_equal(shown, expected_rgb(out[::-1], 0.5, 0.5))


def test_pictures_are_drawn_on_their_neurons_and_enlarge_when_pointed_at(canvas):
    editor, job = canvas
    editor.set_neuron_pictures(trained_snapshot(job))
    item = editor.pictures.items[(0, 3)]
    neuron = editor.scene.neurons[(0, 3)]
    assert item.sceneBoundingRect().center() == neuron.sceneBoundingRect().center()
    # rendered on the canvas: the pixel at the picture's centre has the map's centre colour
    rect = item.sceneBoundingRect()
    target = QImage(64, 64, QImage.Format.Format_RGB888)
    target.fill(QColor("white"))
    painter = QPainter(target)
    editor.scene.render(painter, QRectF(0, 0, 64, 64), rect)
    painter.end()
    h, w = item.rgb.shape[:2]
    centre = item.rgb[h // 2, w // 2].astype(int)
    drawn = QColor(target.pixel(32, 32))
    assert np.abs(np.array([drawn.red(), drawn.green(), drawn.blue()]) - centre).max() <= 40
    small = item.sceneBoundingRect().width()
    item.hoverEnterEvent(QGraphicsSceneHoverEvent(QEvent.Type.GraphicsSceneHoverEnter))
    assert item.sceneBoundingRect().width() == pytest.approx(small * HOVER_SCALE, rel=0.05)
    assert item.sceneBoundingRect().center() == neuron.sceneBoundingRect().center()
    assert item.zValue() > max(i.zValue() for i in editor.scene.neurons.values())
    item.hoverLeaveEvent(QGraphicsSceneHoverEvent(QEvent.Type.GraphicsSceneHoverLeave))
    assert item.sceneBoundingRect().width() == pytest.approx(small)


def test_pictures_switch_off_and_follow_a_rebuilt_network(canvas):
    editor, job = canvas
    snap = trained_snapshot(job)
    editor.set_neuron_pictures(snap)
    editor.set_pictures_enabled(False)
    assert not any(item.isVisible() for item in editor.pictures.items.values())
    editor.set_pictures_enabled(True)
    editor.scene.rebuild()  # new neuron items: the pictures are made again for them
    editor.set_neuron_pictures(snap)
    for (k, j), item in editor.pictures.items.items():
        assert item.scene() is editor.scene
        assert item.pos() == editor.scene.neurons[(k, j)].pos()


def test_image_data_first_layer_neurons_show_their_incoming_weights(canvas):
    editor, _ = canvas
    rng = np.random.default_rng(0)
    W = rng.normal(size=(16, 3))
    snap = {"heavy_version": 1, "weights": [W, np.zeros(3)]}
    pictures = editor.pictures.pictures(snap, (4, 4))
    scale = np.abs(W).max()
    for j in range(3):
        np.testing.assert_array_equal(pictures[(0, j)], expected_rgb(W[:, j].reshape(4, 4), scale))
