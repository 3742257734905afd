"""CSV import: a table of numbers plus one label column in, a Dataset out.

Students make these files by hand or download them, so every refusal says where the problem is
(``data.csv, line 17, column "petal_width": expected a number, found "abc"``) and lists every
problem at once, not one per attempt.

Importing is two steps, so that an import dialog can let the student change the label column
without reading the file again:

1. :func:`nnstudio.data.csv_table.read_table` parses the whole file once into a ``Table``;
2. :func:`select` decides, for a label column, columns left out, a task and a missing-value
   rule, which cells are problems, which rows stay and what the targets are. It copies no
   features, so it is quick even for a 60,000 x 785 file; :meth:`Selection.build` then makes the
   ``Dataset``.

:func:`import_csv` does both; :func:`preview` reads only the head of the file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.data.csv_layout import (
    generated_names,
    guess_label,
    image_shape,
    is_missing,
)
from nnstudio.data.csv_problems import API_ADVICE, Advice, Problem, Problems
from nnstudio.data.csv_table import ReadOptions, Table, head_layout, read_table, word_columns
from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError
from nnstudio.data.labels import TASK_CHOICES, encode_labels

DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
ROW_BLOCK = 1 << 20  # values moved at a time when features are compacted in place


@dataclass(frozen=True)
class CsvPreview:
    """The first rows of a CSV file as text, and what the importer guessed about its layout."""

    delimiter: str
    has_header: bool
    columns: list[str]  # the header's names, or generated ones when there is no header
    rows: list[list[str]]  # first data rows, split into cells
    label: int = -1  # the column the importer would take as the label
    word_columns: tuple[int, ...] = ()  # columns whose first rows hold words


@dataclass(frozen=True)
class CsvImport:
    """An imported data set and what the import did to get it (for the GUI to report)."""

    dataset: Dataset
    delimiter: str
    has_header: bool
    label_column: str
    missing_values: int  # missing cells found in the columns used (0 unless missing="drop")
    dropped_rows: int  # rows dropped because they had missing cells
    excluded: tuple[str, ...] = ()  # columns left out


def read_csv(path: str | PathLike[str], **options: Any) -> Dataset:
    """Import a CSV file of numeric features and one label column.

    The keyword options are :func:`import_csv`'s; this returns only the data set.
    """
    return import_csv(path, **options).dataset


def import_csv(
    path: str | PathLike[str],
    *,
    label: str | int | None = None,
    exclude: Iterable[str | int] = (),
    delimiter: str | None = None,
    has_header: bool | None = None,
    task: str | None = None,
    missing: str = "error",
    decimal_comma: bool = False,
    progress: Callable[[float], None] | None = None,
) -> CsvImport:
    """Import a CSV file and report what was done.

    ``label`` is a column name or index (negative counts from the end); None guesses it: a
    column named ``label``, ``class``, ``target``... wherever it is, else the last column of
    words, else the last column. ``exclude`` leaves columns out (an ID, a name). ``delimiter``
    and ``has_header`` are guessed when None. ``task`` forces "binary", "multiclass",
    "classification" or "regression"; otherwise word labels and few whole-number labels mean
    classification and other numbers regression. ``missing="drop"`` drops rows with missing
    cells (empty, NA, N/A, NaN, ?, null) instead of refusing the file. ``decimal_comma`` reads
    ``2,5`` as 2.5 (the delimiter must then be another character). Rows whose cells are all
    empty are skipped. ``progress(fraction)`` is called while the file is read.
    """
    check_options(delimiter, task, missing)
    if isinstance(exclude, str | bytes) or not isinstance(exclude, Iterable):
        raise DataError(f"exclude must be a list of column names or indices, got {exclude!r}")
    if not isinstance(decimal_comma, bool):
        raise DataError(f"decimal_comma must be true or false, got {decimal_comma!r}")
    table = read_table(path, ReadOptions(delimiter, has_header, decimal_comma), progress)
    label_index = resolve_label(table, label, Path(path))
    excluded = [resolve_column(table, column) for column in exclude]
    chosen = select(table, label_index, excluded, task, missing)
    return chosen.build(consume=True)


def preview(
    path: str | PathLike[str],
    n_rows: int = 10,
    *,
    delimiter: str | None = None,
    has_header: bool | None = None,
    decimal_comma: bool = False,
) -> CsvPreview:
    """Guess the delimiter, header and label column and return the first ``n_rows`` data rows.

    Meant for an import dialog: it reads only the head of the file and does not judge the
    rows (ragged or non-numeric rows are shown as they are; the import reports them).
    """
    path = Path(path)
    options = ReadOptions(delimiter, has_header, decimal_comma)
    delimiter, has_header, rows, _ = head_layout(path, options)
    columns = [c.strip() for c in rows[0]] if has_header else generated_names(len(rows[0]))
    data_rows = rows[1:] if has_header else rows
    names = columns if has_header else [""] * len(columns)
    label = guess_label(names, data_rows, decimal_comma)
    return CsvPreview(
        delimiter,
        has_header,
        columns,
        data_rows[:n_rows],
        label,
        tuple(word_columns(data_rows, decimal_comma)),
    )


def check_options(delimiter: str | None, task: str | None, missing: str) -> None:
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise DataError(f"delimiter must be one character other than a quote, got {delimiter!r}")
    if task is not None and task not in TASK_CHOICES:
        raise DataError(f"unknown task {task!r}; expected one of {', '.join(TASK_CHOICES)}")
    if missing not in ("error", "drop"):
        raise DataError(f'missing must be "error" or "drop", got {missing!r}')


# ------------------------------------------------------------------------------ columns
def resolve_label(table: Table, label: str | int | None, path: Path) -> int:
    """The label column's index; None guesses it from the header and the first rows."""
    if label is None:
        _, _, rows, _ = head_layout(
            path, ReadOptions(table.delimiter, table.has_header, table.decimal_comma)
        )
        names = table.header or [""] * table.n_columns
        return guess_label(names, rows[1:] if table.has_header else rows, table.decimal_comma)
    return resolve_column(table, label)


