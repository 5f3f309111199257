"""Run an admin change off the GUI thread when it goes over the network, so the window never freezes.

Signed in, each change is an HTTP call to the dealership server; on a slow or dropped network that can
take seconds. :class:`Background` runs the call on a worker thread, keeps the tab disabled and says
"Working…" meanwhile, then hands the outcome (the result, or the :class:`~app.errors.AppError` it
raised) back on the GUI thread. In the demo the change is a local write of a few milliseconds and runs
at once, on the GUI thread (the store is then used from one thread only).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from app.errors import AppError

Outcome = Any  # the call's result, or the AppError it raised
Then = Callable[[Outcome], None]


def outcome_of(call: Callable[[], object]) -> Outcome:
    try:
        return call()
    except AppError as error:
        return error


class Background(QObject):
    # (then, outcome): emitted on the worker thread, delivered (queued) on the GUI thread.
    _finished = Signal(object, object)

    def __init__(self, tab: QWidget, message: QLabel, *, threaded: bool) -> None:
        super().__init__(tab)
        self.tab = tab
        self.message = message
        self.threaded = threaded
        self.busy = False
        self._focus: QWidget | None = None
        self._finished.connect(self._deliver)

    def run(self, call: Callable[[], object], then: Then) -> None:
        if not self.threaded:
            then(outcome_of(call))
            return
        self.busy = True
        self._focus = QApplication.focusWidget()
        self.tab.setEnabled(False)
        self.message.setText("Working…")
        threading.Thread(target=self._work, args=(call, then), name="admin-call", daemon=True).start()

    def _work(self, call: Callable[[], object], then: Then) -> None:
        try:
            outcome = outcome_of(call)
        except Exception as error:
            outcome = error
        # The admin screen may have closed while the call ran: then nobody is waiting for the answer.
        with suppress(RuntimeError):
            self._finished.emit(then, outcome)

    def _deliver(self, then: Then, outcome: Outcome) -> None:
        self.busy = False
        self.tab.setEnabled(True)
        self.message.setText("")
        if self._focus is not None and self._focus.isVisible():
            self._focus.setFocus()
        if isinstance(outcome, Exception) and not isinstance(outcome, AppError):
            raise outcome
        then(outcome)
