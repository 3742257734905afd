"""Live training in the window: from the document to a training job, and results back.

``LiveTraining`` owns the ``TrainingController`` (the worker), the training controls and the
live views. It turns the document into a job whenever the network or the data change, sends a
new optimizer or learning rate to the running worker without losing its place, feeds every
snapshot to the views and the canvas, and writes trained weights back into the document as one
undoable step ("Undo training").
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from nnstudio.data import DataError, Dataset
from nnstudio.document import edits
from nnstudio.gui.editor.widget import NetworkEditor
from nnstudio.gui.panels.training_controls import TrainingControls
from nnstudio.gui.plots.boundary import BoundaryView
from nnstudio.gui.plots.confusion import ConfusionView
from nnstudio.gui.plots.images import SampleImagesView
from nnstudio.gui.plots.loss import LossView
from nnstudio.gui.plots.neurons import NeuronMapsView
from nnstudio.gui.plots.weights import WeightsView
from nnstudio.gui.training import FINISHED, PAUSED, TrainingController, job_from_prepared
from nnstudio.gui.undo import DocumentController
from nnstudio.io import session

#: Snapshot curves and the document history keys they fill.
HISTORY_KEYS = {
    "epoch_loss": "loss",
    "val_loss": "val_loss",
    "accuracy": "accuracy",
    "val_accuracy": "val_accuracy",
}


@dataclass
class DataInfo:
    """Names the canvas shows next to the input and output neurons."""

    feature_names: list[str]
    output_names: list[str] | None
    images: bool


@dataclass
class Views:
    loss: LossView
    boundary: BoundaryView
    weights: WeightsView
    neurons: NeuronMapsView
    samples: SampleImagesView
    confusion: ConfusionView

    def all(self) -> list:
        return [self.loss, self.boundary, self.weights, self.neurons, self.samples, self.confusion]


class LiveTraining(QObject):
    """The glue between the document, the training worker and the live views."""

    message = Signal(str)

    def __init__(self, controller: DocumentController, editor: NetworkEditor, parent=None):
        super().__init__(parent)
        self.doc_controller = controller
        self.editor = editor
        self.trainer = TrainingController(self)
        self.controls = TrainingControls(self.trainer)
        self.views = Views(
            LossView(),
            BoundaryView(),
            WeightsView(),
            NeuronMapsView(),
            SampleImagesView(),
            ConfusionView(),
        )
        self._dataset_key: str | None = None
        self._dataset: Dataset | None = None
        self._job_spec: dict[str, Any] | None = None
        self._base_history: dict[str, list[float]] = {}
        self._committed_step = 0
        self._trained = controller.document.weights is not None
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(0)
        self._reload.timeout.connect(self.load_job)

        for view in self.views.all():
            self.trainer.jobLoaded.connect(view.set_job)
            self.trainer.snapshot.connect(view.update_snapshot)
        self.views.boundary.featuresChanged.connect(self.trainer.set_boundary_features)
        self.trainer.snapshot.connect(self._show_on_canvas)
        self.trainer.jobLoaded.connect(lambda _job: self.controls.set_state(self.trainer.state))
        self.trainer.stateChanged.connect(self._on_state)
        self.trainer.message.connect(self.message)
        self.trainer.failed.connect(self._on_failed)
        self.trainer.finishedTraining.connect(self._on_finished)
        controller.changed.connect(self._on_document_changed)
        controller.documentReplaced.connect(self._reload.start)
        self._reload.start()

    # ---------------------------------------------------------------- document -> job
    def actions(self) -> list[QAction]:
        return self.controls.actions_for_window()

    def dataset(self) -> Dataset | None:
        """The document's data set, loaded once per data reference (None when it cannot load)."""
        doc = self.doc_controller.document
        key = json.dumps(doc.data, sort_keys=True, default=str) + str(id(doc.embedded))
        if key != self._dataset_key:
            self._dataset_key = key
            try:
                self._dataset = session.dataset(doc, **self.doc_controller.data_access())
            except (DataError, OSError, ValueError) as exc:
                self._dataset = None
                self.message.emit(f"The data set cannot be loaded: {exc}")
        return self._dataset

    def data_info(self) -> DataInfo | None:
        ds = self.dataset()
        if ds is None:
            return None
        outputs = ds.class_names if ds.task == "multiclass" else None
        if ds.task == "binary" and ds.class_names:
            outputs = [f"P({ds.class_names[-1]})"]
        return DataInfo(list(ds.feature_names), outputs, ds.image_shape is not None)

    def load_job(self) -> None:
        """(Re)build the worker's job from the document: network, weights, data, settings."""
        self._keep_progress()
        doc = self.doc_controller.document
        ds = self.dataset()
        if ds is None:
            return
        try:
            prepared = session.prepare(doc.copy(), data=ds)  # also checks the network fits
        except (DataError, ValueError) as exc:
            self.message.emit(f"Cannot train yet: {exc}")
            return
        job = job_from_prepared(copy.deepcopy(doc.network), prepared, doc.training, doc.weights)
        self._job_spec = copy.deepcopy(doc.network)
        self._base_history = copy.deepcopy(doc.history)
        self._committed_step = 0
        self.trainer.load_job(job)

    def _keep_progress(self) -> None:
        """Before a new job replaces the worker, keep its training if the weights still fit.

        An edit that reset the weights on purpose (a new architecture) leaves them at None; its
        undo brings the previous weights back.
        """
        snap, doc = self.trainer.latest, self.doc_controller.document
        if snap is None or doc.weights is None or "weights" not in snap:
            return
        shapes = [np.shape(w) for w in snap["weights"]]
        if shapes == edits.weight_shapes(doc.network):
            self.commit_weights()

    def _on_document_changed(self, area: str) -> None:
        doc = self.doc_controller.document
        if area == "network" and doc.weights is None and self._trained:
            self.message.emit(
                "The network changed, so its weights start fresh from the seed. "
                "Undo (Ctrl+Z) brings the trained weights back."
            )
        self._trained = doc.weights is not None
        if area == "network" and self._only_optimizer_changed():
            # The running worker keeps its place and applies it before its next step.
            self._job_spec = copy.deepcopy(doc.network)
            self.trainer.set_optimizer(copy.deepcopy(doc.network["optimizer"]))
            return
        if area in ("network", "data", "training") or (
            area == "weights" and not self._is_own_commit()
        ):
            self._reload.start()

    def _only_optimizer_changed(self) -> bool:
        if self._job_spec is None:
            return False
        now = self.doc_controller.document.network
        return _without_optimizer(now) == _without_optimizer(self._job_spec)

    def _is_own_commit(self) -> bool:
        latest = self.trainer.latest
        weights = self.doc_controller.document.weights
        if latest is None or weights is None or "weights" not in latest:
            return False
        return all(np.array_equal(a, b) for a, b in zip(weights, latest["weights"], strict=True))

    # ---------------------------------------------------------------- job -> document
    def commit_weights(self, push: bool = True) -> None:
        """Write the worker's current weights and curves into the document (one undo step)."""
        snap = self.trainer.latest
        if snap is None or not snap.get("step") or snap["step"] == self._committed_step:
            return
        history = copy.deepcopy(self._base_history)
        for key, name in HISTORY_KEYS.items():
            curve = snap.get(key)
            if curve is not None and len(curve[1]):
                history[name] = history.get(name, []) + [float(v) for v in curve[1]]
        self._committed_step = snap["step"]
        edit = edits.SetWeights(
            snap["weights"], history, label=f"train to epoch {snap['epoch']}, step {snap['step']}"
        )
        if push:
            self.doc_controller.push(edit)
        else:
            edit.apply(self.doc_controller.document)

    def _on_state(self, state: str) -> None:
        if state in (PAUSED, FINISHED):
            self.commit_weights()

    def _on_finished(self, result: dict[str, Any]) -> None:
        self.commit_weights()

    def _on_failed(self, text: str, details: str) -> None:
        self.message.emit(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "Training stopped", text)
        box.setDetailedText(details)
        box.open()

    def _show_on_canvas(self, snap: dict[str, Any]) -> None:
        if "weights" in snap:
            self.editor.set_connection_values(snap["weights"], "weights")
        if snap.get("grads") is not None:
            self.editor.set_connection_values(snap["grads"], "gradients")
        if snap.get("updates") is not None:
            self.editor.set_connection_values(snap["updates"], "updates")

    # ---------------------------------------------------------------- whole runs
    def train_headless(self, epochs: int, timeout_s: float = 300.0) -> bool:
        """Train ``epochs`` epochs through the worker and wait (for ``--train-epochs``)."""
        self._reload.stop()
        self.load_job()
        if self.trainer.job is None:
            return False
        job = self.trainer.job
        job["settings"] = {**job["settings"], "epochs": int(epochs)}
        self.trainer.load_job(job)
        loop = QEventLoop()

        def on_state(state: str) -> None:
            if state in (FINISHED, PAUSED):  # PAUSED: the NaN guard stopped it
                loop.quit()

        self.trainer.stateChanged.connect(on_state)
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        self.trainer.play()
        loop.exec()
        self.trainer.stateChanged.disconnect(on_state)
        self.refresh_views()
        return self.trainer.state == FINISHED

    def refresh_views(self) -> None:
        """Draw the latest snapshot everywhere now (screenshots)."""
        snap = self.trainer.latest
        if snap is None:
            return
        for view in self.views.all():
            view.update_snapshot(snap)
        self.controls.update_snapshot(snap)
        self._show_on_canvas(snap)

    def stop(self) -> None:
        """Stop training (within one batch) and keep its weights in the document."""
        self.trainer.stop()
        self.commit_weights()

    def shutdown(self) -> None:
        """Stop everything for good: the window is closing."""
        self._reload.stop()  # a pending job would start a new training process
        self.stop()
        shutdown = getattr(self.trainer, "shutdown", None)
        if shutdown is not None:
            shutdown()


def _without_optimizer(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k != "optimizer"}
