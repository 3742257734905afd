"""The document controller names exactly the fields an edit, undo or redo changed."""

import numpy as np
import pytest

from nnstudio.document import Progress, edits
from nnstudio.document.changes import FIELDS, Change
from nnstudio.document.data_edits import SetData
from nnstudio.gui.undo import DocumentController


def trained(doc):
    """A progress as a training run writes it back (weights, one epoch, a state)."""
    weights = [np.asarray(w) + 0.5 for w in edits.initial_weights(doc.network)]
    return Progress(weights, {"loss": [0.25]}, None, {"steps": 4})


def record(controller):
    changes: list[Change] = []
    controller.edited.connect(changes.append)
    return changes


CASES = [
    (lambda doc: edits.SetValue(("network", "optimizer", "learning_rate"), 0.5), {"optimizer"}),
    (lambda doc: edits.SetValue(("network", "loss"), "mse"), {"spec"}),
    (lambda doc: edits.SetValue(("training", "batch_size"), 7), {"training"}),
    (lambda doc: edits.SetValue(("auto_output",), False), {"spec"}),
    (lambda doc: edits.SetUnits(0, 5), {"spec", "progress"}),
    (lambda doc: edits.SetWeight(0, 0, 0, 0.75), {"weights"}),
    (lambda doc: edits.SetProgress(trained(doc), trained=True), {"weights", "progress"}),
    (lambda doc: SetData({"source": "synthetic", "name": "circles"}), {"data", "progress"}),
]


@pytest.mark.parametrize(("make", "fields"), CASES)
def test_an_edit_its_undo_and_its_redo_name_the_same_fields(qtbot, make, fields):
    controller = DocumentController()
    changes = record(controller)
    controller.push(make(controller.document))
    controller.undo()
    controller.redo()
    assert [c.fields for c in changes] == [frozenset(fields)] * 3
    assert set(fields) <= set(FIELDS)


def test_reset_after_training_names_weights_and_progress(qtbot):
    controller = DocumentController()
    controller.push(edits.SetProgress(trained(controller.document), trained=True))
    changes = record(controller)
    controller.push(edits.reset_training())
    assert changes[-1].fields == {"weights", "progress"}
    assert changes[-1].only("weights", "progress") and not changes[-1].only("weights")


def test_a_compound_of_optimizer_settings_is_an_optimizer_change_only(qtbot):
    controller = DocumentController()
    changes = record(controller)
    controller.push(
        edits.Compound(
            (
                edits.SetValue(("network", "optimizer", "name"), "sgd"),
                edits.SetValue(("network", "optimizer", "learning_rate"), 0.2),
            )
        )
    )
    (change,) = changes
    assert change.only("optimizer") and "spec" not in change
