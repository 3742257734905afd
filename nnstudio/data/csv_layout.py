"""Guessing a CSV file's layout: delimiter, header, label column, image shape.

The guesses only look at the first lines, so they are cheap enough for a preview dialog; the
importer then holds every line to them.
"""

from __future__ import annotations

import csv
import math
import re

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "?", "null"})  # compared case-insensitively
DELIMITERS = ("\t", ";", ",")  # the first that splits every sampled line alike wins
PIXEL_NAME = re.compile(r"(?i)(pixel|px)[ _-]?\d+")
#: Header names that say "this is what to predict", most telling first (any letter case).
LABEL_NAMES = ("label", "labels", "class", "target", "outcome", "y")


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


def _kind(cell: str, decimal_comma: bool = False) -> str:
    if is_missing(cell):
        return "missing"
    return "text" if number_or_none(cell, decimal_comma) is None else "number"


def looks_like_header(rows: list[list[str]], decimal_comma: bool = False) -> bool:
    """A header holds a word where the rows below hold numbers.

    A label column of words does not decide it (its header is a word too), but any numeric
    column does. A one-line file is a header when every cell is a word.
    """
    first, rest = rows[0], rows[1:]
    if not rest:
        return all(_kind(cell, decimal_comma) == "text" for cell in first)
    for j, cell in enumerate(first):
        below = {_kind(row[j], decimal_comma) for row in rest if j < len(row)}
        if _kind(cell, decimal_comma) == "text" and "number" in below and "text" not in below:
            return True
    return False


def generated_names(n_columns: int) -> list[str]:
    return [f"column {j + 1}" for j in range(n_columns)]


def number_or_none(cell: str, decimal_comma: bool = False) -> float | None:
    """The cell's number, or None for a word or a missing value."""
    cell = cell.strip()
    if decimal_comma:
        cell = cell.replace(",", ".")
    if is_missing(cell):
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def guess_label(names: list[str], rows: list[list[str]], decimal_comma: bool = False) -> int:
    """The column a student most likely wants to predict, from the header and first rows.

    A column named like a label (``label``, ``class``, ``target``, ``y``...: MNIST-style
    files put ``label`` first) wins; otherwise the last column of words (``species``);
    otherwise the last column.
    """
    lowered = [name.strip().lower() for name in names]
    for wanted in LABEL_NAMES:
        if wanted in lowered:
            return lowered.index(wanted)
    words = [
        j
        for j in range(len(names))
        if (cells := [r[j] for r in rows if j < len(r) and not is_missing(r[j])])
        and all(number_or_none(c, decimal_comma) is None for c in cells)
    ]
    return words[-1] if words else len(names) - 1


def image_shape(feature_names: list[str], named: bool) -> tuple[int, int] | None:
    """A square of 64 or more pixel columns is an image (MNIST: 784 = 28 x 28).

    With a header (``named``), the names must say so (pixel1, pixel_2, px3...), so that an
    ordinary table that happens to have 64 columns is not drawn as a picture.
    """
    d = len(feature_names)
    side = math.isqrt(d)
    if side * side != d or d < 64:
        return None
    if named and not all(PIXEL_NAME.fullmatch(n) for n in feature_names):
        return None
    return side, side
