"""Benchmark: a race of 4 optimizers on ``spiral`` against the same 4 runs trained headless.

Goal (issue 11): the race trains all four at no less than 70 % of their headless speed
combined, i.e. (sum of the four headless times) / (the race's time) >= 0.7. Headless: each
run's ``Run.fit`` in this process, one after another. Race: the race process (started and
warmed up first, as the window keeps it), from sending the race to its "done" event, with
reports (curves, boundary thumbnails) 10 times a second as the window receives them.

Run: ``python bench/race.py [--epochs N]``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in the training processes

from nnstudio.examples import example
from nnstudio.io import session
from nnstudio.live import Run
from nnstudio.live.race import optimizer_label, race_jobs, start_race_child

OPTIMIZERS = [
    {"name": "sgd", "learning_rate": 0.03},
    {"name": "adam", "learning_rate": 0.01},
    {"name": "rmsprop", "learning_rate": 0.01},
    {"name": "adagrad", "learning_rate": 0.03},
]


def race_seconds(commands, events, jobs, race_id: int) -> tuple[float, int]:
    names = [optimizer_label(o) for o in OPTIMIZERS]
    started = time.perf_counter()
    commands.send(("race", race_id, jobs, names))
    reports = 0
    while True:
        kind, _rid, _reports = events.recv()
        reports += 1
        if kind == "done":
            return time.perf_counter() - started, reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()
    doc = example("spiral")
    doc.training["epochs"] = args.epochs
    data = session.dataset(doc)
    jobs = race_jobs(doc, data, OPTIMIZERS)
    samples = len(jobs[0].X_train) * args.epochs
    alone = []
    for job in jobs:
        run = Run(job)
        started = time.perf_counter()
        run.fit(args.epochs)
        alone.append(time.perf_counter() - started)
    for opt, seconds in zip(OPTIMIZERS, alone, strict=True):
        print(
            f"headless {optimizer_label(opt):18s} {seconds:6.2f} s  {samples / seconds:8.0f} samples/s"
        )
    process, commands, events = start_race_child()
    try:
        warm = race_jobs(doc, data, OPTIMIZERS)
        for job in warm:
            job.settings["epochs"] = 1
        race_seconds(commands, events, warm, 0)
        seconds, reports = race_seconds(commands, events, jobs, 1)
    finally:
        commands.send(("quit",))
        process.join(10)
    total = sum(alone)
    print(f"race of 4 on spiral, {args.epochs} epochs each: {seconds:.2f} s, {reports} reports")
    print(
        f"combined: headless {4 * samples / total:.0f} samples/s, race {4 * samples / seconds:.0f} "
        f"samples/s = {total / seconds:.0%} of headless (goal >= 70 %)"
    )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
