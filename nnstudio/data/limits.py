"""The data package's size limits, in one place, each checked before the work it bounds.

Files come from anywhere, so every size a file can claim is capped at what a student laptop
handles; a file over a limit is refused with a message naming the limit (the README lists
them). The network's own limits live in ``nnstudio.engine.spec``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nnstudio.data.errors import DataError

MAX_ROWS = 1_000_000
MAX_FEATURES = 65_536  # a 256 x 256 image
MAX_CELLS = 64_000_000  # rows x features: 512 MB of float64 (MNIST's training set is 47 M)
MAX_CLASSES = 1000
MAX_SYNTHETIC_SAMPLES = 100_000
MAX_SEED = 2**31 - 1
MAX_TEXT_BYTES = 1 << 30  # a CSV file
MAX_LINE_BYTES = 4 << 20  # one line of it (65,536 numbers of up to 64 characters)


def check_table(name: str, n_rows: int, n_features: int) -> None:
    """Refuse a table whose size is over a limit, before its array is allocated."""
    if n_rows > MAX_ROWS:
        raise DataError(f"{name}: {n_rows:,} rows; the limit is {MAX_ROWS:,}")
    if n_features > MAX_FEATURES:
        raise DataError(f"{name}: {n_features:,} features; the limit is {MAX_FEATURES:,}")
    if n_rows * n_features > MAX_CELLS:
        raise DataError(
            f"{name}: {n_rows:,} rows x {n_features:,} features; the limit is {MAX_CELLS:,} values"
        )


def check_classes(name: str, n_classes: int) -> None:
    if n_classes > MAX_CLASSES:
        raise DataError(f"{name}: {n_classes:,} classes; the limit is {MAX_CLASSES:,}")


def regular_file(path: Path, limit: int | None = None) -> int:
    """The size of ``path`` after checking that it is a regular file (of at most ``limit`` bytes).

    Checked before opening: opening a FIFO blocks for good, and ``/dev/zero`` never ends.
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        raise DataError(f"{path.name}: cannot open the file ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a device, pipe or socket"
        raise DataError(f"{path.name}: not a regular file ({kind})")
    if limit is not None and st.st_size > limit:
        raise DataError(
            f"{path.name}: the file is too large ({st.st_size:,} bytes; limit {limit:,})"
        )
    return st.st_size
