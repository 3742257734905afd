"""The NumPy training engine: networks, losses, optimizers and the training loop.

Pure NumPy: never imports Qt and never reads files, so it can be tested, scripted and run in a
worker thread without the GUI.
"""

from nnstudio.engine.callbacks import (
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    NanGuard,
    Throttle,
)
from nnstudio.engine.gradcheck import check_gradients, numeric_gradients
from nnstudio.engine.network import Network
from nnstudio.engine.spec import normalize_spec
from nnstudio.engine.training import evaluate, fit

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "NanGuard",
    "Network",
    "Throttle",
    "check_gradients",
    "evaluate",
    "fit",
    "normalize_spec",
    "numeric_gradients",
]
