"""Dataset: the arrays a network trains on, with the names that make them readable."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.data.errors import DataError

if TYPE_CHECKING:
    from nnstudio.data.standardize import Standardizer

TASKS = ("binary", "multiclass", "regression")


@dataclass(eq=False)  # arrays make == ambiguous; compare fields explicitly
class Dataset:
    """Features ``X`` (n, d) and targets ``y`` for one learning task.

    ``X`` is float64, or float32 when it is given so (the IDX loader gives images in float32).

    Classification targets are class indices ``0..k-1`` whose names are ``class_names``;
    regression targets are floats, shape (n,) or (n, k). The constructor converts dtypes and
    checks that the pieces fit together; :meth:`validate` adds the checks that only a data set
    meant for training must pass (rows present, two classes present).
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    class_names: list[str] | None
    task: str
    name: str = "data"
    image_shape: tuple[int, int] | None = None
    target_names: list[str] | None = None  # names of y's columns, e.g. ["species"] or ["price"]

    def __post_init__(self) -> None:
        # float32 stays float32: image loaders give pixels in it (an MNIST-sized set takes
        # 188 MB instead of 376, and a float32 job is gathered from it without a conversion).
        X = np.asarray(self.X)
        self.X = X if X.dtype == np.float32 else X.astype(np.float64, copy=False)
        self.feature_names = [str(f) for f in self.feature_names]
        if self.class_names is not None:
            self.class_names = [str(c) for c in self.class_names]
        self._check_task()
        self.y = self._converted_targets(np.asarray(self.y))
        self._check_shapes()
        self._check_names()
        self._check_values()

    def __len__(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_outputs(self) -> int:
        """Width of the output layer: 1 for binary, k for k classes, one per regression target."""
        if self.task == "binary":
            return 1
        if self.task == "multiclass":
            return len(self.class_names or ())
        return 1 if self.y.ndim == 1 else int(self.y.shape[1])

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"

    # ----------------------------------------------------------------------------- checks
    def _check_task(self) -> None:
        if self.task not in TASKS:
            raise DataError(f"unknown task {self.task!r}; expected one of {', '.join(TASKS)}")
        if self.is_classification and self.class_names is None:
            raise DataError(f"a {self.task} data set needs class_names")
        if not self.is_classification and self.class_names is not None:
            raise DataError("a regression data set has no class_names (use None)")

    def _converted_targets(self, y: np.ndarray) -> np.ndarray:
        if not self.is_classification:
            return y.astype(np.float64, copy=False)
        if y.size and not np.issubdtype(y.dtype, np.integer):
            as_float = y.astype(np.float64)
            if not np.all(np.isfinite(as_float) & (as_float == np.round(as_float))):
                raise DataError("class labels must be whole numbers (class indices)")
        return y.astype(np.int64, copy=False)

    def _check_shapes(self) -> None:
        if self.X.ndim != 2:
            raise DataError(f"X must be a 2-D array (rows, features); got shape {self.X.shape}")
        if self.is_classification and self.y.ndim != 1:
            raise DataError(f"class labels must be a 1-D array; got shape {self.y.shape}")
        if self.y.ndim not in (1, 2):
            raise DataError(f"y must be 1-D or 2-D; got shape {self.y.shape}")
        if self.y.shape[0] != self.X.shape[0]:
            raise DataError(f"X has {self.X.shape[0]} rows but y has {self.y.shape[0]}")
        if self.image_shape is not None:
            h, w = self.image_shape
            if h * w != self.X.shape[1]:
                raise DataError(
                    f"image_shape {h}x{w} needs {h * w} features, the data has {self.X.shape[1]}"
                )
            self.image_shape = (int(h), int(w))

    def _check_names(self) -> None:
        if len(self.feature_names) != self.X.shape[1]:
            raise DataError(
                f"{len(self.feature_names)} feature names for {self.X.shape[1]} feature columns"
            )
        if self.task == "binary" and len(self.class_names or ()) != 2:
            raise DataError(f"a binary data set needs 2 class names, got {self.class_names}")
        if self.task == "multiclass" and len(self.class_names or ()) < 2:
            raise DataError(
                f"a multiclass data set needs 2 or more class names: {self.class_names}"
            )
        n_targets = 1 if self.y.ndim == 1 else int(self.y.shape[1])
        if self.target_names is not None and len(self.target_names) != n_targets:
            raise DataError(f"{len(self.target_names)} target names for {n_targets} target columns")

    def _check_values(self) -> None:
        _require_finite(self.X, "features")
        if self.is_classification:
            k = len(self.class_names or ())
            if self.y.size and (self.y.min() < 0 or self.y.max() >= k):
                raise DataError(f"class indices must lie in 0..{k - 1}")
        else:
            _require_finite(self.y, "targets")

    def validate(self) -> Dataset:
        """Check what training needs beyond a consistent structure; return ``self``.

        Every builder calls this. Subsets and validation splits skip it, since a validation set
        may legitimately be empty or hold a single class.
        """
        if len(self) == 0:
            raise DataError(f"{self.name}: the data set has no rows")
        if self.X.shape[1] == 0:
            raise DataError(f"{self.name}: the data set has no feature columns")
        if self.is_classification:
            present = np.unique(self.y)
            if present.size < 2:
                only = (self.class_names or [])[int(present[0])]
                raise DataError(
                    f"{self.name}: only one class: every row is {only!r}; "
                    "a classifier needs examples of at least two classes"
                )
        return self

    # -------------------------------------------------------------------------- derived
    def subset(self, idx: np.ndarray | list[int] | slice) -> Dataset:
        """The rows selected by ``idx`` (indices, a boolean mask or a slice), names unchanged."""
        if not isinstance(idx, slice):
            idx = np.asarray(idx)
            if idx.dtype != bool:
                idx = idx.astype(np.int64, copy=False)
        return dataclasses.replace(self, X=self.X[idx], y=self.y[idx])

    def split(self, validation_ratio: float, seed: int) -> tuple[Dataset, Dataset]:
        """Shuffle with ``seed`` and hold out ``validation_ratio`` of the rows for validation.

        Classification splits are stratified: each class is divided in the same proportion, so a
        small validation set still shows every class. A ratio of 0 gives an empty validation set.
        """
        train_idx, val_idx = self.split_indices(validation_ratio, seed)
        return self.subset(train_idx), self.subset(val_idx)

    def split_indices(self, validation_ratio: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """The row indices of :meth:`split`'s two parts, in their order (no arrays copied)."""
        if not 0.0 <= validation_ratio < 1.0:
            raise DataError(f"validation_ratio must be in [0, 1), got {validation_ratio}")
        rng = np.random.default_rng(seed)
        n_val = round(validation_ratio * len(self))
        if n_val >= len(self) and len(self) > 0:
            raise DataError(f"a ratio of {validation_ratio} leaves no training rows")
        if self.is_classification:
            val_idx = _stratified_pick(self.y, n_val, rng)
        else:
            val_idx = rng.permutation(len(self))[:n_val]
        is_val = np.zeros(len(self), dtype=bool)
        is_val[val_idx] = True
        train_idx = rng.permutation(np.flatnonzero(~is_val))
        val_idx = rng.permutation(np.flatnonzero(is_val))
        return train_idx, val_idx

    def targets(self) -> np.ndarray:
        """Targets in the form the engine trains on.

        binary: (n, 1) floats 0/1 for a sigmoid output; multiclass: (n,) int64 class indices for
        softmax cross-entropy; regression: (n, k) floats.
        """
        if self.task == "binary":
            return self.y.astype(np.float64).reshape(-1, 1)
        if self.task == "multiclass":
            return self.y.copy()
        return self.y.reshape(len(self), -1).copy()

    def one_hot(self) -> np.ndarray:
        """Class indices as (n, k) rows of 0/1 ("to categorical" in Keras)."""
        if not self.is_classification:
            raise DataError("one_hot() needs a classification data set")
        k = len(self.class_names or ())
        out = np.zeros((len(self), k))
        out[np.arange(len(self)), self.y] = 1.0
        return out

    def class_counts(self) -> np.ndarray:
        """Rows per class, in class-index order."""
        if not self.is_classification:
            raise DataError("class_counts() needs a classification data set")
        return np.bincount(self.y, minlength=len(self.class_names or ()))

    def standardized(self, standardizer: Standardizer) -> Dataset:
        """A copy with features transformed by ``standardizer`` (fitted on training rows)."""
        return dataclasses.replace(self, X=standardizer.transform(self.X))


def _require_finite(a: np.ndarray, what: str) -> None:
    if a.size and not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        where = f"row {bad[0]}" + (f", column {bad[1]}" if a.ndim == 2 else "")
        raise DataError(f"{what} must be finite numbers; found {a[tuple(bad)]} at {where}")


def _stratified_pick(y: np.ndarray, n_pick: int, rng: np.random.Generator) -> np.ndarray:
    """``n_pick`` row indices, each class contributing in proportion to its size.

    Shares are rounded by largest remainder so that they add up to exactly ``n_pick``.
    """
    classes, counts = np.unique(y, return_counts=True)
    exact = counts * (n_pick / max(len(y), 1))
    shares = np.floor(exact).astype(np.int64)
    leftover = n_pick - int(shares.sum())
    shares[np.argsort(-(exact - shares), kind="stable")[:leftover]] += 1
    picked = [
        rng.permutation(np.flatnonzero(y == c))[:share]
        for c, share in zip(classes, shares, strict=True)
    ]
    return np.concatenate(picked) if picked else np.empty(0, dtype=np.int64)
