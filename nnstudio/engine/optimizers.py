"""Optimizers with torch.optim's update rules, defaults and hyper-parameter meanings.

Every optimizer here is element-wise, so the network hands it all parameters as one flat vector
and the state (momentum buffers, running averages) is a flat vector too. ``step`` writes the
update into ``self.delta`` (the GUI shows each weight's last update) and the caller adds it.
The formulas follow PyTorch's implementation (for example AMSGrad keeps the maximum of the raw
second moment, not of the bias-corrected one), so a student's run can be reproduced in PyTorch
step for step, equal up to rounding.

An update is a dozen NumPy operations per element. Done on whole vectors, each operation
streams every vector it touches through the caches again (Adam over 0.74 M float64 parameters:
a dozen passes over 6 MB vectors). So the update runs block by block (``BLOCK_BYTES`` of each
vector, about a megabyte for all vectors of a block together): all operations of a block run
while it sits in the core's L2 cache. Every operation is element-wise, so the blocks give the
same numbers as whole vectors, bit for bit. Scalars that change every step (Adam's bias
corrections, Adagrad's decayed rate) are computed once per step, not per block. The update
runs on one thread: splitting it over two threads was measured slower (GIL hand-offs between
NumPy calls, and BLAS threads still spinning after the backward pass, cost more than they
save). docs/engine-bench.md has the measurements, and why blocks save less than the passes
suggest (square roots and divisions are bound by arithmetic, not memory).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from nnstudio.engine.registry import Registry

#: Bytes of each vector updated together: 256 KB (32,768 float64 or 65,536 float32 values),
#: so the five vectors of an Adam block (gradient, two averages, update, scratch) fit a core's
#: 2 MB L2 cache. Smaller blocks pay NumPy's per-call overhead (about 0.5 us, a dozen calls per
#: block) more often; networks up to that size (all but the largest) update in one block.
BLOCK_BYTES = 1 << 18


class Optimizer:
    """Base class. Subclasses declare ``defaults`` (hyper-parameters) and ``state_names``.

    A subclass computes, in ``_constants``, the scalars of one step and, in ``_update``, the
    update of one block of elements from those scalars.
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
        self._block_size = max(1, BLOCK_BYTES // self.dtype.itemsize)
        # Scratch for one block, reused: a fresh temporary each step costs page faults.
        self._tmp = np.empty(min(size, self._block_size), self.dtype)
        self._decayed = np.empty_like(self._tmp)
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

    def step(self, theta: np.ndarray, grad: np.ndarray) -> float:
        """Compute ``self.delta`` from the gradient (updating the state); the caller applies it.

        Returns the sum of the squared update: not finite exactly when some element of the
        update is not (or the sum overflows), which the caller checks before applying it.
        """
        self.t += 1
        k = self._constants()
        block = self._block_size
        if self.size <= block:  # one block: the vectors themselves, no views to make
            return self._block(theta, grad, self.state, self.delta, self._tmp, self._decayed, k)
        total = 0.0
        for lo in range(0, self.size, block):
            part = slice(lo, lo + block)
            state = {name: vector[part] for name, vector in self.state.items()}
            n = min(block, self.size - lo)
            tmp, decayed = self._tmp[:n], self._decayed[:n]
            total += self._block(theta[part], grad[part], state, self.delta[part], tmp, decayed, k)
        return total

    def _block(self, theta, grad, state, delta, tmp, decayed, k) -> float:
        g, wd = grad, k.get("weight_decay")
        if wd:
            g = np.multiply(theta, wd, out=decayed)
            g += grad
        self._update(g, state, delta, tmp, k)
        return float(np.vdot(delta, delta))  # while the block is in cache

    def _constants(self) -> dict[str, Any]:
        """The scalars of this step (``self.t`` is its number), shared by all blocks."""
        return self.hyper

    def _update(
        self, g: np.ndarray, state: dict[str, np.ndarray], delta: np.ndarray, tmp: np.ndarray, k
    ) -> None:
        """Update one block: ``state`` holds views of the state vectors, ``tmp`` is scratch."""
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

    def _update(self, g, state, delta, tmp, k):
        mu = k["momentum"]
        if mu:
            buf = state["momentum_buffer"]
            if self.t == 1:
                np.copyto(buf, g)
            else:
                buf *= mu
                if k["dampening"]:
                    np.multiply(g, 1 - k["dampening"], out=tmp)
                    buf += tmp
                else:  # g x 1.0 is g: one pass fewer for the usual momentum
                    buf += g
            if k["nesterov"]:
                nesterov = np.multiply(buf, mu, out=tmp)
                nesterov += g
                g = nesterov
            else:
                g = buf
        np.multiply(g, -k["learning_rate"], out=delta)


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

    def _constants(self):
        # The state is kept scaled, m' = m / (1 - b1) and v' = v / (1 - b2), so each running
        # average is two or three operations. sqrt(v / bc2) = sqrt(v') c with
        # c = sqrt((1 - b2) / bc2): the bias corrections become two scalars, eps / c and the
        # step -lr (1 - b1) / bc1 / c. The update equals torch's up to rounding.
        h = self.hyper
        beta1, beta2 = h["betas"]
        c = math.sqrt((1 - beta2) / (1 - beta2**self.t))
        step = h["learning_rate"] * (1 - beta1) / (1 - beta1**self.t)
        return {**h, "eps_c": h["eps"] / c, "scale": -step / c}

    def _update(self, g, state, delta, tmp, k):
        beta1, beta2 = k["betas"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += g
        np.multiply(g, g, out=tmp)
        v *= beta2
        v += tmp
        if k["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        d = np.sqrt(v, out=delta)
        d += k["eps_c"]
        np.divide(m, d, out=d)
        d *= k["scale"]

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

    def _update(self, g, state, delta, tmp, k):
        alpha = k["alpha"]
        sq = state["square_avg"]
        sq *= alpha
        np.multiply(g, g, out=tmp)
        tmp *= 1 - alpha
        sq += tmp
        avg = delta
        if k["centered"]:
            ga = state["grad_avg"]
            np.subtract(g, ga, out=tmp)  # torch: grad_avg.lerp_(grad, 1 - alpha)
            tmp *= 1 - alpha
            ga += tmp
            np.multiply(ga, ga, out=avg)
            np.subtract(sq, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(sq, out=avg)
        avg += k["eps"]
        if k["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= k["momentum"]
            np.divide(g, avg, out=tmp)
            buf += tmp
            np.multiply(buf, -k["learning_rate"], out=delta)
        else:
            np.divide(g, avg, out=delta)
            delta *= -k["learning_rate"]


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

    def _constants(self):
        h = self.hyper
        return {**h, "clr": h["learning_rate"] / (1 + (self.t - 1) * h["lr_decay"])}

    def _update(self, g, state, delta, tmp, k):
        s = state["sum"]
        np.multiply(g, g, out=tmp)
        s += tmp
        std = np.sqrt(s, out=delta)
        std += k["eps"]
        np.divide(g, std, out=delta)
        delta *= -k["clr"]


class Adadelta(Optimizer):
    name = "adadelta"
    description = "Adadelta: step sizes from running averages of both slopes and past updates."
    formula = (
        "v = rho v + (1 - rho) g^2;  d = sqrt(u + eps) / sqrt(v + eps) g;\n"
        "u = rho u + (1 - rho) d^2;  w = w - lr d"
    )
    defaults = {"learning_rate": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0}
    state_names = ("square_avg", "acc_delta")

    def _update(self, g, state, delta, tmp, k):
        rho, eps = k["rho"], k["eps"]
        v, u, d = state["square_avg"], state["acc_delta"], delta
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
        d *= -k["learning_rate"]


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
