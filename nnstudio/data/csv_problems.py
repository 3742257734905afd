"""Everything wrong with a CSV file, said at once.

A student fixing a file one error at a time (the stray word first, the missing cells only after
that) re-imports it again and again. The importer therefore collects every problem, and the
message lists the first :data:`MAX_LISTED` with line and column, and counts them all by kind.

The advice at the end depends on who reads it: the Python API says ``missing="drop"``, the
import dialog names its own controls. Each caller passes its own :class:`Advice`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nnstudio.data.errors import DataError

MAX_LISTED = 20

#: kind -> (one, many) for the counts line
KINDS = {
    "columns": ("row with the wrong number of columns", "rows with the wrong number of columns"),
    "quote": ("row with an unclosed quote", "rows with an unclosed quote"),
    "words": ("column of words", "columns of words"),
    "text": ("cell that is not a number", "cells that are not numbers"),
    "infinite": ("infinite number", "infinite numbers"),
    "missing": ("missing value", "missing values"),
}


@dataclass(frozen=True)
class Advice:
    """What to do about each kind of problem, in the reader's own terms."""

    missing: str = 'fix them, or import with missing="drop" to leave those rows out'
    decimal_comma: str = "use a dot for decimals, or import with decimal_comma=True"
    words: str = "make it the label (label=...) or leave it out (exclude=[...])"


API_ADVICE = Advice()


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at one place; ``line`` 0 means the whole column."""

    line: int
    column: int
    kind: str = field(compare=False)
    text: str = field(compare=False)  # "expected a number, found "abc""


@dataclass
class Problems:
    """The problems found, the first few of them in full, and a count of each kind."""

    name: str
    listed: list[Problem]
    counts: dict[str, int]
    decimal_commas: bool = False  # some bad cells look like "2,5"

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def message(self, column_ref, advice: Advice = API_ADVICE) -> str:
        """The whole report; ``column_ref(j)`` names column j (``column "b"`` or ``column 2``)."""
        shown = sorted(self.listed)[:MAX_LISTED]
        lines = [_place(self.name, p, column_ref) for p in shown]
        if self.total == 1:
            text = lines[0]
        else:
            counts = ", ".join(
                f"{n:,} {KINDS[kind][n != 1]}" for kind, n in self.counts.items() if n
            )
            text = f"{self.name}: {self.total:,} problems ({counts}):\n" + "\n".join(
                "  " + line.removeprefix(f"{self.name}, ") for line in lines
            )
            if self.total > len(shown):
                text += f"\n  … and {self.total - len(shown):,} more"
        hints = []
        if self.decimal_commas:
            hints.append(f"Decimal commas: {advice.decimal_comma}.")
        if self.counts.get("words"):
            hints.append(f"A column of words: {advice.words}.")
        if self.counts.get("missing"):
            hints.append(f"Missing values: {advice.missing}.")
        return text + ("\n" + "\n".join(hints) if hints else "")

    def error(self, column_ref, advice: Advice = API_ADVICE) -> CsvProblemsError:
        return CsvProblemsError(self.message(column_ref, advice), self)


def _place(name: str, problem: Problem, column_ref) -> str:
    if problem.column < 0:
        return f"{name}, line {problem.line}: {problem.text}"
    if problem.line == 0:
        return f"{name}, {column_ref(problem.column)}: {problem.text}"
    return f"{name}, line {problem.line}, {column_ref(problem.column)}: {problem.text}"


class CsvProblemsError(DataError):
    """A refusal listing every problem; ``problems`` lets a caller word the advice its way."""

    def __init__(self, message: str, problems: Problems) -> None:
        super().__init__(message)
        self.problems = problems


__all__ = ["API_ADVICE", "Advice", "CsvProblemsError", "Problem", "Problems"]
