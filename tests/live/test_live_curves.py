"""Curve deltas: what the worker sends adds up to the whole curve the window draws."""

import queue
import threading

import numpy as np
import pytest

from nnstudio.engine import Network
from nnstudio.live.curves import CurveDelta, GrowingCurve, SnapshotStream
from nnstudio.live.snapshot import Decimated, Snapshotter
from nnstudio.live.worker import RUN, Gate, Worker


def test_a_growing_curve_appends_replaces_its_tail_and_keeps_its_points_when_it_grows():
    curve = GrowingCurve(capacity=2)
    curve.apply(CurveDelta(0, np.array([1.0, 2.0]), np.array([10.0, 20.0])))
    curve.apply(CurveDelta(2, np.array([3.0, 4.0, 5.0]), np.array([30.0, 40.0, 50.0])))
    assert curve.x.tolist() == [1, 2, 3, 4, 5] and curve.y.tolist() == [10, 20, 30, 40, 50]
    curve.apply(CurveDelta(4, np.array([5.0, 6.0]), np.array([55.0, 60.0])))  # tail again
    assert curve.y.tolist() == [10, 20, 30, 40, 55, 60]
    curve.apply(CurveDelta(0, np.array([7.0]), np.array([70.0])))  # a new job
    assert curve.x.tolist() == [7] and curve.y.tolist() == [70]
    assert np.shares_memory(curve.y, curve.y)  # a view for drawing, not a copy
    curve.clear()
    assert len(curve) == 0 and curve.x.size == 0


@pytest.mark.parametrize("capacity", [4, 8, 4096])
def test_decimated_deltas_rebuild_the_curve_through_every_halving(capacity):
    rng = np.random.default_rng(capacity)
    source, receiver = Decimated(capacity), GrowingCurve()
    step = 0
    for chunk in rng.integers(0, 7, 200):  # 0 to 6 points between two snapshots
        for _ in range(chunk):
            step += 1
            source.append(step, rng.normal())
        receiver.apply(source.delta())
        x, y = source.arrays()
        np.testing.assert_array_equal(receiver.x, x)
        np.testing.assert_array_equal(receiver.y, y)
    assert step > 4 * capacity or capacity == 4096  # the small ones halved several times


def test_live_curves_replace_deltas_by_whole_curves_and_clear():
    curves = SnapshotStream()
    one = CurveDelta(0, np.array([1.0]), np.array([0.5]))
    out = curves.apply({"epoch_loss": one, "grad_norms": [one, one], "step": 3})
    x, y = out["epoch_loss"]
    assert x.tolist() == [1.0] and y.tolist() == [0.5] and out["step"] == 3
    assert [pair[1].tolist() for pair in out["grad_norms"]] == [[0.5], [0.5]]
    curves.clear()
    assert len(curves.curves["epoch_loss"]) == 0 and curves.grad_norms == []


def test_the_deltas_of_a_600_epoch_run_add_up_to_its_whole_history(xor_job):
    """Every snapshot the worker sends, folded in, gives the history the document keeps."""
    gate = Gate()
    events: queue.Queue = queue.Queue()
    job = xor_job(epochs=600)

    def emit(kind, *args):
        events.put((kind, args))
        if kind == "snapshot":
            gate.want_frame()  # a window painting every snapshot at once

    worker = Worker(job, gate, emit)
    thread = threading.Thread(target=worker.run)
    thread.start()
    gate.command(RUN)
    curves, sent, result = SnapshotStream(), 0, None
    try:
        while result is None:
            kind, args = events.get(timeout=60)
            if kind == "snapshot":
                sent += 1
                last = curves.apply(args[0])
            elif kind == "result":
                result = args[0]
    finally:
        gate.request_stop()
        thread.join(10)
    assert result.epochs == 600 and sent > 10
    for key, name in [("epoch_loss", "loss"), ("val_loss", "val_loss"), ("accuracy", "accuracy")]:
        x, y = last[key]
        np.testing.assert_array_equal(x, np.arange(1, 601))
        np.testing.assert_array_equal(y, result.history[name])
    steps, _losses = last["batch_loss"]
    assert len(steps) <= 4096 < result.steps  # 12,000 batch losses, 4 to a point
    assert result.steps - 4 < steps[-1] <= result.steps  # the last point: the last few steps


def test_pictures_travel_only_when_computed_anew_and_the_stream_keeps_the_last(xor_job):
    job = xor_job()
    net = Network(job.spec)
    snapper = Snapshotter(net, job.X_train, job.y_train, job.X_val, job.y_val, job.view)
    stream = SnapshotStream()
    first = snapper.snapshot({"batch": -1}, force=True)
    assert "boundary" in first and "confusion" in first
    whole, last = stream.apply(first), first["boundary"]
    for _ in range(5):
        snap = snapper.snapshot({"batch": -1})
        new = snap["heavy_version"] != whole["heavy_version"]
        assert ("boundary" in snap) == new  # the grid goes out once per computation
        last = snap["boundary"] if new else last
        whole = stream.apply(snap)
        assert whole["boundary"] is last and whole["heavy_version"] == snap["heavy_version"]
    assert "boundary" in snapper.snapshot({"batch": -1}, force=True)  # a pause: all of it


def test_weight_copies_go_out_within_their_byte_budget_and_the_stream_keeps_the_last(
    xor_job, monkeypatch
):
    from nnstudio.live import snapshot

    job = xor_job()
    net = Network(job.spec)
    snapper = Snapshotter(net, job.X_train, job.y_train, job.X_val, job.y_val, job.view)
    stream = SnapshotStream()
    monkeypatch.setattr(snapshot, "ARRAY_BYTES_PER_S", 1e-3)  # the next copies due in days
    first = stream.apply(snapper.snapshot({"batch": -1}))
    net.params[...] += 1.0
    later = snapper.snapshot({"batch": -1})
    assert "weights" not in later and "grads" not in later  # not due
    whole = stream.apply(later)
    assert whole["weights"] is first["weights"]  # the last ones, kept
    forced = snapper.snapshot({"batch": -1}, force=True)  # a pause sends them anyway
    np.testing.assert_array_equal(forced["weights"][0], first["weights"][0] + 1.0)
    monkeypatch.setattr(snapshot, "ARRAY_BYTES_PER_S", 1e12)  # a small network: every frame
    snapper.snapshot({"batch": -1}, force=True)
    assert "weights" in snapper.snapshot({"batch": -1})


def test_a_snapshot_says_stepped_only_after_a_step_in_this_run(xor_job):
    """A reopened project has steps but its gradients are not computed until the next step."""
    from nnstudio.engine import Network
    from nnstudio.live.snapshot import Snapshotter

    job = xor_job()
    net = Network(job.spec)
    net.steps = 3200  # as loaded with a saved state
    snapper = Snapshotter(net, job.X_train, job.y_train, job.X_val, job.y_val, job.view)
    first = snapper.snapshot({"batch": -1}, force=True)
    assert first["step"] == 3200 and not first["stepped"]
    net.train_step(job.X_train[:10], job.y_train[:10])
    after = snapper.snapshot({"batch": 0}, force=True)
    assert after["step"] == 3201 and after["stepped"]
    assert any(abs(g).max() > 0 for g in after["grads"])
