"""Audit events and outbox rows, written in the same flush as the change they record.

Hooked on the session's ``before_flush``: every insert, update and delete of a synced row adds one
``AuditEvent`` (before/after of the fields that changed) and one ``OutboxOp`` (the changed fields in
wire encoding), so the three commit or roll back together. Audit events are themselves synced
(append-only), so each also gets an outbox row. A model's ``__private_fields__`` are named in its audit
events but their values are not copied there (the outbox still carries them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from app.ids import new_id
from app.store.models import AuditEvent, OutboxOp, Synced
from app.store.types import utcnow
from sync.hlc import HybridLogicalClock
from sync.schema import SYNCED_TABLES, FieldType, encode_value

# Keys in ``Session.info`` that describe who is acting.
TENANT = "tenant_id"
ACTOR = "actor_id"
DEVICE = "device_id"
CLOCK = "clock"
CAPTURE = "capture_changes"  # False for rows that arrive from the server: they are not ours to push
QUEUED = "queued_changes"  # set once the unit of work has put something in the outbox


def _fields(model: Synced) -> dict[str, FieldType]:
    return SYNCED_TABLES[model.__sync_name__].fields


def _snapshot(model: Synced, names: list[str] | None = None) -> dict[str, Any]:
    fields = _fields(model)
    return {
        name: encode_value(kind, getattr(model, name))
        for name, kind in fields.items()
        if names is None or name in names
    }


def _changed(model: Synced) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fields whose value differs from the loaded one: (before, after), wire-encoded."""
    state = inspect(model)
    fields = _fields(model)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, kind in fields.items():
        history = state.attrs[name].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[name] = encode_value(kind, old)
        after[name] = encode_value(kind, new)
    return before, after


PRIVATE = "(private)"


def _masked(values: dict[str, Any] | None, private: frozenset[str]) -> dict[str, Any] | None:
    """The audit's copy of changed values, private fields named but not repeated (see ``Synced``)."""
    if values is None or not private:
        return values
    return {name: PRIVATE if name in private else value for name, value in values.items()}


class _Capture:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.tenant_id: str = session.info[TENANT]
        self.clock: HybridLogicalClock = session.info[CLOCK]
        self._next_seq: int | None = None

    def seq(self) -> int:
        if self._next_seq is None:
            with self.session.no_autoflush:
                current = self.session.execute(select(func.max(OutboxOp.seq))).scalar()
            self._next_seq = (current or 0) + 1
        value = self._next_seq
        self._next_seq += 1
        return value

    def outbox(self, model: Synced, kind: str, fields: dict[str, Any]) -> None:
        self.session.info[QUEUED] = True
        self.session.add(
            OutboxOp(
                tenant_id=self.tenant_id,
                seq=self.seq(),
                table_name=model.__sync_name__,
                row_id=model.id,
                kind=kind,
                fields=fields,
                base_version=model.server_version,
                hlc=str(self.clock.now()),
            )
        )

    def audit(
        self, model: Synced, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> None:
        private = type(model).__private_fields__
        entry = AuditEvent(
            tenant_id=self.tenant_id,
            actor_id=self.session.info.get(ACTOR),
            device_id=self.session.info.get(DEVICE),
            action=action,
            entity=model.__sync_name__,
            entity_id=model.id,
            before=_masked(before, private),
            after=_masked(after, private),
        )
        self.session.add(entry)


def _before_flush(session: Session, _context: object, _instances: object) -> None:
    if not session.info.get(CAPTURE, True) or TENANT not in session.info:
        return
    capture = _Capture(session)
    for obj in list(session.new):
        if isinstance(obj, Synced) and not isinstance(obj, AuditEvent):
            if obj.tenant_id is None:
                obj.tenant_id = capture.tenant_id
            if obj.id is None:
                obj.id = new_id()  # column defaults fire at INSERT; the outbox needs the id now
            after = _snapshot(obj)
            capture.audit(obj, "create", None, after)
            capture.outbox(obj, "upsert", after)
    for obj in list(session.dirty):
        if isinstance(obj, Synced) and not isinstance(obj, AuditEvent) and session.is_modified(obj):
            before, after = _changed(obj)
            if after:
                capture.audit(obj, "update", before, after)
                capture.outbox(obj, "upsert", after)
    for obj in list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise PermissionError("audit events are append-only")
        if isinstance(obj, Synced):
            capture.audit(obj, "delete", _snapshot(obj), None)
            capture.outbox(obj, "delete", {})
    for entry in list(session.new):
        if isinstance(entry, AuditEvent):
            entry.id = entry.id or new_id()
            entry.tenant_id = entry.tenant_id or capture.tenant_id
            entry.at = entry.at or utcnow()
            capture.outbox(entry, "upsert", _snapshot(entry))
    for obj in list(session.dirty):
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise PermissionError("audit events are append-only")


def install(session_class: type[Session]) -> None:
    event.listen(session_class, "before_flush", _before_flush)
