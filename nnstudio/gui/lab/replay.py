"""The Replay panel: any kept epoch of the run shown in every view, and "continue from here".

The training process keeps the weights of past epochs (``nnstudio.live.replay``: at most 500
per run, thinned evenly) and sends them after each result. Moving the slider pauses training
and shows that epoch's weights on the canvas, in the boundary, weights, neuron and sample
views and in the loss landscape; the loss view marks the epoch. "Continue from here" makes
that epoch the project's state (one undoable edit): its weights, the curves up to it, the
random streams as they were, and a fresh optimizer state.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from nnstudio.document import edits
from nnstudio.engine import Network
from nnstudio.gui.undo import DocumentController
from nnstudio.live.curves import SnapshotStream
from nnstudio.live.job import Job
from nnstudio.live.replay import Frame, continue_progress
from nnstudio.live.snapshot import Snapshotter

NOTE = (
    "Continuing keeps this epoch's weights and where the data shuffling was; the optimizer's "
    "memory (momentum, running averages) starts fresh, because it is not kept per epoch. "
    "Undo (Ctrl+Z) brings the whole run back."
)


class ReplayPanel(QWidget):
    """See the module docstring. ``frameShown(weights)`` goes to other views (the landscape)."""

    frameShown = Signal(object)

    def __init__(self, controller: DocumentController, live, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller, self.live = controller, live
        self.job: Job | None = None
        self.frames: list[Frame] = []
        self.shown: Frame | None = None
        self._snapshotter: Snapshotter | None = None
        self._stream = SnapshotStream()  # the replayed frames' gradient sizes, as the views want
        self._shown_count = 0
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.setToolTip("Drag to see any kept epoch of this run in every view.")
        self.slider.valueChanged.connect(self._on_slider)
        self.label = QLabel("Train a few epochs: their weights are kept here to replay.")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.continue_button = QPushButton("Continue from here")
        self.continue_button.setEnabled(False)
        self.continue_button.setToolTip(NOTE)
        self.continue_button.clicked.connect(self.continue_from_here)
        note = QLabel(NOTE)
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout()
        row.addWidget(self.continue_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.slider)
        layout.addWidget(self.label)
        layout.addLayout(row)
        layout.addWidget(note)
        layout.addStretch(1)
        # A handle on the loss curve: drag it to an epoch (the slider follows).
        self.marker = pg.InfiniteLine(
            angle=90,
            movable=True,
            pen=pg.mkPen((215, 38, 61), width=2),
            hoverPen=pg.mkPen((215, 38, 61), width=4),
        )
        self.marker.setToolTip("Drag along the loss curve to replay that epoch.")
        self.marker.hide()
        self.marker.sigDragged.connect(self._on_marker)
        live.views.loss.loss_plot.addItem(self.marker, ignoreBounds=True)
        live.trainer.jobLoaded.connect(self.set_job)
        live.trainer.trailReady.connect(self.set_frames)

    # ----------------------------------------------------------------------- inputs
    def set_job(self, job: Job) -> None:
        self.job = job
        self._snapshotter = None
        self._stream.clear()
        self.set_frames([])

    def set_frames(self, frames: list[Frame]) -> None:
        """The run's kept frames; the slider keeps the epoch it showed when it can."""
        epoch = self.shown.epoch if self.shown is not None else None
        self.frames = list(frames)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.frames) - 1))
        if self.frames:
            at = len(self.frames) - 1
            if epoch is not None:
                at = min(range(len(self.frames)), key=lambda i: abs(self.frames[i].epoch - epoch))
            self.slider.setValue(at)
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(self.frames) > 1)
        self.marker.setVisible(len(self.frames) > 1)
        if self.frames and self.shown is None:
            self.marker.setValue(self.frames[-1].epoch)
        self.continue_button.setEnabled(self.shown is not None)
        self._describe()

    # ----------------------------------------------------------------------- showing
    def _on_slider(self, index: int) -> None:
        if not self.frames:
            return
        if self.live.trainer.is_running():
            self.live.trainer.pause()  # a replayed epoch and live training cannot share views
        self.show_frame(self.frames[index])

    def _on_marker(self) -> None:
        if self.frames:
            epoch = self.marker.value()
            at = min(range(len(self.frames)), key=lambda i: abs(self.frames[i].epoch - epoch))
            self.slider.setValue(at)

    def show_frame(self, frame: Frame) -> None:
        """Show ``frame``'s weights in the canvas and every view."""
        if self.job is None:
            return
        self.shown = frame
        snap = self._snapshot(frame)
        views = self.live.views
        for view in (views.boundary, views.weights, views.neurons, views.samples, views.confusion):
            view.update_snapshot(snap)
        self.live.canvas.draw(snap)  # weights, gradients and pictures in one recolour
        self.marker.blockSignals(True)
        self.marker.setValue(frame.epoch)
        self.marker.blockSignals(False)
        self.marker.show()
        self.continue_button.setEnabled(True)
        self._describe()
        self.frameShown.emit(snap["weights"])

    def _snapshot(self, frame: Frame) -> dict[str, Any]:
        """What the live views draw, for the frame's weights (gradients on the training data)."""
        job = self.job
        if self._snapshotter is None:
            net = Network(job.spec)
            self._snapshotter = Snapshotter(
                net, job.X_train, job.y_train, job.X_val, job.y_val, job.view
            )
        snapper = self._snapshotter
        net = snapper.net
        net.params[...] = frame.params
        net.epochs, net.steps = frame.epoch, frame.steps
        with np.errstate(all="ignore"):
            net.gradients(job.X_train, job.y_train)  # fills net.grads
        snap = snapper.snapshot({"batch": -1}, force=True)
        self._shown_count += 1
        snap["heavy_version"] = ("replay", self._shown_count)  # never a live version number
        return self._stream.apply(snap)

    def _describe(self) -> None:
        if not self.frames:
            self.label.setText("Train a few epochs: their weights are kept here to replay.")
            return
        spacing = self.frames[1].epoch - self.frames[0].epoch if len(self.frames) > 1 else 1
        kept = f"{len(self.frames)} kept, every {spacing} epoch{'s' if spacing > 1 else ''}"
        if self.shown is None:
            self.label.setText(f"Epochs {self.frames[0].epoch}–{self.frames[-1].epoch} ({kept}).")
        else:
            self.label.setText(
                f"Showing epoch {self.shown.epoch} of {self.frames[-1].epoch} ({kept}) on the "
                "canvas and in the views; the red line on the loss curve marks it."
            )

    # ----------------------------------------------------------------------- continuing
    def continue_from_here(self) -> None:
        """Make the shown epoch the project's state: one undoable edit."""
        frame, job = self.shown, self.job
        if frame is None or job is None:
            return
        doc = self.controller.document
        if frame.epoch > doc.epochs:
            return
        progress = continue_progress(job.spec, frame, doc.history, doc.standardize)
        self.controller.push(edits.SetProgress(progress, f"continue from epoch {frame.epoch}"))
        self.shown = None
        self.live.message.emit(f"Continuing from epoch {frame.epoch}. {NOTE}")
