"""The Qt-free worker, driven through its gate from a plain thread: commands in, events out."""

import queue
import threading

import numpy as np
import pytest

from nnstudio.engine import Network
from nnstudio.live.worker import PAUSE, RUN, STEP_BATCH, STEP_EPOCH, Gate, Worker


class Running:
    """A worker on its own thread; its events collected in a queue."""

    def __init__(self, job):
        self.gate = Gate()
        self.events: queue.Queue = queue.Queue()
        self.worker = Worker(job, self.gate, lambda kind, *args: self.events.put((kind, args)))
        self.result = None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        self.result = self.worker.run()

    def until(self, kind, value=None, timeout=10.0):
        """Events up to and including the first ``kind`` (with ``value`` as first argument)."""
        seen = []
        while True:
            event = self.events.get(timeout=timeout)
            seen.append(event)
            if event[0] == kind and (value is None or event[1][0] == value):
                return seen

    def stop(self):
        self.gate.request_stop()
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def running():
    runs = []
    yield lambda job: runs.append(Running(job)) or runs[-1]
    for run in runs:
        run.stop()


def snapshots(events):
    return [args[0] for kind, args in events if kind == "snapshot"]


def test_a_new_worker_reports_its_start_weights_and_idles(running, xor_job):
    run = running(xor_job())
    events = run.until("state", "idle")
    (snap,) = snapshots(events)
    assert snap["step"] == 0 and snap["boundary"].dtype == np.float32  # compact to pickle
    assert all(m.dtype == np.float32 for m in snap["neuron_maps"])
    for got, want in zip(snap["weights"], Network(xor_job().spec).get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_step_batch_trains_one_batch_then_pauses(running, xor_job):
    run = running(xor_job())
    run.until("state", "idle")
    run.gate.command(STEP_BATCH)
    events = run.until("state", "paused")
    assert snapshots(events)[-1]["step"] == 1
    run.gate.command(STEP_EPOCH)
    events = run.until("state", "paused")
    snap = snapshots(events)[-1]
    assert (snap["epoch"], snap["step"]) == (1, 20)
    (progress,) = [args[0] for kind, args in events if kind == "result"]  # kept at the pause
    assert progress.steps == 20 and progress.epochs == 1
    assert progress.state["position"] is None  # paused between epochs
    run.stop()
    assert run.result.steps == 20 and len(run.result.history["loss"]) == 1


def test_pending_optimizer_is_applied_while_paused(running, xor_job):
    run = running(xor_job())
    run.until("state", "idle")
    run.gate.request(optimizer={"name": "sgd", "learning_rate": 0.5})
    events = run.until("snapshot")
    assert snapshots(events)[-1]["optimizer"]["name"] == "sgd"


def test_settings_sent_while_running_wait_for_the_next_frame(running, xor_job):
    """A dragged learning-rate slider sends many changes: none may push a snapshot of its own
    past the window's frame requests (each used to carry every weight copy)."""
    run = running(xor_job())
    run.until("state", "idle")
    run.gate.command(RUN)
    run.until("state", "running")
    for k in range(1, 41):  # no frame is asked for meanwhile
        run.gate.request(optimizer={"name": "sgd", "learning_rate": 0.01 * k})
    run.gate.command(PAUSE)
    events = run.until("state", "paused")
    sent = snapshots(events)
    assert len(sent) <= 2  # the first frame's and the pause's
    assert sent[-1]["optimizer"]["name"] == "sgd"
    assert sent[-1]["optimizer"]["learning_rate"] == pytest.approx(0.4)


def test_a_run_of_fixed_epochs_finishes_with_its_result(running, xor_job):
    run = running(xor_job(epochs=2))
    run.gate.command(RUN)
    events = run.until("finished")
    kinds = [kind for kind, _args in events]
    assert kinds.index("message") < kinds.index("finished")
    assert ("message", ("finished: 2 epochs trained",)) in events
    assert ("state", ("finished",)) in events
    results = [args[0] for kind, args in events if kind == "result"]
    assert results[-1].epochs == 2 and len(results[-1].history["val_loss"]) == 2


def test_pause_then_stop_keeps_the_place(running, xor_job):
    run = running(xor_job())
    run.gate.command(RUN)
    run.until("state", "running")
    run.gate.command(PAUSE)
    events = run.until("state", "paused")
    step = snapshots(events)[-1]["step"]
    (progress,) = [args[0] for kind, args in events if kind == "result"]
    assert progress.steps == step
    run.stop()
    assert run.result.steps == step


def test_sync_reports_progress_without_stopping(running, xor_job):
    run = running(xor_job())
    run.until("state", "idle")
    run.gate.command(STEP_BATCH)
    run.until("state", "paused")
    run.gate.request(sync=True)
    (_kind, (progress,)) = run.until("result")[-1]
    assert progress.steps == 1 and progress.state["position"]["seen"] == 10
    assert run.worker.status == "paused"


def test_an_error_is_reported_not_raised(running, xor_job):
    job = xor_job()
    job.y_train = job.y_train[:5]  # rows do not match: fit raises
    run = running(job)
    run.gate.command(RUN)
    (_kind, (text, details)) = run.until("failed")[-1]
    assert text.startswith("training failed") and "Traceback" in details
    run.thread.join(10)
    assert run.result is not None  # the weights as they were
