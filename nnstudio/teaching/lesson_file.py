"""Lesson files: plain JSON a teacher can write, read as untrusted input and checked whole.

A lesson is a project (or an example plus changes), a text, and steps; each step says what to
do with one of the window's controls and which numbers the student should then find. The
format is described in the README ("Lesson files"); every refusal is a ``LessonError`` that
names the file and the place (``steps[2].expect[0].value: expected a number``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1
MAX_BYTES = 1 << 20  # a lesson is text and a few numbers; 1 MiB is generous
MAX_ROWS = 10_000  # rows of data a lesson may carry inline

#: What a step may do, each with its arguments and the control that does it in the window.
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "step_batch": ((), "Train ▸ Step batch"),
    "step_epoch": ((), "Train ▸ Step epoch"),
    "train": (("epochs",), "the Epochs field, then Play"),
    "reset": ((), "Train ▸ Reset"),
    "set_weight": (("name", "value"), "the connection's (or neuron's bias) field in Properties"),
    "set_loss": (("loss",), "the Loss list in the settings bar"),
    "set_learning_rate": (("value",), "the Learning rate field in the settings bar"),
    "set_activation": (("layer", "activation"), "the layer's Activation in Properties"),
    "set_dropout": (("layer", "value"), "the layer's Dropout in Properties"),
    "set_early_stopping": (("enabled",), "the Early stopping box in the settings bar"),
}

#: Quantities a lesson can ask for, with the arguments each takes (see ``measure``).
QUANTITIES: dict[str, tuple[str, ...]] = {
    "output": ("sample", "unit"),
    "target": ("sample", "unit"),
    "error": ("sample", "unit"),
    "node": ("sample", "layer", "unit", "field"),
    "weight": ("name",),
    "gradient": ("name", "sample"),
    "loss": (),
    "rmse": (),
    "sum_squared_error": (),
    "history": ("key", "at"),
    "epochs": (),
}
COMPARES = ("equal", "below", "above")
DEFAULT_TOLERANCE = 5e-5  # "to 4 decimals": equal when it rounds the same, give or take


class LessonError(ValueError):
    """A lesson file that cannot be used, with the file's name and the place in it."""


@dataclass(frozen=True)
class Expect:
    """A number the student should find: where it shows, and how close is right."""

    label: str
    quantity: dict[str, Any]
    value: float
    where: str
    compare: str = "equal"
    tolerance: float = DEFAULT_TOLERANCE

    def holds(self, actual: float | None) -> bool:
        """True when the app's value ``actual`` matches (a missing or NaN value never does)."""
        if actual is None or not math.isfinite(actual):
            return False
        if self.compare == "below":
            return actual < self.value
        if self.compare == "above":
            return actual > self.value
        return abs(actual - self.value) <= self.tolerance

    def describe(self) -> str:
        sign = {"equal": "=", "below": "<", "above": ">"}[self.compare]
        return f"{self.label} {sign} {self.value:g}"


@dataclass(frozen=True)
class Step:
    """One thing to do (``action`` None: just look) and what it should show."""

    text: str
    action: dict[str, Any] | None
    expect: tuple[Expect, ...] = ()
    observe: str = ""


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    text: str
    project: dict[str, Any]
    steps: tuple[Step, ...]
    links: tuple[str, ...] = field(default=())

    @property
    def expectations(self) -> list[tuple[int, Expect]]:
        return [(i, e) for i, step in enumerate(self.steps) for e in step.expect]


