"""The window tells the truth: what is trained in it is what is saved, exported and predicted.

Each test drives the window through its own controls (the Epochs field, Play, Reset, Undo)
and then checks the files and the command line against what the window showed.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file

from nnstudio import live
from nnstudio.cli import main as cli
from nnstudio.document import edits
from nnstudio.engine import Network
from nnstudio.examples import example
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.training import FINISHED, PAUSED, RUNNING
from nnstudio.io import load_project, session


def set_epochs(win: MainWindow, qtbot, epochs: int) -> None:
    """Type the number of epochs into the Epochs field, as a student does."""
    field = win.settings_bar.epochs
    field.setValue(epochs)
    field.editingFinished.emit()
    qtbot.waitUntil(lambda: win.controller.document.training["epochs"] == epochs, timeout=2000)


def play_to_the_end(win: MainWindow, qtbot, timeout: int = 60_000) -> None:
    trainer = win.live.trainer
    qtbot.waitUntil(lambda: trainer.job is not None and trainer.is_running(), timeout=10_000)
    with qtbot.waitSignal(trainer.stateChanged, timeout=timeout, check_params_cb=_ended):
        win.live.controls.play_action.trigger()
    # The result is written back as one edit right after the run ends.
    qtbot.waitUntil(lambda: win.controller.document.weights is not None, timeout=5000)


def _ended(state: str) -> bool:
    return state in (FINISHED, PAUSED)


def save(win: MainWindow, path: Path) -> None:
    """File > Save As…, typing ``path`` into the file dialog."""
    from unittest import mock

    from PySide6.QtWidgets import QFileDialog

    with mock.patch.object(QFileDialog, "getSaveFileName", return_value=(str(path), "")):
        assert win.save_as()


def window_network(win: MainWindow) -> tuple[Network, np.ndarray, np.ndarray]:
    """The network the window shows: the worker's weights and the job's input transform."""
    snap, job = win.live.trainer.latest, win.live.trainer.job
    net = Network(job.spec)
    net.set_weights(snap["weights"])
    return net, np.asarray(job.view["mean"]), np.asarray(job.view["scale"])


def forward_from_safetensors(path: Path, X: np.ndarray) -> np.ndarray:
    """Our own forward pass over the exported tensors and the metadata's standardizer."""
    tensors = load_file(path)
    with safe_open(str(path), framework="np") as f:
        meta = f.metadata()
    spec, std = json.loads(meta["nnstudio.spec"]), json.loads(meta["nnstudio.standardize"])
    weights = []
    for k, layer in enumerate(spec["layers"]):
        weights.append(tensors[f"layers.{k}.weight"].T)
        if layer["use_bias"]:
            weights.append(tensors[f"layers.{k}.bias"])
    net = Network(spec)
    net.set_weights(weights)
    return net.predict((X - np.asarray(std["mean"])) / np.asarray(std["scale"]))


def raw_validation(doc) -> tuple[np.ndarray, np.ndarray]:
    """The validation rows in the data's own units (the split does not depend on scaling)."""
    plain = doc.copy()
    plain.training["standardize"] = False
    prep = live.prepare(plain, session.dataset(doc))
    return prep.validation.X, prep.validation.y


def accuracy(outputs: np.ndarray, y: np.ndarray) -> float:
    labels = (outputs[:, 0] >= 0.5).astype(int) if outputs.shape[1] == 1 else outputs.argmax(1)
    return float(np.mean(labels == y))


CASES = {  # example -> epochs to train in the window
    "xor": 30,  # binary
    "iris": 40,  # multiclass
    "sine": 60,  # regression
    "digits": 3,  # image
}