def resolve_column(table: Table, column: str | int) -> int:
    """A column's index from its name or index (negative counts from the end)."""
    n, name = table.n_columns, table.name
    if isinstance(column, int) and not isinstance(column, bool):
        if not -n <= column < n:
            raise DataError(
                f"{name}: label column {column} is out of range; the file has {n} columns, "
                f"numbered 0 to {n - 1}"
            )
        return column % n
    if not isinstance(column, str):
        raise DataError(f"a column must be given by name or index, got {column!r}")
    if table.header is None:
        raise DataError(
            f'{name}: the file has no header row, so there is no column named "{column}"; '
            f"give the column's index (0 to {n - 1}) instead"
        )
    matches = [j for j, c in enumerate(table.header) if c == column]
    if not matches:
        shown = ", ".join(f'"{c}"' for c in table.header[:12]) + (", ..." if n > 12 else "")
        raise DataError(f'{name}: no column named "{column}"; the columns are {shown}')
    if len(matches) > 1:
        raise DataError(f'{name}: {len(matches)} columns are named "{column}"; give an index')
    return matches[0]


# ---------------------------------------------------------------------------- selection
@dataclass
class Selection:
    """A table, a label column and the columns and rows to use: everything but the copy."""

    table: Table
    label: int
    features: np.ndarray
    keep: np.ndarray | None  # rows kept (None: all)
    y: np.ndarray
    class_names: list[str] | None
    task: str
    missing_values: int
    dropped_rows: int

    @property
    def feature_names(self) -> list[str]:
        if self.table.header:
            return [self.table.header[j] for j in self.features]
        return [f"x{i + 1}" for i in range(len(self.features))]

    @property
    def label_name(self) -> str:
        return self.table.header[self.label] if self.table.header else "y"

    @property
    def n_rows(self) -> int:
        return len(self.y)

    @property
    def image_shape(self) -> tuple[int, int] | None:
        return image_shape(self.feature_names, self.table.header is not None)

    def build(self, consume: bool = False) -> CsvImport:
        """The Dataset. ``consume`` reuses the table's memory for the features (no second copy
        of a large file), leaving the table unusable."""
        t = self.table
        values = t.values[: t.n_rows]
        X = _columns_in_place(values, self.features) if consume else values[:, self.features]
        if consume:
            t.values = np.empty((0, t.n_columns))
        if self.keep is not None:
            X = X[self.keep]
        dataset = Dataset(
            X,
            self.y,
            self.feature_names,
            self.class_names,
            self.task,
            name=t.stem,
            image_shape=self.image_shape,
            target_names=[self.label_name],
        ).validate()
        excluded = tuple(
            t.column_names()[j]
            for j in range(t.n_columns)
            if j != self.label and j not in set(self.features.tolist())
        )
        return CsvImport(
            dataset,
            t.delimiter,
            t.has_header,
            self.label_name,
            self.missing_values,
            self.dropped_rows,
            excluded,
        )


