"""Text files read line by line: strict UTF-8, with errors that name the line.

Decoding each line on its own (rather than the whole file at once) is what lets an encoding
error or a stray NUL byte be reported as "line 17" instead of "byte 48213".
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import closing
from itertools import islice
from pathlib import Path

from nnstudio.data.errors import DataError
from nnstudio.data.limits import MAX_LINE_BYTES, MAX_TEXT_BYTES, regular_file


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
    """(line number, bytes) of every line, each at most MAX_LINE_BYTES long."""
    regular_file(path, MAX_TEXT_BYTES)
    try:
        f = path.open("rb")
    except OSError as e:
        raise DataError(f"{path.name}: cannot open the file ({e.strerror})") from None
    with f:
        number = 0
        while raw := f.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES:
                raise DataError(
                    f"{path.name}, line {number}: longer than {MAX_LINE_BYTES:,} bytes (the limit "
                    "for one line); is this a CSV file?"
                )
            if b"\r" in raw.rstrip(b"\r\n"):
                raise DataError(
                    f"{path.name}, line {number}: a line break made of a lone carriage return "
                    "(old Mac style); save the file with ordinary line endings"
                )
            yield number, raw


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
    return sum(1 for _, raw in raw_lines(path) if raw.strip())


def split_line(name: str, number: int, text: str, delimiter: str) -> list[str]:
    """One line's cells, by the csv module's rules (quotes, doubled quotes)."""
    try:
        return next(csv.reader([text], delimiter=delimiter, strict=True), [])
    except csv.Error as e:
        raise DataError(
            f"{name}, line {number}: {e} (a quoted field must close on its own line)"
        ) from None
