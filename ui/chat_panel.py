"""The assistant's chat panel: a dock that streams answers, lists the tools that ran, and can cancel.

Each question runs on the panel's own thread pool; events come back to the GUI thread through queued
signals tagged with the turn they belong to, so a cancelled turn's late events are simply dropped and
the panel is free again at once.
"""

from __future__ import annotations

import json
import threading

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.assistant.service import AskContext, AssistantAnswer, AssistantService
from app.assistant.tools import ToolCallRecord
from app.assistant.turn import TurnEvent
from app.errors import ValidationError


class _Bridge(QObject):
    """Signals from the worker thread; created on the GUI thread, so connections are queued."""

    progressed = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, str)


class _TurnJob(QRunnable):
    def __init__(
        self,
        turn: int,
        service: AssistantService,
        question: str,
        context: AskContext | None,
        conversation_id: str | None,
        cancel: threading.Event,
        bridge: _Bridge,
    ) -> None:
        super().__init__()
        self.turn = turn
        self.service = service
        self.question = question
        self.context = context
        self.conversation_id = conversation_id
        self.cancel = cancel
        self.bridge = bridge

    def run(self) -> None:
        try:
            answer = self.service.ask(
                self.question,
                context=self.context,
                conversation_id=self.conversation_id,
                on_event=lambda event: self.bridge.progressed.emit(self.turn, event),
                cancel=self.cancel,
            )
        except ValidationError as exc:
            self.bridge.failed.emit(self.turn, exc.message)
        except Exception as exc:  # the panel must come back whatever happens on the worker
            self.bridge.failed.emit(self.turn, f"The assistant failed: {exc}")
        else:
            self.bridge.finished.emit(self.turn, answer)


def _describe(call: ToolCallRecord) -> QListWidgetItem:
    if call.ok:
        item = QListWidgetItem(f"✓ {call.name}")
    else:
        error = call.result.get("error", {}) if isinstance(call.result, dict) else {}
        item = QListWidgetItem(f"✗ {call.name}: {error.get('field', '')} {error.get('message', '')}".strip())
    item.setData(Qt.ItemDataRole.UserRole, call.as_dict())
    item.setToolTip(json.dumps(call.arguments, indent=1, default=str)[:2000])
    return item


