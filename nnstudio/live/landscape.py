"""The loss landscape: the training loss over a grid of values of one or two chosen parameters.

The lecture draws "the loss as a function of one weight" (a curve with its tangent) and "the
loss surface over two parameters" (a filled contour plot). Here every other parameter stays
as it is, and the loss is ``Network.loss`` (data loss plus L1/L2 penalties, no dropout) at each
grid point.

Why not call ``Network.loss`` once per grid point: a 60 x 60 grid is 3600 forward passes, and a
small network's pass is mostly Python overhead. Instead the grid is evaluated in batches of
settings at once:

* layers before the first chosen parameter are the same for every setting: computed once;
* a chosen parameter at row r, unit u of a layer (its weight matrix with the bias as last row)
  moves that unit's weighted sum by ``(value - current) * input[:, r]``, so a layer computes
  its usual product once and then adds one column correction per chosen parameter;
* later layers see a different input per setting: one matrix product over all the settings
  of a chunk stacked as rows (chunks of ~16k rows keep the arrays in cache).

Pure NumPy, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.engine import Network

#: Rows (settings x samples) per chunk: small enough for the CPU cache, large for few calls.
CHUNK_ROWS = 16_384


@dataclass(frozen=True)
class Axis:
    """One parameter: ``layer`` (0 = first hidden layer), ``row`` (the input it weighs;
    ``None`` for the bias) and ``unit`` (the neuron it feeds)."""

    layer: int
    row: int | None
    unit: int

    def label(self) -> str:
        """How the canvas and the properties panel name it: w[layer](from→to) or b[layer](unit)."""
        if self.row is None:
            return f"b{self.layer + 1}[{self.unit + 1}]"
        return f"w{self.layer + 1}[{self.row + 1}→{self.unit + 1}]"


def all_axes(net: Network) -> list[Axis]:
    """Every parameter of ``net`` as an axis, in ``get_weights`` order."""
    out = []
    for k, layer in enumerate(net.layers):
        out += [Axis(k, r, u) for r in range(layer.fan_in) for u in range(layer.units)]
        if layer.use_bias:
            out += [Axis(k, None, u) for u in range(layer.units)]
    return out


def value_of(net: Network, axis: Axis) -> float:
    """The parameter's current value."""
    return float(net.layers[axis.layer].Wb[_row(net, axis), axis.unit])


def value_in(weights: list[np.ndarray], spec: dict, axis: Axis) -> float:
    """The parameter's value in ``[W1, b1, ...]`` weights of a network of (normalized) ``spec``."""
    index = sum(1 + layer["use_bias"] for layer in spec["layers"][: axis.layer])
    if axis.row is None:
        return float(weights[index + 1][axis.unit])
    return float(weights[index][axis.row, axis.unit])


def _row(net: Network, axis: Axis) -> int:
    layer = net.layers[axis.layer]
    if axis.row is None:
        if not layer.use_bias:
            raise ValueError(f"layer {axis.layer + 1} has no bias")
        return layer.fan_in
    if not 0 <= axis.row < layer.fan_in:
        raise ValueError(f"layer {axis.layer + 1} has {layer.fan_in} inputs, not {axis.row + 1}")
    return axis.row


def losses_at(
    net: Network, X: np.ndarray, y: np.ndarray, axes: list[Axis], values: np.ndarray
) -> np.ndarray:
    """``Network.loss(X, y)`` with the ``axes`` parameters set to each row of ``values``.

    ``values`` has shape (settings, len(axes)); the result has one loss per setting. ``net``
    is not changed.
    """
    values = np.atleast_2d(np.asarray(values, net.dtype))
    if values.shape[1] != len(axes) or len(set(axes)) != len(axes):
        raise ValueError(f"expected {len(axes)} distinct axes and values of shape (n, {len(axes)})")
    rows = [_row(net, a) for a in axes]
    current = np.array([net.layers[a.layer].Wb[r, a.unit] for a, r in zip(axes, rows, strict=True)])
    batch = _Batch(net, net.augment(X), net.prepare_targets(y), axes, rows)
    out = np.empty(len(values))
    for s in range(0, len(values), batch.settings):
        out[s : s + batch.settings] = batch.losses(values[s : s + batch.settings] - current)
    return out + _penalties(net, axes, rows, values)


def _forward_until(net: Network, x_in: np.ndarray, stop: int) -> np.ndarray:
    """The input of layer ``stop`` (with its column of ones), the same for every setting."""
    h = x_in
    for layer, nxt in zip(net.layers[:stop], net.layers[1 : stop + 1], strict=True):
        a = layer.activation.forward(h @ layer.Wb)
        h = _with_ones(a, nxt.use_bias)
    return h


