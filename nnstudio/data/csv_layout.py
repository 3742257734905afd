"""Guessing a CSV file's layout: delimiter, header, label column, image shape.

The guesses only look at the first lines, so they are cheap enough for a preview dialog; the
importer then holds every line to them.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass

import numpy as np

from nnstudio.data.errors import DataError
from nnstudio.data.limits import MAX_FEATURES

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "?", "null"})  # compared case-insensitively
DELIMITERS = ("\t", ";", ",")  # the first that splits every sampled line alike wins
PIXEL_NAME = re.compile(r"(?i)(pixel|px)[ _-]?\d+")


def is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING_TOKENS


def sniff_delimiter(head: list[tuple[int, str]]) -> str:
    """Tab, then semicolon, then comma: the first that splits all sampled lines alike.

    Tabs and semicolons rarely appear in a file unless they separate its columns, whereas
    commas also show up as decimal commas in semicolon-separated files.
    """
    for delimiter in DELIMITERS:
        try:
            widths = {len(next(csv.reader([text], delimiter=delimiter), [])) for _, text in head}
        except csv.Error:  # a cell over csv's field limit, a stray quote: not this delimiter
            continue
        if len(widths) == 1 and widths.pop() > 1:
            return delimiter
    return max(DELIMITERS, key=lambda d: head[0][1].count(d))  # ragged; let the import say where


def _kind(cell: str) -> str:
    cell = cell.strip()
    if is_missing(cell):
        return "missing"
    try:
        float(cell)
    except ValueError:
        return "text"
    return "number"


def looks_like_header(rows: list[list[str]]) -> bool:
    """A header holds a word where the rows below hold numbers.

    A label column of words does not decide it (its header is a word too), but any numeric
    column does. A one-line file is a header when every cell is a word.
    """
    first, rest = rows[0], rows[1:]
    if not rest:
        return all(_kind(cell) == "text" for cell in first)
    for j, cell in enumerate(first):
        below = {_kind(row[j]) for row in rest if j < len(row)}
        if _kind(cell) == "text" and "number" in below and "text" not in below:
            return True
    return False


def generated_names(n_columns: int) -> list[str]:
    return [f"column {j + 1}" for j in range(n_columns)]


@dataclass(frozen=True)
class Layout:
    """Which column is the label, what the columns are called and how errors refer to them."""

    name: str
    header: list[str] | None
    n_columns: int
    label_index: int

    @classmethod
    def build(
        cls, name: str, first_row: list[str], has_header: bool, label: str | int | None
    ) -> Layout:
        n_columns = len(first_row)
        if n_columns - 1 > MAX_FEATURES:
            raise DataError(
                f"{name}: {n_columns:,} columns; the limit is {MAX_FEATURES:,} features and a label"
            )
        if n_columns < 2:
            raise DataError(
                f"{name}: the first line has a single column; a data set needs feature columns "
                "and a label column (is the delimiter right?)"
            )
        header = [c.strip() or f"column {j + 1}" for j, c in enumerate(first_row)]
        header = header if has_header else None
        return cls(name, header, n_columns, _label_index(name, header, n_columns, label))

    @property
    def feature_columns(self) -> np.ndarray:
        return np.delete(np.arange(self.n_columns), self.label_index)

    def column_ref(self, j: int) -> str:
        return f'column "{self.header[j]}"' if self.header else f"column {j + 1}"

    def feature_names(self) -> list[str]:
        if self.header:
            return [self.header[j] for j in self.feature_columns]
        return [f"x{i + 1}" for i in range(self.n_columns - 1)]

    def label_name(self) -> str:
        return self.header[self.label_index] if self.header else "y"

    def image_shape(self) -> tuple[int, int] | None:
        """A square of 64 or more pixel columns is an image (MNIST: 784 = 28 x 28).

        With a header, the names must say so (pixel1, pixel_2, px3...), so that an ordinary
        table that happens to have 64 columns is not drawn as a picture.
        """
        d = self.n_columns - 1
        side = math.isqrt(d)
        if side * side != d or d < 64:
            return None
        names = self.feature_names()
        if self.header and not all(PIXEL_NAME.fullmatch(n) for n in names):
            return None
        return side, side


def _label_index(
    name: str, header: list[str] | None, n_columns: int, label: str | int | None
) -> int:
    if label is None:
        return n_columns - 1
    if isinstance(label, int) and not isinstance(label, bool):
        if not -n_columns <= label < n_columns:
            raise DataError(
                f"{name}: label column {label} is out of range; the file has {n_columns} "
                f"columns, numbered 0 to {n_columns - 1}"
            )
        return label % n_columns
    if not isinstance(label, str):
        raise DataError(f"label must be a column name or index, got {label!r}")
    if header is None:
        raise DataError(
            f'{name}: the file has no header row, so there is no column named "{label}"; '
            f"give the label column's index (0 to {n_columns - 1}) instead"
        )
    matches = [j for j, column in enumerate(header) if column == label]
    if not matches:
        shown = ", ".join(f'"{c}"' for c in header[:12]) + (", ..." if n_columns > 12 else "")
        raise DataError(f'{name}: no column named "{label}"; the columns are {shown}')
    if len(matches) > 1:
        raise DataError(f'{name}: {len(matches)} columns are named "{label}"; give an index')
    return matches[0]
