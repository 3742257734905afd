"""Text files read line by line: strict UTF-8, with errors that name the line.

Decoding each line on its own (rather than the whole file at once) is what lets an encoding
error or a stray NUL byte be reported as "line 17" instead of "byte 48213".
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import closing
from itertools import islice
from pathlib import Path
from typing import NoReturn

import numpy as np

from nnstudio.data.errors import DataError
from nnstudio.data.limits import MAX_LINE_BYTES, MAX_TEXT_BYTES, regular_file

_BLOCK = 1 << 20
# A line with something on it. Anchored at line starts, so a long run of blanks is scanned once
# (unanchored, every position in it would start a new scan: quadratic).
_NON_BLANK = re.compile(rb"(?m)^[ \t\r\f\v]*\S[^\n]*")

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each non-blank line, decoded as UTF-8 with any BOM removed.

    Only a regular file of at most MAX_TEXT_BYTES is opened, and no line is read past
    MAX_LINE_BYTES, so neither ``/dev/zero`` nor a 2 GB line can fill the memory. Close the
    generator (``contextlib.closing``) when not reading to the end, to close the file.
    """
    for number, raw in raw_lines(path):
        text = _decoded(path.name, number, raw)
        if number == 1:
            text = text.removeprefix("\ufeff")
        if text.strip():
            yield number, text


def raw_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without the line break) of each non-blank line, at most MAX_LINE_BYTES.

    The file is read in blocks; a regular expression finds the non-blank lines of a block, so
    two million empty lines cost a scan in C rather than a Python loop, and a line is never
    read past the limit plus one block.
    """
    regular_file(path, MAX_TEXT_BYTES)
    try:
        f = path.open("rb")
    except OSError as e:
        raise DataError(f"{path.name}: cannot open the file ({e.strerror})") from None
    with f:
        if f.peek(2)[:2] in UTF16_BOMS:  # else its NUL bytes or lone "\r" would be the message
            raise DataError(
                f'{path.name}: this is UTF-16 text; save it as UTF-8 (a spreadsheet\'s "CSV UTF-8" '
                "format)"
            )
        before, carry = 0, b""  # lines before the carried, unfinished one
        while block := f.read(_BLOCK):
            data = carry + block
            end = data.rfind(b"\n") + 1
            data, carry = data[:end], data[end:]
            yield from _lines_in(path.name, data, before)
            before += data.count(b"\n")
            if len(carry) > MAX_LINE_BYTES:
                _too_long(path.name, before + 1)
        yield from _lines_in(path.name, carry, before)


def _lines_in(name: str, data: bytes, before: int) -> Iterator[tuple[int, bytes]]:
    number, position = before + 1, 0
    for match in _NON_BLANK.finditer(data):
        number += data.count(b"\n", position, match.start())
        position = match.start()
        yield number, _checked(name, number, match.group())


def _checked(name: str, number: int, raw: bytes) -> bytes:
    if len(raw) > MAX_LINE_BYTES:
        _too_long(name, number)
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    if b"\r" in raw:
        raise DataError(
            f"{name}, line {number}: a line break made of a lone carriage return (old Mac "
            "style); save the file with ordinary line endings"
        )
    return raw


def _too_long(name: str, number: int) -> NoReturn:
    raise DataError(
        f"{name}, line {number}: longer than {MAX_LINE_BYTES:,} bytes (the limit for one line); "
        "is this a CSV file?"
    )


def _decoded(name: str, number: int, raw: bytes) -> str:
    if b"\x00" in raw:
        raise DataError(
            f"{name}, line {number}: contains a NUL byte; this is a binary file or UTF-16 "
            "text, not a UTF-8 CSV file"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(
            f"{name}, line {number}: not UTF-8 text (byte 0x{raw[e.start]:02x} at position "
            f"{e.start + 1}); save the file with UTF-8 encoding"
        ) from None


def read_head(path: Path, n_lines: int) -> list[tuple[int, str]]:
    """The first ``n_lines`` non-blank lines; an empty file is an error."""
    with closing(text_lines(path)) as lines:
        head = list(islice(lines, n_lines))
    if not head:
        raise DataError(f"{path.name}: the file is empty")
    return head


def count_lines(path: Path) -> int:
    """The number of non-blank lines: an upper bound on the rows, to size the array before parsing.

    Blank lines are left out of the count, so two rows followed by two million empty lines
    size the array for two rows, not two million.
    """
    return sum(1 for _ in raw_lines(path))


class LongCellError(DataError):
    """A cell longer than the csv module's field limit: the whole file is refused, not a row."""


def split_line(name: str, number: int, text: str, delimiter: str) -> list[str]:
    """One line's cells, by the csv module's rules (quotes, doubled quotes)."""
    try:
        return next(csv.reader([text], delimiter=delimiter, strict=True), [])
    except csv.Error as e:
        if "field limit" in str(e):
            raise LongCellError(
                f"{name}, line {number}: a cell longer than {csv.field_size_limit():,} "
                "characters; is the delimiter right?"
            ) from None
        raise DataError(
            f"{name}, line {number}: {e} (a quoted field must close on its own line)"
        ) from None


def fast_table(
    chunk: list[tuple[int, str]], delimiter: str, width: int, converters: dict | None = None
) -> np.ndarray | None:
    """The chunk's lines as a (rows, width) float table by NumPy's C parser, or None.

    The fast path of the CSV readers: ``None`` (any cell not a number, a row of another width)
    sends the caller to its cell-by-cell parser, which says exactly what is wrong where.
    """
    try:
        table = np.loadtxt(
            [text for _, text in chunk],
            delimiter=delimiter,
            comments=None,
            quotechar='"',
            ndmin=2,
            converters=converters,
        )
    except ValueError:
        return None
    return table if table.shape == (len(chunk), width) else None
