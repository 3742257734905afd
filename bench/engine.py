"""Benchmark: training speed of the NumPy engine, and of PyTorch CPU on the same tasks.

Times whole ``fit`` epochs (what a user runs: shuffling, batching, loss and accuracy bookkeeping
included) after a warm-up, repeats them and reports the best and the median. Runs repeat 9 times
by default: on a shared VM single runs vary by +-30 %, and the best of 9 is a steadier estimate
of each side's undisturbed speed. If torch is importable, the same tasks run in PyTorch in the
same process: same architecture, dtype, batch size and data, a plain training loop (shuffled
index slicing, ``zero_grad``/``backward``/``step``, ``loss.item()`` per batch) with torch's
thread count set to NumPy's BLAS thread count.

Tasks (goal: engine steps/s as a multiple of PyTorch's):
  T1  2-8-8-1 tanh, sigmoid + binary cross-entropy, SGD, batch 10, 500 points, float64  (>= 10x)
  T2  64-128-64-10 relu, softmax + cross-entropy, Adam, batch 32, 1797 samples, float64  (>= 5x)
  T3  784-256-256-10 relu, softmax + cross-entropy, Adam, batch 128, 20000, float32  (>= 1.6x)
  T4  64-256x12-10 relu, softmax + cross-entropy, Adam, batch 32, digits, float64  (>= 1.5x)
      (the editor's deepest network: Adam's update over 0.74 M parameters weighs as much as
      the matrix products)

Run: ``python bench/engine.py [--repeats N] [--only T1,T3] [--threads N]`` (``--threads`` needs
threadpoolctl); compare BLAS settings with e.g.
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/engine.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnstudio.data import builtin
from nnstudio.engine import Network, fit


@dataclass
class Task:
    key: str
    title: str
    sizes: list[int]
    hidden: str
    output: str
    loss: str
    optimizer: dict
    batch_size: int
    n: int
    dtype: str
    epochs: int  # epochs per timed repeat
    goal: float


TASKS = [
    Task(
        "T1",
        "2-8-8-1 tanh/sigmoid/BCE, SGD, batch 10, 500 pts, float64",
        [2, 8, 8, 1],
        "tanh",
        "sigmoid",
        "binary_crossentropy",
        {"name": "sgd", "learning_rate": 0.03},
        10,
        500,
        "float64",
        20,
        10.0,
    ),
    Task(
        "T2",
        "64-128-64-10 relu/softmax/CCE, Adam, batch 32, 1797 samples, float64",
        [64, 128, 64, 10],
        "relu",
        "softmax",
        "categorical_crossentropy",
        {"name": "adam", "learning_rate": 0.001},
        32,
        1797,
        "float64",
        5,
        5.0,
    ),
    Task(
        "T3",
        "784-256-256-10 relu/softmax/CCE, Adam, batch 128, 20000 samples, float32",
        [784, 256, 256, 10],
        "relu",
        "softmax",
        "categorical_crossentropy",
        {"name": "adam", "learning_rate": 0.001},
        128,
        20000,
        "float32",
        2,
        1.6,
    ),
    Task(
        "T4",
        "64-256x12-10 relu/softmax/CCE, Adam, batch 32, digits (1797), float64",
        [64, *[256] * 12, 10],
        "relu",
        "softmax",
        "categorical_crossentropy",
        {"name": "adam", "learning_rate": 0.001},
        32,
        1797,
        "float64",
        1,
        1.5,
    ),
]


def blas_threads() -> int:
    """NumPy's BLAS thread count (threadpoolctl if present, else the usual variables)."""
    try:
        from threadpoolctl import threadpool_info

        counts = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        if counts:
            return counts[0]
    except ImportError:
        pass
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def make_data(task: Task, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets: a two-class spiral for T1, the built-in digits (standardized) for T4,
    random class-structured data otherwise."""
    rng = np.random.default_rng(seed)
    k = task.sizes[-1]
    if task.key == "T4":
        digits = builtin.digits()
        X = np.asarray(digits.X, np.float64)
        X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        return X.astype(task.dtype), np.asarray(digits.y).astype(int)
    if task.key == "T1":
        i = np.arange(task.n // 2)
        r = i / (task.n // 2) * 5
        t = 1.75 * i / (task.n // 2) * 2 * np.pi
        pts = [np.c_[r * np.sin(t + d), r * np.cos(t + d)] for d in (0.0, np.pi)]
        X = np.concatenate(pts) + rng.uniform(-0.2, 0.2, size=(task.n, 2))
        y = np.repeat([1.0, 0.0], task.n // 2)
        return X, y
    centres = rng.normal(size=(k, task.sizes[0]))
    y = rng.integers(0, k, size=task.n)
    X = centres[y] + rng.normal(size=(task.n, task.sizes[0]))
    return X.astype(task.dtype), y  # a data set already in the network's dtype


def spec_for(task: Task) -> dict:
    layers = [{"units": u, "activation": task.hidden} for u in task.sizes[1:-1]]
    layers.append({"units": task.sizes[-1], "activation": task.output})
    return {
        "inputs": task.sizes[0],
        "layers": layers,
        "loss": task.loss,
        "optimizer": task.optimizer,
        "dtype": task.dtype,
        "seed": 1,
    }


def timed(runs: list[Callable[[], None]], repeats: int) -> list[tuple[float, float]]:
    """Best and median wall time of each run, after one warm-up call of each.

    The runs take turns (A B A B ...), so on a shared machine a burst of outside load hits
    both sides alike and their ratio stays fair.
    """
    for run in runs:
        run()
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, out in zip(runs, times, strict=True):
            t0 = time.perf_counter()
            run()
            out.append(time.perf_counter() - t0)
    return [(min(t), statistics.median(t)) for t in times]


def engine_run(task: Task, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    net = Network.from_spec(spec_for(task))

    def run() -> None:
        fit(net, X, y, epochs=task.epochs, batch_size=task.batch_size)

    return run


def torch_run(task: Task, X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    import torch

    dtype = {"float64": torch.float64, "float32": torch.float32}[task.dtype]
    torch.manual_seed(1)
    mods: list[torch.nn.Module] = []
    for i, (a, b) in enumerate(zip(task.sizes[:-1], task.sizes[1:], strict=True)):
        mods.append(torch.nn.Linear(a, b, dtype=dtype))
        if i < len(task.sizes) - 2:
            mods.append(torch.nn.Tanh() if task.hidden == "tanh" else torch.nn.ReLU())
    model = torch.nn.Sequential(*mods)
    opt_cfg = dict(task.optimizer)
    name, lr = opt_cfg.pop("name"), opt_cfg.pop("learning_rate")
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[name]
    opt = cls(model.parameters(), lr=lr, **opt_cfg)
    Xt = torch.as_tensor(X, dtype=dtype)
    if task.loss == "binary_crossentropy":
        yt = torch.as_tensor(y, dtype=dtype).reshape(-1, 1)
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        yt = torch.as_tensor(y, dtype=torch.long)
        loss_fn = torch.nn.CrossEntropyLoss()
    n, bs = len(Xt), task.batch_size

    def run() -> None:
        for _ in range(task.epochs):
            order = torch.randperm(n)
            Xs, ys = Xt[order], yt[order]
            total = 0.0
            for start in range(0, n, bs):
                xb, yb = Xs[start : start + bs], ys[start : start + bs]
                loss = loss_fn(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(xb)

    return run


def matmul_flops(task: Task) -> float:
    """FLOPs of one training step's matrix products: forward, weight gradients, input gradients.

    Counts 2 m n k per product; the bias row folded into W adds one to k. Forward + backward is
    close to 3x forward (the first layer needs no input gradient).
    """
    m, total = task.batch_size, 0.0
    for i, (k, n) in enumerate(zip(task.sizes[:-1], task.sizes[1:], strict=True)):
        total += 2 * m * n * (k + 1) * 2  # forward and dW
        if i > 0:
            total += 2 * m * n * k  # dX
    return total


def matmul_peak(task: Task, repeats: int = 50) -> float:
    """GFLOP/s of the bare NumPy products of one T3 step (no activations, no optimizer)."""
    dt = np.dtype(task.dtype)
    rng = np.random.default_rng(0)
    m = task.batch_size
    ops = []
    for i, (k, n) in enumerate(zip(task.sizes[:-1], task.sizes[1:], strict=True)):
        x = rng.random((m, k + 1)).astype(dt)
        w = rng.random((k + 1, n)).astype(dt)
        g = rng.random((m, n)).astype(dt)
        ops.append((x, w, np.empty((m, n), dt)))  # forward
        ops.append((x.T, g, np.empty((k + 1, n), dt)))  # dW
        if i > 0:
            ops.append((g, w[:k].T, np.empty((m, k), dt)))  # dX
    flops = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b, _ in ops)

    def run() -> None:
        for _ in range(repeats):
            for a, b, out in ops:
                np.dot(a, b, out=out)

    ((best, _),) = timed([run], 5)
    return flops * repeats / best / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--only", default="", help="comma-separated task keys, e.g. T1,T3")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument(
        "--threads", type=int, default=0, help="limit NumPy's BLAS (and torch) to N threads"
    )
    args = parser.parse_args()

    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads, user_api="blas")
    threads = blas_threads()
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    if torch is not None:
        torch.set_num_threads(threads)
    env = {v: os.environ.get(v, "(unset)") for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    print(f"python {platform.python_version()}, numpy {np.__version__}, BLAS threads {threads}")
    print("  " + ", ".join(f"{k}={v}" for k, v in env.items()))
    print(f"  torch {torch.__version__ if torch else 'not installed'}")
    print(f"  best / median of {args.repeats} timed runs after a warm-up, whole fit epochs\n")

    wanted = {k.strip() for k in args.only.split(",") if k.strip()}
    for task in TASKS:
        if wanted and task.key not in wanted:
            continue
        X, y = make_data(task)
        steps = task.epochs * -(-task.n // task.batch_size)
        samples = task.epochs * task.n
        runs = [engine_run(task, X, y)]
        if torch is not None:
            runs.append(torch_run(task, X, y))
        results = timed(runs, args.repeats)
        print(f"{task.key} {task.title}")
        for label, (best, med) in zip(("numpy", "torch"), results, strict=False):
            print(
                f"  {label} : {steps / best:9.0f} steps/s ({steps / med:9.0f} median)  "
                f"{samples / best:10.0f} samples/s  {best / steps * 1e6:8.1f} us/step"
            )
        if torch is not None:
            (best, med), (tbest, tmed) = results
            ratio = tbest / best
            verdict = "met" if ratio >= task.goal else "MISSED"
            print(
                f"  ratio numpy/torch: {ratio:.2f}x best, {tmed / med:.2f}x median "
                f"(goal >= {task.goal}x: {verdict})"
            )
        if task.key == "T3":
            achieved = matmul_flops(task) * steps / results[0][0] / 1e9
            peak = matmul_peak(task)
            print(
                f"  matmul GFLOP/s: {achieved:.1f} achieved in fit, {peak:.1f} for the bare "
                f"products of a step ({achieved / peak:.0%})"
            )
        print()


if __name__ == "__main__":
    main()
