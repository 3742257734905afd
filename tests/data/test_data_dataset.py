"""Dataset: validation, split, subset and the targets the engine trains on."""

import numpy as np
import pytest

from nnstudio.data import DataError, Dataset


def make(n=100, k=2, seed=0, task=None):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = np.arange(n) % k
    task = task or ("binary" if k == 2 else "multiclass")
    return Dataset(X, y, ["a", "b", "c"], [f"c{i}" for i in range(k)], task)


def regression(n=50, k=1):
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    y = X.sum(axis=1) if k == 1 else np.column_stack([X.sum(axis=1)] * k)
    return Dataset(X, y, ["u", "v"], None, "regression")


# ---------------------------------------------------------------------------- construction
def test_constructor_converts_dtypes():
    d = Dataset([[1, 2], [3, 4]], [0.0, 1.0], ["a", "b"], ["no", "yes"], "binary")
    assert d.X.dtype == np.float64 and d.y.dtype == np.int64
    assert len(d) == 2 and d.n_features == 2


def test_float32_features_are_kept_as_they_are():
    """Image loaders give float32 pixels: the data set holds that array, not a float64 copy."""
    X = np.arange(8, dtype=np.float32).reshape(4, 2)
    d = Dataset(X, [0, 1, 0, 1], ["a", "b"], ["no", "yes"], "binary")
    assert d.X is X
    assert d.subset([2, 0]).X.dtype == np.float32
    for other in (np.float16, np.int32, np.uint8):
        assert Dataset(X.astype(other), [0, 1, 0, 1], ["a", "b"], ["n", "y"], "binary").X.dtype == (
            np.float64
        )


def test_n_outputs_per_task():
    assert make(k=2).n_outputs == 1
    assert make(k=4).n_outputs == 4
    assert regression(k=1).n_outputs == 1
    assert regression(k=3).n_outputs == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"X": [[1.0, np.nan], [0.0, 1.0]]}, "finite"),
        ({"X": [[1.0, np.inf], [0.0, 1.0]]}, "finite"),
        ({"y": [0, 1, 1]}, "X has 2 rows but y has 3"),
        ({"feature_names": ["a"]}, "1 feature names for 2 feature columns"),
        ({"class_names": ["a", "b", "c"]}, "binary data set needs 2 class names"),
        ({"y": [0, 2]}, "class indices must lie in 0..1"),
        ({"y": [0, 0.5]}, "whole numbers"),
        ({"task": "clustering"}, "unknown task 'clustering'"),
        ({"class_names": None}, "needs class_names"),
        ({"X": [1.0, 2.0]}, "2-D"),
        ({"image_shape": (3, 3)}, "needs 9 features"),
    ],
)
def test_constructor_rejects_inconsistent_parts(kwargs, message):
    parts = {
        "X": [[0.0, 1.0], [2.0, 3.0]],
        "y": [0, 1],
        "feature_names": ["a", "b"],
        "class_names": ["no", "yes"],
        "task": "binary",
    } | kwargs
    with pytest.raises(DataError, match=message):
        Dataset(**parts)


def test_validate_requires_rows_and_two_classes():
    empty = make().subset([])
    with pytest.raises(DataError, match="no rows"):
        empty.validate()
    one_class = Dataset([[0.0], [1.0]], [1, 1], ["a"], ["no", "yes"], "binary", name="toy")
    with pytest.raises(DataError, match="toy: only one class: every row is 'yes'"):
        one_class.validate()
    assert make().validate() is not None


# ------------------------------------------------------------------------------- split
def test_split_is_stratified_seeded_and_partitions_rows():
    d = make(n=90, k=3)
    d.X[:, 0] = np.arange(90)  # row identity, to check the partition
    train, val = d.split(0.2, seed=1)
    assert (len(train), len(val)) == (72, 18)
    assert list(val.class_counts()) == [6, 6, 6]
    ids = np.concatenate([train.X[:, 0], val.X[:, 0]])
    assert sorted(ids) == list(range(90))
    _, again_val = d.split(0.2, seed=1)
    np.testing.assert_array_equal(val.X, again_val.X)
    other_val = d.split(0.2, seed=2)[1]
    assert set(other_val.X[:, 0]) != set(val.X[:, 0])


def test_split_keeps_class_proportions_of_unbalanced_data():
    y = np.array([0] * 80 + [1] * 20)
    d = Dataset(np.zeros((100, 1)), y, ["a"], ["big", "small"], "binary")
    _, val = d.split(0.25, seed=0)
    assert len(val) == 25
    assert list(val.class_counts()) == [20, 5]


def test_split_rounds_to_the_requested_total():
    d = make(n=10, k=3)  # classes of 4, 3, 3 rows: shares 1.2, 0.9, 0.9 -> 1, 1, 1
    assert len(d.split(0.3, seed=0)[1]) == 3


def test_split_shuffles_rows():
    train, _ = make(n=100).split(0.0, seed=0)
    assert len(train) == 100
    assert not np.array_equal(train.y, make(n=100).y)


def test_split_ratio_zero_gives_empty_validation_set():
    train, val = make().split(0.0, seed=3)
    assert len(train) == 100 and len(val) == 0
    assert val.X.shape == (0, 3)


def test_split_regression_is_seeded():
    train, val = regression().split(0.3, seed=5)
    assert (len(train), len(val)) == (35, 15)
    np.testing.assert_array_equal(val.y, regression().split(0.3, seed=5)[1].y)


@pytest.mark.parametrize("ratio", [-0.1, 1.0, 1.5])
def test_split_rejects_ratios_outside_0_1(ratio):
    with pytest.raises(DataError, match="validation_ratio"):
        make().split(ratio, seed=0)


def test_subset_accepts_indices_and_masks():
    d = make(n=10)
    assert list(d.subset([3, 1]).y) == [1, 1]
    mask = np.zeros(10, dtype=bool)
    mask[[0, 5]] = True
    np.testing.assert_array_equal(d.subset(mask).X, d.X[[0, 5]])
    assert d.subset(slice(2, 4)).feature_names == ["a", "b", "c"]


# ------------------------------------------------------------------------------ targets
def test_targets_binary_is_a_float_column():
    t = make(n=4, k=2).targets()
    assert t.shape == (4, 1) and t.dtype == np.float64
    assert list(t[:, 0]) == [0.0, 1.0, 0.0, 1.0]


def test_targets_multiclass_are_integer_indices():
    t = make(n=6, k=3).targets()
    assert t.dtype == np.int64 and list(t) == [0, 1, 2, 0, 1, 2]


def test_targets_regression_are_two_dimensional():
    assert regression(n=5).targets().shape == (5, 1)
    assert regression(n=5, k=2).targets().shape == (5, 2)


def test_one_hot():
    np.testing.assert_array_equal(make(n=3, k=3).one_hot(), np.eye(3))
    with pytest.raises(DataError):
        regression().one_hot()
