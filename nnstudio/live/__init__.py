"""Live training without Qt: the worker (``worker``) and the process it runs in (``process``).

The GUI (``nnstudio.gui.training``) only sends commands and draws what comes back; everything
here runs in the training process, which never imports Qt.
"""

from nnstudio.live.process import run_child, start_child
from nnstudio.live.worker import (
    FINISHED,
    IDLE,
    PAUSE,
    PAUSED,
    RUN,
    RUNNING,
    STEP_BATCH,
    STEP_EPOCH,
    Gate,
    Worker,
)

__all__ = [
    "FINISHED",
    "IDLE",
    "PAUSE",
    "PAUSED",
    "RUN",
    "RUNNING",
    "STEP_BATCH",
    "STEP_EPOCH",
    "Gate",
    "Worker",
    "run_child",
    "start_child",
]
