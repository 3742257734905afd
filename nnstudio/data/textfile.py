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

#: Longer lines are refused before they are decoded: a 100,000-column row is about 1 MB, and a
#: "line" of gigabytes (a binary file, a file without line breaks) must not fill the memory.
MAX_LINE_BYTES = 64 << 20
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each non-blank line, decoded as UTF-8 with any BOM removed.

    Close the generator (``contextlib.closing``) when not reading to the end, to close the file.
    """
    try:
        f = path.open("rb")
    except OSError as e:
        raise DataError(f"{path.name}: cannot open the file ({e.strerror})") from None
    with f:
        for number, raw in enumerate(iter(lambda: f.readline(MAX_LINE_BYTES + 1), b""), start=1):
            if len(raw) > MAX_LINE_BYTES:
                raise DataError(
                    f"{path.name}, line {number}: longer than {MAX_LINE_BYTES >> 20} MB; "
                    "this is not a CSV file of one example per line"
                )
            if number == 1 and raw[:2] in UTF16_BOMS:
                raise DataError(
                    f"{path.name}: this is UTF-16 text; save it as UTF-8 (a spreadsheet's "
                    '"CSV UTF-8" format)'
                )
            text = _decoded(path.name, number, raw)
            if number == 1:
                text = text.removeprefix("\ufeff")
            if text.strip():
                yield number, text


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
    """An upper bound on the number of rows, to size the array before parsing."""
    with path.open("rb") as f:
        return 1 + sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))


def split_line(name: str, number: int, text: str, delimiter: str) -> list[str]:
    """One line's cells, by the csv module's rules (quotes, doubled quotes)."""
    try:
        return next(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as e:
        raise DataError(
            f"{name}, line {number}: {e} (a quoted field must close on its own line)"
        ) from None
