"""Applying a pushed batch: idempotent per op, merged field by field, every loss kept as a conflict.

The batch runs in one transaction that first locks the dealership's sequence row; that lock serialises
the dealership's writers, so a repeated op_id (even from two concurrent pushes of the same batch) is
always seen by the second. Each op runs in its own savepoint: an op the database refuses (a reference
to a missing row) is rejected alone. If the connection dies mid-batch nothing of the batch is kept, and
pushing it again applies it once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb
from pydantic import JsonValue

from app.ids import uuid7
from app.policy import Principal
from sync.protocol import FieldConflict, Hlc, OpResult, PushOp, PushRequest, PushResponse
from sync.schema import SCHEMA_VERSION, SYNCED_TABLES
from sync.server.db import rows
from sync.server.db.codec import FieldValueError, to_db, to_wire
from sync.server.db.pool import Conn
from sync.server.replication.access import hidden_fields, missing_permission


@dataclass(frozen=True, slots=True)
class Writer:
    principal: Principal
    user_id: UUID
    device_id: str


class Rejected(Exception):  # noqa: N818 (a result, not an error condition of the server)
    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def _same(stored: Any, new: Any) -> bool:
    if isinstance(new, Jsonb):
        new = new.obj
    return bool(stored == new)


def _record_conflict(
    conn: Conn,
    *,
    table: str,
    row_id: UUID,
    kind: str,
    field: str | None,
    winner_value: JsonValue,
    loser_value: JsonValue,
    winner_hlc: str | None,
    loser_hlc: str | None,
    losing_op: UUID | None,
    losing_device: str | None,
    losing_user: UUID | None,
) -> UUID:
    conflict_id = uuid7()
    conn.execute(
        "INSERT INTO sync_conflict (tenant_id, id, table_name, row_id, kind, field, winner_value, "
        "loser_value, winner_hlc, loser_hlc, losing_op_id, losing_device, losing_user) VALUES "
        "(nullif(current_setting('app.tenant_id', true), '')::uuid, "
        "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            conflict_id,
            table,
            row_id,
            kind,
            field,
            Jsonb(winner_value),
            Jsonb(loser_value),
            winner_hlc,
            loser_hlc,
            losing_op,
            losing_device,
            losing_user,
        ),
    )
    return conflict_id


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
    values: dict[str, Any] = {}
    for name, value in op.fields.items():
        try:
            values[name] = to_db(name, spec.fields[name], value)
        except FieldValueError as exc:
            raise Rejected(str(exc), name) from None
    return values


def _apply(conn: Conn, seq: rows.Sequence, op: PushOp, values: dict[str, Any], writer: Writer) -> OpResult:
    spec = SYNCED_TABLES[op.table]
    # Append-only tables cannot be locked FOR UPDATE (the service may not update them at all).
    existing = rows.fetch_one(conn, op.table, op.row_id, lock=not spec.append_only)
    common: dict[str, Any] = {"hlc": op.hlc, "actor": writer.user_id, "device": writer.device_id}

    def conflict(**kw: Any) -> UUID:
        return _record_conflict(conn, table=op.table, row_id=op.row_id, **kw)

    if existing is None:
        version = seq.next()
        rows.insert(
            conn,
            op.table,
            op.row_id,
            values if op.kind != "delete" else {},
            seq=version,
            deleted=op.kind == "delete",
            **common,
        )
        return OpResult(op_id=op.op_id, status="applied", version=version)

    if spec.append_only:
        raise Rejected(f"row_id: {op.table} is append-only and this row already exists", "row_id")

    if existing.deleted:
        if op.kind == "delete":
            return OpResult(op_id=op.op_id, status="applied", version=existing.version)
        if op.kind == "restore":
            version = seq.next()
            rows.update(conn, op.table, op.row_id, values, seq=version, deleted=False, **common)
            return OpResult(op_id=op.op_id, status="applied", version=version)
        # An edit of a row someone deleted: the delete wins; the edit is kept for review.
        lost = dict(op.fields)
        conflict_id = conflict(
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
            version=existing.version,
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
            row=rows.to_server_row(existing, hidden_fields(writer.principal, op.table)),
        )

    if op.kind == "delete":
        # Fields others changed since this client last saw the row are lost to the delete: keep them.
        unseen = {
            name: to_wire(spec.fields[name], existing.values[name])
            for name, written in existing.field_versions.items()
            if written > op.base_version and name in spec.fields
        }
        conflicts: list[FieldConflict] = []
        if unseen:
            conflict_id = conflict(
                kind="delete_vs_edit",
                field=None,
                winner_value=None,
                loser_value=unseen,
                winner_hlc=op.hlc,
                loser_hlc=None,
                losing_op=None,
                losing_device=existing.updated_by_device,
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
        rows.update(conn, op.table, op.row_id, {}, seq=version, deleted=True, **common)
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
        written = existing.field_versions.get(name, 0)
        if written <= op.base_version or _same(existing.values[name], value):
            take[name] = value
            continue
        server_wire = to_wire(spec.fields[name], existing.values[name])
        server_hlc = existing.field_hlc.get(name)
        client_wins = server_hlc is None or client_hlc > Hlc.parse(server_hlc)
        if client_wins:
            take[name] = value
            conflict_id = conflict(
                kind="field",
                field=name,
                winner_value=op.fields[name],
                loser_value=server_wire,
                winner_hlc=op.hlc,
                loser_hlc=server_hlc,
                losing_op=None,
                losing_device=existing.updated_by_device,
                losing_user=None,
            )
        else:
            conflict_id = conflict(
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
    version = existing.version
    if take:
        version = seq.next()
        rows.update(conn, op.table, op.row_id, take, seq=version, **common)
    if not conflicts:
        return OpResult(op_id=op.op_id, status="applied", version=version)
    current = rows.fetch_one(conn, op.table, op.row_id)
    assert current is not None
    return OpResult(
        op_id=op.op_id,
        status="conflict",
        version=version,
        conflicts=conflicts,
        row=rows.to_server_row(current, hidden_fields(writer.principal, op.table)),
    )


def _constraint_reason(exc: psycopg.errors.IntegrityError) -> Rejected:
    name = exc.diag.constraint_name or ""
    if isinstance(exc, psycopg.errors.ForeignKeyViolation) and name.endswith("_fk"):
        field = name.split("_", 1)[1][: -len("_fk")] if "_" in name else None
        for table in SYNCED_TABLES:
            if name.startswith(f"{table}_"):
                field = name[len(table) + 1 : -len("_fk")]
        return Rejected(f"{field}: refers to a row that does not exist (push it first)", field)
    return Rejected(f"row: refused by the database ({name or type(exc).__name__})")


def apply_push(conn: Conn, request: PushRequest, writer: Writer) -> PushResponse:
    with rows.sequence(conn) as seq:
        op_ids = [op.op_id for op in request.ops]
        answered = {
            r["op_id"]: r["result"]
            for r in conn.execute(
                "SELECT op_id, result FROM applied_op WHERE op_id = ANY(%s)", (op_ids,)
            ).fetchall()
        }
        results: list[OpResult] = []
        for op in request.ops:
            if op.op_id in answered:
                results.append(OpResult.model_validate({**answered[op.op_id], "duplicate": True}))
                continue
            try:
                values = _validate(op, writer)
                with conn.transaction():
                    result = _apply(conn, seq, op, values, writer)
                    stored = result.model_dump(mode="json", exclude={"row", "duplicate"})
                    conn.execute(
                        "INSERT INTO applied_op (tenant_id, op_id, table_name, row_id, result) VALUES "
                        "(nullif(current_setting('app.tenant_id', true), '')::uuid, %s, %s, %s, %s)",
                        (op.op_id, op.table, op.row_id, Jsonb(stored)),
                    )
            except Rejected as exc:
                result = OpResult(op_id=op.op_id, status="rejected", reason=exc.reason, field=exc.field)
            except psycopg.errors.IntegrityError as exc:
                rejected = _constraint_reason(exc)
                result = OpResult(
                    op_id=op.op_id, status="rejected", reason=rejected.reason, field=rejected.field
                )
            if result.status != "rejected":
                answered[op.op_id] = json.loads(result.model_dump_json(exclude={"row", "duplicate"}))
            results.append(result)
    return PushResponse(results=results, server_seq=seq.last, epoch=seq.epoch)
