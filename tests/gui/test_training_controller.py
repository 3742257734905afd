"""Live training through the controller: play, pause, step, divergence, stop, reset.

Training runs in a child process; every test ends with ``shutdown()`` and checks that neither
the process nor the thread reading its events is left behind.
"""

import multiprocessing
import os
import signal

import numpy as np
import pytest
from PySide6.QtCore import QThread

from nnstudio.engine import Network, normalize_spec
from nnstudio.gui.training import TrainingController


@pytest.fixture
def controller(qtbot):
    ctl = TrainingController()
    yield ctl
    link = ctl.process_link
    ctl.shutdown()
    assert not ctl.is_running()
    assert link is None or not link.receiver.isRunning()
    assert multiprocessing.active_children() == []


def wait_ready(qtbot, ctl):
    qtbot.waitUntil(lambda: ctl.latest is not None, timeout=5000)


def wait_state(qtbot, ctl, state, timeout=10_000):
    if ctl.state == state:
        return
    with qtbot.waitSignal(ctl.stateChanged, timeout=timeout, check_params_cb=lambda s: s == state):
        pass


def test_play_trains_and_loss_falls(qtbot, controller, xor_job):
    controller.load_job(xor_job(grid=100))
    wait_ready(qtbot, controller)
    first = controller.latest
    controller.play()
    qtbot.waitUntil(lambda: controller.latest["epoch"] >= 40, timeout=20_000)
    controller.pause()
    wait_state(qtbot, controller, "paused")
    snap = controller.latest
    _x, loss = snap["epoch_loss"]
    assert loss[-1] < 0.5 * loss[0]
    assert snap["val_accuracy"][1][-1] > 0.9
    assert snap["boundary"].shape == (100, 100)
    assert first["step"] == 0 and snap["step"] > 0


def test_pause_stops_the_step_counter(qtbot, controller, xor_job):
    controller.load_job(xor_job())
    controller.play()
    qtbot.waitUntil(lambda: (controller.latest or {}).get("step", 0) > 0, timeout=10_000)
    controller.pause()
    wait_state(qtbot, controller, "paused")
    # Two round trips to the process: it has answered twice (so its loop ran) and not trained.
    first, second = controller.sync(), controller.sync()
    assert first.steps == second.steps > 0
    assert controller.latest["step"] == first.steps and controller.state == "paused"


def test_step_batch_applies_exactly_one_update(qtbot, controller, xor_job):
    job = xor_job()
    controller.load_job(job)
    wait_ready(qtbot, controller)
    before = controller.latest["weights"]
    controller.step_batch()
    wait_state(qtbot, controller, "paused")
    snap = controller.latest
    assert snap["step"] == 1 and snap["batch"] == 1

    ref = Network(job.spec)  # the same seed: same weights and same shuffle order
    order = ref.shuffle_rng.permutation(len(job.X_train))[:10]
    for w, b in zip(ref.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, b)
    ref.train_step(job.X_train[order], job.y_train[order])
    for got, want, upd, delta in zip(
        snap["weights"],
        ref.get_weights(),
        snap["updates"],
        ref.split_flat(ref.optimizer.delta),
        strict=True,
    ):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
        np.testing.assert_allclose(upd, delta, rtol=0, atol=1e-15)
    for old, new, upd in zip(before, snap["weights"], snap["updates"], strict=True):
        np.testing.assert_allclose(new - old, upd, atol=1e-15)

    controller.step_batch()
    qtbot.waitUntil(lambda: controller.latest["step"] == 2, timeout=5000)
    wait_state(qtbot, controller, "paused")
    assert controller.latest["step"] == 2


def test_step_epoch_runs_to_the_epoch_end(qtbot, controller, xor_job):
    controller.load_job(xor_job())
    controller.step_batch()
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest["step"] == 1)
    wait_state(qtbot, controller, "paused")
    controller.step_epoch()
    qtbot.waitUntil(lambda: controller.latest["epoch"] == 1, timeout=5000)
    wait_state(qtbot, controller, "paused")
    assert controller.latest["step"] == 20  # 200 rows in batches of 10


def test_diverging_learning_rate_pauses_with_message(qtbot, controller, xor_job):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = X @ np.array([3.0, -2.0]) + 1
    job = xor_job()
    job.spec = normalize_spec(
        {
            "inputs": 2,
            "layers": [{"units": 8, "activation": "tanh"}, {"units": 1}],
            "loss": "mse",
            "optimizer": {"name": "sgd", "learning_rate": 100.0},
        }
    )
    job.X_train, job.y_train, job.X_val, job.y_val = X, y, X[:0], y[:0]
    job.view = {"task": "regression"}
    messages, results = [], []
    controller.message.connect(messages.append)
    controller.resultReady.connect(results.append)
    controller.load_job(job)
    wait_ready(qtbot, controller)
    start = controller.latest["weights"]
    controller.play()
    wait_state(qtbot, controller, "paused")
    assert messages and messages[-1].startswith("Training stopped: The loss became")
    assert "Try a smaller learning rate than 100 (say 10)" in messages[-1]
    assert "Standardize" not in messages[-1]  # it is on
    # It diverged within the first epoch: the starting weights are back.
    assert "starting weights were put back" in messages[-1]
    for a, b in zip(start, controller.latest["weights"], strict=True):
        np.testing.assert_array_equal(a, b)
    assert results and results[-1].state["optimizer"]["t"] == 0  # fresh optimizer state

    controller.set_optimizer({"name": "sgd", "learning_rate": 0.01})  # applied while paused
    qtbot.waitUntil(lambda: controller.latest["optimizer"]["learning_rate"] == 0.01)
    controller.play()  # and now it trains normally
    qtbot.waitUntil(lambda: controller.latest["epoch"] >= 3, timeout=10_000)
    controller.pause()
    wait_state(qtbot, controller, "paused")
    _x, loss = controller.latest["epoch_loss"]
    assert np.all(np.isfinite(loss)) and loss[-1] < loss[0]


