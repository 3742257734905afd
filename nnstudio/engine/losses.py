"""Loss functions: each value formula sits next to its gradient with respect to the prediction.

Conventions follow the course and PyTorch: ``mse`` is the mean over all elements of
(prediction - target)^2, so its slope is 2 (prediction - target) / N. Sigmoid + binary
cross-entropy and softmax + categorical cross-entropy are fused: their value is computed from the
logits z (stable for |z| = 1000) and the gradient with respect to z is simply (a - t) / N.
"""

from __future__ import annotations

import math

import numpy as np

from nnstudio.engine import activations
from nnstudio.engine.compiled import compiled
from nnstudio.engine.registry import Registry

_LOG_FLOOR = -100.0  # PyTorch's BCELoss clamps log(p) at -100 instead of returning -inf.


def _clamped_log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), _LOG_FLOOR)


class Loss:
    """Base class. ``fused_activation`` names the output activation whose pairing is fused."""

    name = ""
    description = ""
    formula = ""
    fused_activation: str | None = None

    def value(self, pred: np.ndarray, target: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, pred: np.ndarray, target: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def value_from_logits(self, z: np.ndarray, target: np.ndarray) -> float:
        """The fused pair's loss straight from the logits z (stable for |z| = 1000)."""
        return self.activate_and_value(z, target, out=np.empty_like(z))

    def activate_and_value(self, z: np.ndarray, target: np.ndarray, out: np.ndarray) -> float:
        """For the fused pair: write the output activation of z into ``out``, return the loss."""
        raise NotImplementedError

    def fused_gradient(
        self, a: np.ndarray, target: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        """dL/dz for the fused pair, from the activated output a: (a - t) / N."""
        d = np.subtract(a, target, out=out)
        d *= 1.0 / self._count(a)
        return d

    def _count(self, pred: np.ndarray) -> int:
        """N in the mean: every element (PyTorch's 'mean' reduction)."""
        return pred.size


class MSE(Loss):
    name = "mse"
    description = "Mean squared error: the average of (prediction - target)^2."
    formula = "L = mean((p - t)^2),  dL/dp = 2 (p - t) / N"
    scale = 1.0  # the loss is scale * mean((p - t)^2)

    def value(self, pred, target):
        d = pred - target
        return float(self.scale * np.vdot(d, d) / d.size)

    def gradient(self, pred, target):
        d = pred - target
        d *= 2.0 * self.scale / d.size
        return d


class HalfMSE(MSE):
    name = "half_mse"
    description = "Half the mean squared error: the 1/2 convention some textbooks use."
    formula = "L = mean((p - t)^2) / 2,  dL/dp = (p - t) / N"
    scale = 0.5


class MAE(Loss):
    name = "mae"
    description = "Mean absolute error: the average distance |prediction - target|."
    formula = "L = mean(|p - t|),  dL/dp = sign(p - t) / N"

    def value(self, pred, target):
        return float(np.abs(pred - target).mean())

    def gradient(self, pred, target):
        return np.sign(pred - target) / pred.size


class BinaryCrossentropy(Loss):
    name = "binary_crossentropy"
    description = "Cross-entropy for yes/no targets: huge error for a confident wrong answer."
    formula = "L = -mean(t log p + (1 - t) log(1 - p)),  dL/dz = (sigmoid(z) - t) / N"
    fused_activation = "sigmoid"

    def value(self, pred, target):
        terms = target * _clamped_log(pred) + (1 - target) * _clamped_log(1 - pred)
        return float(-terms.mean())

    def gradient(self, pred, target):
        denom = np.maximum(pred * (1 - pred), 1e-12)
        return (pred - target) / denom / pred.size

    def activate_and_value(self, z, target, out):
        _same_shapes(z, target)
        activations.SIGMOID.forward(z, out=out)
        return _bce_from_logits(z, target)


def _same_shapes(z: np.ndarray, target: np.ndarray) -> None:
    """The compiled loops below check no bounds: refuse what they would read past."""
    if z.ndim != 2 or z.shape != target.shape:
        raise ValueError(f"logits {z.shape} and targets {target.shape} must be one 2-D shape")


@compiled(error_model="numpy")
def _bce_from_logits(z, target):
    """The mean of log(1 + exp(z)) - z t: -(t log s(z) + (1 - t) log(1 - s(z))), in one pass.

    log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), as NumPy's logaddexp(0, z) computes it,
    never overflows. Compiled because a binary classifier's output is one column: the five
    NumPy calls this replaces cost 2 us, a tenth of a small network's whole step.
    """
    total = 0.0
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            zij = z[i, j]
            total += max(zij, 0) + math.log1p(math.exp(-abs(zij))) - zij * target[i, j]
    return total / z.size


@compiled(error_model="numpy")
def _cce_from_shifted_logits(shifted, target):
    """The mean over rows of log s sum_k t_k - sum_k t_k (z_k - max), s = sum_j exp(z_j - max).

    ``shifted`` holds z - max per row (its largest entry is 0, so s lies in [1, classes] and
    its log never overflows). One compiled pass instead of five NumPy calls on a batch of 32.
    """
    total = 0.0
    for i in range(shifted.shape[0]):
        sums, picked, weight = 0.0, 0.0, 0.0
        for k in range(shifted.shape[1]):
            sums += math.exp(shifted[i, k])
            picked += target[i, k] * shifted[i, k]
            weight += target[i, k]
        total += math.log(sums) * weight - picked
    return total / shifted.shape[0]


class CategoricalCrossentropy(Loss):
    name = "categorical_crossentropy"
    description = "Cross-entropy over several classes: -log of the probability of the true class."
    formula = "L = -mean_n sum_k t_k log p_k,  dL/dz = (softmax(z) - t) / n"
    fused_activation = "softmax"

    def value(self, pred, target):
        return float(-(target * _clamped_log(pred)).sum() / pred.shape[0])

    def gradient(self, pred, target):
        return -target / np.maximum(pred, 1e-12) / pred.shape[0]

    def activate_and_value(self, z, target, out):
        # log p_k = (z_k - max) - log s with s = sum_j exp(z_j - max): the shifted logits and the
        # row sums s are also what the softmax needs. Summed over classes, -sum_k t_k log p_k
        # = log s * sum_k t_k - sum_k t_k (z_k - max): two sums of non-negative terms.
        _same_shapes(z, target)
        shifted = np.subtract(z, z.max(axis=1, keepdims=True), out=out)
        value = _cce_from_shifted_logits(shifted, target)
        np.exp(shifted, out=shifted)
        shifted /= shifted.sum(axis=1, keepdims=True)
        return value

    def _count(self, pred):
        """N in the mean: samples (each sample's loss sums over its classes)."""
        return pred.shape[0]


LOSSES: Registry[Loss] = Registry(
    "loss", [MSE(), HalfMSE(), MAE(), BinaryCrossentropy(), CategoricalCrossentropy()]
)


def get(name: str) -> Loss:
    """The loss registered under ``name``; ``ValueError`` lists the known names."""
    return LOSSES.get(name)
