"""A desk signed in to the live sync service as a real user, as the app does it (for UI tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.auth.secrets import SecretStore
from app.auth.session import AuthSession
from app.config import Settings
from app.connection import Connection, start_signed_in
from app.runtime import AppContext
from app.store.database import open_store
from sync.client.auth_api import AuthApi
from tests.desktop.keyrings import MemoryKeyring
from tests.server.fixtures import SignedIn

__all__ = ["sign_in_desk"]


@pytest.fixture
def sign_in_desk(live_server: Any, tmp_path: Path) -> Iterator[Callable[[SignedIn], AppContext]]:
    """A running app signed in to the live service as ``user`` (its own store and sync engine)."""
    opened: list[AppContext] = []

    def open_as(user: SignedIn) -> AppContext:
        store = open_store(tmp_path / f"desk-{len(opened)}.sqlite3", f"desk-{tmp_path.name}-{len(opened)}")
        http = httpx.Client(base_url=live_server.url, timeout=10)
        auth = AuthSession(
            AuthApi(http), SecretStore(trusted_backend=MemoryKeyring()), store, store.device_id
        )
        step = auth.login(user.email, user.password)
        if step.status == "mfa_required":
            step = auth.verify(step, "totp", user.totp_code())
        assert step.status == "ok" and auth.user is not None
        ctx = start_signed_in(Settings(server_url=live_server.url), store, Connection(http, auth), auth.user)
        opened.append(ctx)
        return ctx

    yield open_as
    for ctx in opened:
        ctx.close()
