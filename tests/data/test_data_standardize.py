"""Standardizer: fitted statistics, round trips and the project-file dictionary."""

import json

import numpy as np
import pytest

from nnstudio.data import DataError, Dataset, Standardizer


def test_fit_gives_zero_mean_unit_population_std():
    X = np.random.default_rng(0).normal(5.0, 3.0, size=(200, 4))
    s = Standardizer.fit(X)
    Z = s.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0)  # population std (ddof=0)
    np.testing.assert_allclose(s.scale, X.std(axis=0, ddof=0))


def test_round_trip():
    X = np.random.default_rng(1).uniform(-10, 10, size=(50, 3))
    s = Standardizer.fit(X)
    np.testing.assert_allclose(s.inverse_transform(s.transform(X)), X)


def test_constant_column_maps_to_zero_not_nan():
    X = np.column_stack([np.full(10, 7.0), np.arange(10.0)])
    s = Standardizer.fit(X)
    assert s.scale[0] == 1.0
    Z = s.transform(X)
    assert np.all(Z[:, 0] == 0.0) and np.all(np.isfinite(Z))


def test_statistics_come_from_the_rows_it_was_fitted_on():
    train = np.array([[0.0], [2.0]])
    s = Standardizer.fit(train)
    assert s.transform(np.array([[4.0]]))[0, 0] == pytest.approx(3.0)


def test_dict_round_trip_through_json():
    s = Standardizer.fit(np.random.default_rng(2).normal(size=(20, 3)))
    d = json.loads(json.dumps(s.to_dict()))
    assert all(type(v) is float for v in d["mean"] + d["scale"])
    t = Standardizer.from_dict(d)
    np.testing.assert_array_equal(t.mean, s.mean)
    np.testing.assert_array_equal(t.scale, s.scale)


@pytest.mark.parametrize(
    ("d", "message"),
    [
        ({"mean": [0.0]}, "lacks scale"),
        ({"mean": [0.0, 1.0], "scale": [1.0]}, "2 means but 1 scales"),
        ({"mean": [float("nan")], "scale": [1.0]}, "means must be finite"),
        ({"mean": [0.0], "scale": [0.0]}, "scales must be finite and positive, found 0.0"),
        ({"mean": [0.0], "scale": [float("inf")]}, "scales must be finite and positive"),
        ({"mean": "0", "scale": [1.0]}, "'mean' must be a list of numbers"),
        ({"mean": ["a"], "scale": [1.0]}, "'mean' must be a list of numbers"),
    ],
)
def test_from_dict_rejects_bad_values(d, message):
    with pytest.raises(ValueError, match=message):
        Standardizer.from_dict(d)


def test_transform_checks_the_number_of_features():
    s = Standardizer.fit(np.zeros((3, 2)))
    with pytest.raises(DataError, match="fitted on 2 features, got 3"):
        s.transform(np.zeros((1, 3)))


def test_dataset_standardized_keeps_names_and_targets():
    d = Dataset([[1.0, 10.0], [3.0, 30.0]], [0, 1], ["a", "b"], ["n", "y"], "binary")
    z = d.standardized(Standardizer.fit(d.X))
    np.testing.assert_allclose(z.X, [[-1.0, -1.0], [1.0, 1.0]])
    assert z.feature_names == ["a", "b"] and list(z.y) == [0, 1]
    assert d.X[0, 0] == 1.0  # the original is untouched
