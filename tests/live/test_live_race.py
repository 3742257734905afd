"""Races: several optimizers on the same data and seeded start, through the one training path."""

from __future__ import annotations

import contextlib
import threading

import numpy as np
import pytest

from nnstudio import live
from nnstudio.examples import example
from nnstudio.io import session
from nnstudio.live.race import (
    Race,
    learning_rate_preset,
    optimizer_label,
    race_document,
    race_jobs,
    start_race_child,
)

OPTIMIZERS = [
    {"name": "sgd", "learning_rate": 0.1},
    {"name": "adam", "learning_rate": 0.01},
    {"name": "rmsprop", "learning_rate": 0.01},
]


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.fixture
def xor():
    doc = example("xor")
    doc.training["epochs"] = 5
    live.train(doc, epochs=2)  # a trained document: the race still starts from the seed
    return doc, session.dataset(doc)


def test_a_race_trains_each_run_as_it_would_train_alone(xor, monkeypatch):
    doc, data = xor
    monkeypatch.setattr("nnstudio.live.race.TURN_S", 0.0)  # one epoch a turn: many turns
    jobs = race_jobs(doc, data, OPTIMIZERS)
    race = Race(jobs, [optimizer_label(o) for o in OPTIMIZERS], epochs=5)
    turns = 0
    while race.turn() is not None:
        turns += 1
    assert turns == 15 and race.finished
    for opt, entrant in zip(OPTIMIZERS, race.entrants, strict=True):
        alone = race_document(doc, opt)
        live.train(alone, epochs=5)  # the command line's path, in one go
        progress = entrant.run.progress()
        assert _same(progress.weights, alone.weights)
        assert progress.history == alone.history


def test_entrants_share_the_seeded_start_and_differ_only_in_the_optimizer(xor):
    doc, data = xor
    jobs = race_jobs(doc, data, OPTIMIZERS[:2])
    assert jobs[0].weights is None and jobs[0].history == {} and jobs[0].state is None
    assert (
        jobs[0].spec["optimizer"]["name"] == "sgd" and jobs[1].spec["optimizer"]["name"] == "adam"
    )
    start = [live.Run(job).net.get_weights() for job in jobs]
    assert _same(*start)
    np.testing.assert_array_equal(jobs[0].X_train, jobs[1].X_train)
    assert doc.epochs == 2  # the document itself is untouched
    with pytest.raises(ValueError, match="2 to 6"):
        race_jobs(doc, data, OPTIMIZERS[:1])


def test_learning_rate_preset():
    names, configs = zip(*learning_rate_preset({"name": "sgd", "learning_rate": 0.03}), strict=True)
    assert names == ("too small", "about right", "too large")
    assert [c["learning_rate"] for c in configs] == pytest.approx([0.0003, 0.03, 3.0])
    assert optimizer_label(configs[2]) == "sgd, lr 3"


def test_a_too_large_rate_diverges_and_ends_its_run_early():
    """Lesson 8 on the course's line: lr 0.001, 0.1 and 10 from m = -1, b = 5."""
    doc = example("course_line")
    data = session.dataset(doc)
    names, configs = zip(*learning_rate_preset(doc.network["optimizer"]), strict=True)
    jobs = race_jobs(doc, data, list(configs))
    assert all(_same(job.weights, doc.weights) for job in jobs)  # the hand-set start
    race = Race(jobs, list(names), epochs=500)
    reports = []
    race.run(lambda kind, r: reports.append((kind, r)), threading.Event())
    kind, final = reports[-1]
    assert kind == "done"
    small, right, large = final
    assert large["diverged"] and large["epochs"] < 500
    assert "smaller learning rate" in large["message"]
    assert small["history"]["loss"][0] == right["history"]["loss"][0] == 2.5  # mse at the start
    assert right["history"]["loss"][-1] < 1e-6 < small["history"]["loss"][-1] < 2.5
    assert right["progress"].epochs == 500 and large["thumbnail"] is None  # one input


def test_the_race_process_reports_and_ends(xor):
    doc, data = xor
    jobs = race_jobs(doc, data, OPTIMIZERS[:2])
    process, commands, events = start_race_child()
    try:
        commands.send(("race", 4, jobs, ["a", "b"]))
        while True:
            assert events.poll(30), "no news from the race process"
            kind, race_id, reports = events.recv()
            assert race_id == 4 and kind in ("progress", "done")
            if kind == "done":
                break
        assert [r["epochs"] for r in reports] == [5, 5]
        assert reports[0]["thumbnail"]["image"].shape == (40, 40)
        alone = race_document(doc, OPTIMIZERS[1])
        live.train(alone, epochs=5)
        assert _same(reports[1]["progress"].weights, alone.weights)
    finally:
        with contextlib.suppress(OSError):
            commands.send(("quit",))
        process.join(10)
        commands.close()
        events.close()
    assert process.exitcode == 0
