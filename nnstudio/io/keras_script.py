"""The Keras export: :func:`keras_model`'s text inside a module that loads the weights.

The script reads the safetensors file written beside it with a dozen lines of its own (no
pickle, no h5) and gives each Dense layer its kernel, transposed: the file keeps PyTorch's
(units, inputs), Keras keeps (inputs, units), as nnstudio's W.
"""

from __future__ import annotations

import json
from typing import Any

from nnstudio.io.keras_model import keras_model
from nnstudio.io.scripts import READ_SAFETENSORS, returns_text, shape_text

_HEAD = '''"""{title}: a Keras 3 model exported from nnstudio.

    from {module} import load, predict, train
    outputs = predict(X)          # X: rows of {inputs} raw inputs, in the data set's column order
    model = load()                # build_model() with the trained weights from {weights}
    model, history = train(X, y)  # go on training in Keras with the project's settings

``predict`` returns what nnstudio's predict returns ({returns});
Keras computes in float32, so they agree to float32 precision (about 1e-6 relative).
Any Keras 3 backend works: set KERAS_BACKEND to tensorflow, jax or torch before the first
``import keras``.
Needs: pip install keras numpy (and the backend)
"""

import json
import struct
from pathlib import Path

import keras
import numpy as np
from keras import layers

WEIGHTS = Path(__file__).with_name({weights_text})

# ---- The model: the text nnstudio's code view shows ----------------------------------------
'''

_TAIL = (
    READ_SAFETENSORS
    + '''

def load(path=WEIGHTS):
    """build_model() with nnstudio's weights: Dense layer i gets layers.i.weight and .bias.

    The file keeps PyTorch's layout, weight (units, inputs); a Keras Dense kernel is
    (inputs, units), so it is transposed (the W nnstudio shows).
    """
    tensors = read_safetensors(path)
    model = build_model()
    dense = [layer for layer in model.layers if isinstance(layer, layers.Dense)]
    for i, layer in enumerate(dense):
        weights = [tensors[f"layers.{{i}}.weight"].T]
        if layer.use_bias:
            weights.append(tensors[f"layers.{{i}}.bias"])
        layer.set_weights(weights)
    return model


def predict(X, path=WEIGHTS):
    """Outputs for raw inputs X of shape (n, INPUTS), as nnstudio's predict gives them."""
    X = np.asarray(X, dtype="float32").reshape(-1, INPUTS)
    return keras.ops.convert_to_numpy(load(path)(X, training=False))


if __name__ == "__main__":
    model = load()
    model.summary()
    print(predict(np.zeros((1, INPUTS))))
'''
)


def keras_script(
    spec: dict[str, Any],
    standardize: dict | None,
    training: dict[str, Any],
    module: str,
    weights: str,
) -> str:
    """Source of a standalone Keras module: :func:`keras_model` plus loading and predicting."""
    head = _HEAD.format(
        title=f"{module}: {shape_text(spec)}",
        module=module,
        inputs=spec["inputs"],
        weights=weights,
        weights_text=json.dumps(weights),
        returns=returns_text(spec),
    )
    return head + "\n" + keras_model(spec, standardize, training) + _TAIL.format()
