"""Applying a pushed batch: idempotent per op, merged field by field, every loss kept as a conflict.

The batch runs in one transaction that first locks the dealership's sequence row. That lock serialises
the dealership's writers, so a repeated op_id (even from two concurrent pushes of the same batch) is
always seen by the second, and sequence numbers are committed in order.

The ops are merged in memory, in order, against the rows they touch (read once, locked), then every
changed row, conflict record and op answer is written in bulk. Each op sees the effect of the ones
before it, exactly as if they were applied one by one. If the bulk write still meets a constraint
(another transaction's doing), the batch is replayed op by op, each in a savepoint, so only the
offending op is rejected. If the connection dies mid-batch nothing of the batch is kept, and pushing
it again applies it once.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from app.ids import uuid7
from app.policy import Principal
from sync.protocol import FieldConflict, Hlc, OpResult, PushOp, PushRequest, PushResponse
from sync.schema import SCHEMA_VERSION, SYNCED_TABLES
from sync.server import audit
from sync.server.db import rows
from sync.server.db.codec import FieldValueError, to_db, to_wire
from sync.server.db.pool import Conn
from sync.server.db.references import REFERENCES
from sync.server.replication import writes
from sync.server.replication.access import OWNER_FIELD, hidden_fields, missing_permission, not_own_row


@dataclass(frozen=True, slots=True)
class Writer:
    principal: Principal
    user_id: UUID
    device_id: str


class Rejected(Exception):  # noqa: N818 (an answer for one op, not a failure of the server)
    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def _plain(value: Any) -> Any:
    return value.obj if isinstance(value, Jsonb) else value


@dataclass
class Batch:
    """The rows a batch touches, as they stand after each op, and what to write at the end."""

    conn: Conn
    writer: Writer
    touched: dict[tuple[str, UUID], rows.StoredRow] = field(default_factory=dict)
    known: dict[str, set[UUID]] = field(default_factory=dict)  # referenced rows that exist
    new: set[tuple[str, UUID]] = field(default_factory=set)
    changed: dict[tuple[str, UUID], set[str]] = field(default_factory=dict)  # row → fields written
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)

    def load(self, ops: list[PushOp]) -> None:
        wanted: dict[str, set[UUID]] = {}
        referenced: dict[str, set[UUID]] = {}
        for op in ops:
            if op.table not in SYNCED_TABLES:
                continue
            wanted.setdefault(op.table, set()).add(op.row_id)
            for name, value in op.fields.items():
                target = REFERENCES.get((op.table, name))
                if target and isinstance(value, str):
                    with contextlib.suppress(ValueError):  # the op's own validation names the bad value
                        referenced.setdefault(target, set()).add(UUID(value))
        # All reads in one pipeline (one round trip), answers collected after it.
        with self.conn.pipeline():
            fetched = [
                # Append-only tables cannot be locked FOR UPDATE (the service may not update them at all).
                (
                    table,
                    self.conn.execute(
                        rows.fetch_sql(table, not SYNCED_TABLES[table].append_only), (list(ids),)
                    ),
                )
                for table, ids in wanted.items()
            ]
            present = [
                (table, self.conn.execute(f'SELECT id FROM "{table}" WHERE id = ANY(%s)', (list(ids),)))
                for table, ids in referenced.items()
            ]
        for table, cursor in fetched:
            self.touched.update({(table, r["id"]): rows.stored(table, r) for r in cursor.fetchall()})
        for table, cursor in present:
            self.known[table] = {r["id"] for r in cursor.fetchall()}

    def check_references(self, op: PushOp, values: dict[str, Any]) -> None:
        for name, value in values.items():
            target = REFERENCES.get((op.table, name))
            if target is None or value is None:
                continue
            if value not in self.known.get(target, set()) and (target, value) not in self.touched:
                raise Rejected(f"{name}: refers to a {target} that does not exist (push it first)", name)

    def record_conflict(self, op: PushOp, **kw: Any) -> UUID:
        conflict_id = uuid7()
        self.conflicts.append(
            {
                "id": conflict_id,
                "table_name": op.table,
                "row_id": op.row_id,
                "kind": kw["kind"],
                "field": kw["field"],
                "winner_value": kw["winner_value"],
                "loser_value": kw["loser_value"],
                "winner_hlc": kw["winner_hlc"],
                "loser_hlc": kw["loser_hlc"],
                "losing_op_id": kw["losing_op"],
                "losing_device": kw["losing_device"],
                "losing_user": kw["losing_user"],
            }
        )
        return conflict_id

    def touch(self, row: rows.StoredRow, version: int, hlc: str, fields: dict[str, Any]) -> None:
        row.version = version
        row.values.update(fields)
        # New dicts, not updates in place: the stored ones may be shared with an earlier answer.
        row.field_versions = {**row.field_versions, **dict.fromkeys(fields, version)}
        row.field_hlc = {**row.field_hlc, **dict.fromkeys(fields, hlc)}
        row.updated_by = self.writer.user_id
        row.updated_by_device = self.writer.device_id
        key = (row.table, row.id)
        if key not in self.new:
            self.changed.setdefault(key, set()).update(fields)

    def flush(self) -> None:
        # One pipeline: rows, conflicts and answers travel together, one round trip instead of three.
        with self.conn.pipeline():
            self._write()

    def _write(self) -> None:
        writes.write_rows(
            self.conn,
            [self.touched[k] for k in self.new],
            [(self.touched[k], names) for k, names in self.changed.items() if k not in self.new],
        )
        writes.write_conflicts(self.conn, self.conflicts)
        writes.write_answers(self.conn, self.answers)


def _validate(op: PushOp, writer: Writer) -> dict[str, Any]:
    spec = SYNCED_TABLES.get(op.table)
    if spec is None:
        raise Rejected(f"table: unknown table {op.table!r}", "table")
    if not spec.client_writable:
        raise Rejected(
            f"table: {op.table} is managed by the server (admin API); desktops cannot change it", "table"
        )
    unknown = sorted(set(op.fields) - set(spec.fields))
    if unknown:
        raise Rejected(
            f"fields: unknown field(s) {', '.join(unknown)} for {op.table} on this server (schema version "
            f"{SCHEMA_VERSION}); nothing of this change was stored",
            unknown[0],
        )
    if spec.append_only and op.kind != "upsert":
        raise Rejected(f"kind: {op.table} is append-only; rows cannot be deleted or restored", "kind")
    permission = missing_permission(writer.principal, op.table, op.kind, op.fields)
    if permission:
        raise Rejected(f"permission required: {permission}")
    foreign = not_own_row(writer.principal, op.table, op.fields)
    if foreign:
        raise Rejected(foreign, OWNER_FIELD[op.table])
    values: dict[str, Any] = {}
    for name, value in op.fields.items():
        try:
            values[name] = to_db(name, spec.fields[name], value)
        except FieldValueError as exc:
            raise Rejected(str(exc), name) from None
    return values


def _apply(batch: Batch, seq: rows.Sequence, op: PushOp, values: dict[str, Any]) -> OpResult:
    spec = SYNCED_TABLES[op.table]
    writer = batch.writer
    key = (op.table, op.row_id)
    row = batch.touched.get(key)

    if row is None:
        version = seq.next()
        row = rows.StoredRow(
            table=op.table,
            id=op.row_id,
            version=version,
            deleted=op.kind == "delete",
            values=dict.fromkeys(spec.fields),
            deleted_at=datetime.now(UTC) if op.kind == "delete" else None,
        )
        batch.touched[key] = row
        batch.new.add(key)
        batch.touch(row, version, op.hlc, values if op.kind != "delete" else {})
        return OpResult(op_id=op.op_id, status="applied", version=version)

    if spec.append_only:
        raise Rejected(f"row_id: {op.table} is append-only and this row already exists", "row_id")

    if row.deleted:
        if op.kind == "delete":
            return OpResult(op_id=op.op_id, status="applied", version=row.version)
        if op.kind == "restore":
            version = seq.next()
            row.deleted, row.deleted_at = False, None
            batch.touch(row, version, op.hlc, values)
            return OpResult(op_id=op.op_id, status="applied", version=version)
        # An edit of a row someone deleted: the delete wins; the edit is kept for review.
        lost = dict(op.fields)
        conflict_id = batch.record_conflict(
            op,
            kind="edit_vs_delete",
            field=None,
            winner_value=None,
            loser_value=lost,
            winner_hlc=None,
            loser_hlc=op.hlc,
            losing_op=op.op_id,
            losing_device=writer.device_id,
            losing_user=writer.user_id,
        )
        return OpResult(
            op_id=op.op_id,
            status="conflict",
            version=row.version,
            conflicts=[
                FieldConflict(
                    conflict_id=conflict_id,
                    field=None,
                    kind="edit_vs_delete",
                    winner="server",
                    server_value=None,
                    client_value=lost,
                )
            ],
            row=rows.to_server_row(row, hidden_fields(writer.principal, op.table)),
        )

    if op.kind == "delete":
        # Fields others changed since this client last saw the row are lost to the delete: keep them.
        unseen = {
            name: to_wire(spec.fields[name], _plain(row.values[name]))
            for name, written in row.field_versions.items()
            if written > op.base_version and name in spec.fields
        }
        conflicts: list[FieldConflict] = []
        if unseen:
            conflict_id = batch.record_conflict(
                op,
                kind="delete_vs_edit",
                field=None,
                winner_value=None,
                loser_value=unseen,
                winner_hlc=op.hlc,
                loser_hlc=None,
                losing_op=None,
                losing_device=row.updated_by_device,
                losing_user=None,
            )
            conflicts.append(
                FieldConflict(
                    conflict_id=conflict_id,
                    field=None,
                    kind="delete_vs_edit",
                    winner="client",
                    server_value=unseen,
                    client_value=None,
                )
            )
        version = seq.next()
        row.deleted, row.deleted_at = True, datetime.now(UTC)
        batch.touch(row, version, op.hlc, {})
        return OpResult(
            op_id=op.op_id,
            status="conflict" if conflicts else "applied",
            version=version,
            conflicts=conflicts,
        )

    # Upsert (or restore of a live row) on a live row: field by field.
    client_hlc = Hlc.parse(op.hlc)
    take: dict[str, Any] = {}
    conflicts = []
    for name, value in values.items():
        written = row.field_versions.get(name, 0)
        current = _plain(row.values[name])
        if written <= op.base_version or current == _plain(value):
            take[name] = value
            continue
        server_wire = to_wire(spec.fields[name], current)
        server_hlc = row.field_hlc.get(name)
        client_wins = server_hlc is None or client_hlc > Hlc.parse(server_hlc)
        if client_wins:
            take[name] = value
            conflict_id = batch.record_conflict(
                op,
                kind="field",
                field=name,
                winner_value=op.fields[name],
                loser_value=server_wire,
                winner_hlc=op.hlc,
                loser_hlc=server_hlc,
                losing_op=None,
                losing_device=row.updated_by_device,
                losing_user=None,
            )
        else:
            conflict_id = batch.record_conflict(
                op,
                kind="field",
                field=name,
                winner_value=server_wire,
                loser_value=op.fields[name],
                winner_hlc=server_hlc,
                loser_hlc=op.hlc,
                losing_op=op.op_id,
                losing_device=writer.device_id,
                losing_user=writer.user_id,
            )
        conflicts.append(
            FieldConflict(
                conflict_id=conflict_id,
                field=name,
                kind="field",
                winner="client" if client_wins else "server",
                server_value=server_wire,
                client_value=op.fields[name],
            )
        )
    version = row.version
    if take:
        version = seq.next()
        batch.touch(row, version, op.hlc, take)
    if not conflicts:
        return OpResult(op_id=op.op_id, status="applied", version=version)
    return OpResult(
        op_id=op.op_id,
        status="conflict",
        version=version,
        conflicts=conflicts,
        row=rows.to_server_row(row, hidden_fields(writer.principal, op.table)),
    )


def _constraint_reason(exc: psycopg.errors.IntegrityError) -> Rejected:
    name = exc.diag.constraint_name or ""
    for (table, column), target in REFERENCES.items():
        if name == f"{table}_{column}_fk":
            return Rejected(f"{column}: refers to a {target} that does not exist (push it first)", column)
    return Rejected(f"row: refused by the database ({name or type(exc).__name__})")


def _run(
    conn: Conn, seq: rows.Sequence, ops: list[PushOp], writer: Writer, answered: dict[UUID, dict[str, Any]]
) -> list[OpResult]:
    batch = Batch(conn, writer)
    batch.load([op for op in ops if op.op_id not in answered])
    results: list[OpResult] = []
    for op in ops:
        if op.op_id in answered:
            results.append(OpResult.model_validate({**answered[op.op_id], "duplicate": True}))
            continue
        try:
            values = _validate(op, writer)
            batch.check_references(op, values)
            result = _apply(batch, seq, op, values)
        except Rejected as exc:
            results.append(OpResult(op_id=op.op_id, status="rejected", reason=exc.reason, field=exc.field))
            continue
        stored = result.model_dump(mode="json", exclude={"row", "duplicate"})
        answered[op.op_id] = stored
        batch.answers.append(
            {"op_id": op.op_id, "table_name": op.table, "row_id": op.row_id, "result": stored}
        )
        results.append(result)
    batch.flush()
    return results


def apply_push(conn: Conn, request: PushRequest, writer: Writer) -> PushResponse:
    # Lock the sequence, then look up earlier answers: pipelined, but run by the server in this order,
    # so the lookup sees every batch committed by a writer that held the lock before us.
    with conn.pipeline():
        locking = conn.execute(rows.Sequence.LOCK_SQL)
        earlier = conn.execute(
            "SELECT op_id, result FROM applied_op WHERE op_id = ANY(%s)", ([op.op_id for op in request.ops],)
        )
    with rows.sequence(conn, locking.fetchone()) as seq:
        answered: dict[UUID, dict[str, Any]] = {r["op_id"]: r["result"] for r in earlier.fetchall()}
        try:
            with conn.transaction():
                results = _run(conn, seq, request.ops, writer, dict(answered))
        except psycopg.errors.IntegrityError:
            # Someone else's write broke an assumption checked above; find the op it concerns, one at a time.
            results = []
            for op in request.ops:
                try:
                    with conn.transaction():
                        results += _run(conn, seq, [op], writer, answered)
                except psycopg.errors.IntegrityError as exc:
                    rejected = _constraint_reason(exc)
                    results.append(
                        OpResult(
                            op_id=op.op_id, status="rejected", reason=rejected.reason, field=rejected.field
                        )
                    )
        fresh = [r for r in results if not r.duplicate and r.status != "rejected"]
        if fresh:
            # One audit event per push, next to the ledger of ops (applied_op) and each row's updated_by.
            audit.record(
                conn,
                seq,
                actor=writer.user_id,
                action="sync.push",
                entity="device",
                entity_id=None,
                after={
                    "device_id": writer.device_id,
                    "applied": sum(r.status == "applied" for r in fresh),
                    "conflicts": sum(r.status == "conflict" for r in fresh),
                    "rejected": sum(r.status == "rejected" for r in results),
                },
                device=writer.device_id,
            )
    return PushResponse(results=results, server_seq=seq.last, epoch=seq.epoch)
