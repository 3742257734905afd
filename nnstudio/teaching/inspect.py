"""The chain rule as a table: every weight's gradient, from its factors, for a sample or a batch.

A lecture computes a weight's slope as (value feeding the weight) x (slope of the activation at
the node it feeds) x (slope of the loss with respect to that node), and a hidden node's slope as
the sum over the weights leaving it. This module reads those factors from one
``Network.trace`` of the document's network, so every number shown is the engine's own; the
GUI only draws them. Weights are named as the course writes them, counting from 1:
``W2[3,1]`` joins unit 3 of the layer before (input 3 for layer 1) to unit 1 of layer 2, and
``b2[1]`` is that unit's bias.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from nnstudio.engine import Network
from nnstudio.engine.gradcheck import numeric_gradients


@dataclass(frozen=True)
class WeightRow:
    """One weight's line of the chain-rule table.

    For one sample, ``gradient == feeding * dl_dz`` and ``dl_dz == slope * dl_da``. For a batch
    the gradient is a sum over samples, so the per-sample factors are ``None``.
    """

    name: str
    layer: int  # 1-based
    source: int  # 1-based unit (or input) feeding it; 0 for a bias
    target: int  # 1-based unit it feeds
    value: float
    feeding: float | None
    slope: float | None
    dl_da: float | None
    dl_dz: float | None
    gradient: float
    step: float  # value - after: for plain SGD, learning rate x gradient
    after: float  # the weight after one step of the network's own optimizer


@dataclass(frozen=True)
class NodeRow:
    """One neuron for the pinned sample: weighted sum, activation and its slopes.

    ``terms`` are the (weight name, weight, dL/dz of the node it feeds) of every weight leaving
    this node; their products add up to ``dl_da`` (empty for output nodes).
    """

    layer: int
    unit: int
    z: float
    a: float
    slope: float
    dl_da: float | None
    dl_dz: float
    terms: tuple[tuple[str, float, float], ...] = ()


@dataclass
class Inspection:
    """Everything the inspector shows for one sample (``n == 1``) or one batch."""

    loss_name: str
    loss_formula: str
    loss: float
    learning_rate: float
    n: int
    outputs: np.ndarray
    targets: np.ndarray
    weights: list[WeightRow] = field(default_factory=list)
    nodes: list[NodeRow] = field(default_factory=list)

    def row(self, name: str) -> WeightRow:
        for row in self.weights:
            if row.name == name:
                return row
        raise KeyError(f"no weight named {name!r}")

    def node(self, layer: int, unit: int) -> NodeRow:
        for node in self.nodes:
            if (node.layer, node.unit) == (layer, unit):
                return node
        raise KeyError(f"no node {layer}.{unit}")


def weight_name(layer: int, source: int, target: int) -> str:
    """``W2[3,1]`` (1-based), or ``b2[1]`` when ``source`` is 0 (the bias)."""
    return f"b{layer}[{target}]" if source == 0 else f"W{layer}[{source},{target}]"


def weight_names(net: Network) -> list[str]:
    """Every parameter's name in the order of ``net.params`` (W before b in each layer)."""
    names = []
    for k, layer in enumerate(net.layers, start=1):
        names += [
            weight_name(k, i, j)
            for i in range(1, layer.fan_in + 1)
            for j in range(1, layer.units + 1)
        ]
        if layer.use_bias:
            names += [weight_name(k, 0, j) for j in range(1, layer.units + 1)]
    return names


def inspect(net: Network, X: np.ndarray, y: np.ndarray) -> Inspection:
    """The chain-rule table of ``net`` on the rows ``X`` with targets ``y``.

    One row gives every factor; more rows give the batch's gradients (what one step of a
    batch of that size uses).
    """
    X = net.prepare_inputs(X)
    trace = net.trace(X, y)
    n = len(X)
    lr = float(net.optimizer.get_config().get("learning_rate", 0.0))
    single = n == 1
    layers = trace["layers"]
    stepped = _after_one_step(net, X, y)
    rows: list[WeightRow] = []
    for k, (layer, rec) in enumerate(zip(net.layers, layers, strict=True), start=1):
        dl_dz = rec["dL_dz"]
        slope, dl_da = _slope_and_dl_da(rec)
        inputs = [
            (i, rec["input"][:, i - 1], layer.W[i - 1], rec["dW"][i - 1])
            for i in range(1, layer.fan_in + 1)
        ]
        if layer.use_bias:
            inputs.append((0, np.ones(n), layer.b, rec["db"]))
        twin = stepped.layers[k - 1]
        for source, feeding, values, grads in inputs:
            new_values = twin.W[source - 1] if source else twin.b
            for j in range(layer.units):
                value, grad, after = float(values[j]), float(grads[j]), float(new_values[j])
                rows.append(
                    WeightRow(
                        name=weight_name(k, source, j + 1),
                        layer=k,
                        source=source,
                        target=j + 1,
                        value=value,
                        feeding=float(feeding[0]) if single else None,
                        slope=_one(slope, j) if single else None,
                        dl_da=_one(dl_da, j) if single else None,
                        dl_dz=float(dl_dz[0, j]) if single else None,
                        gradient=grad,
                        step=value - after,
                        after=after,
                    )
                )
    return Inspection(
        loss_name=net.loss_fn.name,
        loss_formula=net.loss_fn.formula,
        loss=float(trace["loss"]),
        learning_rate=lr,
        n=n,
        outputs=trace["output"],
        targets=net.prepare_targets(y),
        weights=rows,
        nodes=_nodes(net, layers) if single else [],
    )


