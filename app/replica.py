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

import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, bindparam, func, select, text
from sqlalchemy.orm import Session

from app.ids import uuid7
from app.store.database import Actor, Store
from app.store.models import SYNCED_MODELS, OutboxOp, SyncCheckpoint, SyncConflict
from app.store.types import utcnow
from sync.client.replica import Checkpoint
from sync.client.schema_gate import SchemaGate
from sync.protocol import OpResult, PushOp, ServerRow
from sync.schema import SCHEMA_VERSION, SYNCED_TABLES, decode_value

_json = json.JSONEncoder(separators=(",", ":")).encode

# Outbox statements written for the driver. ``+tenant_id`` keeps the tenant condition but stops SQLite
# from choosing the tenant index for it: with one tenant per device that index matches the whole outbox,
# and a 500-op acknowledgement then scanned every waiting change (quadratic over a long outbox).
_OUTBOX = OutboxOp.__tablename__
_DELETE_ANSWERED = f"DELETE FROM {_OUTBOX} WHERE id IN (SELECT value FROM json_each(?)) AND +tenant_id = ?"
_PENDING_FOR_ROWS = (
    f"SELECT table_name, row_id, kind, fields FROM {_OUTBOX} "
    "WHERE row_id IN (SELECT value FROM json_each(?)) AND table_name IN (SELECT value FROM json_each(?)) "
    "AND +tenant_id = ? ORDER BY seq"
)
_KEEP_HELD = f"UPDATE {_OUTBOX} SET id = ?, kind = 'upsert', fields = ? WHERE id = ? AND +tenant_id = ?"
_REBASE = f"UPDATE {_OUTBOX} SET base_version = ? WHERE table_name = ? AND row_id = ? AND +tenant_id = ?"


