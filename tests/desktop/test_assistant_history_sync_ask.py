"""``autolytiq ask`` without ``--demo`` on a real device: it asks as the user signed in there (the
refresh token in the keyring, checked with the real sync service), writes the turn to that device's
store where sync picks it up, and otherwise says to sign in (exit 2) without sending anything."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.assistant.command import run_ask
from app.assistant.provider import ProviderConfig
from app.assistant.service import AssistantService
from app.auth.secrets import SecretStore
from app.store.models import AssistantConversation, AssistantMessage, OutboxOp
from tests.assistant.fake_provider import FakeProvider, Reply
from tests.desktop.conftest import MemoryKeyring
from tests.desktop.desktops import Desktop, make_desktop
from tests.server.fixtures import SignedIn, free_port

DEVICE = "autolytiq"  # make_desktop names the store file after the device: the device store's name


@pytest.fixture
def model() -> Iterator[FakeProvider]:
    provider = FakeProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: FakeProvider) -> Path:
    """This computer: its data dir and config, the loopback model as the provider."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "device-id").write_text(DEVICE, encoding="utf-8")
    monkeypatch.setenv("AUTOLYTIQ_DATA_DIR", str(data))
    monkeypatch.setenv("AUTOLYTIQ_USER_CONFIG", str(tmp_path / "user.toml"))
    monkeypatch.setenv("AUTOLYTIQ_SYSTEM_CONFIG", str(tmp_path / "system.toml"))
    monkeypatch.setenv("AUTOLYTIQ_AI_BASE_URL", model.url)
    monkeypatch.setenv("AUTOLYTIQ_AI_MODEL", "fake-model")
    monkeypatch.setenv("AUTOLYTIQ_AI_API_KEY", "test-key")
    monkeypatch.delenv("AUTOLYTIQ_SERVER_URL", raising=False)
    return data


def _ask(question: str, keyring: MemoryKeyring) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = run_ask(question, demo=False, out=out, secrets=SecretStore(trusted_backend=keyring))
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines
    return code, json.loads(lines[0])


def _signed_in_device(
    live_server: Any, make_tenant: Any, device: Path, keyring: MemoryKeyring
) -> tuple[Desktop, SignedIn]:
    """The app signed in on this computer once (as the desktop does it) and synced."""
    tenant = make_tenant()
    seller = tenant.create_user(["salesperson"])
    desk = make_desktop(live_server.url, device, DEVICE, seller.email, seller.password, keyring)
    desk.engine.sync_once()
    return desk, seller


def test_ask_runs_as_the_signed_in_user_and_the_turn_is_queued_for_sync(
    live_server: Any,
    make_tenant: Any,
    device: Path,
    model: FakeProvider,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    keyring = MemoryKeyring()
    desk, seller = _signed_in_device(live_server, make_tenant, device, keyring)
    monkeypatch.setenv("AUTOLYTIQ_SERVER_URL", live_server.url)
    model.script(Reply(text="Ask which part they want to think over."))

    code, out = _ask("How do I handle 'I need to think about it'?", keyring)

    assert code == 0, out
    assert out["answer"] == "Ask which part they want to think over." and out["error"] is None
    assert out["warnings"] == []  # online: no offline notice
    with desk.store.session(desk.actor) as session:
        conversation = session.get(AssistantConversation, out["conversation_id"])
        assert conversation is not None and conversation.user_id == desk.principal.user_id
        queued = {(o.table_name, o.row_id) for o in session.scalars(select(OutboxOp))}
        lines = session.scalars(select(AssistantMessage)).all()
    assert {("assistant_message", m.id) for m in lines} | {
        ("assistant_conversation", conversation.id)
    } <= queued
    # The device's sync takes it to the user's other computer.
    desk.engine.sync_once()
    assert desk.conflicts() == []
    laptop = make_desktop(live_server.url, tmp_path, "laptop", seller.email, seller.password, MemoryKeyring())
    laptop.engine.sync_once()
    config = ProviderConfig(base_url=model.url, model="fake-model", timeout_seconds=5.0)
    history = AssistantService(laptop.store, laptop.principal, config).history(out["conversation_id"])
    assert [(m["role"], m["content"]) for m in history] == [
        ("user", "How do I handle 'I need to think about it'?"),
        ("assistant", "Ask which part they want to think over."),
    ]


def test_without_a_sign_in_ask_says_to_sign_in_and_sends_nothing(
    live_server: Any,
    make_tenant: Any,
    device: Path,
    model: FakeProvider,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    keyring = MemoryKeyring()
    # No server configured on this computer.
    code, out = _ask("Hello?", keyring)
    assert code == 2 and out["error"]["kind"] == "not_signed_in"
    assert "sign in" in out["error"]["message"]
    assert "Traceback" not in capsys.readouterr().err

    # A server, but no one has ever signed in here.
    monkeypatch.setenv("AUTOLYTIQ_SERVER_URL", live_server.url)
    code, out = _ask("Hello?", keyring)
    assert code == 2 and "No one has signed in" in out["error"]["message"]

    # Signed in once, then signed out: the token is gone from the keyring.
    desk, _ = _signed_in_device(live_server, make_tenant, device, keyring)
    desk.auth.sign_out()
    code, out = _ask("Hello?", keyring)
    assert code == 2 and "sign in" in out["error"]["message"]
    assert model.requests == []
    err = capsys.readouterr().err
    assert "autolytiq ask:" in err and "Traceback" not in err


def test_a_session_the_server_ended_needs_a_new_sign_in(
    live_server: Any, make_tenant: Any, device: Path, model: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = MemoryKeyring()
    desk, _ = _signed_in_device(live_server, make_tenant, device, keyring)
    monkeypatch.setenv("AUTOLYTIQ_SERVER_URL", live_server.url)
    # The token in the keyring no longer works (revoked, or rotated away by another sign-in).
    for key in list(keyring.items):
        if key[1].startswith("refresh-token:"):
            keyring.items[key] = "not-a-valid-token"
    code, out = _ask("Hello?", keyring)
    assert code == 2 and "has ended" in out["error"]["message"]
    assert model.requests == [] and desk.store is not None


def test_offline_with_a_recent_sign_in_asks_with_the_local_data(
    live_server: Any, make_tenant: Any, device: Path, model: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = MemoryKeyring()
    desk, _ = _signed_in_device(live_server, make_tenant, device, keyring)
    monkeypatch.setenv("AUTOLYTIQ_SERVER_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    model.script(Reply(text="Lead with the payment."))
    code, out = _ask("How do I present a lease?", keyring)
    assert code == 0, out
    assert out["answer"] == "Lead with the payment."
    assert any("cannot be reached" in w for w in out["warnings"])
    assert desk.store is not None
