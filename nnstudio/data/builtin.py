"""Real data sets shipped inside the package (copied from scikit-learn; see LICENSES.md there).

The files are in the top-level ``resources/datasets/`` folder, read through
``nnstudio.resource_files`` so they load from an installed wheel as well as from a source
checkout. Parsed arrays are cached per process; every call returns fresh
copies, so a caller may modify its data set without touching the cache.
"""

from __future__ import annotations

import functools
import gzip
import io

import numpy as np

from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError
from nnstudio.resource_files import resource

WINE_FEATURES = [
    "alcohol",
    "malic acid",
    "ash",
    "alcalinity of ash",
    "magnesium",
    "total phenols",
    "flavanoids",
    "nonflavanoid phenols",
    "proanthocyanins",
    "color intensity",
    "hue",
    "OD280/OD315 of diluted wines",
    "proline",
]
_NUCLEUS = [
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave points",
    "symmetry",
    "fractal dimension",
]
BREAST_CANCER_FEATURES = (
    [f"mean {f}" for f in _NUCLEUS]
    + [f"{f} error" for f in _NUCLEUS]
    + [f"worst {f}" for f in _NUCLEUS]
)
IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
DIGITS_FEATURES = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]


def _read_bytes(filename: str) -> bytes:
    data = resource("datasets", filename).read_bytes()
    return gzip.decompress(data) if filename.endswith(".gz") else data


@functools.cache
def _load_table(filename: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Features, labels and class names of one of scikit-learn's CSV files.

    Their first line is a header ``n_samples,n_features,class names...``; every other line is
    the features followed by the integer class.
    """
    header, _, body = _read_bytes(filename).decode("ascii").partition("\n")
    n_rows, n_features, *class_names = header.strip().split(",")
    table = np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2)
    if table.shape != (int(n_rows), int(n_features) + 1):
        raise DataError(f"{filename}: header promises {n_rows}x{n_features}, found {table.shape}")
    return table[:, :-1], table[:, -1].astype(np.int64), tuple(class_names)


@functools.cache
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits file has no header: 64 pixel counts (0..16) and the digit on each line."""
    table = np.loadtxt(io.BytesIO(_read_bytes("digits.csv.gz")), delimiter=",", ndmin=2)
    return table[:, :-1], table[:, -1].astype(np.int64)


def _from_table(filename: str, name: str, feature_names: list[str]) -> Dataset:
    X, y, class_names = _load_table(filename)
    task = "binary" if len(class_names) == 2 else "multiclass"
    return Dataset(X.copy(), y.copy(), feature_names, list(class_names), task, name=name).validate()


def iris() -> Dataset:
    """Fisher's iris flowers: 150 rows, 4 measurements in cm, 3 species."""
    return _from_table("iris.csv", "iris", IRIS_FEATURES)


def wine() -> Dataset:
    """Chemical analysis of 178 Italian wines from 3 cultivars, 13 measurements."""
    return _from_table("wine_data.csv", "wine", WINE_FEATURES)


def breast_cancer() -> Dataset:
    """Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 cell-nucleus features, 2 classes."""
    return _from_table("breast_cancer.csv", "breast_cancer", BREAST_CANCER_FEATURES)


def digits() -> Dataset:
    """1797 handwritten digits as 8x8 images of pixel counts 0..16, 10 classes."""
    X, y = _load_digits()
    classes = [str(d) for d in range(10)]
    return Dataset(
        X.copy(),
        y.copy(),
        DIGITS_FEATURES,
        classes,
        "multiclass",
        name="digits",
        image_shape=(8, 8),
    ).validate()
