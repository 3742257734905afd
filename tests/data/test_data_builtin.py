"""Built-in data sets: shapes, classes, names, and the same numbers as scikit-learn's copies.

scikit-learn's copies are described in ``tests/golden/datasets.json`` (shapes, names and
SHA-256 checksums, written by ``tools/make_golden.py``), so the comparison runs without it;
with scikit-learn installed, a test also compares the values and the committed file directly.
"""

import hashlib

import numpy as np
import pytest

from nnstudio.data import builtin

EXPECTED = {  # loader: rows, features, class counts, task
    builtin.iris: (150, 4, [50, 50, 50], "multiclass"),
    builtin.wine: (178, 13, [59, 71, 48], "multiclass"),
    builtin.breast_cancer: (569, 30, [212, 357], "binary"),
    builtin.digits: (1797, 64, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180], "multiclass"),
}


@pytest.mark.parametrize("load", EXPECTED)
def test_shapes_classes_and_names(load):
    rows, features, counts, task = EXPECTED[load]
    d = load()
    assert d.X.shape == (rows, features) and d.task == task
    assert list(d.class_counts()) == counts
    assert len(d.feature_names) == features == len(set(d.feature_names))
    assert d.name == load.__name__


def test_class_names_come_from_the_data_descriptions():
    assert builtin.iris().class_names == ["setosa", "versicolor", "virginica"]
    assert builtin.breast_cancer().class_names == ["malignant", "benign"]
    assert builtin.wine().class_names == ["class_0", "class_1", "class_2"]
    assert builtin.digits().class_names == [str(d) for d in range(10)]


def test_feature_names_are_readable():
    assert builtin.iris().feature_names[2] == "petal length (cm)"
    assert builtin.wine().feature_names[-1] == "proline"
    names = builtin.breast_cancer().feature_names
    assert (names[0], names[10], names[20]) == ("mean radius", "radius error", "worst radius")


def test_digits_are_8x8_images_of_counts_0_to_16():
    d = builtin.digits()
    assert d.image_shape == (8, 8)
    assert d.X.min() == 0 and d.X.max() == 16
    assert builtin.iris().image_shape is None


def test_each_call_returns_a_fresh_copy():
    a = builtin.iris()
    a.X[:] = 0
    a.y[:] = 0
    b = builtin.iris()
    assert b.X[0, 0] == 5.1 and b.class_counts()[2] == 50


@pytest.mark.parametrize(
    ("load", "sklearn_name"),
    [
        (builtin.iris, "load_iris"),
        (builtin.wine, "load_wine"),
        (builtin.breast_cancer, "load_breast_cancer"),
        (builtin.digits, "load_digits"),
    ],
)
def test_values_match_scikit_learn(load, sklearn_name, golden, golden_tool):
    datasets = pytest.importorskip("sklearn.datasets")
    reference = getattr(datasets, sklearn_name)()
    d = load()
    np.testing.assert_array_equal(d.X, reference.data)
    np.testing.assert_array_equal(d.y, reference.target)
    assert d.class_names == [str(c) for c in reference.target_names]
    committed = golden("datasets.json")["datasets"][load.__name__]
    assert golden_tool.datasets()[load.__name__] == committed


def sha256(values, dtype):
    return hashlib.sha256(np.ascontiguousarray(values, dtype=dtype).tobytes()).hexdigest()


@pytest.mark.parametrize("load", EXPECTED)
def test_values_match_scikit_learns_golden_checksums(load, golden):
    want = golden("datasets.json")["datasets"][load.__name__]
    d = load()
    assert list(d.X.shape) == want["shape"]
    assert d.class_names == want["class_names"]
    assert d.class_counts().tolist() == want["class_counts"]
    assert sha256(d.X, "<f8") == want["X_sha256"]
    assert sha256(d.y, "<i8") == want["y_sha256"]


def test_a_changed_value_changes_the_checksum(golden):
    d = builtin.iris()
    d.X[0, 0] = np.nextafter(d.X[0, 0], 10)  # one unit in the last place
    assert sha256(d.X, "<f8") != golden("datasets.json")["datasets"]["iris"]["X_sha256"]


def test_licence_notes_ship_with_the_data():
    from nnstudio.resource_files import resource

    notes = resource("datasets", "LICENSES.md").read_text("utf-8")
    for needle in ("iris.csv", "wine_data.csv", "breast_cancer.csv", "digits.csv.gz", "BSD", "UCI"):
        assert needle in notes