def wide_job(xor_job):
    """A network whose batches take a while: Stop arrives in the middle of a batch."""
    rng = np.random.default_rng(0)
    job = xor_job()
    job.spec = normalize_spec(
        {
            "inputs": 300,
            "layers": [
                {"units": 512, "activation": "relu"},
                {"units": 1, "activation": "sigmoid"},
            ],
            "loss": "binary_crossentropy",
        }
    )
    job.X_train = rng.normal(size=(2000, 300))
    job.y_train = rng.integers(0, 2, 2000)
    job.X_val, job.y_val = job.X_train[:0], job.y_train[:0]
    job.settings["batch_size"] = 500
    job.view = {"task": "binary", "classes": 2, "features": [0, 1], "grid": 20}
    return job


def test_stop_mid_training_returns_within_a_batch(qtbot, controller, xor_job):
    job = wide_job(xor_job)
    controller.load_job(job)
    controller.play()
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest["step"] >= 2)
    results = []
    controller.resultReady.connect(results.append)
    assert controller.stop()  # True: the process confirmed (within STOP_TIMEOUT_S), not ended
    assert results and results[-1].steps >= 2  # the progress, for the document
    assert controller.state == "idle" and not controller.is_running()
    assert controller.process_link.process.is_alive()  # kept for the next job


@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs SIGSTOP to freeze a process")
def test_a_stuck_process_is_ended_within_2_s_of_stop_with_a_message(qtbot, controller, xor_job):
    controller.load_job(xor_job())
    controller.play()
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest["step"] >= 2)
    link = controller.process_link
    os.kill(link.process.pid, signal.SIGSTOP)  # frozen: it can neither stop nor quit
    said = []
    controller.message.connect(said.append)
    assert not controller.stop()  # no answer within STOP_TIMEOUT_S: terminated, then killed
    assert link.closed and link.exitcode == -signal.SIGKILL  # gone
    assert said and "did not stop within 1 s" in said[0]
    assert controller.state == "idle" and not controller.is_running()
    assert controller.job is not None  # the window derives a new one from the document
    controller.play()  # a new process serves the next Play
    qtbot.waitUntil(lambda: controller.state == "running", timeout=10_000)


def test_sync_brings_the_progress_of_a_running_job(qtbot, controller, xor_job):
    controller.load_job(xor_job())
    controller.play()
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest["step"] > 30)
    progress = controller.sync()
    assert progress is not None and progress.steps > 30
    assert controller.state == "running"  # it goes on


def test_worker_error_arrives_as_failed(qtbot, controller, xor_job):
    job = xor_job()
    job.y_train = job.y_train[:5]  # rows do not match: fit raises
    with qtbot.waitSignal(controller.failed, timeout=5000) as blocker:
        controller.load_job(job)
        controller.play()
    assert "training failed" in blocker.args[0]
    assert not controller.is_running()


def test_closing_mid_training_leaves_nothing_running(qtbot, xor_job):
    ctl = TrainingController()
    job = wide_job(xor_job)
    ctl.load_job(job)
    ctl.play()
    qtbot.waitUntil(lambda: ctl.state == "running", timeout=10_000)
    link = ctl.process_link
    assert isinstance(link.receiver, QThread) and link.receiver.isRunning()
    ctl.shutdown()
    assert not link.receiver.isRunning()
    assert link.exitcode == 0  # it quit, it was not terminated
    assert multiprocessing.active_children() == []


def test_one_process_serves_every_job(qtbot, controller, xor_job):
    controller.load_job(xor_job())
    wait_ready(qtbot, controller)
    pid = controller.process_link.process.pid
    job = xor_job()
    job.spec["layers"][0]["units"] = 5
    controller.load_job(job)
    qtbot.waitUntil(lambda: controller.latest["weights"][0].shape == (2, 5), timeout=5000)
    controller.step_batch()
    qtbot.waitUntil(lambda: controller.latest["step"] == 1, timeout=5000)
    assert controller.process_link.process.pid == pid


def test_a_killed_process_arrives_as_failed_and_play_restarts(qtbot, controller, xor_job):
    controller.load_job(xor_job())
    controller.play()
    qtbot.waitUntil(lambda: controller.state == "running", timeout=10_000)
    qtbot.waitUntil(lambda: controller.latest["step"] > 0, timeout=5000)
    with qtbot.waitSignal(controller.failed, timeout=5000) as blocker:
        controller.process_link.process.kill()
    assert "stopped unexpectedly" in blocker.args[0]
    assert controller.state == "idle" and not controller.is_running()
    assert multiprocessing.active_children() == []
    assert controller.job is not None  # Play starts the job again (the window: a new one)
    controller.play()  # a new process
    qtbot.waitUntil(lambda: controller.state == "running", timeout=10_000)
    assert controller.is_running()
