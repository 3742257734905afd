"""Optimizers with torch.optim's update rules, defaults and hyper-parameter meanings.

Every optimizer here is element-wise, so the network hands it all parameters as one flat vector
and the state (momentum buffers, running averages) is a flat vector too: an update is a few
whole-vector NumPy operations. ``step`` writes the update into ``self.delta`` and adds it, so the
GUI can show each weight's last update. The formulas follow PyTorch's implementation (for
example AMSGrad keeps the maximum of the raw second moment, not of the bias-corrected one), so
a student's run can be reproduced in PyTorch step for step, equal up to rounding. Updates reuse
scratch vectors (a fresh temporary the size of a large layer costs page faults every step).
They run on one thread: splitting the vector over two threads was measured slower (thread
hand-offs, and BLAS threads still spinning after the backward pass, cost more than they save).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from nnstudio.engine.registry import Registry


class Optimizer:
    """Base class. Subclasses declare ``defaults`` (hyper-parameters) and ``state_names``."""

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
        # Scratch space: a fresh temporary of a large layer costs page faults on every step.
        self._tmp = np.empty(size, self.dtype)
        self._decayed = np.empty(size, self.dtype)
        self.reset()

    def reset(self) -> None:
        """Forget all state: the next step is step 1."""
        self.t = 0
        self.state = {name: self._initial_state(name) for name in self.state_names}
        self.delta[:] = 0

    def _initial_state(self, name: str) -> np.ndarray:
        return np.zeros(self.size, self.dtype)

    def set_hyper(self, **hyper: Any) -> None:
        """Change hyper-parameters between steps (the state is kept, as in torch.optim)."""
        self.hyper.update(hyper)

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        """Compute ``self.delta`` from the gradient (updating the state); the caller applies it."""
        self.t += 1
        wd = self.hyper.get("weight_decay", 0.0)
        g = grad
        if wd:
            g = np.multiply(theta, wd, out=self._decayed)
            g += grad
        self._delta(g, theta)

    def _delta(self, g: np.ndarray, theta: np.ndarray) -> None:
        raise NotImplementedError

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

    def _delta(self, g, theta):
        h = self.hyper
        mu = h["momentum"]
        if mu:
            buf = self.state["momentum_buffer"]
            if self.t == 1:
                np.copyto(buf, g)
            else:
                buf *= mu
                if h["dampening"]:
                    np.multiply(g, 1 - h["dampening"], out=self._tmp)
                    buf += self._tmp
                else:  # g x 1.0 is g: one pass fewer for the usual momentum
                    buf += g
            if h["nesterov"]:
                nesterov = np.multiply(buf, mu, out=self._tmp)
                nesterov += g
                g = nesterov
            else:
                g = buf
        np.multiply(g, -h["learning_rate"], out=self.delta)


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

    def _delta(self, g, theta):
        # The state is kept scaled, m' = m / (1 - b1) and v' = v / (1 - b2), so each running
        # average is two or three whole-vector operations; the update is the same as torch's
        # up to rounding.
        h = self.hyper
        beta1, beta2 = h["betas"]
        m, v, tmp = self.state["exp_avg"], self.state["exp_avg_sq"], self._tmp
        m *= beta1
        m += g
        np.multiply(g, g, out=tmp)
        v *= beta2
        v += tmp
        if h["amsgrad"]:
            v = np.maximum(self.state["max_exp_avg_sq"], v, out=self.state["max_exp_avg_sq"])
        # sqrt(v / bc2) = sqrt(v') * c  with  c = sqrt((1 - b2) / bc2)
        c = math.sqrt((1 - beta2) / (1 - beta2**self.t))
        step = h["learning_rate"] * (1 - beta1) / (1 - beta1**self.t)
        d = np.sqrt(v, out=self.delta)
        d += h["eps"] / c
        np.divide(m, d, out=d)
        d *= -step / c

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

    def _delta(self, g, theta):
        h = self.hyper
        alpha, tmp = h["alpha"], self._tmp
        sq = self.state["square_avg"]
        sq *= alpha
        np.multiply(g, g, out=tmp)
        tmp *= 1 - alpha
        sq += tmp
        avg = self.delta
        if h["centered"]:
            ga = self.state["grad_avg"]
            np.subtract(g, ga, out=tmp)  # torch: grad_avg.lerp_(grad, 1 - alpha)
            tmp *= 1 - alpha
            ga += tmp
            np.multiply(ga, ga, out=avg)
            np.subtract(sq, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(sq, out=avg)
        avg += h["eps"]
        if h["momentum"] > 0:
            buf = self.state["momentum_buffer"]
            buf *= h["momentum"]
            np.divide(g, avg, out=tmp)
            buf += tmp
            np.multiply(buf, -h["learning_rate"], out=self.delta)
        else:
            np.divide(g, avg, out=self.delta)
            self.delta *= -h["learning_rate"]


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

    def _delta(self, g, theta):
        h = self.hyper
        clr = h["learning_rate"] / (1 + (self.t - 1) * h["lr_decay"])
        s = self.state["sum"]
        np.multiply(g, g, out=self._tmp)
        s += self._tmp
        std = np.sqrt(s, out=self.delta)
        std += h["eps"]
        np.divide(g, std, out=self.delta)
        self.delta *= -clr


class Adadelta(Optimizer):
    name = "adadelta"
    description = "Adadelta: step sizes from running averages of both slopes and past updates."
    formula = (
        "v = rho v + (1 - rho) g^2;  d = sqrt(u + eps) / sqrt(v + eps) g;\n"
        "u = rho u + (1 - rho) d^2;  w = w - lr d"
    )
    defaults = {"learning_rate": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0}
    state_names = ("square_avg", "acc_delta")

    def _delta(self, g, theta):
        h = self.hyper
        rho, eps = h["rho"], h["eps"]
        v, u, tmp, d = self.state["square_avg"], self.state["acc_delta"], self._tmp, self.delta
        v *= rho
        np.multiply(g, g, out=tmp)
        tmp *= 1 - rho
        v += tmp
        np.add(u, eps, out=d)  # d = sqrt(u + eps) / sqrt(v + eps) * g
        np.sqrt(d, out=d)
        np.add(v, eps, out=tmp)
        np.sqrt(tmp, out=tmp)
        d /= tmp
        d *= g
        u *= rho
        np.multiply(d, d, out=tmp)
        tmp *= 1 - rho
        u += tmp
        d *= -h["learning_rate"]


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