def _with_ones(a: np.ndarray, bias: bool) -> np.ndarray:
    if not bias:
        return a
    out = np.empty((*a.shape[:-1], a.shape[-1] + 1), a.dtype)
    out[..., :-1] = a
    out[..., -1] = 1
    return out


class _Batch:
    """Buffers and the forward pass for one chunk of settings (settings x samples rows).

    ``inputs[k]`` is layer k's input for every setting of the chunk, with its column of ones
    set once. The first layer with a chosen parameter is special: its input is the same for
    all settings, and only the units a chosen parameter feeds differ between settings, so its
    other units are computed once and only those units per setting (for element-wise
    activations, i.e. all but softmax).
    """

    def __init__(
        self, net: Network, x_in: np.ndarray, T: np.ndarray, axes: list[Axis], rows: list[int]
    ) -> None:
        self.net, self.T, self.axes, self.rows = net, T, axes, rows
        n = len(x_in)
        self.settings = g = max(1, CHUNK_ROWS // n)
        self.first = min(a.layer for a in axes)
        self.shared = _forward_until(net, x_in, self.first)
        first = net.layers[self.first]
        self.base_z = self.shared @ first.Wb  # the first chosen layer's sums, current weights
        self.units = sorted({a.unit for a in axes if a.layer == self.first})
        self.elementwise = first.activation.name != "softmax" and self.first < len(net.layers) - 1
        self.inputs: dict[int, np.ndarray] = {}
        self.z: dict[int, np.ndarray] = {}
        for k in range(self.first, len(net.layers)):
            layer = net.layers[k]
            self.z[k] = np.empty((g, n, layer.units), net.dtype)
            if k > self.first:
                fan_in = net.layers[k - 1].units
                h = np.empty((g, n, fan_in + layer.use_bias), net.dtype)
                h[..., fan_in:] = 1
                self.inputs[k] = h
        if self.elementwise:  # units no chosen parameter feeds: the same for every setting
            h = self.inputs[self.first + 1]
            h[..., : first.units] = first.activation.forward(self.base_z)

    def losses(self, deltas: np.ndarray) -> np.ndarray:
        """The data loss of each setting in ``deltas`` (changes of the chosen parameters)."""
        g = len(deltas)
        net, last = self.net, len(self.net.layers) - 1
        start = self.first
        if self.elementwise:
            self._first_units(deltas)
            start += 1
        for k in range(start, last + 1):
            layer = net.layers[k]
            z = self.z[k][:g]
            if k == self.first:  # softmax or the output layer itself: all units per setting
                z[...] = self.base_z
                h = self.shared
            else:
                h = self.inputs[k][:g]
                np.matmul(h.reshape(-1, h.shape[-1]), layer.Wb, out=z.reshape(-1, layer.units))
            self._correct(z, h, k, deltas)
            if k == last:
                return _output_losses(net, z, self.T)
            a = self.inputs[k + 1][:g, :, : layer.units]
            _activate(layer.activation, z, a)
        raise AssertionError("unreachable")

    def _first_units(self, deltas: np.ndarray) -> None:
        """Only the first chosen layer's units that a chosen parameter feeds, per setting."""
        g, k = len(deltas), self.first
        layer = self.net.layers[k]
        h_next = self.inputs[k + 1][:g]
        for u in self.units:
            z = np.broadcast_to(self.base_z[:, u], (g, len(self.base_z))).copy()
            for i, (axis, r) in enumerate(zip(self.axes, self.rows, strict=True)):
                if axis.layer == k and axis.unit == u:
                    z += deltas[:, i, None] * self.shared[:, r]
            h_next[:, :, u] = layer.activation.forward(z)

    def _correct(self, z: np.ndarray, h: np.ndarray, k: int, deltas: np.ndarray) -> None:
        """Add (value - current) x input to the sums of the units the chosen weights feed."""
        for i, (axis, r) in enumerate(zip(self.axes, self.rows, strict=True)):
            if axis.layer == k:
                z[:, :, axis.unit] += deltas[:, i, None] * h[..., r]


def _activate(activation, z: np.ndarray, out: np.ndarray) -> None:
    """Activations of all settings at once, straight into ``out`` (softmax: by sample rows)."""
    if activation.name != "softmax":
        activation.forward(z, out=out)
        return
    out[...] = activation.forward(z.reshape(-1, z.shape[-1])).reshape(z.shape)


#: Batched loss formulas (settings, samples, outputs) -> per setting; the same formulas as
#: ``nnstudio.engine.losses``, summed in NumPy's order rather than the engine's compiled loops',
#: so equal to ``Network.loss`` up to rounding (the tests compare them).
def _bce_from_logits(z: np.ndarray, T: np.ndarray) -> np.ndarray:
    terms = np.logaddexp(0.0, z)
    terms -= z * T
    return terms.sum(axis=(1, 2)) / (z.shape[1] * z.shape[2])


def _mse(pred: np.ndarray, T: np.ndarray) -> np.ndarray:
    d = pred - T
    return np.einsum("gij,gij->g", d, d) / (d.shape[1] * d.shape[2])


_BATCHED_FUSED = {"binary_crossentropy": _bce_from_logits}
_BATCHED = {"mse": _mse, "half_mse": lambda p, t: 0.5 * _mse(p, t)}


def _output_losses(net: Network, z: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each setting's data loss from its output sums, by the network's own loss formulas."""
    loss, act = net.loss_fn, net.layers[-1].activation
    if loss.fused_activation == act.name:
        if loss.name in _BATCHED_FUSED:
            return _BATCHED_FUSED[loss.name](z, T)
        return np.array([loss.value_from_logits(zg, T) for zg in z])
    pred = np.empty_like(z)
    _activate(act, z, pred)
    if loss.name in _BATCHED:
        return _BATCHED[loss.name](pred, T)
    return np.array([loss.value(pg, T) for pg in pred])


def _penalties(net: Network, axes: list[Axis], rows: list[int], values: np.ndarray) -> np.ndarray:
    """L1/L2 penalties per setting: the current penalty with the chosen weights' terms swapped."""
    base = np.full(len(values), net.penalty())
    for i, (axis, r) in enumerate(zip(axes, rows, strict=True)):
        layer = net.layers[axis.layer]
        if axis.row is None or not (layer.l1 or layer.l2):
            continue  # biases carry no penalty
        w0, v = layer.Wb[r, axis.unit], values[:, i]
        base += layer.l1 * (np.abs(v) - abs(w0)) + layer.l2 * (v * v - w0 * w0)
    return base


@dataclass
class Landscape:
    """A computed landscape: ``xs`` (and ``ys`` for two axes) and ``loss`` on the grid.

    Two axes: ``loss[i, j]`` is at (xs[j], ys[i]) (row = y, as an image). One axis: ``loss``
    is the curve over ``xs``, ``slope`` the derivative dLoss/dw at the current value (the
    tangent line's slope).
    """

    axes: list[Axis]
    centre: list[float]
    xs: np.ndarray
    ys: np.ndarray | None
    loss: np.ndarray
    current_loss: float
    slope: float | None = None


def grid_axis(centre: float, span: float, n: int) -> np.ndarray:
    """``n`` values evenly from centre - span to centre + span."""
    return np.linspace(centre - span, centre + span, n)


def default_span(centre: float) -> float:
    """How far around a value the grid reaches: at least 3, or twice the value's size."""
    return max(3.0, 2.0 * abs(centre))


def landscape(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    axes: list[Axis],
    n: int = 60,
    spans: list[float] | None = None,
) -> Landscape:
    """The loss over an ``n`` (x ``n``) grid around the axes' current values."""
    if len(axes) not in (1, 2):
        raise ValueError(f"a landscape has one or two axes, not {len(axes)}")
    centre = [value_of(net, a) for a in axes]
    spans = spans or [default_span(c) for c in centre]
    xs = grid_axis(centre[0], spans[0], n)
    current = net.loss(X, y)
    if len(axes) == 1:
        loss = losses_at(net, X, y, axes, xs[:, None])
        return Landscape(axes, centre, xs, None, loss, current, slope_of(net, X, y, axes[0]))
    ys = grid_axis(centre[1], spans[1], n)
    gx, gy = np.meshgrid(xs, ys)
    loss = losses_at(net, X, y, axes, np.column_stack([gx.ravel(), gy.ravel()]))
    return Landscape(axes, centre, xs, ys, loss.reshape(n, n), current)


def slope_of(net: Network, X: np.ndarray, y: np.ndarray, axis: Axis) -> float:
    """dLoss/d(parameter) at the current weights, by backpropagation."""
    grads = net.gradients(X, y)
    k = 0
    for layer_index, layer in enumerate(net.layers):
        if layer_index == axis.layer:
            break
        k += 1 + layer.use_bias
    if axis.row is None:
        return float(grads[k + 1][axis.unit])
    return float(grads[k][axis.row, axis.unit])


def automatic_axes(net: Network) -> list[Axis]:
    """The axes a model with one or two parameters has (the course's line y = m x + b)."""
    axes = all_axes(net)
    return axes if len(axes) <= 2 else []
