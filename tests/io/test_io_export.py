"""Every export reproduces the engine's predictions, for every activation and without bias."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file

from nnstudio import live
from nnstudio.document import Document
from nnstudio.examples import example
from nnstudio.io import FORMATS, ProjectError, export, session
from nnstudio.io.export import safetensors_bytes

HIDDEN = ["linear", "relu", "leaky_relu", "elu", "sigmoid", "tanh"]


def make_doc(hidden: str, output: str, *, bias: bool = True, standardize: bool = True):
    units = 3 if output == "softmax" else 2
    layers = [
        {"units": 5, "activation": hidden, "use_bias": bias},
        {"units": 4, "activation": hidden, "use_bias": bias},
        {"units": units, "activation": output, "use_bias": bias},
    ]
    loss = "categorical_crossentropy" if output == "softmax" else "mse"
    doc = Document(network={"inputs": 3, "layers": layers, "loss": loss, "seed": 7})
    rng = np.random.default_rng(1)
    # Large random weights push every activation into its interesting (negative) range.
    doc.weights = [rng.normal(0, 1.5, w.shape) for w in session.network(doc).get_weights()]
    if standardize:
        doc.standardize = {"mean": [0.5, -1.0, 2.0], "scale": [2.0, 0.5, 3.0]}
    return doc


CASES = [(h, "linear", True) for h in HIDDEN] + [
    ("tanh", "sigmoid", True),
    ("relu", "softmax", True),
    ("elu", "softmax", False),
    ("leaky_relu", "sigmoid", False),
]
IDS = [f"{h}-{o}{'' if b else '-nobias'}" for h, o, b in CASES]
X = np.random.default_rng(2).normal(0, 3, (11, 3))


@pytest.mark.parametrize(("hidden", "output", "bias"), CASES, ids=IDS)
def test_numpy_script_matches_the_engine(tmp_path, hidden, output, bias, import_script):
    doc = make_doc(hidden, output, bias=bias)
    written = export(doc, "numpy", tmp_path / f"np_{hidden}_{bias}.py")
    assert [p.suffix for p in written] == [".safetensors", ".py", ".txt"]
    module = import_script(written[1])
    np.testing.assert_allclose(module.predict(X), session.predict(doc, X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("hidden", "output", "bias"), CASES, ids=IDS)
def test_onnx_model_matches_the_engine(tmp_path, hidden, output, bias):
    pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    doc = make_doc(hidden, output, bias=bias)
    path = export(doc, "onnx", tmp_path / "m.onnx")[0]
    (out,) = ReferenceEvaluator(str(path)).run(None, {"input": X.astype(np.float32)})
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, session.predict(doc, X), rtol=1e-5, atol=1e-5)


def test_onnx_model_declares_opset_17_and_a_dynamic_batch(tmp_path):
    onnx = pytest.importorskip("onnx")
    path = export(make_doc("tanh", "sigmoid"), "onnx", tmp_path / "m.onnx")[0]
    model = onnx.load(str(path))
    assert model.ir_version == 8
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 17)]
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and dims[1].dim_value == 3
    assert model.graph.output[0].name == "output"


def weights_sha256(doc):
    flat = np.concatenate([w.ravel() for w in doc.weights])
    return hashlib.sha256(np.ascontiguousarray(flat, dtype="<f8").tobytes()).hexdigest()


@pytest.mark.parametrize(("hidden", "output", "bias"), CASES, ids=IDS)
def test_engine_matches_pytorchs_golden_outputs(golden, hidden, output, bias):
    """The exported PyTorch model's float64 outputs, committed by tools/make_golden.py."""
    committed = golden("torch_export.json")
    case = committed["cases"][IDS[CASES.index((hidden, output, bias))]]
    doc = make_doc(hidden, output, bias=bias)
    assert weights_sha256(doc) == case["weights_sha256"]  # the same network as when written
    assert hashlib.sha256(X.astype("<f8").tobytes()).hexdigest() == committed["X_sha256"]
    want = np.array(case["outputs"])
    assert want.shape == (len(X), doc.network["layers"][-1]["units"])
    np.testing.assert_allclose(session.predict(doc, X), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("hidden", "output", "bias"), CASES, ids=IDS)
