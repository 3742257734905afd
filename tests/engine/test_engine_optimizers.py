"""Optimizers against references written from torch.optim's update rules, step for step.

The references follow PyTorch's implementation (torch/optim/*.py, ``_single_tensor_*``), which
differs from the algorithm boxes in its documentation in two places that matter here:
- Adam's AMSGrad keeps the maximum of the raw second moment v and divides it by the bias
  correction afterwards; the box takes the maximum of the bias-corrected v-hat.
- SGD's momentum buffer starts as a copy of the first gradient (no dampening at step 1).
(Adam's running mean uses ``lerp``, the same value as the box's formula up to rounding.)

Each configuration runs 50 steps on a fixed problem through the Optimizer class directly and
through ``Network.train_step``, and through ``Network.train_step`` against torch.optim's own
trajectory committed in ``tests/golden/`` (always on); with torch installed, a test repeats the
steps in real torch.optim and checks the committed file too.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nnstudio.engine import Network, optimizers
from nnstudio.engine.spec import normalize_optimizer

STEPS = 50

CONFIGS = [
    {"name": "sgd", "learning_rate": 0.05},
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9},
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.8, "dampening": 0.3},
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.5, "weight_decay": 0.1},
    {"name": "adam", "learning_rate": 0.05},
    {"name": "adam", "learning_rate": 0.05, "amsgrad": True},
    {"name": "adam", "learning_rate": 0.05, "weight_decay": 0.1, "betas": [0.8, 0.99]},
    {"name": "adam", "learning_rate": 0.05, "amsgrad": True, "weight_decay": 0.05, "eps": 1e-3},
    {"name": "rmsprop", "learning_rate": 0.01},
    {"name": "rmsprop", "learning_rate": 0.01, "centered": True},
    {"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.7},
    {"name": "rmsprop", "learning_rate": 0.01, "centered": True, "momentum": 0.5, "alpha": 0.9},
    {"name": "rmsprop", "learning_rate": 0.01, "weight_decay": 0.1, "eps": 1e-3},
    {"name": "adagrad", "learning_rate": 0.1},
    {"name": "adagrad", "learning_rate": 0.1, "lr_decay": 0.05},
    {"name": "adagrad", "learning_rate": 0.1, "initial_accumulator_value": 0.5},
    {"name": "adagrad", "learning_rate": 0.1, "weight_decay": 0.1, "eps": 1e-3},
    {"name": "adadelta", "learning_rate": 1.0},
    {"name": "adadelta", "learning_rate": 0.5, "rho": 0.95, "eps": 1e-4},
    {"name": "adadelta", "learning_rate": 1.0, "weight_decay": 0.1},
]
IDS = ["-".join(f"{k}={v}" for k, v in c.items() if k != "name") or "x" for c in CONFIGS]
IDS = [f"{c['name']}:{i}" for c, i in zip(CONFIGS, IDS, strict=True)]

# torch.optim's defaults as torch 2.13 has them (tests/golden/torch_defaults.json, written by
# tools/make_golden.py; lr is called learning_rate here). Adam's decoupled_weight_decay
# (AdamW's rule) is the one torch option the engine does not offer.
GOLDEN_DEFAULTS = Path(__file__).parents[1] / "golden" / "torch_defaults.json"
TORCH_DEFAULTS = json.loads(GOLDEN_DEFAULTS.read_text(encoding="utf-8"))["defaults"]
NOT_OFFERED = {"adam": {"decoupled_weight_decay"}}


# --------------------------------------------------------------------------- references
class Reference:
    """torch.optim's single-tensor update, in NumPy, for one flat parameter vector."""

    def __init__(self, config, size, amsgrad_doc_box=False):
        cfg = normalize_optimizer(config)
        self.name = cfg.pop("name")
        self.h = cfg
        self.t = 0
        self.state = {}
        self.size = size
        self.doc_box = amsgrad_doc_box

    def zeros(self, key, fill=0.0):
        if key not in self.state:
            self.state[key] = np.full(self.size, fill)
        return self.state[key]

    def step(self, p, grad):
        """Return the new parameters."""
        h = self.h
        self.t += 1
        t = self.t
        lr = h["learning_rate"]
        g = grad + h["weight_decay"] * p if h["weight_decay"] != 0 else grad.copy()
        if self.name == "sgd":
            if h["momentum"] != 0:
                if "buf" not in self.state:
                    self.state["buf"] = g.copy()
                else:
                    buf = self.state["buf"]
                    self.state["buf"] = h["momentum"] * buf + (1 - h["dampening"]) * g
                buf = self.state["buf"]
                g = g + h["momentum"] * buf if h["nesterov"] else buf
            return p - lr * g
        if self.name == "adam":
            b1, b2 = h["betas"]
            m, v = self.zeros("m"), self.zeros("v")
            m = self.state["m"] = m + (1 - b1) * (g - m)  # lerp(m, g, 1 - b1)
            v = self.state["v"] = b2 * v + (1 - b2) * g * g
            bc1, bc2 = 1 - b1**t, 1 - b2**t
            if h["amsgrad"] and self.doc_box:
                vhat = self.state["vmax"] = np.maximum(self.zeros("vmax"), v / bc2)
                return p - lr * (m / bc1) / (np.sqrt(vhat) + h["eps"])
            if h["amsgrad"]:
                v = self.state["vmax"] = np.maximum(self.zeros("vmax"), v)
            denom = np.sqrt(v) / math.sqrt(bc2) + h["eps"]
            return p - (lr / bc1) * m / denom
        if self.name == "rmsprop":
            a = h["alpha"]
            sq = self.state["sq"] = a * self.zeros("sq") + (1 - a) * g * g
            if h["centered"]:
                ga = self.zeros("ga")
                ga = self.state["ga"] = ga + (1 - a) * (g - ga)
                avg = np.sqrt(sq - ga * ga) + h["eps"]
            else:
                avg = np.sqrt(sq) + h["eps"]
            if h["momentum"] > 0:
                buf = self.state["buf"] = h["momentum"] * self.zeros("buf") + g / avg
                return p - lr * buf
            return p - lr * g / avg
        if self.name == "adagrad":
            clr = lr / (1 + (t - 1) * h["lr_decay"])
            s = self.state["sum"] = self.zeros("sum", h["initial_accumulator_value"]) + g * g
            return p - clr * g / (np.sqrt(s) + h["eps"])
        if self.name == "adadelta":
            rho, eps = h["rho"], h["eps"]
            v = self.state["v"] = rho * self.zeros("v") + (1 - rho) * g * g
            u = self.zeros("u")
            d = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            self.state["u"] = rho * u + (1 - rho) * d * d
            return p - lr * d
        raise AssertionError(self.name)


