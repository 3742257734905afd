"""fit(): history, epochs and batches, the stop flag, callbacks, and a real learning task."""

import math
import threading
import tracemalloc

import numpy as np
import pytest

from nnstudio.engine import (
    Callback,
    EarlyStopping,
    LambdaCallback,
    NanGuard,
    Network,
    denormals,
    evaluate,
    fit,
    training,
)
from nnstudio.engine.callbacks import Control


def spiral(n=500, noise=0.1, seed=0):
    """TensorFlow Playground's two-arm spiral: radius grows to 5 over 1.75 turns per arm."""
    rng = np.random.default_rng(seed)
    m = n // 2
    i = np.arange(m)
    r = i / m * 5
    t = 1.75 * i / m * 2 * np.pi
    arms = [np.c_[r * np.sin(t + d), r * np.cos(t + d)] for d in (0.0, np.pi)]
    X = np.concatenate(arms) + rng.uniform(-1, 1, (n, 2)) * noise
    return np.clip(X, -6, 6), np.repeat([1.0, 0.0], m)


def classifier(seed=0, lr=0.01, opt="adam"):
    return Network.from_spec(
        {
            "inputs": 2,
            "layers": [
                {"units": 8, "activation": "tanh"},
                {"units": 8, "activation": "tanh"},
                {"units": 1, "activation": "sigmoid"},
            ],
            "loss": "binary_crossentropy",
            "optimizer": {"name": opt, "learning_rate": lr},
            "seed": seed,
        }
    )


def regressor(lr=0.01, seed=0):
    return Network.from_spec(
        {
            "inputs": 3,
            "layers": [{"units": 8, "activation": "tanh"}, {"units": 1}],
            "optimizer": {"name": "sgd", "learning_rate": lr},
            "seed": seed,
        }
    )


def regression_data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + 3.0


def test_spiral_reaches_95_percent():
    X, y = spiral()
    assert X.shape == (500, 2) and np.abs(X).max() <= 6
    net = classifier()
    history = fit(net, X, y, epochs=500, batch_size=10)
    accuracy = ((net.predict(X)[:, 0] >= 0.5) == y).mean()
    assert accuracy >= 0.95
    assert history.history["accuracy"][-1] >= 0.95
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_history_keys_and_epoch_numbering():
    X, y = spiral(100)
    net = classifier()
    h = fit(net, X, y, epochs=3, batch_size=16, validation_data=spiral(40, seed=1))
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in h.history.values())
    assert all(isinstance(v, float) for vals in h.history.values() for v in vals)
    assert h.epoch == [1, 2, 3] and net.epochs == 3 and net.steps == 3 * 7
    # a second call continues the count
    h2 = fit(net, X, y, epochs=2, batch_size=16)
    assert h2.epoch == [4, 5] and net.epochs == 5 and net.steps == 5 * 7
    assert set(h2.history) == {"loss", "accuracy"}
    # regression: no accuracy
    Xr, yr = regression_data()
    h3 = fit(regressor(), Xr, yr, epochs=2, batch_size=30, validation_data=(Xr[:10], yr[:10]))
    assert set(h3.history) == {"loss", "val_loss"}
    assert h3.stopped_reason == ""


def test_validation_figures_are_measured_after_the_epoch():
    X, y = spiral(100)
    Xv, yv = spiral(60, seed=2)
    net = classifier()
    h = fit(net, X, y, epochs=2, batch_size=32, validation_data=(Xv, yv))
    assert h.history["val_loss"][-1] == pytest.approx(net.loss(Xv, yv), rel=1e-12)
    val_acc = ((net.predict(Xv)[:, 0] >= 0.5) == yv).mean()
    assert h.history["val_accuracy"][-1] == pytest.approx(val_acc)
    assert evaluate(net, Xv, yv) == {"loss": net.loss(Xv, yv), "accuracy": val_acc}


def test_training_figures_with_a_frozen_network_equal_whole_set_figures():
    """Learning rate 0: each batch's loss is measured before its (null) update, so the epoch's
    loss is the whole-set loss and its accuracy the whole-set accuracy."""
    X, y = spiral(90)
    net = classifier(lr=0.0, opt="sgd")
    h = fit(net, X, y, epochs=1, batch_size=16)
    assert h.history["loss"][0] == pytest.approx(net.loss(X, y), rel=1e-12)
    acc = ((net.predict(X)[:, 0] >= 0.5) == y).mean()
    assert h.history["accuracy"][0] == pytest.approx(acc)


