"""The one training path, without Qt: jobs from documents, runs, and the training process.

``job`` derives a training job from a document and its data; ``run`` trains it (the command
line and scripts call :func:`train`); ``worker`` and ``process`` run the same thing in the
window's training process, and ``snapshot`` computes what the live views draw. The GUI
(``nnstudio.gui.training``) only sends commands and draws what comes back.
"""

from nnstudio.live.job import Job, Prepared, job_from_document, prepare
from nnstudio.live.process import run_child, start_child
from nnstudio.live.run import Run, epochs_for_next_run, train, train_document
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
    "Job",
    "Prepared",
    "Run",
    "Worker",
    "epochs_for_next_run",
    "job_from_document",
    "prepare",
    "run_child",
    "start_child",
    "train",
    "train_document",
]
