"""Background tasks: results come back on the GUI thread, failures as one line, Cancel stops."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from nnstudio.gui.tasks import Task, run_blocking


@pytest.fixture
def parent(qtbot):
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def test_the_result_arrives_on_the_gui_thread(qtbot, parent):
    ran_in: list[bool] = []
    arrived_in: list[bool] = []
    task = Task(
        lambda progress: ran_in.append(threading.current_thread() is threading.main_thread()) or 42,
        parent,
    )
    task.succeeded.connect(
        lambda value: arrived_in.append(
            (value, threading.current_thread() is threading.main_thread())
        )
    )
    with qtbot.waitSignal(task.finished, timeout=10_000):
        task.start()
    assert ran_in == [False] and arrived_in == [(42, True)]


def test_a_failure_is_one_line_and_no_traceback(qtbot, parent, capfd):
    def broken(progress):
        raise KeyError("weights")

    task = Task(broken, parent)
    with qtbot.waitSignal(task.failed, timeout=10_000) as failed:
        task.start()
    task.wait()
    assert failed.args == ["unexpected KeyError: 'weights' (please report this)"]
    assert "Traceback" not in capfd.readouterr().err


def test_cancel_stops_the_function_at_its_next_progress_call(qtbot, parent):
    started = threading.Event()
    calls = []

    def endless(progress):
        while True:
            started.set()
            calls.append(1)
            progress(0.5)

    task = Task(endless, parent)
    with qtbot.waitSignal(task.cancelled, timeout=10_000):
        task.start()
        started.wait(10)
        task.cancel()
    task.wait()
    assert calls


def test_a_stopped_task_delivers_nothing(qtbot, parent):
    task = Task(lambda progress: 1, parent)
    got = []
    task.succeeded.connect(got.append)
    task.start()
    task.stop()  # waits for the thread; its result is stale now
    with qtbot.waitSignal(task.destroyed, timeout=10_000):
        task.deleteLater()
    assert got == []


def test_run_blocking_returns_the_result_or_the_error(parent):
    assert run_blocking(parent, "Adding…", lambda progress: 2 + 3).result == 5
    failed = run_blocking(parent, "Opening…", lambda progress: Path("/no/such/file").read_bytes())
    assert not failed.ok and "No such file" in failed.error
