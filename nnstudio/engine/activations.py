"""Activation functions: each forward formula sits next to its derivative.

``forward(z)`` gives a = g(z). ``derivative(z, a)`` gives g'(z) element by element (what the
course calls "the slope of the activation"); it may use ``a`` because g' is cheapest in terms of
the output for sigmoid (a(1 - a)) and tanh (1 - a^2). ``backward(z, a, grad_a)`` turns dL/da into
dL/dz; it is the derivative times grad_a except for softmax, whose Jacobian is not diagonal.
Constants are PyTorch's defaults so a run can be reproduced there.
"""

from __future__ import annotations

import numpy as np

from nnstudio.engine.compiled import compiled
from nnstudio.engine.registry import Registry


class Activation:
    """Base class: an element-wise activation g with its derivative g'."""

    name = ""
    description = ""
    formula = ""

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(
        self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        return np.multiply(grad_a, self.derivative(z, a), out=out)


class Linear(Activation):
    name = "linear"
    description = "Passes the weighted sum through unchanged (no non-linearity)."
    formula = "g(z) = z,  g'(z) = 1"

    def forward(self, z, out=None):
        if out is None:
            return z.copy()
        np.copyto(out, z)
        return out

    def derivative(self, z, a):
        return np.ones_like(z)

    def backward(self, z, a, grad_a, out=None):
        if out is None:
            return grad_a.copy()
        np.copyto(out, grad_a)
        return out


class ReLU(Activation):
    name = "relu"
    description = "Keeps positive sums, zeroes negative ones; its slope is 0 or 1."
    formula = "g(z) = max(0, z),  g'(z) = 1 if z > 0 else 0"

    def forward(self, z, out=None):
        return np.maximum(z, 0.0, out=out)  # a float 0: faster than an int to convert

    def derivative(self, z, a):
        return (z > 0).astype(z.dtype)

    def backward(self, z, a, grad_a, out=None):
        out = np.empty_like(grad_a) if out is None else out
        if not z.ndim == 2 or not z.shape == grad_a.shape == out.shape:  # no bounds checks below
            raise ValueError(f"shapes {z.shape}, {grad_a.shape}, {out.shape} must be one 2-D shape")
        _relu_backward(z, grad_a, out)
        return out


@compiled
def _relu_backward(z, grad_a, out):
    """dL/dz = dL/da x (1 if z > 0 else 0), as NumPy's multiply(grad_a, z > 0) rounds it.

    One pass instead of two (the comparison's boolean array, then the product): relu is the
    hidden activation of every deep network in the course, and a 12-layer step does this 12
    times. It returns nothing: handing back an array costs numba a Python object each call.
    """
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            out[i, j] = grad_a[i, j] * (1.0 if z[i, j] > 0 else 0.0)


class LeakyReLU(Activation):
    name = "leaky_relu"
    description = (
        "Like ReLU, but negative sums keep a small slope (0.01) so neurons never go silent."
    )
    formula = "g(z) = z if z > 0 else 0.01 z,  g'(z) = 1 if z > 0 else 0.01"
    slope = 0.01

    def forward(self, z, out=None):
        result = np.where(z > 0, z, self.slope * z)
        if out is None:
            return result
        np.copyto(out, result)
        return out

    def derivative(self, z, a):
        return np.where(z > 0, 1.0, self.slope).astype(z.dtype)


class ELU(Activation):
    name = "elu"
    description = "Smooth ReLU: negative sums bend towards -1 instead of being cut to 0."
    formula = "g(z) = z if z > 0 else exp(z) - 1,  g'(z) = 1 if z > 0 else g(z) + 1"
    alpha = 1.0

    def forward(self, z, out=None):
        # expm1 of min(z, 0): no overflow for large positive z in the unused branch.
        result = np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))
        if out is None:
            return result
        np.copyto(out, result)
        return out

    def derivative(self, z, a):
        return np.where(z > 0, 1.0, a + self.alpha).astype(z.dtype)


class Sigmoid(Activation):
    name = "sigmoid"
    description = "Squashes any sum into (0, 1): a probability for two classes."
    formula = "g(z) = 1 / (1 + exp(-z)),  g'(z) = g(z) (1 - g(z))"

    def forward(self, z, out=None):
        # 1/(1+exp(-z)) == (1 + tanh(z/2)) / 2, which never overflows.
        a = np.multiply(z, 0.5, out=out)
        np.tanh(a, out=a)
        a *= 0.5
        a += 0.5
        return a

    def derivative(self, z, a):
        return a * (1 - a)


class Tanh(Activation):
    name = "tanh"
    description = "Squashes any sum into (-1, 1), centred on zero."
    formula = "g(z) = tanh(z),  g'(z) = 1 - g(z)^2"

    def forward(self, z, out=None):
        return np.tanh(z, out=out)

    def derivative(self, z, a):
        return 1 - a * a

    def backward(self, z, a, grad_a, out=None):
        d = np.multiply(a, a, out=out)
        np.subtract(1.0, d, out=d)
        d *= grad_a
        return d


class Softmax(Activation):
    name = "softmax"
    description = "Turns a layer's sums into probabilities over classes that add up to 1."
    formula = "g(z)_i = exp(z_i) / sum_j exp(z_j),  dg_i/dz_j = g_i (delta_ij - g_j)"

    def forward(self, z, out=None):
        e = np.subtract(z, z.max(axis=1, keepdims=True), out=out)
        np.exp(e, out=e)
        e /= e.sum(axis=1, keepdims=True)
        return e

    def derivative(self, z, a):
        """The diagonal of the Jacobian, g_i (1 - g_i); ``backward`` uses the full Jacobian."""
        return a * (1 - a)

    def backward(self, z, a, grad_a, out=None):
        d = np.subtract(grad_a, (grad_a * a).sum(axis=1, keepdims=True), out=out)
        d *= a
        return d


SIGMOID = Sigmoid()
ACTIVATIONS: Registry[Activation] = Registry(
    "activation", [Linear(), ReLU(), LeakyReLU(), ELU(), SIGMOID, Tanh(), Softmax()]
)


def get(name: str) -> Activation:
    """The activation registered under ``name``; ``ValueError`` lists the known names."""
    return ACTIVATIONS.get(name)
