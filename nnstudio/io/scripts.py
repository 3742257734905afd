"""Generated Python: a PyTorch module and a NumPy-only predictor for an exported network.

Both scripts hold the architecture and the standardization as readable constants at the top
and read the weights from the safetensors file written next to them, so a student can open
the script and see the whole network in a screenful.
"""

from __future__ import annotations

from typing import Any

from nnstudio.engine.features import labels
from nnstudio.io.crosses_code import crosses_block, input_width_code

#: The generated scripts' own safetensors reader (NumPy only; no pickle), shared by the NumPy and
#: Keras scripts. A template fragment: braces are doubled for ``str.format``.
READ_SAFETENSORS = '''

# ---- The trained weights -------------------------------------------------------------------
def read_safetensors(path):
    """Tensors by name: 8 bytes of header length, a JSON header, then raw little-endian data."""
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n :]
    dtypes = {{"F32": "<f4", "F64": "<f8"}}
    tensors = {{}}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        raw = np.frombuffer(body[start:end], dtype=dtypes[entry["dtype"]])
        tensors[name] = raw.reshape(entry["shape"])
    return tensors
'''

_PYTORCH = '''"""{title}: a PyTorch model exported from nnstudio.

    import torch
    from {module} import load
    model = load()                      # reads {weights} next to this file
    with torch.no_grad():
        outputs = model(torch.tensor(X, dtype=torch.float32))

``forward`` standardizes the raw inputs and applies the output activation, so it returns what
nnstudio's predict returns ({returns}). To train further in PyTorch, use ``model.logits(x)``
with a loss that expects logits (``nn.BCEWithLogitsLoss``, ``nn.CrossEntropyLoss``).
"""

from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn

WEIGHTS = Path(__file__).with_name({weights!r})

# ---- The model: the text nnstudio's code view shows ----------------------------------------
'''

_PYTORCH_MODEL = '''INPUTS = {inputs}
# (units, activation, has bias) of each dense layer; the last one is the output layer.
LAYERS = {layers}
# x -> (x - MEAN) / SCALE, fitted on the training rows ({standardize_note}).
MEAN = {mean}
SCALE = {scale}
{crosses}

def activation(name):
    """nnstudio's activations, with the same constants."""
    return {{
        "linear": nn.Identity(),
        "relu": nn.ReLU(),
        "leaky_relu": nn.LeakyReLU(negative_slope=0.01),
        "elu": nn.ELU(alpha=1.0),
        "sigmoid": nn.Sigmoid(),
        "tanh": nn.Tanh(),
        "softmax": nn.Softmax(dim=1),
    }}[name]


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        sizes = [{width}] + [units for units, _, _ in LAYERS]
        self.layers = nn.ModuleList(
            nn.Linear(n_in, units, bias=bias) for n_in, (units, _, bias) in zip(sizes, LAYERS)
        )
        self.activations = nn.ModuleList(activation(name) for _, name, _ in LAYERS)
        # Buffers follow .to(device) but stay out of the state dict, which holds only the
        # layers' tensors, so load_state_dict(strict=True) matches the weights file exactly.
        self.register_buffer("mean", torch.tensor(MEAN), persistent=False)
        self.register_buffer("scale", torch.tensor(SCALE), persistent=False)

    def logits(self, x):
        """The output layer's weighted sums, before its activation."""
        x = {standardized}
        for layer, act in zip(self.layers[:-1], self.activations[:-1]):
            x = act(layer(x))
        return self.layers[-1](x)

    def forward(self, x):
        return self.activations[-1](self.logits(x))
'''

_PYTORCH_TAIL = '''

# ---- The trained weights -------------------------------------------------------------------
def load(path=WEIGHTS):
    """A Model holding the exported weights (strict: every tensor must be there and fit)."""
    model = Model()
    model.load_state_dict(load_file(str(path)), strict=True)
    return model.eval()


if __name__ == "__main__":
    model = load()
    print(model)
    with torch.no_grad():
        print(model(torch.zeros(1, INPUTS)))
'''

_NUMPY = '''"""{title}: a NumPy-only predictor exported from nnstudio.

    from {module} import predict
    outputs = predict(X)     # X: rows of {inputs} raw inputs, as in the data set

``predict`` standardizes the inputs and returns what nnstudio's predict returns ({returns}).
The weights are read from {weights} (next to this file) by ``read_safetensors`` below, a
dozen lines of NumPy, so nothing else needs to be installed.
"""

import functools
import json
import struct
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).with_name({weights!r})

# ---- The model: the text nnstudio's code view shows ----------------------------------------
'''

