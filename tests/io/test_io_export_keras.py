"""The Keras export: its text (always), and with Keras installed its predictions and training.

Keras runs on whichever backend ``KERAS_BACKEND`` names; unless it is set, the tests pick
torch when it is installed, else JAX (the ``dev`` extra's). Only the tests that run Keras skip
when it is absent.
"""

from __future__ import annotations

import ast
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from nnstudio import live
from nnstudio.cli import main
from nnstudio.document import Document
from nnstudio.engine import Network, normalize_spec
from nnstudio.examples import example
from nnstudio.io import export, load_project, save_project, session
from nnstudio.io.code import model_code, script_code

GOLDEN = Path(__file__).parents[1] / "golden" / "keras_golden_model.py.txt"
X = np.random.default_rng(2).normal(0, 3, (11, 3))

# torch's Tensor.__array__ has no ``copy`` argument yet, which NumPy 2 warns about whenever
# Keras' torch backend hands back a NumPy array: their matter, not the script's.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

if "KERAS_BACKEND" not in os.environ:
    for backend in ("torch", "jax"):
        if importlib.util.find_spec(backend) is not None:
            os.environ["KERAS_BACKEND"] = backend
            break


def keras():
    return pytest.importorskip("keras")


def project(output: str, *, hidden="tanh", dropout=0.0, l2=0.0, optimizer=None) -> Document:
    """A 3-input project with random (large) weights and a standardizer, for each task."""
    units, loss = {
        "sigmoid": (1, "binary_crossentropy"),
        "softmax": (3, "categorical_crossentropy"),
        "linear": (2, "mse"),
    }[output]
    layers = [
        {"units": 5, "activation": hidden, "dropout": dropout, "l2": l2},
        {"units": 4, "activation": "leaky_relu", "l2": l2},
        {"units": units, "activation": output},
    ]
    network = {"inputs": 3, "layers": layers, "loss": loss, "seed": 3}
    network["optimizer"] = optimizer or {"name": "adam", "learning_rate": 0.01}
    doc = Document(network=network)
    rng = np.random.default_rng(1)
    doc.weights = [rng.normal(0, 1.5, w.shape) for w in session.network(doc).get_weights()]
    doc.standardize = {"mean": [0.5, -1.0, 2.0], "scale": [2.0, 0.5, 3.0]}
    return doc


def golden_doc() -> Document:
    doc = project("softmax", hidden="relu", dropout=0.25, l2=0.001)
    doc.network["layers"][0]["initializer"] = "he_normal"
    doc.training.update(batch_size=16, epochs=40, validation_ratio=0.3)
    doc.training["early_stopping"] = {"enabled": True, "patience": 5, "min_delta": 0.001}
    return doc


# ------------------------------------------------------------------ text: runs everywhere
def test_the_script_text_matches_the_golden_file():
    """The whole generated script, byte for byte: a change to it must be a deliberate one.

    To accept a deliberate change: NNSTUDIO_UPDATE_GOLDEN=1 pytest tests/io/test_io_export_keras.py
    """
    text = script_code(golden_doc(), "keras", "golden_model", "golden_model.safetensors")
    if os.environ.get("NNSTUDIO_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_the_script_holds_the_model_definition_unchanged(tmp_path):
    doc = golden_doc()
    for language in ("keras", "pytorch", "numpy"):
        written = export(doc, language, tmp_path / f"m_{language}.py")
        assert model_code(doc, language) in written[1].read_text(encoding="utf-8")


def added_layers(code: str) -> list[str]:
    """What each ``model.add(...)`` adds, as ``ast.unparse`` writes it (one line each)."""
    calls = [node for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Call)]
    adds = [c for c in calls if ast.unparse(c.func) == "model.add"]
    return [ast.unparse(c.args[0]) for c in sorted(adds, key=lambda c: c.lineno)]


