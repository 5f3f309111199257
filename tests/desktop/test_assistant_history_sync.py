"""Assistant conversations travel between a user's own desktops through the real sync service, and
nowhere else: not to a colleague, not to a manager, not to another dealership. Old local history moves
into the synced tables when the store is upgraded, and syncs too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from app.assistant.ledger import Limits
from app.assistant.provider import ProviderConfig
from app.assistant.service import AssistantService
from app.ids import new_id
from app.store.models import AssistantConversation, AssistantMessage, OutboxOp
from tests.assistant.fake_provider import FakeProvider, Reply
from tests.assistant.old_history import make_old_store
from tests.desktop.conftest import MemoryKeyring
from tests.desktop.desktops import Desktop, make_desktop
from tests.server.fixtures import Desktop as WireDesktop
from tests.server.fixtures import SignedIn


@pytest.fixture
def model() -> Iterator[FakeProvider]:
    provider = FakeProvider().start()
    yield provider
    provider.stop()


def _assistant(desk: Desktop, model: FakeProvider) -> AssistantService:
    config = ProviderConfig(base_url=model.url, model="fake-model", timeout_seconds=5.0)
    return AssistantService(desk.store, desk.principal, config, limits=Limits())


def _desktop(live_server: Any, tmp_path: Path, user: SignedIn, name: str) -> Desktop:
    device = f"{name}-{uuid4().hex[:8]}"
    return make_desktop(live_server.url, tmp_path, device, user.email, user.password, MemoryKeyring())


def _assistant_rows(desk: Desktop) -> int:
    """Every assistant row on the device, whoever it belongs to (tenant-scoped only)."""
    with desk.store.session(desk.actor, capture_changes=False) as session:
        return sum(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (AssistantConversation, AssistantMessage)
        )


def _synced(*desks: Desktop) -> None:
    for desk in desks:
        desk.engine.sync_once()
        assert desk.conflicts() == [], [(c.kind, c.reason) for c in desk.conflicts()]


def test_a_conversation_follows_its_user_to_another_desktop_and_no_one_else(
    live_server: Any, make_tenant: Any, tmp_path: Path, model: FakeProvider
) -> None:
    tenant = make_tenant()
    seller = tenant.create_user(["salesperson"])
    colleague = tenant.create_user(["salesperson"])
    desk_a = _desktop(live_server, tmp_path, seller, "seller-a")
    desk_b = _desktop(live_server, tmp_path, seller, "seller-b")
    desk_c = _desktop(live_server, tmp_path, colleague, "colleague")
    _synced(desk_a)

    model.script(Reply(text="Texas charges 6.25 % on the sale price."), Reply(text="Yes, it is taxable."))
    on_a = _assistant(desk_a, model)
    first = on_a.ask("What is the sales tax rate in Texas?")
    second = on_a.ask("Is the doc fee taxed too?", conversation_id=first.conversation_id)
    assert first.error is None and second.error is None
    _synced(desk_a)
    assert desk_a.engine.status.waiting == 0

    _synced(desk_b)
    on_b = _assistant(desk_b, model)
    lines = on_b.history(first.conversation_id)
    assert [(m["role"], m["content"]) for m in lines] == [
        ("user", "What is the sales tax rate in Texas?"),
        ("assistant", "Texas charges 6.25 % on the sale price."),
        ("user", "Is the doc fee taxed too?"),
        ("assistant", "Yes, it is taxable."),
    ]
    assert [c.title for c in on_b.conversations.conversations()] == ["What is the sales tax rate in Texas?"]

    # Desktop B carries on with the conversation; the new lines come back to A, and the model on B was
    # sent the lines written on A.
    model.script(Reply(text="A $150 doc fee adds $9.38 of tax."))
    third = on_b.ask("How much tax on a $150 doc fee?", conversation_id=first.conversation_id)
    assert third.error is None
    sent = [m["content"] for m in model.requests[-1]["messages"][1:]]
    assert sent[:2] == ["What is the sales tax rate in Texas?", "Texas charges 6.25 % on the sale price."]
    _synced(desk_b, desk_a)
    assert len(on_a.history(first.conversation_id)) == 6

    # A colleague in the same dealership syncs everything else but gets none of it.
    _synced(desk_c)
    assert _assistant_rows(desk_c) == 0
    assert _assistant(desk_c, model).history(first.conversation_id) == []


def test_managers_and_other_dealerships_never_receive_a_chat(
    live_server: Any, api: Any, make_tenant: Any, tmp_path: Path, model: FakeProvider
) -> None:
    tenant = make_tenant()
    seller = tenant.create_user(["salesperson"])
    manager = tenant.add_user(["sales_manager"])  # signed in with TOTP through the service's own flow
    elsewhere = make_tenant()
    stranger = elsewhere.create_user(["salesperson"])
    desk = _desktop(live_server, tmp_path, seller, "seller")
    _synced(desk)
    model.script(Reply(text="Lead with the payment, not the price."))
    asked = _assistant(desk, model).ask("How do I present a lease?")
    _synced(desk)

    managers_view = WireDesktop(api, manager, "manager-desk").pull_all()
    assert {c["table"] for c in managers_view} & {"assistant_conversation", "assistant_message"} == set()
    assert any(c["table"] == "app_user" for c in managers_view)  # the pull itself works
    # The audit trail the manager receives says a chat happened, never what was said in it.
    audited = [c for c in managers_view if c["table"] == "audit_event"]
    assert any(c["fields"]["entity"] == "assistant_message" for c in audited)
    assert "How do I present a lease?" not in json.dumps(managers_view)
    assert "Lead with the payment" not in json.dumps(managers_view)

    other = _desktop(live_server, tmp_path, stranger, "stranger")
    _synced(other)
    assert _assistant_rows(other) == 0
    assert _assistant(other, model).history(asked.conversation_id) == []


def test_the_server_refuses_a_chat_written_in_someone_elses_name(
    api: Any, make_tenant: Any, live_server: Any, tmp_path: Path, model: FakeProvider
) -> None:
    tenant = make_tenant()
    seller = tenant.add_user(["salesperson"])
    forger = tenant.add_user(["salesperson"])
    wire = WireDesktop(api, forger, "forger-desk")
    conversation = new_id()
    results = wire.push(
        [
            wire.op(
                "assistant_conversation",
                conversation,
                {
                    "user_id": str(seller.user_id),
                    "title": "Not mine",
                    "started_at": "2026-11-24T10:00:00+00:00",
                },
            ),
            wire.op(
                "assistant_conversation",
                new_id(),
                {"title": "No owner at all", "started_at": "2026-11-24T10:00:00+00:00"},
            ),
        ]
    )
    assert [(r["status"], r["field"]) for r in results] == [("rejected", "user_id"), ("rejected", "user_id")]
    assert "belong to" in results[0]["reason"]
    mine = new_id()
    fine = wire.push(
        [
            wire.op(
                "assistant_conversation",
                mine,
                {"user_id": str(forger.user_id), "title": "Mine", "started_at": "2026-11-24T10:00:00+00:00"},
            )
        ]
    )
    assert fine[0]["status"] == "applied"
    # Append-only: once there, a conversation cannot be rewritten or deleted.
    later = wire.push([wire.op("assistant_conversation", mine, {"title": "Renamed"})])
    gone = wire.push([wire.op("assistant_conversation", mine, kind="delete")])
    assert later[0]["status"] == "rejected" and gone[0]["status"] == "rejected"
    seller_view = WireDesktop(api, seller, "seller-desk").pull_all()
    assert [c for c in seller_view if c["table"].startswith("assistant_")] == []


# --- local history from before the store kept it in synced tables ---------------------------------


def test_history_kept_before_the_upgrade_reaches_the_users_other_desktop(
    live_server: Any, make_tenant: Any, tmp_path: Path, model: FakeProvider
) -> None:
    tenant = make_tenant()
    seller = tenant.create_user(["salesperson"])
    device = f"old-{uuid4().hex[:8]}"
    conversation = new_id()
    make_old_store(tmp_path / f"{device}.sqlite3", (str(tenant.id), str(seller.user_id), conversation))
    old = make_desktop(live_server.url, tmp_path, device, seller.email, seller.password, MemoryKeyring())
    with old.store.session(old.actor) as session:
        assert session.scalar(select(func.count()).select_from(OutboxOp)) == 3  # queued by the upgrade
    _synced(old)
    assert old.engine.status.waiting == 0

    fresh = _desktop(live_server, tmp_path, seller, "new-laptop")
    _synced(fresh)
    lines = _assistant(fresh, model).history(conversation)
    assert [(m["role"], m["content"]) for m in lines] == [
        ("user", "Payment on stock A12 at 72 months?"),
        ("assistant", "It is $512.34 a month."),
    ]
    assert lines[1]["tool_calls"][0]["result"] == {"payment": "512.34"}
    assert lines[1]["sources"] == [{"id": "desking.md#payments", "title": "Payments"}]
