"""Reading files that may be damaged or hostile, with every size bounded before it is read.

A project file arrives by e-mail or from a course website, so it is treated as untrusted: the
file size is checked before reading, zip members are checked (names, count, sizes, compression
ratio) before anything is decompressed, decompression stops at the declared size, and JSON is
limited in size and nesting depth. Every refusal is a ``ProjectError`` naming the file.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nnstudio.io.errors import ProjectError

GiB = 1 << 30
MiB = 1 << 20
MAX_FILE_BYTES = 2 * GiB
MAX_MEMBERS = 100
MAX_MEMBER_BYTES = 2 * GiB
MAX_TOTAL_BYTES = 3 * GiB
# Deflate reaches ~1000:1 on zeros, which is what a zip bomb is made of. Real members (float
# arrays, JSON) stay far below this; small members are exempt since they cannot hurt.
MAX_RATIO = 200
RATIO_EXEMPT_BYTES = 16 * MiB
MAX_JSON_BYTES = 64 * MiB
MAX_JSON_DEPTH = 32
_CHUNK = 1 << 20


def read_file(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` after checking that it is a regular file of at most ``limit`` bytes."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ProjectError(f"{path.name}: not a regular file")
        if size > limit:
            raise ProjectError(f"{path.name}: the file is too large ({size} bytes; limit {limit})")
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise ProjectError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise ProjectError(f"{path.name}: the file grew beyond {limit} bytes while being read")
    return data


def check_file_size(path: Path, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a missing, special or oversized file before opening it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ProjectError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from None
    if not path.is_file():
        raise ProjectError(f"{path.name}: not a regular file")
    if size > limit:
        raise ProjectError(f"{path.name}: the file is too large ({size} bytes; limit {limit})")


class SafeZip:
    """A zip archive whose member list has been checked; ``read`` decompresses with a cap."""

    def __init__(self, path: Path, allowed: Iterable[str]) -> None:
        self.name = path.name
        check_file_size(path)
        try:
            self._zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise ProjectError(
                f"{self.name}: not an nnstudio project (not a zip archive, or a damaged one)"
            ) from None
        except OSError as exc:
            raise ProjectError(f"{self.name}: cannot read the file ({exc.strerror})") from None
        try:
            self.members = self._check_members(list(allowed))
        except BaseException:
            self._zip.close()
            raise

    def _check_members(self, allowed: list[str]) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self.error(f"too many members ({len(infos)}; at most {MAX_MEMBERS})")
        members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.filename
            if info.is_dir() or "/" in name or "\\" in name or name.startswith(".."):
                raise self.error(f"member {name!r}: folders and paths are not allowed")
            if name not in allowed:
                raise self.error(f"unexpected member {name!r}; allowed: {', '.join(allowed)}")
            if name in members:
                raise self.error(f"member {name!r} appears twice")
            if info.flag_bits & 0x1:
                raise self.error(f"member {name!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.error(f"member {name!r} uses an unsupported compression method")
            if info.file_size > MAX_MEMBER_BYTES:
                raise self.error(f"member {name!r} is too large ({info.file_size} bytes)")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_EXEMPT_BYTES and ratio > MAX_RATIO:
                raise self.error(
                    f"member {name!r} would expand {ratio:.0f} times (a zip bomb?); refused"
                )
            total += info.file_size
            members[name] = info
        if total > MAX_TOTAL_BYTES:
            raise self.error(f"the members would expand to {total} bytes; refused")
        return members

    def error(self, message: str) -> ProjectError:
        return ProjectError(f"{self.name}: {message}")

    def read(self, name: str) -> bytes:
        """Decompress member ``name``, never more than its declared size (+1 byte to notice)."""
        info = self.members[name]
        parts, size = [], 0
        try:
            with self._zip.open(info) as f:
                while chunk := f.read(min(_CHUNK, info.file_size + 1 - size)):
                    parts.append(chunk)
                    size += len(chunk)
                    if size > info.file_size:
                        raise self.error(f"{name}: larger than its declared size")
                    if size == info.file_size:
                        f.read(1)  # reaching the end lets zipfile verify the CRC
                        break
        except ProjectError:
            raise
        except Exception as exc:  # BadZipFile (bad CRC), EOFError, zlib.error on damaged data
            raise self.error(f"{name}: damaged ({exc})") from None
        return b"".join(parts)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def parse_json(data: bytes, where: str, limit: int = MAX_JSON_BYTES) -> Any:
    """Strict JSON (UTF-8, no NaN/Infinity), at most ``limit`` bytes and MAX_JSON_DEPTH deep."""
    if len(data) > limit:
        raise ProjectError(f"{where}: too large ({len(data)} bytes; limit {limit})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{where}: not UTF-8 text (byte {exc.start})") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ProjectError(
            f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except (ValueError, RecursionError) as exc:
        msg = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ProjectError(f"{where}: not valid JSON ({msg})") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise ProjectError(f"{where}: nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def _depth(value: Any) -> int:
    """Nesting depth, computed without recursion so a deep value cannot blow the stack."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def dump_json(value: Any) -> bytes:
    """Strict, readable JSON: finite numbers only, keys in the order given."""
    return (json.dumps(value, indent=1, allow_nan=False) + "\n").encode("utf-8")


def finite_or_none(x: float) -> float | None:
    """JSON has no NaN: a diverged loss is stored as null."""
    return float(x) if math.isfinite(x) else None
