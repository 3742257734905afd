"""Prediction tables: a CSV of inputs in, a CSV of outputs (and predicted labels) out.

The input file has the project's feature columns: found by name when it has a header (other
columns, such as a label, are ignored), else taken in order. Every refusal names the file, line
and column, like the data importer's.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import numpy as np

from nnstudio.data import DataError
from nnstudio.data import embedded as emb
from nnstudio.document import Document
from nnstudio.io import session

MAX_INPUT_BYTES = 512 << 20
DELIMITERS = ("\t", ";", ",")


def read_inputs(path: str | os.PathLike[str], feature_names: list[str]) -> np.ndarray:
    """An (n, len(feature_names)) float array of the file's feature columns."""
    path = Path(path)
    lines = _lines(path)
    if not lines:
        raise DataError(f"{path.name}: the file is empty")
    delimiter = _delimiter(lines[0][1])
    rows = [(number, _cells(line, delimiter)) for number, line in lines]
    first = rows[0][1]
    has_header = not all(_is_number(cell) for cell in first)
    columns = _columns(path.name, first, feature_names, has_header)
    body = rows[1:] if has_header else rows
    if not body:
        raise DataError(f"{path.name}: no data rows")
    X = np.empty((len(body), len(feature_names)))
    names = first if has_header else [str(i + 1) for i in range(len(first))]
    for r, (number, cells) in enumerate(body):
        if len(cells) != len(first):
            raise DataError(
                f"{path.name}, line {number}: {len(cells)} cells, expected {len(first)} "
                "like the first line"
            )
        for c, col in enumerate(columns):
            X[r, c] = _number(cells[col], f"{path.name}, line {number}, column {names[col]!r}")
    return X


def _lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of the non-blank lines, decoded as UTF-8 (a BOM is allowed)."""
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise DataError(f"{path.name}: the file is too large ({size} bytes)")
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DataError(f"{path.name}, line {line}: contains a NUL byte; this is not a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{path.name}, line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
            "save the file with UTF-8 encoding"
        ) from None
    return [(i, line) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _cells(line: str, delimiter: str) -> list[str]:
    return [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]


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
def names(doc: Document) -> tuple[list[str], list[str] | None, list[str]]:
    """(feature names, class names or None, output column names) for the document's data."""
    n_in, n_out = doc.network["inputs"], doc.network["layers"][-1]["units"]
    try:
        ds = emb.to_dataset(doc.embedded) if doc.embedded is not None else session.dataset(doc)
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


def prediction_csv(doc: Document, X: np.ndarray) -> str:
    """CSV text: a header, then one row of outputs (and a predicted ``label``) per input row."""
    _, classes, columns = names(doc)
    outputs = session.predict(doc, X)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*columns, "label"] if classes else columns)
    for row in outputs:
        cells = [format(float(v), ".10g") for v in row]
        if classes:
            k = int(row[0] >= 0.5) if len(row) == 1 else int(np.argmax(row))
            cells.append(classes[k])
        writer.writerow(cells)
    return buffer.getvalue()
