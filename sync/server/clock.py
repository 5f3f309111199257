"""The server's own hybrid-logical-clock stamps, for changes made through the admin API."""

from __future__ import annotations

from sync.protocol import HybridLogicalClock

SERVER_NODE = "server"
_clock = HybridLogicalClock(SERVER_NODE)


def server_hlc() -> str:
    return str(_clock.now())
