"""Edits: every change to a :class:`~nnstudio.document.model.Document`, as plain data.

Each edit does one thing. ``edit.apply(doc)`` checks its values (raising ``ValueError`` with a
clear message *before* touching the document), changes ``doc`` in place and returns the inverse
edit, which restores the document exactly, weights arrays included. ``edit.merge(other)`` folds a
later edit of the same kind and target into this one so a drag or a slider is one undo step.
The GUI wraps edits in thin ``QUndoCommand`` objects (``nnstudio.gui.undo``); nothing here
imports Qt.

Indices: ``k`` is the index of a dense layer in ``doc.network["layers"]`` (the last one is the
output layer); ``W[k]`` has shape (fan_in, units) and ``W[k][i, j]`` joins neuron ``i`` of the
previous layer (the input layer for ``k == 0``) to neuron ``j`` of layer ``k``.

Architecture changes (layers, units, bias, inputs) start the training progress afresh
(``doc.weights = None``: the network is defined by its seed again; no history, no optimizer
state). Their inverse carries the previous :class:`~nnstudio.document.model.Progress` and puts
it back. Training results and Reset are :class:`SetProgress` edits.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from nnstudio.document.model import Document, Progress
from nnstudio.document.settings import normalize_training
from nnstudio.document.wording import (
    bias_words,
    layer_words,
    plain_spec_error,
    weight_words,
)

# The engine owns the parameter layout ([W1, b1, W2, ...]) and the initial weights' random
# stream; edits, the editor and the files use these three names from there.
from nnstudio.engine.features import NAMES as FEATURE_NAMES
from nnstudio.engine.features import features_of, input_width, labels
from nnstudio.engine.layout import initial_weights, param_indices, weight_shapes
from nnstudio.engine.spec import MAX_INPUTS, MAX_UNITS  # one home for the network's limits

MIN_UNITS = 1
MAX_HIDDEN = 12

#: What a new hidden layer looks like (the engine's defaults, with a sensible activation).
NEW_LAYER: dict[str, Any] = {
    "units": 8,
    "activation": "relu",
    "use_bias": True,
    "dropout": 0.0,
    "l1": 0.0,
    "l2": 0.0,
    "initializer": "glorot_uniform",
}

#: Keys of a layer that :class:`SetLayerProperty` may set.
LAYER_PROPERTIES = ("activation", "initializer", "std", "limit", "dropout", "l1", "l2", "use_bias")
#: Properties whose change alters the shape of the weights (so weights are re-derived).
_ARCHITECTURE_PROPERTIES = ("use_bias",)
#: Properties a slider or spin box drags through: consecutive edits merge.
_MERGEABLE_PROPERTIES = ("std", "limit", "dropout", "l1", "l2")

#: Top-level targets of :class:`SetValue` and the change area each one reports.
_AREAS = {"network": "network", "training": "training", "data": "data", "auto_output": "network"}
#: Network keys that only dedicated edits may change (they alter the architecture).
_STRUCTURAL_KEYS = ("inputs", "layers", "features")


class _Missing:
    """Marks a key that was absent (so the inverse deletes it)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __deepcopy__(self, memo: dict) -> _Missing:
        return self


MISSING: Any = _Missing()


# --------------------------------------------------------------------------------------------
# Engine access (one place each).
# --------------------------------------------------------------------------------------------


def _normalize(network: dict[str, Any]) -> dict[str, Any]:
    """The engine's check of an edited network, its complaints in the course's words."""
    from nnstudio.engine.spec import normalize_spec

    try:
        return normalize_spec(network)
    except ValueError as exc:
        layers = network.get("layers") if isinstance(network, dict) else None
        n_layers = len(layers) if isinstance(layers, list) else 0
        raise ValueError(plain_spec_error(str(exc), n_layers)) from None


def _initializer_params(name: str) -> dict[str, float]:
    from nnstudio.engine.initializers import INITIALIZERS

    return dict(INITIALIZERS.get(name).params)


# --------------------------------------------------------------------------------------------
# Helpers on specs
# --------------------------------------------------------------------------------------------


def hidden_count(network: dict[str, Any]) -> int:
    """How many hidden layers (dense layers before the output layer) the network has."""
    return len(network["layers"]) - 1


def layer_sizes(network: dict[str, Any]) -> list[int]:
    """``[inputs, units_1, ..., units_out]``; the inputs include the feature crosses."""
    return [input_width(network)] + [int(layer["units"]) for layer in network["layers"]]


