"""Benchmark: ``nnstudio predict`` on a 2,500,000-row input (48 MB), read and written in chunks.

Prints the time and the peak memory of the command (in a child process). Before inputs were
streamed this took 193 s and 4.3 GB; the target is memory that does not grow with the input
(under 200 MB) and under 30 s. Run: ``python bench/predict_input.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        inputs = folder / "in.csv"
        X = np.random.default_rng(0).uniform(-6, 6, (args.rows, 2))
        np.savetxt(inputs, X, fmt="%.6f", delimiter=",", header="x1,x2", comments="")
        project = folder / "xor.nnstudio"
        nnstudio = [sys.executable, "-m", "nnstudio"]
        subprocess.run([*nnstudio, "new", "--example", "xor", "-o", str(project)], check=True)
        started = time.perf_counter()
        subprocess.run(
            [*nnstudio, "predict", str(project), "--input", str(inputs), "-o", str(folder / "o")],
            check=True,
            capture_output=True,
        )
        took = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"input:       {args.rows:,} rows, {inputs.stat().st_size / 1e6:.0f} MB")
        print(f"predict:     {took:.1f} s (target < 30 s)")
        print(f"peak memory: {peak_mb:.0f} MB (target < 200 MB, whatever the input's size)")


if __name__ == "__main__":
    main()