@pytest.mark.parametrize("name", CASES)
def test_trained_in_the_window_is_what_files_and_cli_give(
    open_window, qtbot, tmp_path, capsys, name, import_script
):
    win = open_window(example(name))
    set_epochs(win, qtbot, CASES[name])
    play_to_the_end(win, qtbot)
    net, mean, scale = window_network(win)
    snap = win.live.trainer.latest
    doc = win.controller.document
    assert doc.epochs == CASES[name] and doc.standardize is not None
    X, y = raw_validation(doc)
    shown = net.predict((X - mean) / scale)  # what the window's network says

    path = tmp_path / f"{name}.nnstudio"
    save(win, path)
    reopened = open_window(load_project(path))
    assert reopened.controller.document.epochs == CASES[name]
    np.testing.assert_allclose(session.predict(load_project(path), X), shown, rtol=0, atol=1e-12)

    # Every export, from the command line, on raw inputs.
    out = tmp_path / "out"
    out.mkdir()
    for fmt, file in [
        ("numpy", "model.py"),
        ("safetensors", "model.safetensors"),
        ("onnx", "model.onnx"),
        ("json", "model.json"),
        ("pytorch", "torch_model.py"),
    ]:
        assert cli(["export", str(path), "--format", fmt, "--out", str(out / file)]) == 0
    got = {
        "numpy": import_script(out / "model.py").predict(X),
        "safetensors": forward_from_safetensors(out / "model.safetensors", X),
    }
    pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    (got["onnx"],) = ReferenceEvaluator(str(out / "model.onnx")).run(
        None, {"input": X.astype(np.float32)}
    )
    model_json = json.loads((out / "model.json").read_text())
    assert model_json["standardize"] == doc.standardize
    for fmt, outputs in got.items():
        tol = 1e-5 if fmt == "onnx" else 1e-6  # ONNX runs in float32
        np.testing.assert_allclose(outputs, shown, rtol=0, atol=tol, err_msg=fmt)

    # nnstudio predict on a CSV of raw inputs.
    inputs = tmp_path / "inputs.csv"
    with inputs.open("w", newline="") as f:
        csv.writer(f).writerows([[f"{v:.17g}" for v in row] for row in X])
    capsys.readouterr()
    assert (
        cli(["predict", str(path), "--input", str(inputs), "--out", str(tmp_path / "p.csv")]) == 0
    )
    with (tmp_path / "p.csv").open() as f:
        rows = list(csv.reader(f))[1:]
    k = shown.shape[1]
    predicted = np.array([[float(c) for c in row[:k]] for row in rows])
    np.testing.assert_allclose(predicted, shown, rtol=1e-9, atol=1e-9)

    if doc.network["loss"] != "mse":  # the accuracy the window showed, from the exported model
        assert accuracy(got["numpy"], y) == pytest.approx(snap["val_accuracy"][1][-1], abs=1e-12)


