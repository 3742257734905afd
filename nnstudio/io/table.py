"""Prediction tables: a CSV of inputs in, a CSV of outputs (and predicted labels) out.

The input file has the project's feature columns: found by name when it has a header (other
columns, such as a label, are ignored), else taken in order. Every refusal names the file, line
and column, like the data importer's. The input is read as a stream of bounded lines (a regular
file only), parsed a chunk at a time by NumPy's C parser, with a cell-by-cell pass only for a
chunk it rejects (to say where); the output is written a chunk at a time.

Text cells of the output (class names, column names) come from files, so they are made safe
for a spreadsheet: control characters are escaped and a leading ``= + - @`` (a formula to
Excel or LibreOffice) gets a ``'`` in front.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Iterator
from contextlib import closing
from itertools import islice
from pathlib import Path
from typing import TextIO

import numpy as np

from nnstudio.data import DataError
from nnstudio.data import embedded as emb
from nnstudio.data.limits import check_table
from nnstudio.data.textfile import fast_table, split_line, text_lines
from nnstudio.document import Document
from nnstudio.io import session

DELIMITERS = ("\t", ";", ",")
CHUNK_ROWS = 4096
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def read_inputs(path: str | os.PathLike[str], feature_names: list[str]) -> np.ndarray:
    """An (n, len(feature_names)) float array of the file's feature columns (within the limits)."""
    name = Path(path).name
    chunks, n_rows = [], 0
    for chunk in input_chunks(path, feature_names):
        n_rows += len(chunk)
        check_table(name, n_rows, len(feature_names))
        chunks.append(chunk)
    return np.concatenate(chunks) if len(chunks) > 1 else chunks[0]


def input_chunks(path: str | os.PathLike[str], feature_names: list[str]) -> Iterator[np.ndarray]:
    """The file's feature columns, CHUNK_ROWS rows at a time: memory does not grow with it."""
    path = Path(path)
    with closing(text_lines(path)) as lines:
        first = next(lines, None)
        if first is None:
            raise DataError(f"{path.name}: the file is empty")
        reader = _InputReader(path.name, first[1], feature_names)
        rows = lines if reader.has_header else _chain_first(first, lines)
        empty = True
        while chunk := list(islice(rows, CHUNK_ROWS)):
            empty = False
            yield reader.parse(chunk)
    if empty:
        raise DataError(f"{path.name}: no data rows")


def _chain_first(first: tuple[int, str], rest: Iterator[tuple[int, str]]):
    yield first
    yield from rest


