"""A CSV file read once into columns, before anyone has said which column is the label.

The import dialog lets a student pick the label column, leave columns out and choose how
missing values are treated; none of that should read a 100 MB file again. So the file is
parsed once into a :class:`Table`: every cell that is a number lands in one preallocated float
array, and what is not a number is remembered per column (word cells, missing cells, infinite
numbers, rows of the wrong width). Which of these are problems depends on the choice made
afterwards (words are fine in the label column, not among the features), so nothing is judged
here; ``nnstudio.data.csv`` does that.

Rows are parsed a chunk at a time. Each chunk first goes through NumPy's C parser
(``np.loadtxt``), with the *word columns* (those whose first rows hold words, such as
``species``) read as text; only a chunk it rejects is parsed again cell by cell in Python, which
finds each odd cell. Rows whose cells are all empty (a spreadsheet's ``,,,,``) are skipped.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np

from nnstudio.data.csv_layout import is_missing, looks_like_header, number_or_none, sniff_delimiter
from nnstudio.data.csv_problems import Problem
from nnstudio.data.errors import DataError
from nnstudio.data.limits import MAX_FEATURES, check_table
from nnstudio.data.textfile import LongCellError, count_lines, read_head, split_line, text_lines

SNIFF_LINES = 20
CHUNK_LINES = 256  # small enough that the GUI thread never waits long for the parser's lock
MAX_NOTED = 20  # cells remembered in full per column and kind (all are counted)


@dataclass
class Cells:
    """Some cells of one column: how many, and the first few (row, text) of them."""

    rows: list[int] = field(default_factory=list)
    first: list[tuple[int, str]] = field(default_factory=list)

    def add(self, row: int, text: str) -> None:
        self.rows.append(row)
        if len(self.first) < MAX_NOTED:
            self.first.append((row, text))


@dataclass
class Words:
    """The texts of a column's word cells: ``rows[i]`` holds ``texts[codes[i]]``."""

    rows: list[np.ndarray] = field(default_factory=list)
    codes: list[np.ndarray] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def code(self, text: str) -> int:
        if len(text) > csv.field_size_limit():  # NumPy's parser has no limit; csv's does
            raise ValueError("a cell over the csv module's field limit")
        text = text.strip()
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.texts)
            self.texts.append(text)
        return found

    def all_rows(self) -> np.ndarray:
        return np.concatenate(self.rows) if self.rows else np.empty(0, np.int64)

    def all_codes(self) -> np.ndarray:
        return np.concatenate(self.codes) if self.codes else np.empty(0, np.int64)


@dataclass
class ReadOptions:
    """How to split the file; None means "guess from the first lines"."""

    delimiter: str | None = None
    has_header: bool | None = None
    decimal_comma: bool = False


@dataclass
class Table:
    """Every row of a CSV file, split and parsed, with what was odd about each column."""

    name: str  # the file's name, for messages
    stem: str
    delimiter: str
    has_header: bool
    decimal_comma: bool
    header: list[str] | None
    word_columns: list[int]  # columns read as text throughout (their first rows are words)
    values: np.ndarray  # (rows, columns) floats; NaN where a cell is not a finite number
    lines: np.ndarray  # line number of each row
    n_rows: int = 0
    words: dict[int, Words] = field(default_factory=dict)  # the word columns' cells
    stray: dict[int, Words] = field(default_factory=dict)  # words in the other columns
    missing: dict[int, Cells] = field(default_factory=dict)
    infinite: dict[int, Cells] = field(default_factory=dict)
    bad_rows: list[Problem] = field(default_factory=list)  # wrong width, unclosed quote

    @property
    def n_columns(self) -> int:
        return int(self.values.shape[1])

    def column_names(self) -> list[str]:
        if self.header:
            return list(self.header)
        return [f"column {j + 1}" for j in range(self.n_columns)]

    def column_ref(self, j: int) -> str:
        return f'column "{self.header[j]}"' if self.header else f"column {j + 1}"


def head_layout(
    path: Path, options: ReadOptions
) -> tuple[str, bool, list[list[str]], list[tuple[int, str]]]:
    """(delimiter, has_header, first rows split, first lines) from the head of the file."""
    head = read_head(path, SNIFF_LINES)
    delimiter = options.delimiter or sniff_delimiter(head)
    rows = [split_line(path.name, number, text, delimiter) for number, text in head]
    has_header = options.has_header
    if has_header is None:
        has_header = looks_like_header(rows, options.decimal_comma)
    return delimiter, has_header, rows, head


def word_columns(rows: list[list[str]], decimal_comma: bool = False) -> list[int]:
    """Columns whose non-missing cells are all words (at least one): label candidates."""
    if not rows:
        return []
    found = []
    for j in range(len(rows[0])):
        cells = [row[j] for row in rows if j < len(row) and not is_missing(row[j])]
        if cells and all(number_or_none(c, decimal_comma) is None for c in cells):
            found.append(j)
    return found