def _check_units(units: Any, where: str) -> int:
    if isinstance(units, bool) or not isinstance(units, int | np.integer):
        raise ValueError(f"{where}: the number of neurons must be a whole number, got {units!r}")
    if not MIN_UNITS <= units <= MAX_UNITS:
        raise ValueError(f"{where}: a layer has {MIN_UNITS} to {MAX_UNITS} neurons, got {units}")
    return int(units)


def _check_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: expected a finite number, got {value}")
    return value


def _check_hidden_index(network: dict[str, Any], index: int, what: str) -> None:
    n = hidden_count(network)
    if n == 0:
        raise ValueError(f"cannot {what}: the network has no hidden layers")
    if not 0 <= index < n:
        raise ValueError(
            f"cannot {what}: there is no hidden layer {index + 1} "
            f"(the hidden layers are layers 1 to {n})"
        )


def _check_layer_index(network: dict[str, Any], k: int) -> None:
    n = len(network["layers"])
    if not 0 <= k < n:
        raise ValueError(
            f"there is no layer {k + 1}; the network has layers 1 to {n} "
            f"(layer {n} is the output layer)"
        )


def _check_output_free(doc: Document, k: int, what: str) -> None:
    if doc.auto_output and k == len(doc.network["layers"]) - 1:
        raise ValueError(
            f"cannot {what}: the output layer follows the task while 'automatic output layer' "
            "is on; turn it off to change the output layer by hand"
        )


def _commit(doc: Document, network: dict[str, Any]) -> None:
    """Validate ``network`` with the engine's rules, then make it the document's network."""
    _normalize(network)
    doc.network = network


# --------------------------------------------------------------------------------------------
# Edits
# --------------------------------------------------------------------------------------------


class Edit:
    """Base class. Subclasses are dataclasses holding plain values."""

    #: A short name per kind; the undo stack merges only edits of the same kind.
    kind: ClassVar[str] = "edit"
    #: Which part of the document the edit changes ("network", "weights", "training", "data").
    area: ClassVar[str] = "network"

    def apply(self, doc: Document) -> Edit:
        raise NotImplementedError

    def merge(self, other: Edit) -> bool:
        """Fold ``other`` (applied right after ``self``) into ``self``; ``False`` if it cannot."""
        return False

    def areas(self) -> frozenset[str]:
        """Every part of the document this edit changes (``weights`` is implied by ``network``)."""
        return frozenset({self.area})

    def describe(self) -> str:
        """A short label for the Edit menu ("Undo <label>")."""
        return self.kind.replace("_", " ")


def _swap_progress(doc: Document, new: Progress | None) -> Progress:
    """An architecture change: the new progress (``None``: afresh from the seed); the old one.

    The old weights no longer fit, so the curves and the optimizer state that belong to them go
    too; the inverse edit brings all of it back.
    """
    return doc.set_progress(Progress() if new is None else new)


@dataclass(eq=False)
class InsertLayer(Edit):
    """Insert a hidden layer before ``layers[index]`` (``index == hidden_count`` appends)."""

    index: int
    units: int = 8
    activation: str = "relu"
    #: A complete layer dict to insert instead of ``units``/``activation`` (used by undo).
    layer: dict[str, Any] | None = None
    #: Training progress after the edit (``None``: afresh, weights from the seed).
    progress: Progress | None = field(default=None, repr=False)

    kind: ClassVar[str] = "insert_layer"

    def apply(self, doc: Document) -> Edit:
        net = doc.network
        n = hidden_count(net)
        if n >= MAX_HIDDEN:
            raise ValueError(f"cannot add a layer: at most {MAX_HIDDEN} hidden layers")
        if not 0 <= self.index <= n:
            raise ValueError(
                f"cannot add a layer at position {self.index + 1}: positions 1 to {n + 1}"
            )
        if self.layer is not None:
            layer = copy.deepcopy(self.layer)
        else:
            layer = {**NEW_LAYER, "units": self.units, "activation": self.activation}
        _check_units(layer["units"], "new layer")
        new = copy.deepcopy(net)
        new["layers"].insert(self.index, layer)
        _commit(doc, new)
        old = _swap_progress(doc, self.progress)
        return RemoveLayer(self.index, progress=old)

    def describe(self) -> str:
        return f"add layer {self.index + 1}"


