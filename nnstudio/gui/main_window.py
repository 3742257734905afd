"""The studio window: wires the document, the editor, the panels and live training together.

It computes nothing itself: edits go through the ``DocumentController``, maths through the
engine (in the training worker), files through ``nnstudio.io``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QChildEvent, QEvent, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabBar,
    QToolBar,
    QWidget,
)

from nnstudio import __version__, examples
from nnstudio.document import Document
from nnstudio.gui import files, layout, messages
from nnstudio.gui.code_view import CodeView
from nnstudio.gui.editor.widget import NetworkEditor
from nnstudio.gui.lab import Lab
from nnstudio.gui.lessons.menu import Teaching
from nnstudio.gui.live import LiveTraining
from nnstudio.gui.panels.data_panel import DataPanel
from nnstudio.gui.panels.properties import PropertiesPanel
from nnstudio.gui.panels.training_settings import TrainingSettings
from nnstudio.gui.plots.neuron_focus import NeuronFocusWindow
from nnstudio.gui.status_line import StatusLine
from nnstudio.gui.undo import DocumentController
from nnstudio.io.export import FORMATS, SUFFIXES, export

#: A new window's size: the middle one of the three the default layout is made for.
FIRST_SIZE = QSize(1280, 800)

SHORTCUTS = [
    ("Space", "Play / pause training"),
    ("Ctrl+B / Ctrl+E", "Step one batch / one epoch"),
    ("Ctrl+R", "Reset: fresh weights, no curves (undoable)"),
    ("Ctrl+N", "New project from an example"),
    ("Ctrl+O", "Open a project"),
    ("Ctrl+S / Ctrl+Shift+S", "Save / save as"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"),
    ("Arrow keys", "Move the selection on the canvas (layers left/right, neurons up/down)"),
    ("Enter", "Edit the selection's properties"),
    ("Insert", "Add a layer after the selected one"),
    ("Delete", "Remove the selected layer or neuron"),
    ("+ / -", "Add / remove a neuron on the selected layer"),
    ("Ctrl++ / Ctrl+- / Ctrl+0", "Zoom in / out / fit the network"),
    ("Ctrl+wheel, drag background", "Zoom and pan the canvas"),
    ("F1", "This sheet"),
]


class MainWindow(QMainWindow):
    """Data set on the left, network in the centre, properties on the right, plots below."""

    def __init__(
        self,
        document: Document | None = None,
        settings: QSettings | None = None,
        recovery_dir: Path | None = None,
    ):
        super().__init__()
        self._closed = False
        self.settings = settings or QSettings()
        self.controller = DocumentController(document or examples.example("xor"))
        self.setObjectName("MainWindow")
        self.setWindowIcon(files.app_icon())
        self.resize(FIRST_SIZE)
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
        self.code_view.setMinimumHeight(60)  # its text scrolls; the Properties tab is taller
        self.live = LiveTraining(self.controller, self.editor, self)
        self.lab = Lab(self.controller, self.live, self)
        self.files = files.ProjectFiles(self, recovery_dir)
        self.setAcceptDrops(True)

        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbars()
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # messages quote files
        self.statusBar().addWidget(self.status, 1)
        self.status_line = StatusLine(
            self.status, self.controller, self.live.trainer, self.undo_action, self.redo_action
        )

        self.editor.selectionChanged.connect(self.properties.show_selection)
        self.editor.view.propertiesRequested.connect(self._show_properties)
        self.neuron_focus = NeuronFocusWindow(self.live.trainer, self)  # a clicked picture
        self.editor.pictureClicked.connect(self.neuron_focus.show_unit)
        self.editor.message.connect(self.show_message)
        self.live.message.connect(self.show_message)
        self.data_panel.message.connect(self.show_message)
        self.files.message.connect(self.show_message)
        self.files.pathChanged.connect(self._update_title)
        self.controller.undo_stack.cleanChanged.connect(self._update_title)
        self.controller.documentReplaced.connect(self._update_title)
        self.controller.changed.connect(self._on_changed)
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
        self.data_dock = self._dock("Data set", layout.scrolled(self.data_panel), left)
        self.properties_dock = self._dock("Properties", layout.scrolled(self.properties), right)
        self.code_dock = self._dock("Code", self.code_view, right)
        views = self.live.views
        self.loss_dock = self._dock("Loss", views.loss, bottom)
        self.boundary_dock = self._dock("Boundary", views.boundary, right)
        self.weights_dock = self._dock("Weights", views.weights, bottom)
        self.neurons_dock = self._dock("Neurons", views.neurons, bottom)
        self.samples_dock = self._dock("Samples", views.samples, right)
        self.confusion_dock = self._dock("Confusion", views.confusion, right)
        self.lab_docks = [self._dock(title, panel, bottom) for title, panel in self.lab.panels()]
        self.teaching = Teaching(self)  # the Lesson and Inspector docks (issue 11)
        layout.arrange_default(self)

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
        self.pictures_action = self._action(
            "Neuron &Pictures on the Canvas",
            self.editor.set_pictures_enabled,
            tip="Each neuron shows what it computes over the input plane (or its weights); "
            "point at one to enlarge it, click it to open it large with axes",
        )
        self.pictures_action.setCheckable(True)
        self.pictures_action.setChecked(True)
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
        view_menu.addAction(self.pictures_action)
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
        self._remember_speed()
        self.live.views.boundary.options.remember(self.settings)  # points shown, hard regions
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, controls)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        settings = QToolBar("Training settings", self)
        settings.setObjectName("training_settings")
        settings.setMovable(False)
        settings.addWidget(self.settings_bar)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, settings)

    def _remember_speed(self) -> None:
        """The training pace is kept between sessions (a student who chose full speed keeps it)."""
        saved = self.settings.value("training/steps_per_s")
        if saved is not None:
            with contextlib.suppress(TypeError, ValueError):  # damaged settings: default pace
                self.live.controls.set_steps_per_s(float(saved))
        self.live.controls.speedChanged.connect(
            lambda rate: self.settings.setValue("training/steps_per_s", rate)
        )

    def _restore_layout(self) -> None:
        state = self.settings.value("window/state")
        self._size_docks_on_show = state is None
        if state is not None:
            self.restoreState(state)
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:  # arranging the docks, all at once before the first show, made it 950 px tall
            self.resize(FIRST_SIZE)

    def _reset_layout(self) -> None:
        layout.arrange_default(self)

    def showEvent(self, event) -> None:
        """A new layout is sized for the size the window is first shown at."""
        super().showEvent(event)
        if self._size_docks_on_show:
            self._size_docks_on_show = False
            layout.arrange_default(self)
            QTimer.singleShot(0, self.raise_output_view)  # tabs switch once they exist

    def sizeHint(self) -> QSize:
        return QSize(1280, 800)

    # ------------------------------------------------------------------------ document
    def _on_changed(self, area: str) -> None:
        if area in ("data", "network"):
            info = self.live.data_info()
            if info is not None:
                self.editor.set_input_names(info.feature_names)
                self.editor.set_output_names(info.output_names)
            self.raise_output_view()
        self._update_title()

    def _show_properties(self) -> None:
        """Enter on the canvas: the selection's properties, ready for typing."""
        self.properties_dock.show()
        self.properties_dock.raise_()
        self.properties.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.properties.focusNextChild()

    def raise_output_view(self) -> None:
        """Images have no input plane worth drawing: show the sample images instead."""
        info = self.live.data_info()
        if info is not None:
            (self.samples_dock if info.images else self.boundary_dock).raise_()

    @property
    def path(self) -> Path | None:
        """The open project's file (None: untitled work)."""
        return self.files.path

    def _update_title(self, *_args) -> None:
        if self._closed:
            return  # Qt may still signal while the window's objects are being deleted
        name = self.path.name if self.path else "Untitled"
        self.setWindowModified(not self.controller.undo_stack.isClean())
        self.setWindowTitle(f"{name}[*] — nnstudio")

    def show_message(self, text: str) -> None:
        self.status_line.show(text)

    def replace_document(self, doc: Document) -> None:
        """Show another document (``self.files`` decides which and keeps its path)."""
        self.live.stop()
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
        self.files.new_document(examples.example(name))
        self.show_message(f"New project from the example “{name}”.")

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path = self.files.open_dialog()
        if path is not None:
            self.open_path(path)

    def open_path(self, path: Path, interactive: bool = True) -> bool:
        """Open a project (offering unsaved work on it back); a failure keeps the current work."""
        return self.files.open_path(path, interactive)

    def offer_recovery(self) -> bool:
        """Offer unsaved work a crashed window left on this project (or untitled work)."""
        return self.files.offer_recovery()

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
        return self.files.save()

    def save_as(self) -> bool:
        return self.files.save_as()

    def _save_to(self, path: Path) -> bool:
        return self.files.save_to(path)

    def export_dialog(self, fmt: str) -> None:
        self.live.sync()
        target = self.files.export_target(fmt, SUFFIXES[fmt])
        if target is None:
            return
        try:
            written = export(self.controller.document, fmt, target)
        except (OSError, ValueError, ImportError) as exc:
            messages.error(self, "Could not export", str(exc))
            return
        self.show_message(f"Exported {', '.join(Path(p).name for p in written)}.")

    def autosave(self) -> bool:
        """Write a recovery copy in the background if the work changed since the last one."""
        return self.files.autosave()

    # ------------------------------------------------------------------ dropping
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(files.dropped_kind(p) for p in _local_paths(event)):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [p for p in _local_paths(event) if files.dropped_kind(p)]
        if paths:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_dropped(paths[0]))

    def open_dropped(self, path: Path) -> None:
        """A project opens; a CSV file or an MNIST folder opens the import dialog's preview."""
        kind = files.dropped_kind(path)
        if kind == "project":
            if self.maybe_save():
                self.open_path(path)
        elif kind in ("csv", "mnist"):
            dialog = self.data_panel.open_import_dialog(kind)
            page = dialog.csv_page if kind == "csv" else dialog.mnist_page
            (page.set_path if kind == "csv" else page.set_folder)(path)
        else:
            self.show_message(f"{path.name}: not a project, a CSV file or an MNIST folder.")

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
        """Close without asking (screenshots); a recovery copy, if any, is kept."""
        self.lab.shutdown()
        self.live.shutdown()
        self.files.close(discard=False)
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
        # Saved, discarded by the user, or nothing unsaved: this window's recovery copy goes.
        self.files.close(discard=True)
        self.data_panel.close_import_dialog()
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.lab.shutdown()
        self.live.shutdown()
        self._closed = True
        event.accept()


def _local_paths(event: QDropEvent | QDragEnterEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