def select(
    table: Table,
    label: int,
    exclude: Iterable[int] = (),
    task: str | None = None,
    missing: str = "error",
    advice: Advice = API_ADVICE,
) -> Selection:
    """Judge the table for this choice; every problem is raised at once
    (``CsvProblemsError``) with ``advice`` on what to do."""
    check_options(None, task, missing)
    dropped = set(exclude) | {label}
    features = np.array([j for j in range(table.n_columns) if j not in dropped], dtype=np.int64)
    if not len(features):
        raise DataError(f"{table.name}: no feature columns are left; keep at least one")
    problems, counts, decimal = _feature_problems(table, features)
    missing_rows, missing_cells, first_missing = _missing(table, [*features.tolist(), label])
    if missing == "error" and missing_cells:
        counts["missing"] += missing_cells
        problems += first_missing
    if problems:
        raise Problems(table.name, problems, dict(counts), decimal).error(table.column_ref, advice)
    if table.n_rows == 0:
        raise DataError(f"{table.name}: the file has a header line but no data rows")

    keep = None
    if missing == "drop" and len(missing_rows):
        keep = np.setdiff1d(np.arange(table.n_rows), missing_rows)
        if not len(keep):
            raise DataError(f"{table.name}: every row has a missing value; nothing is left")
    rows = np.arange(table.n_rows) if keep is None else keep
    texts, codes = _label_texts(table, label, rows)
    lines = table.lines[rows]
    y, class_names, task = encode_labels(
        texts,
        codes,
        task,
        where=lambda row: f"{table.name}, line {lines[row]}, {table.column_ref(label)}",
        source=table.name,
    )
    dropped_rows = 0 if keep is None else table.n_rows - len(keep)
    counted = missing_cells if missing == "drop" else 0
    return Selection(table, label, features, keep, y, class_names, task, counted, dropped_rows)


def _feature_problems(table: Table, features: np.ndarray) -> tuple[list[Problem], Counter, bool]:
    """Rows of the wrong width, words and infinite numbers among the features."""
    problems = list(table.bad_rows)
    counts = Counter(p.kind for p in table.bad_rows)
    decimal = False
    for j in features.tolist():
        words = table.words.get(j)
        if words is not None:
            example = next((t for t in words.texts if not is_missing(t)), "")
            problems.append(Problem(0, j, "words", f'holds words, not numbers ("{example}")'))
            counts["words"] += 1
            continue
        stray = table.stray.get(j)
        if stray is not None:
            for rows, codes in zip(stray.rows[:20], stray.codes[:20], strict=True):
                text = stray.texts[int(codes[0])]
                decimal |= bool(DECIMAL_COMMA.fullmatch(text))
                line = int(table.lines[int(rows[0])])
                problems.append(Problem(line, j, "text", f'expected a number, found "{text}"'))
            counts["text"] += len(stray.rows)
        cells = table.infinite.get(j)
        if cells is not None:
            for row, text in cells.first:
                line = int(table.lines[row])
                problems.append(
                    Problem(line, j, "infinite", f'expected a finite number, found "{text}"')
                )
            counts["infinite"] += len(cells.rows)
    return problems, counts, decimal


