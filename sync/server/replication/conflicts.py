"""Reviewing conflict records: list open ones, and settle each by keeping the winner or applying the loser."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sync.protocol import ConflictPage, ConflictRecord
from sync.schema import SYNCED_TABLES
from sync.server import audit
from sync.server.clock import server_hlc
from sync.server.db import rows
from sync.server.db.codec import FieldValueError, to_db
from sync.server.db.pool import Conn
from sync.server.errors import ConflictError, InvalidInputError, NotFoundError


def _record(r: dict[str, Any]) -> ConflictRecord:
    return ConflictRecord(
        id=r["id"],
        table=r["table_name"],
        row_id=r["row_id"],
        kind=r["kind"],
        field=r["field"],
        winner_value=r["winner_value"],
        loser_value=r["loser_value"],
        winner_hlc=r["winner_hlc"],
        loser_hlc=r["loser_hlc"],
        losing_op_id=r["losing_op_id"],
        losing_device=r["losing_device"],
        losing_user=r["losing_user"],
        created_at=r["created_at"],
        resolved_at=r["resolved_at"],
        resolution=r["resolution"],
    )


def list_conflicts(
    conn: Conn, *, open_only: bool, table: str | None, row_id: UUID | None, after: UUID | None, limit: int
) -> ConflictPage:
    clauses: list[str] = ["TRUE"]
    params: list[object] = []
    if open_only:
        clauses.append("resolved_at IS NULL")
    if table:
        clauses.append("table_name = %s")
        params.append(table)
    if row_id:
        clauses.append("row_id = %s")
        params.append(row_id)
    if after:
        clauses.append("id > %s")
        params.append(after)
    found = conn.execute(
        f"SELECT * FROM sync_conflict WHERE {' AND '.join(clauses)} ORDER BY id LIMIT %s",
        (*params, limit + 1),
    ).fetchall()
    page = [_record(r) for r in found[:limit]]
    return ConflictPage(conflicts=page, next_cursor=str(page[-1].id) if len(found) > limit else None)


def resolve(conn: Conn, conflict_id: UUID, choice: str, *, actor: UUID, device: str) -> ConflictRecord:
    found = conn.execute("SELECT * FROM sync_conflict WHERE id = %s FOR UPDATE", (conflict_id,)).fetchone()
    if found is None:
        raise NotFoundError("conflict_id: no such conflict", field="conflict_id")
    if found["resolved_at"] is not None:
        raise ConflictError("conflict_id: already resolved", field="conflict_id")
    table, row_id = found["table_name"], found["row_id"]
    spec = SYNCED_TABLES[table]
    with rows.sequence(conn) as seq:
        if choice == "apply_loser":
            row = rows.fetch_one(conn, table, row_id, lock=True)
            if row is None:
                raise NotFoundError("row: the row no longer exists")
            if found["kind"] == "field":
                changes = {found["field"]: found["loser_value"]}
            else:
                changes = dict(found["loser_value"] or {})
            try:
                values = {name: to_db(name, spec.fields[name], value) for name, value in changes.items()}
            except (FieldValueError, KeyError) as exc:
                raise InvalidInputError(f"conflict: the losing value cannot be applied ({exc})") from None
            if row.deleted and found["kind"] == "field":
                raise ConflictError("row: deleted since; restore it first")
            rows.update(
                conn,
                table,
                row_id,
                values,
                seq=seq.next(),
                hlc=server_hlc(),
                actor=actor,
                device=device,
                deleted=False if row.deleted else None,
            )
        conn.execute(
            "UPDATE sync_conflict SET resolved_at = now(), resolved_by = %s, resolution = %s WHERE id = %s",
            (actor, choice, conflict_id),
        )
        audit.record(
            conn,
            seq,
            actor=actor,
            action="sync.conflict_resolved",
            entity=table,
            entity_id=row_id,
            before={"conflict_id": str(conflict_id), "winner_value": found["winner_value"]},
            after={"choice": choice, "loser_value": found["loser_value"]},
            device=device,
        )
    updated = conn.execute("SELECT * FROM sync_conflict WHERE id = %s", (conflict_id,)).fetchone()
    assert updated is not None
    return _record(updated)
