"""The code view: the network on the canvas as Keras, PyTorch and NumPy code, kept current.

Each tab shows :func:`nnstudio.io.code.model_code` for its language, the very text the script
exports write, so what a student copies from here is what an exported file runs. The view
listens to the document controller and rewrites its text after every edit, undo or redo;
it computes nothing itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.gui.undo import DocumentController
from nnstudio.io.code import LANGUAGES, keras_names, model_code


def code_text(controller: DocumentController, language: str) -> str:
    """The model code for the controller's document, or a comment saying why there is none."""
    try:
        return model_code(controller.document, language)
    except ValueError as exc:
        return f"# The network is not complete yet: {exc}\n"


class CodeView(QWidget):
    """Tabs of read-only, monospace code (one per language), a Keras summary and a Copy button."""

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setToolTip(
            "What model.compile and model.fit get from the training settings above"
        )
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.editors: dict[str, QPlainTextEdit] = {}
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for language, title in LANGUAGES.items():
            editor = QPlainTextEdit()
            editor.setReadOnly(True)
            editor.setFont(font)
            editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            editor.setObjectName(f"code_{language}")
            self.editors[language] = editor
            self.tabs.addTab(editor, title)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the code of the tab shown to the clipboard")
        self.copy_button.clicked.connect(self.copy)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

        controller.changed.connect(self.refresh)
        controller.documentReplaced.connect(self.refresh)
        self.refresh()

    def language(self) -> str:
        """The language of the tab shown."""
        return list(LANGUAGES)[self.tabs.currentIndex()]

    def set_language(self, language: str) -> None:
        self.tabs.setCurrentIndex(list(LANGUAGES).index(language))

    def text(self, language: str | None = None) -> str:
        """The text a tab shows (the current one by default)."""
        return self.editors[language or self.language()].toPlainText()

    def refresh(self, *_area: str) -> None:
        """Rewrite every tab whose code changed, keeping where the student had scrolled to."""
        for language, editor in self.editors.items():
            text = code_text(self.controller, language)
            if text == editor.toPlainText():
                continue
            bar = editor.verticalScrollBar()
            position = bar.value()
            editor.setPlainText(text)
            bar.setValue(position)
        try:
            self.summary.setText(keras_names(self.controller.document))
        except ValueError:
            self.summary.setText("")

    def copy(self) -> None:
        """Put the shown tab's code on the clipboard."""
        QGuiApplication.clipboard().setText(self.text())
