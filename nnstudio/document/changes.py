"""What an edit changed in a document, field by field, so listeners need not compare.

Edits never write into what a document holds: they replace a field with a new object (copy
on write, see ``edits.py``). So the fields an edit, its undo or its redo changed are exactly
those whose object is no longer the same, which :func:`mark` and :func:`changed_since` find
in a few identity checks. Only the network is looked into, to tell an optimizer change (a
running worker takes it over) from a change of the network itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from nnstudio.document.model import Document

#: The fields a change can name:
#: ``spec`` the network (layers, loss, ...) without its optimizer, and ``auto_output``;
#: ``optimizer`` the network's optimizer and its settings; ``weights`` the weights;
#: ``progress`` the rest of the training progress (history, input transform, optimizer state);
#: ``training`` the training settings; ``data`` the data reference and the embedded arrays.
Field = Literal["spec", "optimizer", "weights", "progress", "training", "data"]
FIELDS: tuple[Field, ...] = get_args(Field)

# The document attribute(s) behind each field other than spec and optimizer.
_ATTRIBUTES: dict[Field, tuple[str, ...]] = {
    "weights": ("weights",),
    "progress": ("history", "standardize", "state"),
    "training": ("training",),
    "data": ("data", "embedded"),
}


@dataclass(frozen=True)
class Change:
    """The fields one edit, undo or redo changed (see :data:`Field`)."""

    fields: frozenset[Field]

    def __contains__(self, field: object) -> bool:
        return field in self.fields

    def only(self, *fields: Field) -> bool:
        """Whether something changed and all of it is among ``fields``."""
        return bool(self.fields) and self.fields <= set(fields)


@dataclass(frozen=True)
class Mark:
    """A document's fields as objects, taken before a change (references, not copies)."""

    values: tuple[Any, ...]


_NAMES = ("network", "auto_output", *(a for f in _ATTRIBUTES.values() for a in f))


def mark(doc: Document) -> Mark:
    return Mark(tuple(getattr(doc, name) for name in _NAMES))


def changed_since(before: Mark, doc: Document) -> Change:
    """The fields of ``doc`` that are no longer the objects ``before`` holds."""
    old = dict(zip(_NAMES, before.values, strict=True))
    fields: set[Field] = set()
    for field, names in _ATTRIBUTES.items():
        if any(old[name] is not getattr(doc, name) for name in names):
            fields.add(field)
    if old["network"] is not doc.network:
        old_net, net = old["network"], doc.network
        if old_net.get("optimizer") != net.get("optimizer"):
            fields.add("optimizer")
        if _without_optimizer(old_net) != _without_optimizer(net):
            fields.add("spec")
    if old["auto_output"] != doc.auto_output:
        fields.add("spec")
    return Change(frozenset(fields))


def _without_optimizer(network: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in network.items() if key != "optimizer"}