@dataclass(eq=False)
class RemoveLayer(Edit):
    """Remove hidden layer ``index``."""

    index: int
    progress: Progress | None = field(default=None, repr=False)

    kind: ClassVar[str] = "remove_layer"

    def apply(self, doc: Document) -> Edit:
        _check_hidden_index(doc.network, self.index, "remove the layer")
        new = copy.deepcopy(doc.network)
        layer = new["layers"].pop(self.index)
        _commit(doc, new)
        old = _swap_progress(doc, self.progress)
        return InsertLayer(self.index, layer=layer, progress=old)

    def describe(self) -> str:
        return f"remove layer {self.index + 1}"


@dataclass(eq=False)
class MoveLayer(Edit):
    """Move hidden layer ``source`` so that it ends up at hidden index ``target``."""

    source: int
    target: int
    progress: Progress | None = field(default=None, repr=False)

    kind: ClassVar[str] = "move_layer"

    def apply(self, doc: Document) -> Edit:
        _check_hidden_index(doc.network, self.source, "move the layer")
        _check_hidden_index(doc.network, self.target, "move the layer there")
        if self.source == self.target:
            raise ValueError("the layer is already there")
        new = copy.deepcopy(doc.network)
        new["layers"].insert(self.target, new["layers"].pop(self.source))
        _commit(doc, new)
        old = _swap_progress(doc, self.progress)
        return MoveLayer(self.target, self.source, progress=old)

    def describe(self) -> str:
        return f"move layer {self.source + 1}"


@dataclass(eq=False)
class SetUnits(Edit):
    """Set the number of neurons of layer ``k`` (add or remove neurons)."""

    k: int
    units: int
    progress: Progress | None = field(default=None, repr=False)

    kind: ClassVar[str] = "set_units"

    def apply(self, doc: Document) -> Edit:
        _check_layer_index(doc.network, self.k)
        _check_output_free(doc, self.k, "change the number of output neurons")
        _check_units(self.units, f"layer {self.k + 1}")
        new = copy.deepcopy(doc.network)
        old_units = new["layers"][self.k]["units"]
        new["layers"][self.k]["units"] = int(self.units)
        _commit(doc, new)
        old = _swap_progress(doc, self.progress)
        return SetUnits(self.k, old_units, progress=old)

    def merge(self, other: Edit) -> bool:
        if isinstance(other, SetUnits) and other.k == self.k and other.progress is None:
            self.units = other.units
            self.progress = None
            return True
        return False

    def describe(self) -> str:
        return f"set neurons of layer {self.k + 1} to {self.units}"


