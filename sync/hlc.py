"""Hybrid logical clock: orders changes across devices whose wall clocks disagree.

A timestamp is the text ``{millis:013d}:{counter:05d}:{node}``, so plain string comparison orders
them: later physical time first, then the logical counter, then the node id as a stable tie-break.
Receiving a remote timestamp (``observe``) moves the clock past it, so a change made after seeing
another device's change always sorts after it, whatever the local wall clock says.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def format_hlc(millis: int, counter: int, node: str) -> str:
    return f"{millis:013d}:{counter:05d}:{node}"


def parse_hlc(value: str) -> tuple[int, int, str]:
    try:
        millis, counter, node = value.split(":", 2)
        return int(millis), int(counter), node
    except ValueError:
        raise ValueError(f"hlc: malformed timestamp {value!r}") from None


class HybridClock:
    def __init__(self, node: str, wall_ms: Callable[[], int] | None = None) -> None:
        if not node or ":" in node:
            raise ValueError("node: must be a non-empty id without ':'")
        self.node = node
        self._wall_ms = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self._millis = 0
        self._counter = 0
        self._lock = threading.Lock()

    def now(self) -> str:
        with self._lock:
            wall = self._wall_ms()
            if wall > self._millis:
                self._millis, self._counter = wall, 0
            else:
                self._counter += 1
            return format_hlc(self._millis, self._counter, self.node)

    def observe(self, remote: str) -> None:
        millis, counter, _ = parse_hlc(remote)
        with self._lock:
            if (millis, counter) > (self._millis, self._counter):
                self._millis, self._counter = millis, counter
