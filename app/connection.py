"""The server side of a running app: HTTP client, sign-in session, and the sync engine."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from app.auth.secrets import SecretStore
from app.auth.session import AuthSession, SignedInUser
from app.config import Settings
from app.replica import StoreReplica
from app.runtime import AppContext
from app.store.database import Actor, Store
from app.store.models import Dealership
from sync.client.auth_api import AuthApi
from sync.client.engine import SyncEngine
from sync.client.transport import SyncTransport


@dataclass(slots=True)
class Connection:
    """The server side of a running app: the HTTP client, the signed-in session, and sync."""

    http: httpx.Client
    auth: AuthSession
    engine: SyncEngine | None = None

    def close(self) -> None:
        if self.engine is not None:
            self.engine.stop()
        self.http.close()


def connect(settings: Settings, store: Store) -> Connection:
    """An HTTP client and an auth session for the configured server (nothing is sent yet)."""
    if not settings.server_url:
        raise ValueError("server_url: no sync server is configured")
    http = httpx.Client(base_url=settings.server_url, timeout=httpx.Timeout(15.0, connect=5.0))
    auth = AuthSession(
        AuthApi(http), SecretStore(), store, store.device_id, grace_hours=settings.offline_grace_hours
    )
    return Connection(http, auth)


def start_signed_in(
    settings: Settings, store: Store, connection: Connection, user: SignedInUser
) -> AppContext:
    """The running app for a signed-in user; sync starts in the background (it waits while offline)."""
    tenant_id = user.principal.tenant_id
    engine = SyncEngine(
        StoreReplica(store, tenant_id),
        SyncTransport(connection.http, connection.auth.token_source()),
        store.device_id,
    )
    connection.engine = engine
    store.change_listeners.append(engine.nudge)
    engine.refresh_counts()
    engine.start()
    with store.session(Actor(tenant_id, None, store.device_id), capture_changes=False) as session:
        dealership = session.get(Dealership, tenant_id)
        name = (dealership.name if dealership else None) or "your dealership"
    return AppContext(
        settings, store, user.principal, user.display_name or user.email, name, connection=connection
    )
