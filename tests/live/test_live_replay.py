"""Replay: frames of past epochs, thinned evenly; going on from one is reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio import live
from nnstudio.document import edits
from nnstudio.examples import example
from nnstudio.io import session
from nnstudio.live.replay import (
    MAX_FRAMES,
    Trail,
    capacity_for,
    continue_progress,
    weights_of,
)


def _run(name="xor", optimizer=None):
    doc = example(name)
    if optimizer is not None:
        doc.network["optimizer"] = optimizer
    return doc, live.Run(live.job_from_document(doc, session.dataset(doc)))


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_trail_is_thinned_evenly_and_bounded():
    _, run = _run()
    trail = Trail(capacity=4)
    for _ in range(20):
        trail.record(run.net)
        run.net.epochs += 1  # the trail only reads the counter and copies the weights
    assert len(trail.frames) <= 4
    assert trail.epochs == [0, 8, 16]  # even spacing from the start, at a power of two
    assert capacity_for(10) == MAX_FRAMES
    assert capacity_for(100_000_000) == 2  # a huge network keeps its two ends at least


def test_run_keeps_a_frame_per_epoch_with_the_weights_of_that_epoch():
    _, run = _run()
    run.fit(6)
    assert run.trail.epochs == [0, 1, 2, 3, 4, 5, 6]
    _, alone = _run()
    alone.fit(4)  # the same run, stopped after 4 epochs
    frame = run.trail.at(4)
    assert _same(weights_of(run.job.spec, frame), alone.net.get_weights())
    assert frame.steps == alone.net.steps


def test_continuing_from_a_frame_is_reproducible():
    doc, run = _run()
    run.fit(6)
    doc.set_progress(run.progress())
    progress = continue_progress(run.job.spec, run.trail.at(3), doc.history, doc.standardize)
    assert progress.epochs == 3 and len(progress.history["val_loss"]) == 3
    assert progress.history["loss"] == doc.history["loss"][:3]
    results = []
    for _ in range(2):
        again = example("xor")
        again.set_progress(progress)
        live.train(again, epochs=3)
        results.append(again.weights)
    assert _same(*results)


def test_plain_sgd_goes_on_from_a_frame_exactly_as_it_went():
    """SGD keeps no optimizer state, and the frame keeps the shuffle stream: same weights."""
    doc, run = _run(optimizer={"name": "sgd", "learning_rate": 0.1})
    run.fit(6)
    replayed = example("xor")
    replayed.network = doc.network
    progress = continue_progress(run.job.spec, run.trail.at(2), run.history, run.job.standardize)
    replayed.set_progress(progress)
    live.train(replayed, epochs=4)
    assert _same(replayed.weights, run.net.get_weights())
    assert replayed.history["loss"] == run.history["loss"]


def test_continue_is_an_undoable_edit():
    doc, run = _run("course_line")
    run.fit(5)
    doc.set_progress(run.progress())
    before = [w.copy() for w in doc.weights]
    progress = continue_progress(run.job.spec, run.trail.at(1), doc.history, doc.standardize)
    undo = edits.SetProgress(progress, "continue from epoch 1").apply(doc)
    # Lesson 5: one step of lr 0.1 from m = -1, b = 5 gives m = -0.7, b = 5.1.
    assert doc.weights[0][0, 0] == pytest.approx(-0.7) and doc.weights[1][0] == pytest.approx(5.1)
    assert doc.epochs == 1
    undo.apply(doc)
    assert _same(doc.weights, before) and doc.epochs == 5
