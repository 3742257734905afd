"""The boundary view's first pair of features: the two that tell the targets apart."""

from __future__ import annotations

import numpy as np

from nnstudio.data.pairs import telling_pair
from nnstudio.engine import Network, fit
from nnstudio.examples import example
from nnstudio.io import session
from nnstudio.live.job import job_from_document
from nnstudio.live.snapshot import Snapshotter


def test_iris_starts_on_the_petals():
    doc = example("iris")
    job = job_from_document(doc, session.dataset(doc))
    assert [job.feature_names[k] for k in job.view["features"]] == [
        "petal length (cm)",
        "petal width (cm)",
    ]


def test_iris_boundary_shows_all_three_species_after_training():
    """On the sepals (the old default) virginica had no region; on the petals each class has."""
    doc = example("iris")
    job = job_from_document(doc, session.dataset(doc), grid=40)
    net = Network(job.spec)
    fit(net, job.X_train, job.y_train, epochs=40, batch_size=10)
    snap = Snapshotter(net, job.X_train, job.y_train, job.X_val, job.y_val, job.view).snapshot(
        {"batch": 0}, force=True
    )
    regions = snap["boundary"].reshape(40 * 40, -1).argmax(axis=1)
    assert set(np.unique(regions)) == {0, 1, 2}


def test_classes_pick_the_separating_features_in_the_data_order():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    X = rng.normal(0, 1, (600, 5))
    X[:, 3] += 4 * y  # separates best
    X[:, 1] += 1.5 * y  # second
    assert telling_pair(X, y, "multiclass") == [1, 3]
    one_hot = np.eye(3)[y]
    assert telling_pair(X, one_hot, "multiclass") == [1, 3]


def test_regression_picks_the_most_correlated_features():
    rng = np.random.default_rng(1)
    X = rng.normal(0, 1, (400, 4))
    t = -3 * X[:, 2] + 0.8 * X[:, 0] + rng.normal(0, 0.1, 400)
    assert telling_pair(X, t, "regression") == [0, 2]


def test_two_features_or_fewer_keep_their_order_and_constants_rank_last():
    X = np.zeros((10, 3))
    X[:, 2] = np.arange(10)
    assert telling_pair(X[:, :2], np.arange(10) % 2, "binary") == [0, 1]
    assert telling_pair(X[:, :1], np.arange(10.0), "regression") == [0]
    assert telling_pair(X, np.arange(10) % 2, "binary") == [0, 2]  # a constant column scores 0
