"""The student's work as plain data: the single source of truth the GUI, CLI and files share."""

from nnstudio.document.model import DEFAULT_TRAINING, Document

__all__ = ["DEFAULT_TRAINING", "Document"]
