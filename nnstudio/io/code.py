"""Code for the current network, in the three languages a student meets next.

One function per language writes the model definition (``keras_model``, ``pytorch_model``,
``numpy_model``); the window's code view shows that text and the script exports embed it
unchanged, so what a student copies from the window is what the exported file runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnstudio.document import Document
from nnstudio.engine import normalize_spec
from nnstudio.io.keras_model import keras_model, keras_summary
from nnstudio.io.keras_script import keras_script
from nnstudio.io.scripts import numpy_model, numpy_script, pytorch_model, pytorch_script

#: language -> the name a tab or menu shows for it
LANGUAGES = {"keras": "Keras", "pytorch": "PyTorch", "numpy": "NumPy"}

_MODELS: dict[str, Callable[[Document, dict[str, Any]], str]] = {
    "keras": lambda doc, spec: keras_model(spec, doc.standardize, doc.training),
    "pytorch": lambda doc, spec: pytorch_model(spec, doc.standardize),
    "numpy": lambda doc, spec: numpy_model(spec, doc.standardize),
}
_SCRIPTS: dict[str, Callable[[Document, dict[str, Any], str, str], str]] = {
    "keras": lambda doc, spec, m, w: keras_script(spec, doc.standardize, doc.training, m, w),
    "pytorch": lambda doc, spec, m, w: pytorch_script(spec, doc.standardize, m, w),
    "numpy": lambda doc, spec, m, w: numpy_script(spec, doc.standardize, m, w),
}


def _check(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")


def model_code(doc: Document, language: str) -> str:
    """The model definition of ``doc``'s network; ``ValueError`` if the network is not valid."""
    _check(language)
    return _MODELS[language](doc, normalize_spec(doc.network))


def script_code(doc: Document, language: str, module: str, weights: str) -> str:
    """A whole script module around :func:`model_code`, reading ``weights`` beside it."""
    _check(language)
    return _SCRIPTS[language](doc, normalize_spec(doc.network), module, weights)


def keras_names(doc: Document) -> str:
    """Keras' spelling of the loss and optimizer, and what model.fit's arguments are here."""
    return keras_summary(normalize_spec(doc.network), doc.training)
