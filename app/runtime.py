"""Putting the application together: settings, the local store, and who is signed in."""

from __future__ import annotations

import logging
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select

from app.auth.secrets import SecretStore
from app.auth.session import AuthSession, SignedInUser
from app.config import Settings, data_dir, load_settings
from app.demo import DemoSummary, build_demo
from app.ids import new_id
from app.policy import Principal, permissions_for_roles
from app.replica import StoreReplica
from app.store.database import Actor, Store, open_store
from app.store.models import AppUser, Dealership
from sync.client.auth_api import AuthApi
from sync.client.engine import SyncEngine
from sync.client.transport import SyncTransport

log = logging.getLogger(__name__)


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


@dataclass(slots=True)
class AppContext:
    settings: Settings
    store: Store
    principal: Principal
    display_name: str
    dealership: str
    demo: DemoSummary | None = None
    connection: Connection | None = None

    @property
    def sync(self) -> SyncEngine | None:
        return self.connection.engine if self.connection else None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.store.close()


def device_id() -> str:
    """A stable id for this machine's install, kept in the data dir."""
    path = data_dir() / "device-id"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    # Letters, digits and "-" only: the id names this device in sync stamps and audit events.
    host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:20] or "desktop"
    value = f"{host}-{new_id()[-12:]}"
    path.write_text(value, encoding="utf-8")
    return value


def open_demo(directory: Path | None = None, *, seed: int = 7, role_email: str | None = None) -> AppContext:
    """A fresh store with the demo dealership, signed in as its administrator (or the given user)."""
    base = directory or data_dir()
    db_path = base / "demo.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    store = open_store(db_path, device_id())
    summary = build_demo(store, seed=seed)
    email = role_email or next(iter(summary.users))
    with store.session(Actor(summary.tenant_id, None, store.device_id)) as session:
        user = session.scalars(select(AppUser).where(AppUser.email == email)).one()
        roles = [str(r) for r in user.roles]
        name = user.display_name
        user_id = user.id
    principal = Principal(
        user_id=user_id, tenant_id=summary.tenant_id, permissions=permissions_for_roles(roles)
    )
    log.info("demo dealership opened at %s as %s", db_path, email)
    return AppContext(load_settings(), store, principal, name, summary.dealership, summary)


def open_device_store() -> Store:
    """The store of this device's dealership data (kept between runs, unlike the demo's)."""
    return open_store(data_dir() / "autolytiq.sqlite3", device_id())


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
