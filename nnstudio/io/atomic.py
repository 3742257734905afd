"""Atomic writes: a file is either the old one or the complete new one, never half of each.

The new content goes to a temporary file in the same folder (so the final rename never crosses
file systems), is flushed and fsynced, and then ``os.replace`` swaps it in. If anything fails
on the way (a full disk, an exception while generating the content) the temporary file is
removed and the old file is left exactly as it was.

The file keeps its owner's intent: a new file gets the permissions the umask allows (the
temporary file is created with mode 0666, which the system narrows by the umask), a replaced
file keeps its own permissions (or those of a file given as ``like``), and saving through a
symbolic link replaces the file the link points to, not the link. A temporary file left by a
save that was killed is removed by the next save to the same file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from nnstudio.io.errors import ProjectError

TEMP_SUFFIX = ".tmp"
#: A leftover whose process cannot be checked (Windows, or an older version's name) is removed
#: once it is this old: no save takes that long.
STALE_AFTER_S = 600.0


def check_folder(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, after checking that the folder it is to be written in exists."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise ProjectError(f"{path}: the folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise ProjectError(f"{path}: is a folder, not a file")
    return path


def _target(path: Path) -> Path:
    """The file to replace: the one a symbolic link points to, else ``path`` itself."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}")


def _create_temp(target: Path) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = _temp_name(target)
        try:
            return os.open(tmp, flags, 0o666), tmp  # the umask narrows 0666
        except FileExistsError:
            continue
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ProjectError(
                f"{target.name}: cannot write the file: the folder {str(target.parent)!r} does "
                f"not accept new files ({reason})"
            ) from None


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], like: str | os.PathLike[str] | None = None
) -> Iterator[BinaryIO]:
    """Yield a binary file whose content replaces ``path`` when the ``with`` block succeeds.

    The file keeps the permissions of the file it replaces, or of ``like`` when given (a
    recovery copy gets its project's).
    """
    target = _target(check_folder(path))
    mode = _mode_of(Path(like)) if like is not None else None
    if mode is None:
        mode = _mode_of(target)
    fd, tmp = _create_temp(target)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise ProjectError(f"{target.name}: cannot write the file ({reason})") from None
        raise
    remove_leftovers(target)


def _mode_of(path: Path) -> int | None:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return None


def remove_leftovers(target: Path) -> list[Path]:
    """Remove temporary files of earlier saves to ``target`` whose process is gone.

    Our temporary files are named ``.NAME.PID-XXXXXXXX.tmp``; one whose process no longer runs
    was left by a save that was killed. Older versions used ``.NAME.XXXXXXXX.tmp``; those are
    removed once they are STALE_AFTER_S old. Returns what was removed.
    """
    ours = re.compile(re.escape(f".{target.name}.") + r"(?:(\d+)-)?[0-9a-z_]{8}" + TEMP_SUFFIX)
    removed = []
    try:
        candidates = list(target.parent.glob(f".{_glob_escape(target.name)}.*{TEMP_SUFFIX}"))
    except OSError:
        return removed
    for path in candidates:
        match = ours.fullmatch(path.name)
        if match is None or not _abandoned(path, match.group(1)):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def _glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _abandoned(path: Path, pid_text: str | None) -> bool:
    if pid_text is not None and os.name == "posix":
        pid = int(pid_text)
        if pid == os.getpid():
            return False  # a save of ours in another thread
        try:
            os.kill(pid, 0)  # signal 0 only asks whether the process exists (POSIX)
        except ProcessLookupError:
            return True
        except OSError:
            return False  # it exists (another user's)
        return False
    try:
        return time.time() - path.stat().st_mtime > STALE_AFTER_S
    except OSError:
        return False


def write_bytes(
    path: str | os.PathLike[str], data: bytes, like: str | os.PathLike[str] | None = None
) -> Path:
    """Atomically replace ``path`` with ``data``."""
    with atomic_write(path, like) as f:
        f.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Atomically replace ``path`` with ``text`` encoded as UTF-8 (newlines as written)."""
    return write_bytes(path, text.encode("utf-8"))
