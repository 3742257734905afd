"""The studio window: wires the document, the editor, the panels and live training together.

It computes nothing itself: edits go through the ``DocumentController``, maths through the
engine (in the training worker), files through ``nnstudio.io``.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QChildEvent, QEvent, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabBar,
    QToolBar,
    QWidget,
)

from nnstudio import __version__, examples
from nnstudio.document import Document, edits
from nnstudio.gui import files, messages
from nnstudio.gui.code_view import CodeView
from nnstudio.gui.editor.widget import NetworkEditor
from nnstudio.gui.lab import Lab
from nnstudio.gui.lessons.menu import Teaching
from nnstudio.gui.live import LiveTraining
from nnstudio.gui.panels.data_panel import DataPanel
from nnstudio.gui.panels.properties import PropertiesPanel
from nnstudio.gui.panels.training_settings import TrainingSettings
from nnstudio.gui.undo import DocumentController
from nnstudio.io.export import FORMATS, SUFFIXES, export

AUTOSAVE_MS = 60_000
MAX_RECENT = 8
SHORTCUTS = [
    ("Space", "Play / pause training"),
    ("Ctrl+N", "New project from an example"),
    ("Ctrl+O", "Open a project"),
    ("Ctrl+S / Ctrl+Shift+S", "Save / save as"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"),
    ("Delete", "Remove the selected layer or neuron"),
    ("+ / -", "Add / remove a neuron on the selected layer"),
    ("Ctrl++ / Ctrl+- / Ctrl+0", "Zoom in / out / fit the network"),
    ("Ctrl+wheel, drag background", "Zoom and pan the canvas"),
    ("F1", "This sheet"),
]


class MainWindow(QMainWindow):
    """Data set on the left, network in the centre, properties on the right, plots below."""

    def __init__(self, document: Document | None = None, settings: QSettings | None = None):
        super().__init__()
        self.settings = settings or QSettings()
        self.controller = DocumentController(document or examples.example("xor"))
        self.path: Path | None = None
        self.setObjectName("MainWindow")
        self.setWindowIcon(files.app_icon())
        self.resize(1280, 800)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )

        self.editor = NetworkEditor(self.controller, self)
        self.setCentralWidget(self.editor)
        self.data_panel = DataPanel(self.controller, self)
        self.properties = PropertiesPanel(self.controller, self.editor, self)
        self.settings_bar = TrainingSettings(self.controller, self)
        self.settings_bar.message.connect(self.show_message)
        self.code_view = CodeView(self.controller, self)
        self.live = LiveTraining(self.controller, self.editor, self)
        self.lab = Lab(self.controller, self.live, self)

        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbars()
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # messages quote files
        self.statusBar().addWidget(self.status, 1)

        self.editor.selectionChanged.connect(self.properties.show_selection)
        self.editor.message.connect(self.show_message)
        self.live.message.connect(self.show_message)
        self.controller.undo_stack.cleanChanged.connect(self._update_title)
        self.controller.documentReplaced.connect(self._update_title)
        self.controller.changed.connect(self._on_changed)

        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()
        self._restore_layout()
        self._update_title()
        self._on_changed("data")

    # ------------------------------------------------------------------------- layout
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "_").lower())
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def childEvent(self, event: QChildEvent) -> None:
        """Dock tab bars show whole titles and scroll, rather than cutting "Boundary" to "Bou…".

        Qt makes a new tab bar whenever docks are tabified (also when the user drags one), so
        each is set up here as it is polished.
        """
        if event.type() == QEvent.Type.ChildPolished and isinstance(event.child(), QTabBar):
            event.child().setElideMode(Qt.TextElideMode.ElideNone)
            event.child().setUsesScrollButtons(True)
        super().childEvent(event)

    def _build_docks(self) -> None:
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.setCorner(Qt.Corner.BottomLeftCorner, left)
        self.setCorner(Qt.Corner.BottomRightCorner, right)
        self.data_dock = self._dock("Data set", self.data_panel, left)
        self.properties_dock = self._dock("Properties", self.properties, right)
        self.code_dock = self._dock("Code", self.code_view, right)
        self.tabifyDockWidget(self.properties_dock, self.code_dock)
        self.properties_dock.raise_()
        views = self.live.views
        self.loss_dock = self._dock("Loss", views.loss, bottom)
        self.boundary_dock = self._dock("Boundary", views.boundary, bottom)
        self.weights_dock = self._dock("Weights", views.weights, bottom)
        self.neurons_dock = self._dock("Neurons", views.neurons, bottom)
        self.samples_dock = self._dock("Samples", views.samples, bottom)
        self.confusion_dock = self._dock("Confusion", views.confusion, bottom)
        self.splitDockWidget(self.loss_dock, self.boundary_dock, Qt.Orientation.Horizontal)
        for dock in (self.weights_dock, self.neurons_dock, self.samples_dock, self.confusion_dock):
            self.tabifyDockWidget(self.boundary_dock, dock)
        self.lab_docks = [self._dock(title, panel, bottom) for title, panel in self.lab.panels()]
        for dock in self.lab_docks:
            self.tabifyDockWidget(self.boundary_dock, dock)
        self.boundary_dock.raise_()
        self.teaching = Teaching(self)  # the Lesson and Inspector docks (issue 11)
        self.resizeDocks(
            [self.data_dock, self.properties_dock], [270, 250], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.loss_dock], [290], Qt.Orientation.Vertical)
        self.resizeDocks([self.loss_dock, self.boundary_dock], [1, 1], Qt.Orientation.Horizontal)
        self._default_state = self.saveState()

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.open_action = self._action("&Open…", self.open_dialog, key.Open)
        self.save_action = self._action("&Save", self.save, key.Save)
        self.save_as_action = self._action("Save &As…", self.save_as, QKeySequence("Ctrl+Shift+S"))
        self.quit_action = self._action("&Quit", self.close, key.Quit)
        self.undo_action = self.controller.create_undo_action(self)
        self.redo_action = self.controller.create_redo_action(self)
        self.addActions([self.undo_action, self.redo_action])
        self.delete_action = self._action(
            "&Delete",
            self.editor.delete_selection,
            key.Delete,
            "Remove the selected layer or neuron",
        )
        self.zoom_in_action = self._action("Zoom &In", self.editor.zoom_in, key.ZoomIn)
        self.zoom_out_action = self._action("Zoom &Out", self.editor.zoom_out, key.ZoomOut)
        self.zoom_fit_action = self._action("Zoom to &Fit", self.editor.zoom_fit, "Ctrl+0")
        self.gradient_action = self._action(
            "Colour Connections by &Gradient",
            lambda on: self.editor.set_color_mode("gradients" if on else "weights"),
            tip="Show dLoss/dWeight on the canvas instead of the weights",
        )
        self.gradient_action.setCheckable(True)
        self.reset_layout_action = self._action("Reset &Layout", self._reset_layout)
        self.about_action = self._action("&About nnstudio", self.about)
        self.shortcuts_action = self._action("&Keyboard Shortcuts", self.show_shortcuts, "F1")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        new_menu = file_menu.addMenu("&New from Example")
        for i, (name, title, description) in enumerate(examples.examples()):
            action = new_menu.addAction(title)
            action.setStatusTip(description)
            action.triggered.connect(lambda _=False, n=name: self.new_from_example(n))
            if i == 0:
                action.setShortcut(QKeySequence.StandardKey.New)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        export_menu = file_menu.addMenu("&Export")
        for fmt, label in FORMATS.items():
            action = export_menu.addAction(label)
            action.triggered.connect(lambda _=False, f=fmt: self.export_dialog(f))
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.delete_action)

        view_menu = bar.addMenu("&View")
        for action in (self.zoom_in_action, self.zoom_out_action, self.zoom_fit_action):
            view_menu.addAction(action)
        view_menu.addAction(self.gradient_action)
        view_menu.addSeparator()
        panels = view_menu.addMenu("&Panels")
        for dock in self.findChildren(QDockWidget):
            panels.addAction(dock.toggleViewAction())
        view_menu.addAction(self.reset_layout_action)

        train_menu = bar.addMenu("&Train")
        for action in self.live.actions():
            train_menu.addAction(action)
            self.addAction(action)

        self.teaching.add_menu(bar)
        lab_menu = bar.addMenu("&Lab")
        for dock in self.lab_docks:
            action = lab_menu.addAction(dock.windowTitle())
            action.triggered.connect(lambda _=False, d=dock: (d.show(), d.raise_()))

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    def _build_toolbars(self) -> None:
        controls = QToolBar("Training controls", self)
        controls.setObjectName("training_controls")
        controls.setMovable(False)
        controls.addWidget(self.live.controls)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, controls)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        settings = QToolBar("Training settings", self)
        settings.setObjectName("training_settings")
        settings.setMovable(False)
        settings.addWidget(self.settings_bar)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, settings)

    def _restore_layout(self) -> None:
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _reset_layout(self) -> None:
        self.restoreState(self._default_state)

    def sizeHint(self) -> QSize:
        return QSize(1280, 800)

    # ------------------------------------------------------------------------ document
    def _on_changed(self, area: str) -> None:
        if area in ("data", "network"):
            info = self.live.data_info()
            if info is not None:
                self.editor.set_input_names(info.feature_names)
                self.editor.set_output_names(info.output_names)
                # Images have no input plane worth drawing: show the sample images instead.
                (self.samples_dock if info.images else self.boundary_dock).raise_()
        self._update_title()

    def _update_title(self, *_args) -> None:
        name = self.path.name if self.path else "Untitled"
        self.setWindowModified(not self.controller.undo_stack.isClean())
        self.setWindowTitle(f"{name}[*] — nnstudio")

    def show_message(self, text: str) -> None:
        self.status.setText(text)

    def _replace_document(self, doc: Document, path: Path | None) -> None:
        self.live.stop()
        self.path = path
        self.controller.set_document(doc)
        self._on_changed("data")
        self.editor.zoom_fit()

    def maybe_save(self) -> bool:
        """Ask before unsaved work is lost; False means the user cancelled."""
        if self.controller.undo_stack.isClean():
            return True
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        answer = messages.ask(
            self,
            "Unsaved changes",
            f"Save the changes to {self.path.name if self.path else 'this project'}?",
            buttons,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_from_example(self, name: str) -> None:
        if not self.maybe_save():
            return
        self.controller.data_folder, self.controller.allow_outside_paths = None, False
        self._replace_document(examples.example(name), None)
        self.show_message(f"New project from the example “{name}”.")

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.path.parent) if self.path else files.documents_dir()
        name, _ = QFileDialog.getOpenFileName(self, "Open project", start, files.PROJECT_FILTER)
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path, interactive: bool = True) -> bool:
        """Open a project; a failure shows the error and leaves the current work untouched.

        A project whose data set cannot be loaded still opens (its network is worth having),
        with one message saying why. Data outside the project's folder is read only if the
        student agrees.
        """
        try:
            doc = files.load(path)
        except (OSError, ValueError, MemoryError) as exc:
            text = "not enough memory" if isinstance(exc, MemoryError) else str(exc)
            if interactive:
                messages.error(self, "Could not open the project", text)
            else:
                print(f"nnstudio: error: {text}")
            return False
        outside = files.data_outside_folder(doc, path)
        allowed = outside is not None and interactive and self._allow_outside(path, outside)
        self.controller.data_folder, self.controller.allow_outside_paths = path.parent, allowed
        self._replace_document(doc, path)
        files.add_recent(self.settings, path, MAX_RECENT)
        self.show_message(f"Opened {path.name}.")
        problem = self.data_panel.load_error()
        if problem and interactive and (outside is None or allowed):
            messages.warning(self, "The data set cannot be loaded", f"{path.name}: {problem}")
        return True

    def _allow_outside(self, project: Path, data: Path) -> bool:
        answer = messages.ask(
            self,
            "Read data outside the project's folder?",
            f"{project.name} reads its data from {data}, outside the project's folder. "
            "A project from someone else should only read files next to it. Read it anyway?",
            default=QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = files.recent(self.settings)
        for path in paths:
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(
                lambda _=False, p=path: self.maybe_save() and self.open_path(p)
            )
        if not paths:
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        start = (
            str(self.path) if self.path else str(Path(files.documents_dir()) / "project.nnstudio")
        )
        name, _ = QFileDialog.getSaveFileName(self, "Save project", start, files.PROJECT_FILTER)
        if not name:
            return False
        path = Path(name)
        if path.suffix != ".nnstudio":
            path = path.with_suffix(".nnstudio")
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        self.live.sync()
        try:
            files.save(self.controller.document, path)
        except (OSError, ValueError) as exc:
            messages.error(self, "Could not save the project", str(exc))
            return False
        files.discard_recovery(self.path)
        self.path = path
        self.controller.data_folder = path.parent
        self.controller.undo_stack.setClean()
        files.add_recent(self.settings, path, MAX_RECENT)
        self._update_title()
        self.show_message(f"Saved {path.name}.")
        return True

    def export_dialog(self, fmt: str) -> None:
        self.live.sync()
        suffix = SUFFIXES[fmt]
        stem = self.path.stem if self.path else "model"
        start = str(Path(files.documents_dir()) / f"{stem}{suffix}")
        name, _ = QFileDialog.getSaveFileName(self, f"Export as {fmt}", start, f"*{suffix}")
        if not name:
            return
        try:
            written = export(self.controller.document, fmt, Path(name))
        except (OSError, ValueError, ImportError) as exc:
            messages.error(self, "Could not export", str(exc))
            return
        self.show_message(f"Exported {', '.join(Path(p).name for p in written)}.")

    # ------------------------------------------------------------------ autosave
    def autosave(self) -> None:
        """Write a recovery copy (never the project itself) when there are unsaved changes."""
        if self.controller.undo_stack.isClean():
            return
        try:
            files.save_recovery(self.controller.document, self.path)
        except (OSError, ValueError) as exc:
            self.show_message(f"Autosave failed: {exc}")

    def offer_recovery(self) -> None:
        """After a crash, offer the recovery file left behind."""
        found = files.find_recovery(self.path)
        if found is None:
            return
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(found.stat().st_mtime))
        answer = messages.ask(
            self,
            "Restore unsaved work?",
            f"nnstudio found work that was not saved ({stamp}). Restore it?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            try:
                doc = files.load(found)
            except (OSError, ValueError, MemoryError) as exc:
                messages.warning(self, "Could not restore", str(exc) or "not enough memory")
            else:
                self.controller.set_document(doc)
                self.controller.push(edits.SetValue(("auto_output",), doc.auto_output))
                self.show_message("Restored unsaved work; save it to keep it.")
                return
        files.discard_recovery_file(found)

    # ------------------------------------------------------------------ training
    def train_headless(self, epochs: int) -> None:
        """Train before showing (for ``--train-epochs``): same engine, no thread."""
        self.live.train_headless(epochs)

    def save_screenshot(self, path: Path, size: tuple[int, int]) -> bool:
        """Render the window at ``size`` into a PNG."""
        self.resize(*size)
        self.show()
        QApplication.processEvents()  # lay the docks out before fitting and drawing
        self.editor.zoom_fit()
        self.live.refresh_views()
        QApplication.processEvents()
        ok = self.grab().save(str(path))
        self.close_silently()
        if not ok:
            print(f"nnstudio: error: could not write {path}")
        return ok

    def close_silently(self) -> None:
        """Close without asking (screenshots): training is stopped before the work is dropped."""
        self.lab.shutdown()
        self.live.shutdown()
        self.controller.undo_stack.setClean()
        self.close()

    # ------------------------------------------------------------------- help
    def about(self) -> None:
        QMessageBox.about(
            self,
            "About nnstudio",
            f"<b>nnstudio {__version__}</b><p>A neural-network studio for students: draw a "
            "network, train it live, see every weight and gradient, export it to PyTorch, "
            "NumPy and ONNX.</p>",
        )

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS)
        QMessageBox.information(self, "Keyboard shortcuts", f"<table cellpadding=3>{rows}</table>")

    # ------------------------------------------------------------------- closing
    def closeEvent(self, event: QCloseEvent) -> None:
        self.live.stop()
        if not self.maybe_save():
            event.ignore()
            return
        files.discard_recovery(self.path)
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.lab.shutdown()
        self.live.shutdown()
        event.accept()
