"""Feature crosses on the one training path: the window's worker and ``nnstudio train`` agree,
and the spiral, the hardest Playground set, becomes learnable for one small hidden layer."""

from __future__ import annotations

import queue
import threading

import numpy as np

from nnstudio import live
from nnstudio.engine.features import NAMES
from nnstudio.examples import example
from nnstudio.io import session
from nnstudio.live.worker import RUN, Gate, Worker


def spiral(features: list[str]):
    """The spiral example with one hidden layer of 8 tanh neurons."""
    doc = example("spiral")
    doc.network["features"] = features
    doc.network["layers"] = [{"units": 8, "activation": "tanh"}, doc.network["layers"][-1]]
    return doc


def test_the_spiral_is_learnt_with_crosses_and_not_without():
    crossed, plain = spiral(list(NAMES)), spiral([])
    live.train(crossed, epochs=100)
    live.train(plain, epochs=100)
    assert crossed.history["val_accuracy"][-1] > 0.9
    assert crossed.history["accuracy"][-1] > 0.9
    assert plain.history["accuracy"][-1] < 0.75  # the same small net without crosses


def test_the_worker_trains_the_crossed_network_as_the_command_line_does():
    doc = spiral(list(NAMES))
    doc.training["epochs"] = 3
    job = live.job_from_document(doc, session.dataset(doc), grid=20)
    gate, events = Gate(), queue.Queue()
    worker = Worker(job, gate, lambda kind, *args: events.put((kind, args)))
    thread = threading.Thread(target=worker.run)
    thread.start()
    pictures = []
    try:
        gate.command(RUN)
        while True:
            kind, args = events.get(timeout=20)
            if kind == "snapshot" and "neuron_maps" in args[0]:  # sent when computed anew
                pictures.append(len(args[0]["neuron_maps"][0]))
            if kind == "result" and args[0].epochs == 3:
                result = args[0]
                break
    finally:
        gate.request_stop()
        thread.join(10)
    assert not thread.is_alive()
    assert pictures and set(pictures) == {8}  # pictures of the crossed network's 8 neurons
    live.train(doc, epochs=3)
    assert result.weights[0].shape == (7, 8)
    for a, b in zip(result.weights, doc.weights, strict=True):
        np.testing.assert_array_equal(a, b)
