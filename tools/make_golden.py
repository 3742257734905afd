"""Write the reference libraries' answers to ``tests/golden/`` so CI checks parity without them.

    pip install torch==2.13.0 scikit-learn     # the CPU wheel; never a bare ``torch``
    python tools/make_golden.py

What it writes (small, no pickle; the always-on tests compare against it to 1e-10):

- ``torch_optim.safetensors``: for every optimizer configuration in
  ``tests/engine/test_engine_optimizers.py``, the 50-step trajectory of the flat parameter
  vector under ``torch.optim`` (float64), plus the network's starting weights.
- ``torch_defaults.json``: torch.optim's default hyper-parameters, read from the signatures.
- ``datasets.json``: scikit-learn's copies of the built-in data sets: shapes, class and
  feature names, and SHA-256 checksums of the values (little-endian float64 / int64).
- ``torch_export.json``: what the exported PyTorch script's model computes (in float64) for
  each export case of ``tests/io/test_io_export.py``.

The cases themselves are read from those test modules, so the script and the tests cannot
disagree about what was computed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
OPTIMIZER_CLASSES = {
    "sgd": "SGD",
    "adam": "Adam",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adadelta": "Adadelta",
}
BUILTIN = {
    "iris": "load_iris",
    "wine": "load_wine",
    "breast_cancer": "load_breast_cancer",
    "digits": "load_digits",
}


def test_module(relative: str):
    """Import a test module by path (the tests are not a package)."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def checksum(values: np.ndarray, dtype: str) -> str:
    """SHA-256 of the values as C-ordered little-endian bytes: the same on every machine."""
    return hashlib.sha256(np.ascontiguousarray(values, dtype=dtype).tobytes()).hexdigest()


def write_json(name: str, data: dict) -> None:
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    (GOLDEN / name).write_text(text, encoding="utf-8")
    print(f"wrote tests/golden/{name} ({len(text):,} bytes)")


def write_safetensors(name: str, tensors: dict[str, np.ndarray], metadata: dict) -> None:
    from safetensors.numpy import save_file

    path = GOLDEN / name
    save_file(tensors, str(path), metadata=metadata)
    path.chmod(0o644)
    print(f"wrote tests/golden/{name} ({path.stat().st_size:,} bytes)")


def torch_optim(torch) -> dict[str, np.ndarray]:
    """Each configuration's trajectory (steps x parameters) and the shared starting point."""
    from nnstudio.engine import Network

    cases = test_module("tests/engine/test_engine_optimizers.py")
    tensors, initial = {}, None
    for config, case_id in zip(cases.CONFIGS, cases.IDS, strict=True):
        net = Network.from_spec({**cases.NET_SPEC, "optimizer": config})
        start = net.params.copy()
        assert initial is None or np.array_equal(start, initial)
        initial = start
        tensors[case_id] = cases.torch_trajectory(torch, config, net)
    tensors["initial"] = initial
    return tensors


def torch_defaults(torch) -> dict[str, dict]:
    """torch.optim's default hyper-parameters by optimizer (``lr`` named ``learning_rate``)."""
    defaults = {}
    for name, cls_name in OPTIMIZER_CLASSES.items():
        params = inspect.signature(getattr(torch.optim, cls_name).__init__).parameters
        values = {}
        for key, p in params.items():
            if key in ("self", "params") or not isinstance(p.default, int | float | tuple):
                continue
            if key in ("foreach", "maximize", "capturable", "differentiable", "fused"):
                continue  # implementation switches, not hyper-parameters
            value = list(p.default) if isinstance(p.default, tuple) else p.default
            values["learning_rate" if key == "lr" else key] = value
        defaults[name] = values
    return defaults


def datasets() -> dict[str, dict]:
    """scikit-learn's copy of each built-in data set, described by shape, names and checksums."""
    from sklearn import datasets as sk

    out = {}
    for name, loader in BUILTIN.items():
        ref = getattr(sk, loader)()
        out[name] = {
            "shape": list(ref.data.shape),
            "class_names": [str(c) for c in ref.target_names],
            "class_counts": np.bincount(ref.target).tolist(),
            "X_sha256": checksum(ref.data, "<f8"),
            "y_sha256": checksum(ref.target, "<i8"),
        }
    return out


def torch_export(torch) -> dict[str, dict]:
    """The exported PyTorch model's outputs (float64) on the export tests' inputs, by case."""
    from safetensors.torch import load_file

    from nnstudio.io import export

    cases = test_module("tests/io/test_io_export.py")
    scripts = test_module("tests/conftest.py")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for (hidden, output, bias), case_id in zip(cases.CASES, cases.IDS, strict=True):
            doc = cases.make_doc(hidden, output, bias=bias)
            path = Path(tmp) / f"golden_{case_id.replace('-', '_')}.py"
            written = export(doc, "pytorch", path)
            module = scripts.import_script(written[1])
            model = module.Model().double()
            tensors = {k: v.double() for k, v in load_file(str(written[0])).items()}
            model.load_state_dict(tensors, strict=True)
            with torch.no_grad():
                outputs = model.eval()(torch.tensor(cases.X, dtype=torch.float64)).numpy()
            out[case_id] = {
                "weights_sha256": checksum(np.concatenate([w.ravel() for w in doc.weights]), "<f8"),
                "outputs": outputs.tolist(),
            }
    return {"X_sha256": checksum(cases.X, "<f8"), "cases": out}


def main() -> None:
    import sklearn
    import torch

    sys.path.insert(0, str(ROOT))
    version = {"torch": torch.__version__}
    write_safetensors("torch_optim.safetensors", torch_optim(torch), version)
    write_json("torch_defaults.json", {**version, "defaults": torch_defaults(torch)})
    write_json("torch_export.json", {**version, **torch_export(torch)})
    write_json("datasets.json", {"scikit-learn": sklearn.__version__, "datasets": datasets()})


if __name__ == "__main__":
    main()
