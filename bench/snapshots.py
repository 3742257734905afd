"""Live-training traffic: how many bytes the training process sends the window per snapshot.

Trains a job through the window's own worker (``nnstudio.live.worker.Worker``) in a thread of
this process, asks for a frame 30 times a second like the window's frame clock does, and
pickles every snapshot the way the pipe does. Prints the size of the snapshots sent after the
run reached ``--epochs`` epochs (history curves as long as that run makes them; the last
snapshot, sent at the end of the run with everything in it, left out), their mean over the run
and the bytes per second.

    python bench/snapshots.py [--case xor|digits|both] [--epochs 1000] [--seconds 10]

Cases: ``xor``, the 2-2-1 example trained for 3 x ``--epochs`` epochs at full speed; ``digits``,
64-256x12-10 relu (batch 32, Adam) on the 8x8 digits, started from a document that already
holds ``--epochs`` epochs of history (training 1000 real epochs takes minutes; the curves the
snapshots carry are as long either way), then trained for ``--seconds`` seconds.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import threading
import time

FRAME_S = 1 / 30


def parse_args() -> argparse.Namespace:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--case", choices=["xor", "digits", "both"], default="both")
    args.add_argument("--epochs", type=int, default=1000)
    args.add_argument("--seconds", type=float, default=10.0)
    return args.parse_args()


def xor_job(epochs: int):
    from nnstudio.data import load
    from nnstudio.examples import example
    from nnstudio.live import job_from_document

    doc = example("xor")
    doc.training = {**doc.training, "epochs": epochs}
    return job_from_document(doc, load("xor"))


def digits_job(epochs: int):
    import numpy as np
    from gui import big_case  # bench/gui.py: the editor's largest shape on the digits

    from nnstudio.data import load
    from nnstudio.document import Document
    from nnstudio.live import job_from_document

    spec, _data, _batch = big_case()
    rng = np.random.default_rng(0)
    history = {
        key: list(rng.random(epochs)) for key in ("loss", "accuracy", "val_loss", "val_accuracy")
    }
    doc = Document(network=spec, training={"batch_size": 32, "epochs": 0}, history=history)
    return job_from_document(doc, load("digits"))


def measure(job, stop_after_epochs: int | None, seconds: float) -> dict[str, float]:
    """Train ``job`` in a worker; sizes of the pickled snapshots (all, and the last ones)."""
    from nnstudio.live import RUN, Gate, Worker

    gate = Gate()
    sizes: list[tuple[int, int]] = []  # (epoch, bytes)
    done = threading.Event()

    def emit(kind, *args):
        if kind == "snapshot":
            snap = args[0]
            sizes.append((snap["epoch"], len(pickle.dumps(snap, pickle.HIGHEST_PROTOCOL))))
        elif kind == "finished":
            done.set()

    worker = Worker(job, gate, emit)
    thread = threading.Thread(target=worker.run)
    thread.start()
    gate.command(RUN)
    start = time.perf_counter()
    while not done.is_set() and time.perf_counter() - start < seconds:
        if hasattr(gate, "want_frame"):
            gate.want_frame()  # what the window's frame clock does once per frame
        time.sleep(FRAME_S)
    elapsed = time.perf_counter() - start
    gate.request_stop()
    thread.join()
    if done.is_set():
        sizes = sizes[:-1]  # the end of the run: a full snapshot, not a frame
    late = [b for e, b in sizes if stop_after_epochs is None or e >= stop_after_epochs]
    return {
        "snapshots": len(sizes),
        "epochs": sizes[-1][0],
        "mean": sum(b for _, b in sizes) / len(sizes),
        "late_mean": sum(late) / len(late),
        "late_max": max(late),
        "bytes_per_s": sum(b for _, b in sizes) / elapsed,
    }


def main() -> int:
    opts = parse_args()
    cases = ["xor", "digits"] if opts.case == "both" else [opts.case]
    for name in cases:
        if name == "xor":
            r = measure(xor_job(3 * opts.epochs), opts.epochs, seconds=60.0)
        else:
            r = measure(digits_job(opts.epochs), None, opts.seconds)
        print(
            f"{name:6s}: {r['snapshots']} snapshots to epoch {r['epochs']}; pickled size "
            f"mean {r['mean'] / 1024:.1f} KiB, at the end (>= epoch {opts.epochs}) mean "
            f"{r['late_mean'] / 1024:.1f} KiB, max {r['late_max'] / 1024:.1f} KiB; "
            f"{r['bytes_per_s'] / 1e6:.2f} MB/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
