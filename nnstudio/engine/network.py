"""The network: dense layers, forward pass, backpropagation and one optimizer step.

All parameters live in one flat vector ``params`` (gradients in ``grads``). A layer's weights W
(fan_in, fan_out) and bias b are stored one after the other, so together they form one matrix
Wb of shape (fan_in + 1, fan_out) whose last row is b: feeding each layer its input with a
column of ones appended computes ``X W + b`` in one matrix product, and the gradient of W and b
in one more. Small networks are bound by the number of NumPy calls, not arithmetic (a 2-8-8-1
step is a few thousand FLOPs), so the step reuses preallocated buffers and keeps calls few.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.engine import activations, denormals, features, layout, losses, optimizers
from nnstudio.engine.spec import normalize_optimizer, normalize_spec

_MAX_CACHED_BATCH_SIZES = 4
#: Layers with at least this many weights multiply with ``np.matmul``, smaller ones with
#: ``np.dot``. matmul reaches BLAS faster for a transposed operand (the weight gradient
#: ``inputs.T @ dz`` of a 256 x 256 layer at batch 32: 41 us against 71 us with dot; 784 x 256
#: at batch 128: 383 against 508 us), while dot's shorter call path is faster for small layers
#: (0.3 us a product on a 2-8-8-1 network, about 5 us a step on 64-128-64-10).
MATMUL_FROM_WEIGHTS = 32768
#: Rows ``predict`` sends through the layers at a time (see there).
PREDICT_ROWS = 1024


@dataclass(eq=False)
class Dense:
    """One dense layer. All arrays are views into the network's flat ``params``/``grads``."""

    units: int
    fan_in: int
    activation: activations.Activation
    use_bias: bool
    dropout: float
    l1: float
    l2: float
    Wb: np.ndarray  # (fan_in + use_bias, units): W with b as its last row
    dWb: np.ndarray

    def __post_init__(self) -> None:
        # Views made once: the flat vectors are never reallocated, and a step uses them often.
        self.W = self.Wb[: self.fan_in]
        self.b = self.Wb[self.fan_in] if self.use_bias else None
        self.dW = self.dWb[: self.fan_in]
        self.db = self.dWb[self.fan_in] if self.use_bias else None
        self.product = np.matmul if self.Wb.size >= MATMUL_FROM_WEIGHTS else np.dot


class _Buffers:
    """Preallocated arrays for one batch size; ``inputs[k]`` is layer k's input with its ones."""

    def __init__(self, net: Network, n: int) -> None:
        dt = net.dtype
        self.inputs: list[np.ndarray] = [np.empty(0)]  # layer 0's input is the caller's array
        self.z, self.a, self.dz, self.da = [], [], [], []
        layers = net.layers
        for k, layer in enumerate(layers):
            self.z.append(np.empty((n, layer.units), dt))
            self.dz.append(np.empty((n, layer.units), dt))
            self.da.append(np.empty((n, layer.units), dt))
            if k + 1 < len(layers):
                nxt = np.empty((n, layer.units + layers[k + 1].use_bias), dt)
                nxt[:, layer.units :] = 1
                self.inputs.append(nxt)
                # Without dropout the activation is written straight into the next input.
                self.a.append(
                    np.empty((n, layer.units), dt) if layer.dropout else nxt[:, : layer.units]
                )
            else:
                self.a.append(np.empty((n, layer.units), dt))
        self.masks: list[np.ndarray | None] = [None] * len(layers)