class _InputReader:
    """Parses chunks of lines against the first line (the header, or the first row)."""

    def __init__(self, name: str, first_line: str, features: list[str]) -> None:
        self.name = name
        self.delimiter = _delimiter(first_line)
        first = _cells(name, 1, first_line, self.delimiter)
        self.width = len(first)
        self.has_header = not all(_is_number(cell) for cell in first)
        self.columns = _columns(name, first, features, self.has_header)
        self.column_names = first if self.has_header else [str(i + 1) for i in range(self.width)]

    def parse(self, chunk: list[tuple[int, str]]) -> np.ndarray:
        fast = self._parse_fast(chunk)
        return fast if fast is not None else self._parse_slow(chunk)

    def _parse_fast(self, chunk: list[tuple[int, str]]) -> np.ndarray | None:
        table = fast_table(chunk, self.delimiter, self.width)
        if table is None:
            return None
        X = table[:, self.columns]
        return X if np.isfinite(X).all() else None

    def _parse_slow(self, chunk: list[tuple[int, str]]) -> np.ndarray:
        X = np.empty((len(chunk), len(self.columns)))
        for r, (number, line) in enumerate(chunk):
            cells = _cells(self.name, number, line, self.delimiter)
            if len(cells) != self.width:
                raise DataError(
                    f"{self.name}, line {number}: {len(cells)} cells, expected {self.width} "
                    "like the first line"
                )
            for c, col in enumerate(self.columns):
                where = f"{self.name}, line {number}, column {self.column_names[col]!r}"
                X[r, c] = _number(cells[col], where)
        return X


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _cells(name: str, number: int, line: str, delimiter: str) -> list[str]:
    return [cell.strip() for cell in split_line(name, number, line, delimiter)]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _number(cell: str, where: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise DataError(f"{where}: expected a number, found {cell!r}") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: expected a finite number, found {cell!r}")
    return value


def _columns(name: str, first: list[str], features: list[str], has_header: bool) -> list[int]:
    """Indices of the feature columns in the file."""
    if has_header:
        missing = [f for f in features if f not in first]
        if missing:
            raise DataError(
                f"{name}, line 1: no column {missing[0]!r}; the project's features are "
                f"{', '.join(features)}"
            )
        return [first.index(f) for f in features]
    if len(first) != len(features):
        raise DataError(
            f"{name}, line 1: {len(first)} columns but the project has {len(features)} features "
            f"({', '.join(features)}); add a header row to pick columns by name"
        )
    return list(range(len(features)))


# ------------------------------------------------------------------------------- output
def names(
    doc: Document, base_dir: str | os.PathLike[str] | None = None, allow_outside: bool = False
) -> tuple[list[str], list[str] | None, list[str]]:
    """(feature names, class names or None, output column names) for the document's data."""
    n_in, n_out = doc.network["inputs"], doc.network["layers"][-1]["units"]
    try:
        if doc.embedded is not None:
            ds = emb.to_dataset(doc.embedded)
        else:
            ds = session.dataset(doc, base_dir, allow_outside)
        features, classes = ds.feature_names, ds.class_names
        targets = ds.target_names
    except (DataError, OSError):
        features, classes, targets = [f"x{i + 1}" for i in range(n_in)], None, None
    if len(features) != n_in:
        features = [f"x{i + 1}" for i in range(n_in)]
    if classes is not None and n_out == 1 and len(classes) == 2:
        return features, classes, [f"p_{classes[1]}"]
    if classes is not None and n_out == len(classes):
        return features, classes, [f"p_{c}" for c in classes]
    if targets is not None and len(targets) == n_out:
        return features, None, list(targets)
    return features, None, ["y"] if n_out == 1 else [f"y{j + 1}" for j in range(n_out)]


def safe_text_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: controls escaped, no formula at the start."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_predictions(
    doc: Document,
    inputs: np.ndarray | Iterable[np.ndarray],
    out: TextIO,
    labels: tuple[list[str] | None, list[str]] | None = None,
) -> int:
    """CSV to ``out``: a header, then one row of outputs (and a predicted ``label``) per row.

    ``inputs`` is an array or chunks of rows (:func:`input_chunks`), predicted and written a
    chunk at a time; the header is written with the first chunk, so a file refused at once
    leaves ``out`` empty. ``labels`` is (class names or None, output column names), as
    :func:`names` gives them. Returns the number of rows written.
    """
    classes, columns = labels if labels is not None else names(doc)[1:]
    if isinstance(inputs, np.ndarray):
        inputs = (inputs[i : i + CHUNK_ROWS] for i in range(0, max(len(inputs), 1), CHUNK_ROWS))
    writer = csv.writer(out, lineterminator="\n")
    header = [*columns, "label"] if classes else columns
    safe_classes = [safe_text_cell(c) for c in classes] if classes else None
    net = session.network(doc)
    n_rows = 0
    for chunk in inputs:
        if n_rows == 0:
            writer.writerow([safe_text_cell(c) for c in header])
        n_rows += len(chunk)
        if not len(chunk):
            continue
        outputs = net.predict(session.standardize_inputs(doc, chunk))
        rows = []
        for row in outputs:
            cells = [format(float(v), ".10g") for v in row]
            if safe_classes:
                k = int(row[0] >= 0.5) if len(row) == 1 else int(np.argmax(row))
                cells.append(safe_classes[k])
            rows.append(cells)
        writer.writerows(rows)
    return n_rows


def prediction_csv(doc: Document, X: np.ndarray) -> str:
    """The CSV text :func:`write_predictions` writes."""
    buffer = io.StringIO()
    write_predictions(doc, X, buffer)
    return buffer.getvalue()