def _missing(table: Table, columns: list[int]) -> tuple[np.ndarray, int, list[Problem]]:
    """Rows with a missing cell in ``columns``, how many cells, and the first few."""
    rows: list[np.ndarray] = []
    first: list[Problem] = []
    count = 0
    for j in columns:
        words = table.words.get(j)
        if words is not None:  # a word column: its missing cells are texts like "" or "NA"
            gaps = [c for c, text in enumerate(words.texts) if is_missing(text)]
            if gaps:
                codes, at = words.all_codes(), words.all_rows()
                hit = np.isin(codes, gaps)
                rows.append(at[hit])
                count += int(hit.sum())
                for row, code in zip(at[hit][:20].tolist(), codes[hit][:20].tolist(), strict=True):
                    line = int(table.lines[row])
                    first.append(_missing_problem(line, j, words.texts[code]))
            continue
        cells = table.missing.get(j)
        if cells is not None:
            rows.append(np.asarray(cells.rows, dtype=np.int64))
            count += len(cells.rows)
            first += [_missing_problem(int(table.lines[r]), j, t) for r, t in cells.first]
    found = np.unique(np.concatenate(rows)) if rows else np.empty(0, np.int64)
    return found, count, first


def _missing_problem(line: int, column: int, text: str) -> Problem:
    return Problem(line, column, "missing", f'missing value ("{text}")')


def _label_texts(table: Table, label: int, rows: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The label column as distinct texts and, for each kept row, the index of its text."""
    words = table.words.get(label)
    if words is not None:
        codes = np.empty(table.n_rows, dtype=np.int64)
        codes[words.all_rows()] = words.all_codes()
        return words.texts, codes[rows]
    values = table.values[rows, label]
    stray = table.stray.get(label)
    is_word = np.zeros(len(rows), dtype=bool)
    word_codes = np.zeros(len(rows), dtype=np.int64)
    texts: list[str] = []
    if stray is not None:  # a few words among numbers: classes by their text
        position = np.full(table.n_rows, -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        at = position[stray.all_rows()]
        inside = at >= 0
        is_word[at[inside]] = True
        word_codes[at[inside]] = stray.all_codes()[inside]
        texts = list(stray.texts)
    distinct, inverse = np.unique(values[~is_word], return_inverse=True)
    codes = np.empty(len(rows), dtype=np.int64)
    codes[is_word] = word_codes[is_word]
    codes[~is_word] = inverse.reshape(-1) + len(texts)
    texts += [_number_text(v) for v in distinct.tolist()]
    return texts, codes


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _columns_in_place(values: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``values[:, columns]`` written over ``values`` itself, block by block.

    Row r's kept cells go to positions r*k.. of the flat buffer, never past where row r
    started (r*m), so rows not yet moved are never overwritten: the features of a 400 MB
    table need no second 400 MB.
    """
    n, m = values.shape
    k = len(columns)
    if not values.flags.c_contiguous:
        return values[:, columns]
    flat = values.reshape(-1)
    block = max(1, ROW_BLOCK // max(m, 1))
    for start in range(0, n, block):
        stop = min(n, start + block)
        flat[start * k : stop * k] = values[start:stop][:, columns].reshape(-1)
    return flat[: n * k].reshape(n, k)


__all__ = [
    "CsvImport",
    "CsvPreview",
    "Selection",
    "check_options",
    "import_csv",
    "preview",
    "read_csv",
    "resolve_column",
    "resolve_label",
    "select",
]
