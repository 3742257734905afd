"""The NumPy training engine: networks, losses, optimizers and the training loop.

Pure NumPy: never imports Qt and never reads files, so it can be tested, scripted and run in
the window's training process or on the command line alike. ``reference`` is the same maths
written plainly, to read and to check ``Network`` against.
"""

from nnstudio.engine.callbacks import (
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    NanGuard,
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
    "check_gradients",
    "evaluate",
    "fit",
    "normalize_spec",
    "numeric_gradients",
]
