"""10,000 signals from a worker thread to the GUI thread arrive without a crash.

A regression test for PySide6 6.12.0, which loses a reference to ``True`` on every
``Signal.emit()`` and aborts the interpreter after enough emissions (pyproject pins < 6.12).
"""

import threading
from multiprocessing import Pipe

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from nnstudio.gui.training import _Receiver

COUNT = 10_000


class Emitter(QObject):
    progress = Signal(object)
    flag = Signal(bool)

    @Slot()
    def run(self):
        for i in range(COUNT):
            self.progress.emit({"step": i, "loss": float(i), "w": np.zeros(3)})
            self.flag.emit(True)


class Receiver(QObject):
    def __init__(self):
        super().__init__()
        self.count = self.flags = 0

    @Slot(object)
    def on_progress(self, snap):
        self.count += 1

    @Slot(bool)
    def on_flag(self, value):
        self.flags += value


def test_ten_thousand_signals_cross_threads(qtbot):
    thread = QThread()
    emitter, receiver = Emitter(), Receiver()
    emitter.moveToThread(thread)
    emitter.progress.connect(receiver.on_progress)
    emitter.flag.connect(receiver.on_flag)
    thread.started.connect(emitter.run)
    thread.finished.connect(emitter.deleteLater)  # destroyed in its own thread
    try:
        # Wait on GUI-thread state, never on the worker's own signal: pytest-qt's blocker
        # would then stop its timer from the worker thread.
        thread.start()
        qtbot.waitUntil(lambda: receiver.count == COUNT and receiver.flags == COUNT, timeout=30_000)
    finally:
        thread.quit()
        thread.wait()
    assert not thread.isRunning()


def test_ten_thousand_events_through_the_receiver(qtbot):
    """The path of the training process's news: a pipe, the receiver thread, queued signals."""
    events_in, events_out = Pipe(duplex=False)
    receiver = _Receiver(events_in, generation=1)
    got = []
    receiver.event.connect(lambda _gen, kind, job_id, args: got.append(job_id))

    def feed():
        for i in range(COUNT):
            events_out.send(("snapshot", i, ({"step": i, "w": np.zeros(3)},)))
        events_out.send(("ended", COUNT, (None,)))

    feeder = threading.Thread(target=feed)
    try:
        receiver.start()
        feeder.start()
        qtbot.waitUntil(lambda: len(got) == COUNT, timeout=30_000)
        assert receiver.wait_ended(COUNT, timeout=5) == (True, None)
    finally:
        feeder.join()
        receiver.mute()
        events_out.close()  # as when the process ends: the receiver's recv() sees EOF
        receiver.wait()
        events_in.close()
    assert got == list(range(COUNT)) and not receiver.isRunning()