def test_pytorch_script_strict_loads_and_matches(tmp_path, hidden, output, bias, import_script):
    torch = pytest.importorskip("torch")
    doc = make_doc(hidden, output, bias=bias)
    written = export(doc, "pytorch", tmp_path / f"pt_{hidden}_{bias}.py")
    module = import_script(written[1])
    model = module.load()  # load_state_dict(strict=True) inside
    with torch.no_grad():
        out = model(torch.tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(out, session.predict(doc, X), rtol=1e-5, atol=1e-5)
    assert set(model.state_dict()) == set(load_file(written[0]))


def test_golden_outputs_match_installed_torch(golden, golden_tool):
    torch = pytest.importorskip("torch")
    recomputed, committed = golden_tool.torch_export(torch), golden("torch_export.json")
    assert recomputed["X_sha256"] == committed["X_sha256"]
    for case_id, case in committed["cases"].items():
        assert recomputed["cases"][case_id]["weights_sha256"] == case["weights_sha256"]
        np.testing.assert_allclose(
            recomputed["cases"][case_id]["outputs"], case["outputs"], rtol=1e-10, atol=1e-12
        )


def test_safetensors_export_has_pytorch_layout_and_metadata(tmp_path):
    doc = make_doc("tanh", "sigmoid")
    path = export(doc, "safetensors", tmp_path / "w.safetensors")[0]
    tensors = load_file(path)
    assert tensors["layers.0.weight"].shape == (5, 3)  # (out, in) = W.T
    np.testing.assert_array_equal(tensors["layers.0.weight"], doc.weights[0].T)
    np.testing.assert_array_equal(tensors["layers.2.bias"], doc.weights[5])
    with safe_open(str(path), framework="np") as f:
        meta = f.metadata()
    assert json.loads(meta["nnstudio.spec"])["layers"][0]["units"] == 5
    assert json.loads(meta["nnstudio.standardize"]) == doc.standardize
    assert (tmp_path / "w.safetensors.README.txt").read_text().startswith("w.safetensors:")


def test_safetensors_export_is_deterministic():
    doc = make_doc("relu", "softmax")
    assert safetensors_bytes(doc) == safetensors_bytes(doc.copy())


def test_without_standardization_there_is_no_standardize_metadata(tmp_path, import_script):
    doc = make_doc("relu", "linear", standardize=False)
    path = export(doc, "safetensors", tmp_path / "w.safetensors")[0]
    with safe_open(str(path), framework="np") as f:
        assert "nnstudio.standardize" not in f.metadata()
    module = import_script(export(doc, "numpy", tmp_path / "plain.py")[1])
    np.testing.assert_allclose(module.predict(X), session.predict(doc, X), rtol=1e-12)


def test_json_export_is_readable_and_exact(tmp_path):
    doc = make_doc("elu", "softmax", bias=False)
    path = export(doc, "json", tmp_path / "m.json")[0]
    data = json.loads(path.read_text())
    assert data["network"]["layers"][2]["activation"] == "softmax"
    np.testing.assert_array_equal(np.array(data["layers"][1]["weight"]), doc.weights[1].T)
    assert data["layers"][0]["bias"] is None


def test_untrained_network_exports_its_initial_weights(tmp_path, import_script):
    doc = example("xor")
    module = import_script(export(doc, "numpy", tmp_path / "fresh.py")[1])
    np.testing.assert_allclose(module.predict(X[:, :2]), session.predict(doc, X[:, :2]))


def test_a_trained_example_exports_to_every_format(tmp_path):
    doc = example("iris")
    live.train(doc, epochs=2)
    for fmt in FORMATS:
        if fmt == "onnx" and importlib.util.find_spec("onnx") is None:
            continue
        suffix = {"pytorch": "_pt.py", "numpy": "_np.py", "keras": "_k.py"}.get(fmt, f".{fmt}")
        for path in export(doc, fmt, tmp_path / f"iris{suffix}"):
            assert path.exists()


def test_script_exports_need_an_importable_name(tmp_path):
    with pytest.raises(ProjectError, match=r"my_model\.py"):
        export(example("xor"), "pytorch", tmp_path / "my-model.py")
    with pytest.raises(ProjectError, match="unknown export format 'tflite'"):
        export(example("xor"), "tflite", tmp_path / "m.tflite")
    with pytest.raises(ProjectError, match="does not exist"):
        export(example("xor"), "json", tmp_path / "missing" / "m.json")


def test_onnx_export_without_onnx_installed_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ProjectError, match="pip install onnx"):
        export(example("xor"), "onnx", tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_two_exports_of_one_name_keep_both_notes(tmp_path):
    """model.onnx then model.json: each keeps its own README (one used to overwrite the other)."""
    doc = example("xor")
    export(doc, "json", tmp_path / "model.json")
    export(doc, "safetensors", tmp_path / "model.safetensors")
    notes = sorted(p.name for p in tmp_path.glob("*.README.txt"))
    assert notes == ["model.json.README.txt", "model.safetensors.README.txt"]
    assert (tmp_path / "model.json.README.txt").read_text().startswith("model.json:")
    assert (tmp_path / "model.safetensors.README.txt").read_text().startswith("model.safetensors:")