def test_the_model_is_written_the_way_the_course_writes_it():
    code = model_code(golden_doc(), "keras")
    assert added_layers(code) == [
        "keras.Input(shape=(INPUTS,))",
        "layers.Normalization(mean=MEAN, variance=np.square(SCALE))",
        "layers.Dense(5, activation='relu', kernel_initializer='he_normal', "
        "kernel_regularizer=keras.regularizers.L2(0.001))",
        "layers.Dropout(0.25)",
        "layers.Dense(4, kernel_regularizer=keras.regularizers.L2(0.001))",
        "layers.LeakyReLU(negative_slope=0.01)",
        "layers.Dense(3, activation='softmax')",
    ]
    assert 'loss="categorical_crossentropy", metrics=["accuracy"]' in code
    assert "keras.utils.to_categorical(y, num_classes=3)" in code
    assert "BATCH_SIZE = 16" in code and "EPOCHS = 40" in code
    assert "VALIDATION_SPLIT = 0.3" in code
    assert 'monitor="val_loss",\n            patience=5,\n            min_delta=0.001,' in code


@pytest.mark.parametrize(
    ("optimizer", "expected"),
    [
        ({"name": "sgd", "learning_rate": 0.1}, "SGD(learning_rate=0.1, momentum=0.0)"),
        (
            {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
            "SGD(learning_rate=0.1, momentum=0.9, nesterov=True)",
        ),
        (
            {"name": "adam"},
            "Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-08)",
        ),
        (
            {"name": "rmsprop"},
            "RMSprop(learning_rate=0.01, rho=0.99, momentum=0.0, epsilon=1e-16)",
        ),
        (
            {"name": "adagrad"},
            "Adagrad(learning_rate=0.01, initial_accumulator_value=0.0, epsilon=1e-20)",
        ),
        (
            {"name": "adagrad", "lr_decay": 0.01},
            "schedules.InverseTimeDecay(0.01, decay_steps=1, decay_rate=0.01)",
        ),
        ({"name": "adadelta"}, "Adadelta(learning_rate=1.0, rho=0.9, epsilon=1e-06)"),
    ],
)
def test_each_optimizer_gets_the_arguments_that_match_ours(optimizer, expected):
    code = model_code(project("linear", optimizer=optimizer), "keras")
    calls = [node for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Call)]
    assert f"keras.optimizers.{expected}" in [ast.unparse(call) for call in calls]


def test_weight_decay_becomes_an_l2_penalty_of_half_on_kernels_and_biases():
    doc = project("linear", l2=0.01, optimizer={"name": "adam", "weight_decay": 0.002})
    code = model_code(doc, "keras")
    assert "kernel_regularizer=keras.regularizers.L2(0.011)" in code
    assert "bias_regularizer=keras.regularizers.L2(0.001)" in code
    assert "weight_decay=" not in code.replace("# weight_decay", "")


def test_losses_and_targets_use_keras_spelling():
    regression = model_code(project("linear"), "keras")
    assert 'loss="mean_squared_error")' in regression and "metrics" not in regression
    assert 'y = np.asarray(y, dtype="float32").reshape(-1, 2)' in regression
    doc = project("linear")
    doc.network["loss"] = "half_mse"
    assert "loss=half_mse)" in model_code(doc, "keras")
    assert "def half_mse(y_true, y_pred):" in model_code(doc, "keras")


def test_until_stopped_and_no_standardizer_are_written_plainly():
    doc = project("sigmoid")
    doc.standardize = None
    doc.training["epochs"] = 0
    code = model_code(doc, "keras")
    assert "Normalization" not in code and "MEAN" not in code
    assert "EPOCHS = 1000" in code and "until stopped" in code


# ----------------------------------------------------------------- Keras itself, when there
CASES = {
    "binary": dict(output="sigmoid"),
    "multiclass": dict(output="softmax", hidden="relu"),
    "regression": dict(output="linear", hidden="elu"),
    "dropout-l2": dict(output="softmax", hidden="sigmoid", dropout=0.5, l2=0.01),
}


@pytest.mark.parametrize("case", list(CASES))
def test_keras_predict_equals_nnstudio_predict(tmp_path, case, import_script):
    keras()
    doc = project(**CASES[case])
    module = import_script(export(doc, "keras", tmp_path / f"k_{case.replace('-', '_')}.py")[1])
    np.testing.assert_allclose(module.predict(X), session.predict(doc, X), rtol=1e-5, atol=1e-5)