_NUMPY_MODEL = '''INPUTS = {inputs}
# (units, activation, has bias) of each dense layer; the last one is the output layer.
LAYERS = {layers}
# x -> (x - MEAN) / SCALE, fitted on the training rows ({standardize_note}).
MEAN = np.array({mean})
SCALE = np.array({scale})
{crosses}

def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


ACTIVATIONS = {{
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "sigmoid": lambda z: 0.5 + 0.5 * np.tanh(0.5 * z),
    "tanh": np.tanh,
    "softmax": softmax,
}}


def predict(X, path=WEIGHTS):
    """Outputs for raw inputs X of shape (n, INPUTS)."""
    a = (np.asarray(X, dtype=np.float64).reshape(-1, INPUTS) - MEAN) / SCALE{crosses_call}
    for (W, b), (_, name, _) in zip(load(path), LAYERS):
        z = a @ W.T
        if b is not None:
            z = z + b
        a = ACTIVATIONS[name](z)
    return a
'''

_NUMPY_TAIL = (
    READ_SAFETENSORS
    + '''

@functools.cache
def load(path=WEIGHTS):
    """[(W, b), ...] per layer; W has shape (units, inputs) as in PyTorch, b may be None."""
    t = read_safetensors(path)
    return [(t[f"layers.{{i}}.weight"], t.get(f"layers.{{i}}.bias")) for i in range(len(LAYERS))]


if __name__ == "__main__":
    print(predict(np.zeros((1, INPUTS))))
'''
)


def _constants(spec: dict[str, Any], standardize: dict | None) -> dict[str, str]:
    n = spec["inputs"]
    layers = [(layer["units"], layer["activation"], layer["use_bias"]) for layer in spec["layers"]]
    if standardize is None:
        mean, scale, note = [0.0] * n, [1.0] * n, "this project does not standardize: 0 and 1"
    else:
        mean, scale = list(standardize["mean"]), list(standardize["scale"])
        note = "the same numbers nnstudio used in training"
    return {
        "inputs": repr(n),
        "layers": repr(layers),
        "mean": repr([float(v) for v in mean]),
        "scale": repr([float(v) for v in scale]),
        "standardize_note": note,
    }


def returns_text(spec: dict[str, Any]) -> str:
    """What the exported predict returns, in words, for a script's docstring."""
    act = spec["layers"][-1]["activation"]
    if act == "sigmoid":
        return "the probability of the second class"
    if act == "softmax":
        return "one probability per class"
    return f"the output layer's {act} values"


def shape_text(spec: dict[str, Any]) -> str:
    """``2-8-1 network``: the layer sizes from inputs to outputs (and the crosses, if any)."""
    sizes = [str(spec["inputs"])] + [str(layer["units"]) for layer in spec["layers"]]
    crosses = f" with crosses {', '.join(labels(spec['features']))}" if spec["features"] else ""
    return "-".join(sizes) + " network" + crosses


def _crosses(spec: dict[str, Any], language: str) -> str:
    """The crosses block between the constants and the code ("" without crosses)."""
    block = crosses_block(spec, language)
    return block + "\n" if block else ""


def pytorch_model(spec: dict[str, Any], standardize: dict | None) -> str:
    """The PyTorch model definition: the code view's text and the heart of the export."""
    standardized = "(x - self.mean) / self.scale"
    return _PYTORCH_MODEL.format(
        **_constants(spec, standardize),
        crosses=_crosses(spec, "pytorch"),
        width=input_width_code(spec),
        standardized=f"crosses({standardized})" if spec["features"] else standardized,
    )


def numpy_model(spec: dict[str, Any], standardize: dict | None) -> str:
    """The NumPy forward pass: the code view's text and the heart of the export."""
    return _NUMPY_MODEL.format(
        **_constants(spec, standardize),
        crosses=_crosses(spec, "numpy"),
        crosses_call="\n    a = crosses(a)" if spec["features"] else "",
    )


def _head(template: str, spec: dict[str, Any], module: str, weights: str) -> str:
    return template.format(
        title=f"{module}: {shape_text(spec)}",
        module=module,
        inputs=spec["inputs"],
        weights=weights,
        returns=returns_text(spec),
    )


def pytorch_script(spec: dict, standardize: dict | None, module: str, weights: str) -> str:
    """Source of a standalone PyTorch module that strict-loads ``weights``."""
    head = _head(_PYTORCH, spec, module, weights)
    return head + "\n" + pytorch_model(spec, standardize) + _PYTORCH_TAIL.format()


def numpy_script(spec: dict, standardize: dict | None, module: str, weights: str) -> str:
    """Source of a standalone NumPy predictor that reads ``weights``."""
    head = _head(_NUMPY, spec, module, weights)
    return head + "\n" + numpy_model(spec, standardize) + _NUMPY_TAIL.format()
