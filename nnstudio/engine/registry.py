"""Registries map a name to an object, built from the objects' own names (Keras habit)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> object; ``get`` raises a ``ValueError`` naming the unknown key and the known ones."""

    def __init__(self, kind: str, items: Iterable[T] = ()) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        for item in items:
            self.add(item)

    def add(self, item: T) -> T:
        name = item.name  # type: ignore[attr-defined]
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except (KeyError, TypeError):
            known = ", ".join(self._items)
            raise ValueError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items