def test_keras_predict_equals_nnstudio_predict_without_a_standardizer(tmp_path, import_script):
    keras()
    doc = project("sigmoid", hidden="leaky_relu")
    doc.standardize = None
    module = import_script(export(doc, "keras", tmp_path / "plain.py")[1])
    np.testing.assert_allclose(module.predict(X), session.predict(doc, X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", list(CASES))
def test_the_generated_train_runs_two_epochs(tmp_path, case, import_script):
    keras()
    doc = project(**CASES[case])
    doc.training.update(batch_size=4, validation_ratio=0.25)
    doc.training["early_stopping"] = {"enabled": True, "patience": 3, "min_delta": 0.0}
    module = import_script(export(doc, "keras", tmp_path / f"t_{case.replace('-', '_')}.py")[1])
    y = {
        "binary": (X[:, 0] > 0).astype(int),
        "multiclass": np.arange(11) % 3,
        "regression": X[:, :2] * 0.5,
        "dropout-l2": np.arange(11) % 3,
    }[case]
    model, history = module.train(X, y, epochs=2)
    assert len(history.history["loss"]) == 2
    assert np.all(np.isfinite(history.history["val_loss"]))
    assert model.predict(X, verbose=0).shape == session.predict(doc, X).shape


OPTIMIZERS = [
    {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
    {"name": "adam", "learning_rate": 0.05},
    {"name": "adam", "learning_rate": 0.05, "amsgrad": True, "weight_decay": 0.1},
    {"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.5, "centered": True},
    {"name": "adagrad", "learning_rate": 0.1, "lr_decay": 0.3, "initial_accumulator_value": 0.1},
    {"name": "adadelta", "learning_rate": 1.0},
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: o["name"])
def test_keras_steps_follow_nnstudio_steps(tmp_path, optimizer, import_script):
    """Three full-batch steps in Keras land where the engine's three steps land.

    One batch per epoch and no validation make a Keras epoch one step on the same mean slope,
    so the arguments the script chose (epsilon, rho, the accumulator, the decay schedule,
    weight decay as L2) are checked against the engine's own optimizer.
    """
    keras()
    doc = project("linear", optimizer=optimizer, l2=0.01)
    doc.training.update(batch_size=len(X), validation_ratio=0.0)
    module = import_script(export(doc, "keras", tmp_path / f"s_{optimizer['name']}.py")[1])
    y = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2] / 9])
    model, _ = module.train(X, y, epochs=3)

    net = Network.from_spec(normalize_spec(doc.network))
    net.set_weights([w.copy() for w in doc.weights])
    Xs = session.standardize_inputs(doc, X)
    for _ in range(3):
        net.train_step(Xs, y)
    dense = [layer for layer in model.layers if isinstance(layer, module.layers.Dense)]
    got = [np.asarray(w) for layer in dense for w in layer.get_weights()]
    before = [np.abs(w) for w in doc.weights]
    for g, want, w0 in zip(got, net.get_weights(), before, strict=True):
        # float32 against float64; moved weights must have moved the same way
        np.testing.assert_allclose(g, want, rtol=2e-4, atol=2e-4 * (1 + w0.max()))


def test_the_command_line_exports_keras(tmp_path, capsys):
    doc = example("iris")
    live.train(doc, epochs=3)
    save_project(doc, tmp_path / "iris.nnstudio")
    target = tmp_path / "iris_keras.py"
    code = main(["export", str(tmp_path / "iris.nnstudio"), "--format", "keras", "-o", str(target)])
    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {tmp_path / 'iris_keras.safetensors'}",
        f"wrote {target}",
        f"wrote {tmp_path / 'iris_keras.py.README.txt'}",
    ]
    assert "from iris_keras import load, predict, train" in (
        tmp_path / "iris_keras.py.README.txt"
    ).read_text(encoding="utf-8")
    assert model_code(load_project(tmp_path / "iris.nnstudio"), "keras") in target.read_text(
        encoding="utf-8"
    )
