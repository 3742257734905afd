"""Feature crosses in every export: each takes raw inputs and reproduces the window's outputs.

The document is trained a few epochs with standardization on (the default), so the crosses
are computed from standardized inputs: an export that forgot the order (standardize first,
cross second) or a cross would be off by far more than 1e-6.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import zipfile

import numpy as np
import pytest
from safetensors.numpy import load_file

from nnstudio import live
from nnstudio.document import Document
from nnstudio.engine.features import NAMES
from nnstudio.io import export, load_project, save_project, session
from nnstudio.live.snapshot import Snapshotter

if "KERAS_BACKEND" not in os.environ and importlib.util.find_spec("torch") is not None:
    os.environ["KERAS_BACKEND"] = "torch"  # as in test_io_export_keras.py

ALL = list(NAMES)


@pytest.fixture(scope="module")
def trained() -> Document:
    doc = Document(
        network={
            "inputs": 2,
            "features": ALL,
            "layers": [
                {"units": 6, "activation": "tanh"},
                {"units": 1, "activation": "sigmoid"},
            ],
            "loss": "binary_crossentropy",
            "optimizer": {"name": "adam", "learning_rate": 0.03},
            "seed": 3,
        },
        data={"source": "synthetic", "name": "circle", "n_samples": 200, "seed": 1},
        training={"epochs": 3, "batch_size": 10},
    )
    live.train(doc, epochs=3)
    assert doc.standardize is not None and doc.epochs == 3
    return doc


@pytest.fixture(scope="module")
def raw_inputs(trained) -> np.ndarray:
    """Raw points from the data set and a few far outside it (x1² and sin are not linear)."""
    X = session.dataset(trained).X[:40]
    return np.vstack([X, [[-6.0, 5.5], [4.0, -3.0], [0.0, 0.0]]])


def _in_app(doc: Document, X: np.ndarray) -> np.ndarray:
    return session.predict(doc, X)


def test_the_first_layer_has_a_row_per_cross(trained):
    assert trained.weights[0].shape == (2 + len(ALL), 6)


def test_numpy_script(tmp_path, trained, raw_inputs, import_script):
    module = import_script(export(trained, "numpy", tmp_path / "crossed_np.py")[1])
    assert module.CROSSES == ALL
    np.testing.assert_allclose(module.predict(raw_inputs), _in_app(trained, raw_inputs), atol=1e-12)


def test_pytorch_script(tmp_path, trained, raw_inputs, import_script):
    torch = pytest.importorskip("torch")
    written = export(trained, "pytorch", tmp_path / "crossed_pt.py")
    model = import_script(written[1]).load()  # strict load: the first layer is 8 wide
    assert model.layers[0].in_features == 2 + len(ALL)
    with torch.no_grad():
        out = model(torch.tensor(raw_inputs, dtype=torch.float64).float()).numpy()
    np.testing.assert_allclose(out, _in_app(trained, raw_inputs), atol=1e-6)
    assert set(model.state_dict()) == set(load_file(written[0]))


def test_onnx_graph(tmp_path, trained, raw_inputs):
    onnx = pytest.importorskip("onnx")
    path = export(trained, "onnx", tmp_path / "crossed.onnx")[0]
    ops = [node.op_type for node in onnx.load(str(path)).graph.node]
    assert {"Mul", "Sin", "Concat", "Gather"} <= set(ops)
    assert ops.index("Div") < ops.index("Concat") < ops.index("Gemm")  # standardize, cross, layers
    feed = {"input": raw_inputs.astype(np.float32)}
    if importlib.util.find_spec("onnxruntime") is not None:
        import onnxruntime

        out = onnxruntime.InferenceSession(str(path)).run(["output"], feed)[0]
    else:
        from onnx.reference import ReferenceEvaluator

        (out,) = ReferenceEvaluator(str(path)).run(None, feed)
    np.testing.assert_allclose(out, _in_app(trained, raw_inputs), atol=1e-6)


@pytest.mark.filterwarnings(  # torch's __array__ under NumPy 2, as in test_io_export_keras.py
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
def test_keras_script(tmp_path, trained, raw_inputs, import_script):
    pytest.importorskip("keras")
    module = import_script(export(trained, "keras", tmp_path / "crossed_k.py")[1])
    out = module.predict(raw_inputs)
    np.testing.assert_allclose(out, _in_app(trained, raw_inputs), atol=1e-6)


def test_the_predict_command_takes_raw_inputs(tmp_path, trained, raw_inputs, capsys):
    from nnstudio.cli import main

    project = tmp_path / "crossed.nnstudio"
    save_project(trained, project)
    table = tmp_path / "points.csv"
    np.savetxt(table, raw_inputs, delimiter=",", header="x1,x2", comments="")
    out_csv = tmp_path / "out.csv"
    assert main(["predict", str(project), "--input", str(table), "-o", str(out_csv)]) == 0
    rows = list(csv.reader(out_csv.read_text().splitlines()))
    got = np.array([float(row[0]) for row in rows[1:]])
    np.testing.assert_allclose(got, _in_app(trained, raw_inputs)[:, 0], atol=1e-6)


def test_the_project_file_keeps_the_crosses(tmp_path, trained, raw_inputs):
    path = tmp_path / "crossed.nnstudio"
    save_project(trained, path)
    loaded = load_project(path)
    assert loaded.network["features"] == ALL
    np.testing.assert_array_equal(session.predict(loaded, raw_inputs), _in_app(trained, raw_inputs))


def test_the_views_grid_goes_through_the_crosses(trained):
    """The boundary image is the network's prediction at raw grid points, crosses included."""
    job = live.job_from_document(trained, session.dataset(trained), grid=11)
    run = live.Run(job)
    snap = Snapshotter(run.net, job.X_train, job.y_train, job.X_val, job.y_val, job.view)
    boundary = snap._compute_boundary()
    (x0, x1, y0, y1) = boundary["extent"]
    gx, gy = np.meshgrid(np.linspace(x0, x1, 11), np.linspace(y0, y1, 11))
    raw = np.column_stack([gx.ravel(), gy.ravel()])
    want = _in_app(trained, raw)[:, 0].reshape(11, 11)
    np.testing.assert_allclose(boundary["boundary"], want, atol=1e-5)  # a float32 grid


