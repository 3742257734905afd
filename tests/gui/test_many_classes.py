"""24 classes (like the course's sign-language alphabet): the confusion matrix and the sample
labels stay legible, and every count can be read by pointing at its cell.

The data set is a small synthetic stand-in for Sign Language MNIST: 8x8 images of 24 classes
labelled like its CSV (0..24 without 9, so two-digit names). The legibility checks measure the
drawn text against the cells and images it belongs to.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetrics

from nnstudio.data import Dataset
from nnstudio.engine import Network, fit
from nnstudio.gui.plots.confusion import MIN_CELL_PX, ConfusionView, cell_text
from nnstudio.gui.plots.images import SampleImagesView
from nnstudio.io.newproject import from_dataset
from nnstudio.live.job import job_from_document
from nnstudio.live.snapshot import Snapshotter

NAMES = [str(k) for k in range(25) if k != 9]  # Sign Language MNIST has no J (9) and no Z


def signs(n: int = 960) -> Dataset:
    """24 classes, each a noisy 8x8 pattern of its own."""
    rng = np.random.default_rng(5)
    patterns = rng.random((24, 64))
    y = np.arange(n) % 24
    X = np.clip(patterns[y] + rng.normal(0, 0.25, (n, 64)), 0, 1) * 255
    names = [f"pixel{i}" for i in range(64)]
    return Dataset(X, y, names, NAMES, "multiclass", name="signs", image_shape=(8, 8))


@pytest.fixture(scope="module")
def trained():
    ds = signs()
    doc = from_dataset(ds)
    job = job_from_document(doc, ds, grid=10)
    net = Network(job.spec)
    fit(net, job.X_train, job.y_train, epochs=2, batch_size=32)
    snapper = Snapshotter(net, job.X_train, job.y_train, job.X_val, job.y_val, job.view)
    return job, snapper.snapshot({"batch": 0}, force=True)


def shown(qtbot, view_cls, job, snap, size):
    view = view_cls()
    qtbot.addWidget(view)
    view.resize(*size)
    view.set_job(job)
    view.show()
    qtbot.waitExposed(view)
    view.update_snapshot(snap)
    qtbot.wait(10)  # the plot's layout settles
    return view


def axis_labels(view, name: str) -> list[str]:
    return [text for _, text in view.names_shown[name]]


@pytest.mark.parametrize("size", [(330, 380), (700, 700)], ids=["docked", "floated"])
def test_class_names_on_the_axes_never_overlap(qtbot, trained, size):
    job, snap = trained
    view = shown(qtbot, ConfusionView, job, snap, size)
    px = view.cell_px()
    metrics = QFontMetrics(view.font())
    major = view.names_shown["bottom"]
    positions = [x for x, _ in major]
    widest = max(metrics.horizontalAdvance(t) for _, t in major)
    gap = (positions[1] - positions[0]) * px  # pixels between two written names
    assert gap >= widest + 2
    left = view.names_shown["left"]
    assert ((left[1][0] - left[0][0]) * px) >= metrics.height()
    assert axis_labels(view, "bottom")[0] == "0"  # names, not indices: "10" is class 10
    assert "24" in NAMES and len(NAMES) == 24


def test_counts_are_written_only_where_they_fit_and_sized_to_the_cell(qtbot, trained):
    job, snap = trained
    small = shown(qtbot, ConfusionView, job, snap, (330, 380))
    assert small.cell_px() < MIN_CELL_PX
    assert not any(cell.isVisible() for row in small.cells for cell in row)
    large = shown(qtbot, ConfusionView, job, snap, (900, 900))
    px = large.cell_px()
    assert px >= MIN_CELL_PX
    m = snap["confusion"]
    for r, c in [(0, 0), (5, 7), (23, 23)]:
        cell = large.cells[r][c]
        assert cell.isVisible() and cell.toPlainText() == str(int(m[r, c]))
        text_px = QFontMetrics(cell.textItem.font()).horizontalAdvance(cell.toPlainText())
        assert text_px <= px  # inside its own cell


def test_pointing_at_a_cell_reads_out_true_predicted_and_count(qtbot, trained):
    job, snap = trained
    view = shown(qtbot, ConfusionView, job, snap, (330, 380))
    m = snap["confusion"]
    vb = view.plot.getPlotItem().getViewBox()
    r, c = 10, 2  # true "11", predicted "2"
    view._on_mouse(vb.mapViewToScene(QPointF(c + 0.5, r + 0.5)))
    total = int(m[r].sum())
    assert view.readout.text() == (
        f"true 11 → predicted 2: {int(m[r, c])} of {total} validation samples of class 11 (wrong)"
    )
    assert cell_text(m, 3, 3, NAMES).endswith("of class 3 (right)")


@pytest.mark.parametrize("width", [330, 500])
def test_sample_labels_fit_under_their_own_images(qtbot, trained, width):
    job, snap = trained
    view = shown(qtbot, SampleImagesView, job, snap, (width, 420))
    assert any("→" in label.toPlainText() for label in view.labels)  # predictions shown
    metrics = QFontMetrics(view.font())
    widest = max(metrics.horizontalAdvance(label.toPlainText()) for label in view.labels)
    vb = view.plot.getPlotItem().getViewBox()
    image_px = (8 + 2) / vb.viewPixelSize()[0]  # an image and its gap, on screen
    assert widest <= image_px
    assert 2 <= view.columns <= 6
    # each label is centred under its own image: neighbours never share pixels
    xs = sorted({round(label.pos().x(), 3) for label in view.labels})
    assert (xs[1] - xs[0]) / vb.viewPixelSize()[0] >= widest
