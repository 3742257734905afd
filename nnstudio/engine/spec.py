"""The network spec: a plain JSON-able dict that describes a network (a public contract).

``normalize_spec`` checks a spec and returns a new one with every default filled in. Unknown
keys, unknown names and bad values raise ``ValueError`` naming the key, the bad value and what is
allowed, so a typo in a hand-written project file is found at once.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from nnstudio.engine import activations, features, initializers, losses, optimizers

DTYPES = ("float64", "float32")

# Network size limits, the one home of these numbers (the editor uses them too). They are what
# a student laptop trains and draws comfortably, and they are checked here, before any array is
# allocated, so a project file cannot ask for gigabytes of weights.
MAX_INPUTS = 100_000
MAX_UNITS = 1024
MAX_LAYERS = 64
MAX_PARAMETERS = 4_000_000

LAYER_DEFAULTS: dict[str, Any] = {
    "activation": "linear",
    "use_bias": True,
    "dropout": 0.0,
    "l1": 0.0,
    "l2": 0.0,
    "initializer": "glorot_uniform",
}
TOP_DEFAULTS: dict[str, Any] = {
    "loss": "mse",
    "optimizer": {"name": "sgd"},
    "seed": 0,
    "dtype": "float64",
    "features": [],  # Playground's feature crosses (engine/features.py): none by default
}


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}" if where else message)


def _check_keys(where: str, given: dict, allowed: list[str]) -> None:
    for key in given:
        if key not in allowed:
            raise _fail(where, f"unknown key {key!r}; allowed: {', '.join(allowed)}")


def _int(where: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"expected a whole number, got {value!r}")
    if not low <= value <= high:
        raise _fail(where, f"{value} is out of range; allowed: {low} to {high}")
    return value


def _float(where: str, value: Any, low: float, high: float, *, open_high: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(where, f"expected a finite number, got {value!r}")
    if value < low or value > high or (open_high and value >= high):
        bound = f"below {high}" if open_high else f"at most {high}"
        raise _fail(where, f"{value} is out of range; allowed: at least {low} and {bound}")
    return float(value)


def _bool(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, f"expected true or false, got {value!r}")
    return value


def _name(where: str, value: Any, registry) -> str:
    if not isinstance(value, str):
        raise _fail(where, f"expected a name, got {value!r}; known: {', '.join(registry.names())}")
    try:
        registry.get(value)
    except ValueError as exc:
        raise _fail(where, str(exc)) from None
    return value


def _layer(i: int, layer: Any, last: bool) -> dict[str, Any]:
    where = f"layers[{i}]"
    if not isinstance(layer, dict):
        raise _fail(where, f"expected an object, got {layer!r}")
    init_name = layer.get("initializer", LAYER_DEFAULTS["initializer"])
    init = initializers.INITIALIZERS.get(
        _name(f"{where}.initializer", init_name, initializers.INITIALIZERS)
    )
    _check_keys(where, layer, ["units", *LAYER_DEFAULTS, *init.params])
    if "units" not in layer:
        raise _fail(where, "missing key 'units' (the number of neurons)")
    out = {**LAYER_DEFAULTS, **init.params, **layer}
    out["units"] = _int(f"{where}.units", out["units"], 1, MAX_UNITS)
    out["activation"] = _name(f"{where}.activation", out["activation"], activations.ACTIVATIONS)
    out["use_bias"] = _bool(f"{where}.use_bias", out["use_bias"])
    out["dropout"] = _float(f"{where}.dropout", out["dropout"], 0.0, 1.0, open_high=True)
    if last and out["dropout"]:
        raise _fail(f"{where}.dropout", "the output layer cannot have dropout")
    for key in ("l1", "l2"):
        out[key] = _float(f"{where}.{key}", out[key], 0.0, math.inf)
    for key in init.params:
        out[key] = _float(f"{where}.{key}", out[key], 0.0, math.inf)
    if out["activation"] == "softmax" and not last:
        raise _fail(f"{where}.activation", "softmax is only allowed on the output layer")
    return out


def normalize_optimizer(value: Any) -> dict[str, Any]:
    """Check an optimizer entry (a name or an object) and fill in torch.optim's defaults."""
    where = "optimizer"
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict) or "name" not in value:
        raise _fail(where, f"expected an object with a 'name', got {value!r}")
    cls = optimizers.OPTIMIZERS.get(_name(f"{where}.name", value["name"], optimizers.OPTIMIZERS))
    _check_keys(where, value, ["name", *cls.defaults])
    out = {"name": cls.name}
    for key, default in cls.defaults.items():
        v = value.get(key, default)
        at = f"{where}.{key}"
        if isinstance(default, bool):
            out[key] = _bool(at, v)
        elif key == "betas":
            if not isinstance(v, list | tuple) or len(v) != 2:
                raise _fail(at, f"expected two numbers like [0.9, 0.999], got {v!r}")
            out[key] = [_float(f"{at}[{j}]", b, 0.0, 1.0, open_high=True) for j, b in enumerate(v)]
        elif key in ("momentum", "dampening", "alpha", "rho"):
            out[key] = _float(at, v, 0.0, 1.0)
        else:
            out[key] = _float(at, v, 0.0, math.inf)
    if out.get("nesterov") and (out["momentum"] <= 0 or out["dampening"] != 0):
        raise _fail(f"{where}.nesterov", "Nesterov momentum needs momentum > 0 and dampening 0")
    return out


def parameter_count(spec: dict[str, Any]) -> int:
    """Weights and biases of a spec whose layers have been checked."""
    total, fan_in = 0, features.input_width(spec)
    for layer in spec["layers"]:
        total += layer["units"] * (fan_in + (1 if layer["use_bias"] else 0))
        fan_in = layer["units"]
    return total


def _check_parameters(spec: dict[str, Any]) -> None:
    count = parameter_count(spec)
    if count > MAX_PARAMETERS:
        raise _fail(
            "layers",
            f"the network would have {count:,} weights and biases; the limit is "
            f"{MAX_PARAMETERS:,} (fewer neurons or layers, please)",
        )


def normalize_spec(spec: Any) -> dict[str, Any]:
    """Return a checked copy of ``spec`` with every default filled in."""
    if not isinstance(spec, dict):
        raise _fail("spec", f"expected an object, got {type(spec).__name__}")
    _check_keys("spec", spec, ["inputs", "layers", *TOP_DEFAULTS])
    for key in ("inputs", "layers"):
        if key not in spec:
            raise _fail("spec", f"missing key {key!r}")
    out = {**copy.deepcopy(TOP_DEFAULTS), **copy.deepcopy(spec)}
    out["inputs"] = _int("inputs", out["inputs"], 1, MAX_INPUTS)
    out["features"] = features.normalize_features(out["features"], out["inputs"])
    layers = out["layers"]
    if not isinstance(layers, list) or not layers:
        raise _fail("layers", "expected a non-empty list of layers (the last is the output layer)")
    if len(layers) > MAX_LAYERS:
        raise _fail("layers", f"{len(layers)} layers; the limit is {MAX_LAYERS}")
    out["layers"] = [_layer(i, lay, i == len(layers) - 1) for i, lay in enumerate(layers)]
    _check_parameters(out)
    out["loss"] = _name("loss", out["loss"], losses.LOSSES)
    out["optimizer"] = normalize_optimizer(out["optimizer"])
    out["seed"] = _int("seed", out["seed"], 0, 2**63 - 1)
    if out["dtype"] not in DTYPES:
        raise _fail("dtype", f"unknown dtype {out['dtype']!r}; allowed: {', '.join(DTYPES)}")
    return out