@dataclass(eq=False)
class SetLayerProperty(Edit):
    """Set one property of layer ``k``.

    Properties: activation, initializer, std / limit, dropout, l1, l2, use_bias.

    Choosing an initializer drops the parameters of the previous one and adds the new one's
    parameters (``params`` overrides their defaults). ``use_bias`` changes the weights' shapes, so
    it resets the weights like other architecture changes.
    """

    k: int
    key: str
    value: Any
    params: dict[str, float] | None = None
    progress: Any = field(default=MISSING, repr=False)  # MISSING: leave the progress alone

    kind: ClassVar[str] = "set_layer_property"

    def _check(self, doc: Document) -> Any:
        key, value = self.key, self.value
        if key not in LAYER_PROPERTIES:
            raise ValueError(
                f"unknown layer property {key!r}; known: {', '.join(LAYER_PROPERTIES)}"
            )
        _check_layer_index(doc.network, self.k)
        last = self.k == len(doc.network["layers"]) - 1
        where = f"{layer_words(self.k)} {key.replace('_', ' ')}"
        if key == "activation":
            _check_output_free(doc, self.k, "change the output activation")
            if value == "softmax" and not last:
                raise ValueError(
                    f"{layer_words(self.k)} is a hidden layer, and softmax belongs on the output "
                    "layer only: it turns the outputs into class probabilities that add up to 1"
                )
        if value is MISSING:  # the key was absent: the engine's default applies again
            return value
        if key == "use_bias":
            if not isinstance(value, bool):
                raise ValueError(f"{where}: expected true or false, got {value!r}")
        elif key == "dropout":
            value = _check_number(value, where)
            if not 0.0 <= value < 1.0:
                raise ValueError(
                    f"{where}: the dropout rate is at least 0 and below 1, got {value}"
                )
            if last and value:
                raise ValueError(f"{where}: the output layer cannot have dropout")
        elif key in ("l1", "l2"):
            value = _check_number(value, where)
            if value < 0:
                raise ValueError(f"{where}: a penalty cannot be negative, got {value}")
        elif key in ("std", "limit"):
            value = _check_number(value, where)
            if value <= 0:
                raise ValueError(f"{where}: must be greater than 0, got {value}")
        return value

    def apply(self, doc: Document) -> Edit:
        value = self._check(doc)
        new = copy.deepcopy(doc.network)
        layer = new["layers"][self.k]
        if self.key == "initializer":
            old_name = layer.get("initializer", "glorot_uniform")
            old_params = {key: layer[key] for key in _initializer_params(old_name) if key in layer}
            for key in _initializer_params(old_name):
                layer.pop(key, None)
            layer["initializer"] = value
            taken = _initializer_params(value)  # ValueError names the unknown initializer
            for key, given in (self.params or {}).items():
                if key not in taken:
                    raise ValueError(f"initializer {value!r} takes no parameter {key!r}")
                layer[key] = given
            _commit(doc, new)
            inverse: Edit = SetLayerProperty(self.k, "initializer", old_name, params=old_params)
            return inverse
        old_value = layer.get(self.key, MISSING)
        if value is MISSING:
            layer.pop(self.key, None)
        else:
            layer[self.key] = value
        _commit(doc, new)
        architecture = self.key in _ARCHITECTURE_PROPERTIES
        old_progress: Any = MISSING
        if architecture or self.progress is not MISSING:
            new_progress = None if self.progress is MISSING else self.progress
            old_progress = _swap_progress(doc, new_progress)
        return SetLayerProperty(self.k, self.key, old_value, progress=old_progress)

    def merge(self, other: Edit) -> bool:
        if (
            isinstance(other, SetLayerProperty)
            and (other.k, other.key) == (self.k, self.key)
            and self.key in _MERGEABLE_PROPERTIES
        ):
            self.value = other.value
            return True
        return False

    def describe(self) -> str:
        return f"set {self.key} of layer {self.k + 1}"


@dataclass(eq=False)
class SetWeight(Edit):
    """Set the single weight ``W[k][i, j]`` (materialising the initial weights if needed)."""

    k: int
    i: int
    j: int
    value: float

    kind: ClassVar[str] = "set_weight"
    area: ClassVar[str] = "weights"

    def apply(self, doc: Document) -> Edit:
        value = _check_number(self.value, weight_words(self.k, self.i, self.j))
        _check_layer_index(doc.network, self.k)
        w_idx, _ = param_indices(doc.network, self.k)
        fan_in, fan_out = layer_sizes(doc.network)[self.k : self.k + 2]
        if not (0 <= self.i < fan_in and 0 <= self.j < fan_out):
            raise ValueError(
                f"{weight_words(self.k, self.i, self.j)} does not exist: layer {self.k + 1} "
                f"has {fan_in} inputs and {fan_out} neurons"
            )
        materialised = doc.weights is None
        weights = initial_weights(doc.network) if materialised else list(doc.weights)
        array = weights[w_idx].copy()  # copy on write: undo data never aliases the document
        old = float(array[self.i, self.j])
        array[self.i, self.j] = value
        weights[w_idx] = array
        doc.weights = weights
        if materialised:
            return SetWeights(None)
        return SetWeight(self.k, self.i, self.j, old)

    def merge(self, other: Edit) -> bool:
        if isinstance(other, SetWeight) and (other.k, other.i, other.j) == (self.k, self.i, self.j):
            self.value = other.value
            return True
        return False

    def describe(self) -> str:
        return f"set {weight_words(self.k, self.i, self.j)}"


@dataclass(eq=False)
class SetBias(Edit):
    """Set the single bias ``b[k][j]`` (materialising the initial weights if needed)."""

    k: int
    j: int
    value: float

    kind: ClassVar[str] = "set_bias"
    area: ClassVar[str] = "weights"

    def apply(self, doc: Document) -> Edit:
        value = _check_number(self.value, bias_words(self.k, self.j))
        _check_layer_index(doc.network, self.k)
        _, b_idx = param_indices(doc.network, self.k)
        if b_idx is None:
            raise ValueError(f"layer {self.k + 1} has no biases ('use bias' is off)")
        units = doc.network["layers"][self.k]["units"]
        if not 0 <= self.j < units:
            raise ValueError(
                f"{bias_words(self.k, self.j)} does not exist: layer {self.k + 1} has {units} "
                "neurons"
            )
        materialised = doc.weights is None
        weights = initial_weights(doc.network) if materialised else list(doc.weights)
        array = weights[b_idx].copy()
        old = float(array[self.j])
        array[self.j] = value
        weights[b_idx] = array
        doc.weights = weights
        if materialised:
            return SetWeights(None)
        return SetBias(self.k, self.j, old)

    def merge(self, other: Edit) -> bool:
        if isinstance(other, SetBias) and (other.k, other.j) == (self.k, self.j):
            self.value = other.value
            return True
        return False

    def describe(self) -> str:
        return f"set {bias_words(self.k, self.j)}"


