"""Opening the local store: SQLite in WAL mode, migrated on open, every session scoped to one tenant."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from app.store import change_capture
from app.store.migrate import upgrade_to_head
from app.store.models import TenantScoped
from sync.hlc import HybridLogicalClock


class TenantSession(Session):
    """A session that sees and writes only its tenant's rows (see ``_scope_to_tenant``)."""


change_capture.install(TenantSession)


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    # One place adds the tenant filter to every ORM query, so no repository can forget it.
    tenant_id = state.session.info.get(change_capture.TENANT)
    if tenant_id is None:
        raise PermissionError("store session has no tenant")
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
        )


@event.listens_for(TenantSession, "before_flush")
def _refuse_foreign_rows(session: Session, _context: object, _instances: object) -> None:
    tenant_id = session.info.get(change_capture.TENANT)
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped):
            if obj.tenant_id is None:
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise PermissionError("a row of another dealership cannot be written in this session")


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed change (and its outbox row) survives a power cut, not just a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who writes: recorded on every audit event."""

    tenant_id: str
    user_id: str | None
    device_id: str


class Store:
    def __init__(self, engine: Engine, device_id: str) -> None:
        self.engine = engine
        self.device_id = device_id
        self.clock = HybridLogicalClock(device_id)
        self._sessions = sessionmaker(bind=engine, class_=TenantSession, expire_on_commit=False)
        self._device_sessions = sessionmaker(bind=engine, expire_on_commit=False)
        # Called after each committed unit of work that may have queued changes (the sync engine's nudge).
        self.change_listeners: list[Callable[[], None]] = []

    @contextmanager
    def session(self, actor: Actor, *, capture_changes: bool = True) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back everything (audit and outbox too) on error."""
        session = self._sessions(
            info={
                change_capture.TENANT: actor.tenant_id,
                change_capture.ACTOR: actor.user_id,
                change_capture.DEVICE: actor.device_id,
                change_capture.CLOCK: self.clock,
                change_capture.CAPTURE: capture_changes,
            }
        )
        try:
            with session.begin():
                yield session
        finally:
            session.close()
        if session.info.get(change_capture.QUEUED):
            for listener in list(self.change_listeners):
                listener()

    @contextmanager
    def device_session(self) -> Iterator[Session]:
        """A unit of work on the device tables (``local_credential``), which belong to no one tenant."""
        session = self._device_sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def open_store(path: Path | str, device_id: str) -> Store:
    """Open (creating if needed) and migrate the store at ``path``; ``":memory:"`` is not supported (WAL)."""
    db_path = Path(path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite+pysqlite:///{db_path}")
    event.listen(engine, "connect", _sqlite_pragmas)
    upgrade_to_head(engine)
    return Store(engine, device_id)
