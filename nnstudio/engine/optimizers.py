"""Optimizers with torch.optim's update rules, defaults and hyper-parameter meanings.

Every optimizer here is element-wise, so the network hands it all parameters as one flat vector
and the state (momentum buffers, running averages) is a flat vector too. A class holds the
hyper-parameters, the state and the scalars of a step; the per-weight arithmetic is in
``updates.py``, compiled, one pass over the vectors per step. ``step`` updates the weights in
place and keeps the update in ``self.delta`` (the GUI shows each weight's last update). The
formulas follow PyTorch's implementation (for example AMSGrad keeps the maximum of the raw second
moment, not of the bias-corrected one), so a student's run can be reproduced in PyTorch step for
step, equal up to rounding.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from nnstudio.engine import updates
from nnstudio.engine.registry import Registry


class Optimizer:
    """Base class. Subclasses declare ``defaults`` (hyper-parameters) and ``state_names``.

    A subclass's ``_apply`` runs its kernel from ``updates.py`` on ``self._vectors`` (the
    update, the old weights and the state) with its hyper-parameters as ``_settings`` makes
    them, and the scalars that change per step. Both are made when they change, not per step:
    on a small network the conversions cost as much as the update.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    formula: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    state_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, size: int, dtype: np.dtype | str = np.float64, **hyper: Any) -> None:
        self.hyper: dict[str, Any] = {**self.defaults, **hyper}
        self.size = size
        self.dtype = np.dtype(dtype)
        self.delta = np.zeros(size, self.dtype)
        self._old = np.empty(size, self.dtype)  # the weights before the step, to take it back
        self._settings = self._kernel_settings()
        self.reset()

    def reset(self) -> None:
        """Forget all state: the next step is step 1."""
        self.t = 0
        self.state = {name: self._initial_state(name) for name in self.state_names}
        self._vectors = (self.delta, self._old, *self.state.values())
        self.delta[:] = 0

    def _initial_state(self, name: str) -> np.ndarray:
        return np.zeros(self.size, self.dtype)

    def set_hyper(self, **hyper: Any) -> None:
        """Change hyper-parameters between steps (the state is kept, as in torch.optim)."""
        self.hyper.update(hyper)
        self._settings = self._kernel_settings()

    def step(self, theta: np.ndarray, grad: np.ndarray) -> bool:
        """Update the weights ``theta`` in place from their gradient; ``self.delta`` is the update.

        Returns False when some new weight would not be finite: the weights are then put back
        as they were and the state starts afresh (the running averages may hold inf or NaN),
        so the weights always stay the last finite ones.
        """
        if not theta.shape == grad.shape == self.delta.shape:  # the loop checks no bounds
            raise ValueError(
                f"expected {self.size} weights and gradients, got {theta.shape} and {grad.shape}"
            )
        self.t += 1
        if self._apply(theta, grad):
            return True
        np.copyto(theta, self._old)
        self.reset()
        return False

    def _apply(self, theta: np.ndarray, grad: np.ndarray) -> bool:
        """Run this optimizer's kernel (``self.t`` is the step's number); True if all finite."""
        raise NotImplementedError

    def _kernel_settings(self) -> tuple:
        """The hyper-parameters as the kernel takes them, after the vectors."""
        raise NotImplementedError

    def _scalar(self, value: float) -> np.generic:
        """A number in the vectors' dtype, as NumPy would use a Python float."""
        return self.dtype.type(value)

    def get_config(self) -> dict[str, Any]:
        cfg = {"name": self.name}
        for key, value in self.hyper.items():
            cfg[key] = list(value) if isinstance(value, tuple) else value
        return cfg

    def state_dict(self) -> dict[str, Any]:
        """A copy of the state, cheap enough to snapshot (time travel, races)."""
        return {"t": self.t, **{k: v.copy() for k, v in self.state.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.t = int(state["t"])
        for name in self.state_names:
            np.copyto(self.state[name], state[name])


class SGD(Optimizer):
    name = "sgd"
    description = "Stochastic gradient descent: step downhill by learning_rate x slope."
    formula = (
        "g = grad + weight_decay w;  b = momentum b + (1 - dampening) g (b = g at step 1);\n"
        "g = g + momentum b if nesterov else b (when momentum > 0);  w = w - lr g"
    )
    defaults = {
        "learning_rate": 0.001,
        "momentum": 0.0,
        "dampening": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
    }
    state_names = ("momentum_buffer",)

    def _kernel_settings(self):
        h, x = self.hyper, self._scalar
        return (
            x(-h["learning_rate"]), x(h["weight_decay"]), x(h["momentum"]),
            x(1 - h["dampening"]), bool(h["nesterov"]),
        )  # fmt: skip

    def _apply(self, theta, grad):
        return updates.sgd(theta, grad, *self._vectors, *self._settings, self.t == 1)


class Adam(Optimizer):
    name = "adam"
    description = "Adam: momentum plus a per-weight step size from the running mean of grad^2."
    formula = (
        "m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;\n"
        "w = w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)"
    )
    defaults = {
        "learning_rate": 0.001,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
    }
    state_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def _apply(self, theta, grad):
        # The state is kept scaled, m' = m / (1 - b1) and v' = v / (1 - b2), so each running
        # average is two operations. sqrt(v / bc2) = sqrt(v') c with c = sqrt((1 - b2) / bc2):
        # the bias corrections become two scalars, eps / c and the step -lr (1 - b1) / bc1 / c.
        # The update equals torch's up to rounding.
        h, x = self.hyper, self._scalar
        beta1, beta2 = h["betas"]
        c = math.sqrt((1 - beta2) / (1 - beta2**self.t))
        step = h["learning_rate"] * (1 - beta1) / (1 - beta1**self.t)
        return updates.adam(
            theta, grad, *self._vectors, *self._settings, x(h["eps"] / c), x(-step / c)
        )

    def _kernel_settings(self):
        h, x = self.hyper, self._scalar
        beta1, beta2 = h["betas"]
        return x(h["weight_decay"]), x(beta1), x(beta2), bool(h["amsgrad"])

    def state_dict(self):
        """Torch's ``exp_avg`` and ``exp_avg_sq`` (unscaled), plus the step count."""
        beta1, beta2 = self.hyper["betas"]
        out = super().state_dict()
        out["exp_avg"] *= 1 - beta1
        out["exp_avg_sq"] *= 1 - beta2
        out["max_exp_avg_sq"] *= 1 - beta2
        return out

    def load_state_dict(self, state):
        beta1, beta2 = self.hyper["betas"]
        super().load_state_dict(state)
        self.state["exp_avg"] /= 1 - beta1
        self.state["exp_avg_sq"] /= 1 - beta2
        self.state["max_exp_avg_sq"] /= 1 - beta2


class RMSprop(Optimizer):
    name = "rmsprop"
    description = "RMSprop: divides each step by the running root-mean-square of recent slopes."
    formula = (
        "v = alpha v + (1 - alpha) g^2;  (centered: v = v - mean(g)^2);\n"
        "w = w - lr g / (sqrt(v) + eps)  (with momentum: b = momentum b + g / (sqrt(v) + eps))"
    )
    defaults = {
        "learning_rate": 0.01,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
    }
    state_names = ("square_avg", "grad_avg", "momentum_buffer")

    def _kernel_settings(self):
        h, x = self.hyper, self._scalar
        return (
            x(-h["learning_rate"]), x(h["weight_decay"]), x(h["alpha"]), x(1 - h["alpha"]),
            x(h["eps"]), x(h["momentum"]), bool(h["centered"]),
        )  # fmt: skip

    def _apply(self, theta, grad):
        return updates.rmsprop(theta, grad, *self._vectors, *self._settings)


class Adagrad(Optimizer):
    name = "adagrad"
    description = "Adagrad: each weight's step shrinks with the sum of all its past squared slopes."
    formula = "s = s + g^2;  w = w - (lr / (1 + (t - 1) lr_decay)) g / (sqrt(s) + eps)"
    defaults = {
        "learning_rate": 0.01,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    }
    state_names = ("sum",)

    def _initial_state(self, name):
        return np.full(self.size, self.hyper["initial_accumulator_value"], self.dtype)

    def _kernel_settings(self):
        return self._scalar(self.hyper["weight_decay"]), self._scalar(self.hyper["eps"])

    def _apply(self, theta, grad):
        h = self.hyper
        clr = h["learning_rate"] / (1 + (self.t - 1) * h["lr_decay"])
        return updates.adagrad(theta, grad, *self._vectors, *self._settings, self._scalar(-clr))


class Adadelta(Optimizer):
    name = "adadelta"
    description = "Adadelta: step sizes from running averages of both slopes and past updates."
    formula = (
        "v = rho v + (1 - rho) g^2;  d = sqrt(u + eps) / sqrt(v + eps) g;\n"
        "u = rho u + (1 - rho) d^2;  w = w - lr d"
    )
    defaults = {"learning_rate": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0}
    state_names = ("square_avg", "acc_delta")

    def _kernel_settings(self):
        h, x = self.hyper, self._scalar
        return (
            x(-h["learning_rate"]),
            x(h["weight_decay"]),
            x(h["rho"]),
            x(1 - h["rho"]),
            x(h["eps"]),
        )

    def _apply(self, theta, grad):
        return updates.adadelta(theta, grad, *self._vectors, *self._settings)


OPTIMIZERS: Registry[type[Optimizer]] = Registry(
    "optimizer", [SGD, Adam, RMSprop, Adagrad, Adadelta]
)


def get(name: str) -> type[Optimizer]:
    """The optimizer class registered under ``name``; ``ValueError`` lists the known names."""
    return OPTIMIZERS.get(name)


def from_config(config: dict[str, Any], size: int, dtype: np.dtype | str) -> Optimizer:
    """Build an optimizer from a validated spec entry such as ``{"name": "adam", ...}``."""
    cfg = dict(config)
    cls = get(cfg.pop("name"))
    if "betas" in cfg:
        cfg["betas"] = tuple(cfg["betas"])
    return cls(size, dtype, **cfg)
