"""Exports: the trained network in formats other programs read, each with a how-to note.

Every export writes its files atomically and a ``NAME.EXT.README.txt`` next to them that says how
to load them. Weights are named as in ``nnstudio.io.weights`` (``layers.{i}.weight`` (out, in),
``layers.{i}.bias``), so the safetensors file loads straight into the generated PyTorch module.
An untrained network is exported with its initial weights (those its seed gives).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.document import Document
from nnstudio.engine import normalize_spec
from nnstudio.engine.features import labels
from nnstudio.io import session
from nnstudio.io import weights as wts
from nnstudio.io.atomic import check_folder, write_bytes, write_text
from nnstudio.io.code import script_code
from nnstudio.io.errors import ProjectError
from nnstudio.io.onnx_model import onnx_bytes
from nnstudio.io.scripts import shape_text

#: format -> what a menu shows for it
FORMATS = {
    "safetensors": "Weights (safetensors)…",
    "pytorch": "PyTorch script…",
    "numpy": "NumPy script…",
    "keras": "Keras script…",
    "onnx": "ONNX model…",
    "json": "JSON (readable)…",
}
SUFFIXES = {
    "safetensors": ".safetensors",
    "pytorch": ".py",
    "numpy": ".py",
    "keras": ".py",
    "onnx": ".onnx",
    "json": ".json",
}


def export(doc: Document, fmt: str, path: str | os.PathLike[str]) -> list[Path]:
    """Export ``doc``'s network in format ``fmt`` to ``path``; returns the files written."""
    if fmt not in _EXPORTERS:
        raise ProjectError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    path = check_folder(path)
    try:
        spec = normalize_spec(doc.network)
    except ValueError as exc:
        raise ProjectError(f"cannot export: the network is not valid ({exc})") from None
    return _EXPORTERS[fmt](doc, spec, path)


def named_tensors(doc: Document, spec: dict[str, Any]) -> dict[str, np.ndarray]:
    """The document's weights (or its seed's initial ones) as named (out, in) tensors."""
    weights = doc.weights if doc.weights is not None else session.network(doc).get_weights()
    return wts.to_tensors(spec, weights)


def safetensors_bytes(doc: Document) -> bytes:
    """The safetensors export in memory: tensors plus spec/standardize metadata."""
    spec = normalize_spec(doc.network)
    return wts.encode(named_tensors(doc, spec), wts.metadata_for(spec, doc.standardize))


def readme_path(path: Path) -> Path:
    """Where an export's how-to note goes: ``model.onnx`` -> ``model.onnx.README.txt``.

    The whole file name, suffix included, so exporting ``model.onnx`` and then ``model.json``
    keeps both notes.
    """
    return path.with_name(f"{path.name}.README.txt")


def _standardize_note(doc: Document) -> str:
    if doc.standardize is None:
        return "The inputs are used as they are (this project does not standardize them).\n"
    return (
        "The network was trained on standardized inputs: x -> (x - mean) / scale per feature,\n"
        f"mean = {doc.standardize['mean']}\nscale = {doc.standardize['scale']}\n"
    )


def _write_safetensors(doc: Document, spec: dict, path: Path) -> list[Path]:
    write_bytes(path, safetensors_bytes(doc))
    note = f"""{path.name}: weights of a {_describe(spec)} exported from nnstudio.

Tensors: layers.{{i}}.weight with shape (out, in) and layers.{{i}}.bias with shape (out,),
i counting the dense layers from 0 (PyTorch's nn.Linear layout). The metadata holds the
network spec ("nnstudio.spec") and, when the inputs are standardized, "nnstudio.standardize"
({{"mean": [...], "scale": [...]}}, applied as (x - mean) / scale).
{_standardize_note(doc)}{_crosses_note(spec)}
Load in Python:
    from safetensors.numpy import load_file
    tensors = load_file("{path.name}")          # or safetensors.torch.load_file
    from safetensors import safe_open
    with safe_open("{path.name}", framework="np") as f:
        metadata = f.metadata()                 # {{"nnstudio.spec": "...", ...}}

In PyTorch, a nn.ModuleList named "layers" of nn.Linear layers with these sizes loads it with
model.load_state_dict(tensors, strict=True); `nnstudio export --format pytorch` writes that
module for you.
"""
    return [path, write_text(readme_path(path), note)]


