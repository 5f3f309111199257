"""Data the engine loads on first use and keeps for the life of the process (the rule book, the fee and
local rate tables).

Not ``functools.cache``: every quote asks for these tables several times, and a call through the
cache's wrapper costs the compiled engine (:mod:`calc.native`) as much as a tax line; reading
:meth:`LoadedOnce.get` is a direct attribute read once loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

_T = TypeVar("_T")


class LoadedOnce(Generic[_T]):
    """The value ``load()`` returns, loaded on the first :meth:`get` and shared afterwards."""

    def __init__(self, load: Callable[[], _T]) -> None:
        self._load = load
        self._value: _T | None = None

    def get(self) -> _T:
        value = self._value
        if value is None:
            value = self._value = self._load()
        return value