@dataclass(eq=False)
class SetWeights(Edit):
    """Replace all weights (typed in, or copied from elsewhere); ``None`` re-derives them
    from the seed. The history and optimizer state stay: training goes on from these weights.
    """

    weights: list[np.ndarray] | None = field(default=None, repr=False)
    label: str = ""

    kind: ClassVar[str] = "set_weights"
    area: ClassVar[str] = "weights"

    def apply(self, doc: Document) -> Edit:
        new = None if self.weights is None else _checked_weights(doc, self.weights)
        old, doc.weights = doc.weights, new
        return SetWeights(old, self.label)

    def describe(self) -> str:
        if self.label:
            return self.label
        return "reset weights" if self.weights is None else "set weights"


def _checked_weights(doc: Document, weights: list[np.ndarray]) -> list[np.ndarray]:
    shapes = weight_shapes(doc.network)
    given = [np.shape(w) for w in weights]
    if given != shapes:
        raise ValueError(f"weights of shapes {given} do not fit this network ({shapes})")
    out = [np.array(w, copy=True) for w in weights]
    if not all(np.all(np.isfinite(w)) for w in out):
        raise ValueError("the weights contain a value that is not finite")
    return out


@dataclass(eq=False)
class SetProgress(Edit):
    """Replace the whole training progress: what a run wrote back, or Reset (``Progress()``).

    One undo step takes training back: the weights, the curves, the input transform and the
    optimizer state before it. Consecutive training results (Play, Pause, Play, Pause) merge
    into one step when nothing else was edited between them.
    """

    progress: Progress = field(repr=False)
    label: str = ""
    #: A training result (merges with the next one); Reset and undo data are not.
    trained: bool = False

    kind: ClassVar[str] = "set_progress"
    area: ClassVar[str] = "weights"

    def apply(self, doc: Document) -> Edit:
        p = self.progress
        if p.weights is not None:
            _checked_weights(doc, p.weights)  # copy-free afterwards: the arrays are shared
        if p.state is not None and "steps" not in p.state:
            raise ValueError("training state without a step count")
        for key, curve in p.history.items():
            if len(curve) != p.epochs:
                raise ValueError(f"history {key!r} has {len(curve)} values for {p.epochs} epochs")
        return SetProgress(doc.set_progress(p), self.label)

    def merge(self, other: Edit) -> bool:
        if isinstance(other, SetProgress) and self.trained and other.trained:
            self.progress, self.label = other.progress, other.label
            return True
        return False

    def describe(self) -> str:
        return self.label or "set training progress"


def reset_training() -> SetProgress:
    """Reset: weights afresh from the seed, no history, no optimizer state (undoable)."""
    return SetProgress(Progress(), "reset training")


@dataclass(eq=False)
class SetInputs(Edit):
    """Set the number of inputs (it follows the data set)."""

    inputs: int
    progress: Progress | None = field(default=None, repr=False)

    kind: ClassVar[str] = "set_inputs"

    def apply(self, doc: Document) -> Edit:
        n = self.inputs
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= MAX_INPUTS:
            raise ValueError(f"the number of inputs must be 1 to {MAX_INPUTS}, got {n!r}")
        new = copy.deepcopy(doc.network)
        old_inputs = new["inputs"]
        new["inputs"] = int(n)
        _commit(doc, new)
        return SetInputs(old_inputs, progress=_swap_progress(doc, self.progress))

    def describe(self) -> str:
        return f"set inputs to {self.inputs}"


