"""Built-in example projects, each a ``Document`` that trains to a good result as it is.

Every example pairs a data set with a small network and training settings chosen so that the
default run (its ``training["epochs"]``) reaches a decent score in seconds: a first success
for the student to take apart. ``examples()`` lists them; ``example(name)`` builds one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.data import from_reference, reference_for
from nnstudio.document import Document


@dataclass(frozen=True)
class _Example:
    name: str
    title: str
    description: str
    data: dict[str, Any]  # arguments of nnstudio.data.reference_for
    hidden: tuple[tuple[int, str], ...]  # (units, activation) of each hidden layer
    output: tuple[int, str, str]  # (units, activation, loss)
    optimizer: dict[str, Any]
    training: dict[str, Any]


def _binary(name: str, title: str, description: str, hidden, lr: float, epochs: int, **data):
    return _Example(
        name,
        title,
        description,
        {"name": name, **data},
        hidden,
        (1, "sigmoid", "binary_crossentropy"),
        {"name": "adam", "learning_rate": lr},
        {"epochs": epochs, "batch_size": 10},
    )


_EXAMPLES = (
    _binary(
        "xor",
        "Exclusive or",
        "Two inputs, two classes in opposite corners: no straight line separates them, "
        "one hidden layer does.",
        ((8, "tanh"),),
        lr=0.01,
        epochs=200,
        noise=0.0,
    ),
    _binary(
        "spiral",
        "Spiral",
        "Two interleaved spirals: the hardest of the classics, it needs two hidden layers.",
        ((16, "tanh"), (16, "tanh")),
        lr=0.01,
        epochs=400,
        noise=0.0,
    ),
    _binary(
        "circle",
        "Circle",
        "A blue disc inside an orange ring: a curved boundary from a few tanh neurons.",
        ((4, "tanh"),),
        lr=0.01,
        epochs=150,
    ),
    _binary(
        "gauss",
        "Gaussian clusters",
        "Two clouds of points: a single neuron (logistic regression) already separates them.",
        (),
        lr=0.01,
        epochs=50,
    ),
    _binary(
        "moons",
        "Moons",
        "Two interleaving half circles: a bent boundary.",
        ((8, "tanh"),),
        lr=0.01,
        epochs=200,
        noise=0.1,
    ),
    _binary(
        "pass_class",
        "Will I pass the class?",
        "The course's two-feature problem (lectures attended, project hours): one neuron, "
        "one straight boundary.",
        (),
        lr=0.05,
        epochs=100,
    ),
    _Example(
        "sine",
        "Sine wave",
        "Regression: learn y = sin(x) from noisy samples with one hidden layer.",
        {"name": "sine", "noise": 0.1},
        ((16, "tanh"),),
        (1, "linear", "mse"),
        {"name": "adam", "learning_rate": 0.01},
        {"epochs": 300, "batch_size": 10},
    ),
    _Example(
        "course_line",
        "Line through two points",
        "The course's worked example: fit y = m x + b through (1, 3) and (2, 5) with one linear "
        "neuron and plain gradient descent (learning rate 0.1, m = -1 and b = 5 to start).",
        {"name": "course_line"},
        (),
        (1, "linear", "mse"),
        {"name": "sgd", "learning_rate": 0.1},
        {"epochs": 500, "batch_size": 2, "validation_ratio": 0.0, "standardize": False},
    ),
    _Example(
        "iris",
        "Iris flowers",
        "Three species from four measurements: softmax output and categorical cross-entropy.",
        {"name": "iris"},
        ((8, "relu"),),
        (3, "softmax", "categorical_crossentropy"),
        {"name": "adam", "learning_rate": 0.01},
        {"epochs": 150, "batch_size": 10},
    ),
    _Example(
        "digits",
        "Handwritten digits (8x8)",
        "Ten classes from 64 pixels: a small MNIST, trained in seconds.",
        {"name": "digits"},
        ((32, "relu"),),
        (10, "softmax", "categorical_crossentropy"),
        {"name": "adam", "learning_rate": 0.003},
        {"epochs": 30, "batch_size": 32},
    ),
)
_BY_NAME = {e.name: e for e in _EXAMPLES}


def examples() -> list[tuple[str, str, str]]:
    """``(name, title, description)`` of every example, in the order a menu shows them."""
    return [(e.name, e.title, e.description) for e in _EXAMPLES]


def example(name: str) -> Document:
    """A new, untrained ``Document`` for the example ``name``."""
    if name not in _BY_NAME:
        raise ValueError(f"unknown example {name!r}; known: {', '.join(_BY_NAME)}")
    e = _BY_NAME[name]
    data = reference_for(**e.data)
    n_inputs = from_reference(data).n_features  # a few milliseconds, even for digits
    units, activation, loss = e.output
    layers = [{"units": u, "activation": a} for u, a in e.hidden]
    layers.append({"units": units, "activation": activation})
    network = {
        "inputs": n_inputs,
        "layers": layers,
        "loss": loss,
        "optimizer": dict(e.optimizer),
        "seed": 0,
    }
    doc = Document(network=network, training=copy.deepcopy(e.training), data=data)
    if name == "course_line":
        doc.weights = _course_line_start()
    return doc


def _course_line_start() -> list[np.ndarray]:
    """The slides' starting line y = -1 x + 5 (W is (1, 1), b is (1,))."""
    return [np.array([[-1.0]]), np.array([5.0])]
