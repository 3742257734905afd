"""The training process: a real spawned child, driven through its pipes, without Qt."""

import contextlib
import os
import threading
import time
from multiprocessing import Pipe

import numpy as np
import pytest

from nnstudio.live.process import (
    CHILD_THREAD_VARIABLES,
    _Outbox,
    receive_command,
    run_child,
    send_command,
    start_child,
)

QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph")


def receive_until(events, kind, value=None, timeout=20.0):
    """Events (kind, job_id, args) up to and including the first ``kind`` (and ``value``)."""
    seen = []
    while events.poll(timeout):
        event = events.recv()
        seen.append(event)
        if event[0] == kind and (value is None or event[2][0] == value):
            return seen
    raise TimeoutError(f"no {kind!r} event within {timeout} s; saw {[e[0] for e in seen]}")


def join(process, events, timeout=10.0):
    """Wait for the process to end, reading its events meanwhile (a full pipe blocks it)."""
    deadline = time.monotonic() + timeout
    with contextlib.suppress(EOFError):  # EOF: it has ended
        while process.is_alive() and time.monotonic() < deadline:
            if events.poll(0.05):
                events.recv()
    process.join(1.0)


@pytest.fixture
def child():
    before = {name: os.environ.get(name) for name in CHILD_THREAD_VARIABLES}
    process, commands, events = start_child()
    assert {name: os.environ.get(name) for name in CHILD_THREAD_VARIABLES} == before
    yield process, commands, events
    with contextlib.suppress(OSError):  # it may have quit already
        commands.send(("quit",))
    join(process, events)
    commands.close()
    events.close()
    assert process.exitcode == 0


def test_the_child_does_not_import_qt(child):
    _process, commands, events = child
    commands.send(("modules",))
    ((_kind, _job, (modules,)),) = receive_until(events, "modules")
    assert "nnstudio.live.worker" in modules
    assert [m for m in modules if m.split(".")[0] in QT_MODULES] == []


def test_one_child_serves_jobs_one_after_another(child, xor_job):
    process, commands, events = child
    commands.send(("job", 1, xor_job()))
    commands.send(("mode", "batch"))
    events_1 = receive_until(events, "state", "paused")
    assert all(job_id == 1 for _kind, job_id, _args in events_1)
    commands.send(("job", 2, xor_job()))  # replaces job 1: its end comes first
    ((kind, job_id, (result,)),) = receive_until(events, "ended")
    assert (kind, job_id, result.steps) == ("ended", 1, 1)
    commands.send(("mode", "epoch"))
    snaps = [a[0] for k, j, a in receive_until(events, "state", "paused") if k == "snapshot"]
    assert snaps[-1]["epoch"] == 1 and snaps[-1]["step"] == 20
    commands.send(("stop",))
    assert receive_until(events, "ended")[-1][1] == 2
    commands.send(("quit",))
    join(process, events)
    assert process.exitcode == 0


def test_quit_mid_training_ends_within_a_batch(child, xor_job):
    process, commands, events = child
    commands.send(("job", 7, xor_job()))
    commands.send(("mode", "run"))
    step = 0
    while step == 0:  # trained a little
        _kind, _job, (snap,) = receive_until(events, "snapshot")[-1]
        step = snap["step"]
    commands.send(("quit",))
    ended = receive_until(events, "ended")[-1]
    assert ended[1] == 7 and ended[2][0].steps > 0
    join(process, events, timeout=5)
    assert process.exitcode == 0


def test_run_child_in_this_process_ends_when_the_gui_is_gone(xor_job):
    """EOF on the commands pipe (the GUI died) means quit: no orphan keeps training."""
    commands_in, commands_out = Pipe(duplex=False)
    events_in, events_out = Pipe(duplex=False)
    thread = threading.Thread(target=run_child, args=(commands_in, events_out))
    thread.start()
    commands_out.send(("job", 1, xor_job()))
    commands_out.send(("mode", "run"))
    receive_until(events_in, "state", "running")
    commands_out.close()  # the GUI is gone: both of its pipe ends close
    events_in.close()
    thread.join(10)
    assert not thread.is_alive()
    commands_in.close()
    events_out.close()


class HeldPipe:
    """A pipe end whose send waits until released (a GUI busy painting)."""

    def __init__(self):
        self.sent, self.entered, self.release = [], threading.Event(), threading.Event()

    def send(self, event):
        self.entered.set()
        self.release.wait(5)
        self.sent.append(event)


def test_outbox_sends_every_event_in_order_while_the_gui_is_busy():
    """Snapshots carry curve deltas: dropping a waiting one would lose history points."""
    pipe = HeldPipe()
    outbox = _Outbox(pipe, on_gone=lambda: None)
    outbox.put("snapshot", 1, ("a",))
    assert pipe.entered.wait(5)  # the sender holds "a" in send
    for kind, value in [("snapshot", "b"), ("snapshot", "c"), ("state", "paused")]:
        outbox.put(kind, 1, (value,))
    outbox.put("snapshot", 1, ("d",))
    pipe.release.set()
    outbox.close()
    assert [args[0] for _kind, _job, args in pipe.sent] == ["a", "b", "c", "paused", "d"]


def test_outbox_stops_training_when_the_gui_is_gone():
    class GonePipe:
        def send(self, event):
            raise BrokenPipeError

    gone = threading.Event()
    outbox = _Outbox(GonePipe(), on_gone=gone.set)
    outbox.put("state", 1, ("running",))
    assert gone.wait(5)
    outbox.put("snapshot", 1, ({},))  # ignored, no error
    outbox.close()


def test_arrays_cross_the_pipe_out_of_band_whole_and_writable(xor_job):
    reader, writer = Pipe(duplex=False)
    job = xor_job()
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]  # not contiguous: pickled in band
    images = np.random.default_rng(0).random((300, 64), dtype=np.float32)  # 75 KiB > a pipe
    sent = threading.Thread(
        target=lambda: [
            send_command(writer, ("job", 3, job, images, strided)),
            send_command(writer, ("speed", 0.5)),
        ]
    )
    sent.start()
    kind, job_id, got, got_images, got_strided = receive_command(reader)
    assert (kind, job_id) == ("job", 3)
    np.testing.assert_array_equal(got.X_train, job.X_train)
    np.testing.assert_array_equal(got.y_val, job.y_val)
    assert got_images.dtype == np.float32 and got_images.flags.writeable
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_strided, strided)
    assert receive_command(reader) == ("speed", 0.5)  # plain commands as before
    sent.join(5)
    writer.close()
    reader.close()


def test_a_plain_send_is_still_understood():
    reader, writer = Pipe(duplex=False)
    writer.send(("mode", "run"))
    send_command(writer, ("stop",))
    assert receive_command(reader) == ("mode", "run")
    assert receive_command(reader) == ("stop",)
