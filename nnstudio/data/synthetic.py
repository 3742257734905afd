"""Seeded toy data sets: TensorFlow Playground's classics and the course's worked examples.

Every generator draws from its own ``np.random.default_rng(seed)``, so the same arguments
always give the same points and nothing else in the program disturbs them.

The two-feature sets live in the square [-6, 6]^2 and follow Playground's ``dataset.ts``:
``noise`` is a fraction from 0 to 0.5. For ``circle`` and ``xor`` it jitters the position used
to *decide the label* (so labels near the boundary flip), for ``spiral`` and ``moons`` it jitters
the points themselves, for ``gauss`` it widens the clusters, and for the regression sets it
blurs the target. Binary classes are named after Playground's colours: its label -1 is drawn
orange (class 0 here) and +1 blue (class 1).
"""

from __future__ import annotations

import numpy as np

from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError
from nnstudio.data.limits import MAX_SYNTHETIC_SAMPLES

CLASS_NAMES = ["orange", "blue"]
XY = ["x1", "x2"]
HALF_WIDTH = 6.0  # the square [-6, 6]^2 the points live in


def _checked_rng(n_samples: int, noise: float, seed: int) -> np.random.Generator:
    if int(n_samples) != n_samples or not 2 <= n_samples <= MAX_SYNTHETIC_SAMPLES:
        raise DataError(
            f"n_samples must be a whole number from 2 to {MAX_SYNTHETIC_SAMPLES:,}, got {n_samples}"
        )
    if not 0.0 <= noise <= 0.5:
        raise DataError(f"noise must be between 0 and 0.5, got {noise}")
    return np.random.default_rng(seed)


def _halves(n_samples: int) -> tuple[int, int]:
    """Rows per class: orange first, blue gets the odd one."""
    return n_samples // 2, n_samples - n_samples // 2


def _binary(name: str, X: np.ndarray, blue: np.ndarray, rng: np.random.Generator) -> Dataset:
    """Shuffle the rows (generators build class by class) and wrap them."""
    order = rng.permutation(len(X))
    y = blue[order].astype(np.int64)
    return Dataset(X[order], y, XY, CLASS_NAMES, "binary", name=name).validate()


