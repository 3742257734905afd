"""One registry of every named data set, and the project file's references to data.

Entries are built from the loader functions themselves: the name is the function's name, the
description its docstring's first line and the accepted parameters its signature, so adding a
data set means writing one function and one line here.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnstudio.data import builtin, synthetic
from nnstudio.data.csv import CsvImport, import_csv
from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError
from nnstudio.data.idx import load_mnist_folder
from nnstudio.data.limits import MAX_SEED, MAX_SYNTHETIC_SAMPLES, regular_file

KINDS = ("synthetic", "course", "builtin")


@dataclass(frozen=True)
class DatasetInfo:
    """What a data set chooser shows about one named data set."""

    name: str
    title: str
    kind: str  # "synthetic" | "course" | "builtin"
    task: str  # "binary" | "multiclass" | "regression"
    description: str
    parameters: tuple[str, ...]  # which of n_samples, noise, seed its loader takes


@dataclass(frozen=True)
class _Entry:
    info: DatasetInfo
    build: Callable[..., Dataset]


def _entry(build: Callable[..., Dataset], title: str, kind: str, task: str) -> _Entry:
    description = (build.__doc__ or "").strip().splitlines()[0]
    parameters = tuple(inspect.signature(build).parameters)
    return _Entry(DatasetInfo(build.__name__, title, kind, task, description, parameters), build)


_ENTRIES = (
    _entry(synthetic.circle, "Circle", "synthetic", "binary"),
    _entry(synthetic.xor, "Exclusive or", "synthetic", "binary"),
    _entry(synthetic.gauss, "Gaussian clusters", "synthetic", "binary"),
    _entry(synthetic.spiral, "Spiral", "synthetic", "binary"),
    _entry(synthetic.moons, "Moons", "synthetic", "binary"),
    _entry(synthetic.plane, "Plane", "synthetic", "regression"),
    _entry(synthetic.sine, "Sine wave", "synthetic", "regression"),
    _entry(synthetic.course_line, "Line through two points", "course", "regression"),
    _entry(synthetic.pass_class, "Will I pass the class?", "course", "binary"),
    _entry(builtin.iris, "Iris flowers", "builtin", "multiclass"),
    _entry(builtin.wine, "Wine cultivars", "builtin", "multiclass"),
    _entry(builtin.breast_cancer, "Breast cancer diagnosis", "builtin", "binary"),
    _entry(builtin.digits, "Handwritten digits (8x8)", "builtin", "multiclass"),
)
_REGISTRY = {entry.info.name: entry for entry in _ENTRIES}


def available() -> list[DatasetInfo]:
    """Every named data set, in the order a chooser should list them."""
    return [entry.info for entry in _ENTRIES]


def load(
    name: str, *, n_samples: int | None = None, noise: float | None = None, seed: int = 0
) -> Dataset:
    """Build the named data set. ``n_samples`` and ``noise`` default to the set's own defaults.

    Giving ``n_samples`` or ``noise`` to a set that has no such knob (a real data set, say) is
    an error rather than silently ignored; ``seed`` is passed only to sets that use one.
    """
    entry = _lookup(name)
    return entry.build(**_arguments(entry, n_samples=n_samples, noise=noise, seed=seed))


def reference_for(
    name: str, *, n_samples: int | None = None, noise: float | None = None, seed: int = 0
) -> dict[str, Any]:
    """The project file's description of a named data set, every parameter spelled out.

    Defaults are written down too, so a project reloads the same points even if a default
    changes in a later version.
    """
    entry = _lookup(name)
    defaults = {p.name: p.default for p in inspect.signature(entry.build).parameters.values()}
    chosen = defaults | _arguments(entry, n_samples=n_samples, noise=noise, seed=seed)
    return {"source": entry.info.kind, "name": name, **chosen}


class OutsidePathError(DataError):
    """A project file's data reference points outside the project's folder.

    Raised before anything is opened; the window asks the student, the command line needs
    ``--allow-outside-paths``. ``path`` is where the reference points.
    """

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def from_reference(
    ref: Mapping[str, Any],
    *,
    base_dir: str | Path | None = None,
    allow_outside: bool = True,
) -> Dataset:
    """Load the data set a project file refers to.

    Named sets: ``{"source": "synthetic", "name": "xor", "n_samples": 500, "noise": 0.1,
    "seed": 0}`` or ``{"source": "builtin", "name": "iris"}``. Files: ``{"source": "csv",
    "path": ..., "label": ..., ...}`` (the keyword arguments of :func:`import_csv`) or
    ``{"source": "mnist", "folder": ..., "kind": "train"}``. Relative paths are taken from
    ``base_dir`` (the project file's folder) when given. With ``allow_outside=False`` (a
    reference read from a project file) an absolute path or one with ``..`` raises
    :class:`OutsidePathError` before anything is opened. Only regular files are read.
    """
    check_reference(ref)
    source = ref["source"]
    if source in _FILE_SOURCES:
        return _from_file_reference(source, ref, base_dir, allow_outside)
    params = {k: v for k, v in ref.items() if k not in ("source", "name")}
    return _REGISTRY[ref["name"]].build(**params)


def check_reference(ref: Any) -> None:
    """Check a data reference's form (source, name, keys, kinds and ranges) without loading.

    A project file's reference is checked so when the file is opened; loading the data (which
    may find a missing file) comes later.
    """
    if not isinstance(ref, Mapping):
        raise DataError(f"a data reference must be a mapping, got {type(ref).__name__}")
    source = ref.get("source")
    if source in _FILE_SOURCES:
        location_key, loader = _FILE_SOURCES[source]
        params = {k: v for k, v in ref.items() if k != "source"}
        # A loader's progress callback is for the window, never something a file can set.
        allowed = tuple(p for p in inspect.signature(loader).parameters if p != "progress")
        _reject_unknown(params, allowed, f"a {source} file")
        if not isinstance(params.get(location_key), str):
            raise DataError(f'a {source} data reference needs "{location_key}": a file path')
        return
    if source not in KINDS:
        known = ", ".join(f'"{s}"' for s in (*KINDS, *_FILE_SOURCES))
        raise DataError(f"data reference has source {source!r}; expected one of {known}")
    entry = _lookup(ref.get("name"))
    if entry.info.kind != source:
        raise DataError(f'"{entry.info.name}" is a {entry.info.kind} data set, not {source}')
    params = {k: v for k, v in ref.items() if k not in ("source", "name")}
    _reject_unknown(params, entry.info.parameters, f'data set "{entry.info.name}"')
    for key, value in params.items():
        _check_parameter(key, value)


# ------------------------------------------------------------------------------ helpers
def _lookup(name: object) -> _Entry:
    entry = _REGISTRY.get(name) if isinstance(name, str) else None
    if entry is None:
        raise DataError(f"unknown data set {name!r}; known data sets: {', '.join(_REGISTRY)}")
    return entry


def _arguments(entry: _Entry, **given: Any) -> dict[str, Any]:
    """The given arguments the entry takes; an explicit one it does not take is an error."""
    seed = given.pop("seed")
    refused = [k for k, v in given.items() if v is not None and k not in entry.info.parameters]
    if refused:
        raise DataError(f'data set "{entry.info.name}" takes no {" or ".join(refused)}')
    args = {k: v for k, v in given.items() if v is not None}
    if "seed" in entry.info.parameters:
        args["seed"] = seed
    for key, value in args.items():
        _check_parameter(key, value)
    return args


_WHOLE_RANGES = {"n_samples": (2, MAX_SYNTHETIC_SAMPLES), "seed": (0, MAX_SEED)}
MAX_NOISE = 0.5


def _check_parameter(key: str, value: object) -> None:
    """Types and ranges, checked before a generator sees them (a seed of 10**40, 1e9 points)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if key in _WHOLE_RANGES:
        low, high = _WHOLE_RANGES[key]
        if not (number and isinstance(value, int)):
            raise DataError(f"{key} must be a whole number, got {value!r}")
        if not low <= value <= high:
            raise DataError(f"{key} must be from {low} to {high:,}, got {value}")
    elif not (number and math.isfinite(value)):
        raise DataError(f"{key} must be a finite number, got {value!r}")
    elif key == "noise" and not 0 <= value <= MAX_NOISE:
        raise DataError(f"noise must be from 0 to {MAX_NOISE}, got {value}")


