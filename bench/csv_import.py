"""Benchmark: import a 60,000 x 785 MNIST-style CSV (a label and 784 pixel columns).

Prints the file size, the import time and the peak memory. The target is under 10 s and under
1 GB. Run: ``python bench/csv_import.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from nnstudio.data.csv import read_csv

N_PIXELS = 784


def write_mnist_like(path: Path, n_rows: int, seed: int = 0) -> None:
    """Integer pixels 0..255, about 80% of them 0 as in MNIST, labels 0..9; with a header."""
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write(",".join(["label"] + [f"pixel{i + 1}" for i in range(N_PIXELS)]) + "\n")
        for start in range(0, n_rows, 5000):
            m = min(5000, n_rows - start)
            pixels = rng.integers(1, 256, (m, N_PIXELS))
            pixels[rng.random((m, N_PIXELS)) < 0.8] = 0
            block = np.column_stack([rng.integers(0, 10, m), pixels])
            np.savetxt(f, block, fmt="%d", delimiter=",")


def peak_rss_mb() -> float:
    """Peak resident set size of this process; ru_maxrss is KiB on Linux, bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mnist_like.csv"
        write_mnist_like(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        rss_before = peak_rss_mb()
        start = time.perf_counter()
        data = read_csv(path, label="label")
        seconds = time.perf_counter() - start
        rss_after = peak_rss_mb()
        del data
        tracemalloc.start()  # a second import, traced: slower, but counts every allocation
        data = read_csv(path, label="label")
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"file:           {args.rows} rows x {N_PIXELS + 1} columns, {size_mb:.0f} MB")
    print(
        f"dataset:        X {data.X.shape}, {data.X.nbytes / 1e6:.0f} MB, {data.task}, "
        f"image_shape {data.image_shape}"
    )
    print(f"import time:    {seconds:.2f} s (target < 10 s)")
    print(f"peak, traced:   {traced_peak / 1e6:.0f} MB allocated at once during the import")
    print(
        f"peak RSS:       {rss_after:.0f} MB for the whole process, {rss_before:.0f} MB "
        "before the import (target < 1000 MB)"
    )


if __name__ == "__main__":
    main()
