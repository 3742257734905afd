"""Live training in the window: jobs derived from the document, results written back into it.

The document is the single source of truth. ``LiveTraining`` derives the worker's job from the
document alone (``nnstudio.live.job``) whenever the network, the data, the settings or the
weights change; writes what the worker reports (``Run.progress()``: weights, the whole history,
the input transform, the optimizer state) back as one undoable ``SetProgress`` edit at every
pause and at the end of a run; and before any other edit (or an undo) ends the running job and
writes its progress back first, so the edit never meets a half-trained network. Only a new
learning rate or optimizer goes to the running worker directly, after it is in the document.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from nnstudio.data import DataError, Dataset
from nnstudio.document import Document, Progress, edits
from nnstudio.document.changes import Change
from nnstudio.document.edits import Edit
from nnstudio.engine import normalize_spec
from nnstudio.gui.datasets import LoadedData
from nnstudio.gui.editor.widget import NetworkEditor
from nnstudio.gui.panels.training_controls import TrainingControls
from nnstudio.gui.plots.boundary import BoundaryView
from nnstudio.gui.plots.confusion import ConfusionView
from nnstudio.gui.plots.images import SampleImagesView
from nnstudio.gui.plots.loss import LossView
from nnstudio.gui.plots.neurons import NeuronMapsView
from nnstudio.gui.plots.weights import WeightsView
from nnstudio.gui.training import FINISHED, IDLE, PAUSED, RUNNING, TrainingController
from nnstudio.gui.undo import DocumentController
from nnstudio.live.job import Job, job_from_document


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
    _job_built = Signal(int)  # from the thread that prepared a large data set

    #: Data sets with more values than this are prepared off the GUI thread.
    BACKGROUND_VALUES = 2_000_000

    def __init__(self, controller: DocumentController, editor: NetworkEditor, parent=None):
        super().__init__(parent)
        self.doc_controller = controller
        self.editor = editor
        self.trainer = TrainingController(self)
        self.trainer.job_source = self.make_job
        self.trainer.before_command = self._load_pending_job
        self.controls = TrainingControls(self.trainer)
        self.controls.reset_action.triggered.connect(self.reset)
        self.views = Views(
            LossView(),
            BoundaryView(),
            WeightsView(),
            NeuronMapsView(),
            SampleImagesView(),
            ConfusionView(),
        )
        self._loaded: LoadedData | None = None  # the last data-set load this class saw
        self._committing = False
        self._generation = 0  # of load_job calls: a job built for an older one is dropped
        self._pending: _PendingJob | None = None
        self._job_built.connect(self._on_job_built)
        self._features: list[int] | None = None
        self._trained = controller.document.weights is not None
        self.canvas = CanvasPainter(editor, lambda: self.trainer.job, self)
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(0)
        self._reload.timeout.connect(self.load_job)

        for view in self.views.all():
            self.trainer.jobLoaded.connect(view.set_job)
            self.trainer.snapshot.connect(view.update_snapshot)
        self.views.boundary.featuresChanged.connect(self._on_features)
        self.trainer.snapshot.connect(self.canvas.show)
        self.trainer.jobLoaded.connect(lambda _job: self.controls.set_state(self.trainer.state))
        self.trainer.stateChanged.connect(self._on_state)
        self.trainer.message.connect(self.message)
        self.trainer.failed.connect(self._on_failed)
        self.trainer.resultReady.connect(self._commit)
        controller.before_change.append(self._before_change)
        controller.edited.connect(self._on_document_edited)
        controller.documentReplaced.connect(self._on_document_replaced)
        self._reload.start()

    # ---------------------------------------------------------------- document -> job
    def actions(self) -> list[QAction]:
        return self.controls.actions_for_window()

    def dataset(self) -> Dataset | None:
        """The document's data set (None when it cannot load: said once per load)."""
        loaded = self.doc_controller.dataset()
        if loaded is not self._loaded:
            self._loaded = loaded
            if loaded.error:
                self.message.emit(loaded.error)
        return loaded.dataset

    def data_info(self) -> DataInfo | None:
        ds = self.dataset()
        if ds is None:
            return None
        outputs = ds.class_names if ds.task == "multiclass" else None
        if ds.task == "binary" and ds.class_names:
            outputs = [f"P({ds.class_names[-1]})"]
        return DataInfo(list(ds.feature_names), outputs, ds.image_shape is not None)

    def make_job(self) -> Job | None:
        """The job the document describes now, or None (with a message) when it cannot train."""
        ds = self.dataset()
        if ds is None:
            return None
        job, error = _build_job(self._document_view(), ds, self._features)
        if error:
            self.message.emit(error)
        return job

    def load_job(self) -> None:
        """(Re)build the worker's job from the document; without a usable job, none is left.

        A large data set is split and standardized off the GUI thread (60,000 images take
        seconds); meanwhile there is no job, so nothing trains on the document as it was.
        """
        self._reload.stop()
        self._generation += 1
        self._pending = None
        ds = self.dataset()
        if ds is None:
            self._install(None)
            return
        view = self._document_view()
        if ds.X.size < self.BACKGROUND_VALUES:
            self._install(*_build_job(view, ds, self._features))
            return
        self.trainer.unload()
        self.controls.set_state(self.trainer.state)
        self.message.emit(f"Preparing {ds.name} ({len(ds)} rows) for training…")
        pending = _PendingJob(self._generation, view, ds, self._features, self._job_built.emit)
        self._pending = pending
        pending.thread.start()

    def _on_job_built(self, generation: int) -> None:
        pending = self._pending
        if pending is None or pending.generation != generation:
            return  # the document changed meanwhile: a newer job is on its way
        self._pending = None
        pending.thread.join()
        self._install(pending.job, pending.error)

    def _install(self, job: Job | None, error: str = "") -> None:
        if error:
            self.message.emit(error)
        if job is None:
            self.trainer.unload()
            self.controls.set_state(self.trainer.state)
            return
        self.trainer.load_job(job)

    def _document_view(self) -> Document:
        """What a job needs of the document, safe to read from another thread."""
        return self.doc_controller.document.copy()

    def _load_pending_job(self) -> None:
        """Play right after an edit: train the edited document, not the job before it."""
        if self._reload.isActive():
            self.load_job()
        if self._pending is not None:  # Play while the data is being prepared: wait for it
            self._on_job_built(self._pending.generation)

    def _before_change(self, edit: Edit | None) -> None:
        """Before an edit or an undo: end a job that holds unsaved progress, and keep it.

        A new learning rate or optimizer is the exception: the running worker takes it over.
        """
        if self._committing or (edit is not None and _is_optimizer_edit(edit)):
            return
        if self.trainer.is_running():
            self._reload.stop()
            self.trainer.stop()  # its result arrives as resultReady -> _commit, pushed first

    def _on_document_edited(self, change: Change) -> None:
        """Rebuild the job for any change but our own training result and a new optimizer."""
        doc = self.doc_controller.document
        if "spec" in change and doc.weights is None and self._trained:
            self.message.emit(
                "The network changed, so its weights start fresh from the seed. "
                "Undo (Ctrl+Z) brings the trained weights back."
            )
        self._trained = doc.weights is not None
        if change.only("optimizer") and self.trainer.is_running():
            # The running worker keeps its place and applies it before its next step.
            self.trainer.set_optimizer(normalize_spec(doc.network)["optimizer"])
            return
        if self._committing:
            return  # the worker's own progress, written back: it trains on from there
        self._reload.start()

    def _on_document_replaced(self) -> None:
        self._trained = self.doc_controller.document.weights is not None
        self.load_job()

    def _on_features(self, i: int, j: int) -> None:
        self._features = [i, j]
        self.trainer.set_boundary_features(i, j)

    # ---------------------------------------------------------------- job -> document
    def _commit(self, progress: Progress) -> None:
        """Write a run's progress into the document as one undo step (if it trained at all)."""
        doc = self.doc_controller.document
        if progress.steps == doc.progress.steps and progress.epochs == doc.epochs:
            return
        label = f"train to epoch {progress.epochs}, step {progress.steps}"
        self._committing = True
        try:
            self.doc_controller.push(edits.SetProgress(progress, label, trained=True))
        except ValueError as exc:  # the document moved on meanwhile: the run no longer fits
            self.message.emit(f"Training results were not kept: {exc}")
        finally:
            self._committing = False

    def sync(self) -> None:
        """Bring the running job's progress into the document now (Save, Export)."""
        if self.trainer.is_running():
            self.trainer.sync()

    def reset(self) -> None:
        """Start over: fresh weights from the seed, no curves, no optimizer state (undoable)."""
        self.doc_controller.push(edits.reset_training())
        self.message.emit("Reset: fresh weights from the seed. Undo (Ctrl+Z) brings back the run.")

    def _on_state(self, state: str) -> None:
        if state == RUNNING:
            self.message.emit("Training…")
        elif state == IDLE:  # a new job: "finished 200 epochs" belongs to the old one
            self.message.emit("Ready: press Play (Space) to train.")

    def _on_failed(self, text: str, details: str) -> None:
        self.message.emit(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "Training stopped", text)
        box.setDetailedText(details)
        box.open()

    # ---------------------------------------------------------------- whole runs
    def train_headless(self, epochs: int, timeout_s: float = 300.0) -> bool:
        """Train ``epochs`` epochs through the worker and wait (for ``--train-epochs``).

        The "Epochs" setting becomes ``epochs`` first, so the window shows what it trained.
        """
        doc = self.doc_controller.document
        if doc.training["epochs"] != epochs:
            self.doc_controller.push(edits.SetValue(("training", "epochs"), int(epochs)))
        self.load_job()
        if self.trainer.job is None:
            return False
        loop = QEventLoop()

        def on_state(state: str) -> None:
            if state in (FINISHED, PAUSED):  # PAUSED: the NaN guard stopped it
                loop.quit()

        self.trainer.stateChanged.connect(on_state)
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        self.trainer.set_speed(0.0)  # nobody is watching: full speed, then the chosen pace
        self.trainer.play()
        loop.exec()
        self.trainer.set_speed(self.controls.steps_per_s())
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
        self.canvas.draw(snap)

    def stop(self) -> None:
        """Stop training (within one batch); its progress goes into the document."""
        self._reload.stop()
        self.trainer.stop()

    def shutdown(self) -> None:
        """Stop everything for good: the window is closing."""
        self._reload.stop()  # a pending job would start a new training process
        self._generation += 1
        self._pending = None
        self.stop()
        self.trainer.shutdown()


