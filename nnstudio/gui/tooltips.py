"""Tooltips that wrap at a readable width instead of running 900 px across the screen.

Qt wraps a tooltip only when it is rich text. An application-wide event filter turns every
long plain-text tooltip into an escaped paragraph as it is set, so each widget keeps writing
plain ``setToolTip("...")`` and text from files can never become markup.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

#: Plain tooltips up to this many characters stay on one line.
WRAP_AFTER = 70


PREFIX = "<p style='white-space:pre-wrap'>"


def wrapped(text: str) -> str:
    """``text`` as an escaped rich-text paragraph (Qt wraps those at about 80 characters)."""
    body = html.escape(text).replace("\n", "<br>")
    return f"{PREFIX}{body}</p>"


def needs_wrapping(text: str) -> bool:
    return len(text) > WRAP_AFTER and not text.startswith(PREFIX)


class TooltipWrapper(QObject):
    """Rewrites a widget's long plain tooltip the moment it is set."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTipChange and isinstance(watched, QWidget):
            text = watched.toolTip()
            if needs_wrapping(text):
                watched.setToolTip(wrapped(text))  # starts with PREFIX: no second rewrite
        return False


def install(app: QApplication) -> None:
    """Wrap long tooltips application-wide (once)."""
    if app.findChild(TooltipWrapper) is None:
        app.installEventFilter(TooltipWrapper(app))


def uninstall(app: QApplication) -> None:
    """Stop wrapping (tests that share one QApplication)."""
    wrapper = app.findChild(TooltipWrapper)
    if wrapper is not None:
        app.removeEventFilter(wrapper)
        wrapper.setParent(None)
        wrapper.deleteLater()
