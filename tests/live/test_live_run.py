"""The one training path: split, standardization, continued training, write-back, examples."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nnstudio import live
from nnstudio.data import DataError, load
from nnstudio.data.embedded import embed
from nnstudio.examples import example, examples
from nnstudio.io import session
from nnstudio.io.newproject import from_dataset


def test_prepare_standardizes_with_training_rows_only():
    doc = example("xor")
    prep = live.prepare(doc, session.dataset(doc))
    assert len(prep.train) == 400 and len(prep.validation) == 100
    np.testing.assert_allclose(prep.train.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(prep.train.X.std(axis=0), 1)


def test_training_records_the_standardizer_it_used():
    doc = example("xor")
    prep = live.prepare(doc, session.dataset(doc))
    live.train(doc, epochs=1)
    assert doc.standardize == prep.standardizer.to_dict()
    doc.training["standardize"] = False
    live.train(doc, epochs=1)
    assert doc.standardize is None  # the weights now expect raw inputs


def test_training_twice_accumulates_history_and_continues_weights():
    doc = example("xor")
    live.train(doc, epochs=2)
    first = [w.copy() for w in doc.weights]
    run = live.train(doc, epochs=3)
    assert run.net.epochs == 5  # epoch numbers continue
    assert len(doc.history["loss"]) == 5 and doc.epochs == 5
    assert not np.array_equal(first[0], doc.weights[0])


def test_same_document_trains_identically():
    a, b = example("circle"), example("circle")
    live.train(a, epochs=2)
    live.train(b, epochs=2)
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights, strict=True))


def test_train_until_stopped_needs_a_stop_flag():
    doc = example("xor")
    doc.training["epochs"] = 0  # "until stopped"
    with pytest.raises(ValueError, match="until stopped"):
        live.train(doc)
    stop = threading.Event()
    stop.set()
    live.train(doc, stop=stop)
    assert doc.history.get("loss", []) == []


def test_mismatched_network_and_data_is_a_clear_error():
    doc = example("xor")
    doc.network["inputs"] = 3
    with pytest.raises(DataError, match="3 inputs but the data set 'xor' has 2 features"):
        live.prepare(doc, session.dataset(doc))


def test_examples_are_listed_and_build():
    names = [name for name, _, _ in examples()]
    for required in ("xor", "spiral", "circle", "gauss", "moons", "sine", "iris", "digits"):
        assert required in names
    assert "course_line" in names
    for name in names:
        doc = example(name)
        assert session.dataset(doc).n_features == doc.network["inputs"]
    with pytest.raises(ValueError, match="unknown example 'nope'"):
        example("nope")


@pytest.mark.parametrize("name", ["xor", "iris", "gauss"])
def test_examples_train_to_high_accuracy(name):
    doc = example(name)
    live.train(doc)
    assert doc.history["val_accuracy"][-1] >= 0.9


def test_course_line_reaches_the_line_through_both_points():
    doc = example("course_line")
    live.train(doc)
    (W, b) = doc.weights
    assert W[0, 0] == pytest.approx(2.0, abs=1e-2) and b[0] == pytest.approx(1.0, abs=1e-2)


def test_new_project_from_a_dataset_fits_its_task():
    doc = from_dataset(load("wine"), {"source": "builtin", "name": "wine"})
    assert doc.network["layers"][-1]["units"] == 3
    assert doc.network["loss"] == "categorical_crossentropy"
    assert doc.embedded["X"].shape == (178, 13)
    live.train(doc, epochs=5)
    assert doc.history["val_accuracy"][-1] > 0.8


def test_embedded_rows_take_priority_over_the_reference():
    doc = example("xor")
    doc.embedded = embed(load("circle", n_samples=40))
    assert len(session.dataset(doc)) == 40
