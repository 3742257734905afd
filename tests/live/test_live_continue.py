"""Stopping, saving, reopening and going on trains the same network as training straight."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nnstudio import live
from nnstudio.cli import main as cli
from nnstudio.examples import example
from nnstudio.io import load_project, save_project

OPTIMIZERS = {
    "sgd": {"name": "sgd", "learning_rate": 0.1},
    "sgd_nesterov": {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
    "adam": {"name": "adam", "learning_rate": 0.01},
    "adam_amsgrad": {"name": "adam", "learning_rate": 0.01, "amsgrad": True},
    "rmsprop": {"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.5, "centered": True},
    "adagrad": {"name": "adagrad", "learning_rate": 0.1, "lr_decay": 0.01},
    "adadelta": {"name": "adadelta", "learning_rate": 1.0},
}


def project(optimizer: dict) -> object:
    doc = example("moons")
    doc.data["n_samples"] = 120
    doc.network["optimizer"] = copy.deepcopy(optimizer)
    doc.network["layers"][0]["dropout"] = 0.1  # the dropout stream continues as well
    doc.training["batch_size"] = 16  # 96 training rows: the last batch of an epoch is short
    return doc


def assert_same_run(a, b) -> None:
    assert a.epochs == b.epochs and a.state["steps"] == b.state["steps"]
    for x, y in zip(a.weights, b.weights, strict=True):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-12)
    for key in b.history:
        np.testing.assert_allclose(a.history[key], b.history[key], rtol=0, atol=1e-12)
    vectors_a, vectors_b = a.state["optimizer"]["vectors"], b.state["optimizer"]["vectors"]
    for name in vectors_b:
        np.testing.assert_allclose(vectors_a[name], vectors_b[name], rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_cli_train_save_reopen_train_equals_training_straight(tmp_path, capsys, name):
    straight = project(OPTIMIZERS[name])
    path = tmp_path / "p.nnstudio"
    save_project(straight, path)
    live.train(straight, epochs=8)

    assert cli(["train", str(path), "--epochs", "4"]) == 0
    assert cli(["train", str(path), "--epochs", "4"]) == 0
    assert_same_run(load_project(path), straight)
    assert "8 in all" in capsys.readouterr().out


def test_a_stop_mid_epoch_saved_and_reopened_goes_on_in_the_same_order(tmp_path):
    straight = project(OPTIMIZERS["adam"])
    cut = copy.deepcopy(straight)
    live.train(straight, epochs=3)

    import threading

    from nnstudio.engine import LambdaCallback

    stop = threading.Event()
    count = [0]

    def on_batch(logs):
        count[0] += 1
        if count[0] == 9:  # 6 batches an epoch: 3 into the second
            stop.set()

    live.train(cut, epochs=3, callbacks=[LambdaCallback(on_batch_end=on_batch)], stop=stop)
    assert cut.epochs == 1 and cut.state["position"]["seen"] == 48
    path = save_project(cut, tmp_path / "cut.nnstudio")
    reopened = load_project(path)
    assert reopened.state["position"] == cut.state["position"]
    live.train(reopened, epochs=2)  # finishes epoch 2, then epoch 3
    assert_same_run(reopened, straight)


def test_a_format_1_project_continues_with_fresh_optimizer_state(tmp_path):
    import json
    import zipfile

    doc = example("xor")
    live.train(doc, epochs=2)
    path = save_project(doc, tmp_path / "v2.nnstudio")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if n != "state.safetensors"}
    manifest = json.loads(members["project.json"])
    manifest["format_version"] = 1
    del manifest["state"]
    manifest["training"]["old_key"] = 1  # format 1 kept unknown training keys
    members["project.json"] = json.dumps(manifest).encode()
    old = tmp_path / "v1.nnstudio"
    with zipfile.ZipFile(old, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    loaded = load_project(old)
    assert loaded.state is None and loaded.epochs == 2
    assert "old_key" not in loaded.training
    live.train(loaded, epochs=1)
    assert loaded.epochs == 3 and loaded.state["steps"] > 0