def read_lesson(path: str | Path) -> Lesson:
    """Read and check a lesson file; ``LessonError`` says what is wrong and where."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise LessonError(f"{path.name}: not a regular file")
        if size > MAX_BYTES:
            raise LessonError(f"{path.name}: too large for a lesson ({size} bytes; limit 1 MiB)")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LessonError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise LessonError(f"{path.name}: not UTF-8 text") from None
    return parse_lesson(text, path.stem, path.name)


def parse_lesson(text: str, name: str, where: str = "lesson") -> Lesson:
    """A lesson from its JSON text (``name``: what the lesson is called, the file's stem)."""
    try:
        raw = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise LessonError(f"{where}: nested too deeply") from None
    except ValueError as exc:
        raise LessonError(f"{where}: not valid JSON ({exc})") from None
    return _Reader(where).lesson(raw, name)


def _no_constant(token: str) -> float:
    raise ValueError(f"{token} is not a number a lesson may use")


class _Reader:
    """Checks a parsed lesson, keeping the file's name for every message."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, place: str, problem: str) -> LessonError:
        return LessonError(f"{self.where}: {place}: {problem}")

    def obj(self, value: Any, place: str, keys: tuple[str, ...], required: tuple[str, ...]):
        if not isinstance(value, dict):
            raise self.fail(place, "expected an object")
        unknown = [k for k in value if k not in keys]
        if unknown:
            raise self.fail(place, f"unknown key {unknown[0]!r}; known: {', '.join(keys)}")
        missing = [k for k in required if k not in value]
        if missing:
            raise self.fail(place, f"missing {missing[0]!r}")
        return value

    def text(self, value: Any, place: str, limit: int = 20_000) -> str:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "\n".join(value)  # long texts may be written as a list of lines
        if not isinstance(value, str):
            raise self.fail(place, "expected text")
        if len(value) > limit:
            raise self.fail(place, f"text too long ({len(value)} characters; limit {limit})")
        return value

    def number(self, value: Any, place: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(place, f"expected a number, got {value!r}")
        if not math.isfinite(value):
            raise self.fail(place, "expected a finite number")
        return float(value)

    def whole(self, value: Any, place: str, low: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 10**6:
            raise self.fail(place, f"expected a whole number from {low}, got {value!r}")
        return value

    def lesson(self, raw: Any, name: str) -> Lesson:
        keys = ("format", "title", "text", "project", "steps", "links")
        raw = self.obj(raw, "the lesson", keys, ("format", "title", "text", "project", "steps"))
        if raw["format"] != FORMAT:
            raise self.fail("format", f"this nnstudio reads lesson format {FORMAT}")
        steps = raw["steps"]
        if not isinstance(steps, list) or not 1 <= len(steps) <= 50:
            raise self.fail("steps", "expected a list of 1 to 50 steps")
        links = raw.get("links", [])
        if not isinstance(links, list):
            raise self.fail("links", "expected a list of texts")
        return Lesson(
            name=name,
            title=self.text(raw["title"], "title", 200),
            text=self.text(raw["text"], "text"),
            project=self.project(raw["project"]),
            steps=tuple(self.step(s, f"steps[{i}]") for i, s in enumerate(steps)),
            links=tuple(self.text(v, f"links[{i}]", 200) for i, v in enumerate(links)),
        )

    def project(self, raw: Any) -> dict[str, Any]:
        """The project part, kept as data: ``lessons.build_document`` turns it into a document.

        Its network and settings are checked by the document's own rules when it is built;
        here the shapes of the inline rows and weights are checked.
        """
        keys = ("example", "network", "training", "data", "rows", "weights")
        raw = self.obj(raw, "project", keys, ())
        if "example" not in raw and "network" not in raw:
            raise self.fail("project", "give an 'example' to start from, or a 'network'")
        if "example" not in raw and "rows" not in raw and "data" not in raw:
            raise self.fail("project", "give the data: 'rows' or a 'data' reference")
        if "example" in raw and not isinstance(raw["example"], str):
            raise self.fail("project.example", "expected an example's name")
        for key in ("network", "training", "data"):
            if key in raw and not isinstance(raw[key], dict):
                raise self.fail(f"project.{key}", "expected an object")
        if "rows" in raw:
            self.rows(raw["rows"])
        if "weights" in raw:
            self.weights(raw["weights"])
        return raw

    def rows(self, raw: Any) -> None:
        keys = ("X", "y", "features", "task", "classes")
        raw = self.obj(raw, "project.rows", keys, ("X", "y", "features", "task"))
        X, y = raw["X"], raw["y"]
        if not isinstance(X, list) or not 1 <= len(X) <= MAX_ROWS:
            raise self.fail("project.rows.X", f"expected a list of 1 to {MAX_ROWS} rows")
        width = None
        for i, row in enumerate(X):
            if not isinstance(row, list) or not row:
                raise self.fail(f"project.rows.X[{i}]", "expected a list of numbers")
            for j, v in enumerate(row):
                self.number(v, f"project.rows.X[{i}][{j}]")
            if width is not None and len(row) != width:
                raise self.fail(f"project.rows.X[{i}]", f"expected {width} numbers like row 0")
            width = len(row)
        if not isinstance(y, list) or len(y) != len(X):
            raise self.fail("project.rows.y", f"expected {len(X)} targets, one per row")
        for i, v in enumerate(y):
            self.number(v, f"project.rows.y[{i}]")
        features = raw["features"]
        if not isinstance(features, list) or len(features) != width:
            raise self.fail("project.rows.features", f"expected {width} feature names")
        for i, v in enumerate(features):
            self.text(v, f"project.rows.features[{i}]", 100)
        if raw["task"] not in ("regression", "binary"):
            raise self.fail("project.rows.task", "expected 'regression' or 'binary'")

    def weights(self, raw: Any) -> None:
        if not isinstance(raw, list) or len(raw) > 128:
            raise self.fail("project.weights", "expected a list of weight arrays")
        for i, w in enumerate(raw):
            flat = [w]
            depth = 0
            while flat and isinstance(flat[0], list) and depth < 3:
                flat = [v for part in flat for v in (part if isinstance(part, list) else [part])]
                depth += 1
            if depth not in (1, 2) or len(flat) > 100_000:
                raise self.fail(f"project.weights[{i}]", "expected a list or a table of numbers")
            for v in flat:
                self.number(v, f"project.weights[{i}]")

    def step(self, raw: Any, place: str) -> Step:
        raw = self.obj(raw, place, ("text", "do", "expect", "observe"), ("text",))
        action = None
        if raw.get("do") is not None:
            action = self.action(raw["do"], f"{place}.do")
        expect = raw.get("expect", [])
        if not isinstance(expect, list) or len(expect) > 50:
            raise self.fail(f"{place}.expect", "expected a list of at most 50 numbers")
        return Step(
            text=self.text(raw["text"], f"{place}.text", 2000),
            action=action,
            expect=tuple(self.expect(e, f"{place}.expect[{i}]") for i, e in enumerate(expect)),
            observe=self.text(raw.get("observe", ""), f"{place}.observe", 2000),
        )

    def action(self, raw: Any, place: str) -> dict[str, Any]:
        if not isinstance(raw, dict) or raw.get("action") not in ACTIONS:
            raise self.fail(f"{place}.action", f"expected one of {', '.join(ACTIONS)}")
        args, _ = ACTIONS[raw["action"]]
        self.obj(raw, place, ("action", *args), ("action", *args))
        for key in args:
            value = raw[key]
            if key in ("epochs", "layer"):
                self.whole(value, f"{place}.{key}")
            elif key == "value":
                self.number(value, f"{place}.{key}")
            elif key == "enabled":
                if not isinstance(value, bool):
                    raise self.fail(f"{place}.enabled", "expected true or false")
            else:
                self.text(value, f"{place}.{key}", 40)
        return dict(raw)

    def expect(self, raw: Any, place: str) -> Expect:
        keys = ("label", "quantity", "value", "where", "compare", "tolerance")
        raw = self.obj(raw, place, keys, ("label", "quantity", "value", "where"))
        compare = raw.get("compare", "equal")
        if compare not in COMPARES:
            raise self.fail(f"{place}.compare", f"expected one of {', '.join(COMPARES)}")
        tolerance = self.number(raw.get("tolerance", DEFAULT_TOLERANCE), f"{place}.tolerance")
        if tolerance < 0:
            raise self.fail(f"{place}.tolerance", "expected a number of at least 0")
        return Expect(
            label=self.text(raw["label"], f"{place}.label", 200),
            quantity=self.quantity(raw["quantity"], f"{place}.quantity"),
            value=self.number(raw["value"], f"{place}.value"),
            where=self.text(raw["where"], f"{place}.where", 300),
            compare=compare,
            tolerance=tolerance,
        )

    def quantity(self, raw: Any, place: str) -> dict[str, Any]:
        if not isinstance(raw, dict) or raw.get("of") not in QUANTITIES:
            raise self.fail(f"{place}.of", f"expected one of {', '.join(QUANTITIES)}")
        args = QUANTITIES[raw["of"]]
        self.obj(raw, place, ("of", *args), ("of",))
        for key in args:
            if key not in raw:
                continue
            value = raw[key]
            if key in ("sample", "layer", "unit"):
                self.whole(value, f"{place}.{key}")
            elif key == "field" and value not in ("z", "a"):
                raise self.fail(f"{place}.field", "expected 'z' (weighted sum) or 'a'")
            elif key == "at" and value not in ("last", "min", "max", "first"):
                raise self.fail(f"{place}.at", "expected last, first, min or max")
            elif key in ("name", "key"):
                self.text(value, f"{place}.{key}", 40)
        return dict(raw)
