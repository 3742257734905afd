"""10,000 signals from a worker thread to the GUI thread arrive without a crash.

A regression test for PySide6 6.12.0, which loses a reference to ``True`` on every
``Signal.emit()`` and aborts the interpreter after enough emissions (pyproject pins < 6.12).
"""

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

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