class CanvasPainter(QObject):
    """Recolours the canvas from each frame's snapshot: connections and neuron pictures.

    Frames come from the window's frame clock (``gui/frames.py``), the one rate limit; the
    weights, gradients and updates go to the canvas together, so it recolours once a frame,
    and only in a frame that brought new ones (a large network's come a few times a second).
    """

    def __init__(self, editor: NetworkEditor, job: Any, parent: QObject) -> None:
        super().__init__(parent)
        self.editor, self._job = editor, job
        self._shown: Any = None  # the weights last shown

    def show(self, snap: dict[str, Any]) -> None:
        """A frame: recolour if its weights are new (``SnapshotStream`` keeps the same list)."""
        if snap.get("weights") is not self._shown:
            self._recolour(snap)
        self._pictures(snap)  # they check for new maps themselves

    def draw(self, snap: dict[str, Any]) -> None:
        """Everything now (screenshots, a replayed epoch)."""
        self._recolour(snap)
        self._pictures(snap)

    def _recolour(self, snap: dict[str, Any]) -> None:
        self._shown = snap.get("weights")
        trained = bool(snap.get("stepped"))
        grads = snap.get("grads") if trained else None
        updates = snap.get("updates") if trained else None
        self.editor.set_live_values(snap.get("weights"), grads, updates)

    def _pictures(self, snap: dict[str, Any]) -> None:
        job = self._job()
        self.editor.set_neuron_pictures(snap, job.view.get("image_shape") if job else None)


class _PendingJob:
    """A job being built on a thread of its own; ``done(generation)`` is called when it is."""

    def __init__(self, generation, view, ds, features, done) -> None:
        self.generation = generation
        self.job: Job | None = None
        self.error = ""

        def build() -> None:
            self.job, self.error = _build_job(view, ds, features)
            done(generation)

        self.thread = threading.Thread(target=build, name="nnstudio-job", daemon=True)


def _build_job(doc: Document, ds: Dataset, features: list[int] | None) -> tuple[Job | None, str]:
    """The job for ``doc`` on ``ds``, or None and the reason (plain words) it cannot train."""
    try:
        job = job_from_document(doc, ds)
    except (DataError, ValueError) as exc:
        return None, f"Cannot train yet: {exc}"
    if features is not None and max(features) < ds.n_features:
        job.view["features"] = list(features)
    return job, ""


def _is_optimizer_edit(edit: Edit) -> bool:
    """A change of the optimizer or its settings only (the running worker takes it over)."""
    if isinstance(edit, edits.SetValue):
        return tuple(edit.path[:2]) == ("network", "optimizer")
    if isinstance(edit, edits.Compound):
        return bool(edit.edits) and all(_is_optimizer_edit(e) for e in edit.edits)
    return False
