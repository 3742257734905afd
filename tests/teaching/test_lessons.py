"""Lesson files: the built-in lessons reach every number headless; broken files are refused
with the place; ``nnstudio lessons`` and ``nnstudio lesson check`` report and exit as promised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnstudio.cli import main as cli
from nnstudio.teaching.lesson_file import LessonError, parse_lesson, read_lesson
from nnstudio.teaching.lessons import build_document, builtin_lessons, check, find_lesson

LESSONS = builtin_lessons()


def test_nine_lessons_ship_in_the_resources_folder():
    assert [p.stem.split("-")[0] for p in LESSONS] == [str(i) for i in range(1, 10)]
    assert all(p.parent.name == "lessons" and p.parent.parent.name == "resources" for p in LESSONS)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_builtin_lesson_reaches_all_its_numbers(path):
    lesson, results = check(str(path))
    assert results, "a lesson without numbers to find"
    missed = [(r.expect.label, r.expect.value, r.actual, r.problem) for r in results if not r.ok]
    assert missed == []
    assert len(results) == len(lesson.expectations)


def test_the_course_numbers_are_the_ones_checked():
    """The lessons hold the course's worked numbers (not whatever the app happened to say)."""
    values = {
        p.stem.split("-")[0]: [e.value for _, e in read_lesson(p).expectations] for p in LESSONS
    }
    assert values["1"] == [5, 1, 9, -4]
    assert values["2"][-3:] == [150, 50, 7.0711]
    assert values["3"] == [6, -4, -24, 2.24, -12, 2.12]
    assert values["4"][2:4] == [30, 40] and values["4"][-1] == 2.5
    assert values["5"] == [2.5, 1.5811, -3, -1, -0.7, 5.1]
    assert values["6"] == [-6, 0.002473]


def test_a_wrong_number_is_not_reached(tmp_path):
    text = json.loads(find_lesson("3").read_text())
    text["steps"][1]["expect"][0]["value"] = 2.25  # the student's (wrong) new weight
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(text))
    _, results = check(str(path))
    assert [r.ok for r in results] == [True, True, True, False, True, True]
    assert results[3].actual == pytest.approx(2.24)


def lesson_text(**changes) -> str:
    raw = json.loads(find_lesson("4").read_text())
    raw.update(changes)
    return json.dumps(raw)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"format": NaN}', "not valid JSON"),
        ("[1]", "the lesson: expected an object"),
        (lesson_text(format=2), "format: this nnstudio reads lesson format 1"),
        (lesson_text(extra=1), "unknown key 'extra'"),
        (lesson_text(steps=[]), "steps: expected a list of 1 to 50 steps"),
        (lesson_text(steps=[{"text": "x", "do": {"action": "explode"}}]), "steps[0].do.action"),
        (
            lesson_text(steps=[{"text": "x", "do": {"action": "train", "epochs": -1}}]),
            "steps[0].do.epochs: expected a whole number",
        ),
        (
            lesson_text(
                steps=[
                    {
                        "text": "x",
                        "expect": [
                            {"label": "a", "quantity": {"of": "loss"}, "value": "6", "where": "w"}
                        ],
                    }
                ]
            ),
            "steps[0].expect[0].value: expected a number",
        ),
        (
            lesson_text(
                steps=[
                    {
                        "text": "x",
                        "expect": [
                            {"label": "a", "quantity": {"of": "pi"}, "value": 3, "where": "w"}
                        ],
                    }
                ]
            ),
            "steps[0].expect[0].quantity.of",
        ),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_broken_lesson_files_are_refused_with_the_place(text, message):
    with pytest.raises(LessonError, match=r"^mine\.json: ") as info:
        parse_lesson(text, "mine", "mine.json")
    assert message in str(info.value)


def test_rows_must_fit_together():
    raw = json.loads(find_lesson("4").read_text())
    raw["project"]["rows"]["y"] = [6, 7]
    with pytest.raises(LessonError, match=r"project.rows.y: expected 1 targets"):
        parse_lesson(json.dumps(raw), "mine", "mine.json")


def test_a_network_that_does_not_fit_its_weights_is_refused():
    raw = json.loads(find_lesson("4").read_text())
    raw["project"]["weights"] = [[[1], [2], [3]]]
    lesson = parse_lesson(json.dumps(raw), "mine")
    with pytest.raises(LessonError, match="mine: project:"):
        build_document(lesson)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (2 << 20))
    with pytest.raises(LessonError, match="too large"):
        read_lesson(path)


# ----------------------------------------------------------------------------- command line
def test_lessons_lists_the_builtin_lessons(capsys):
    assert cli(["lessons"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 9
    assert out[2].startswith("3-one-weight") and "6 numbers to find" in out[2]


def test_lesson_check_prints_ticks_and_exits_0(capsys):
    assert cli(["lesson", "check", "3"]) == 0
    out = capsys.readouterr().out
    assert "✓ step 2: new weight w = 2.24; app: 2.24" in out
    assert "6 of 6 numbers reached" in out


def test_lesson_check_of_a_wrong_answer_prints_a_cross_and_exits_1(tmp_path, capsys):
    raw = json.loads(find_lesson("5").read_text())
    raw["steps"][1]["expect"][1]["value"] = 5.2
    path = tmp_path / "student.json"
    path.write_text(json.dumps(raw))
    assert cli(["lesson", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "✗ step 2: b after one step = 5.2; app: 5.1" in out
    assert "5 of 6 numbers reached" in out


def test_lesson_check_of_an_unknown_lesson_is_an_error(capsys):
    assert cli(["lesson", "check", "no-such-lesson"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnstudio: error: no lesson 'no-such-lesson'")


def test_find_lesson_by_number_name_or_path():
    assert find_lesson("7") == find_lesson("7-activations")
    assert find_lesson(str(find_lesson("2"))) == Path(find_lesson("2"))