def _write_script(kind: str, language: str) -> Callable[..., list[Path]]:
    def write(doc: Document, spec: dict, path: Path) -> list[Path]:
        if path.suffix != ".py" or not path.stem.isidentifier():
            raise ProjectError(
                f"{path.name}: the {kind} export is a Python module: give a name like "
                "my_model.py (letters, digits and _ only)"
            )
        weights = path.with_suffix(".safetensors")
        source = script_code(doc, language, path.stem, weights.name)
        written = [write_bytes(weights, safetensors_bytes(doc)), write_text(path, source)]
        use = {
            "PyTorch": f"    import torch\n    from {path.stem} import load\n    model = load()\n"
            "    outputs = model(torch.tensor(X, dtype=torch.float32))\n\n"
            "Needs: pip install torch safetensors",
            "NumPy": f"    from {path.stem} import predict\n    outputs = predict(X)\n\n"
            "Needs only NumPy.",
            "Keras": f"    from {path.stem} import load, predict, train\n"
            "    outputs = predict(X)\n    model, history = train(X, y)   # go on training\n\n"
            "Needs: pip install keras, and a backend (tensorflow, jax or torch).",
        }[kind]
        note = f"""{path.name}: a {_describe(spec)} exported from nnstudio as a {kind} script.

Keep {path.name} and {weights.name} in the same folder. From Python in that folder:
{use}

X holds raw inputs (rows of {spec["inputs"]} numbers, in the data set's column order); the
script standardizes them itself.
{_crosses_note(spec)}{_standardize_note(doc)}"""
        written.append(write_text(readme_path(path), note))
        return written

    return write


def _write_onnx(doc: Document, spec: dict, path: Path) -> list[Path]:
    write_bytes(path, onnx_bytes(spec, named_tensors(doc, spec), doc.standardize))
    note = f"""{path.name}: a {_describe(spec)} exported from nnstudio as ONNX (opset 17).

Input "input": float32 [N, {spec["inputs"]}] raw inputs; output "output": float32
[N, {spec["layers"][-1]["units"]}]. Standardization is part of the graph.
{_crosses_note(spec)}
    import numpy as np, onnxruntime as ort
    session = ort.InferenceSession("{path.name}")
    outputs = session.run(["output"], {{"input": X.astype(np.float32)}})[0]

Needs: pip install onnxruntime
{_standardize_note(doc)}"""
    return [path, write_text(readme_path(path), note)]


def json_document(doc: Document, spec: dict[str, Any]) -> dict[str, Any]:
    """Spec, standardization and weights as nested lists, for reading by eye."""
    tensors = named_tensors(doc, spec)
    layers = []
    for i, layer in enumerate(spec["layers"]):
        bias = tensors.get(f"layers.{i}.bias")
        layers.append(
            {
                "units": layer["units"],
                "activation": layer["activation"],
                "weight": tensors[f"layers.{i}.weight"].tolist(),
                "bias": None if bias is None else bias.tolist(),
            }
        )
    return {
        "format": "nnstudio-weights",
        "note": "weight[j][i] joins input i to neuron j of the layer (PyTorch's layout)",
        "network": spec,
        "standardize": doc.standardize,
        "layers": layers,
    }


def _write_json(doc: Document, spec: dict, path: Path) -> list[Path]:
    text = json.dumps(json_document(doc, spec), indent=1, allow_nan=False) + "\n"
    write_text(path, text)
    note = f"""{path.name}: a {_describe(spec)} exported from nnstudio as JSON.

"network" is the full spec, "standardize" the input transform ((x - mean) / scale, or null),
and "layers" lists each dense layer's "weight" (units rows of inputs numbers; weight[j][i]
joins input i to neuron j) and "bias".

    import json, numpy as np
    model = json.load(open("{path.name}"))
    W0 = np.array(model["layers"][0]["weight"])
"""
    return [path, write_text(readme_path(path), note)]


def _describe(spec: dict[str, Any]) -> str:
    return shape_text(spec)


def _crosses_note(spec: dict[str, Any]) -> str:
    """How the export computes the feature crosses ("" when the network has none)."""
    if not spec["features"]:
        return ""
    return (
        f"The feature crosses {', '.join(labels(spec['features']))} are computed inside, from\n"
        "the standardized inputs, and fed to the first layer after x1 and x2.\n"
    )


_EXPORTERS: dict[str, Callable[[Document, dict, Path], list[Path]]] = {
    "safetensors": _write_safetensors,
    "pytorch": _write_script("PyTorch", "pytorch"),
    "numpy": _write_script("NumPy", "numpy"),
    "keras": _write_script("Keras", "keras"),
    "onnx": _write_onnx,
    "json": _write_json,
}