# A fixed non-quadratic problem on a flat vector: f(p) = sum(log cosh(A p - c)) + 0.05 |p|^2.
# Its gradient changes direction and size along the way, which exercises every state buffer
# (AMSGrad's maximum, for one, only matters when v falls).
_rng = np.random.default_rng(42)
A = _rng.normal(size=(9, 7))
C = _rng.normal(size=9) * 3
P0 = _rng.normal(size=7)


def problem_grad(p):
    return A.T @ np.tanh(A @ p - C) + 0.1 * p


def engine_trajectory(config, p0=P0):
    cfg = normalize_optimizer(config)
    opt = optimizers.from_config(cfg, p0.size, np.float64)
    p, out = p0.copy(), []
    for _ in range(STEPS):
        opt.step(p, problem_grad(p))
        out.append(p.copy())
    return np.array(out)


def reference_trajectory(config, p0=P0, **kw):
    ref = Reference(config, p0.size, **kw)
    p, out = p0.copy(), []
    for _ in range(STEPS):
        p = ref.step(p, problem_grad(p))
        out.append(p.copy())
    return np.array(out)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_optimizer_class_matches_reference(config):
    got, want = engine_trajectory(config), reference_trajectory(config)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    # The run went somewhere: the loss gradient shrank substantially or the point moved.
    assert np.abs(got[-1] - P0).max() > 0.05


WITH_OPTIONS = [(c, i) for c, i in zip(CONFIGS, IDS, strict=True) if len(c) > 2]


@pytest.mark.parametrize("config", [c for c, _ in WITH_OPTIONS], ids=[i for _, i in WITH_OPTIONS])
def test_options_change_the_trajectory(config):
    """Each non-default option is used: dropping it changes the run (so the checks can fail)."""
    base = {"name": config["name"], "learning_rate": config["learning_rate"]}
    assert not np.allclose(engine_trajectory(config), engine_trajectory(base), rtol=1e-6)


