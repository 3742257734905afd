"""Project files: round trips bit for bit, atomic saves, format versions and migrations."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

from nnstudio import live
from nnstudio.data import load
from nnstudio.data.embedded import embed
from nnstudio.document import Document
from nnstudio.examples import example
from nnstudio.io import ProjectError, load_project, project_bytes, save_project, session
from nnstudio.io import project as project_module


@pytest.fixture(scope="module")
def trained() -> Document:
    doc = example("xor")
    live.train(doc, epochs=3)
    return doc


def test_trained_project_round_trips_bit_for_bit(tmp_path, trained):
    path = tmp_path / "lesson.nnstudio"
    save_project(trained, path)
    back = load_project(path)
    assert_documents_equal(trained, back)
    for wa, wb in zip(trained.weights, back.weights, strict=True):
        assert wa.dtype == wb.dtype and wa.tobytes() == wb.tobytes()  # bit for bit
    assert project_bytes(back) == path.read_bytes()  # saving again gives the same file


def test_untrained_project_has_no_weights_member(tmp_path):
    path = save_project(example("spiral"), tmp_path / "s.nnstudio")
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["project.json"]
        manifest = json.loads(zf.read("project.json"))
    assert manifest["format"] == "nnstudio-project" and manifest["format_version"] == 2
    assert manifest["summary"]["trained"] is False
    assert load_project(path).weights is None


def test_embedded_data_round_trips(tmp_path):
    doc = example("iris")
    doc.embedded = embed(load("iris"))
    doc.weights = session.network(doc).get_weights()
    doc.history = {"loss": [1.0, float("nan"), 0.5]}
    back = load_project(save_project(doc, tmp_path / "e.nnstudio"))
    assert back.embedded["X"].tobytes() == doc.embedded["X"].tobytes()
    assert back.embedded["y"].dtype == np.int64
    np.testing.assert_array_equal(back.embedded["y"], doc.embedded["y"])
    assert back.embedded["class_names"] == doc.embedded["class_names"]
    assert np.isnan(back.history["loss"][1])  # stored as JSON null


def test_embedded_float32_images_stay_float32(tmp_path):
    """Images loaded from IDX files are float32: saved as F32 and loaded back as they were."""
    from nnstudio.data import Dataset
    from nnstudio.data.embedded import to_dataset

    rng = np.random.default_rng(0)
    X = (rng.integers(0, 256, (12, 16)) / np.float32(255)).astype(np.float32)
    ds = Dataset(
        X,
        np.arange(12) % 3,
        [f"p{i}" for i in range(16)],
        ["a", "b", "c"],
        "multiclass",
        image_shape=(4, 4),
    )
    doc = example("iris")
    doc.embedded = embed(ds)
    back = load_project(save_project(doc, tmp_path / "i.nnstudio"))
    assert back.embedded["X"].dtype == np.float32
    assert back.embedded["X"].tobytes() == X.tobytes()
    assert to_dataset(back.embedded).X.dtype == np.float32


def test_float32_weights_keep_their_dtype(tmp_path):
    doc = example("xor")
    doc.network["dtype"] = "float32"
    doc.weights = [w.astype(np.float32) for w in session.network(doc).get_weights()]
    back = load_project(save_project(doc, tmp_path / "f.nnstudio"))
    assert all(w.dtype == np.float32 for w in back.weights)


def test_summary_counts_parameters_and_epochs(trained):
    summary = project_module.summary(trained)
    assert summary["parameters"] == 2 * 8 + 8 + 8 + 1
    assert summary["epochs_trained"] == 3
    assert set(summary["metrics"]) == set(trained.history)


def test_failed_save_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, trained, monkeypatch):
    path = tmp_path / "keep.nnstudio"
    save_project(example("xor"), path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ProjectError, match="No space left"):
        save_project(trained, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.nnstudio"]


def test_exception_while_building_keeps_the_old_file(tmp_path, trained, monkeypatch):
    path = tmp_path / "keep.nnstudio"
    save_project(example("xor"), path)
    before = path.read_bytes()
    from nnstudio.io import atomic

    def explode(_path, _data, _like=None):
        with atomic.atomic_write(_path) as f:
            f.write(b"half a file")
            raise RuntimeError("boom")

    monkeypatch.setattr(project_module, "write_bytes", explode)
    with pytest.raises(RuntimeError):
        save_project(trained, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.nnstudio"]


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        save_project(example("xor"), tmp_path / "nowhere" / "x.nnstudio")


def _rewrite_manifest(path, change) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(members["project.json"])
    members["project.json"] = json.dumps(change(manifest)).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_newer_format_is_refused_with_advice(tmp_path):
    path = save_project(example("xor"), tmp_path / "new.nnstudio")
    _rewrite_manifest(path, lambda m: {**m, "format_version": 3})
    with pytest.raises(ProjectError) as info:
        load_project(path)
    assert str(info.value) == (
        "new.nnstudio: project.json: made by a newer nnstudio (format 3); "
        "this version reads up to 2 — please update"
    )


def test_older_format_is_migrated_through_the_table(tmp_path, monkeypatch):
    """A fake format 0 that called the network 'spec' and the training settings 'settings'."""

    def from_0(manifest):
        manifest["network"] = manifest.pop("spec")
        manifest["training"] = manifest.pop("settings")
        return manifest

    monkeypatch.setitem(project_module.MIGRATIONS, 0, from_0)
    doc = example("xor")
    path = save_project(doc, tmp_path / "old.nnstudio")

    def to_0(m):
        m["format_version"] = 0
        m["spec"], m["settings"] = m.pop("network"), m.pop("training")
        return m

    _rewrite_manifest(path, to_0)
    back = load_project(path)
    assert back.network == project_module.normalize_spec(doc.network)
    assert back.training == doc.training


def test_older_format_without_migration_is_refused(tmp_path):
    path = save_project(example("xor"), tmp_path / "old.nnstudio")
    _rewrite_manifest(path, lambda m: {**m, "format_version": 0})
    with pytest.raises(ProjectError, match="format 0 is too old"):
        load_project(path)


def assert_documents_equal(a, b) -> None:
    """Every field of two documents, arrays and nested state included."""
    import dataclasses

    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "network":
            assert project_module.normalize_spec(x) == y
        elif f.name in ("weights",):
            assert (x is None) == (y is None)
            for u, v in zip(x or [], y or [], strict=True):
                np.testing.assert_array_equal(u, v)
        elif f.name == "history":
            assert x.keys() == y.keys()
            for key in x:
                np.testing.assert_array_equal(x[key], y[key])  # NaN == NaN here
        elif f.name == "embedded":
            assert (x is None) == (y is None)
            if x is not None:
                assert x.keys() == y.keys()
                for key in x:
                    np.testing.assert_array_equal(x[key], y[key])
        elif f.name == "state":
            assert (x is None) == (y is None)
            if x is not None:
                vx, vy = x["optimizer"]["vectors"], y["optimizer"]["vectors"]
                assert vx.keys() == vy.keys()
                for key in vx:
                    np.testing.assert_array_equal(vx[key], vy[key])
                strip = lambda s: {**s, "optimizer": {**s["optimizer"], "vectors": None}}  # noqa: E731
                assert strip(x) == strip(y)
        else:
            assert x == y, f.name


def test_every_field_round_trips(tmp_path):
    import threading

    from nnstudio.data import load
    from nnstudio.engine import LambdaCallback

    doc = example("xor")
    doc.embedded = embed(load("circle", n_samples=60))
    stop, count = threading.Event(), [0]

    def stop_mid_epoch(logs):
        count[0] += 1
        if count[0] == 7:
            stop.set()

    live.train(doc, epochs=2, callbacks=[LambdaCallback(on_batch_end=stop_mid_epoch)], stop=stop)
    doc.history["val_loss"][0] = float("nan")  # stored as null, read back as NaN
    assert doc.state["position"] is not None and doc.standardize is not None
    back = load_project(save_project(doc, tmp_path / "all.nnstudio"))
    assert_documents_equal(doc, back)


def test_a_save_keeps_the_most_recent_epochs_within_the_limit(tmp_path, monkeypatch):
    """A file nnstudio writes is always one it reads back: the history is cut to the limit."""
    monkeypatch.setattr(project_module, "MAX_HISTORY_EPOCHS", 5)
    doc = example("xor")
    doc.history = {"loss": [float(v) for v in range(8)], "val_loss": [1.0] * 8}
    path = save_project(doc, tmp_path / "long.nnstudio")
    assert load_project(path).history == {"loss": [3.0, 4.0, 5.0, 6.0, 7.0], "val_loss": [1.0] * 5}
