"""A desktop for sync tests: its own store, signed in as a real user, its sync engine on a chosen network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from keyring.backend import KeyringBackend
from sqlalchemy import select

from app.auth.secrets import SecretStore
from app.auth.session import AuthSession
from app.policy import Principal
from app.replica import StoreReplica
from app.store.database import Actor, Store, open_store
from app.store.models import Customer, SyncConflict
from sync.client.auth_api import AuthApi
from sync.client.engine import SyncEngine
from sync.client.transport import SyncTransport


class FlakyTransport(httpx.BaseTransport):
    """Real HTTP to the server, with faults on demand: the server down, or an answer lost on the way back."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.down = False
        self.lose_answer_to: set[str] = set()  # paths whose next answer is dropped after the server acted
        self.truncate_answer_to: set[str] = set()  # paths whose next answer arrives cut in half

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused (server down)", request=request)
        response = self.inner.handle_request(request)
        path = request.url.path
        if path in self.lose_answer_to:
            self.lose_answer_to.discard(path)
            response.close()
            raise httpx.ReadError("connection reset before the answer arrived", request=request)
        if path in self.truncate_answer_to:
            self.truncate_answer_to.discard(path)
            body = response.read()
            return httpx.Response(
                response.status_code,
                headers={"content-type": "application/json"},
                content=body[: len(body) // 2],
                request=request,
            )
        return response


@dataclass
class Desktop:
    store: Store
    auth: AuthSession
    engine: SyncEngine
    network: FlakyTransport
    principal: Principal

    @property
    def actor(self) -> Actor:
        return Actor(self.principal.tenant_id, self.principal.user_id, self.store.device_id)

    def customers(self) -> dict[str, dict[str, Any]]:
        with self.store.session(self.actor) as session:
            return {
                c.id: {
                    "first_name": c.first_name,
                    "last_name": c.last_name,
                    "phone": c.phone,
                    "notes": c.notes,
                }
                for c in session.scalars(select(Customer))
            }

    def conflicts(self) -> list[SyncConflict]:
        with self.store.session(self.actor) as session:
            return list(session.scalars(select(SyncConflict)))


def make_desktop(
    base_url: str, tmp: Path, name: str, email: str, password: str, keyring: KeyringBackend
) -> Desktop:
    store = open_store(tmp / f"{name}.sqlite3", name)
    network = FlakyTransport()
    http = httpx.Client(base_url=base_url, transport=network, timeout=10.0)
    auth = AuthSession(AuthApi(http), SecretStore(trusted_backend=keyring), store, name)
    step = auth.login(email, password)
    assert step.status == "ok", step
    assert auth.user is not None
    principal = auth.user.principal
    engine = SyncEngine(
        StoreReplica(store, principal.tenant_id),
        SyncTransport(http, auth.token_source()),
        name,
        push_batch=100,
        pull_page=100,
    )
    return Desktop(store, auth, engine, network, principal)


DesktopFactory = Callable[[str], Desktop]
