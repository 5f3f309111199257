"""The assistant's chat panel: a dock that streams answers, lists the tools that ran, and can cancel.

Each question runs on the panel's own thread pool; events come back to the GUI thread through queued
signals tagged with the turn they belong to, so a cancelled turn's late events are simply dropped and
the panel is free again at once.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDockWidget,
    QFormLayout,
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

from app.assistant.provider import (
    DEFAULT_MODEL,
    OPENAI_BASE_URL,
    ProviderConfig,
    ProviderError,
    check_provider,
    is_loopback_url,
    probe_provider,
    save_provider,
)
from app.assistant.service import AskContext, AssistantAnswer, AssistantService
from app.assistant.tools import ToolCallRecord
from app.assistant.turn import TurnEvent
from app.errors import ValidationError
from app.policy import Permission


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


class _WarmUp(QRunnable):
    """Builds the knowledge index in the background so the first question does not wait for it."""

    def __init__(self, service: AssistantService) -> None:
        super().__init__()
        self.service = service

    def run(self) -> None:
        self.service.warm_up()


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

        # The user's own earlier conversations (synced between their desks); picking one continues it.
        self.earlier = QComboBox()
        self.earlier.setObjectName("chat-earlier")
        self.earlier.setToolTip("Your earlier conversations: pick one to read it and carry on")
        self.transcript = QTextBrowser()
        self.transcript.setObjectName("chat-transcript")
        self.transcript.setOpenExternalLinks(False)
        self.tools = QListWidget()
        self.tools.setObjectName("chat-tools")
        self.tools.setMaximumHeight(6 * self.tools.fontMetrics().lineSpacing())  # lines, not pixels
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

        # The question gets a line of its own: in a narrow dock the buttons would squeeze it to nothing.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.send_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.new_button)
        # Choosing where questions go is a dealership setting: only those who may change settings see it.
        self.provider_button = QPushButton("Provider…")
        self.provider_button.setObjectName("chat-provider")
        self.provider_button.setVisible(service.principal.can(Permission.ADMIN_SETTINGS))
        row.addWidget(self.provider_button)
        layout = QVBoxLayout()
        layout.addWidget(self.earlier)
        layout.addWidget(self.transcript, 1)
        layout.addWidget(QLabel("Tools used:"))
        layout.addWidget(self.tools)
        layout.addWidget(self.sources)
        layout.addWidget(self.status)
        layout.addWidget(self.input)
        layout.addLayout(row)
        body = QWidget()
        body.setLayout(layout)
        self.setWidget(body)

        self.input.returnPressed.connect(self._send_typed)
        self.send_button.clicked.connect(self._send_typed)
        self.cancel_button.clicked.connect(self.cancel)
        self.new_button.clicked.connect(self.new_conversation)
        self.earlier.activated.connect(self._earlier_chosen)
        self.reload_earlier()
        self.provider_button.clicked.connect(self.choose_provider)
        if not service.configured:
            self.status.setText(
                "No AI provider is configured: nothing will be sent. The desk and searches work as usual."
            )
        if service.settings_problem:
            self.status.setText(f"{self.status.text()} {service.settings_problem}".strip())
        self._pool.start(_WarmUp(service))

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
        self.earlier.setCurrentIndex(0)

    def reload_earlier(self) -> None:
        """List the user's conversations, latest first, with the open one selected."""
        self.earlier.blockSignals(True)
        try:
            self.earlier.clear()
            self.earlier.addItem("New conversation", None)
            for chat in self.service.conversations.conversations():
                self.earlier.addItem(f"{chat.started_at:%b %d, %H:%M} · {chat.title}", chat.id)
            found = self.earlier.findData(self._conversation) if self._conversation else 0
            self.earlier.setCurrentIndex(max(found, 0))
        finally:
            self.earlier.blockSignals(False)

    def open_conversation(self, conversation_id: str) -> None:
        """Show one of the user's earlier conversations; the next question continues it."""
        self.cancel()
        self._conversation = conversation_id
        self.tools.clear()
        self.sources.clear()
        self.status.clear()
        self.transcript.clear()
        for line in self.service.history(conversation_id):
            speaker = "You" if line["role"] == "user" else "Assistant"
            self._append(f"{speaker}: {line['content']}\n\n")
        found = self.earlier.findData(conversation_id)
        if found >= 0:
            self.earlier.setCurrentIndex(found)

    def choose_provider(self) -> ProviderDialog:
        dialog = ProviderDialog(self.service, self)
        dialog.saved.connect(lambda config: self.status.setText(f"Questions now go to {config.model}."))
        dialog.open()
        return dialog

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel and wait for the worker threads (on close, so no thread outlives the window)."""
        self.cancel()
        return self._pool.waitForDone(timeout_ms)

    # --- slots ------------------------------------------------------------------------------------

    def _earlier_chosen(self, index: int) -> None:
        chosen = self.earlier.itemData(index)
        if self.busy:
            self.reload_earlier()  # a turn is running: keep the conversation it belongs to
        elif chosen is None:
            self.new_conversation()
        elif chosen != self._conversation:
            self.open_conversation(str(chosen))

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
        self.reload_earlier()
        self.turn_finished.emit(answer)

    def _on_failed(self, turn: int, message: str) -> None:
        if turn != self._active:
            return
        self._active = None
        self._append(message)
        self.status.setText(message)
        self._set_busy(False)
        self.turn_finished.emit(None)


PRESETS: tuple[tuple[str, str, str], ...] = (
    ("OpenAI", OPENAI_BASE_URL, DEFAULT_MODEL),
    ("Ollama on this computer", "http://127.0.0.1:11434/v1", "llama3.1"),
    ("llama.cpp server on this computer", "http://127.0.0.1:8080/v1", "local-model"),
    ("Other OpenAI-compatible server", "", ""),
)


class _ProbeBridge(QObject):
    done = Signal(object, str)  # (ProviderConfig or None, message)


class _ProbeJob(QRunnable):
    def __init__(self, config: ProviderConfig, path: Path | None, bridge: _ProbeBridge) -> None:
        super().__init__()
        self.config = config
        self.path = path
        self.bridge = bridge

    def run(self) -> None:
        try:
            models = probe_provider(self.config)
            kept = save_provider(self.config, self.path)
        except ProviderError as exc:
            self.bridge.done.emit(None, f"{exc.field}: {exc.message}")
            return
        note = (
            f"Connected ({len(models)} models offered)." if models else "Saved (the server lists no models)."
        )
        if self.config.api_key and not kept:
            note += " No secure keyring here: the API key is kept for this session only."
        self.bridge.done.emit(self.config, note)


class ProviderDialog(QDialog):
    """The dealership's provider choice: tested against the server (off the GUI thread), then saved."""

    saved = Signal(object)  # ProviderConfig

    def __init__(
        self, service: AssistantService, parent: QWidget | None = None, *, path: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("assistant-provider-dialog")
        self.setWindowTitle("Assistant provider")
        self.service = service
        self.path = path
        self._pool = QThreadPool(self)
        self._bridge = _ProbeBridge(self)
        self._bridge.done.connect(self._probed)
        current = service.provider
        self.preset = QComboBox()
        self.preset.setObjectName("provider-preset")
        for label, _url, _model in PRESETS:
            self.preset.addItem(label)
        self.base_url = QLineEdit(current.base_url if current else OPENAI_BASE_URL)
        self.base_url.setObjectName("provider-base-url")
        self.model = QLineEdit(current.model if current else DEFAULT_MODEL)
        self.model.setObjectName("provider-model")
        self.api_key = QLineEdit()
        self.api_key.setObjectName("provider-api-key")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("stored in the system keyring; not needed for a local server")
        self.input_price = QLineEdit(str(current.input_price_per_mtok) if current else "0.15")
        self.output_price = QLineEdit(str(current.output_price_per_mtok) if current else "0.60")
        self.always_redact = QCheckBox("Remove personal data even for a server on this computer")
        self.always_redact.setChecked(bool(current and current.always_redact))
        self.message = QLabel()
        self.message.setObjectName("provider-message")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Test and save")
        self.save_button.setObjectName("provider-save")
        form = QFormLayout()
        form.addRow("Provider", self.preset)
        form.addRow("Base URL", self.base_url)
        form.addRow("Model", self.model)
        form.addRow("API key", self.api_key)
        form.addRow("Input $ per 1M tokens", self.input_price)
        form.addRow("Output $ per 1M tokens", self.output_price)
        form.addRow(self.always_redact)
        form.addRow(self.message)
        form.addRow(self.save_button)
        self.setLayout(form)
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.save_button.clicked.connect(self.test_and_save)

    def _preset_chosen(self, index: int) -> None:
        _label, url, model = PRESETS[index]
        if url:
            self.base_url.setText(url)
            self.model.setText(model)
        if url and is_loopback_url(url):
            self.input_price.setText("0")
            self.output_price.setText("0")

    def _config(self) -> ProviderConfig:
        prices: list[Decimal] = []
        for name, widget in (
            ("input_price_per_mtok", self.input_price),
            ("output_price_per_mtok", self.output_price),
        ):
            try:
                prices.append(Decimal(widget.text().strip() or "0"))
            except InvalidOperation:
                raise ProviderError(name, "must be a number") from None
        return check_provider(
            ProviderConfig(
                base_url=self.base_url.text().strip(),
                model=self.model.text().strip(),
                api_key=self.api_key.text().strip() or None,
                input_price_per_mtok=prices[0],
                output_price_per_mtok=prices[1],
                always_redact=self.always_redact.isChecked(),
            )
        )

    def test_and_save(self) -> None:
        try:
            config = self._config()
        except ProviderError as exc:
            self.message.setText(f"{exc.field}: {exc.message}")
            return
        self.save_button.setEnabled(False)
        self.message.setText("Testing the connection…")
        self._pool.start(_ProbeJob(config, self.path, self._bridge))

    def _probed(self, config: ProviderConfig | None, message: str) -> None:
        self.save_button.setEnabled(True)
        self.message.setText(message)
        if config is not None:
            self.service.configure(config)
            self.saved.emit(config)

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        return self._pool.waitForDone(timeout_ms)
