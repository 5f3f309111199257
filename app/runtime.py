"""Putting the application together: settings, the local store, and who is signed in.

The demo needs only this module; ``app.connection`` adds the server side (sign-in and sync).
"""

from __future__ import annotations

import logging
import re
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.config import Settings, data_dir, load_settings
from app.demo.summary import DemoSummary
from app.demo.template import demo_template
from app.ids import new_id
from app.policy import Principal, permissions_for_roles
from app.store.database import Actor, Store, open_store
from app.store.models import AppUser

if TYPE_CHECKING:
    # Only the signed-in (server) mode needs these; the demo starts without the network stack.
    from app.connection import Connection
    from sync.client.engine import SyncEngine

log = logging.getLogger(__name__)


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
    base.mkdir(parents=True, exist_ok=True)
    db_path = base / "demo.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    summary = _demo_copy(base, db_path, seed)
    store = open_store(db_path, device_id())
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


def _demo_copy(base: Path, db_path: Path, seed: int) -> DemoSummary:
    """Put a fresh demo store at ``db_path``: a copy of the template (``app.demo.template``)."""
    template, summary = demo_template(seed)
    shutil.copyfile(template, db_path)
    for stale in base.glob("demo-template-*"):  # where templates were kept before the shared cache
        stale.unlink(missing_ok=True)
    return summary


def open_device_store() -> Store:
    """The store of this device's dealership data (kept between runs, unlike the demo's)."""
    return open_store(data_dir() / "autolytiq.sqlite3", device_id())