def test_amsgrad_follows_the_implementation_not_the_doc_box():
    config = {"name": "adam", "learning_rate": 0.05, "amsgrad": True}
    impl, box = reference_trajectory(config), reference_trajectory(config, amsgrad_doc_box=True)
    assert not np.allclose(impl, box, rtol=1e-6)  # the problem tells the two apart
    np.testing.assert_allclose(engine_trajectory(config), impl, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------ through Network
NET_SPEC = {
    "inputs": 3,
    "layers": [
        {"units": 4, "activation": "tanh"},
        {"units": 3, "activation": "sigmoid", "use_bias": False},
        {"units": 2, "activation": "linear"},
    ],
    "loss": "mse",
    "seed": 3,
}


def net_data():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(16, 3))
    y = np.c_[np.sin(X[:, 0]) + X[:, 1], X[:, 2] * X[:, 0]]
    return X, y


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_train_step_matches_reference(config):
    X, y = net_data()
    net = Network.from_spec({**NET_SPEC, "optimizer": config})
    probe = Network.from_spec({**NET_SPEC, "optimizer": config})  # gradients at given weights
    ref = Reference(config, net.n_params)
    p = np.concatenate([w.ravel() for w in net.get_weights()])
    for _ in range(STEPS):
        probe.set_weights(probe.split_flat(p))
        loss_before = probe.loss(X, y)
        g = np.concatenate([w.ravel() for w in probe.gradients(X, y)])
        p = ref.step(p, g)
        assert net.train_step(X, y) == pytest.approx(loss_before, rel=1e-10)
        got = np.concatenate([w.ravel() for w in net.get_weights()])
        np.testing.assert_allclose(got, p, rtol=1e-10, atol=1e-12)
    assert net.optimizer.t == STEPS
    assert net.steps == STEPS


def test_delta_is_the_last_update():
    X, y = net_data()
    net = Network.from_spec({**NET_SPEC, "optimizer": {"name": "adam", "learning_rate": 0.01}})
    before = net.params.copy()
    net.train_step(X, y)
    np.testing.assert_array_equal(net.params, before + net.optimizer.delta)
    assert np.abs(net.optimizer.delta).max() > 0


# ---------------------------------------------------------------------------- defaults
@pytest.mark.parametrize("name", sorted(TORCH_DEFAULTS))
def test_defaults_are_torch_defaults(name):
    cfg = normalize_optimizer(name)
    offered = {k: v for k, v in TORCH_DEFAULTS[name].items() if k not in NOT_OFFERED.get(name, ())}
    assert cfg == {"name": name, **offered}
    assert normalize_optimizer({"name": name}) == cfg
    net = Network.from_spec({"inputs": 1, "layers": [{"units": 1}], "optimizer": name})
    assert net.to_spec()["optimizer"] == cfg
    assert set(optimizers.get(name).defaults) == set(offered)


def test_optimizer_names_are_the_courses():
    assert sorted(optimizers.OPTIMIZERS.names()) == sorted(TORCH_DEFAULTS)


def test_state_dict_round_trip_continues_the_run():
    config = {"name": "adam", "learning_rate": 0.05, "amsgrad": True}
    opt = optimizers.from_config(normalize_optimizer(config), P0.size, np.float64)
    p = P0.copy()
    for _ in range(10):
        opt.step(p, problem_grad(p))
    snap, p_snap = opt.state_dict(), p.copy()
    for _ in range(5):
        opt.step(p, problem_grad(p))
    after = p.copy()
    opt.load_state_dict(snap)
    p = p_snap
    for _ in range(5):
        opt.step(p, problem_grad(p))
    np.testing.assert_array_equal(p, after)


def test_set_optimizer_keeps_state_for_the_same_kind():
    """Changing the learning rate mid-run keeps momentum, as a torch param_group change does."""
    cfg = {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9}
    ref = Reference(cfg, P0.size)
    opt = optimizers.from_config(normalize_optimizer(cfg), P0.size, np.float64)
    p, q = P0.copy(), P0.copy()
    for i in range(20):
        if i == 10:
            ref.h["learning_rate"] = 0.01
            opt.set_hyper(learning_rate=0.01)
        q = ref.step(q, problem_grad(q))
        opt.step(p, problem_grad(p))
    np.testing.assert_allclose(p, q, rtol=1e-10)
    X, y = net_data()
    net = Network.from_spec({**NET_SPEC, "optimizer": cfg})
    net.train_step(X, y)
    buf = net.optimizer.state["momentum_buffer"].copy()
    net.set_optimizer({"name": "sgd", "learning_rate": 0.01, "momentum": 0.9})
    np.testing.assert_array_equal(net.optimizer.state["momentum_buffer"], buf)
    assert net.to_spec()["optimizer"]["learning_rate"] == 0.01
    net.set_optimizer("adam")
    assert net.optimizer.name == "adam" and net.optimizer.t == 0
    assert net.to_spec()["optimizer"] == normalize_optimizer("adam")


