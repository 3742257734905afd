"""Standardizer: shift and scale each feature to mean 0 and standard deviation 1."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nnstudio.data.errors import DataError


class Standardizer:
    """Per-feature ``(X - mean) / scale``.

    Fit it on the *training* rows only: statistics taken from validation rows would leak
    information about them into training and make validation scores look better than they are.
    The fitted numbers are stored with a project so predictions use the same transform.
    """

    def __init__(self, mean: np.ndarray, scale: np.ndarray) -> None:
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        self.scale = np.asarray(scale, dtype=np.float64).reshape(-1)
        _check_stats(self.mean, self.scale)

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardizer:
        """Mean and population standard deviation of each column of the training rows ``X``.

        A constant column has standard deviation 0; its scale is 1 so it maps to 0, not NaN.
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] == 0:
            raise DataError(
                f"Standardizer.fit needs a non-empty (rows, features) array, got {X.shape}"
            )
        mean = X.mean(axis=0)
        scale = X.std(axis=0)
        scale[scale == 0.0] = 1.0
        return cls(mean, scale)

    @property
    def n_features(self) -> int:
        return int(self.mean.size)

    def transform(self, X: np.ndarray) -> np.ndarray:
        out = self._checked(X) - self.mean  # one new array, divided in place (60,000 images:
        out /= self.scale  # 376 MB once, not twice)
        return out

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        return self._checked(Z) * self.scale + self.mean

    def _checked(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.shape[-1] != self.n_features:
            raise DataError(
                f"the standardizer was fitted on {self.n_features} features, got {X.shape[-1]}"
            )
        return X

    def to_dict(self) -> dict[str, list[float]]:
        """Plain floats, ready for JSON."""
        return {"mean": [float(v) for v in self.mean], "scale": [float(v) for v in self.scale]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Sequence[float]]) -> Standardizer:
        """Rebuild from :meth:`to_dict` output, e.g. read back from a project file."""
        missing = {"mean", "scale"} - set(d)
        if missing:
            raise DataError(f"standardizer data lacks {', '.join(sorted(missing))}")
        mean, scale = _float_list(d["mean"], "mean"), _float_list(d["scale"], "scale")
        return cls(np.array(mean), np.array(scale))

    def __repr__(self) -> str:
        return f"Standardizer(n_features={self.n_features})"


def _float_list(values: object, key: str) -> list[float]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise DataError(f"standardizer {key!r} must be a list of numbers")
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        raise DataError(f"standardizer {key!r} must be a list of numbers: {values!r}") from None


def _check_stats(mean: np.ndarray, scale: np.ndarray) -> None:
    if mean.size != scale.size:
        raise DataError(f"standardizer has {mean.size} means but {scale.size} scales")
    if not np.all(np.isfinite(mean)):
        raise DataError("standardizer means must be finite numbers")
    if not np.all(np.isfinite(scale) & (scale > 0)):
        bad = scale[~(np.isfinite(scale) & (scale > 0))][0]
        raise DataError(f"standardizer scales must be finite and positive, found {bad}")
