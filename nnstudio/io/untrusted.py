"""Reading files that may be damaged or hostile, with every size bounded before it is read.

A project file arrives by e-mail or from a course website, so it is treated as untrusted: the
file size is checked before reading; the zip's directory record is checked (member count and
directory size) before the member list is read; members are checked (names, count, each
member's own size limit, compression ratio) before anything is decompressed; a member is read
as a stream that stops at its declared size, so a reader can check a header before it reads the
body; and JSON is limited in size, number of values and nesting depth. Every refusal is a
``ProjectError`` naming the file.
"""

from __future__ import annotations

import json
import math
import os
import struct
import zipfile
from collections.abc import Mapping
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
#: Values (numbers, strings, lists...) in one JSON text: each costs ~80 bytes once parsed. A
#: project.json holds a network (64 layers at most) and up to 65,536 feature names.
MAX_JSON_VALUES = 300_000
MAX_JSON_DEPTH = 32
MAX_DIRECTORY_BYTES = 1 * MiB  # the zip's member list: ~100 bytes a member
_CHUNK = 1 << 20
_END_RECORD = struct.Struct("<4s4H2LH")  # the zip's "end of central directory" record


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


def _check_directory(path: Path, name: str) -> None:
    """Refuse a zip whose member list is too long before ``zipfile`` reads all of it.

    The last record of a zip file states the number of members and the size of their list.
    ``zipfile`` would build an object per member first (a million members: 400 MB, 12 s).
    A file without the record is left to ``zipfile``, which reports it as not a zip.
    """
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            tail_size = min(size, _END_RECORD.size + 0xFFFF)  # the record, then a comment
            f.seek(size - tail_size)
            tail = f.read(tail_size)
    except OSError as exc:
        raise ProjectError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END_RECORD.size:
        return
    _, _, _, on_disk, total, directory_bytes, _, _ = _END_RECORD.unpack_from(tail, at)
    if max(on_disk, total) > MAX_MEMBERS:
        raise ProjectError(
            f"{name}: too many members ({max(on_disk, total)}; at most {MAX_MEMBERS})"
        )
    if directory_bytes > MAX_DIRECTORY_BYTES:
        raise ProjectError(
            f"{name}: the member list takes {directory_bytes} bytes (limit {MAX_DIRECTORY_BYTES})"
        )


class SafeZip:
    """A zip archive whose member list has been checked; members are read with a cap.

    ``allowed`` maps each member name that may appear to the most bytes it may expand to.
    """

    def __init__(self, path: Path, allowed: Mapping[str, int]) -> None:
        self.name = path.name
        check_file_size(path)
        _check_directory(path, self.name)
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError):
            raise ProjectError(
                f"{self.name}: not an nnstudio project (not a zip archive, or a damaged one)"
            ) from None
        except OSError as exc:
            raise ProjectError(f"{self.name}: cannot read the file ({exc.strerror})") from None
        try:
            self.members = self._check_members(dict(allowed))
        except BaseException:
            self._zip.close()
            raise

    def _check_members(self, allowed: dict[str, int]) -> dict[str, zipfile.ZipInfo]:
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
            limit = min(allowed[name], MAX_MEMBER_BYTES)
            if info.file_size > limit:
                raise self.error(
                    f"member {name!r} is too large ({info.file_size} bytes; limit {limit})"
                )
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

    def stream(self, name: str) -> MemberStream:
        """Member ``name`` as a stream that never yields more than its declared size."""
        return MemberStream(self, name)

    def read(self, name: str) -> bytes:
        """Decompress member ``name``, never more than its declared size (+1 byte to notice)."""
        with self.stream(name) as stream:
            return stream.read_rest()

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MemberStream:
    """A zip member read piece by piece, within its declared size, with errors as the file's.

    ``read_exactly(n)`` lets a reader take a header first and decide from it whether the body
    is worth reading; ``read_rest`` reads up to the declared end and lets ``zipfile`` check the
    CRC. Reading stops as soon as the data runs past the declared size.
    """

    def __init__(self, zf: SafeZip, name: str) -> None:
        self._zf, self.name = zf, name
        self.size = zf.members[name].file_size
        self.position = 0
        try:
            self._f = zf._zip.open(zf.members[name])
        except Exception as exc:  # BadZipFile: a damaged local header
            raise zf.error(f"{name}: damaged ({exc})") from None

    @property
    def remaining(self) -> int:
        return self.size - self.position

    def read_exactly(self, n: int) -> bytes:
        """The next ``n`` bytes; refused when the member's declared size does not hold them."""
        if n > self.remaining:
            raise self._zf.error(
                f"{self.name}: truncated (needs {n} more bytes, has {self.remaining})"
            )
        parts, got = [], 0
        try:
            while got < n:
                chunk = self._f.read(min(_CHUNK, n - got))
                if not chunk:
                    break
                parts.append(chunk)
                got += len(chunk)
        except Exception as exc:  # BadZipFile (bad CRC), EOFError, zlib.error on damaged data
            raise self._zf.error(f"{self.name}: damaged ({exc})") from None
        self.position += got
        if got < n:
            raise self._zf.error(f"{self.name}: damaged (shorter than its declared size)")
        return b"".join(parts)

    def read_rest(self) -> bytes:
        """Everything up to the declared end, after which the CRC is checked."""
        data = self.read_exactly(self.remaining)
        self.finish()
        return data

    def finish(self) -> None:
        """At the declared end: one more read finds nothing (and makes zipfile check the CRC)."""
        try:
            extra = self._f.read(1)
        except Exception as exc:
            raise self._zf.error(f"{self.name}: damaged ({exc})") from None
        if extra:
            raise self._zf.error(f"{self.name}: larger than its declared size")

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> MemberStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def parse_json(
    data: bytes, where: str, limit: int = MAX_JSON_BYTES, max_values: int = MAX_JSON_VALUES
) -> Any:
    """Strict JSON (UTF-8, no NaN/Infinity), at most ``limit`` bytes and MAX_JSON_DEPTH deep.

    The number of values is bounded before parsing: every value after the first in a list or
    object follows a comma, so counting commas (also those inside strings, which only makes the
    bound stricter) caps the Python objects that parsing can build. 400 KB of ``0,`` would
    otherwise become 200,000 objects per KB.
    """
    if len(data) > limit:
        raise ProjectError(f"{where}: too large ({len(data)} bytes; limit {limit})")
    if data.count(b",") >= max_values:
        raise ProjectError(f"{where}: more than {max_values:,} values; refused")
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
