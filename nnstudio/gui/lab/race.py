"""The Race panel: 2 to 6 optimizers or learning rates on the same data and seeded start.

The entrants train in a race process of their own (``nnstudio.live.race``), through the one
training path, while the window stays free. The panel overlays their loss curves, shows each
one's decision boundary as a thumbnail, and keeps every finished run in a list with its
settings and final numbers, so races can be compared afterwards.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.optimizers import OPTIMIZERS
from nnstudio.gui.frames import FrameClock
from nnstudio.gui.palette import class_rgb
from nnstudio.gui.plots.common import RangeKeeper, diverging_colormap, plot_widget, thin_out
from nnstudio.gui.undo import DocumentController
from nnstudio.live.race import (
    MAX_RUNS,
    MIN_RUNS,
    learning_rate_preset,
    optimizer_label,
    race_jobs,
    start_race_child,
)

#: The rows a new panel offers: the course's optimizers, four of them ticked.
DEFAULT_ROWS = [
    ("sgd", 0.03, True),
    ("adam", 0.01, True),
    ("rmsprop", 0.01, True),
    ("adagrad", 0.03, True),
    ("adadelta", 1.0, False),
    ("sgd", 0.3, False),
]
COLUMNS = [
    "race",
    "run",
    "epochs",
    "loss",
    "val loss",
    "acc.",
    "val acc.",
    "s",
    "status",
]


class _Receiver(QThread):
    """Reads the race process's events off the GUI thread and re-emits them as a signal."""

    event = Signal(str, int, object)

    def __init__(self, events) -> None:
        super().__init__()
        self.setObjectName("nnstudio-race-events")
        self.events = events

    def run(self) -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                kind, race_id, reports = self.events.recv()
                self.event.emit(kind, race_id, reports)


class RaceController(QObject):
    """Owns the race process (started with the first race) and its receiver thread."""

    progress = Signal(int, object)
    done = Signal(int, object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._link: tuple[Any, Any, _Receiver] | None = None
        self.race_id = 0
        self.running = False
        # The window's one frame clock paces the race: a report is painted at most once per
        # frame, and the race process sends the next one only when asked ("frame").
        self.clock = FrameClock(self)
        self.clock.frame.connect(self._paint)
        self.clock.ready.connect(self._want_frame)

    def start(self, jobs, names: list[str]) -> int:
        if self._link is None:
            process, commands, events = start_race_child()
            receiver = _Receiver(events)
            receiver.event.connect(self._on_event)
            receiver.start()
            self._link = (process, commands, receiver)
        self.race_id += 1
        self.running = True
        self.clock.stop()
        self._link[1].send(("race", self.race_id, jobs, names))
        return self.race_id

    def stop(self) -> None:
        if self._link is not None and self.running:
            with contextlib.suppress(OSError):
                self._link[1].send(("stop",))

    def _on_event(self, kind: str, race_id: int, reports: Any) -> None:
        if race_id != self.race_id:
            return  # news of a race already replaced
        if kind == "progress":
            self.clock.offer({"race_id": race_id, "reports": reports})
        elif kind == "done":
            self.clock.stop()  # the final reports replace a waiting frame
            self.running = False
            self.done.emit(race_id, reports)
        elif kind == "failed":
            self.clock.stop()
            self.running = False
            self.failed.emit(reports[0]["message"])

    def _paint(self, frame: dict[str, Any]) -> None:
        if frame["race_id"] == self.race_id and self.running:
            self.progress.emit(frame["race_id"], frame["reports"])

    def _want_frame(self) -> None:
        if self._link is not None and self.running:
            with contextlib.suppress(OSError):  # the process is gone: shutdown() tidies up
                self._link[1].send(("frame",))

    def shutdown(self) -> None:
        """End the race process (it finishes its turn, or is terminated) and the receiver."""
        if self._link is None:
            return
        process, commands, receiver = self._link
        self._link = None
        self.clock.stop()
        with contextlib.suppress(OSError):
            commands.send(("quit",))
        process.join(3.0)
        if process.is_alive():
            process.terminate()
            process.join(1.0)
        receiver.wait()
        commands.close()
        receiver.events.close()


class _EntrantRow:
    """One entrant's controls: ticked, optimizer, learning rate."""

    def __init__(self, name: str, lr: float, ticked: bool) -> None:
        self.tick = QCheckBox()
        self.tick.setChecked(ticked)
        self.optimizer = QComboBox()
        self.optimizer.addItems(OPTIMIZERS.names())
        self.optimizer.setCurrentText(name)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 1000.0)
        self.lr.setValue(lr)
        self.lr.setToolTip("Learning rate")

    def set(self, name: str, lr: float, ticked: bool = True) -> None:
        self.optimizer.setCurrentText(name)
        self.lr.setValue(lr)
        self.tick.setChecked(ticked)

    def config(self) -> dict[str, Any]:
        return {"name": self.optimizer.currentText(), "learning_rate": self.lr.value()}