def read_table(
    path: str | Path,
    options: ReadOptions | None = None,
    progress: Callable[[float], None] | None = None,
) -> Table:
    """Parse the whole file. ``progress(fraction)`` is called after each chunk (it may raise
    to stop, e.g. on Cancel). Only unreadable text (not UTF-8, NUL bytes), a file or a line over
    the limits of ``nnstudio.data.limits`` and a cell over the csv module's limit raise here."""
    path = Path(path)
    options = options or ReadOptions()
    if options.decimal_comma and options.delimiter == ",":
        raise DataError("decimal commas need another delimiter than the comma (; or tab)")
    delimiter, has_header, rows, _ = head_layout(path, options)
    if options.decimal_comma and delimiter == ",":
        raise DataError("decimal commas need another delimiter than the comma (; or tab)")
    width = len(rows[0])
    if width < 2:
        raise DataError(
            f"{path.name}: the first line has a single column; a data set needs feature columns "
            "and a label column (is the delimiter right?)"
        )
    if width - 1 > MAX_FEATURES:  # before the whole file is counted
        raise DataError(
            f"{path.name}: {width:,} columns; the limit is {MAX_FEATURES:,} features and a label"
        )
    header = [c.strip() or f"column {j + 1}" for j, c in enumerate(rows[0])] if has_header else None
    data_rows = rows[1:] if has_header else rows
    total = count_lines(path)
    check_table(path.name, total - int(has_header), width - 1)  # before the arrays are made
    table = Table(
        name=path.name,
        stem=path.stem,
        delimiter=delimiter,
        has_header=has_header,
        decimal_comma=options.decimal_comma,
        header=header,
        word_columns=word_columns(data_rows, options.decimal_comma),
        values=np.empty((max(total - int(has_header), 0), width)),
        lines=np.empty(max(total - int(has_header), 0), dtype=np.int64),
    )
    table.words = {j: Words() for j in table.word_columns}
    with closing(text_lines(path)) as lines:
        if has_header:
            next(lines)
        _Parser(table).read(lines, total, progress)
    return table


class _Parser:
    """Fills a Table chunk by chunk: NumPy's parser first, cell by cell where it gives up."""

    def __init__(self, table: Table) -> None:
        self.t = table
        self.numeric = np.array(
            [j for j in range(table.n_columns) if j not in table.words], dtype=np.int64
        )

    def read(
        self,
        lines: Iterator[tuple[int, str]],
        total: int,
        progress: Callable[[float], None] | None,
    ) -> None:
        done = int(self.t.has_header)  # lines read so far
        while chunk := list(islice(lines, CHUNK_LINES)):
            if self.t.decimal_comma:
                chunk = [(n, text.replace(",", ".")) for n, text in chunk]
            if not self._fast(chunk):
                self._slow(chunk)
            done += len(chunk)  # total counts non-blank lines, as chunks do
            if progress is not None:
                progress(done / max(total, 1))

    def _rows(self, count: int) -> slice:
        rows = slice(self.t.n_rows, self.t.n_rows + count)
        self.t.n_rows = rows.stop
        return rows

    def _fast(self, chunk: list[tuple[int, str]]) -> bool:
        """NumPy's C parser; False if it rejects the chunk or finds NaN or infinity."""
        t = self.t
        try:
            parsed = np.loadtxt(
                [text for _, text in chunk],
                delimiter=t.delimiter,
                comments=None,
                quotechar='"',
                ndmin=2,
                converters={j: words.code for j, words in t.words.items()},
            )
        except ValueError:
            return False
        if parsed.shape != (len(chunk), t.n_columns):
            return False
        numbers = parsed[:, self.numeric]
        if not np.isfinite(numbers).all():
            return False
        rows = self._rows(len(chunk))
        t.values[rows] = parsed
        t.lines[rows] = [number for number, _ in chunk]
        indices = np.arange(rows.start, rows.stop)
        for j, words in t.words.items():
            words.rows.append(indices)
            words.codes.append(parsed[:, j].astype(np.int64))
            t.values[rows, j] = np.nan
        return True

    def _slow(self, chunk: list[tuple[int, str]]) -> None:
        """Cell by cell, remembering every cell that is not a finite number."""
        t = self.t
        width = t.n_columns
        for number, text in chunk:
            try:
                cells = split_line(t.name, number, text, t.delimiter)
            except LongCellError:
                raise  # not a row to leave out: likely the wrong delimiter, or not a CSV file
            except DataError:
                t.bad_rows.append(
                    Problem(number, -1, "quote", "a quoted cell does not close on its line")
                )
                continue
            if all(not cell.strip() for cell in cells):
                continue  # an empty row, as spreadsheets write them: ",,,,"
            if len(cells) != width:
                source = "the header" if t.header else "the first line"
                t.bad_rows.append(
                    Problem(
                        number,
                        -1,
                        "columns",
                        f"expected {width} columns (as in {source}), found {len(cells)}",
                    )
                )
                continue
            row = self._rows(1).start
            t.lines[row] = number
            for j, cell in enumerate(cells):
                t.values[row, j] = self._cell(row, j, cell)

    def _cell(self, row: int, j: int, cell: str) -> float:
        t = self.t
        words = t.words.get(j)
        if words is not None:
            words.rows.append(np.array([row]))
            words.codes.append(np.array([words.code(cell)]))
            return math.nan
        text = cell.strip()
        if is_missing(text):
            t.missing.setdefault(j, Cells()).add(row, text)
            return math.nan
        try:
            value = float(text)
        except ValueError:
            words = t.stray.setdefault(j, Words())
            words.rows.append(np.array([row]))
            words.codes.append(np.array([words.code(text)]))
            return math.nan
        if not math.isfinite(value):
            t.infinite.setdefault(j, Cells()).add(row, text)
            return math.nan
        return value


__all__ = ["ReadOptions", "Table", "head_layout", "read_table", "word_columns"]
