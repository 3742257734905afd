"""A race is paced by the window's frames, and its progress reports carry only new epochs."""

from __future__ import annotations

import threading

import pytest

from nnstudio.examples import example
from nnstudio.io import session
from nnstudio.live.race import Race, race_jobs

OPTIMIZERS = [{"name": "sgd", "learning_rate": 0.1}, {"name": "adam", "learning_rate": 0.01}]


@pytest.fixture
def race(monkeypatch):
    monkeypatch.setattr("nnstudio.live.race.TURN_S", 0.0)  # one epoch a turn: many turns
    doc = example("xor")
    doc.training["epochs"] = 12
    jobs = race_jobs(doc, session.dataset(doc), OPTIMIZERS)
    return Race(jobs, ["a", "b"], epochs=12)


def test_a_race_reports_only_when_the_window_asks_for_a_frame(race):
    frames = threading.Event()
    frames.set()  # the window wants its first frame
    turns, reports = [], []
    turn = race.turn

    def counted_turn():
        turns.append(1)
        if len(turns) == 10:
            frames.set()  # the window painted the first report and wants the next
        return turn()

    race.turn = counted_turn
    race.run(lambda kind, _reports: reports.append((len(turns), kind)), threading.Event(), frames)
    assert len(turns) == 24  # two runs of 12 epochs, one a turn
    assert reports == [(1, "progress"), (10, "progress"), (24, "done")]


def test_progress_reports_add_up_to_the_final_history(race, monkeypatch):
    monkeypatch.setattr("nnstudio.live.race.REPORTS_PER_S", 1e9)  # a report after every turn
    folded: list[dict[str, list[float]]] = [{}, {}]
    final = []

    def emit(kind, reports):
        if kind == "done":
            final.extend(reports)
            return
        for history, report in zip(folded, reports, strict=True):
            start = report["history_start"]
            assert start <= report["epochs"]
            for key, values in report["history"].items():
                assert len(values) <= 1  # one epoch a turn, reported after each turn
                history[key] = history.get(key, [])[:start] + values

    race.run(emit, threading.Event())
    for history, report in zip(folded, final, strict=True):
        assert report["history_start"] == 0 and len(report["history"]["loss"]) == 12
        assert history == report["history"]
