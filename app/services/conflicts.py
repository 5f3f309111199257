"""Sync conflicts a manager reviews: values that lost a same-field race, deletes that met edits, refusals.

The server has already merged the row and this device has applied the merged row, so keeping the
server's value changes no business data: it records who reviewed the conflict and when. Conflict
records are device bookkeeping (not synced), so the decision is written to the audit trail explicitly,
in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from app.errors import ValidationError
from app.policy import Permission
from app.services.base import Service, get_or_404
from app.store.models import AuditEvent, SyncConflict
from app.store.types import utcnow

KEEP_SERVER = "server"


class ConflictService(Service):
    def open(self, *, limit: int = 500) -> Sequence[SyncConflict]:
        """Unresolved conflicts, oldest first (the order they happened in)."""
        query = (
            select(SyncConflict)
            .where(SyncConflict.resolved_at.is_(None))
            .order_by(SyncConflict.created_at)
            .limit(limit)
        )
        with self.unit_of_work(Permission.SYNC_RESOLVE_CONFLICTS) as session:
            return session.scalars(query).all()

    def open_count(self) -> int:
        query = select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))
        with self.unit_of_work(Permission.SYNC_RESOLVE_CONFLICTS) as session:
            return session.scalar(query) or 0

    def keep_server_value(self, conflict_id: str) -> SyncConflict:
        """Accept the server's value: mark the conflict resolved by this user, and audit it."""
        with self.unit_of_work(Permission.SYNC_RESOLVE_CONFLICTS) as session:
            conflict = get_or_404(session, SyncConflict, conflict_id)
            if conflict.resolved_at is not None:
                raise ValidationError("conflict_id", f"already resolved ({conflict.resolution})")
            conflict.resolved_at = utcnow()
            conflict.resolved_by = self.principal.user_id
            conflict.resolution = KEEP_SERVER
            session.add(
                AuditEvent(
                    actor_id=self.principal.user_id,
                    device_id=self.store.device_id,
                    action="resolve",
                    entity="sync_conflict",
                    entity_id=conflict.id,
                    before={"resolution": None},
                    after={
                        "resolution": KEEP_SERVER,
                        "table": conflict.table_name,
                        "row_id": conflict.row_id,
                        "field": conflict.field,
                        "kind": conflict.kind,
                    },
                )
            )
        return conflict