@dataclass(eq=False)
class SetFeatures(Edit):
    """Set the feature crosses (``engine/features.py``): extra inputs of the first layer.

    An architecture change like the others: the first layer's weight matrix gets a row per
    cross, so training starts afresh and the inverse brings the old progress back.
    """

    features: tuple[str, ...]
    progress: Progress | None = field(default=None, repr=False)

    kind: ClassVar[str] = "set_features"

    def apply(self, doc: Document) -> Edit:
        new = copy.deepcopy(doc.network)
        old = tuple(features_of(new))
        new["features"] = list(self.features)
        _commit(doc, new)  # refuses unknown names and crosses of other than two inputs
        return SetFeatures(old, progress=_swap_progress(doc, self.progress))

    def describe(self) -> str:
        return f"set feature crosses to {', '.join(labels(list(self.features))) or 'none'}"


def toggle_feature(network: dict[str, Any], name: str, on: bool) -> SetFeatures:
    """Switch one cross on or off; the crosses stay in the order the window offers them."""
    current = set(features_of(network))
    chosen = current | {name} if on else current - {name}
    return SetFeatures(tuple(n for n in FEATURE_NAMES if n in chosen))


@dataclass(eq=False)
class SetOutput(Edit):
    """Set the output layer's units and activation (and the loss): what a task change does."""

    units: int
    activation: str
    loss: str | None = None
    progress: Progress | None = field(default=None, repr=False)

    kind: ClassVar[str] = "set_output"

    def apply(self, doc: Document) -> Edit:
        _check_units(self.units, "output layer")
        new = copy.deepcopy(doc.network)
        out = new["layers"][-1]
        old_units, old_act = out["units"], out.get("activation", "linear")
        old_loss = new.get("loss", "mse")
        out["units"], out["activation"] = int(self.units), self.activation
        if self.loss is not None:
            new["loss"] = self.loss
        _commit(doc, new)
        old = _swap_progress(doc, self.progress)
        return SetOutput(old_units, old_act, old_loss, progress=old)

    def describe(self) -> str:
        return "set output layer"


@dataclass(eq=False)
class SetValue(Edit):
    """Set the value at a key path: ``("network", "loss")``, ``("training", "batch_size")``,
    ``("data", "name")``, ``("network", "optimizer", "learning_rate")``, ``("auto_output",)``.

    ``value=MISSING`` deletes the key. Network values are checked by the engine's spec rules;
    the architecture keys (``inputs``, ``layers``) have their own edits.
    """

    path: tuple[str, ...]
    value: Any

    kind: ClassVar[str] = "set_value"

    def _area(self) -> str:
        if not self.path or self.path[0] not in _AREAS:
            raise ValueError(
                f"cannot set {'/'.join(map(str, self.path))!r}: a path starts with one of "
                f"{', '.join(_AREAS)}"
            )
        return _AREAS[self.path[0]]

    def areas(self) -> frozenset[str]:
        return frozenset({self._area()})

    def apply(self, doc: Document) -> Edit:
        self._area()
        head, rest = self.path[0], self.path[1:]
        if head == "auto_output":
            if rest or not isinstance(self.value, bool):
                raise ValueError(f"auto_output is true or false, got {self.value!r}")
            old = doc.auto_output
            doc.auto_output = self.value
            return SetValue(self.path, old)
        if not rest:
            raise ValueError(f"cannot replace the whole {head!r} section with a set-value edit")
        if head == "network" and rest[0] in _STRUCTURAL_KEYS:
            raise ValueError(f"network.{rest[0]} changes the architecture: use its own edit")
        root = copy.deepcopy(getattr(doc, head))
        node = root
        for key in rest[:-1]:
            if not isinstance(node, dict):
                raise ValueError(f"cannot set {'.'.join(self.path)}: {key!r} is not a section")
            node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ValueError(f"cannot set {'.'.join(self.path)}: parent is not a section")
        old = node.get(rest[-1], MISSING)
        if self.value is MISSING:
            node.pop(rest[-1], None)
        else:
            node[rest[-1]] = copy.deepcopy(self.value)
        if head == "network":
            _normalize(root)
        elif head == "training":
            root = _check_training(root)
        setattr(doc, head, root)
        return SetValue(self.path, old)

    def merge(self, other: Edit) -> bool:
        if isinstance(other, SetValue) and other.path == self.path:
            self.value = other.value
            return True
        return False

    def describe(self) -> str:
        return f"set {'.'.join(self.path[1:] or self.path)}"


def _check_training(training: dict[str, Any]) -> dict[str, Any]:
    return normalize_training(training)