# ------------------------------------------------------------------------- real PyTorch
def torch_trajectory(torch, config, net):
    """The same 50 steps in torch.optim on the same network, weights and data (float64)."""
    X, y = net_data()
    cfg = normalize_optimizer(config)
    name, lr = cfg.pop("name"), cfg.pop("learning_rate")
    if "betas" in cfg:
        cfg["betas"] = tuple(cfg["betas"])
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in net.get_weights()]
    cls = {
        "sgd": torch.optim.SGD,
        "adam": torch.optim.Adam,
        "rmsprop": torch.optim.RMSprop,
        "adagrad": torch.optim.Adagrad,
        "adadelta": torch.optim.Adadelta,
    }[name]
    opt = cls(params, lr=lr, foreach=False, **cfg)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    acts = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda z: z}
    out = []
    for _ in range(STEPS):
        a, it = Xt, iter(params)
        for layer in NET_SPEC["layers"]:
            z = a @ next(it)
            if layer.get("use_bias", True):
                z = z + next(it)
            a = acts[layer["activation"]](z)
        loss = torch.nn.functional.mse_loss(a, yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(out)


def engine_steps(config, start):
    """The engine's 50 ``train_step`` parameter vectors from ``start``."""
    X, y = net_data()
    net = Network.from_spec({**NET_SPEC, "optimizer": config})
    net.set_weights(net.split_flat(start))
    out = []
    for _ in range(STEPS):
        net.train_step(X, y)
        out.append(net.params.copy())
    return np.array(out)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_matches_torch_optim_golden_trajectory(config, golden):
    trajectories = golden("torch_optim.safetensors")
    want = trajectories[IDS[CONFIGS.index(config)]]
    assert want.shape == (STEPS, Network.from_spec(NET_SPEC).n_params)
    np.testing.assert_allclose(
        engine_steps(config, trajectories["initial"]), want, rtol=1e-10, atol=1e-12
    )


def test_the_golden_trajectories_tell_the_configurations_apart(golden):
    """A file of 21 copies of one run would pass the test above for SGD alone: it is not."""
    trajectories = golden("torch_optim.safetensors")
    finals = [trajectories[i][-1] for i in IDS]
    for i, a in enumerate(finals):
        assert np.abs(a - trajectories["initial"]).max() > 1e-3
        for b in finals[i + 1 :]:
            assert not np.allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_matches_real_torch_optim(config, golden):
    torch = pytest.importorskip("torch")
    net = Network.from_spec({**NET_SPEC, "optimizer": config})
    want = torch_trajectory(torch, config, net)
    np.testing.assert_allclose(engine_steps(config, net.params), want, rtol=1e-10, atol=1e-12)
    committed = golden("torch_optim.safetensors")[IDS[CONFIGS.index(config)]]
    np.testing.assert_allclose(committed, want, rtol=1e-10, atol=1e-12)


def test_golden_defaults_match_installed_torch(golden, golden_tool):
    torch = pytest.importorskip("torch")
    assert golden_tool.torch_defaults(torch) == golden("torch_defaults.json")["defaults"]


# ------------------------------------------------------------------- the compiled updates
# ``numpy_step`` is the optimizers' arithmetic as the engine computed it before the compiled
# kernels (engine/updates.py) existed: one NumPy operation after another over whole vectors,
# Python-float scalars cast by NumPy to the vectors' dtype. The kernels promise the same
# operations in the same order, so weights, updates and state must agree bit for bit, in
# float64 and float32, for every configuration above. (Whether these formulas are
# torch.optim's is checked above, against the reference and torch's golden trajectories.)
KERNEL_STEPS = 12


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


def kernel_run(config, dtype, compiled: bool, size: int = 23):
    """Weights, update and state after KERNEL_STEPS steps; the gradient changes sign and size."""
    rng = np.random.default_rng(size)
    w = rng.normal(size=size).astype(dtype)
    target = rng.normal(size=size).astype(dtype)
    opt = optimizers.from_config(normalize_optimizer(config), size, dtype)
    for _ in range(KERNEL_STEPS):
        grad = (np.tanh(w - target) + 0.1 * w).astype(dtype)
        if compiled:
            assert opt.step(w, grad)
        else:
            numpy_step(opt, w, grad)
    return w, opt.delta.copy(), {k: v.copy() for k, v in opt.state.items()}


@pytest.mark.parametrize("size", [23, 1031])  # 1031: the loops' vectorized part runs too
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_kernels_equal_whole_vector_numpy_bit_for_bit(config, dtype, size):
    w_numpy, d_numpy, s_numpy = kernel_run(config, dtype, compiled=False, size=size)
    w_kernel, d_kernel, s_kernel = kernel_run(config, dtype, compiled=True, size=size)
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


def test_a_step_with_vectors_of_the_wrong_size_is_refused():
    """The compiled loop checks no bounds, so the optimizer does, before anything changes."""
    opt = optimizers.from_config(
        normalize_optimizer({"name": "sgd", "momentum": 0.9}), 4, "float64"
    )
    w = np.zeros(6)
    with pytest.raises(ValueError, match="expected 4 weights"):
        opt.step(w, np.ones(6))
    assert opt.t == 0 and not w.any()
