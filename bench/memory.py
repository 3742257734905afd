"""Benchmark: peak memory of training an MNIST-sized image data set (60,000 x 784).

Two processes are measured, each fresh so its peak is its own:

* ``train``: what ``nnstudio train`` does in one process: the data set is loaded (float32, as
  the MNIST loader gives it), the job is built from it, the loaded set is dropped (as
  ``nnstudio.live.train`` does), and one epoch trains (784-128-10 relu/softmax, Adam, batch 32).
* ``worker``: the window's training process: it receives the job (pickled, as from the
  window) and trains one epoch; the data set itself stays in the window's process.

Each runs with ``image_float32`` on (the default) and off. Peak = the process's high-water
resident memory (the whole interpreter, NumPy and nnstudio included). Goal: the float32 runs
under 600 MB. The images are synthetic (a bar whose place says the class, plus noise, on a
28 x 28 grid), so the figures do not depend on a download.

Run: ``python bench/memory.py [--rows 60000] [--epochs 1]``
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import time

GOAL_MB = 600


def peak_mb() -> float:
    """This process's peak resident memory in MB.

    Linux's ``VmHWM`` (reset by exec); ``ru_maxrss`` would carry over the parent's peak, which
    a spawned child inherits across fork and exec.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def image_dataset(rows: int):
    """An MNIST-shaped data set: uint8-valued pixels held as float32, like the IDX loader's."""
    import numpy as np

    from nnstudio.data import Dataset

    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, rows)
    X = np.zeros((rows, 784), np.float32)
    for start in range(0, rows, 4096):  # class-dependent blobs plus noise, built in blocks
        block = y[start : start + 4096]
        centre = 4 + 2 * block
        cols = np.arange(784) % 28
        X[start : start + 4096] = 255 * (np.abs(cols[None, :] - centre[:, None]) < 3)
        X[start : start + 4096] += rng.integers(0, 40, (len(block), 784))
    np.minimum(X, 255, out=X)
    names = [f"pixel{i}" for i in range(784)]
    classes = [str(d) for d in range(10)]
    return Dataset(X, y, names, classes, "multiclass", "mnist-like", image_shape=(28, 28))


def document(float32: bool, epochs: int):
    from nnstudio.document import Document

    network = {
        "inputs": 784,
        "layers": [{"units": 128, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
        "loss": "categorical_crossentropy",
        "optimizer": {"name": "adam", "learning_rate": 0.001},
    }
    training = {"batch_size": 32, "epochs": epochs, "image_float32": float32}
    return Document(network=network, training=training)


def train_in_one_process(rows: int, float32: bool, epochs: int, out) -> None:
    from nnstudio import live

    doc = document(float32, epochs)
    job = live.job_from_document(doc, image_dataset(rows))  # the loaded set is dropped here
    t0 = time.perf_counter()
    run = live.train_document(doc, job, epochs)
    out.send((peak_mb(), time.perf_counter() - t0, run.history["accuracy"][-1]))


def train_job(jobs, epochs: int, out) -> None:
    from nnstudio import live

    job = jobs.recv()  # as the window sends it: pickled through a pipe
    t0 = time.perf_counter()
    run = live.Run(job)
    run.fit(epochs)
    out.send((peak_mb(), time.perf_counter() - t0, run.history["accuracy"][-1]))


def measure(target, *args, job=None) -> tuple[float, float, float]:
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    if job is not None:
        job_in, job_out = ctx.Pipe(duplex=False)
        args = (job_in, *args)
    proc = ctx.Process(target=target, args=(*args, send))
    proc.start()
    if job is not None:
        job_out.send(job)
    result = receive.recv()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    print(f"{args.rows} x 784 images, 784-128-10, Adam, batch 32, {args.epochs} epoch(s)")
    from nnstudio import live

    for float32 in (True, False):
        label = "float32" if float32 else "float64"
        report("train ", label, measure(train_in_one_process, args.rows, float32, args.epochs))
        job = live.job_from_document(document(float32, args.epochs), image_dataset(args.rows))
        report("worker", label, measure(train_job, args.epochs, job=job))
        del job


def report(process: str, label: str, result: tuple[float, float, float]) -> None:
    mb, seconds, acc = result
    verdict = ""
    if label == "float32":
        verdict = f" (goal < {GOAL_MB} MB: {'met' if mb < GOAL_MB else 'MISSED'})"
    print(f"  {process} {label}: peak {mb:6.0f} MB, {seconds:5.1f} s, accuracy {acc:.3f}{verdict}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
