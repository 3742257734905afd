"""Generated Keras 3 code: the network the way the course writes it.

``keras_model`` writes the model definition a student reads in the window's code view:
``keras.Sequential`` with one ``model.add(layers.Dense(...))`` per layer, ``model.compile``
with the Keras optimizer and loss closest to the project's, and ``model.fit`` with the
project's batch size, epochs and validation share. ``keras_script`` (next module) puts
exactly that text into a module that loads the trained weights.

nnstudio's optimizers follow ``torch.optim``; Keras writes some of them differently. The
differences, read from Keras 3's ``keras/src/optimizers/*.py``, and how the code bridges them:

- SGD: Keras keeps ``velocity = momentum velocity - lr g`` (torch: ``b = momentum b + g``,
  ``w -= lr b``): the same steps while the learning rate is fixed; Nesterov agrees too. Keras has
  no ``dampening``.
- Adam: Keras adds ``epsilon`` to ``sqrt(v)`` before the bias correction ("epsilon hat"), torch
  after it, so Keras' epsilon acts like ``eps / sqrt(1 - beta_2^t)``. Passing torch's eps makes
  the two differ only while ``sqrt(v)`` is as small as eps. Keras' default epsilon is 1e-7.
- RMSprop and Adagrad: Keras adds ``epsilon`` inside the square root (``g / sqrt(v + epsilon)``),
  torch outside (``g / (sqrt(v) + eps)``); ``epsilon = eps**2`` makes them agree except where
  ``sqrt(v)`` is about eps. Keras' defaults differ (rho 0.9, initial accumulator 0.1), so every
  argument is written out. Adagrad's ``lr_decay`` is Keras' ``InverseTimeDecay`` with
  ``decay_steps=1`` (Keras counts steps from 0, torch's formula uses t - 1).
- Adadelta: the same formulas (epsilon inside both roots).
- ``weight_decay``: torch adds ``wd w`` to the slope; Keras' own ``weight_decay`` shrinks the
  weights apart from the slope (AdamW style), which equals torch's only for plain SGD. An L2
  penalty of ``wd / 2`` on every kernel and bias has exactly torch's slope, so that is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nnstudio.document import normalize_training
from nnstudio.io.crosses_code import crosses_block

#: Keras' names for nnstudio's losses (``half_mse`` has none: the code defines it).
LOSS_NAMES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "binary_crossentropy": "binary_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "half_mse": "half_mse",
}
#: Epochs written for nnstudio's 0 ("until stopped"): Keras needs a number.
UNTIL_STOPPED_EPOCHS = 1000


def _num(value: float) -> str:
    """A float as short as it can be written without losing what a student typed."""
    return repr(float(f"{float(value):.15g}"))


def _text(value: str) -> str:
    """A string literal in double quotes, as the course (and ruff format) writes them."""
    return json.dumps(value)


# --------------------------------------------------------------------------- the model
def _initializer(layer: dict[str, Any]) -> str | None:
    """``kernel_initializer=...`` unless it is Keras' default (glorot_uniform, as ours)."""
    name = layer["initializer"]
    if name == "glorot_uniform":
        return None
    if name == "normal":
        return f"keras.initializers.RandomNormal(stddev={_num(layer['std'])})"
    if name == "uniform":
        limit = _num(layer["limit"])
        return f"keras.initializers.RandomUniform(-{limit}, {limit})"
    if name == "torch":
        # nn.Linear's kernel: uniform within 1 / sqrt(fan_in) (its bias init has no Keras twin).
        return 'keras.initializers.VarianceScaling(1 / 3, "fan_in", "uniform")'
    return _text(name)  # glorot_normal, he_*, lecun_normal (Keras' are truncated), zeros


def _regularizer(l1: float, l2: float) -> str | None:
    if l1 and l2:
        return f"keras.regularizers.L1L2(l1={_num(l1)}, l2={_num(l2)})"
    if l1:
        return f"keras.regularizers.L1({_num(l1)})"
    if l2:
        return f"keras.regularizers.L2({_num(l2)})"
    return None


def _call(prefix: str, call: str, args: list[str], suffix: str = "") -> list[str]:
    """``prefix call(args) suffix`` on one line when it fits in 100 characters, else split.

    Split as ruff format splits it: one argument per line, and a call inside brackets
    (``model.add(...)``, ``[...]``) on a line of its own.
    """
    line = f"{prefix}{call}({', '.join(args)}){suffix}"
    if len(line) <= 100:
        return [line]
    indent = " " * (len(prefix) - len(prefix.lstrip()))
    if prefix.endswith(("(", "[")):
        return [prefix, *_split(f"{indent}    ", call, args, ""), f"{indent}{suffix}"]
    return _split(prefix, call, args, suffix)


