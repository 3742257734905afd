"""Plain-text descriptions of project and weights files, for ``nnstudio info``."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

from nnstudio.document import Document
from nnstudio.engine import normalize_spec
from nnstudio.engine.features import input_width, labels
from nnstudio.io import weights as wts
from nnstudio.io.errors import ProjectError
from nnstudio.io.project import load_project, parameter_count
from nnstudio.io.untrusted import parse_json


def describe_file(path: str | os.PathLike[str]) -> str:
    """Describe a ``.nnstudio`` project or a ``.safetensors`` weights file."""
    path = Path(path)
    if path.suffix == ".safetensors":
        return describe_weights(path)
    if path.suffix != ".nnstudio" and path.is_file() and not zipfile.is_zipfile(path):
        raise ProjectError(
            f"{path.name}: neither an nnstudio project nor a .safetensors weights file"
        )
    return describe_project(load_project(path), path.name)


def layer_lines(spec: dict[str, Any]) -> list[str]:
    """One line per dense layer: sizes, activation, bias, parameter count."""
    lines, fan_in = [], input_width(spec)
    last = len(spec["layers"]) - 1
    for i, layer in enumerate(spec["layers"]):
        units = layer["units"]
        n = units * fan_in + (units if layer["use_bias"] else 0)
        role = "output" if i == last else "hidden"
        bias = "" if layer["use_bias"] else ", no bias"
        drop = f", dropout {layer['dropout']}" if layer.get("dropout") else ""
        lines.append(
            f"  layer {i} ({role}): {fan_in} -> {units}, {layer['activation']}{bias}{drop} "
            f"({n} parameters)"
        )
        fan_in = units
    return lines


def _crosses(spec: dict[str, Any]) -> str:
    """ " + crosses x1², sin(x1)" when the spec has feature crosses, else nothing."""
    return f" + crosses {', '.join(labels(spec['features']))}" if spec["features"] else ""


def describe_project(doc: Document, name: str) -> str:
    spec = normalize_spec(doc.network)
    opt = spec["optimizer"]
    lines = [
        f"{name}: nnstudio project",
        f"network: {spec['inputs']} inputs{_crosses(spec)}, {len(spec['layers'])} dense layers, "
        f"{parameter_count(spec)} parameters",
        *layer_lines(spec),
        f"loss: {spec['loss']}; optimizer: {opt['name']} (learning rate {opt['learning_rate']})",
        f"data: {_data(doc)}",
        f"standardized inputs: {'yes' if doc.standardize is not None else 'no'}",
        f"training: {doc.training.get('epochs')} epochs per run, batch size "
        f"{doc.training.get('batch_size')}, validation {doc.training.get('validation_ratio')}",
    ]
    if doc.weights is None:
        lines.append("state: not trained yet")
    else:
        steps = f", {doc.progress.steps} steps" if doc.state is not None else ""
        lines.append(f"state: trained for {doc.epochs} epochs{steps}")
        if doc.state is not None:
            lines.append("  optimizer state kept: training goes on exactly where it stopped")
    for key, values in doc.history.items():
        if values:
            lines.append(f"  {key}: {values[-1]:.6g}")
    return "\n".join(lines)


def _data(doc: Document) -> str:
    if doc.embedded is not None:
        e = doc.embedded
        return (
            f"{e.get('name')} (embedded: {len(e['X'])} rows, {e['X'].shape[1]} features, "
            f"{e.get('task')})"
        )
    if not doc.data:
        return "none"
    ref = doc.data
    details = ", ".join(f"{k} {v}" for k, v in ref.items() if k not in ("source", "name"))
    label = ref.get("name") or ref.get("path") or ref.get("folder")
    return f"{label} ({ref.get('source')}{', ' + details if details else ''})"


def describe_weights(path: Path) -> str:
    """Tensors, dtypes and shapes, and the network spec when the metadata has one."""
    wf = wts.decode_file(path, path.name)
    lines = [f"{path.name}: safetensors weights file, {len(wf.tensors)} tensors"]
    total = 0
    for key in sorted(wf.tensors, key=_natural):
        t = wf.tensors[key]
        total += t.size
        lines.append(f"  {key}: {t.dtype} {tuple(t.shape)}")
    lines.append(f"parameters: {total}")
    spec_text = wf.metadata.get(wts.SPEC_KEY)
    if spec_text is not None:
        try:
            spec = normalize_spec(parse_json(spec_text.encode(), f"{path.name}: metadata"))
        except ValueError as exc:
            raise ProjectError(f"{path.name}: metadata {wts.SPEC_KEY}: {exc}") from None
        wts.from_tensors(spec, wf.tensors, path.name)
        lines += ["network (from the metadata):", *layer_lines(spec)]
        lines.append(f"loss: {spec['loss']}")
    lines.append("standardized inputs: " + ("yes" if wts.STANDARDIZE_KEY in wf.metadata else "no"))
    return "\n".join(lines)


def _natural(name: str) -> tuple:
    """Sort key putting layers.2 before layers.10 and weight before bias."""
    parts = name.replace("weight", "0weight").split(".")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
