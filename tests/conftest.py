"""Suite-wide settings: Qt runs headless in every test."""

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

from nnstudio.document import normalize_training
from nnstudio.engine import normalize_spec
from nnstudio.live.job import Job

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def xor_job(grid: int = 30, **settings):
    """A small noisy XOR training job (``nnstudio.live.Job``), untrained."""
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
    return Job(
        spec=normalize_spec(spec),
        settings=normalize_training({"batch_size": 10, "epochs": 0, **settings}),
        X_train=X,
        y_train=y,
        X_val=X[::10],
        y_val=y[::10],
        view={"task": "binary", "classes": 2, "features": [0, 1], "grid": grid},
    )


@pytest.fixture(name="xor_job")
def xor_job_fixture():
    """The job factory: ``xor_job(epochs=2)``."""
    return xor_job


def import_script(path):
    """Import a generated script (an export) as a module, without leaving it in sys.modules."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[path.stem]
    return module


@pytest.fixture(name="import_script")
def import_script_fixture():
    """``import_script(path)``: a generated script as a module."""
    return import_script


GOLDEN = Path(__file__).parent / "golden"


def read_golden(name: str):
    """A committed reference file from ``tests/golden/`` (written by ``tools/make_golden.py``)."""
    path = GOLDEN / name
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    from safetensors.numpy import load_file

    return load_file(str(path))


@pytest.fixture(name="golden")
def golden_fixture():
    """``golden("datasets.json")``: the reference libraries' committed answers."""
    return read_golden


@pytest.fixture(name="golden_tool")
def golden_tool_fixture():
    """``tools/make_golden.py`` as a module, so a live-library test recomputes what it wrote."""
    path = Path(__file__).parents[1] / "tools" / "make_golden.py"
    spec = importlib.util.spec_from_file_location("make_golden", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