def _polar(r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return np.column_stack([r * np.sin(angle), r * np.cos(angle)])


def circle(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Blue disc of radius 2.5 inside an orange ring from 3.5 to 5."""
    rng = _checked_rng(n_samples, noise, seed)
    n_out, n_in = _halves(n_samples)
    radius = 5.0
    r = np.concatenate(
        [rng.uniform(0.7 * radius, radius, n_out), rng.uniform(0, 0.5 * radius, n_in)]
    )
    X = _polar(r, rng.uniform(0, 2 * np.pi, n_samples))
    judged = X + rng.uniform(-radius, radius, X.shape) * noise
    blue = np.hypot(judged[:, 0], judged[:, 1]) < 0.5 * radius
    return _binary("circle", X, blue, rng)


def xor(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Four quadrants: blue where x1 and x2 share a sign, orange where they do not.

    A 0.3 gap keeps points off the axes. Each class gets half the points, so the classes are
    exactly balanced when there is no noise.
    """
    rng = _checked_rng(n_samples, noise, seed)
    n_orange, n_blue = _halves(n_samples)
    magnitude = rng.uniform(0, 5, (n_samples, 2)) + 0.3
    sign_x1 = rng.choice([-1.0, 1.0], n_samples)
    sign_x2 = sign_x1 * np.repeat([-1.0, 1.0], [n_orange, n_blue])
    X = magnitude * np.column_stack([sign_x1, sign_x2])
    judged = X + rng.uniform(-5, 5, X.shape) * noise
    blue = judged[:, 0] * judged[:, 1] >= 0
    return _binary("xor", X, blue, rng)


def gauss(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Two Gaussian clusters at (-2, -2) (orange) and (2, 2) (blue).

    Noise widens them: the variance grows from 0.5 to 4. Points that would fall outside the
    square are drawn again, so the clusters are truncated rather than piled up on the border.
    """
    rng = _checked_rng(n_samples, noise, seed)
    n_orange, n_blue = _halves(n_samples)
    std = np.sqrt(0.5 + 7.0 * noise)
    centre = np.repeat([[-2.0, -2.0], [2.0, 2.0]], [n_orange, n_blue], axis=0)
    X = rng.normal(centre, std)
    outside = np.any(np.abs(X) > HALF_WIDTH, axis=1)
    while outside.any():
        X[outside] = rng.normal(centre[outside], std)
        outside = np.any(np.abs(X) > HALF_WIDTH, axis=1)
    blue = np.repeat([False, True], [n_orange, n_blue])
    return _binary("gauss", X, blue, rng)


def spiral(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Two interleaved spirals, 1.75 turns each, radius growing to 5."""
    rng = _checked_rng(n_samples, noise, seed)
    arms = []
    for n, offset in zip(_halves(n_samples), (np.pi, 0.0), strict=True):
        s = np.arange(n) / n
        arms.append(_polar(5 * s, 1.75 * 2 * np.pi * s + offset))
    X = np.concatenate(arms) + rng.uniform(-1, 1, (n_samples, 2)) * noise
    blue = np.repeat([False, True], _halves(n_samples))
    return _binary("spiral", X, blue, rng)


def moons(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Two interlocking half circles, like scikit-learn's make_moons scaled by 3.

    The moons are centred on the origin. Noise adds Gaussian jitter with standard deviation
    ``2 * noise``.
    """
    rng = _checked_rng(n_samples, noise, seed)
    n_orange, n_blue = _halves(n_samples)
    t = rng.uniform(0, np.pi, n_samples)
    upper = np.column_stack([np.cos(t), np.sin(t)])[:n_orange]
    lower = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])[n_orange:]
    X = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 3.0
    X = np.clip(X + rng.normal(0, 2 * noise, X.shape), -HALF_WIDTH, HALF_WIDTH)
    blue = np.repeat([False, True], [n_orange, n_blue])
    return _binary("moons", X, blue, rng)


def plane(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """A tilted plane: y = (x1 + x2) / 10, from -1.2 to 1.2 over the square."""
    rng = _checked_rng(n_samples, noise, seed)
    X = rng.uniform(-HALF_WIDTH, HALF_WIDTH, (n_samples, 2))
    judged = X + rng.uniform(-HALF_WIDTH, HALF_WIDTH, X.shape) * noise
    y = judged.sum(axis=1) / 10.0
    return Dataset(X, y, XY, None, "regression", name="plane", target_names=["y"]).validate()


def sine(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """One input: y = sin(x) for x in [-6, 6], plus uniform noise.

    The noise is drawn from [-noise, noise].
    """
    rng = _checked_rng(n_samples, noise, seed)
    x = rng.uniform(-HALF_WIDTH, HALF_WIDTH, (n_samples, 1))
    y = np.sin(x[:, 0]) + rng.uniform(-1, 1, n_samples) * noise
    return Dataset(x, y, ["x"], None, "regression", name="sine", target_names=["y"]).validate()


def course_line() -> Dataset:
    """The two points (1, 3) and (2, 5) the course fits a line y = m x + b to by hand."""
    X = np.array([[1.0], [2.0]])
    y = np.array([3.0, 5.0])
    return Dataset(
        X, y, ["x"], None, "regression", name="course_line", target_names=["y"]
    ).validate()


def pass_class(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """The course's "will I pass?" problem: lectures attended (0-20), final-project hours (0-40).

    A student passes when ``lectures / 20 + hours / 40`` (plus Gaussian luck with standard
    deviation ``noise``) exceeds 1: either habit can make up for the other, so the classes are
    split by a straight line, which is what a single neuron can learn.
    """
    rng = _checked_rng(n_samples, noise, seed)
    lectures = rng.integers(0, 21, n_samples).astype(np.float64)
    hours = np.round(rng.uniform(0, 40, n_samples), 1)
    passed = lectures / 20 + hours / 40 + rng.normal(0, noise, n_samples) > 1.0
    X = np.column_stack([lectures, hours])
    names = ["lectures_attended", "project_hours"]
    return Dataset(
        X, passed.astype(np.int64), names, ["fail", "pass"], "binary", name="pass_class"
    ).validate()