class StoreReplica:
    def __init__(self, store: Store, tenant_id: str) -> None:
        self._store = store
        self._actor = Actor(tenant_id, None, store.device_id)
        # Fields left out of ops in flight because the server does not know them yet (op id → fields):
        # they stay in the outbox when the op is answered. Lost with the process, harmlessly: the op
        # is then still in the outbox whole, and is split again.
        self._held: dict[str, dict[str, Any]] = {}

    def _session(self) -> Any:
        return self._store.session(self._actor, capture_changes=False)

    # --- push side -------------------------------------------------------------------------------

    def pending_ops(
        self,
        limit: int,
        *,
        after: UUID | None = None,
        busy: Collection[tuple[str, UUID]] = (),
        gate: SchemaGate | None = None,
    ) -> Sequence[PushOp]:
        batch: list[PushOp] = []
        seen: set[tuple[str, str]] = {(table, str(row_id)) for table, row_id in busy}
        with self._session() as session:
            start: Any = None
            if after is not None:
                start = select(OutboxOp.seq).where(OutboxOp.id == str(after)).scalar_subquery()
            # Changes a (rare) older server cannot take yet are passed over, so read on until the batch
            # is full or the outbox ends.
            while len(batch) < limit:
                query = select(
                    OutboxOp.seq,
                    OutboxOp.id,
                    OutboxOp.table_name,
                    OutboxOp.row_id,
                    OutboxOp.kind,
                    OutboxOp.base_version,
                    OutboxOp.fields,
                    OutboxOp.hlc,
                )
                if start is not None:
                    query = query.where(OutboxOp.seq > start)
                rows = session.execute(query.order_by(OutboxOp.seq).limit(limit)).all()
                for seq, op_id, table_name, row_id, kind, base_version, fields, hlc in rows:
                    start = seq
                    key = (table_name, row_id)
                    if key in seen:
                        return batch  # its base version comes from the answer to the earlier op
                    self._held.pop(op_id, None)  # from an attempt that failed, maybe to an older server
                    if gate is not None:
                        split = gate.split(table_name, kind, fields)
                        if split is None:
                            continue  # waits whole for a newer server; later changes go ahead
                        fields, held = split
                        if held:
                            self._held[op_id] = held
                    seen.add(key)
                    # Built without validation: every value was written by this store's own change
                    # capture (valid ids, kinds and stamps, JSON fields); checking 500 ops again cost
                    # more than sending them.
                    batch.append(
                        PushOp.model_construct(
                            op_id=UUID(op_id),
                            table=table_name,
                            row_id=UUID(row_id),
                            kind=kind,
                            base_version=base_version or 0,
                            fields=fields,
                            hlc=hlc,
                        )
                    )
                    if len(batch) == limit:
                        return batch
                if len(rows) < limit:
                    break
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
            # One statement with the ids as one JSON parameter: SQLAlchemy's per-row parameter handling
            # (an IN of 500 binds, or executemany) was most of an acknowledgement's time.
            tenant = self._actor.tenant_id
            connection = session.connection()
            held = {
                str(op.op_id): fields
                for op, result in zip(ops, results, strict=True)
                if (fields := self._held.pop(str(op.op_id), None)) and result.status != "rejected"
            }
            connection.exec_driver_sql(
                _DELETE_ANSWERED, (_json([str(op.op_id) for op in ops if str(op.op_id) not in held]), tenant)
            )
            if held:
                # What the server could not take stays in place (its order among the row's changes kept)
                # as a new change of its own: the answered op id is spent.
                connection.exec_driver_sql(
                    _KEEP_HELD,
                    [(str(uuid7()), _json(fields), op_id, tenant) for op_id, fields in held.items()],
                )
            # Changes made after this batch: the server's answer must not overwrite them.
            pending = self._pending_fields(session, [(op.table, str(op.row_id)) for op in ops])
            versions: dict[tuple[str, str], int] = {}
            rebase: list[tuple[int, str, str, str]] = []
            for op, result in zip(ops, results, strict=True):
                table, row_id = op.table, str(op.row_id)
                if result.version is not None:
                    if (table, row_id) in pending:
                        rebase.append((result.version, table, row_id, tenant))
                    versions[(table, row_id)] = result.version
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
            if rebase:
                connection.exec_driver_sql(_REBASE, rebase)
            self._raise_versions(session, versions)
            rows = [result.row for result in results if result.row is not None]
            if rows:
                session.execute(text("PRAGMA defer_foreign_keys = ON"))
                self._apply_rows(session, rows, pending)

    def _raise_versions(self, session: Session, versions: dict[tuple[str, str], int]) -> None:
        """Record the server version each answered row is now at (one statement per table)."""
        by_table: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for (table_name, row_id), version in versions.items():
            by_table[table_name].append((row_id, version))
        for table_name, batch in by_table.items():
            model = SYNCED_MODELS.get(table_name)
            if model is None:
                continue
            # Straight to the driver's executemany: SQLAlchemy's per-row parameter processing cost more
            # than the updates themselves.
            tenant = self._actor.tenant_id
            session.connection().exec_driver_sql(
                f'UPDATE "{model.__tablename__}" SET server_version = ? '
                "WHERE tenant_id = ? AND id = ? AND coalesce(server_version, 0) < ?",
                [(version, tenant, row_id, version) for row_id, version in batch],
            )

    # --- pull side -------------------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        with self._session() as session:
            row = session.scalars(select(SyncCheckpoint)).first()
            return Checkpoint(row.since, row.epoch) if row else Checkpoint(0, None)

    def apply_page(self, changes: Sequence[ServerRow], next_since: int, epoch: str) -> None:
        with self._session() as session:
            # References inside one page may point forward; check them when the page commits.
            session.execute(text("PRAGMA defer_foreign_keys = ON"))
            self._apply_rows(
                session, changes, self._pending_fields(session, [(c.table, str(c.row_id)) for c in changes])
            )
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

    def _pending_fields(
        self, session: Session, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], set[str] | None]:
        """Fields with local changes waiting, for the given rows; None means the whole row (a pending delete).

        Only the rows at hand are read: the outbox may hold thousands of changes after days offline.
        """
        pending: dict[tuple[str, str], set[str] | None] = defaultdict(set)
        wanted = set(keys)
        if not wanted:
            return pending
        found = session.connection().exec_driver_sql(
            _PENDING_FOR_ROWS,
            (
                _json(sorted({row_id for _, row_id in wanted})),
                _json(sorted({table for table, _ in wanted})),
                self._actor.tenant_id,
            ),
        )
        for table, row_id, kind, fields in found:
            key = (table, row_id)
            if key not in wanted:
                continue  # same id in another table (ids are UUIDs: only by construction)
            if kind == "delete" or pending[key] is None:
                pending[key] = None
            else:
                names = pending[key]
                assert names is not None
                names.update(json.loads(fields))
        return pending

    def _apply_rows(
        self, session: Session, changes: Sequence[ServerRow], pending: dict[tuple[str, str], set[str] | None]
    ) -> None:
        """Apply server rows in bulk (a few statements per table, not a few per row).

        Core statements on this tenant's own rows: the ORM's per-row work was most of a pull's time.
        """
        connection = session.connection()
        tenant_id = self._actor.tenant_id
        latest: dict[tuple[str, str], ServerRow] = {}
        for change in changes:  # a row changed twice in one page: its last version is the whole row
            latest[(change.table, str(change.row_id))] = change
        by_table: dict[str, list[ServerRow]] = defaultdict(list)
        for (table_name, _), change in latest.items():
            by_table[table_name].append(change)
        now = utcnow()
        for table_name, rows in by_table.items():
            model = SYNCED_MODELS.get(table_name)
            if model is None:
                continue  # a table this version does not know: a newer server; nothing to keep it in
            table = cast(Table, model.__table__)
            kinds = SYNCED_TABLES[table_name].fields
            existing: dict[str, int] = {}
            ids = [str(r.row_id) for r in rows]
            for chunk in range(0, len(ids), 500):
                existing.update(
                    (row_id, version or 0)
                    for row_id, version in connection.execute(
                        select(table.c.id, table.c.server_version).where(
                            table.c.tenant_id == tenant_id, table.c.id.in_(ids[chunk : chunk + 500])
                        )
                    )
                )
            deletes: list[str] = []
            inserts: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
            updates: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
            for change in rows:
                row_id = str(change.row_id)
                waiting = pending.get((table_name, row_id), set())
                if waiting is None:
                    continue  # deleted here, not yet pushed: the push decides
                if change.deleted:
                    if row_id in existing and not waiting:
                        deletes.append(row_id)
                    continue
                values = {
                    name: decode_value(kinds[name], value)
                    for name, value in change.fields.items()
                    if name in kinds and name not in waiting
                }
                if row_id in existing:
                    values["server_version"] = max(existing[row_id], change.version)
                    values["updated_at"] = now
                    updates[frozenset(values)].append({**values, "row_id": row_id})
                else:
                    values.update(
                        id=row_id,
                        tenant_id=tenant_id,
                        server_version=change.version,
                        created_at=now,
                        updated_at=now,
                    )
                    inserts[frozenset(values)].append(values)
            for batch in inserts.values():
                connection.execute(table.insert(), batch)
            for names, batch in updates.items():
                statement = (
                    table.update()
                    .where(table.c.tenant_id == tenant_id, table.c.id == bindparam("row_id"))
                    .values({name: bindparam(name) for name in names})
                )
                connection.execute(statement, batch)
            for chunk in range(0, len(deletes), 500):
                connection.execute(
                    table.delete().where(
                        table.c.tenant_id == tenant_id, table.c.id.in_(deletes[chunk : chunk + 500])
                    )
                )

    def _save_checkpoint(self, session: Session, since: int, epoch: str | None) -> None:
        row = session.scalars(select(SyncCheckpoint)).first()
        if row is None:
            row = SyncCheckpoint(schema_version=SCHEMA_VERSION)
            session.add(row)
        row.since = since
        row.epoch = epoch
        row.last_pull_at = utcnow()