def _after_one_step(net: Network, X: np.ndarray, y: np.ndarray) -> Network:
    """A twin of ``net`` after one step of its own optimizer on these rows, state included.

    What the student's next step would do with this gradient: Adam's or momentum's running
    averages, weight decay and L2 count, exactly as in training. The twin has no dropout, so
    its step uses the very gradient the table shows; ``net`` itself does not change.
    """
    spec = copy.deepcopy(net.spec)
    for layer in spec["layers"]:
        layer["dropout"] = 0.0
    twin = Network(spec)
    twin.set_weights(net.get_weights())
    twin.set_state(net.get_state())
    twin.train_step(X, y)
    return twin


def _slope_and_dl_da(rec: dict) -> tuple[np.ndarray | None, np.ndarray | None]:
    """g'(z) and dL/da of a layer; ``None`` where they are not one number per node.

    A fused output (sigmoid + cross-entropy, softmax + cross-entropy) has no separate dL/da in
    the engine: for sigmoid it is dL/dz / g'(z); softmax's slope is a matrix, not a number.
    """
    slope, dl_da = rec["slope"], rec["dL_da"]
    if slope is None or np.ndim(slope) != 2 or slope.shape != rec["z"].shape:
        return None, None
    if dl_da is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            dl_da = np.where(slope != 0, rec["dL_dz"] / slope, np.nan)
    return slope, dl_da


def _one(values: np.ndarray | None, j: int) -> float | None:
    if values is None or not np.isfinite(values[0, j]):
        return None
    return float(values[0, j])


def _nodes(net: Network, layers: list[dict]) -> list[NodeRow]:
    out = []
    for k, rec in enumerate(layers, start=1):
        slope, dl_da = _slope_and_dl_da(rec)
        nxt = layers[k] if k < len(layers) else None
        for j in range(rec["z"].shape[1]):
            terms: tuple[tuple[str, float, float], ...] = ()
            if nxt is not None:
                W = net.layers[k].W
                terms = tuple(
                    (weight_name(k + 1, j + 1, m + 1), float(W[j, m]), float(nxt["dL_dz"][0, m]))
                    for m in range(W.shape[1])
                )
            out.append(
                NodeRow(
                    layer=k,
                    unit=j + 1,
                    z=float(rec["z"][0, j]),
                    a=float(rec["a"][0, j]),
                    slope=float("nan") if slope is None else float(slope[0, j]),
                    dl_da=_one(dl_da, j),
                    dl_dz=float(rec["dL_dz"][0, j]),
                    terms=terms,
                )
            )
    return out


@dataclass(frozen=True)
class GradientCheck:
    """Backpropagation against central differences: the worst weight and its two values."""

    max_relative: float
    max_absolute: float
    worst: str
    analytic: float
    numeric: float


def check_gradients(net: Network, X: np.ndarray, y: np.ndarray, h: float = 1e-6) -> GradientCheck:
    """Compare every weight's backpropagated gradient with (L(w+h) - L(w-h)) / 2h.

    The relative difference is |a - n| / max(|a| + |n|, 1e-8), as in ``engine.gradcheck``.
    """
    analytic = np.concatenate([g.ravel() for g in net.gradients(X, y)])
    numeric = np.concatenate([g.ravel() for g in numeric_gradients(net, X, y, h)])
    diff = np.abs(analytic - numeric)
    rel = diff / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-8)
    i = int(np.argmax(rel))
    return GradientCheck(
        max_relative=float(rel[i]),
        max_absolute=float(diff.max()),
        worst=weight_names(net)[i],
        analytic=float(analytic[i]),
        numeric=float(numeric[i]),
    )


@dataclass(frozen=True)
class UnitProblem:
    """A hidden unit that cannot learn well, and what to change."""

    layer: int
    unit: int
    kind: str  # "dead" or "saturated"
    advice: str


#: A unit is saturated when its activation's slope is below this on every sample.
SATURATED_SLOPE = 0.01


def unit_health(net: Network, X: np.ndarray) -> list[UnitProblem]:
    """ReLU units that output 0 on every row of ``X``; sigmoid/tanh units stuck at their limits.

    Both get (almost) no gradient on any sample, so training cannot move them.
    """
    problems = []
    outputs = net.layer_outputs(X)
    for k, (layer, (z, a)) in enumerate(zip(net.layers[:-1], outputs, strict=False), start=1):
        name = layer.activation.name
        for j in range(layer.units):
            if name == "relu" and np.all(a[:, j] <= 0):
                problems.append(
                    UnitProblem(
                        k,
                        j + 1,
                        "dead",
                        f"ReLU unit {k}.{j + 1} outputs 0 on every training sample, so its "
                        "weights never change: lower the learning rate, Reset, or try leaky_relu.",
                    )
                )
            elif name in ("sigmoid", "tanh"):
                slope = layer.activation.derivative(z[:, j], a[:, j])
                if np.all(slope < SATURATED_SLOPE):
                    problems.append(
                        UnitProblem(
                            k,
                            j + 1,
                            "saturated",
                            f"{name} unit {k}.{j + 1} is stuck at its limit on every training "
                            "sample (slope < 0.01): standardize the inputs or lower the "
                            "learning rate.",
                        )
                    )
    return problems