def test_window_and_command_line_train_the_same_weights(open_window, qtbot, tmp_path, capsys):
    doc = example("xor")
    doc.training["epochs"] = 25
    start = tmp_path / "start.nnstudio"
    from nnstudio.io import save_project

    save_project(doc, start)
    assert cli(["train", str(start), "--out", str(tmp_path / "cli.nnstudio")]) == 0
    by_cli = load_project(tmp_path / "cli.nnstudio")

    win = open_window(load_project(start))
    play_to_the_end(win, qtbot)
    by_window = win.controller.document
    assert by_window.epochs == by_cli.epochs == 25
    for a, b in zip(by_window.weights, by_cli.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        np.testing.assert_allclose(by_window.history[key], by_cli.history[key], atol=1e-9)
    assert by_window.standardize == by_cli.standardize


OPTIMIZERS = [
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9},
    {"name": "adam", "learning_rate": 0.01},
    {"name": "rmsprop", "learning_rate": 0.01},
    {"name": "adagrad", "learning_rate": 0.1},
    {"name": "adadelta", "learning_rate": 1.0},
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=[o["name"] for o in OPTIMIZERS])
def test_continue_after_reopen_in_the_window_equals_training_straight(
    open_window, qtbot, tmp_path, optimizer
):
    doc = example("circle")
    doc.network["optimizer"] = dict(optimizer)
    doc.network["layers"][0]["dropout"] = 0.2  # the dropout stream must continue too
    straight = doc.copy()
    live.train(straight, epochs=24)

    win = open_window(doc)
    set_epochs(win, qtbot, 12)
    play_to_the_end(win, qtbot)
    path = tmp_path / "half.nnstudio"
    save(win, path)
    win.live.shutdown()

    again = open_window(load_project(path))
    assert again.live.trainer.latest["epoch"] == 12  # it shows where it stopped
    assert again.live.trainer.latest["step"] == straight.state["steps"] // 2
    _epochs, loss = again.live.trainer.latest["epoch_loss"]
    assert len(loss) == 12  # and the curves it had
    play_to_the_end(again, qtbot)  # Play: 12 more (the Epochs field says 12)
    done = again.controller.document
    assert done.epochs == 24
    for a, b in zip(done.weights, straight.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(done.history["loss"], straight.history["loss"], atol=1e-12)


def test_a_long_run_saves_every_epoch(open_window, qtbot, tmp_path, capsys):
    doc = example("xor")
    doc.data["n_samples"] = 20  # two batches an epoch: 5000 epochs in a few seconds
    win = open_window(doc)
    set_epochs(win, qtbot, 5000)
    play_to_the_end(win, qtbot, timeout=120_000)
    path = tmp_path / "long.nnstudio"
    save(win, path)
    assert len(load_project(path).history["loss"]) == 5000
    capsys.readouterr()
    assert cli(["info", str(path)]) == 0
    assert "5000 epochs" in capsys.readouterr().out


def test_reset_is_an_undoable_edit_and_save_writes_the_untrained_network(
    open_window, qtbot, tmp_path
):
    win = open_window(example("xor"))
    set_epochs(win, qtbot, 5)
    play_to_the_end(win, qtbot)
    trained = win.controller.document.weights
    win.live.controls.reset_action.trigger()
    doc = win.controller.document
    assert doc.weights is None and doc.history == {} and doc.state is None
    path = tmp_path / "reset.nnstudio"
    save(win, path)
    saved = load_project(path)
    assert saved.weights is None and saved.history == {} and saved.state is None
    win.controller.undo()  # Reset undone: the trained network is back
    assert win.controller.document.weights is trained
    qtbot.waitUntil(lambda: win.live.trainer.latest["epoch"] == 5, timeout=5000)


def test_reset_then_play_trains_with_the_settings_on_screen(open_window, qtbot):
    win = open_window(example("xor"))
    set_epochs(win, qtbot, 3)
    play_to_the_end(win, qtbot)
    bar = win.settings_bar
    bar.optimizer.setCurrentIndex(bar.optimizer.findData("sgd"))
    bar.learning_rate.field.setText("10")
    bar.learning_rate.field.editingFinished.emit()
    assert win.controller.document.network["optimizer"]["name"] == "sgd"
    assert win.controller.document.network["optimizer"]["learning_rate"] == 10
    win.live.controls.reset_action.trigger()
    play_to_the_end(win, qtbot)
    assert win.live.trainer.latest["optimizer"]["name"] == "sgd"
    expected = example("xor")
    expected.training["epochs"] = 3
    expected.network["optimizer"] = {"name": "sgd", "learning_rate": 10.0}
    live.train(expected)
    for a, b in zip(win.controller.document.weights, expected.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)


def test_a_learning_rate_of_100_is_used_with_a_warning(open_window, qtbot):
    win = open_window(example("xor"))
    field = win.settings_bar.learning_rate.field
    field.setText("100")
    field.editingFinished.emit()
    assert win.controller.document.network["optimizer"]["learning_rate"] == 100
    assert "very large" in field.toolTip()
    assert win.settings_bar.error.isVisibleTo(win) and "100" in win.settings_bar.error.text()
    field.setText("0")  # cannot be used: shown as such, and nothing else replaces it
    field.editingFinished.emit()
    assert field.text() == "0" and "cannot be used" in field.toolTip()
    assert win.controller.document.network["optimizer"]["learning_rate"] == 100


def test_undo_and_redo_training_show_the_epoch_and_curves(open_window, qtbot):
    win = open_window(example("xor"))
    set_epochs(win, qtbot, 4)
    play_to_the_end(win, qtbot)
    trainer = win.live.trainer
    win.controller.undo()  # undo training
    qtbot.waitUntil(lambda: trainer.latest["epoch"] == 0 and trainer.latest["step"] == 0)
    win.controller.redo()
    qtbot.waitUntil(lambda: trainer.latest["epoch"] == 4, timeout=5000)
    assert trainer.latest["step"] == win.controller.document.state["steps"] > 0
    assert len(trainer.latest["epoch_loss"][1]) == 4


def test_an_edit_during_training_ends_the_run_first_and_keeps_it(open_window, qtbot, capfd):
    win = open_window(example("xor"))
    set_epochs(win, qtbot, 0)  # until stopped
    trainer = win.live.trainer
    win.live.controls.play_action.trigger()
    qtbot.waitUntil(lambda: trainer.state == RUNNING, timeout=10_000)
    qtbot.waitUntil(lambda: trainer.latest["epoch"] >= 2, timeout=10_000)
    win.controller.push(edits.SetUnits(0, 5))  # the + of a layer, while training
    doc = win.controller.document
    assert doc.network["layers"][0]["units"] == 5 and doc.weights is None
    win.controller.undo()  # the architecture edit
    trained = win.controller.document
    assert trained.weights is not None and trained.epochs >= 2  # the run was kept
    assert trained.weights[0].shape[1] != 5
    assert "Traceback" not in capfd.readouterr().err


def test_another_data_set_after_a_run_clears_the_old_curves(open_window, qtbot, capfd):
    win = open_window(example("xor"))
    set_epochs(win, qtbot, 3)
    play_to_the_end(win, qtbot)
    from nnstudio.data import load, reference_for
    from nnstudio.document.data_edits import data_change

    iris = load("iris")
    win.controller.push(data_change(win.controller.document, reference_for("iris"), iris))
    doc = win.controller.document
    assert doc.history == {} and doc.state is None and doc.network["inputs"] == 4
    qtbot.waitUntil(lambda: win.live.trainer.latest["weights"][0].shape[0] == 4, timeout=5000)
    assert "Traceback" not in capfd.readouterr().err
    win.controller.undo()
    assert win.controller.document.epochs == 3


def test_a_document_whose_data_cannot_load_leaves_no_job(open_window, qtbot):
    win = open_window(example("xor"))
    broken = example("xor")
    broken.data = {"source": "csv", "path": "no-such-file.csv"}
    win.controller.set_document(broken)
    qtbot.waitUntil(lambda: win.live.trainer.job is None, timeout=5000)
    assert not win.live.trainer.is_running()
    assert not win.live.controls.play_action.isEnabled()


def test_training_steps_on_the_undo_stack_stay_within_a_memory_budget(qtbot):
    from nnstudio.document import Progress
    from nnstudio.gui.undo import DocumentController

    controller = DocumentController(example("xor"))
    shapes = edits.weight_shapes(controller.document.network)
    budget = 3 * sum(int(np.prod(s)) * 8 for s in shapes)  # room for three training steps

    def trained(value: float) -> edits.SetProgress:
        weights = [np.full(s, value) for s in shapes]
        return edits.SetProgress(Progress(weights, {}, None, None), f"train {value}", trained=True)

    for k in range(6):
        controller.push(trained(float(k)))
        controller.push(edits.SetValue(("training", "batch_size"), 10 + k))  # no merging
        held = controller.trim(budget)
        assert held <= budget
    stack = controller.undo_stack
    texts = [stack.text(i) for i in range(stack.count())]
    # Each training step holds the weights before it (the first: none, the seed's). Five
    # such steps over a budget of three: the two oldest that hold any are dropped.
    dropped = [i for i, t in enumerate(texts) if "dropped to save memory" in t]
    assert dropped == [2, 4]
    controller.undo()
    controller.undo()  # the newest training step still undoes exactly
    assert controller.document.weights[0][0, 0] == 4.0


def test_consecutive_training_results_are_one_undo_step(qtbot):
    from nnstudio.document import Progress
    from nnstudio.gui.undo import DocumentController

    controller = DocumentController(example("xor"))
    shapes = edits.weight_shapes(controller.document.network)
    for k in range(3):
        weights = [np.full(s, float(k)) for s in shapes]
        progress = Progress(weights, {}, None, {"steps": k + 1})
        controller.push(edits.SetProgress(progress, f"train to step {k + 1}", trained=True))
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.undoText() == "Train to step 3"
    controller.undo()
    assert controller.document.weights is None


def test_a_pause_mid_epoch_saved_and_reopened_goes_on_exactly(open_window, qtbot, tmp_path):
    doc = example("xor")
    straight = doc.copy()
    straight.training["epochs"] = 3
    live.train(straight)

    win = open_window(doc)
    set_epochs(win, qtbot, 3)
    trainer = win.live.trainer
    for step in (1, 2, 3):  # three weight updates into the first epoch, then a pause
        win.live.controls.step_batch_action.trigger()
        qtbot.waitUntil(lambda s=step: trainer.latest["step"] == s, timeout=10_000)
        qtbot.waitUntil(lambda: trainer.state == PAUSED, timeout=10_000)
    path = tmp_path / "mid.nnstudio"
    save(win, path)
    saved = load_project(path)
    assert saved.state["steps"] == 3 and saved.state["position"]["seen"] == 30

    again = open_window(saved)
    assert again.live.trainer.latest["step"] == 3
    play_to_the_end(again, qtbot)
    done = again.controller.document
    assert done.epochs == 3
    for a, b in zip(done.weights, straight.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(done.history["loss"], straight.history["loss"], atol=1e-12)


def test_a_new_document_never_receives_the_old_ones_training(open_window, qtbot):
    win = open_window(example("xor"))
    set_epochs(win, qtbot, 0)  # until stopped
    trainer = win.live.trainer
    win.live.controls.play_action.trigger()
    qtbot.waitUntil(lambda: trainer.state == RUNNING and trainer.latest["epoch"] >= 1)
    old = win.controller.document
    fresh = example("xor")
    win.controller.set_document(fresh)  # as File > New does, without stopping first
    assert old.epochs >= 1  # the run went into the document it trained
    assert fresh.weights is None and fresh.history == {}
    assert win.controller.undo_stack.count() == 0


def test_a_large_data_set_is_prepared_off_the_gui_thread(open_window, qtbot, monkeypatch):
    from nnstudio.gui.live import LiveTraining

    monkeypatch.setattr(LiveTraining, "BACKGROUND_VALUES", 0)  # every data set counts as large
    win = open_window(example("iris"))
    trainer = win.live.trainer
    win.controller.push(edits.SetValue(("training", "batch_size"), 16))
    qtbot.waitUntil(lambda: trainer.job is not None and trainer.job.settings["batch_size"] == 16)
    # Two edits in a row: only the job of the last one is kept.
    win.controller.push(edits.SetValue(("training", "batch_size"), 17))
    win.controller.push(edits.SetValue(("training", "batch_size"), 18))
    set_epochs(win, qtbot, 2)
    play_to_the_end(win, qtbot)
    assert trainer.job.settings["batch_size"] == 18
    assert win.controller.document.epochs == 2


def test_crosses_ticked_reset_retrained_saved_reopened_and_predicted(
    open_window, qtbot, tmp_path, capsys
):
    """The spiral with two crosses ticked in the data panel, trained, Reset, a new learning rate,
    trained again, saved, reopened: the file and `nnstudio predict` on raw points hold what the
    window showed."""
    win = open_window(example("spiral"))
    for name in ("x1_squared", "x1_times_x2"):
        win.data_panel.crosses.boxes[name].click()
    assert win.controller.document.network["features"] == ["x1_squared", "x1_times_x2"]
    set_epochs(win, qtbot, 4)
    play_to_the_end(win, qtbot)
    win.live.controls.reset_action.trigger()
    assert win.controller.document.epochs == 0  # untrained again
    bar = win.settings_bar
    bar.learning_rate.field.setText("0.02")
    bar.learning_rate.field.editingFinished.emit()
    play_to_the_end(win, qtbot)
    net, mean, scale = window_network(win)
    doc = win.controller.document
    assert doc.epochs == 4 and doc.network["optimizer"]["learning_rate"] == 0.02
    raw = np.array([[0.5, 0.2], [-4.0, 1.0], [3.0, -3.0], [0.0, 0.0]])
    shown = net.predict((raw - mean) / scale)

    path = tmp_path / "crossed.nnstudio"
    save(win, path)
    reopened = open_window(load_project(path))
    kept = reopened.controller.document
    assert kept.epochs == 4 and kept.network["features"] == ["x1_squared", "x1_times_x2"]
    assert kept.network["optimizer"]["learning_rate"] == 0.02
    for a, b in zip(kept.weights, doc.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    inputs = tmp_path / "raw.csv"
    inputs.write_text("x1,x2\n" + "\n".join(f"{a:.17g},{b:.17g}" for a, b in raw) + "\n")
    capsys.readouterr()
    out = tmp_path / "p.csv"
    assert cli(["predict", str(path), "--input", str(inputs), "--out", str(out)]) == 0
    rows = list(csv.reader(out.read_text().splitlines()))[1:]
    predicted = np.array([[float(row[0])] for row in rows])
    np.testing.assert_allclose(predicted, shown, rtol=1e-9, atol=1e-9)
