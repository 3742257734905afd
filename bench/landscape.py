"""Benchmark: recomputing a 60 x 60 loss landscape of a 2-8-8-1 network on 500 points.

Goal (issue 11): under 150 ms per landscape, so the view can follow training. Reports the
best and the median of several repeats for a pair of first-layer weights (the costliest case:
every later layer is recomputed per grid point) and a pair in the last layer, and how long
3600 separate ``Network.loss`` calls take for comparison.

Run: ``python bench/landscape.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in the window's training process

import numpy as np

from nnstudio.engine import Network
from nnstudio.live.landscape import Axis, landscape


def timed(fn, repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per call (CPU time is steadier on a shared machine)."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    spec = {
        "inputs": 2,
        "layers": [
            {"units": 8, "activation": "tanh"},
            {"units": 8, "activation": "tanh"},
            {"units": 1, "activation": "sigmoid"},
        ],
        "loss": "binary_crossentropy",
        "seed": 0,
    }
    net = Network(spec)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(500, 2)), rng.integers(0, 2, 500)
    for name, axes in (
        ("first-layer weights", [Axis(0, 0, 0), Axis(0, 1, 3)]),
        ("output weight and bias", [Axis(2, 4, 0), Axis(2, None, 0)]),
    ):
        wall, cpu = timed(lambda axes=axes: landscape(net, X, y, axes, n=60), args.repeats)
        print(
            f"60x60 landscape, 2-8-8-1, 500 points, {name}: best {min(wall) * 1e3:.0f} ms, "
            f"median {statistics.median(wall) * 1e3:.0f} ms wall; best "
            f"{min(cpu) * 1e3:.0f} ms CPU (goal < 150 ms)"
        )
    started = time.process_time()
    for _ in range(3600):
        net.loss(X, y)
    print(f"for comparison, 3600 Network.loss calls: {time.process_time() - started:.2f} s CPU")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
