"""Run an action once typing pauses, so a list refreshes once per pause rather than once per key."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

TYPING_PAUSE_MS = 150


class Debounce:
    """``start`` (re)arms the timer; ``flush`` runs a pending action at once; ``cancel`` drops it."""

    def __init__(
        self, parent: QObject, action: Callable[[], object], interval_ms: int = TYPING_PAUSE_MS
    ) -> None:
        self._action = action
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(action)

    def start(self, *_signal_args: object) -> None:
        self._timer.start()

    def flush(self) -> None:
        """Enter straight after typing: the search that was waiting runs now, before its rows are used."""
        if self._timer.isActive():
            self._timer.stop()
            self._action()

    def cancel(self) -> None:
        self._timer.stop()
