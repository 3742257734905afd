"""The window's one data-set cache: the document's data set, loaded once per data reference.

The data panel draws the data set and the live training builds its job from it; both ask
``DocumentController.dataset()``, which keeps one ``DatasetCache``, so a data set is read
(a CSV parsed, digits decompressed) once however many parts of the window show it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from nnstudio.data import Dataset
from nnstudio.data.embedded import project_dataset
from nnstudio.document import Document


@dataclass(frozen=True, eq=False)
class LoadedData:
    """One load's outcome: the data set, or ``None`` with the reason ("" when there is no data).

    A new object per load, so a receiver can tell a fresh load (and report its error once) by
    identity.
    """

    dataset: Dataset | None
    error: str


class DatasetCache:
    """Remembers the last load, keyed by the data reference, the embedded arrays and the access."""

    def __init__(self) -> None:
        self._key: tuple[str, Any] | None = None
        self._loaded = LoadedData(None, "")

    def get(self, doc: Document, access: dict[str, Any]) -> LoadedData:
        """The document's data set, loaded now only if its reference or rows changed."""
        # The embedded X array itself (not its id) is part of the key: the cache keeps it
        # alive, so a new array can never be mistaken for the old one.
        arrays = None if doc.embedded is None else doc.embedded.get("X")
        reference = json.dumps([doc.data, access], sort_keys=True, default=str)
        if self._key is None or self._key[0] != reference or self._key[1] is not arrays:
            self._key = (reference, arrays)
            self._loaded = _load(doc, access)
        return self._loaded


def _load(doc: Document, access: dict[str, Any]) -> LoadedData:
    if doc.embedded is None and not doc.data:
        return LoadedData(None, "")
    try:
        return LoadedData(project_dataset(doc.data, doc.embedded, **access), "")
    except (ValueError, OSError, KeyError, MemoryError) as exc:  # DataError is a ValueError
        return LoadedData(None, f"Cannot load the data set: {exc or 'not enough memory'}")