def test_batch_logs():
    X, y = regression_data(50)
    seen = []
    cb = LambdaCallback(on_batch_end=lambda logs: seen.append(dict(logs)))
    net = regressor()
    h = fit(net, X, y, epochs=2, batch_size=16, callbacks=[cb])
    assert [b["batch"] for b in seen] == [0, 1, 2, 3] * 2
    assert [b["epoch"] for b in seen] == [1] * 4 + [2] * 4
    assert [b["size"] for b in seen] == [16, 16, 16, 2] * 2
    assert [b["step"] for b in seen] == list(range(1, 9))
    assert all(type(v) in (int, float) for b in seen for v in b.values())  # plain logs
    # the epoch loss is the size-weighted mean of its batch losses
    first = seen[:4]
    expected = sum(b["loss"] * b["size"] for b in first) / 50
    assert h.history["loss"][0] == pytest.approx(expected, rel=1e-12)


def test_callback_hooks_order():
    events = []

    class Recorder(Callback):
        def on_train_begin(self, logs):
            events.append("train_begin")

        def on_epoch_begin(self, epoch):
            events.append(f"epoch_begin {epoch}")

        def on_batch_end(self, logs):
            events.append(f"batch {logs['batch']}")

        def on_epoch_end(self, logs):
            events.append(f"epoch_end {logs['epoch']}")

        def on_train_end(self, logs):
            events.append("train_end")

    X, y = regression_data(20)
    fit(regressor(), X, y, epochs=2, batch_size=10, callbacks=[Recorder()])
    assert events == [
        "train_begin",
        "epoch_begin 1",
        "batch 0",
        "batch 1",
        "epoch_end 1",
        "epoch_begin 2",
        "batch 0",
        "batch 1",
        "epoch_end 2",
        "train_end",
    ]


def test_shuffle_false_with_one_batch_equals_train_step():
    X, y = regression_data(40)
    a, b = regressor(), regressor()
    fit(a, X, y, epochs=3, batch_size=40, shuffle=False)
    for _ in range(3):
        b.train_step(X, y)
    np.testing.assert_array_equal(a.params, b.params)
    # and shuffling changes the batches (so the run), seeded
    c, d = regressor(), regressor()
    fit(c, X, y, epochs=2, batch_size=8)
    fit(d, X, y, epochs=2, batch_size=8, shuffle=False)
    assert not np.array_equal(c.params, d.params)


@pytest.mark.parametrize("gather_from_bytes", [0, 1 << 40], ids=["gathered", "copied"])
def test_an_epoch_trains_on_slices_of_one_seeded_permutation(monkeypatch, gather_from_bytes):
    """Large inputs are gathered batch by batch, small ones copied once: the same batches."""
    monkeypatch.setattr(training, "GATHER_FROM_BYTES", gather_from_bytes)
    X, y = regression_data(45)  # 5 batches of 8 and a last one of 5
    a, b = regressor(), regressor()
    history = fit(a, X, y, epochs=2, batch_size=8)
    for epoch in range(2):
        order = b.shuffle_rng.permutation(45)
        losses = [
            b.train_step(X[order[s : s + 8]], y[order[s : s + 8]]) * len(order[s : s + 8])
            for s in range(0, 45, 8)
        ]
        assert history.history["loss"][epoch] == pytest.approx(sum(losses) / 45, rel=1e-12)
    np.testing.assert_array_equal(a.params, b.params)


@pytest.mark.parametrize("use_bias", [True, False])
def test_gathered_batches_without_shuffling_are_the_rows_in_order(monkeypatch, use_bias):
    spec = {
        "inputs": 3,
        "layers": [{"units": 8, "activation": "tanh", "use_bias": use_bias}, {"units": 1}],
        "optimizer": {"name": "sgd", "learning_rate": 0.01},
    }
    X, y = regression_data(45)
    given = X.copy()
    runs = []
    for gather_from_bytes in (0, 1 << 40):
        monkeypatch.setattr(training, "GATHER_FROM_BYTES", gather_from_bytes)
        net = Network.from_spec(spec)
        fit(net, X, y, epochs=2, batch_size=8, shuffle=False)
        runs.append(net.params)
    ref = Network.from_spec(spec)
    for _ in range(2):
        for s in range(0, 45, 8):
            ref.train_step(X[s : s + 8], y[s : s + 8])
    np.testing.assert_array_equal(X, given)  # the caller's rows are read, never written
    np.testing.assert_array_equal(runs[0], ref.params)
    np.testing.assert_array_equal(runs[1], ref.params)