class Network:
    """A feed-forward network built from a spec (see ``nnstudio.engine.spec``)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = normalize_spec(spec)
        s = self._spec
        self.dtype = np.dtype(s["dtype"])
        self.loss_fn = losses.get(s["loss"])
        sizes = [features.input_width(s)] + [layer["units"] for layer in s["layers"]]
        self.features: list[str] = list(s["features"])  # crosses computed in ``augment``
        self._shapes = layout.weight_shapes(s)
        total = sum(math.prod(shape) for shape in self._shapes)
        self.params = np.zeros(total, self.dtype)
        self.grads = np.zeros(total, self.dtype)
        self.layers: list[Dense] = []
        offset = 0
        for fan_in, layer in zip(sizes[:-1], s["layers"], strict=True):
            shape = (fan_in + layer["use_bias"], layer["units"])
            n = math.prod(shape)
            self.layers.append(
                Dense(
                    units=layer["units"],
                    fan_in=fan_in,
                    activation=activations.get(layer["activation"]),
                    use_bias=layer["use_bias"],
                    dropout=layer["dropout"],
                    l1=layer["l1"],
                    l2=layer["l2"],
                    Wb=self.params[offset : offset + n].reshape(shape),
                    dWb=self.grads[offset : offset + n].reshape(shape),
                )
            )
            offset += n
        self._fused = self.loss_fn.fused_activation == self.layers[-1].activation.name
        self._penalized = any(layer.l1 or layer.l2 for layer in self.layers)
        self._buffers: dict[tuple[int, bool], _Buffers] = {}
        self.optimizer = optimizers.from_config(s["optimizer"], total, self.dtype)
        self.initialize()

    # ----------------------------------------------------------------- building and state
    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Network:
        return cls(spec)

    def to_spec(self) -> dict[str, Any]:
        """The full spec, every default filled in, with the optimizer's current settings."""
        spec = copy.deepcopy(self._spec)
        spec["optimizer"] = normalize_optimizer(self.optimizer.get_config())
        return spec

    def initialize(self, seed: int | None = None) -> None:
        """(Re-)draw all weights from the seed and reset the optimizer and random streams.

        One ``Generator`` per purpose (initial weights, dropout masks, shuffling), each derived
        from the seed, so the same spec and data give bit-identical runs.
        """
        seed = self._spec["seed"] if seed is None else seed
        for view, w in zip(
            self.split_flat(self.params), layout.initial_weights(self._spec, seed), strict=True
        ):
            view[...] = w
        self.dropout_rng = np.random.default_rng([seed, 1])
        self.shuffle_rng = np.random.default_rng([seed, 2])
        self.optimizer.reset()
        self.steps = 0
        self.epochs = 0
        self.position: dict[str, Any] | None = None  # an epoch cut short (see ``fit``)
        self.cursor: Any = None  # set by ``fit`` while an epoch runs
        self.last_step_ok = True
        self.last_output: np.ndarray | None = None

    def get_state(self) -> dict[str, Any]:
        """Everything besides the weights that decides how training goes on (plain data).

        ``epochs`` and ``steps`` (the counters), ``optimizer`` (its name, step count ``t`` and
        state vectors as the optimizer keeps them), the two random streams (``shuffle_rng``,
        ``dropout_rng``: NumPy bit-generator states) and ``position``, the place inside an
        epoch that was cut short. Saving this with the weights and loading both into a fresh
        network continues a run exactly as if it had never stopped.
        """
        opt = self.optimizer
        return {
            "epochs": self.epochs,
            "steps": self.steps,
            "optimizer": {
                "name": opt.name,
                "t": opt.t,
                "vectors": {k: v.copy() for k, v in opt.state.items()},
            },
            "shuffle_rng": copy.deepcopy(self.shuffle_rng.bit_generator.state),
            "dropout_rng": copy.deepcopy(self.dropout_rng.bit_generator.state),
            "position": (
                self.cursor.position() if self.cursor is not None else copy.deepcopy(self.position)
            ),
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Load what :meth:`get_state` returned; checked completely before anything changes.

        Optimizer vectors of another optimizer kind are ignored (a new kind starts afresh, as
        with :meth:`set_optimizer`).
        """
        epochs, steps = _count(state, "epochs"), _count(state, "steps")
        rngs = {}
        for key in ("shuffle_rng", "dropout_rng"):
            rng = np.random.default_rng()
            try:
                rng.bit_generator.state = state[key]
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"state.{key}: not a random-generator state ({exc})") from None
            rngs[key] = rng
        opt = state.get("optimizer")
        vectors = None
        if isinstance(opt, dict) and opt.get("name") == self.optimizer.name:
            t = _count(opt, "t", "state.optimizer")
            given = opt.get("vectors")
            if not isinstance(given, dict) or set(given) != set(self.optimizer.state):
                raise ValueError(
                    f"state.optimizer.vectors: expected {sorted(self.optimizer.state)}"
                )
            vectors = {}
            for name, v in given.items():
                v = np.asarray(v)
                if v.shape != (self.params.size,) or not np.all(np.isfinite(v)):
                    raise ValueError(
                        f"state.optimizer.vectors.{name}: expected {self.params.size} finite "
                        f"numbers, got shape {v.shape}"
                    )
                vectors[name] = v
        position = state.get("position")
        if position is not None and not isinstance(position, dict):
            raise ValueError("state.position: expected an object or null")
        self.epochs, self.steps = epochs, steps
        self.shuffle_rng, self.dropout_rng = rngs["shuffle_rng"], rngs["dropout_rng"]
        if vectors is not None:
            self.optimizer.t = t
            for name, v in vectors.items():
                np.copyto(self.optimizer.state[name], v)
        else:
            self.optimizer.reset()
        self.position = copy.deepcopy(position)

    def set_optimizer(self, config: dict[str, Any] | str) -> None:
        """Switch optimizer or its settings between steps (e.g. a new learning rate while paused).

        Same kind: the state (momentum, running averages) is kept, as when a torch.optim
        param_group's lr is changed. Another kind starts with fresh state.
        """
        config = normalize_optimizer(config)
        if config["name"] == self.optimizer.name:
            self.optimizer.set_hyper(**optimizers.from_config(config, 0, self.dtype).hyper)
        else:
            self.optimizer = optimizers.from_config(config, self.params.size, self.dtype)
        self._spec["optimizer"] = config

    @property
    def spec(self) -> dict[str, Any]:
        return self.to_spec()

    @property
    def n_params(self) -> int:
        return self.params.size

    @property
    def n_inputs(self) -> int:
        return self._spec["inputs"]

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].units

    def get_weights(self) -> list[np.ndarray]:
        """Copies of ``[W1, b1, W2, b2, ...]``; W has shape (fan_in, fan_out)."""
        return [v.copy() for v in self.split_flat(self.params)]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Set all weights at once; shapes and finiteness are checked before anything changes."""
        if len(weights) != len(self._shapes):
            raise ValueError(f"expected {len(self._shapes)} weight arrays, got {len(weights)}")
        arrays = [np.asarray(w) for w in weights]
        for i, (w, shape) in enumerate(zip(arrays, self._shapes, strict=True)):
            if w.shape != shape:
                raise ValueError(f"weight array {i}: expected shape {shape}, got {w.shape}")
            if not np.all(np.isfinite(w)):
                raise ValueError(f"weight array {i}: contains NaN or infinity")
        for view, w in zip(self.split_flat(self.params), arrays, strict=True):
            view[...] = w

    def weight_shapes(self) -> list[tuple[int, ...]]:
        return list(self._shapes)

    def split_flat(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of a flat vector (params, grads, an update) in ``get_weights`` order."""
        out, offset = [], 0
        for shape in self._shapes:
            n = math.prod(shape)
            out.append(flat[offset : offset + n].reshape(shape))
            offset += n
        return out

    # ----------------------------------------------------------------------- data shapes
    def prepare_inputs(self, X: np.ndarray) -> np.ndarray:
        """X as a (n, inputs) array of the network's dtype."""
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"inputs: expected shape (n, {self.n_inputs}), got {np.shape(X)}")
        return X

    def augment(self, X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Inputs with their feature crosses and the column of ones for the first bias row.

        The one place the crosses are computed on every path into the network (training,
        ``predict``, the views' grids, the inspector's trace), from the inputs as given.
        ``out`` (rows x first layer's inputs, plus one for the bias) is filled when given:
        ``fit`` reuses one batch buffer for large data sets.
        """
        X = self.prepare_inputs(X)
        first = self.layers[0]
        if out is None:
            if not first.use_bias and not self.features:
                return np.ascontiguousarray(X)
            out = np.empty((len(X), first.fan_in + first.use_bias), self.dtype)
        features.expand(X, self.features, out=out)
        if first.use_bias:
            out[:, -1] = 1
        return out

    def prepare_targets(self, y: np.ndarray) -> np.ndarray:
        """Targets shaped like the output: integer class labels become one-hot rows."""
        y = np.asarray(y)
        k = self.n_outputs
        if y.ndim == 2 and y.shape[1] == k:
            return np.ascontiguousarray(y, dtype=self.dtype)
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            y = y.reshape(-1)
            if k == 1:
                return y.astype(self.dtype).reshape(-1, 1)
            if self.loss_fn.name == "categorical_crossentropy":
                labels = y.astype(np.int64)
                if y.size and (
                    not np.array_equal(labels, y) or labels.min() < 0 or labels.max() >= k
                ):
                    raise ValueError(f"targets: class labels must be whole numbers 0 to {k - 1}")
                onehot = np.zeros((y.size, k), self.dtype)
                onehot[np.arange(y.size), labels] = 1
                return onehot
        raise ValueError(f"targets: expected shape (n, {k}) for {k} outputs, got {y.shape}")

    # --------------------------------------------------------------------- forward/backward
    def _buffers_for(self, n: int, training: bool) -> _Buffers:
        key = (n, training)
        buf = self._buffers.get(key)
        if buf is None:
            if len(self._buffers) >= _MAX_CACHED_BATCH_SIZES:
                self._buffers.pop(next(iter(self._buffers)))
            buf = self._buffers[key] = _Buffers(self, n)
        return buf

    def _forward(self, x_in: np.ndarray, training: bool, activate_last: bool = True) -> _Buffers:
        """Run the layers on ``x_in`` (inputs already augmented); results stay in the buffers.

        ``activate_last=False`` leaves the output activation to the caller (a fused loss).
        """
        buf = self._buffers_for(len(x_in), training)
        buf.inputs[0] = x_in
        last = len(self.layers) - 1
        for k, layer in enumerate(self.layers):
            z = layer.product(buf.inputs[k], layer.Wb, out=buf.z[k])
            if k == last and not activate_last:
                break
            a = layer.activation.forward(z, out=buf.a[k])
            if k < last and layer.dropout:
                nxt = buf.inputs[k + 1][:, : layer.units]
                if training:
                    keep = 1.0 - layer.dropout
                    mask = self.dropout_rng.random(a.shape) < keep
                    mask = mask.astype(self.dtype)
                    mask *= 1.0 / keep
                    buf.masks[k] = mask
                    np.multiply(a, mask, out=nxt)
                else:
                    np.copyto(nxt, a)
        return buf

    def _forward_and_loss(
        self, x_in: np.ndarray, T: np.ndarray, training: bool
    ) -> tuple[_Buffers, float]:
        """The forward pass and the data loss (no penalties) on targets T.

        A fused output pair (sigmoid + BCE, softmax + CCE) computes its activation and loss
        together from the logits: stable, and softmax's row maxima and sums serve both.
        """
        if not self._fused:
            buf = self._forward(x_in, training)
            return buf, self.loss_fn.value(buf.a[-1], T)
        buf = self._forward(x_in, training, activate_last=False)
        return buf, self.loss_fn.activate_and_value(buf.z[-1], T, out=buf.a[-1])

    def _backward(self, buf: _Buffers, T: np.ndarray, record: list | None = None) -> None:
        """Fill ``self.grads`` by the chain rule, one layer back at a time."""
        last = len(self.layers) - 1
        if self._fused:
            dz = self.loss_fn.fused_gradient(buf.a[last], T, out=buf.dz[last])
            da = None
        else:
            da = self.loss_fn.gradient(buf.a[last], T)
            dz = self.layers[last].activation.backward(
                buf.z[last], buf.a[last], da, out=buf.dz[last]
            )
        for k in range(last, -1, -1):
            layer = self.layers[k]
            layer.product(buf.inputs[k].T, dz, out=layer.dWb)
            if record is not None:
                record.append({"dL_da": None if da is None else da.copy(), "dL_dz": dz.copy()})
            if k == 0:
                break
            da = layer.product(dz, layer.W.T, out=buf.da[k - 1])
            prev = self.layers[k - 1]
            if prev.dropout and buf.masks[k - 1] is not None:
                da *= buf.masks[k - 1]
            dz = prev.activation.backward(buf.z[k - 1], buf.a[k - 1], da, out=buf.dz[k - 1])
        if self._penalized:
            for layer in self.layers:
                if layer.l1:
                    layer.dW += layer.l1 * np.sign(layer.W)
                if layer.l2:
                    layer.dW += (2 * layer.l2) * layer.W

    def penalty(self) -> float:
        """The L1/L2 terms added to the loss: sum of l1 |W| + l2 W^2 over weights (not biases)."""
        total = 0.0
        for layer in self.layers:
            if layer.l1:
                total += layer.l1 * float(np.abs(layer.W).sum())
            if layer.l2:
                total += layer.l2 * float(np.vdot(layer.W, layer.W))
        return total

    # ----------------------------------------------------------------------- public maths
    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs for inputs X (no dropout): probabilities for sigmoid/softmax outputs.

        Many rows go through the layers ``PREDICT_ROWS`` at a time, so the layers' buffers stay
        small enough for the caches (a boundary grid of 10,000 points through 12 x 256 layers:
        0.52 s at once, 0.12 s in blocks, and 40 MB of buffers per layer fewer).
        """
        x_in = self.augment(X)
        if len(x_in) <= PREDICT_ROWS:
            return self._forward(x_in, training=False).a[-1].copy()
        n = len(x_in)
        out = np.empty((n, self.n_outputs), self.dtype)
        for lo in range(0, n, PREDICT_ROWS):
            lo = min(lo, n - PREDICT_ROWS)  # the last block overlaps: one buffer size, not two
            out[lo : lo + PREDICT_ROWS] = self._forward(x_in[lo : lo + PREDICT_ROWS], False).a[-1]
        return out

    def layer_outputs(self, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per layer, copies of (z, a): every neuron's weighted sum and activation (no dropout).

        What the neuron maps and the per-sample inspector show.
        """
        buf = self._forward(self.augment(X), training=False)
        return [(z.copy(), a.copy()) for z, a in zip(buf.z, buf.a, strict=True)]

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """Data loss plus L1/L2 penalties, without dropout."""
        _, value = self._forward_and_loss(self.augment(X), self.prepare_targets(y), False)
        return value + self.penalty() if self._penalized else value

    def gradients(self, X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
        """dLoss/dWeight for every weight array (``get_weights`` order), without dropout."""
        buf = self._forward(self.augment(X), training=False)
        self._backward(buf, self.prepare_targets(y))
        return [g.copy() for g in self.split_flat(self.grads)]

    def train_step(self, X: np.ndarray, y: np.ndarray) -> float:
        """One optimizer update on the batch (X, y); returns the loss before the update.

        A step whose loss, gradient or update is not finite changes nothing (``last_step_ok`` is
        then False), so the weights always stay the last finite ones. Floating-point overflow
        in such a step raises no RuntimeWarning.
        """
        x_in, T = self.augment(X), self.prepare_targets(y)
        # Overflow is expected in a diverging run and handled below: no RuntimeWarning for it.
        # Denormals count as zero, as in ``fit``, so a step alone equals a step in training.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), denormals.flushed():
            return self.train_step_prepared(x_in, T)

    def train_step_prepared(self, x_in: np.ndarray, T: np.ndarray) -> float:
        """``train_step`` for inputs from ``augment`` and targets from ``prepare_targets``.

        ``fit`` prepares the data once per run and calls this per batch. ``last_output`` is a
        buffer that the next step overwrites.
        """
        buf, value = self._forward_and_loss(x_in, T, training=True)
        self.last_output = buf.a[-1]
        if self._penalized:
            value += self.penalty()
        self._backward(buf, T)
        # A non-finite gradient makes the new weights non-finite too, and the optimizer then
        # takes its step back (its state starts afresh), so one check covers both.
        self.last_step_ok = math.isfinite(value) and self.optimizer.step(self.params, self.grads)
        self.steps += 1
        return value

    def trace(self, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        """Every intermediate value of one forward and backward pass, for the teaching views.

        Per layer: ``input``, ``z`` (weighted sums), ``a`` (activations), ``slope`` (g'(z)),
        ``dL_da``, ``dL_dz``, ``dW``, ``db``. Plain copied arrays; no dropout.
        """
        T = self.prepare_targets(y)
        buf, value = self._forward_and_loss(self.augment(X), T, training=False)
        record: list[dict] = []
        self._backward(buf, T, record)
        record.reverse()
        layers = []
        for k, (layer, rec) in enumerate(zip(self.layers, record, strict=True)):
            z, a = buf.z[k], buf.a[k]
            layers.append(
                {
                    "input": buf.inputs[k][:, : layer.fan_in].copy(),
                    "z": z.copy(),
                    "a": a.copy(),
                    "slope": layer.activation.derivative(z, a),
                    "dL_da": rec["dL_da"],
                    "dL_dz": rec["dL_dz"],
                    "dW": layer.dW.copy(),
                    "db": None if layer.db is None else layer.db.copy(),
                }
            )
        value += self.penalty() if self._penalized else 0.0
        return {"loss": value, "output": buf.a[-1].copy(), "layers": layers}


def _count(state: dict[str, Any], key: str, where: str = "state") -> int:
    value = state.get(key) if isinstance(state, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= value < 2**62:
        raise ValueError(f"{where}.{key}: expected a whole number >= 0, got {value!r}")
    return int(value)