def _reject_unknown(keys: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(keys) - set(allowed))
    if unknown:
        accepted = ", ".join(allowed) or "no parameters"
        raise DataError(
            f"unknown key(s) in the reference to {what}: {', '.join(unknown)} (it takes {accepted})"
        )


_FILE_SOURCES: dict[str, tuple[str, Callable[..., Dataset | CsvImport]]] = {
    "csv": ("path", import_csv),
    "mnist": ("folder", load_mnist_folder),
}


def _from_file_reference(
    source: str, ref: Mapping[str, Any], base_dir: str | Path | None, allow_outside: bool
) -> Dataset:
    location_key, loader = _FILE_SOURCES[source]
    params = {k: v for k, v in ref.items() if k != "source"}
    location = reference_location(params.pop(location_key), base_dir, allow_outside)
    if source == "csv":
        regular_file(location)
    elif not location.is_dir():
        raise DataError(f"{location.name}: not a folder")
    loaded = loader(location, **params)
    return loaded.dataset if isinstance(loaded, CsvImport) else loaded


def outside_location(ref: Any, base_dir: str | Path) -> Path | None:
    """Where a file reference points when that is outside ``base_dir`` (else None).

    For asking before such a reference is followed (the window) or refusing it (the CLI).
    """
    if not isinstance(ref, Mapping) or ref.get("source") not in _FILE_SOURCES:
        return None
    location = ref.get(_FILE_SOURCES[ref["source"]][0])
    if not isinstance(location, str):
        return None
    try:
        reference_location(location, base_dir, allow_outside=False)
    except OutsidePathError as exc:
        return exc.path
    except DataError:
        return None
    return None


def reference_location(text: str, base_dir: str | Path | None, allow_outside: bool = True) -> Path:
    """Where a reference's path points: relative paths from ``base_dir``.

    Unless ``allow_outside``, only a plain relative path inside ``base_dir`` is accepted
    (judged on the text, before anything on disk is touched).
    """
    if "\x00" in text:
        raise DataError("a data path cannot contain a NUL character")
    location = Path(text)
    outside = location.is_absolute() or bool(location.drive) or ".." in location.parts
    target = location if base_dir is None or location.is_absolute() else Path(base_dir) / location
    if outside and not allow_outside:
        raise OutsidePathError(
            f"the data path {text!r} is outside the project's folder; a project file may only "
            "refer to files in its own folder",
            target,
        )
    return target