@dataclass(eq=False)
class Compound(Edit):
    """Several edits as one undo step (e.g. a data-set change: inputs + output + loss).

    (Not called "batch": in this app a batch is the mini-batch of one training step.)
    """

    edits: tuple[Edit, ...]
    label: str = "change"

    kind: ClassVar[str] = "compound"

    def areas(self) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for edit in self.edits:
            out |= edit.areas()
        return out

    def apply(self, doc: Document) -> Edit:
        inverses: list[Edit] = []
        try:
            for edit in self.edits:
                inverses.append(edit.apply(doc))
        except Exception:
            for inverse in reversed(inverses):
                inverse.apply(doc)
            raise
        return Compound(tuple(reversed(inverses)), self.label)

    def describe(self) -> str:
        return self.label


# --------------------------------------------------------------------------------------------
# Output layer and loss
# --------------------------------------------------------------------------------------------

TASKS = ("binary", "multiclass", "regression")


def output_for_task(task: str, n_outputs: int) -> tuple[int, str, str]:
    """``(units, activation, loss)`` of the output layer that fits a task.

    binary -> 1 sigmoid neuron with binary cross-entropy; multiclass with k classes -> k softmax
    neurons with categorical cross-entropy; regression with k targets -> k linear neurons with mse.
    """
    if isinstance(n_outputs, bool) or not isinstance(n_outputs, int) or n_outputs < 1:
        raise ValueError(f"n_outputs must be a whole number >= 1, got {n_outputs!r}")
    if task == "binary":
        return 1, "sigmoid", "binary_crossentropy"
    if task == "multiclass":
        if n_outputs < 2:
            raise ValueError("a multiclass task needs at least 2 classes")
        return n_outputs, "softmax", "categorical_crossentropy"
    if task == "regression":
        return n_outputs, "linear", "mse"
    raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")


def output_edit(task: str, n_outputs: int) -> SetOutput:
    """The edit that makes the output layer fit ``task`` (for a data-set change)."""
    return SetOutput(*output_for_task(task, n_outputs))


def loss_warning(spec: dict[str, Any]) -> str | None:
    """A one-sentence warning when the output activation and the loss do not go together."""
    layers = spec.get("layers") or []
    if not layers:
        return None
    out = layers[-1]
    act = out.get("activation", "linear")
    units = int(out.get("units", 1))
    loss = spec.get("loss", "mse")
    if act == "softmax" and units == 1:
        return (
            "A softmax over a single neuron always outputs 1: use sigmoid for two classes, "
            "or one softmax neuron per class."
        )
    if loss == "categorical_crossentropy":
        if act == "sigmoid":
            return (
                "Sigmoid outputs do not add up to 1: pair categorical cross-entropy with a "
                "softmax output (or use binary cross-entropy)."
            )
        if act != "softmax":
            return (
                f"Categorical cross-entropy needs probabilities, but a {act} output is not one: "
                "use a softmax output layer."
            )
        if units == 1:
            return "Categorical cross-entropy needs one output neuron per class (at least 2)."
    if loss == "binary_crossentropy":
        if act == "softmax":
            return (
                "Softmax with binary cross-entropy: use categorical cross-entropy for softmax "
                "outputs, or a sigmoid output for yes/no targets."
            )
        if act != "sigmoid":
            return (
                f"Binary cross-entropy needs probabilities between 0 and 1, but a {act} output "
                "can leave that range: use a sigmoid output neuron."
            )
    if act == "softmax" and loss in ("mse", "half_mse", "mae"):
        return (
            f"Softmax outputs with {loss}: learning is slow when a class is confidently wrong; "
            "categorical cross-entropy is the usual pairing."
        )
    return None


__all__ = [
    "MAX_HIDDEN",
    "MAX_UNITS",
    "MIN_UNITS",
    "MISSING",
    "NEW_LAYER",
    "TASKS",
    "Compound",
    "Edit",
    "InsertLayer",
    "MoveLayer",
    "RemoveLayer",
    "SetBias",
    "SetFeatures",
    "SetInputs",
    "SetLayerProperty",
    "SetOutput",
    "SetProgress",
    "SetUnits",
    "SetValue",
    "SetWeight",
    "SetWeights",
    "hidden_count",
    "initial_weights",
    "layer_sizes",
    "loss_warning",
    "output_edit",
    "output_for_task",
    "param_indices",
    "reset_training",
    "toggle_feature",
    "weight_shapes",
]
