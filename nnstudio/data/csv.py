"""CSV import: a table of numbers plus one label column in, a Dataset out.

Students make these files by hand or download them, so every refusal says where the problem is:
``data.csv, line 17, column "petal_width": expected a number, found "abc"``.

Rows are parsed a chunk at a time into one preallocated float array. Each chunk first goes
through NumPy's C parser (``np.loadtxt``); only a chunk that it rejects is parsed again cell by
cell in Python, which finds the exact line and column of the problem, counts missing values
and tells them apart from bad ones. A 60,000 x 785 MNIST-style file thus costs a few seconds
and little more memory than its float64 array.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from itertools import islice
from os import PathLike
from pathlib import Path

import numpy as np

from nnstudio.data.csv_layout import (
    Layout,
    generated_names,
    is_missing,
    looks_like_header,
    sniff_delimiter,
)
from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError
from nnstudio.data.labels import TASK_CHOICES, encode_labels
from nnstudio.data.limits import check_table
from nnstudio.data.textfile import count_lines, fast_table, read_head, split_line, text_lines

SNIFF_LINES = 20
CHUNK_LINES = 2048
DECIMAL_COMMA = re.compile(r"-?\d+,\d+")


@dataclass(frozen=True)
class CsvPreview:
    """The first rows of a CSV file as text, and what the importer guessed about its layout."""

    delimiter: str
    has_header: bool
    columns: list[str]  # the header's names, or generated ones when there is no header
    rows: list[list[str]]  # first data rows, split into cells


@dataclass(frozen=True)
class CsvImport:
    """An imported data set and what the import did to get it (for the GUI to report)."""

    dataset: Dataset
    delimiter: str
    has_header: bool
    label_column: str
    missing_values: int  # missing cells found (0 unless missing="drop")
    dropped_rows: int  # rows dropped because they had missing cells


def read_csv(
    path: str | PathLike[str],
    *,
    label: str | int | None = None,
    delimiter: str | None = None,
    has_header: bool | None = None,
    task: str | None = None,
    missing: str = "error",
) -> Dataset:
    """Import a CSV file of numeric features and one label column; see :func:`import_csv`.

    The keywords are spelled out (not ``**options``): a project's data reference may hold
    exactly these, and ``nnstudio.data.catalog`` reads them from this signature.
    """
    return import_csv(
        path, label=label, delimiter=delimiter, has_header=has_header, task=task, missing=missing
    ).dataset


def import_csv(
    path: str | PathLike[str],
    *,
    label: str | int | None = None,
    delimiter: str | None = None,
    has_header: bool | None = None,
    task: str | None = None,
    missing: str = "error",
) -> CsvImport:
    """Import a CSV file and report what was done.

    ``label`` is a column name or index (negative counts from the end); the default is the last
    column. ``delimiter`` and ``has_header`` are guessed when None. ``task`` forces "binary",
    "multiclass", "classification" or "regression"; otherwise word labels and few whole-number
    labels mean classification and other numbers regression. ``missing="drop"`` drops rows with
    missing cells (empty, NA, N/A, NaN, ?, null) instead of refusing the file.
    """
    path = Path(path)
    _check_options(delimiter, task, missing)
    head = read_head(path, SNIFF_LINES)
    delimiter = delimiter or sniff_delimiter(head)
    first_rows = [split_line(path.name, number, text, delimiter) for number, text in head]
    if has_header is None:
        has_header = looks_like_header(first_rows)
    layout = Layout.build(path.name, first_rows[0], has_header, label)
    max_rows = count_lines(path) - int(has_header)
    check_table(path.name, max_rows, len(layout.feature_columns))
    body = _Body(layout, delimiter, max_rows)
    with closing(text_lines(path)) as lines:
        if has_header:
            next(lines)
        body.read(lines)
    return _finish(body, path.stem, task, missing, delimiter, has_header)


def preview(path: str | PathLike[str], n_rows: int = 10) -> CsvPreview:
    """Guess the delimiter and header and return the first ``n_rows`` data rows as text.

    Meant for an import dialog: it reads only the head of the file and does not judge the
    rows (ragged or non-numeric rows are shown as they are; the import reports them).
    """
    path = Path(path)
    head = read_head(path, max(SNIFF_LINES, n_rows + 1))
    delimiter = sniff_delimiter(head)
    rows = [split_line(path.name, number, text, delimiter) for number, text in head]
    has_header = looks_like_header(rows)
    columns = [c.strip() for c in rows[0]] if has_header else generated_names(len(rows[0]))
    data_rows = rows[1:] if has_header else rows
    return CsvPreview(delimiter, has_header, columns, data_rows[:n_rows])


def _check_options(delimiter: str | None, task: str | None, missing: str) -> None:
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise DataError(f"delimiter must be one character other than a quote, got {delimiter!r}")
    if task is not None and task not in TASK_CHOICES:
        raise DataError(f"unknown task {task!r}; expected one of {', '.join(TASK_CHOICES)}")
    if missing not in ("error", "drop"):
        raise DataError(f'missing must be "error" or "drop", got {missing!r}')


# --------------------------------------------------------------------------- the body
class _Body:
    """Parses data rows into a preallocated feature array and a column of label codes.

    Label texts are stored once each in ``label_texts``; ``codes`` index them, so labels can be
    numbers or words and the choice between classes and regression is made at the end.
    """

    def __init__(self, layout: Layout, delimiter: str, max_rows: int) -> None:
        """``max_rows`` must bound the number of rows (the file's line count does)."""
        self.layout = layout
        self.delimiter = delimiter
        self.features = layout.feature_columns
        self.X = np.empty((max_rows, len(self.features)))
        self.codes = np.empty(max_rows, dtype=np.int64)
        self.lines = np.empty(max_rows, dtype=np.int64)  # line number of each row, for messages
        self.has_missing = np.zeros(max_rows, dtype=bool)
        self.n_rows = 0
        self.label_texts: list[str] = []
        self._label_code: dict[str, int] = {}
        self.missing_count = 0
        self.first_missing = ""

    def read(self, lines: Iterator[tuple[int, str]]) -> None:
        while chunk := list(islice(lines, CHUNK_LINES)):
            if not self._parse_fast(chunk):
                self._parse_slow(chunk)

    def code_of(self, text: str) -> int:
        text = text.strip()
        code = self._label_code.get(text)
        if code is None:
            code = self._label_code[text] = len(self.label_texts)
            self.label_texts.append(text)
        return code

    def _store(self, numbers: np.ndarray, codes: np.ndarray, lines: list[int]) -> slice:
        rows = slice(self.n_rows, self.n_rows + len(codes))
        self.X[rows] = numbers
        self.codes[rows] = codes
        self.lines[rows] = lines
        self.n_rows = rows.stop
        return rows

    def _parse_fast(self, chunk: list[tuple[int, str]]) -> bool:
        """NumPy's C parser; False if it rejects the chunk or finds NaN, inf or missing labels."""
        label = self.layout.label_index
        converters = {label: self.code_of}
        table = fast_table(chunk, self.delimiter, self.layout.n_columns, converters)
        if table is None:
            return False
        numbers = table[:, self.features]
        codes = table[:, label].astype(np.int64)
        if not np.isfinite(numbers).all() or self._missing_codes(codes):
            return False
        self._store(numbers, codes, [number for number, _ in chunk])
        return True

    def _missing_codes(self, codes: np.ndarray) -> bool:
        return any(is_missing(self.label_texts[c]) for c in np.unique(codes))

    def _parse_slow(self, chunk: list[tuple[int, str]]) -> None:
        """Cell by cell, to say exactly which cell is wrong and to record missing ones."""
        width = self.layout.n_columns
        numbers = np.empty((len(chunk), len(self.features)))
        codes = np.empty(len(chunk), dtype=np.int64)
        missing = np.zeros(len(chunk), dtype=bool)
        for i, (number, text) in enumerate(chunk):
            cells = split_line(self.layout.name, number, text, self.delimiter)
            if len(cells) != width:
                source = "the header" if self.layout.header else "the first line"
                raise DataError(
                    f"{self.layout.name}, line {number}: expected {width} columns "
                    f"(as in {source}), found {len(cells)}"
                )
            for k, j in enumerate(self.features):
                numbers[i, k] = self._number(number, j, cells[j])
            codes[i] = self.code_of(cells[self.layout.label_index])
            missing[i] = self._note_missing(number, cells)
        rows = self._store(numbers, codes, [number for number, _ in chunk])
        self.has_missing[rows] = missing

    def _number(self, line: int, column: int, cell: str) -> float:
        cell = cell.strip()
        if is_missing(cell):
            return math.nan
        try:
            value = float(cell)
        except ValueError:
            hint = " (use a dot for decimals)" if DECIMAL_COMMA.fullmatch(cell) else ""
            raise DataError(
                f"{self.layout.name}, line {line}, {self.layout.column_ref(column)}: "
                f'expected a number, found "{cell}"{hint}'
            ) from None
        if not math.isfinite(value):
            raise DataError(
                f"{self.layout.name}, line {line}, {self.layout.column_ref(column)}: "
                f'expected a finite number, found "{cell}"'
            )
        return value

    def _note_missing(self, line: int, cells: list[str]) -> bool:
        """Count the row's missing cells (features and label); True if there are any."""
        gaps = [j for j, cell in enumerate(cells) if is_missing(cell)]
        if gaps and not self.missing_count:
            text = cells[gaps[0]].strip()
            self.first_missing = f'line {line}, {self.layout.column_ref(gaps[0])} ("{text}")'
        self.missing_count += len(gaps)
        return bool(gaps)


def _finish(
    body: _Body, name: str, task: str | None, missing: str, delimiter: str, has_header: bool
) -> CsvImport:
    layout = body.layout
    if body.n_rows == 0:
        raise DataError(f"{layout.name}: the file has a header line but no data rows")
    keep = slice(0, body.n_rows)
    dropped = 0
    if body.missing_count:
        if missing == "error":
            raise DataError(
                f"{layout.name}: {body.missing_count} missing value(s), the first at "
                f'{body.first_missing}; fix them or import with missing="drop" to drop those rows'
            )
        keep = np.flatnonzero(~body.has_missing[: body.n_rows])
        dropped = body.n_rows - len(keep)
        if not len(keep):
            raise DataError(f"{layout.name}: every row has a missing value; nothing is left")
    lines = body.lines[keep]
    label_ref = layout.column_ref(layout.label_index)
    y, class_names, task = encode_labels(
        body.label_texts,
        body.codes[keep],
        task,
        where=lambda row: f"{layout.name}, line {lines[row]}, {label_ref}",
        source=layout.name,
    )
    dataset = Dataset(
        body.X[keep],
        y,
        layout.feature_names(),
        class_names,
        task,
        name=name,
        image_shape=layout.image_shape(),
        target_names=[layout.label_name()],
    ).validate()
    return CsvImport(
        dataset, delimiter, has_header, layout.label_name(), body.missing_count, dropped
    )