def _split(prefix: str, call: str, args: list[str], suffix: str) -> list[str]:
    indent = " " * (len(prefix) - len(prefix.lstrip()))
    lines = [f"{prefix}{call}("]
    lines += [f"{indent}    {arg}," for arg in args]
    return [*lines, f"{indent}){suffix}"]


def _dense_lines(layer: dict[str, Any], decay: float) -> list[str]:
    """The ``model.add`` lines of one layer: Dense, then LeakyReLU and Dropout when it has them."""
    args = [str(layer["units"])]
    act = layer["activation"]
    if act not in ("linear", "leaky_relu"):
        args.append(f"activation={_text(act)}")
    if not layer["use_bias"]:
        args.append("use_bias=False")
    init = _initializer(layer)
    if init:
        args.append(f"kernel_initializer={init}")
    kernel = _regularizer(layer["l1"], layer["l2"] + decay / 2)
    if kernel:
        args.append(f"kernel_regularizer={kernel}")
    if decay and layer["use_bias"]:
        args.append(f"bias_regularizer={_regularizer(0.0, decay / 2)}")
    lines = _call("    model.add(", "layers.Dense", args, ")")
    if act == "leaky_relu":  # Keras' layer defaults to slope 0.3, its function to 0.2
        lines.append("    model.add(layers.LeakyReLU(negative_slope=0.01))")
    if layer["dropout"]:
        lines.append(f"    model.add(layers.Dropout({_num(layer['dropout'])}))")
    return lines


def _build_model(spec: dict[str, Any], standardize: dict | None) -> str:
    decay = spec["optimizer"].get("weight_decay", 0.0)
    lines = [
        "def build_model():",
        '    """The network on the canvas, layer by layer, as a keras.Sequential."""',
        "    model = keras.Sequential()",
        "    model.add(keras.Input(shape=(INPUTS,)))",
    ]
    if standardize is not None:
        lines.append("    model.add(layers.Normalization(mean=MEAN, variance=np.square(SCALE)))")
    if spec["features"]:
        lines.append("    model.add(layers.Lambda(crosses))  # the feature crosses as more inputs")
    if decay:
        lines.append(
            f"    # weight_decay {_num(decay)}: an L2 penalty of {_num(decay / 2)} on every kernel "
            "and bias (see compile_model)."
        )
    for layer in spec["layers"]:
        lines += _dense_lines(layer, decay)
    lines.append("    return model")
    return "\n".join(lines)


