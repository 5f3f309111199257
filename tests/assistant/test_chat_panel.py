"""The chat panel with real widgets: ask, watch it stream, see the tools, cancel, ask again."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

import calc
from tests.assistant.conftest import AssistantFactory
from tests.assistant.fake_provider import FakeProvider, Reply, tool_results
from ui.chat_panel import ChatPanel


def docked(qtbot: QtBot, panel: ChatPanel) -> QMainWindow:
    """The panel as the app shows it: docked in a main window."""
    window = QMainWindow()
    qtbot.addWidget(window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
    window.show()
    return window


pytestmark = pytest.mark.gui

DEAL = {
    "deal_type": "finance",
    "as_of": "2026-11-24",
    "dealer_state": "TX",
    "customer": {"state": "TX"},
    "vehicle": {"price": "27995.00", "condition": "used"},
    "cash_down": "3000",
    "finance": {"apr": "0.079", "term_months": 72},
}


def test_ask_streams_the_answer_and_lists_the_tools(
    qtbot: QtBot, server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    def answer(body: dict[str, Any]) -> Reply:
        payment = tool_results(body)[0]["finance"]["monthly_payment"]
        return Reply(text=f"The payment is ${payment} a month over 72 months.", pieces=6, chunk_delay=0.15)

    server.script(
        Reply(tool_calls=[("quote_deal", DEAL), ("quote_deal", {"vehicle": {"price": "x"}})]), answer
    )
    panel = ChatPanel(make_assistant())
    window = docked(qtbot, panel)
    assert window.isVisible()
    try:
        qtbot.keyClicks(panel.input, "Payment at 72 months with 3k down?")
        qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
        assert panel.busy and not panel.send_button.isEnabled() and panel.cancel_button.isEnabled()
        # Part of the answer is on screen while the turn is still running: it streams.
        qtbot.waitUntil(
            lambda: "The payment" in panel.transcript.toPlainText() and panel.busy, timeout=15_000
        )
        with qtbot.waitSignal(panel.turn_finished, timeout=15_000) as finished:
            pass
        result = finished.args[0]
        assert result is not None and result.error is None
        expected = calc.quote_deal(DEAL)["finance"]["monthly_payment"]
        assert f"${expected} a month" in panel.transcript.toPlainText()
        shown = [panel.tools.item(i).text() for i in range(panel.tools.count())]
        assert shown[0] == "✓ quote_deal"
        assert shown[1].startswith("✗ quote_deal: ")
        assert panel.send_button.isEnabled() and not panel.busy and panel.input.text() == ""
    finally:
        assert panel.shutdown()


def test_cancel_stops_the_stream_and_frees_the_panel(
    qtbot: QtBot, server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    words = " ".join(f"word{n}" for n in range(40))
    server.script(Reply(text=words, pieces=40, chunk_delay=0.1), Reply(text="Second answer."))
    panel = ChatPanel(make_assistant())
    window = docked(qtbot, panel)
    assert window.isVisible()
    try:
        assert panel.ask("Tell me a long story")
        qtbot.waitUntil(lambda: "word1" in panel.transcript.toPlainText(), timeout=15_000)
        with qtbot.waitSignal(panel.turn_finished, timeout=2_000):
            qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
        assert not panel.busy and panel.send_button.isEnabled()
        shown = panel.transcript.toPlainText()
        assert shown.rstrip().endswith("[cancelled]") and "word39" not in shown
        qtbot.wait(600)  # the cancelled turn's late chunks never reach the screen
        assert panel.transcript.toPlainText() == shown
        # The panel takes the next question at once.
        assert panel.ask("And now?")
        with qtbot.waitSignal(panel.turn_finished, timeout=15_000) as finished:
            pass
        assert finished.args[0].answer == "Second answer."
        assert panel.transcript.toPlainText().endswith("Second answer.")
    finally:
        assert panel.shutdown()


def test_without_a_provider_the_panel_says_nothing_is_sent(
    qtbot: QtBot, make_assistant: AssistantFactory
) -> None:
    service = make_assistant()
    service.configure(None)
    panel = ChatPanel(service)
    window = docked(qtbot, panel)
    assert window.isVisible()
    try:
        assert "nothing will be sent" in panel.status.text()
        with qtbot.waitSignal(panel.turn_finished, timeout=10_000):
            panel.ask("Hello?")
        assert "No AI provider is configured" in panel.transcript.toPlainText()
    finally:
        assert panel.shutdown()


def test_a_manager_chooses_the_provider_and_it_is_tested_before_saving(
    qtbot: QtBot, server: FakeProvider, make_assistant: AssistantFactory, person: Any, tmp_path: Any
) -> None:
    from ui.chat_panel import ProviderDialog

    service = make_assistant(person("general_manager"))
    service.configure(None)
    panel = ChatPanel(service)
    window = docked(qtbot, panel)
    assert window.isVisible() and panel.provider_button.isVisible()
    dialog = ProviderDialog(service, panel, path=tmp_path / "provider.json")
    qtbot.addWidget(dialog)
    try:
        dialog.base_url.setText("ftp://nowhere")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert dialog.message.text().startswith("base_url:") and not service.configured
        dialog.preset.setCurrentIndex(1)  # a local server: free
        assert dialog.input_price.text() == "0"
        dialog.base_url.setText(server.url)
        dialog.model.setText("fake-model")
        with qtbot.waitSignal(dialog.saved, timeout=15_000):
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert service.configured and service.provider is not None
        assert service.provider.base_url == server.url
        assert (tmp_path / "provider.json").is_file()
        assert "Connected" in dialog.message.text()
    finally:
        assert dialog.shutdown() and panel.shutdown()


def test_a_salesperson_does_not_see_the_provider_choice(
    qtbot: QtBot, make_assistant: AssistantFactory, person: Any
) -> None:
    panel = ChatPanel(make_assistant(person("salesperson")))
    window = docked(qtbot, panel)
    assert window.isVisible() and not panel.provider_button.isVisible()
    assert panel.shutdown()


def test_an_earlier_conversation_is_listed_reopened_and_continued(
    qtbot: QtBot, server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    server.script(
        Reply(text="Doc fees in Texas are not capped."),
        Reply(text="A lease needs a residual."),
        Reply(text="Yes, the doc fee is taxable there."),
    )
    panel = ChatPanel(make_assistant())
    window = docked(qtbot, panel)
    assert window.isVisible()
    try:
        assert panel.earlier.count() == 1  # nothing asked yet: only "New conversation"
        with qtbot.waitSignal(panel.turn_finished, timeout=15_000):
            panel.ask("Is the doc fee capped in Texas?")
        qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
        assert panel.transcript.toPlainText() == ""
        with qtbot.waitSignal(panel.turn_finished, timeout=15_000):
            panel.ask("What does a lease need?")
        titles = [panel.earlier.itemText(i) for i in range(panel.earlier.count())]
        assert len(titles) == 3 and "What does a lease need?" in titles[1] and "doc fee" in titles[2]

        # Picking the first conversation shows it, and the next question carries on from it.
        panel.earlier.setCurrentIndex(2)
        panel.earlier.activated.emit(2)
        shown = panel.transcript.toPlainText()
        assert "Is the doc fee capped in Texas?" in shown and "not capped" in shown and "lease" not in shown
        with qtbot.waitSignal(panel.turn_finished, timeout=15_000):
            panel.ask("Is it taxable?")
        sent = [m["content"] for m in server.requests[-1]["messages"] if m["role"] in ("user", "assistant")]
        assert "Is the doc fee capped in Texas?" in sent and "What does a lease need?" not in sent
        assert panel.earlier.count() == 3  # continued, not a third conversation
    finally:
        assert panel.shutdown()
