"""Putting the application together: settings, the local store, and who is signed in."""

from __future__ import annotations

import logging
import re
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.config import Settings, data_dir, load_settings
from app.demo import DemoSummary, build_demo
from app.ids import new_id
from app.policy import Principal, permissions_for_roles
from app.store.database import Actor, Store, open_store
from app.store.models import AppUser

log = logging.getLogger(__name__)


@dataclass(slots=True)
class AppContext:
    settings: Settings
    store: Store
    principal: Principal
    display_name: str
    dealership: str
    demo: DemoSummary | None = None

    def close(self) -> None:
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
