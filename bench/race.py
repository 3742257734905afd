"""Benchmark: a race of 4 optimizers on ``spiral`` against the same 4 runs trained headless.

Goal (issue 11): the race trains all four at no less than 70 % of their headless speed
combined, i.e. (sum of the four headless times) / (the race's time) >= 0.7. Headless: each
run's ``Run.fit`` in this process, one after another. Race: the race process (started and
warmed up first, as the window keeps it), from sending the race to its "done" event, with
reports (curves, boundary thumbnails) 10 times a second as the window receives them.

Both are repeated, alternately, and the best of each is compared (a shared machine's load
varies by tens of per cent from second to second).

Run: ``python bench/race.py [--epochs N] [--repeats N]``.
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
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    doc = example("spiral")
    doc.training["epochs"] = args.epochs
    data = session.dataset(doc)
    jobs = race_jobs(doc, data, OPTIMIZERS)
    samples = len(jobs[0].X_train) * args.epochs
    process, commands, events = start_race_child()
    best_alone = [float("inf")] * len(jobs)
    best_race, reports = float("inf"), 0
    try:
        warm = race_jobs(doc, data, OPTIMIZERS)
        for job in warm:
            job.settings["epochs"] = 1
        race_seconds(commands, events, warm, 0)
        for repeat in range(args.repeats):  # alternate, so both see the same machine load
            for i, job in enumerate(jobs):
                run = Run(job)
                started = time.perf_counter()
                run.fit(args.epochs)
                best_alone[i] = min(best_alone[i], time.perf_counter() - started)
            seconds, reports = race_seconds(commands, events, jobs, repeat + 1)
            best_race = min(best_race, seconds)
    finally:
        commands.send(("quit",))
        process.join(10)
    alone, seconds = best_alone, best_race
    for opt, spent in zip(OPTIMIZERS, alone, strict=True):
        rate = samples / spent
        print(f"headless {optimizer_label(opt):18s} {spent:6.2f} s  {rate:8.0f} samples/s (best)")
    total = sum(alone)
    print(
        f"race of 4 on spiral, {args.epochs} epochs each: {seconds:.2f} s (best), {reports} reports"
    )
    print(
        f"combined: headless {4 * samples / total:.0f} samples/s, race {4 * samples / seconds:.0f} "
        f"samples/s = {total / seconds:.0%} of headless (goal >= 70 %)"
    )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
