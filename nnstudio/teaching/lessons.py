"""Built-in lessons, documents built from lesson files, and a lesson's steps done headless.

``nnstudio lesson check`` calls :func:`check`: it builds the lesson's document, performs each
step through the one training path (the same edits the window's controls push, then
``nnstudio.live``'s ``Run``), and compares every expected number with :func:`measure`'s.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio import examples
from nnstudio.data import DataError, Dataset
from nnstudio.document import Document, edits
from nnstudio.engine import Callback, normalize_spec
from nnstudio.io import session
from nnstudio.live import job_from_document, train_document
from nnstudio.resource_files import resource
from nnstudio.teaching.lesson_file import Expect, Lesson, LessonError, read_lesson
from nnstudio.teaching.measure import Subject, measure


def lessons_folder() -> Path:
    """Where the built-in lessons are: ``resources/lessons`` (a wheel has them too)."""
    return Path(str(resource("lessons")))


def builtin_lessons() -> list[Path]:
    """The built-in lesson files, in course order (their names start with the number)."""
    return sorted(lessons_folder().glob("*.json"))


def find_lesson(name: str) -> Path:
    """A built-in lesson by name (``3-one-weight`` or just ``3``), or a path to a lesson file."""
    path = Path(name)
    if path.suffix == ".json" and path.exists():
        return path
    for candidate in builtin_lessons():
        if name in (candidate.stem, candidate.stem.split("-", 1)[0]):
            return candidate
    known = ", ".join(p.stem for p in builtin_lessons())
    raise LessonError(f"no lesson {name!r}; built-in lessons: {known}")


def build_document(lesson: Lesson) -> Document:
    """The lesson's starting project; ``LessonError`` if its network or settings are refused."""
    p = lesson.project
    try:
        if "example" in p:
            doc = examples.example(p["example"])
            doc.network.update(copy.deepcopy(p.get("network", {})))
            doc.training = {**doc.training, **copy.deepcopy(p.get("training", {}))}
            doc = Document(
                network=doc.network,
                training=doc.training,
                data=doc.data,
                weights=doc.weights,
                auto_output=doc.auto_output,
            )
        else:
            doc = Document(
                network=copy.deepcopy(p["network"]),
                training=copy.deepcopy(p.get("training", {})),
                data=copy.deepcopy(p.get("data", {})),
                embedded=_embedded(lesson.name, p["rows"]) if "rows" in p else None,
                auto_output=False,
            )
        normalize_spec(doc.network)
        if "weights" in p:
            weights = [np.asarray(w, dtype=float) for w in p["weights"]]
            edits.SetWeights(weights).apply(doc)
        session.dataset(doc)  # the data must load and fit the network
    except (ValueError, KeyError, DataError) as exc:
        raise LessonError(f"{lesson.name}: project: {exc}") from None
    return doc


def _embedded(name: str, rows: dict[str, Any]) -> dict[str, Any]:
    binary = rows["task"] == "binary"
    return {
        "X": np.asarray(rows["X"], dtype=np.float64),
        "y": np.asarray(rows["y"], dtype=np.int64 if binary else np.float64),
        "feature_names": list(rows["features"]),
        "class_names": list(rows.get("classes", ["0", "1"])) if binary else None,
        "task": rows["task"],
        "name": name,
        "target_names": None if binary else ["y"],
        "image_shape": None,
    }


# ----------------------------------------------------------------------------- steps
class _StopAfterBatches(Callback):
    """Ends ``fit`` after a number of batches: Step batch without a window."""

    def __init__(self, batches: int) -> None:
        self.left = batches

    def on_batch_end(self, logs):
        self.left -= 1
        if self.left <= 0:
            self.control.request_stop("one batch")


def edit_for(action: dict[str, Any]) -> edits.Edit | None:
    """The document edit a settings step pushes (None for the training steps)."""
    kind = action["action"]
    if kind == "reset":
        return edits.reset_training()
    if kind == "set_weight":
        return _weight_edit(action["name"], action["value"])
    if kind == "set_loss":
        return edits.SetValue(("network", "loss"), action["loss"])
    if kind == "set_learning_rate":
        return edits.SetValue(("network", "optimizer", "learning_rate"), action["value"])
    if kind == "set_activation":
        return edits.SetLayerProperty(action["layer"] - 1, "activation", action["activation"])
    if kind == "set_dropout":
        return edits.SetLayerProperty(action["layer"] - 1, "dropout", action["value"])
    if kind == "set_early_stopping":
        return edits.SetValue(("training", "early_stopping", "enabled"), action["enabled"])
    return None


def _weight_edit(name: str, value: float) -> edits.Edit:
    """``W2[3,1]`` or ``b2[1]`` (from 1) as the edit Properties pushes when it is typed in."""
    match = re.fullmatch(r"W(\d+)\[(\d+),(\d+)\]|b(\d+)\[(\d+)\]", name)
    if match is None:
        raise LessonError(f"{name!r} is not a weight name like W1[2,1] or b1[1]")
    if match[1]:
        return edits.SetWeight(int(match[1]) - 1, int(match[2]) - 1, int(match[3]) - 1, value)
    return edits.SetBias(int(match[4]) - 1, int(match[5]) - 1, value)


def perform(doc: Document, dataset: Dataset, action: dict[str, Any]) -> str:
    """Do one step's action on ``doc`` headless; returns the run's message (if any).

    A refused edit (a layer the network does not have...) is a ``LessonError``.
    """
    try:
        edit = edit_for(action)
        if edit is not None:
            edit.apply(doc)
            return ""
    except ValueError as exc:
        raise LessonError(f"{action['action']}: {exc}") from None
    kind = action["action"]
    if kind == "train":
        edits.SetValue(("training", "epochs"), action["epochs"]).apply(doc)
        return train_document(doc, job_from_document(doc, dataset)).message
    callbacks = [_StopAfterBatches(1)] if kind == "step_batch" else []
    run = train_document(doc, job_from_document(doc, dataset), 1, callbacks)
    return run.message if run.diverged else ""


@dataclass
class Result:
    """One expected number after its step: the app's value and whether it matches."""

    step: int
    expect: Expect
    actual: float | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem and self.expect.holds(self.actual)


def evaluate(expect: Expect, subject: Subject, step: int) -> Result:
    try:
        return Result(step, expect, measure(subject, expect.quantity))
    except LookupError as exc:
        return Result(step, expect, None, str(exc))


def run_lesson(
    lesson: Lesson, on_message: Callable[[str], None] = lambda _m: None
) -> Iterator[Result]:
    """Build the lesson's document, do every step, yield each expected number's result."""
    doc = build_document(lesson)
    dataset = session.dataset(doc)
    for i, step in enumerate(lesson.steps):
        if step.action is not None:
            message = perform(doc, dataset, step.action)
            if message:
                on_message(message)
        subject = Subject.of(doc, dataset)
        for expect in step.expect:
            yield evaluate(expect, subject, i)


def check(name_or_path: str) -> tuple[Lesson, list[Result]]:
    """Read a lesson (built-in name or file) and check all its numbers headless."""
    lesson = read_lesson(find_lesson(name_or_path))
    return lesson, list(run_lesson(lesson))
