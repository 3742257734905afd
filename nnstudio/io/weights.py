"""Weights as named tensors, and safetensors files read with every claim checked.

One naming is used everywhere (inside project files and in exports): dense layer ``i``
(counting from 0) has ``layers.{i}.weight`` of shape (out, in) and ``layers.{i}.bias`` of
shape (out,). That is PyTorch's ``nn.Linear`` layout, so a ``nn.ModuleList`` named ``layers``
loads the file with ``load_state_dict(strict=True)``. The engine keeps W as (in, out), which is
why a weight is transposed on the way out and back on the way in.

A safetensors file is 8 bytes (little-endian header length N), N bytes of JSON header
(``{"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {str: str}}``), then raw data.
The header is checked here before the body is read: its size, its JSON, every tensor's dtype,
shape and offsets (which must tile the body exactly, as the format requires), and what the
caller expects (the network's shapes, a data-size limit). Only then is the body read, and the
tensors are cut out of it with NumPy, so a file cannot make the reader allocate more than
about twice the size its checked header describes.
"""

from __future__ import annotations

import io
import json
import math
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np

from nnstudio.engine import layout
from nnstudio.io.errors import ProjectError
from nnstudio.io.untrusted import check_file_size, parse_json

MAX_HEADER_BYTES = 16 * (1 << 20)
FLOAT_DTYPES = {"F32": np.float32, "F64": np.float64}
DATA_DTYPES = {**FLOAT_DTYPES, "I64": np.int64}
SPEC_KEY = "nnstudio.spec"
STANDARDIZE_KEY = "nnstudio.standardize"


@dataclass
class WeightsFile:
    """What a safetensors file holds: tensors by name and its text metadata."""

    tensors: dict[str, np.ndarray]
    metadata: dict[str, str]


def tensor_names(spec: dict[str, Any]) -> list[str]:
    """Tensor names in the engine's ``get_weights`` order (W0, b0, W1, b1, ...)."""
    return [f"layers.{k}.{kind}" for k, kind in layout.weight_slots(spec)]


