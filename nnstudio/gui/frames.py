"""The window's one frame clock: the newest snapshot is painted at most once per frame.

Live training used to pass through four rate limits in a row (the worker's own clock, the
process coalescing snapshots, the controller's timer, a slower clock for the canvas), each
adding latency. Now this clock is the only one. It paints (emits ``frame``) the newest
snapshot it was offered, at most once per ``interval_ms``, and each snapshot at most once;
after each frame it says ``ready``, and the training controller passes that on to the
training process, which sends its next snapshot only then. A snapshot arriving while the
clock is idle is painted at once (a Step or a Pause shows without waiting).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

#: 30 frames a second: smooth to the eye, and a budget of 33 ms per frame.
FRAME_MS = 33


class FrameClock(QObject):
    """Paints the newest offered snapshot once per frame; see the module docstring."""

    frame = Signal(object)  # the snapshot to paint
    ready = Signal()  # a frame was painted: the next snapshot is welcome

    def __init__(self, parent: QObject | None = None, interval_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self._pending: dict[str, Any] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)

    @property
    def pending(self) -> dict[str, Any] | None:
        """The snapshot waiting for the next frame (None: all painted)."""
        return self._pending

    @property
    def ticking(self) -> bool:
        """Whether a frame was painted less than one interval ago (the next one waits)."""
        return self._timer.isActive()

    def offer(self, snap: dict[str, Any]) -> None:
        """The newest snapshot: painted now if the clock is idle, else at the next tick."""
        self._pending = snap
        if not self._timer.isActive():
            self._paint()

    def flush(self) -> None:
        """Paint the waiting snapshot now (a state change shows with its own numbers)."""
        if self._pending is not None:
            self._timer.stop()
            self._paint()

    def stop(self) -> None:
        """Forget the waiting snapshot and stop ticking (the job is gone)."""
        self._timer.stop()
        self._pending = None

    def _on_tick(self) -> None:
        if self._pending is not None:
            self._paint()

    def _paint(self) -> None:
        snap, self._pending = self._pending, None
        self._timer.start()  # the next frame is due one interval after this one began
        self.frame.emit(snap)
        self.ready.emit()
