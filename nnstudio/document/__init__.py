"""The student's work as plain data: the single source of truth the GUI, CLI and files share."""

from nnstudio.document.model import Document, Progress
from nnstudio.document.settings import DEFAULT_TRAINING, default_training, normalize_training

__all__ = ["DEFAULT_TRAINING", "Document", "Progress", "default_training", "normalize_training"]
