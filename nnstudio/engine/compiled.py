"""How the engine compiles its loops with numba: one place for the options.

Compiled code is cached on disk beside the module (or in the user's cache folder), so only
the first process on a machine compiles; later ones load it (about 0.3 s for the first
compiled call of a process). Where no folder is writable (a read-only install without a home
folder) the loops are compiled in each process instead of failing to import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba import njit


def compiled(func: Callable | None = None, **options: Any) -> Any:
    """``numba.njit(cache=True, nogil=True, **options)``, without the cache if none can be kept.

    Use as ``@compiled`` or ``@compiled(error_model="numpy")``.
    """

    def wrap(f: Callable) -> Any:
        try:
            return njit(cache=True, nogil=True, **options)(f)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return njit(nogil=True, **options)(f)

    return wrap if func is None else wrap(func)