def test_gathered_batches_carry_the_feature_crosses(monkeypatch):
    """A large two-feature set with crosses trains as a small one does (the crossed columns
    were missing from the gathered batches: a shape error)."""
    spec = {
        "inputs": 2,
        "features": ["x1_squared", "x1_times_x2", "sin_x2"],
        "layers": [{"units": 6, "activation": "tanh"}, {"units": 1}],
        "optimizer": {"name": "adam", "learning_rate": 0.01},
    }
    rng = np.random.default_rng(3)
    X = rng.normal(size=(45, 2))
    y = X[:, 0] ** 2 - X[:, 1]
    runs = []
    for gather_from_bytes in (0, 1 << 40):
        monkeypatch.setattr(training, "GATHER_FROM_BYTES", gather_from_bytes)
        net = Network.from_spec(spec)
        history = fit(net, X, y, epochs=3, batch_size=8)
        runs.append((net.params.copy(), history.history["loss"]))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_large_inputs_are_not_copied_for_training():
    """No augmented copy (inputs plus a ones column) of a large data set exists while it trains."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40_000, 50))  # 16 MB: gathered batch by batch
    y = X[:, 0] - X[:, 1]
    net = Network.from_spec({"inputs": 50, "layers": [{"units": 4}, {"units": 1}]})
    tracemalloc.start()
    try:
        fit(net, X, y, epochs=1, batch_size=256)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert X.nbytes > training.GATHER_FROM_BYTES
    assert peak < X.nbytes / 2  # the permutation and the batch buffers, not a second X


def test_fit_rejects_bad_arguments():
    X, y = regression_data(10)
    net = regressor()
    with pytest.raises(ValueError, match="10 rows but targets have 9"):
        fit(net, X, y[:9])
    with pytest.raises(ValueError, match="batch_size"):
        fit(net, X, y, batch_size=0)
    with pytest.raises(ValueError, match="no training data"):
        fit(net, X[:0], y[:0])


# --------------------------------------------------------------------------- stop flag
def test_stop_event_stops_within_one_batch():
    X, y = regression_data(100)
    net = regressor()
    stop = threading.Event()
    steps_at_set = []

    def on_batch(logs):
        if logs["epoch"] == 2 and logs["batch"] == 3:
            stop.set()
            steps_at_set.append(net.steps)

    h = fit(net, X, y, epochs=50, batch_size=10, callbacks=[LambdaCallback(on_batch)], stop=stop)
    assert steps_at_set == [14]
    assert net.steps == 14  # no batch ran after the flag was set
    assert h.epoch == [1] and net.epochs == 1  # the interrupted epoch does not count
    # A flag set before fit: nothing runs.
    h = fit(net, X, y, epochs=5, batch_size=10, stop=stop)
    assert net.steps == 14 and h.epoch == []


def test_stop_event_from_another_thread():
    X, y = regression_data(200)
    net = regressor()
    stop = threading.Event()
    started = threading.Event()
    result = {}

    def work():
        cb = LambdaCallback(on_batch_end=lambda logs: started.set())
        result["h"] = fit(net, X, y, epochs=100_000, batch_size=1, callbacks=[cb], stop=stop)

    worker = threading.Thread(target=work)
    worker.start()
    assert started.wait(10)
    stop.set()
    worker.join(5)
    assert not worker.is_alive()
    assert 0 < net.steps < 100_000 * 200
    assert len(result["h"].epoch) == net.epochs


# ----------------------------------------------------------------------- EarlyStopping
def drive(cb, values, key="val_loss"):
    """Feed epoch logs to a callback outside fit; return the epoch where it asked to stop."""
    control = Control(net=None)
    cb.set_control(control)
    cb.on_train_begin({})
    for epoch, value in enumerate(values, start=1):
        cb.on_epoch_end({"epoch": epoch, key: value})
        if control.stop_requested:
            return epoch, control.reason
    return None, ""


def test_early_stopping_patience_and_min_delta():
    assert drive(EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.92, 0.5])[0] == 4
    assert drive(EarlyStopping(patience=3), [1.0, 0.9, 0.95, 0.92, 0.5, 0.6])[0] is None
    assert drive(EarlyStopping(patience=0), [1.0, 0.9, 0.9])[0] == 3
    # improvements smaller than min_delta do not count
    assert drive(EarlyStopping(patience=2, min_delta=0.05), [1.0, 0.97, 0.96, 0.9])[0] == 3
    assert drive(EarlyStopping(patience=2, min_delta=0.01), [1.0, 0.97, 0.96, 0.9])[0] is None
    # accuracy must rise
    epoch, reason = drive(
        EarlyStopping(monitor="val_accuracy", patience=1), [0.5, 0.7, 0.6], "val_accuracy"
    )
    assert epoch == 3
    assert "epoch 3" in reason and "val_accuracy" in reason and "best 0.7 at epoch 2" in reason
    # a missing key never stops
    assert drive(EarlyStopping(monitor="val_loss", patience=0), [1, 2, 3], "loss")[0] is None


def test_early_stopping_in_fit_restores_the_best_weights():
    X, y = regression_data(60)
    Xv, yv = X, -y  # validation targets opposed to training: val_loss rises as training goes
    net = regressor(lr=0.02, seed=4)
    snapshots = []
    keep = LambdaCallback(on_epoch_end=lambda logs: snapshots.append(net.params.copy()))
    es = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    h = fit(net, X, y, epochs=200, batch_size=10, validation_data=(Xv, yv), callbacks=[keep, es])
    val = h.history["val_loss"]
    best = int(np.argmin(val))
    assert len(val) == best + 1 + 3 < 200  # stopped after patience epochs without improvement
    assert es.stopped_epoch == len(val)
    assert h.stopped_reason.startswith(f"early stopping at epoch {len(val)}")
    np.testing.assert_array_equal(net.params, snapshots[best])
    assert not np.array_equal(net.params, snapshots[-1])
    assert net.loss(Xv, yv) == pytest.approx(min(val), rel=1e-12)


def test_early_stopping_without_restore_keeps_the_last_weights():
    X, y = regression_data(60)
    net = regressor(lr=0.02, seed=4)
    last = []
    keep = LambdaCallback(on_epoch_end=lambda logs: last.append(net.params.copy()))
    es = EarlyStopping(patience=3)
    fit(net, X, y, epochs=200, batch_size=10, validation_data=(X, -y), callbacks=[keep, es])
    np.testing.assert_array_equal(net.params, last[-1])


# ----------------------------------------------------------------------------- NanGuard
def test_nan_guard_stops_a_diverging_run():
    X, y = regression_data(100)
    net = Network.from_spec(
        {
            "inputs": 3,
            "layers": [{"units": 8, "activation": "linear"}, {"units": 1}],
            "loss": "mse",
            "optimizer": {"name": "sgd", "learning_rate": 100.0},
        }
    )
    start = net.params.copy()
    epochs = []  # (loss, params) at each epoch's end

    def remember(logs):
        epochs.append((logs["loss"], net.params.copy()))

    guard = NanGuard()
    h = fit(
        net,
        X,
        y,
        epochs=50,
        batch_size=10,
        callbacks=[guard, LambdaCallback(on_epoch_end=remember)],
    )
    assert not net.last_step_ok
    assert net.steps < 500  # stopped long before 50 epochs
    assert guard.step == net.steps and guard.epoch == net.epochs + 1
    # The weights of the epoch with the lowest loss are back (or the starting weights).
    finite = [(loss, p) for loss, p in epochs if np.isfinite(loss)]
    best = min(finite, key=lambda e: e[0])[1] if finite else start
    np.testing.assert_array_equal(net.params, best)
    assert guard.restored_epoch == (
        None if not finite else 1 + [e[0] for e in epochs].index(min(e[0] for e in finite))
    )
    assert net.optimizer.t == 0  # fresh optimizer state: training can go on
    assert f"epoch {guard.epoch}, step {guard.step}" in guard.message
    assert "put back" in guard.message
    assert h.stopped_reason == guard.message


def test_nan_guard_stays_quiet_on_a_healthy_run():
    X, y = regression_data(50)
    guard = NanGuard()
    net = regressor(lr=0.01)
    h = fit(net, X, y, epochs=3, batch_size=10, callbacks=[guard])
    assert guard.message == "" and h.stopped_reason == "" and h.epoch == [1, 2, 3]


def test_train_step_skips_a_non_finite_step_without_warnings():
    net = Network.from_spec(
        {
            "inputs": 3,
            "layers": [{"units": 4, "activation": "relu"}, {"units": 1}],
            "optimizer": {"name": "sgd", "learning_rate": 0.01},
        }
    )
    X, y = regression_data(10)
    before = net.params.copy()
    loss = net.train_step(X * 1e200, y)  # overflows: no RuntimeWarning (warnings are errors)
    assert not math.isfinite(loss)
    assert not net.last_step_ok
    np.testing.assert_array_equal(net.params, before)
    net.train_step(X, y)
    assert net.last_step_ok and not np.array_equal(net.params, before)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_predict_in_blocks_gives_every_row_its_own_output(dtype, monkeypatch):
    """Many rows go through the layers a block at a time: the blocks (7 rows here, the last one
    shorter) give each row what it gets alone, in order, with features crossed per row."""
    from nnstudio.engine import network

    spec = {
        "inputs": 2,
        "features": ["x1_squared", "x1_times_x2"],
        "layers": [{"units": 5, "activation": "tanh"}, {"units": 3, "activation": "softmax"}],
        "loss": "categorical_crossentropy",
        "dtype": dtype,
        "seed": 4,
    }
    net = Network.from_spec(spec)
    X = np.random.default_rng(8).normal(size=(30, 2))
    monkeypatch.setattr(network, "PREDICT_ROWS", 7)
    blocked = net.predict(X)
    assert blocked.shape == (30, 3) and blocked.dtype == dtype
    one_by_one = np.concatenate([net.predict(X[i : i + 1]) for i in range(30)])
    np.testing.assert_allclose(blocked, one_by_one, rtol=1e-5 if dtype == "float32" else 1e-12)
    monkeypatch.setattr(network, "PREDICT_ROWS", 1000)
    np.testing.assert_allclose(net.predict(X), blocked, rtol=1e-5 if dtype == "float32" else 1e-12)


@pytest.mark.skipif(not denormals._X86, reason="flush-to-zero is set on x86-64 only")
def test_training_counts_denormal_numbers_as_zero_and_puts_the_mode_back():
    """Inside ``flushed`` a denormal input and a denormal result are 0 (a deep network's
    vanishing gradients no longer take the processor's slow path); outside they are not, and
    ``fit`` leaves the thread as it found it."""
    tiny = np.array([1e-40], np.float32)  # below float32's smallest normal, 1.2e-38
    with denormals.flushed():
        assert tiny[0] * np.float32(1.0) == 0.0  # denormal input read as zero
        assert np.float32(1e-30) * np.float32(1e-10) == 0.0  # denormal result flushed
    assert tiny[0] * np.float32(1.0) == np.float32(1e-40)
    net = Network.from_spec(
        {"inputs": 1, "layers": [{"units": 1, "activation": "linear"}], "loss": "mse"}
    )
    fit(net, np.ones((4, 1)), np.ones((4, 1)), epochs=1, batch_size=2)
    assert np.float32(1e-30) * np.float32(1e-10) > 0.0


def test_loops_compile_without_a_disk_cache_where_none_can_be_kept(monkeypatch):
    """A read-only install without a writable home: numba refuses ``cache=True`` when the
    loop is decorated; the engine then compiles in each process instead of failing to import."""
    from nnstudio.engine import compiled as compiled_module

    real = compiled_module.njit
    asked = []

    def njit(cache=False, **options):
        asked.append(cache)
        if cache:
            raise RuntimeError("cannot cache function 'add_one': no locator available")
        return real(**options)

    monkeypatch.setattr(compiled_module, "njit", njit)

    @compiled_module.compiled(error_model="numpy")
    def add_one(x):
        return x + 1

    assert add_one(41) == 42 and asked == [True, False]