def _constants(spec: dict[str, Any], standardize: dict | None) -> str:
    lines = [f"INPUTS = {spec['inputs']}"]
    if standardize is not None:
        mean = [float(v) for v in standardize["mean"]]
        scale = [float(v) for v in standardize["scale"]]
        lines += [
            '# "Standardize inputs": x -> (x - MEAN) / SCALE with the training rows\' statistics;',
            "# the Normalization layer does it inside the model, so the model takes raw inputs.",
            f"MEAN = {mean!r}",
            f"SCALE = {scale!r}",
        ]
    else:
        lines.append(
            "# This project does not standardize its inputs: the model takes them as given."
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------- compile and fit
# Each function: (comment lines, lines before the optimizer, its arguments) for one optimizer.
_Parts = tuple[list[str], list[str], list[str]]


def _sgd(c: dict[str, Any]) -> _Parts:
    args = [f"learning_rate={_num(c['learning_rate'])}", f"momentum={_num(c['momentum'])}"]
    if c["nesterov"]:
        args.append("nesterov=True")
    notes = ["Keras' velocity is -learning_rate x torch's momentum buffer: the same steps."]
    if c["dampening"]:
        notes.append(
            f"nnstudio's dampening {_num(c['dampening'])} has no Keras argument "
            "(Keras' is 0): the runs differ."
        )
    return notes, [], args


def _adam(c: dict[str, Any]) -> _Parts:
    beta1, beta2 = c["betas"]
    args = [
        f"learning_rate={_num(c['learning_rate'])}",
        f"beta_1={_num(beta1)}",
        f"beta_2={_num(beta2)}",
        f"epsilon={_num(c['eps'])}",
    ]
    if c["amsgrad"]:
        args.append("amsgrad=True")
    notes = [
        "Keras adds epsilon to sqrt(v) before the bias correction, nnstudio after it",
        "(lr m_hat / (sqrt(v_hat) + eps)): the steps differ only while sqrt(v) is about eps.",
    ]
    return notes, [], args


def _epsilon_inside(c: dict[str, Any], name: str) -> list[str]:
    """The note for RMSprop (v) and Adagrad (s): Keras puts epsilon inside the root."""
    divides = f"Keras divides by sqrt({name} + epsilon), nnstudio by sqrt({name}) + eps"
    return [
        f"{divides}: epsilon = eps**2",
        f"(eps = {_num(c['eps'])}) makes them agree except where sqrt({name}) is about eps.",
    ]


def _rmsprop(c: dict[str, Any]) -> _Parts:
    args = [
        f"learning_rate={_num(c['learning_rate'])}",
        f"rho={_num(c['alpha'])}",
        f"momentum={_num(c['momentum'])}",
        f"epsilon={_num(c['eps'] ** 2)}",
    ]
    if c["centered"]:
        args.append("centered=True")
    return _epsilon_inside(c, "v"), [], args


def _adagrad(c: dict[str, Any]) -> _Parts:
    rate, notes, setup = _num(c["learning_rate"]), [], []
    if c["lr_decay"]:
        notes.append("lr_decay: lr / (1 + lr_decay x step), Keras counting steps from 0.")
        setup = _call(
            "    learning_rate = ",
            "keras.optimizers.schedules.InverseTimeDecay",
            [rate, "decay_steps=1", f"decay_rate={_num(c['lr_decay'])}"],
        )
        rate = "learning_rate"
    args = [
        f"learning_rate={rate}",
        f"initial_accumulator_value={_num(c['initial_accumulator_value'])}",
        f"epsilon={_num(c['eps'] ** 2)}",
    ]
    return notes + _epsilon_inside(c, "s"), setup, args


def _adadelta(c: dict[str, Any]) -> _Parts:
    args = [
        f"learning_rate={_num(c['learning_rate'])}",
        f"rho={_num(c['rho'])}",
        f"epsilon={_num(c['eps'])}",
    ]
    return ["Keras' Adadelta computes exactly nnstudio's (epsilon inside both roots)."], [], args


#: nnstudio's optimizer -> (Keras' class name, the function writing its arguments)
OPTIMIZERS: dict[str, tuple[str, Callable[[dict[str, Any]], _Parts]]] = {
    "sgd": ("SGD", _sgd),
    "adam": ("Adam", _adam),
    "rmsprop": ("RMSprop", _rmsprop),
    "adagrad": ("Adagrad", _adagrad),
    "adadelta": ("Adadelta", _adadelta),
}


def _optimizer(config: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(comment lines, code lines) building the Keras optimizer closest to nnstudio's."""
    keras_name, write = OPTIMIZERS[config["name"]]
    notes, setup, args = write(config)
    if config.get("weight_decay"):
        notes += [
            "weight_decay is the L2 penalties in build_model: nnstudio adds weight_decay x w",
            "to the slope; Keras' own weight_decay shrinks the weights apart from it.",
        ]
    return notes, [*setup, *_call("    optimizer = ", f"keras.optimizers.{keras_name}", args)]


def _half_mse() -> str:
    return "\n".join(
        [
            "def half_mse(y_true, y_pred):",
            '    """nnstudio\'s half_mse, mean((p - t)^2) / 2: Keras has no loss by that name."""',
            "    return 0.5 * keras.ops.mean(keras.ops.square(y_pred - y_true), axis=-1)",
        ]
    )


def _compile(spec: dict[str, Any]) -> str:
    notes, code = _optimizer(spec["optimizer"])
    loss = spec["loss"]
    loss_arg = "half_mse" if loss == "half_mse" else _text(LOSS_NAMES[loss])
    metrics = ', metrics=["accuracy"]' if loss.endswith("crossentropy") else ""
    lines = [
        "def compile_model(model):",
        '    """The "Loss" and "Optimizer" of the training settings, as Keras spells them."""',
    ]
    lines += [f"    # {note}" for note in notes]
    if loss == "binary_crossentropy":
        lines.append("    # Keras clips probabilities to [1e-7, 1 - 1e-7]; nnstudio uses logits.")
    lines += [
        *code,
        f"    model.compile(optimizer=optimizer, loss={loss_arg}{metrics})",
        "    return model",
    ]
    return "\n".join(lines)


def _fit_settings(spec: dict[str, Any], training: dict[str, Any]) -> str:
    epochs = int(training["epochs"])
    share = float(training["validation_ratio"])
    epochs_note = '"Epochs": passes over the training rows'
    if epochs == 0:
        epochs, epochs_note = UNTIL_STOPPED_EPOCHS, '"Epochs" is 0 (until stopped); Keras needs one'
    lines = [
        "# The training settings, as model.fit's arguments:",
        f'BATCH_SIZE = {int(training["batch_size"])}  # "Batch size": rows per weight update',
        f"EPOCHS = {epochs}  # {epochs_note}",
        f'VALIDATION_SPLIT = {_num(share)}  # "Validation": the share held out to validate',
        "# Keras holds out the last rows as given; nnstudio a seeded random share (stratified",
        "# for classes): shuffle X and y first, or pass validation_data=(X_val, y_val) instead.",
        f'SEED = {int(spec["seed"])}  # "Seed"',
    ]
    return "\n".join(lines)


def _targets(spec: dict[str, Any]) -> str:
    outputs = spec["layers"][-1]["units"]
    if spec["loss"] == "categorical_crossentropy":
        return (
            "    if np.ndim(y) == 1:  # class numbers -> one-hot rows, as the course does\n"
            f"        y = keras.utils.to_categorical(y, num_classes={outputs})"
        )
    return f'    y = np.asarray(y, dtype="float32").reshape(-1, {outputs})'


def _train(spec: dict[str, Any], training: dict[str, Any]) -> str:
    stopping = training["early_stopping"]
    callbacks = ["    callbacks = []"]
    if stopping["enabled"]:
        monitor = "val_loss" if float(training["validation_ratio"]) > 0 else "loss"
        args = [
            f"monitor={_text(monitor)}",
            f"patience={int(stopping['patience'])}",
            f"min_delta={_num(stopping['min_delta'])}",
            f"restore_best_weights={stopping['restore_best_weights']}",
        ]
        callbacks = _call("    callbacks = [", "keras.callbacks.EarlyStopping", args, "]")
    return "\n".join(
        [
            "def train(X, y, model=None, epochs=EPOCHS):",
            '    """Go on training in Keras from raw inputs X and targets y as nnstudio has them.',
            "",
            "    Starts from nnstudio's trained weights (load()) unless a model is given, such",
            "    as build_model() for fresh ones. Keras draws other random numbers than nnstudio,",
            "    so the run is not nnstudio's step for step. Returns the model and its History.",
            '    """',
            "    keras.utils.set_random_seed(SEED)",
            "    model = compile_model(load() if model is None else model)",
            '    X = np.asarray(X, dtype="float32").reshape(-1, INPUTS)',
            _targets(spec),
            *callbacks,
            "    history = model.fit(",
            "        X,",
            "        y,",
            "        validation_split=VALIDATION_SPLIT,",
            "        batch_size=BATCH_SIZE,",
            "        epochs=epochs,",
            "        callbacks=callbacks,",
            "        verbose=2,",
            "    )",
            "    return model, history",
        ]
    )


def keras_model(spec: dict[str, Any], standardize: dict | None, training: dict[str, Any]) -> str:
    """The model definition: the code view's Keras text and the heart of the Keras export."""
    training = normalize_training(training)
    blocks = [_constants(spec, standardize)]
    if spec["features"]:
        blocks.append(crosses_block(spec, "keras"))
    blocks.append(_build_model(spec, standardize))
    if spec["loss"] == "half_mse":
        blocks.append(_half_mse())
    blocks += [_compile(spec), _fit_settings(spec, training), _train(spec, training)]
    return "\n\n\n".join(blocks) + "\n"


def keras_summary(spec: dict[str, Any], training: dict[str, Any]) -> str:
    """One line for the code view: Keras' names for the loss, optimizer and fit arguments."""
    training = normalize_training(training)
    loss = LOSS_NAMES[spec["loss"]]
    optimizer = OPTIMIZERS[spec["optimizer"]["name"]][0]
    epochs = int(training["epochs"]) or f"{UNTIL_STOPPED_EPOCHS} (0 = until stopped)"
    return (
        f'compile: loss="{loss}", optimizer=keras.optimizers.{optimizer}(...)\n'
        f'fit: batch_size={int(training["batch_size"])} is "Batch size", epochs={epochs} is '
        f'"Epochs", validation_split={_num(training["validation_ratio"])} is "Validation"'
    )
