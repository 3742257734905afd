"""Atomic writes: a file is either the old one or the complete new one, never half of each.

The new content goes to a temporary file in the same folder (so the final rename never crosses
file systems), is flushed and fsynced, and then ``os.replace`` swaps it in. If anything fails
on the way (a full disk, an exception while generating the content) the temporary file is
removed and the old file is left exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from nnstudio.io.errors import ProjectError

NEW_FILE_MODE = 0o644


def check_folder(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, after checking that the folder it is to be written in exists."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise ProjectError(f"{path}: the folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise ProjectError(f"{path}: is a folder, not a file")
    return path


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary file whose content replaces ``path`` when the ``with`` block succeeds."""
    path = check_folder(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise ProjectError(f"{path.name}: cannot write the file ({reason})") from exc
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Atomically replace ``path`` with ``data``."""
    with atomic_write(path) as f:
        f.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Atomically replace ``path`` with ``text`` encoded as UTF-8 (newlines as written)."""
    return write_bytes(path, text.encode("utf-8"))
