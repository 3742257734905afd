"""Weight initializers. All randomness comes from the seeded ``numpy.random.Generator`` passed in.

``init(rng, fan_in, fan_out, **params)`` returns ``(W, b)`` in float64 with W of shape
(fan_in, fan_out); the network casts to its dtype. Biases start at zero except for ``torch``,
which copies ``nn.Linear``'s default so the start matches PyTorch in distribution.
"""

from __future__ import annotations

import math

import numpy as np

from nnstudio.engine.registry import Registry


class Initializer:
    name = ""
    description = ""
    formula = ""
    #: Extra spec keys this initializer takes, with their defaults.
    params: dict[str, float] = {}

    def weights(self, rng: np.random.Generator, fan_in: int, fan_out: int, **params) -> np.ndarray:
        raise NotImplementedError

    def init(
        self, rng: np.random.Generator, fan_in: int, fan_out: int, **params
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.weights(rng, fan_in, fan_out, **params), np.zeros(fan_out)


class _Uniform(Initializer):
    def limit(self, fan_in: int, fan_out: int, **params) -> float:
        raise NotImplementedError

    def weights(self, rng, fan_in, fan_out, **params):
        lim = self.limit(fan_in, fan_out, **params)
        return rng.uniform(-lim, lim, size=(fan_in, fan_out))


class _Normal(Initializer):
    def std(self, fan_in: int, fan_out: int, **params) -> float:
        raise NotImplementedError

    def weights(self, rng, fan_in, fan_out, **params):
        return rng.normal(0.0, self.std(fan_in, fan_out, **params), size=(fan_in, fan_out))


class GlorotUniform(_Uniform):
    name = "glorot_uniform"
    description = "Xavier/Glorot uniform: keeps signal size steady for tanh and sigmoid."
    formula = "W ~ U(-l, l),  l = sqrt(6 / (fan_in + fan_out))"

    def limit(self, fan_in, fan_out):
        return math.sqrt(6.0 / (fan_in + fan_out))


class GlorotNormal(_Normal):
    name = "glorot_normal"
    description = "Xavier/Glorot normal: the normal-distribution version of glorot_uniform."
    formula = "W ~ N(0, s^2),  s = sqrt(2 / (fan_in + fan_out))"

    def std(self, fan_in, fan_out):
        return math.sqrt(2.0 / (fan_in + fan_out))


class HeUniform(_Uniform):
    name = "he_uniform"
    description = "He/Kaiming uniform: sized for ReLU layers, which halve the signal."
    formula = "W ~ U(-l, l),  l = sqrt(6 / fan_in)"

    def limit(self, fan_in, fan_out):
        return math.sqrt(6.0 / fan_in)


class HeNormal(_Normal):
    name = "he_normal"
    description = "He/Kaiming normal: the normal-distribution version of he_uniform."
    formula = "W ~ N(0, s^2),  s = sqrt(2 / fan_in)"

    def std(self, fan_in, fan_out):
        return math.sqrt(2.0 / fan_in)


class LecunNormal(_Normal):
    name = "lecun_normal"
    description = "LeCun normal: variance 1 / fan_in, the classic choice for SELU and tanh."
    formula = "W ~ N(0, s^2),  s = sqrt(1 / fan_in)"

    def std(self, fan_in, fan_out):
        return math.sqrt(1.0 / fan_in)


class Normal(_Normal):
    name = "normal"
    description = "Normal with a standard deviation you choose."
    formula = "W ~ N(0, std^2)"
    params = {"std": 0.05}

    def std(self, fan_in, fan_out, std=0.05):
        return std


class Uniform(_Uniform):
    name = "uniform"
    description = "Uniform between -limit and +limit, a limit you choose."
    formula = "W ~ U(-limit, limit)"
    params = {"limit": 0.05}

    def limit(self, fan_in, fan_out, limit=0.05):
        return limit


class Zeros(Initializer):
    name = "zeros"
    description = (
        "All weights zero: every neuron stays identical. Try it to see why starts are random."
    )
    formula = "W = 0"

    def weights(self, rng, fan_in, fan_out):
        return np.zeros((fan_in, fan_out))


class Torch(Initializer):
    name = "torch"
    description = "PyTorch's nn.Linear default: weights and biases uniform in +-1/sqrt(fan_in)."
    formula = "W, b ~ U(-l, l),  l = 1 / sqrt(fan_in)"

    def weights(self, rng, fan_in, fan_out):
        lim = 1.0 / math.sqrt(fan_in)
        return rng.uniform(-lim, lim, size=(fan_in, fan_out))

    def init(self, rng, fan_in, fan_out):
        w = self.weights(rng, fan_in, fan_out)
        lim = 1.0 / math.sqrt(fan_in)
        return w, rng.uniform(-lim, lim, size=fan_out)


INITIALIZERS: Registry[Initializer] = Registry(
    "initializer",
    [
        GlorotUniform(),
        GlorotNormal(),
        HeUniform(),
        HeNormal(),
        LecunNormal(),
        Normal(),
        Uniform(),
        Zeros(),
        Torch(),
    ],
)


def get(name: str) -> Initializer:
    """The initializer registered under ``name``; ``ValueError`` lists the known names."""
    return INITIALIZERS.get(name)
