"""Reviewing sync conflicts: keeping the server's value marks the record resolved, by whom, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.policy import Principal
from app.services.conflicts import ConflictService
from app.store.database import Actor, Store
from app.store.models import AuditEvent, SyncConflict


def _conflicts(store: Store, tenant: str, count: int) -> list[str]:
    with store.session(Actor(tenant, None, "dev"), capture_changes=False) as session:
        rows = [
            SyncConflict(
                table_name="customer",
                row_id=f"row-{i}",
                kind="field",
                field="phone",
                local_value=f"555-010{i}",
                server_value="555-0199",
                winner="server",
            )
            for i in range(count)
        ]
        session.add_all(rows)
    return [row.id for row in rows]


def test_keep_server_value_resolves_and_audits(store: Store, manager: Principal) -> None:
    ids = _conflicts(store, manager.tenant_id, 2)
    service = ConflictService(store, manager)
    assert service.open_count() == 2
    resolved = service.keep_server_value(ids[0])
    assert resolved.resolution == "server" and resolved.resolved_by == manager.user_id
    assert resolved.resolved_at is not None
    assert [c.id for c in service.open()] == [ids[1]]
    with store.session(Actor(manager.tenant_id, None, "dev")) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "sync_conflict")).all()
    assert len(events) == 1
    assert events[0].entity_id == ids[0] and events[0].actor_id == manager.user_id
    assert events[0].after is not None and events[0].after["resolution"] == "server"


def test_resolving_twice_is_refused_and_changes_nothing(store: Store, manager: Principal) -> None:
    (conflict_id,) = _conflicts(store, manager.tenant_id, 1)
    service = ConflictService(store, manager)
    first = service.keep_server_value(conflict_id)
    with pytest.raises(ValidationError) as caught:
        service.keep_server_value(conflict_id)
    assert caught.value.field == "conflict_id"
    with store.session(Actor(manager.tenant_id, None, "dev")) as session:
        row = session.get(SyncConflict, conflict_id)
        audits = session.scalars(select(AuditEvent).where(AuditEvent.entity == "sync_conflict")).all()
    assert row is not None and row.resolved_at == first.resolved_at
    assert len(audits) == 1


def test_a_salesperson_may_not_resolve_conflicts(store: Store, salesperson: Principal) -> None:
    (conflict_id,) = _conflicts(store, salesperson.tenant_id, 1)
    with pytest.raises(PermissionDeniedError):
        ConflictService(store, salesperson).keep_server_value(conflict_id)
    with store.session(Actor(salesperson.tenant_id, None, "dev")) as session:
        row = session.get(SyncConflict, conflict_id)
    assert row is not None and row.resolved_at is None


def test_another_dealerships_conflict_is_not_found(
    store: Store, manager: Principal, other_dealer: Principal
) -> None:
    (conflict_id,) = _conflicts(store, manager.tenant_id, 1)
    with pytest.raises(NotFoundError):
        ConflictService(store, other_dealer).keep_server_value(conflict_id)
    assert ConflictService(store, other_dealer).open_count() == 0
