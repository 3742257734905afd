"""``.nnstudio`` project files: a zip archive holding one ``Document``.

Members:

- ``project.json``: ``{"format": "nnstudio-project", "format_version": 1, "network": <full spec>,
  "training": {...}, "data": <data reference>, "standardize": {"mean", "scale"} or null,
  "auto_output": bool, "embedded": <names of embedded data> or null, "summary": {...}}``.
  ``summary`` (parameter count, epochs trained, last metrics) is written for a quick look and
  ignored when loading.
- ``weights.safetensors``: when the network has weights; tensors ``layers.{i}.weight`` (out, in)
  and ``layers.{i}.bias`` (see ``nnstudio.io.weights``), in the document's dtype.
- ``history.json``: the loss and metric curves, ``{"loss": [...], ...}`` (null for a non-finite
  value, since JSON has no NaN).
- ``data.safetensors``: ``X`` and ``y`` when the data was imported from a file.
- ``state.safetensors``: the optimizer's state vectors (one tensor each, in the order of the
  flat parameter vector), when the network has been trained; the rest of the training state
  is ``project.json``'s ``"state"``: ``{"steps", "optimizer": {"name", "t"}, "shuffle_rng",
  "dropout_rng", "position"}`` (see ``Network.get_state``). With it, training a reopened
  project goes on exactly as if it had never stopped.

Format 2 added ``state`` (format 1 files are read: they continue with fresh optimizer state).

Loading treats the file as untrusted (``nnstudio.io.untrusted``), checks everything and builds
the ``Document`` only at the end, so a bad file raises one ``ProjectError`` and nothing is
half-loaded. Saving is atomic (``nnstudio.io.atomic``).
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.data import DataError, Standardizer
from nnstudio.data import embedded as emb
from nnstudio.data.catalog import check_reference
from nnstudio.data.limits import MAX_CELLS, MAX_ROWS, check_table
from nnstudio.document import DEFAULT_TRAINING, Document, normalize_training
from nnstudio.engine import Network, normalize_spec
from nnstudio.engine.spec import MAX_PARAMETERS
from nnstudio.io import weights as wts
from nnstudio.io.atomic import write_bytes
from nnstudio.io.errors import ProjectError
from nnstudio.io.untrusted import MAX_JSON_BYTES, SafeZip, dump_json, finite_or_none, parse_json

FORMAT = "nnstudio-project"
FORMAT_VERSION = 2
PROJECT_JSON = "project.json"
WEIGHTS = "weights.safetensors"
HISTORY = "history.json"
DATA = "data.safetensors"
STATE = "state.safetensors"
MAX_HISTORY_EPOCHS = 1_000_000  # per curve; a save keeps the most recent ones
MAX_HISTORY_CURVES = 8
MAX_HISTORY_VALUES = 4 * MAX_HISTORY_EPOCHS  # loss, val_loss, accuracy, val_accuracy
_SAFETENSORS_OVERHEAD = 8 + wts.MAX_HEADER_BYTES
#: Optimizer state vectors a project may hold (Adam keeps three).
MAX_STATE_VECTORS = 3
#: The most bytes each member may expand to: what the limits on networks (parameters) and data
#: (values) allow, so an under-ratio "bomb" is refused by its declared size before it is read.
MEMBER_LIMITS = {
    PROJECT_JSON: MAX_JSON_BYTES,
    WEIGHTS: _SAFETENSORS_OVERHEAD + 8 * MAX_PARAMETERS,
    HISTORY: MAX_JSON_BYTES,
    DATA: _SAFETENSORS_OVERHEAD + 8 * (MAX_CELLS + MAX_ROWS),
    STATE: _SAFETENSORS_OVERHEAD + 8 * MAX_STATE_VECTORS * MAX_PARAMETERS,
}
TOP_KEYS = (
    "format",
    "format_version",
    "network",
    "training",
    "data",
    "standardize",
    "auto_output",
    "embedded",
    "state",
    "summary",
)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Deflate level for arrays: level 1 packs 113 MB of image data in 0.8 s against 3.8 s for the
#: default level 6, for files about 15 % larger (JSON members keep the default).
ARRAY_LEVEL = 1  # fixed, so the same document always gives the same bytes


def _from_format_1(manifest: dict[str, Any]) -> dict[str, Any]:
    """Format 1 had no training state and kept unknown training keys: drop those."""
    training = manifest.get("training")
    if isinstance(training, dict):
        manifest["training"] = {k: v for k, v in training.items() if k in DEFAULT_TRAINING}
        es = training.get("early_stopping")
        if isinstance(es, dict):
            known = DEFAULT_TRAINING["early_stopping"]
            manifest["training"]["early_stopping"] = {k: v for k, v in es.items() if k in known}
    manifest["state"] = None
    return manifest


#: ``MIGRATIONS[k]`` turns the ``project.json`` of format k into format k + 1. Loading applies
#: them in turn, so a file of any older format reaches the current one.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_format_1}


# ---------------------------------------------------------------------------------- saving
def save_project(
    doc: Document, path: str | os.PathLike[str], like: str | os.PathLike[str] | None = None
) -> Path:
    """Write ``doc`` to ``path`` atomically: the old file survives any failure intact.

    The file keeps its permissions, or takes those of ``like`` (a recovery copy, its project's).
    """
    return write_bytes(path, project_bytes(doc), like)


def project_bytes(doc: Document) -> bytes:
    """The complete ``.nnstudio`` file for ``doc``, in memory."""
    try:
        spec = normalize_spec(doc.network)
    except ValueError as exc:
        raise ProjectError(f"cannot save: the network is not valid ({exc})") from None
    members: dict[str, bytes] = {PROJECT_JSON: dump_json(_manifest(doc, spec))}
    if doc.weights is not None:
        tensors = wts.to_tensors(spec, doc.weights)
        members[WEIGHTS] = wts.encode(tensors, wts.metadata_for(spec, doc.standardize))
    if doc.history:
        history = {
            k: [finite_or_none(float(v)) for v in vs[-MAX_HISTORY_EPOCHS:]]
            for k, vs in doc.history.items()
        }
        members[HISTORY] = dump_json(history)
    if doc.embedded is not None:
        arrays = {"X": doc.embedded["X"], "y": doc.embedded["y"]}
        members[DATA] = wts.encode({k: np.ascontiguousarray(v) for k, v in arrays.items()})
    if doc.state is not None:
        vectors = doc.state["optimizer"]["vectors"]
        members[STATE] = wts.encode({k: np.ascontiguousarray(v) for k, v in vectors.items()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            level = ARRAY_LEVEL if name.endswith(".safetensors") else None
            zf.writestr(zipfile.ZipInfo(name, _ZIP_DATE), data, zipfile.ZIP_DEFLATED, level)
    return buffer.getvalue()


def _manifest(doc: Document, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "network": spec,
        "training": doc.training,
        "data": doc.data,
        "standardize": doc.standardize,
        "auto_output": doc.auto_output,
        "embedded": None if doc.embedded is None else emb.names_of(doc.embedded),
        "state": _state_manifest(doc.state),
        "summary": summary(doc, spec),
    }


def _state_manifest(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """The JSON part of the training state (the optimizer's vectors go to ``STATE``)."""
    if state is None:
        return None
    optimizer = state["optimizer"]
    return {
        "steps": state["steps"],
        "optimizer": {"name": optimizer["name"], "t": optimizer["t"]},
        "shuffle_rng": state["shuffle_rng"],
        "dropout_rng": state["dropout_rng"],
        "position": state["position"],
    }


def parameter_count(spec: dict[str, Any]) -> int:
    """Number of weights and biases in the network ``spec`` describes."""
    return sum(math.prod(shape) for shape in wts.expected_shapes(spec).values())


def summary(doc: Document, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """A few facts for ``nnstudio info``: parameters, epochs trained, last metric values."""
    spec = spec or normalize_spec(doc.network)
    last = {k: finite_or_none(float(v[-1])) for k, v in doc.history.items() if len(v)}
    return {
        "parameters": parameter_count(spec),
        "epochs_trained": doc.epochs,
        "steps": doc.progress.steps,
        "trained": doc.weights is not None,
        "metrics": last,
    }


# --------------------------------------------------------------------------------- loading
def load_project(path: str | os.PathLike[str]) -> Document:
    """Read a ``.nnstudio`` file; any problem raises ``ProjectError`` naming file and member.

    Every value is checked where it is read. Should a check still be missing, the exception it
    lets through (a TypeError from a value of the wrong kind, say) is reported as this file's
    error too: whatever goes wrong while reading a file is that file's problem, never a crash.
    """
    path = Path(path)
    try:
        return _load(path)
    except ProjectError:
        raise
    except DataError as exc:
        raise ProjectError(f"{path.name}: {exc}") from None
    except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as exc:
        raise ProjectError(f"{path.name}: cannot be read ({type(exc).__name__}: {exc})") from None
    except RecursionError:
        raise ProjectError(f"{path.name}: cannot be read (nested too deeply)") from None


def _load(path: Path) -> Document:
    with SafeZip(path, MEMBER_LIMITS) as zf:
        if PROJECT_JSON not in zf.members:
            raise zf.error(f"{PROJECT_JSON} is missing; this is not an nnstudio project")
        where = f"{zf.name}: {PROJECT_JSON}"
        manifest = _migrated(parse_json(zf.read(PROJECT_JSON), where), where)
        spec = _network(manifest, where)
        embedded_names = _embedded_names(manifest, where)
        fields = {
            "network": spec,
            "training": _training(manifest.get("training"), where),
            "data": _data_reference(manifest.get("data"), where),
            "standardize": _standardize(manifest.get("standardize"), spec, where),
            "auto_output": _auto_output(manifest.get("auto_output", True), where),
            "weights": None,
            "history": {},
            "embedded": None,
            "state": None,
        }
        if WEIGHTS in zf.members:
            where_w = f"{zf.name}: {WEIGHTS}"
            with zf.stream(WEIGHTS) as stream:
                check = wts.expect_shapes(spec, where_w)
                tensors = wts.decode_stream(stream, where_w, check=check).tensors
            fields["weights"] = wts.from_tensors(spec, tensors, where_w)
        if HISTORY in zf.members:
            fields["history"] = _history(zf.read(HISTORY), f"{zf.name}: {HISTORY}")
        if (DATA in zf.members) != (embedded_names is not None):
            raise zf.error(f"{DATA} and project.json's 'embedded' entry must come together")
        if embedded_names is not None:
            where_d = f"{zf.name}: {DATA}"
            with zf.stream(DATA) as stream:
                tensors = wts.decode_stream(stream, where_d, wts.DATA_DTYPES, _data_check(where_d))
            fields["embedded"] = _embedded(tensors.tensors, embedded_names, where_d)
        state = manifest.get("state")
        if (STATE in zf.members) != (state is not None):
            raise zf.error(f"{STATE} and project.json's 'state' entry must come together")
        if state is not None:
            where_s = f"{zf.name}: {STATE}"
            with zf.stream(STATE) as stream:
                check = _state_vectors_check(parameter_count(spec), where_s)
                vectors = wts.decode_stream(stream, where_s, check=check).tensors
            fields["state"] = _state(state, vectors, fields, f"{zf.name}: {PROJECT_JSON}: state")
    return Document(**fields)


def _migrated(manifest: Any, where: str) -> dict[str, Any]:
    """Check the format marker and bring an older format up to the current one."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ProjectError(f'{where}: not an nnstudio project (no "format": "{FORMAT}")')
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ProjectError(f"{where}: format_version must be a whole number, got {version!r}")
    if version > FORMAT_VERSION:
        raise ProjectError(
            f"{where}: made by a newer nnstudio (format {version}); this version reads up to "
            f"{FORMAT_VERSION} — please update"
        )
    while version < FORMAT_VERSION:
        if version not in MIGRATIONS:
            raise ProjectError(f"{where}: format {version} is too old to be read")
        try:
            manifest = MIGRATIONS[version](dict(manifest))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProjectError(f"{where}: cannot convert format {version}: {exc}") from None
        version += 1
        manifest["format_version"] = version
    unknown = [key for key in manifest if key not in TOP_KEYS]
    if unknown:
        raise ProjectError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(TOP_KEYS)}")
    return manifest


def _network(manifest: dict[str, Any], where: str) -> dict[str, Any]:
    if "network" not in manifest:
        raise ProjectError(f"{where}: missing key 'network'")
    try:
        return normalize_spec(manifest["network"])
    except ValueError as exc:
        raise ProjectError(f"{where}: network: {exc}") from None


def _training(value: Any, where: str) -> dict[str, Any]:
    """Training settings, checked and completed by the one function that owns them."""
    try:
        return normalize_training(value)
    except ValueError as exc:
        raise ProjectError(f"{where}: {exc}") from None


def _state(
    value: Any, vectors: dict[str, np.ndarray], fields: dict[str, Any], where: str
) -> dict[str, Any]:
    """The training state, checked by loading it into the project's network."""
    if not isinstance(value, dict) or set(value) != set(STATE_KEYS):
        raise ProjectError(f"{where}: expected an object with {', '.join(STATE_KEYS)}")
    optimizer = value["optimizer"]
    if not isinstance(optimizer, dict) or set(optimizer) != {"name", "t"}:
        raise ProjectError(f"{where}: optimizer: expected an object with name and t")
    state = {
        "steps": value["steps"],
        "optimizer": {"name": optimizer["name"], "t": optimizer["t"], "vectors": vectors},
        "shuffle_rng": value["shuffle_rng"],
        "dropout_rng": value["dropout_rng"],
        "position": value["position"],
    }
    epochs = len(fields["history"].get("loss", []))
    try:
        net = Network(fields["network"])
        if optimizer["name"] != net.optimizer.name:
            raise ValueError(
                f"optimizer: state of {optimizer['name']!r} for a {net.optimizer.name!r} network"
            )
        net.set_state({**state, "epochs": epochs})
    except (ValueError, TypeError, OverflowError) as exc:
        raise ProjectError(f"{where}: {exc}") from None
    return state


STATE_KEYS = ("steps", "optimizer", "shuffle_rng", "dropout_rng", "position")


def _state_vectors_check(size: int, where: str) -> wts.HeaderCheck:
    """A header check: a few vectors, each as long as the network has parameters."""

    def check(shapes: dict[str, tuple[int, ...]]) -> None:
        if len(shapes) > MAX_STATE_VECTORS:
            raise ProjectError(f"{where}: {len(shapes)} tensors; at most {MAX_STATE_VECTORS}")
        for name, shape in shapes.items():
            if shape != (size,):
                raise ProjectError(f"{where}: {name} has shape {shape}, expected ({size},)")

    return check


def _data_reference(value: Any, where: str) -> dict[str, Any]:
    """The reference's form is checked now; whether its file can be read, when it is loaded."""
    if value is None or value == {}:
        return {}
    if not isinstance(value, dict):
        raise ProjectError(f"{where}: data must be an object (a data-set reference)")
    try:
        check_reference(value)
    except DataError as exc:
        raise ProjectError(f"{where}: data: {exc}") from None
    return value


def _standardize(value: Any, spec: dict[str, Any], where: str) -> dict[str, list] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"mean", "scale"}:
        raise ProjectError(f"{where}: standardize must be null or an object with mean and scale")
    try:
        stats = Standardizer.from_dict(value)
    except DataError as exc:
        raise ProjectError(f"{where}: standardize: {exc}") from None
    if stats.n_features != spec["inputs"]:
        raise ProjectError(
            f"{where}: standardize has {stats.n_features} features, the network "
            f"{spec['inputs']} inputs"
        )
    return stats.to_dict()


def _auto_output(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ProjectError(f"{where}: auto_output must be true or false")
    return value


def _embedded_names(manifest: dict[str, Any], where: str) -> dict[str, Any] | None:
    names = manifest.get("embedded")
    if names is None:
        return None
    if not isinstance(names, dict):
        raise ProjectError(f"{where}: embedded must be an object or null")
    unknown = set(names) - set(emb.NAME_KEYS)
    if unknown:
        raise ProjectError(f"{where}: embedded: unknown key {sorted(unknown)[0]!r}")
    return names


def _data_check(where: str) -> wts.HeaderCheck:
    """Embedded data's header: X (rows, features) and y within the data limits."""

    def check(shapes: dict[str, tuple[int, ...]]) -> None:
        if set(shapes) != {"X", "y"}:
            raise ProjectError(f"{where}: expected tensors X and y, found {', '.join(shapes)}")
        x, y = shapes["X"], shapes["y"]
        if len(x) != 2 or len(y) not in (1, 2) or y[0] != x[0]:
            raise ProjectError(f"{where}: X must be (rows, features) and y have as many rows")
        try:
            check_table(where, x[0], x[1])
            check_table(where, y[0], math.prod(y[1:]))
        except DataError as exc:
            raise ProjectError(str(exc)) from None

    return check


def _embedded(tensors: dict[str, np.ndarray], names: dict[str, Any], where: str) -> dict[str, Any]:
    embedded = {"X": tensors["X"], "y": tensors["y"], **names}
    try:
        emb.to_dataset(embedded).validate()
    except (DataError, KeyError, TypeError, ValueError) as exc:
        raise ProjectError(f"{where}: {exc}") from None
    return embedded


def _history(data: bytes, where: str) -> dict[str, list[float]]:
    """At most MAX_HISTORY_CURVES curves of MAX_HISTORY_EPOCHS numbers (null: not finite)."""
    history = parse_json(data, where, max_values=MAX_HISTORY_VALUES)
    if not isinstance(history, dict):
        raise ProjectError(f"{where}: expected an object of lists")
    if len(history) > MAX_HISTORY_CURVES:
        raise ProjectError(f"{where}: {len(history)} curves; the limit is {MAX_HISTORY_CURVES}")
    out = {}
    for key, values in history.items():
        if isinstance(values, list) and len(values) > MAX_HISTORY_EPOCHS:
            raise ProjectError(
                f"{where}: {key!r} has {len(values):,} epochs; the limit is {MAX_HISTORY_EPOCHS:,}"
            )
        ok = isinstance(values, list) and all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values
        )
        if not ok:
            raise ProjectError(f"{where}: {key!r} must be a list of numbers")
        out[key] = [_history_value(v, key, where) for v in values]
    return out


def _history_value(v: float | int | None, key: str, where: str) -> float:
    if v is None:
        return math.nan
    try:
        return float(v)
    except OverflowError:  # an integer with hundreds of digits
        raise ProjectError(f"{where}: {key!r} holds a number too large for a float") from None
