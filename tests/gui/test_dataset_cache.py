"""The window's one data-set cache: loaded once, shared by the data panel and live training."""

from unittest import mock

import numpy as np

from nnstudio.document import edits
from nnstudio.examples import example
from nnstudio.gui import datasets
from nnstudio.gui.undo import DocumentController


def test_one_load_per_reference_shared_by_every_reader(qtbot):
    controller = DocumentController(example("xor"))
    with mock.patch.object(datasets, "project_dataset", wraps=datasets.project_dataset) as load:
        first = controller.dataset()
        assert controller.dataset() is first  # asked again: no new load
        assert load.call_count == 1
        assert len(first.dataset) == controller.document.data["n_samples"] and first.error == ""
        controller.push(edits.SetValue(("data", "seed"), 5))
        second = controller.dataset()
        assert second is not first and load.call_count == 2
        assert not np.array_equal(second.dataset.X, first.dataset.X)


def test_a_reference_that_cannot_load_gives_its_reason(qtbot, tmp_path):
    doc = example("xor")
    doc.data = {"source": "csv", "path": "missing.csv"}
    controller = DocumentController(doc)
    controller.data_folder = tmp_path
    loaded = controller.dataset()
    assert loaded.dataset is None
    assert loaded.error.startswith("Cannot load the data set: ") and "missing.csv" in loaded.error