class RacePanel(QWidget):
    """See the module docstring."""

    def __init__(self, controller: DocumentController, live, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller, self.live = controller, live
        self.race = RaceController(self)
        self.race.progress.connect(self._on_progress)
        self.race.done.connect(self._on_done)
        self.race.failed.connect(self._on_failed)
        self.names: list[str] = []
        self.reports: list[dict[str, Any]] = []
        self._build()

    # ----------------------------------------------------------------------- widgets
    def _build(self) -> None:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("optimizer"), 0, 1)
        grid.addWidget(QLabel("learning rate"), 0, 2)
        self.rows = [_EntrantRow(*row) for row in DEFAULT_ROWS]
        for row in self.rows:  # an edited row is no longer the preset's "too small" etc.
            row.tick.toggled.connect(self._forget_names)
            row.optimizer.currentTextChanged.connect(self._forget_names)
            row.lr.valueChanged.connect(self._forget_names)
        for i, row in enumerate(self.rows, start=1):
            grid.addWidget(row.tick, i, 0)
            grid.addWidget(row.optimizer, i, 1)
            grid.addWidget(row.lr, i, 2)
        self.start_button = QPushButton("Start race")
        self.start_button.setToolTip(
            "Train every ticked row on this project's data from the same seeded start, side by "
            "side, for the Epochs setting (early stopping off). The project is not changed."
        )
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.race.stop)
        self.preset_button = QPushButton("Race learning rates: too small / right / too large")
        self.preset_button.setToolTip(
            "One click: race the project's optimizer at its learning rate / 100, as set, and x 100."
        )
        self.preset_button.clicked.connect(self.race_learning_rates)
        self.clear_button = QPushButton("Clear run list")
        self.clear_button.clicked.connect(lambda: self.table.setRowCount(0))
        self.status = QLabel("Tick 2 to 6 rows and press Start race.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        buttons = QGridLayout()
        buttons.addWidget(self.start_button, 0, 0)
        buttons.addWidget(self.stop_button, 0, 1)
        buttons.addWidget(self.preset_button, 1, 0, 1, 2)
        setup = QVBoxLayout()
        setup.setContentsMargins(4, 4, 4, 4)
        setup.addLayout(grid)
        setup.addLayout(buttons)
        setup.addStretch(1)
        setup_widget = QWidget()
        setup_widget.setLayout(setup)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        runs = QWidget()
        runs_layout = QVBoxLayout(runs)
        runs_layout.setContentsMargins(0, 0, 0, 0)
        runs_layout.addWidget(self.table, 1)
        runs_layout.addWidget(self.clear_button)
        # The entrants and the run list share a column: the curves and boundaries keep the
        # width, and a finished race shows its numbers next to its curves.
        self.tabs = QTabWidget()
        self.tabs.addTab(setup_widget, "Entrants")
        self.tabs.addTab(runs, "Run list")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tabs, 1)
        left_layout.addWidget(self.status)

        self.loss_plot = plot_widget(self, "training loss per epoch", "epoch", "loss (log scale)")
        self.loss_plot.setLogMode(y=True)
        self.loss_plot.getAxis("left").enableAutoSIPrefix(False)  # 0.01, not "10 (x0.001)"
        self.legend = self.loss_plot.addLegend(offset=(10, -10))  # bottom left: curves start high
        # Ranges in 1-2-5 steps, not auto-ranged at each report (new ticks and a second paint).
        self.range = RangeKeeper(self.loss_plot.getPlotItem())
        self.curves: list[pg.PlotDataItem] = []
        self.thumbs = pg.GraphicsLayoutWidget()
        self.thumbs.setBackground(self.palette().window().color())
        self.thumbs.setMaximumWidth(340)
        self.thumbs.setToolTip("Each run's decision boundary (orange = class 0, blue = class 1).")
        self.thumb_items: list[tuple[pg.PlotItem, pg.ImageItem]] = []
        self.lut = diverging_colormap().getLookupTable(nPts=256)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.loss_plot)
        split.addWidget(self.thumbs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([400, 480, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

    # ----------------------------------------------------------------------- actions
    def learning_rate_preset(self) -> None:
        """The lecture's three learning rates, for the project's optimizer."""
        current = self.controller.document.network.get("optimizer") or {"name": "sgd"}
        config = {"learning_rate": 0.01, **current}
        preset = learning_rate_preset(config)
        for row, (_name, opt) in zip(self.rows, preset, strict=False):
            row.set(opt["name"], opt["learning_rate"])
        for row in self.rows[len(preset) :]:
            row.tick.setChecked(False)
        self.names = [name for name, _ in preset]
        self.tabs.setCurrentIndex(0)

    def race_learning_rates(self) -> None:
        """The one-click preset: the three learning rates, raced at once."""
        self.learning_rate_preset()
        self.start()

    def _forget_names(self) -> None:
        self.names = []

    def entrants(self) -> list[tuple[str, dict[str, Any]]]:
        """(name, optimizer config) of each ticked row; preset rows keep their names."""
        out = []
        for i, row in enumerate(self.rows):
            if row.tick.isChecked():
                config = row.config()
                name = optimizer_label(config)
                if i < len(self.names):
                    name = f"{self.names[i]}: {name}"
                out.append((name, config))
        return out

    def start(self) -> None:
        entrants = self.entrants()
        if not MIN_RUNS <= len(entrants) <= MAX_RUNS:
            self.status.setText(f"Tick {MIN_RUNS} to {MAX_RUNS} rows (now {len(entrants)}).")
            return
        dataset = self.live.dataset()
        if dataset is None:
            self.status.setText("The project's data set cannot be loaded.")
            return
        doc = self.controller.document
        try:
            jobs = race_jobs(doc, dataset, [config for _, config in entrants])
        except ValueError as exc:
            self.status.setText(f"Cannot race: {exc}")
            return
        names = [name for name, _ in entrants]
        self._reset_views(names)
        self.tabs.setCurrentIndex(1)
        self.race.start(jobs, names)
        epochs = jobs[0].settings["epochs"] or 100
        self.status.setText(f"Racing {len(jobs)} runs for {epochs} epochs each…")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)

    def shutdown(self) -> None:
        self.race.shutdown()

    # ----------------------------------------------------------------------- drawing
    def _reset_views(self, names: list[str]) -> None:
        self.loss_plot.clear()
        self.legend.clear()
        self.range.reset()
        self.curves = []
        self._histories: list[dict[str, list[float]]] = [{} for _ in names]  # whole curves
        for i, name in enumerate(names):
            pen = pg.mkPen(class_rgb(i), width=2)
            # Thousands of epochs per run: an antialiased 2-px path of them took ~7 ms to
            # stroke per curve and frame. Plain, at about 2 points per pixel, as the loss view.
            curve = self.loss_plot.plot([], [], pen=pen, name=name, antialias=False)
            thin_out(curve)
            self.curves.append(curve)
        self.thumbs.clear()
        self.thumb_items = []
        for i, name in enumerate(names):
            plot = self.thumbs.addPlot(row=i // 2, col=i % 2)
            plot.setTitle(name, size="8pt")
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.setMouseEnabled(False, False)
            plot.setAspectLocked(True)
            image = pg.ImageItem(axisOrder="row-major")
            plot.addItem(image)
            self.thumb_items.append((plot, image))
        self._race_rows = self._add_rows(names)

    def _add_rows(self, names: list[str]) -> list[int]:
        first = self.table.rowCount()
        self.table.setRowCount(first + len(names))
        return list(range(first, first + len(names)))

    def _on_progress(self, _race_id: int, reports: list[dict[str, Any]]) -> None:
        self._show(reports, final=False)

    def _on_done(self, race_id: int, reports: list[dict[str, Any]]) -> None:
        self._show(reports, final=True)
        self.reports = reports
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.tabs.setCurrentIndex(1)  # the numbers, next to the curves
        best = min(reports, key=lambda r: np.nan_to_num(_last(r["history"], "loss"), nan=np.inf))
        self.status.setText(
            f"Race {race_id} done. Lowest training loss: {best['name']} "
            f"({_last(best['history'], 'loss'):.4g}). Every run stays in the Run list."
        )

    def _on_failed(self, text: str) -> None:
        self.status.setText(text)
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def _show(self, reports: list[dict[str, Any]], final: bool) -> None:
        shown = [np.zeros(0)]
        for i, report in enumerate(reports):
            history = self._histories[i]
            start = report.get("history_start", 0)
            for key, values in report["history"].items():  # the new epochs after ``start``
                history[key] = history.get(key, [])[:start] + list(values)
            report["history"] = history
            loss = np.asarray(history.get("loss", []), float)
            epochs = np.arange(1, len(loss) + 1)
            ok = np.isfinite(loss) & (loss > 0)
            self.curves[i].setData(epochs[ok], loss[ok])
            shown.append(loss[ok])
            thumb = report["thumbnail"]
            if thumb is not None:
                _plot, image = self.thumb_items[i]
                image.setImage(thumb["image"], autoLevels=False, levels=(0.0, 1.0), lut=self.lut)
                x0, x1, y0, y1 = thumb["extent"]
                image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            self._fill_row(self._race_rows[i], report, final)
        most = max((r["epochs"] for r in reports), default=0)
        self.range.update(max(most, 1), np.concatenate(shown), log=True)

    def _fill_row(self, row: int, report: dict[str, Any], final: bool) -> None:
        h = report["history"]
        status = "training"
        if report["diverged"]:
            status = "diverged"
        elif final:
            status = "done" if report["epochs"] >= report["target_epochs"] else "stopped"
        values = [
            str(self.race.race_id),
            report["name"],
            str(report["epochs"]),
            _fmt(_last(h, "loss")),
            _fmt(_last(h, "val_loss")),
            _fmt(_last(h, "accuracy")),
            _fmt(_last(h, "val_accuracy")),
            f"{report['seconds']:.1f}",
            status,
        ]
        for col, text in enumerate(values):
            item = self.table.item(row, col)
            if item is None:
                self.table.setItem(row, col, QTableWidgetItem(text))
            elif item.text() != text:  # 30 reports a second: touch only what changed
                item.setText(text)
        if final:
            self.table.resizeColumnsToContents()


def _last(history: dict[str, list[float]], key: str) -> float:
    curve = history.get(key) or [float("nan")]
    return float(curve[-1])


def _fmt(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:.4g}"
