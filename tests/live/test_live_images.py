"""Data sets of images train in float32 (the ``image_float32`` setting), other data as specified."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio import live
from nnstudio.data import Standardizer
from nnstudio.data.embedded import project_dataset
from nnstudio.document import normalize_training
from nnstudio.examples import example
from nnstudio.io import load_project, save_project
from nnstudio.live import images
from nnstudio.live.job import split_seed


def digits_doc(**training):
    doc = example("digits")
    doc.training.update(training)
    return doc


def job_of(doc):
    return live.job_from_document(doc, project_dataset(doc.data, doc.embedded))


def test_the_setting_is_on_by_default_and_must_be_a_flag():
    assert normalize_training({})["image_float32"] is True
    assert normalize_training({"image_float32": False})["image_float32"] is False
    with pytest.raises(ValueError, match=r"training\.image_float32: expected true or false"):
        normalize_training({"image_float32": 1})


def test_an_image_job_holds_the_float64_split_rounded_to_float32():
    f32, f64 = job_of(digits_doc()), job_of(digits_doc(image_float32=False))
    assert f32.dtype == "float32" and f64.dtype is None
    assert f32.network_spec["dtype"] == "float32" and f32.spec == f64.spec
    for a, b in ((f32.X_train, f64.X_train), (f32.X_val, f64.X_val)):
        assert a.dtype == np.float32 and b.dtype == np.float64
        # Same rows in the same order; the statistics differ only by summation order.
        np.testing.assert_allclose(a, b.astype(np.float32), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(f32.y_train, f64.y_train)
    np.testing.assert_array_equal(f32.y_val, f64.y_val)
    for key in ("mean", "scale"):
        np.testing.assert_allclose(f32.standardize[key], f64.standardize[key], rtol=1e-12)


def test_without_standardizing_the_pixels_are_kept_exactly():
    doc = digits_doc(standardize=False)
    job = job_of(doc)
    data = project_dataset(doc.data, doc.embedded)
    ratio = normalize_training(doc.training)["validation_ratio"]
    train_idx, _ = data.split_indices(ratio, split_seed(doc))
    np.testing.assert_array_equal(job.X_train, data.X[train_idx])  # 0..16 are exact in float32
    assert job.standardize is None


def test_the_block_statistics_are_the_standardizer_of_the_rows():
    rng = np.random.default_rng(3)
    X = rng.normal(1000.0, 0.01, size=(9000, 5))  # large mean, small spread: two passes needed
    rows = rng.permutation(9000)[:7000]
    fitted, direct = images.fit_standardizer(X, rows), Standardizer.fit(X[rows])
    np.testing.assert_allclose(fitted.mean, direct.mean, rtol=1e-13)
    np.testing.assert_allclose(fitted.scale, direct.scale, rtol=1e-8)


def test_other_data_trains_in_the_networks_dtype():
    doc = example("moons")
    job = job_of(doc)
    assert job.dtype is None and job.X_train.dtype == np.float64
    assert live.Run(job).net.dtype == np.float64


def test_an_image_run_trains_float32_and_goes_on_after_reopening_as_if_straight(tmp_path):
    straight, path = digits_doc(epochs=2), tmp_path / "d.nnstudio"
    save_project(straight, path)
    run = live.train(straight, epochs=2)
    assert run.net.dtype == np.float32
    assert all(w.dtype == np.float32 for w in straight.weights)
    assert straight.history["accuracy"][-1] > 0.5  # it learns

    halves = load_project(path)
    live.train(halves, epochs=1)
    save_project(halves, path)
    halves = load_project(path)
    live.train(halves, epochs=1)
    # float32 values survive the file exactly, so going on is the same computation.
    for a, b in zip(halves.weights, straight.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a, np.float32), b)
    np.testing.assert_array_equal(halves.history["loss"], straight.history["loss"])
