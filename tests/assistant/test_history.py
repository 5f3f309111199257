"""Conversation history in the synced store: private to its user, queued for sync, and carried over
from the assistant's old local table when a store is upgraded."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import inspect, select, text

from app.assistant.history import ConversationHistory
from app.assistant.ledger import Limits
from app.assistant.provider import ProviderConfig
from app.assistant.service import AssistantService
from app.ids import new_id
from app.policy import Principal, permissions_for_roles
from app.runtime import AppContext
from app.store.database import Actor, open_store
from app.store.migrate import current_revision
from app.store.models import AssistantConversation, AssistantMessage, AuditEvent, OutboxOp
from tests.assistant.conftest import AssistantFactory, PersonFactory
from tests.assistant.fake_provider import FakeProvider, Reply
from tests.assistant.old_history import make_old_store


def test_each_turn_is_queued_for_sync_with_its_conversation_first(
    server: FakeProvider, make_assistant: AssistantFactory, demo: AppContext
) -> None:
    server.script(Reply(text="Six point two five percent."), Reply(text="Yes."))
    assistant = make_assistant()
    first = assistant.ask("Texas tax rate?")
    assistant.ask("On the doc fee too?", conversation_id=first.conversation_id)
    actor = Actor(demo.principal.tenant_id, None, "test")
    with demo.store.session(actor, capture_changes=False) as session:
        message_ids = set(
            session.scalars(
                select(AssistantMessage.id).where(AssistantMessage.conversation_id == first.conversation_id)
            )
        )
        queued = session.execute(
            select(OutboxOp.table_name, OutboxOp.row_id, OutboxOp.fields)
            .where(OutboxOp.row_id.in_([first.conversation_id, *message_ids]))
            .order_by(OutboxOp.seq)
        ).all()
        audited = session.scalars(select(AuditEvent).where(AuditEvent.entity_id.in_(message_ids))).all()
    assert len(message_ids) == 4 and len(audited) == 4
    # The audit trail (which managers read) records each line but not what was said.
    for event in audited:
        assert event.after is not None and event.actor_id == assistant.principal.user_id
        assert event.after["content"] == event.after["tool_calls"] == event.after["sources"] == "(private)"
        assert event.after["role"] in ("user", "assistant")
    assert queued[0].table_name == "assistant_conversation" and queued[0].row_id == first.conversation_id
    assert queued[0].fields["user_id"] == assistant.principal.user_id
    assert queued[0].fields["title"] == "Texas tax rate?"
    assert {row.row_id for row in queued[1:]} == message_ids
    assert {row.fields["content"] for row in queued[1:]} == {
        "Texas tax rate?",
        "Six point two five percent.",
        "On the doc fee too?",
        "Yes.",
    }


def test_no_one_continues_or_reads_another_users_conversation_not_even_a_manager(
    server: FakeProvider, make_assistant: AssistantFactory, person: PersonFactory
) -> None:
    server.script(Reply(text="Ask what they want to think over."))
    seller = make_assistant(person("salesperson"))
    mine = seller.ask("How do I handle 'I need to think about it'?")
    manager = make_assistant(person("sales_manager"))

    refused = manager.ask("And then what?", conversation_id=mine.conversation_id)

    assert refused.error is not None and refused.error.kind == "permission"
    assert "another user" in refused.error.message
    assert len(server.requests) == 1  # nothing was sent for the refused question
    assert manager.history(mine.conversation_id) == []
    assert manager.conversations.conversations() == []
    assert [m["content"] for m in seller.history(mine.conversation_id)] == [
        "How do I handle 'I need to think about it'?",
        "Ask what they want to think over.",
    ]
    assert [(c.id, c.messages) for c in seller.conversations.conversations()] == [(mine.conversation_id, 2)]


def test_a_users_conversations_are_listed_latest_first(
    server: FakeProvider, make_assistant: AssistantFactory, person: PersonFactory
) -> None:
    server.script(Reply(text="One."), Reply(text="Two."), Reply(text="Three."))
    assistant = make_assistant(person("salesperson"))
    first = assistant.ask("First question")
    second = assistant.ask("Second question")
    assistant.ask("Follow-up", conversation_id=first.conversation_id)
    listed = assistant.conversations.conversations()
    assert [(c.id, c.title, c.messages) for c in listed] == [
        (second.conversation_id, "Second question", 2),
        (first.conversation_id, "First question", 4),
    ]


def test_upgrading_a_store_moves_old_history_without_loss_and_queues_it(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    tenant_a, tenant_b = new_id(), new_id()
    seller, other, stranger = new_id(), new_id(), new_id()
    old = make_old_store(
        path,
        (tenant_a, seller, new_id()),
        (tenant_a, other, new_id()),
        (tenant_b, stranger, new_id()),
    )

    store = open_store(path, "desk-1")
    assert current_revision(store.engine) == "0002"
    with store.engine.connect() as connection:
        assert "assistant_message_0001" not in inspect(connection).get_table_names()

    for tenant_id, user_id in ((tenant_a, seller), (tenant_a, other), (tenant_b, stranger)):
        mine = [line for line in old if line["user_id"] == user_id]
        who = Principal(user_id, tenant_id, permissions_for_roles(["salesperson"]))
        history = ConversationHistory(store, who)
        [conversation] = history.conversations()
        assert conversation.id == mine[0]["conversation_id"]
        assert conversation.title == mine[0]["content"] and conversation.messages == 2
        lines = history.lines(conversation.id)
        assert [(x.role, x.content, x.tool_calls, x.sources, x.sent_at.isoformat()) for x in lines] == [
            (
                line["role"],
                line["content"],
                json.loads(line["tool_calls"]),
                json.loads(line["sources"]),
                line["created_at"].replace(".000000", ""),
            )
            for line in mine
        ]
        with store.session(Actor(tenant_id, None, "desk-1"), capture_changes=False) as session:
            queued = session.execute(select(OutboxOp.table_name, OutboxOp.row_id, OutboxOp.seq)).all()
            ids = set(session.scalars(select(AssistantMessage.id))) | set(
                session.scalars(select(AssistantConversation.id))
            )
        # Every moved row is waiting to be pushed, numbered 1.. within its own dealership.
        assert {row.row_id for row in queued} == ids
        assert sorted(row.seq for row in queued) == list(range(1, len(ids) + 1))
    store.close()

    # Opening it again changes nothing: the move happened once.
    again = open_store(path, "desk-1")
    with again.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM outbox")).scalar() == 9
        assert connection.execute(text("SELECT count(*) FROM assistant_message")).scalar() == len(old)
    again.close()


def test_a_moved_conversation_can_be_continued(server: FakeProvider, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    tenant_id, user_id, conversation = new_id(), new_id(), new_id()
    make_old_store(path, (tenant_id, user_id, conversation))
    store = open_store(path, "desk-1")
    server.script(Reply(text="Still $512.34."))
    config = ProviderConfig(base_url=server.url, model="fake-model", timeout_seconds=5.0)
    who = Principal(user_id, tenant_id, permissions_for_roles(["salesperson"]))
    answer = AssistantService(store, who, config, limits=Limits()).ask(
        "And at 60 months?", conversation_id=conversation
    )
    assert answer.error is None
    sent = [m["content"] for m in server.requests[0]["messages"][1:]]
    assert sent == ["Payment on stock A12 at 72 months?", "It is $512.34 a month.", "And at 60 months?"]
    store.close()
