"""The compiled updates (engine/updates.py) against the same formulas as whole-vector NumPy.

``numpy_step`` below is the optimizers' arithmetic as the engine computed it before the kernels
existed: one NumPy operation after another over whole vectors, Python-float scalars cast by
NumPy to the vectors' dtype. The kernels promise the same operations in the same order, so
weights, updates and state must agree bit for bit, in float64 and float32, for every
configuration of test_engine_optimizers.py. (Whether these formulas are torch.optim's is
checked there, against a plain reference and against torch's golden trajectories.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine import Network, optimizers
from nnstudio.engine.spec import normalize_optimizer
from tests.engine.test_engine_optimizers import CONFIGS, IDS

STEPS = 12


def numpy_step(opt: optimizers.Optimizer, w: np.ndarray, g: np.ndarray) -> None:
    """One step of ``opt``'s formulas in whole-vector NumPy: ``w``, the state and ``opt.delta``."""
    h, s, d, t = opt.hyper, opt.state, opt.delta, opt.t + 1
    opt.t = t
    if h["weight_decay"]:
        g = w * h["weight_decay"] + g
    if opt.name == "sgd":
        mu = h["momentum"]
        if mu:
            buf = s["momentum_buffer"]
            if t == 1:
                buf[:] = g
            else:
                buf *= mu
                buf += g * (1 - h["dampening"]) if h["dampening"] else g
            g = buf * mu + g if h["nesterov"] else buf
        np.multiply(g, -h["learning_rate"], out=d)
    elif opt.name == "adam":
        beta1, beta2 = h["betas"]
        c = math.sqrt((1 - beta2) / (1 - beta2**t))
        step = h["learning_rate"] * (1 - beta1) / (1 - beta1**t)
        m, v = s["exp_avg"], s["exp_avg_sq"]
        m *= beta1
        m += g
        v *= beta2
        v += g * g
        if h["amsgrad"]:
            v = np.maximum(s["max_exp_avg_sq"], v, out=s["max_exp_avg_sq"])
        np.sqrt(v, out=d)
        d += h["eps"] / c
        np.divide(m, d, out=d)
        d *= -step / c
    elif opt.name == "rmsprop":
        alpha, sq = h["alpha"], s["square_avg"]
        sq *= alpha
        sq += g * g * (1 - alpha)
        if h["centered"]:
            ga = s["grad_avg"]
            ga += (g - ga) * (1 - alpha)
            avg = np.sqrt(sq - ga * ga)
        else:
            avg = np.sqrt(sq)
        avg += h["eps"]
        if h["momentum"] > 0:
            buf = s["momentum_buffer"]
            buf *= h["momentum"]
            buf += g / avg
            np.multiply(buf, -h["learning_rate"], out=d)
        else:
            np.divide(g, avg, out=d)
            d *= -h["learning_rate"]
    elif opt.name == "adagrad":
        total = s["sum"]
        total += g * g
        np.divide(g, np.sqrt(total) + h["eps"], out=d)
        d *= -h["learning_rate"] / (1 + (t - 1) * h["lr_decay"])
    elif opt.name == "adadelta":
        rho, eps, v, u = h["rho"], h["eps"], s["square_avg"], s["acc_delta"]
        v *= rho
        v += g * g * (1 - rho)
        np.divide(np.sqrt(u + eps), np.sqrt(v + eps), out=d)
        d *= g
        u *= rho
        u += d * d * (1 - rho)
        d *= -h["learning_rate"]
    else:
        raise AssertionError(opt.name)
    w += d


def run(config, dtype, compiled: bool, size: int = 23):
    """Weights, last update and state after STEPS steps on a gradient that changes sign and size."""
    rng = np.random.default_rng(size)
    w = rng.normal(size=size).astype(dtype)
    target = rng.normal(size=size).astype(dtype)
    opt = optimizers.from_config(normalize_optimizer(config), size, dtype)
    for _ in range(STEPS):
        grad = (np.tanh(w - target) + 0.1 * w).astype(dtype)
        if compiled:
            assert opt.step(w, grad)
        else:
            numpy_step(opt, w, grad)
    return w, opt.delta.copy(), {k: v.copy() for k, v in opt.state.items()}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_kernels_equal_whole_vector_numpy_bit_for_bit(config, dtype):
    w_numpy, d_numpy, s_numpy = run(config, dtype, compiled=False)
    w_kernel, d_kernel, s_kernel = run(config, dtype, compiled=True)
    assert w_kernel.dtype == d_kernel.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(w_kernel, w_numpy)
    np.testing.assert_array_equal(d_kernel, d_numpy)
    for name in s_numpy:
        np.testing.assert_array_equal(s_kernel[name], s_numpy[name])


@pytest.mark.parametrize(
    "name, bad",
    [(name, bad) for name in optimizers.OPTIMIZERS.names() for bad in (np.inf, -np.inf, np.nan)]
    + [("sgd", 1e300)],  # finite, but 1e300 x rate 1e10 overflows
)
def test_a_step_that_overflows_changes_no_weight(name, bad):
    """A gradient of inf or NaN in one place: every weight stays as it was, bit for bit.

    The weights before it in the vector were already written when the kernel met the bad one.
    """
    config = {"name": name, "learning_rate": 1e10}
    opt = optimizers.from_config(normalize_optimizer(config), 12, "float64")
    w = np.linspace(-1.0, 1.0, 12)
    assert opt.step(w, np.full(12, 0.5))  # a good step first: some state to lose
    before = w.copy()
    grad = np.full(12, 0.5)
    grad[9] = bad
    assert not opt.step(w, grad)
    np.testing.assert_array_equal(w, before)
    assert opt.t == 0  # the state starts afresh: its averages may hold inf or NaN
    for vector in opt.state.values():
        assert np.all(np.isfinite(vector))


def test_a_network_step_that_overflows_is_reported_and_taken_back():
    spec = {
        "inputs": 2,
        "layers": [{"units": 3, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        "loss": "mse",
        "optimizer": {"name": "sgd", "learning_rate": 1e308},  # slopes > 2 overflow
        "seed": 3,
    }
    net = Network.from_spec(spec)
    X, y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([[5.0], [-4.0]])
    before = net.params.copy()
    net.train_step(X, y)
    assert not net.last_step_ok
    np.testing.assert_array_equal(net.params, before)
    assert net.steps == 1