class ChatPanel(QDockWidget):
    """Ask, watch the answer stream in with the tools it used, cancel; one conversation per panel."""

    turn_finished = Signal(object)  # AssistantAnswer, or None for a cancelled or failed turn
    busy_changed = Signal(bool)

    def __init__(self, service: AssistantService, parent: QWidget | None = None) -> None:
        super().__init__("Assistant", parent)
        self.setObjectName("assistant-dock")
        self.service = service
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)  # a cancelled turn may still be finishing while the next one runs
        self._bridge = _Bridge(self)
        self._bridge.progressed.connect(self._on_event)
        self._bridge.finished.connect(self._on_finished)
        self._bridge.failed.connect(self._on_failed)
        self._turn = 0
        self._active: int | None = None
        self._cancel: threading.Event | None = None
        self._conversation: str | None = None
        self._context: AskContext | None = None

        self.transcript = QTextBrowser()
        self.transcript.setObjectName("chat-transcript")
        self.transcript.setOpenExternalLinks(False)
        self.tools = QListWidget()
        self.tools.setObjectName("chat-tools")
        self.tools.setMaximumHeight(110)
        self.sources = QLabel()
        self.sources.setObjectName("chat-sources")
        self.sources.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("chat-status")
        self.status.setWordWrap(True)
        self.input = QLineEdit()
        self.input.setObjectName("chat-input")
        self.input.setPlaceholderText("Ask about a payment, a tax, inventory, a customer…")
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("chat-send")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("chat-cancel")
        self.cancel_button.setEnabled(False)
        self.new_button = QPushButton("New chat")
        self.new_button.setObjectName("chat-new")

        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.send_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.new_button)
        layout = QVBoxLayout()
        layout.addWidget(self.transcript, 1)
        layout.addWidget(QLabel("Tools used:"))
        layout.addWidget(self.tools)
        layout.addWidget(self.sources)
        layout.addWidget(self.status)
        layout.addLayout(row)
        body = QWidget()
        body.setLayout(layout)
        self.setWidget(body)

        self.input.returnPressed.connect(self._send_typed)
        self.send_button.clicked.connect(self._send_typed)
        self.cancel_button.clicked.connect(self.cancel)
        self.new_button.clicked.connect(self.new_conversation)
        if not service.configured:
            self.status.setText(
                "No AI provider is configured: nothing will be sent. The desk and searches work as usual."
            )

    # --- public API -------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._active is not None

    def set_context(self, *, deal_id: str | None = None, customer_id: str | None = None) -> None:
        """The deal/customer open on screen; sent with every question until changed."""
        self._context = AskContext(deal_id, customer_id) if (deal_id or customer_id) else None

    def ask(self, question: str) -> bool:
        text = question.strip()
        if not text or self.busy:
            return False
        self._turn += 1
        self._active = self._turn
        self._cancel = threading.Event()
        self.tools.clear()
        self.sources.clear()
        self.status.setText("Thinking…")
        self._append(f"\n\nYou: {text}\nAssistant: ")
        self._set_busy(True)
        self._pool.start(
            _TurnJob(
                self._turn, self.service, text, self._context, self._conversation, self._cancel, self._bridge
            )
        )
        return True

    def cancel(self) -> None:
        if self._active is None or self._cancel is None:
            return
        self._cancel.set()
        self._active = None
        self._append(" [cancelled]")
        self.status.setText("Cancelled.")
        self._set_busy(False)
        self.turn_finished.emit(None)

    def new_conversation(self) -> None:
        self.cancel()
        self._conversation = None
        self.transcript.clear()
        self.tools.clear()
        self.sources.clear()
        self.status.clear()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel and wait for the worker threads (on close, so no thread outlives the window)."""
        self.cancel()
        return self._pool.waitForDone(timeout_ms)

    # --- slots ------------------------------------------------------------------------------------

    def _send_typed(self) -> None:
        if self.ask(self.input.text()):
            self.input.clear()

    def _set_busy(self, busy: bool) -> None:
        self.send_button.setEnabled(not busy)
        self.input.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.busy_changed.emit(busy)

    def _append(self, text: str) -> None:
        cursor = self.transcript.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        self.transcript.setTextCursor(cursor)
        self.transcript.ensureCursorVisible()

    def _on_event(self, turn: int, event: TurnEvent) -> None:
        if turn != self._active:
            return  # a cancelled turn still winding down
        if event.kind == "text":
            self._append(event.text)
        elif event.kind == "tool_started":
            self.status.setText(f"Running {event.text}…")
        elif event.kind == "tool_finished" and event.call is not None:
            self.tools.addItem(_describe(event.call))

    def _on_finished(self, turn: int, answer: AssistantAnswer) -> None:
        if turn != self._active:
            return
        self._active = None
        self._conversation = answer.conversation_id or self._conversation
        if answer.error is not None:
            self._append(answer.answer)
            self.status.setText(answer.error.message)
        else:
            if answer.cached:
                self.tools.clear()
                for call in answer.tool_calls:
                    self.tools.addItem(_describe(call))
            notes = [*answer.warnings]
            if answer.cached:
                notes.insert(0, "From a recent identical question.")
            self.status.setText(" ".join(notes))
        if answer.sources:
            self.sources.setText("Sources: " + ", ".join(s["id"] for s in answer.sources))
        self._set_busy(False)
        self.turn_finished.emit(answer)

    def _on_failed(self, turn: int, message: str) -> None:
        if turn != self._active:
            return
        self._active = None
        self._append(message)
        self.status.setText(message)
        self._set_busy(False)
        self.turn_finished.emit(None)


__all__ = ["ChatPanel"]