def expected_shapes(spec: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """Each tensor's shape in the file: weights (out, in), i.e. W transposed; biases (out,)."""
    shapes = layout.weight_shapes(spec)
    return {name: shape[::-1] for name, shape in zip(tensor_names(spec), shapes, strict=True)}


def to_tensors(spec: dict[str, Any], weights: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Engine weights -> named tensors (weights transposed to (out, in), contiguous)."""
    names = tensor_names(spec)
    if len(names) != len(weights):
        raise ValueError(f"expected {len(names)} weight arrays, got {len(weights)}")
    return {
        name: np.ascontiguousarray(w.T if name.endswith(".weight") else w)
        for name, w in zip(names, weights, strict=True)
    }


def from_tensors(spec: dict[str, Any], tensors: dict[str, np.ndarray], where: str) -> list:
    """Named tensors -> engine weights, after checking names, shapes and finiteness."""
    shapes = expected_shapes(spec)
    for name in tensors:
        if name not in shapes:
            raise ProjectError(
                f"{where}: unexpected tensor {name!r}; this network has {', '.join(shapes)}"
            )
    weights = []
    for name, shape in shapes.items():
        if name not in tensors:
            raise ProjectError(f"{where}: missing tensor {name!r}")
        t = tensors[name]
        if t.shape != shape:
            raise ProjectError(f"{where}: {name} has shape {t.shape}, expected {shape}")
        if not np.all(np.isfinite(t)):
            raise ProjectError(f"{where}: {name} contains NaN or infinite values")
        weights.append(np.ascontiguousarray(t.T if name.endswith(".weight") else t))
    return weights


_CODES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int64): "I64"}


def encode(tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> bytes:
    """The bytes of a safetensors file, always the same for the same tensors and metadata.

    Written here rather than by ``safetensors.numpy.save``, whose metadata order varies from
    run to run: a project saved twice should be the same file. Tensors are laid out in name
    order and the header is padded with spaces to a multiple of 8 bytes, as the format allows.
    """
    header: dict[str, Any] = {"__metadata__": dict(sorted(metadata.items()))} if metadata else {}
    blobs, offset = [], 0
    for name in sorted(tensors):
        array = np.asarray(tensors[name])
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        header[name] = {
            "dtype": _CODES[array.dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


class Stream(Protocol):
    """What :func:`decode_stream` reads from: a zip member (``MemberStream``) or bytes."""

    remaining: int

    def read_exactly(self, n: int) -> bytes: ...

    def finish(self) -> None: ...


#: A caller's check of the tensors' names and shapes, run on the header, before the body.
HeaderCheck = Callable[[dict[str, tuple[int, ...]]], None]


def decode(
    data: bytes,
    where: str,
    dtypes: dict[str, type] = FLOAT_DTYPES,
    check: HeaderCheck | None = None,
) -> WeightsFile:
    """Check a safetensors file's header (size, JSON, dtypes, shapes, offsets), then decode it."""
    return decode_stream(_BytesStream(data, where), where, dtypes, check)


def decode_stream(
    stream: Stream,
    where: str,
    dtypes: dict[str, type] = FLOAT_DTYPES,
    check: HeaderCheck | None = None,
) -> WeightsFile:
    """Read a safetensors file from ``stream``: the header, its checks, then the body."""
    if stream.remaining < 8:
        raise ProjectError(
            f"{where}: too short to be a safetensors file ({stream.remaining} bytes)"
        )
    (n,) = struct.unpack("<Q", stream.read_exactly(8))
    if n > MAX_HEADER_BYTES:
        raise ProjectError(f"{where}: header of {n} bytes is too large (limit {MAX_HEADER_BYTES})")
    if n > stream.remaining:
        raise ProjectError(f"{where}: truncated (the header says {n} bytes, the file is shorter)")
    header = parse_json(stream.read_exactly(n), f"{where}: header", limit=MAX_HEADER_BYTES)
    if not isinstance(header, dict):
        raise ProjectError(f"{where}: the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise ProjectError(f"{where}: __metadata__ must map text to text")
    body = stream.remaining
    entries = {
        name: _check_entry(name, entry, body, where, dtypes) for name, entry in header.items()
    }
    _check_tiling(entries, body, where)
    if check is not None:
        check({name: e.shape for name, e in entries.items()})
    data = stream.read_exactly(body)
    stream.finish()
    tensors = {name: e.cut(data) for name, e in entries.items()}
    return WeightsFile(tensors, metadata)


@dataclass(frozen=True)
class _Entry:
    dtype: np.dtype
    shape: tuple[int, ...]
    start: int
    end: int

    def cut(self, body: bytes) -> np.ndarray:
        """The tensor as a writable array in native byte order (a copy, not a view)."""
        count = self.end - self.start
        view = np.frombuffer(
            body, dtype=self.dtype, count=count // self.dtype.itemsize, offset=self.start
        )
        return view.astype(self.dtype.newbyteorder("="), copy=True).reshape(self.shape)


def _check_entry(name: str, entry: Any, body: int, where: str, dtypes: dict) -> _Entry:
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise ProjectError(f"{where}: tensor {name!r} has a malformed header entry")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in dtypes:
        raise ProjectError(
            f"{where}: {name} has dtype {dtype}; allowed: {', '.join(dtypes)}"
            + (" (float16 is not supported)" if dtype == "F16" else "")
        )
    ints = (
        isinstance(shape, list)
        and len(shape) <= 8
        and isinstance(offsets, list)
        and len(offsets) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in shape + offsets)
    )
    if not ints:
        raise ProjectError(f"{where}: tensor {name!r} has a malformed shape or offsets")
    start, end = offsets
    item = np.dtype(dtypes[dtype]).newbyteorder("<")
    size = math.prod(shape) * item.itemsize
    if end - start != size or end > body:
        raise ProjectError(f"{where}: tensor {name!r} does not fit its shape {tuple(shape)}")
    return _Entry(item, tuple(shape), start, end)


def _check_tiling(entries: dict[str, _Entry], body: int, where: str) -> None:
    """The tensors' byte ranges must cover the body exactly, without overlaps or gaps."""
    position = 0
    for name, e in sorted(entries.items(), key=lambda item: (item[1].start, item[1].end)):
        if e.start != position:
            problem = "overlaps another tensor" if e.start < position else "leaves a gap before it"
            raise ProjectError(f"{where}: not a valid safetensors file (tensor {name!r} {problem})")
        position = e.end
    if position != body:
        raise ProjectError(
            f"{where}: not a valid safetensors file ({body - position} bytes after the last tensor)"
        )


def decode_file(path: Path, where: str) -> WeightsFile:
    """A loose safetensors file, read like a project's member: header checked, then the body."""
    check_file_size(path)
    try:
        with path.open("rb") as f:
            return decode_stream(_FileStream(f, where), where)
    except OSError as exc:
        raise ProjectError(f"{where}: cannot read the file ({exc.strerror or exc})") from None


class _FileStream:
    """An open file, read like a zip member (its size is taken once, at the start)."""

    def __init__(self, f: BinaryIO, where: str) -> None:
        self._f, self._where = f, where
        self.remaining = os.fstat(f.fileno()).st_size

    def read_exactly(self, n: int) -> bytes:
        data = self._f.read(n) if n <= self.remaining else b""
        if len(data) != n:
            raise ProjectError(f"{self._where}: truncated (or changed while being read)")
        self.remaining -= n
        return data

    def finish(self) -> None:
        if self._f.read(1):
            raise ProjectError(f"{self._where}: the file grew while being read")


class _BytesStream:
    """Bytes already in memory, read like a zip member."""

    def __init__(self, data: bytes, where: str) -> None:
        self._f, self.remaining, self._where = io.BytesIO(data), len(data), where

    def read_exactly(self, n: int) -> bytes:
        if n > self.remaining:
            raise ProjectError(f"{self._where}: truncated")
        self.remaining -= n
        return self._f.read(n)

    def finish(self) -> None:
        pass


def expect_shapes(spec: dict[str, Any], where: str) -> HeaderCheck:
    """A header check: exactly the network's tensors, with its shapes."""

    def check(shapes: dict[str, tuple[int, ...]]) -> None:
        expected = expected_shapes(spec)
        for name, shape in shapes.items():
            if name not in expected:
                raise ProjectError(
                    f"{where}: unexpected tensor {name!r}; this network has {', '.join(expected)}"
                )
            if shape != expected[name]:
                raise ProjectError(f"{where}: {name} has shape {shape}, expected {expected[name]}")
        for name in expected:
            if name not in shapes:
                raise ProjectError(f"{where}: missing tensor {name!r}")

    return check


def metadata_for(spec: dict[str, Any], standardize: dict | None) -> dict[str, str]:
    """The metadata that makes a weights file self-describing."""
    meta = {SPEC_KEY: json.dumps(spec)}
    if standardize is not None:
        meta[STANDARDIZE_KEY] = json.dumps(
            {"mean": list(standardize["mean"]), "scale": list(standardize["scale"])}
        )
    return meta
