"""Message boxes whose text is always plain text.

``QMessageBox``'s static helpers guess whether a text is rich text, and error messages quote
files: a file named ``<img src=x width=20000 height=20000>.csv`` would be drawn as a
20000-pixel image. Every box of the window goes through :func:`box`, which tests replace.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton
Icon = QMessageBox.Icon


def box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = Button.Ok,
    default: QMessageBox.StandardButton = Button.NoButton,
) -> QMessageBox.StandardButton:
    """Show a modal box with ``text`` as plain text; returns the button pressed."""
    message = QMessageBox(icon, title, text, buttons, parent)
    message.setTextFormat(Qt.TextFormat.PlainText)
    if default != Button.NoButton:
        message.setDefaultButton(default)
    return Button(message.exec())


def error(parent: QWidget | None, title: str, text: str) -> None:
    box(parent, Icon.Critical, title, text)


def warning(parent: QWidget | None, title: str, text: str) -> None:
    box(parent, Icon.Warning, title, text)


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = Button.Yes | Button.No,
    default: QMessageBox.StandardButton = Button.NoButton,
) -> QMessageBox.StandardButton:
    return box(parent, Icon.Question, title, text, buttons, default)
