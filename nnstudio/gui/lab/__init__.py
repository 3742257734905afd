"""The teaching lab's panels: the loss landscape, races and replay.

``Lab`` builds them for a window and wires them to its live training (``gui/live.py``); the
window only adds them as docks and a menu.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from nnstudio.gui import layout
from nnstudio.gui.lab.landscape import LandscapePanel
from nnstudio.gui.lab.race import RacePanel
from nnstudio.gui.lab.replay import ReplayPanel
from nnstudio.gui.undo import DocumentController


class Lab:
    """The three panels of one window, connected to its training and canvas."""

    def __init__(self, controller: DocumentController, live, parent: QWidget) -> None:
        self.landscape = LandscapePanel(live.editor.selection, parent)
        self.race = RacePanel(controller, live, parent)
        self.replay = ReplayPanel(controller, live, parent)
        trainer = live.trainer
        trainer.jobLoaded.connect(self.landscape.set_job)
        trainer.snapshot.connect(self.landscape.update_snapshot)
        self.replay.frameShown.connect(self.landscape.show_weights)

    def panels(self) -> list[tuple[str, QWidget]]:
        """(dock title, widget) in the order the Lab menu lists them.

        Each panel sits in a scroll area, so its controls never make the window's minimum
        size larger (a small screen scrolls the panel instead).
        """
        return [
            ("Landscape", layout.scrolled(self.landscape)),
            ("Replay", layout.scrolled(self.replay)),
            ("Race", layout.scrolled(self.race)),
        ]

    def shutdown(self) -> None:
        """Stop the landscape's worker thread and the race process (the window is closing)."""
        self.landscape.shutdown()
        self.race.shutdown()
