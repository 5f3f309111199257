"""The local store as the sync engine sees it (``sync.client.replica.LocalReplica``).

Rules kept here:
- A push batch carries at most one op per row, and when the server answers an op, the row's later
  ops are rebased on the version it returned: the server then sees them as the follow-ups they are,
  not as concurrent edits.
- A pulled value never overwrites a field that has a local change waiting to be pushed; that change
  goes to the server, which merges it by the same field rules.
- A refused change triggers a full pull, so the server's version of the row replaces it locally.
- Answers and pulled pages are applied with change capture off (they are the server's, not ours to
  push back), each in one transaction together with the checkpoint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from app.store.database import Actor, Store
from app.store.models import SYNCED_MODELS, OutboxOp, SyncCheckpoint, SyncConflict, Synced
from app.store.types import utcnow
from sync.client.replica import Checkpoint
from sync.protocol import OpResult, PushOp, ServerRow
from sync.schema import SCHEMA_VERSION, SYNCED_TABLES, decode_value


class StoreReplica:
    def __init__(self, store: Store, tenant_id: str) -> None:
        self._store = store
        self._actor = Actor(tenant_id, None, store.device_id)

    def _session(self) -> Any:
        return self._store.session(self._actor, capture_changes=False)

    # --- push side -------------------------------------------------------------------------------

    def pending_ops(self, limit: int) -> Sequence[PushOp]:
        with self._session() as session:
            rows = session.scalars(select(OutboxOp).order_by(OutboxOp.seq).limit(limit)).all()
        batch: list[PushOp] = []
        seen: set[tuple[str, str]] = set()
        for row in rows:
            key = (row.table_name, row.row_id)
            if key in seen:
                break  # its base version comes from the answer to the earlier op: next batch
            seen.add(key)
            batch.append(
                PushOp(
                    op_id=UUID(row.id),
                    table=row.table_name,
                    row_id=UUID(row.row_id),
                    kind=row.kind,
                    base_version=row.base_version or 0,
                    fields=row.fields,
                    hlc=row.hlc,
                )
            )
        return batch

    def pending_count(self) -> int:
        with self._session() as session:
            return session.scalar(select(func.count()).select_from(OutboxOp)) or 0

    def acknowledge(self, ops: Sequence[PushOp], results: Sequence[OpResult]) -> None:
        with self._session() as session:
            if any(result.status == "rejected" for result in results):
                # The server refused a change this device already made locally (say, a delete the user
                # may not make): pull everything again so the server's version of the row comes back.
                # The refusal is kept as a conflict record for review. Rare, so the full pull is fine.
                checkpoint = session.scalars(select(SyncCheckpoint)).first()
                self._save_checkpoint(session, 0, checkpoint.epoch if checkpoint else None)
            for op, result in zip(ops, results, strict=True):
                table, row_id = op.table, str(op.row_id)
                if result.version is not None:
                    session.execute(
                        update(OutboxOp)
                        .where(OutboxOp.table_name == table, OutboxOp.row_id == row_id)
                        .values(base_version=result.version)
                    )
                    model = SYNCED_MODELS.get(table)
                    local = session.get(model, row_id) if model else None
                    if local is not None and (local.server_version or 0) < result.version:
                        local.server_version = result.version
                for conflict in result.conflicts:
                    session.add(
                        SyncConflict(
                            table_name=table,
                            row_id=row_id,
                            kind=conflict.kind,
                            field=conflict.field,
                            local_value=conflict.client_value,
                            server_value=conflict.server_value,
                            winner=conflict.winner,
                            server_conflict_id=str(conflict.conflict_id),
                            op_id=str(op.op_id),
                        )
                    )
                if result.status == "rejected":
                    session.add(
                        SyncConflict(
                            table_name=table,
                            row_id=row_id,
                            kind="rejected",
                            field=result.field,
                            local_value=op.fields,
                            server_value=None,
                            reason=result.reason,
                            op_id=str(op.op_id),
                        )
                    )
                session.execute(delete(OutboxOp).where(OutboxOp.id == str(op.op_id)))
                if result.row is not None:
                    session.flush()
                    self._apply_row(session, result.row, self._pending_fields(session))

    # --- pull side -------------------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        with self._session() as session:
            row = session.scalars(select(SyncCheckpoint)).first()
            return Checkpoint(row.since, row.epoch) if row else Checkpoint(0, None)

    def apply_page(self, changes: Sequence[ServerRow], next_since: int, epoch: str) -> None:
        with self._session() as session:
            # References inside one page may point forward; check them when the page commits.
            session.execute(text("PRAGMA defer_foreign_keys = ON"))
            pending = self._pending_fields(session)
            for change in changes:
                self._apply_row(session, change, pending)
            self._save_checkpoint(session, next_since, epoch)

    def reset_checkpoint(self, epoch: str | None) -> None:
        with self._session() as session:
            self._save_checkpoint(session, 0, epoch)

    def open_conflicts(self) -> int:
        with self._session() as session:
            return (
                session.scalar(
                    select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))
                )
                or 0
            )

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _pending_fields(session: Session) -> dict[tuple[str, str], set[str] | None]:
        """Fields with local changes waiting, per row; None means the whole row (a pending delete)."""
        pending: dict[tuple[str, str], set[str] | None] = defaultdict(set)
        for table, row_id, kind, fields in session.execute(
            select(OutboxOp.table_name, OutboxOp.row_id, OutboxOp.kind, OutboxOp.fields)
        ):
            key = (table, row_id)
            if kind == "delete" or pending[key] is None:
                pending[key] = None
            else:
                names = pending[key]
                assert names is not None
                names.update(fields)
        return pending

    def _apply_row(
        self, session: Session, change: ServerRow, pending: dict[tuple[str, str], set[str] | None]
    ) -> None:
        model = SYNCED_MODELS.get(change.table)
        if model is None:
            return  # a table this version does not know: a newer server; nothing to keep it in
        row_id = str(change.row_id)
        waiting = pending.get((change.table, row_id), set())
        local: Synced | None = session.get(model, row_id)
        if waiting is None:
            return  # deleted here, not yet pushed: the push decides
        if change.deleted:
            if local is not None and not waiting:
                session.delete(local)
            return
        if local is None:
            local = model(id=row_id, tenant_id=self._actor.tenant_id)
            session.add(local)
        kinds = SYNCED_TABLES[change.table].fields
        for name, value in change.fields.items():
            if name in kinds and name not in waiting:
                setattr(local, name, decode_value(kinds[name], value))
        if (local.server_version or 0) < change.version:
            local.server_version = change.version

    def _save_checkpoint(self, session: Session, since: int, epoch: str | None) -> None:
        row = session.scalars(select(SyncCheckpoint)).first()
        if row is None:
            row = SyncCheckpoint(schema_version=SCHEMA_VERSION)
            session.add(row)
        row.since = since
        row.epoch = epoch
        row.last_pull_at = utcnow()