def test_the_safetensors_metadata_names_the_crosses(tmp_path, trained):
    from safetensors import safe_open

    path = export(trained, "safetensors", tmp_path / "w.safetensors")[0]
    with safe_open(str(path), framework="np") as f:
        assert json.loads(f.metadata()["nnstudio.spec"])["features"] == ALL
    assert "x1·x2" in (tmp_path / "w.safetensors.README.txt").read_text()


def test_an_old_project_without_the_key_loads_unchanged(tmp_path):
    """A file written before crosses existed has no "features" key: it means none."""
    doc = Document(network={"inputs": 2, "layers": [{"units": 1, "activation": "sigmoid"}]})
    doc.weights = [np.array([[0.5], [-2.0]]), np.array([0.25])]
    new = tmp_path / "new.nnstudio"
    save_project(doc, new)
    old = tmp_path / "old.nnstudio"
    with zipfile.ZipFile(new) as src, zipfile.ZipFile(old, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "project.json":
                manifest = json.loads(data)
                assert manifest["network"].pop("features") == []
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)
    loaded = load_project(old)
    assert loaded.network["features"] == []
    X = np.array([[1.0, 2.0], [-3.0, 0.5]])
    np.testing.assert_array_equal(session.predict(loaded, X), session.predict(doc, X))


def test_info_names_the_crosses_and_the_wider_first_layer(tmp_path, trained):
    from nnstudio.io.describe import describe_file

    path = tmp_path / "crossed.nnstudio"
    save_project(trained, path)
    text = describe_file(path)
    assert "2 inputs + crosses x1², x2², x1·x2, sin(x1), sin(x2)" in text
    assert "layer 0 (hidden): 7 -> 6, tanh (48 parameters)" in text
