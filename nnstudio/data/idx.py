"""MNIST's IDX files: ``train-images-idx3-ubyte`` and friends, optionally gzipped.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian uint32 per dimension, then the values in C order. The header is checked
against the size of the payload before the payload is read, so a damaged or hostile header
cannot make the reader allocate gigabytes.
"""

from __future__ import annotations

import gzip
import math
import struct
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError
from nnstudio.data.limits import check_classes, check_table, regular_file

DTYPES = {  # IDX type code -> big-endian NumPy type
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
MAX_DIMS = 4
MAX_BYTES = 1 << 32  # 4 GiB: far above MNIST (47 MB), far below "the header is garbage"
READ_BLOCK = 1 << 22
GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | PathLike[str]) -> np.ndarray:
    """The array stored in an IDX file (gzipped or not), in native byte order.

    The first dimension counts examples and the others make one example (an image's pixels),
    so the header is held to the data limits (rows, features per row, values) before any value
    is read: a few KB of gzip cannot claim 2 x 4096 x 4096 pixels.
    """
    path = Path(path)
    with _open(path) as f:
        dtype, shape = _read_header(path.name, f)
        check_table(path.name, shape[0], math.prod(shape[1:]))
        n_bytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
        if n_bytes > MAX_BYTES:
            raise DataError(
                f"{path.name}: the header claims {'x'.join(map(str, shape))} values "
                f"({n_bytes / 2**30:.1f} GiB), more than the {MAX_BYTES >> 30} GiB limit"
            )
        payload = _read_payload(path.name, f, n_bytes)
    return np.frombuffer(payload, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def idx_shape(path: str | PathLike[str]) -> tuple[int, ...]:
    """The dimensions an IDX file's header declares, reading only the header."""
    path = Path(path)
    with _open(path) as f:
        return _read_header(path.name, f)[1]


def _open(path: Path) -> BinaryIO:
    """The file's bytes, decompressed if it starts with the gzip magic (whatever its name)."""
    regular_file(path)
    try:
        with path.open("rb") as probe:
            compressed = probe.read(2) == GZIP_MAGIC
        return gzip.open(path, "rb") if compressed else path.open("rb")
    except OSError as e:
        raise DataError(f"{path.name}: cannot open the file ({e.strerror})") from None


def _read_exactly(name: str, f: BinaryIO, n_bytes: int, what: str) -> bytes:
    data = _read_up_to(name, f, n_bytes)
    if len(data) < n_bytes:
        raise DataError(f"{name}: truncated {what}: expected {n_bytes} bytes, found {len(data)}")
    return data


def _read_up_to(name: str, f: BinaryIO, n_bytes: int) -> bytes:
    """Read in blocks, so memory grows with the data actually present, not with a claim."""
    blocks, remaining = [], n_bytes
    try:
        while remaining > 0 and (block := f.read(min(remaining, READ_BLOCK))):
            blocks.append(block)
            remaining -= len(block)
    except (OSError, EOFError) as e:  # gzip raises these for a damaged or cut stream
        raise DataError(f"{name}: damaged or cut-short gzip data ({e})") from None
    return b"".join(blocks)


def _read_header(name: str, f: BinaryIO) -> tuple[np.dtype, tuple[int, ...]]:
    zeros, code, n_dims = struct.unpack(">HBB", _read_exactly(name, f, 4, "header"))
    if zeros != 0 or code not in DTYPES or not 1 <= n_dims <= MAX_DIMS:
        raise DataError(
            f"{name}: not an IDX file (magic number 0x{zeros:04x}{code:02x}{n_dims:02x}; "
            "expected 0x0000 then a type code 08-0E and 1-4 dimensions)"
        )
    shape = struct.unpack(f">{n_dims}I", _read_exactly(name, f, 4 * n_dims, "header"))
    return DTYPES[code], shape


def _read_payload(name: str, f: BinaryIO, n_bytes: int) -> bytes:
    payload = _read_exactly(name, f, n_bytes, "data")
    if _read_up_to(name, f, 1):
        raise DataError(f"{name}: {n_bytes} bytes of data expected, but the file is longer")
    return payload


# ------------------------------------------------------------------------------ MNIST
KINDS = {"train": "train", "test": "t10k", "t10k": "t10k"}


def load_mnist_folder(
    folder: str | PathLike[str],
    kind: str = "train",
    progress: Callable[[float], None] | None = None,
) -> Dataset:
    """MNIST (or a look-alike such as Fashion-MNIST) from a folder of the four IDX files.

    ``kind`` is "train" or "test" (alias "t10k"). Pixels are scaled from 0..255 to [0, 1], as
    the course does before training; each image becomes a row of 784 float32 features, made
    straight from the file's bytes (no float64 copy of the set ever exists).
    ``progress(fraction)`` is told how far the load is (it may raise to stop it).
    """
    report = progress or (lambda fraction: None)
    report(0.0)
    if kind not in KINDS:
        raise DataError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    folder = Path(folder)
    prefix = KINDS[kind]
    images = read_idx(_find(folder, prefix, "images", "idx3"))
    report(0.8)
    labels = read_idx(_find(folder, prefix, "labels", "idx1"))
    report(0.9)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(
            f"{folder.name}: expected images (n, rows, cols) and n labels, found images "
            f"{images.shape} and labels {labels.shape}"
        )
    n, rows, cols = images.shape
    y = _class_labels(_find(folder, prefix, "labels", "idx1").name, labels)
    X = images.reshape(n, rows * cols).astype(np.float32)  # what Dataset keeps for images
    if images.dtype == np.uint8:
        X /= np.float32(255.0)
    n_classes = max(10, int(y.max(initial=0)) + 1)
    return Dataset(
        X,
        y,
        [f"pixel_{r}_{c}" for r in range(rows) for c in range(cols)],
        [str(d) for d in range(n_classes)],
        "multiclass",
        name=f"mnist_{kind}",
        image_shape=(rows, cols),
    ).validate()


def _class_labels(name: str, labels: np.ndarray) -> np.ndarray:
    """Labels as class indices: whole numbers from 0, at most MAX_CLASSES of them."""
    values = labels.astype(np.float64)
    if values.size and not (np.isfinite(values).all() and (values == np.round(values)).all()):
        raise DataError(f"{name}: labels must be whole numbers (NaN, infinite or fractional found)")
    if values.size and values.min() < 0:
        raise DataError(f"{name}: labels must be 0 or more, found {values.min():g}")
    if values.size:
        check_classes(name, int(values.max()) + 1)
    return values.astype(np.int64)


def find_mnist_file(folder: str | PathLike[str], kind: str, what: str) -> Path | None:
    """The file the loader reads for ``kind`` ("train"/"test") and ``what`` ("images"/"labels").

    ``train-images-idx3-ubyte``, also with ``.`` before idx (Kaggle's copies) or ``.gz``.
    """
    prefix = KINDS[kind]
    idx = "idx3" if what == "images" else "idx1"
    stems = [f"{prefix}-{what}-{idx}-ubyte", f"{prefix}-{what}.{idx}-ubyte"]
    for candidate in (Path(folder) / f"{stem}{ext}" for stem in stems for ext in ("", ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _find(folder: Path, prefix: str, what: str, idx: str) -> Path:
    found = find_mnist_file(folder, prefix, what)
    if found is None:
        stems = [f"{prefix}-{what}-{idx}-ubyte", f"{prefix}-{what}.{idx}-ubyte"]
        raise DataError(f"{folder}: no {stems[0]} file (also looked for .gz and {stems[1]})")
    return found
