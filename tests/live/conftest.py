"""Shared by the tests of the Qt-free training worker and process."""

import numpy as np
import pytest


def xor_job(**settings):
    rng = np.random.default_rng(1)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], float)
    X = np.repeat(corners, 50, axis=0) + rng.normal(0, 0.15, (200, 2))
    y = np.repeat([0, 1, 1, 0], 50)
    spec = {
        "inputs": 2,
        "layers": [{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
        "loss": "binary_crossentropy",
        "optimizer": {"name": "adam", "learning_rate": 0.03},
        "seed": 3,
    }
    return {
        "spec": spec,
        "weights": None,
        "X_train": X,
        "y_train": y,
        "X_val": X[::10],
        "y_val": y[::10],
        "settings": {"batch_size": 10, "epochs": 0, **settings},
        "view": {"task": "binary", "classes": 2, "features": [0, 1], "grid": 30},
    }


@pytest.fixture(name="xor_job")
def xor_job_fixture():
    """The job factory: ``xor_job(epochs=2)``."""
    return xor_job
