"""The ONNX export: the network as a graph of standard operators (``pip install onnx``).

``input`` [N, inputs] float32 -> Sub(mean) -> Div(scale) -> the feature crosses, if any
(Gather a column, Mul / Sin, Concat) -> per layer Gemm (weights (out, in), ``transB=1``, as
PyTorch stores them) and the activation -> ``output`` [N, outputs]. Opset 17
with IR version 8, the pair onnx 1.12 introduced together, which every current runtime
(onnxruntime included) accepts; onnx's newer default IR version is refused by older runtimes.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from nnstudio.engine.features import CROSSES
from nnstudio.io.errors import ProjectError

OPSET = 17
IR_VERSION = 8

# activation -> (ONNX operator, attributes)
_OPS: dict[str, tuple[str, dict[str, Any]]] = {
    "linear": ("Identity", {}),
    "relu": ("Relu", {}),
    "leaky_relu": ("LeakyRelu", {"alpha": 0.01}),
    "elu": ("Elu", {"alpha": 1.0}),
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "softmax": ("Softmax", {"axis": 1}),
}


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ProjectError(
            "the ONNX export needs the onnx package: pip install onnx (or nnstudio[onnx])"
        ) from None
    return onnx


def _crosses(x: str, features: list[str], inits: list, nodes: list) -> str:
    """Nodes appending each cross of ``engine/features.py`` to ``x`` as a column; its name."""
    from onnx import helper, numpy_helper

    columns: dict[int, str] = {}
    for i in sorted({i for name in features for i in CROSSES[name].columns}):
        index = f"crosses.column{i}"
        inits.append(numpy_helper.from_array(np.array([i], dtype=np.int64), index))
        columns[i] = f"x{i + 1}"  # (N, 1): Gather with a one-element index keeps the axis
        nodes.append(helper.make_node("Gather", [x, index], [columns[i]], axis=1))
    parts = [x]
    for name in features:
        cross = CROSSES[name]
        op = {"mul": "Mul", "sin": "Sin"}[cross.op]
        nodes.append(helper.make_node(op, [columns[i] for i in cross.columns], [name]))
        parts.append(name)
    nodes.append(helper.make_node("Concat", parts, ["crossed"], axis=1))
    return "crossed"


def onnx_bytes(spec: dict[str, Any], tensors: dict[str, np.ndarray], standardize) -> bytes:
    """A checked ONNX model for the network; ``tensors`` are named as in ``io.weights``."""
    onnx = _onnx()
    from onnx import TensorProto, helper, numpy_helper

    inits, nodes = [], []

    def constant(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    x = "input"
    if standardize is not None:
        mean = constant("standardize.mean", np.array(standardize["mean"]))
        scale = constant("standardize.scale", np.array(standardize["scale"]))
        nodes.append(helper.make_node("Sub", [x, mean], ["centered"]))
        nodes.append(helper.make_node("Div", ["centered", scale], ["standardized"]))
        x = "standardized"
    if spec["features"]:
        x = _crosses(x, spec["features"], inits, nodes)
    last = len(spec["layers"]) - 1
    for i, layer in enumerate(spec["layers"]):
        gemm_inputs = [x, constant(f"layers.{i}.weight", tensors[f"layers.{i}.weight"])]
        if layer["use_bias"]:
            gemm_inputs.append(constant(f"layers.{i}.bias", tensors[f"layers.{i}.bias"]))
        nodes.append(helper.make_node("Gemm", gemm_inputs, [f"layers.{i}.z"], transB=1))
        op, attrs = _OPS[layer["activation"]]
        x = "output" if i == last else f"layers.{i}.a"
        nodes.append(helper.make_node(op, [f"layers.{i}.z"], [x], **attrs))
    graph = helper.make_graph(
        nodes,
        "nnstudio",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", spec["inputs"]])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", layer["units"]])],
        inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="nnstudio",
        ir_version=IR_VERSION,
    )
    helper.set_model_props(model, {"nnstudio.spec": json.dumps(spec)})
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()
