"""Hybrid-logical-clock stamps for sync: ordering changes across devices whose wall clocks disagree.

Kept free of heavy imports: the desktop store stamps every change with it, so it loads at start-up.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

_HLC_RE = re.compile(r"^(\d{1,16})-(\d{1,9})-([A-Za-z0-9_.:-]{1,64})$")


class Hlc(NamedTuple):
    """A hybrid-logical-clock stamp ``<unix ms>-<counter>-<node>``; compares as that tuple.

    ``node`` is the device id, which breaks ties deterministically.
    """

    physical_ms: int
    counter: int
    node: str

    @classmethod
    def parse(cls, text: str) -> Hlc:
        match = _HLC_RE.match(text)
        if match is None:
            raise ValueError("hlc: expected '<unix ms>-<counter>-<node>', e.g. '1732476000000-0-desk1'")
        return cls(int(match.group(1)), int(match.group(2)), match.group(3))

    def __str__(self) -> str:
        return f"{self.physical_ms}-{self.counter}-{self.node}"


class HybridLogicalClock:
    """Issues monotonically increasing stamps for one node even if the wall clock steps back.

    ``observe`` folds in a stamp seen from elsewhere (e.g. a pulled row) so later local stamps sort after it.
    """

    def __init__(self, node: str, wall_ms: Callable[[], int] | None = None) -> None:
        Hlc.parse(f"0-0-{node}")  # validates the node name
        self.node = node
        self._wall_ms = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self._last = Hlc(0, 0, node)
        self._lock = threading.Lock()

    def now(self) -> Hlc:
        with self._lock:
            wall = self._wall_ms()
            if wall > self._last.physical_ms:
                self._last = Hlc(wall, 0, self.node)
            else:
                self._last = Hlc(self._last.physical_ms, self._last.counter + 1, self.node)
            return self._last

    def observe(self, remote: Hlc) -> None:
        with self._lock:
            if (remote.physical_ms, remote.counter) > (self._last.physical_ms, self._last.counter):
                self._last = Hlc(remote.physical_ms, remote.counter, self.node)
