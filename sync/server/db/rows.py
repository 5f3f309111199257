"""Reading and writing rows of the synced tables, and the per-tenant sequence their versions come from.

Each write takes the next number of the dealership's sequence. The numbers come from the dealership's
row in ``tenant_seq``, locked for the rest of the writing transaction: a second writer waits for the
first to commit, so commit order equals sequence order and a reader paging by ``version`` never sees
number n+1 before n (a bare ``bigserial`` would allow that and make pulls skip rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from sync.protocol import ServerRow
from sync.schema import SYNCED_TABLES, SyncedTable
from sync.server.db.codec import to_wire
from sync.server.db.pool import Conn


class TenantNotFoundError(LookupError):
    pass


class Sequence:
    """The dealership's sequence, locked until the transaction ends; numbers are handed out in memory
    and the counter row is written once, at the end (see :func:`sequence`)."""

    LOCK_SQL = "SELECT last_seq, epoch FROM tenant_seq FOR UPDATE"

    def __init__(self, conn: Conn, locked: dict[str, Any] | None = None) -> None:
        """``locked``: the row of LOCK_SQL when the caller already ran it (e.g. in a pipeline)."""
        row = locked if locked is not None else conn.execute(self.LOCK_SQL).fetchone()
        if row is None:
            raise TenantNotFoundError("no sequence row for this dealership")
        self._conn = conn
        self.start: int = row["last_seq"]
        self.last: int = row["last_seq"]
        self.epoch: UUID = row["epoch"]

    def next(self) -> int:
        self.last += 1
        return self.last

    def flush(self) -> None:
        if self.last != self.start:
            self._conn.execute("UPDATE tenant_seq SET last_seq = %s", (self.last,))
            self.start = self.last


_open: dict[int, Sequence] = {}


@contextmanager
def sequence(conn: Conn, locked: dict[str, Any] | None = None) -> Iterator[Sequence]:
    """The transaction's sequence; nested uses share one, so numbers are never handed out twice."""
    existing = _open.get(id(conn))
    if existing is not None:
        yield existing
        return
    seq = Sequence(conn, locked)
    _open[id(conn)] = seq
    try:
        yield seq
        seq.flush()
    finally:
        del _open[id(conn)]


def read_sequence(conn: Conn) -> tuple[int, UUID]:
    row = conn.execute("SELECT last_seq, epoch FROM tenant_seq").fetchone()
    if row is None:
        raise TenantNotFoundError("no sequence row for this dealership")
    return row["last_seq"], row["epoch"]


@dataclass(slots=True)
class StoredRow:
    table: str
    id: UUID
    version: int
    deleted: bool
    values: dict[str, Any]
    field_versions: dict[str, int] = field(default_factory=dict)
    field_hlc: dict[str, str] = field(default_factory=dict)
    updated_by_device: str | None = None
    updated_by: UUID | None = None
    deleted_at: datetime | None = None


def _spec(table: str) -> SyncedTable:
    return SYNCED_TABLES[table]


def stored(table: str, record: dict[str, Any]) -> StoredRow:
    spec = _spec(table)
    return StoredRow(
        table=table,
        id=record["id"],
        version=record["version"],
        deleted=record["deleted"],
        values={name: record[name] for name in spec.fields},
        field_versions=record["field_versions"],
        field_hlc=record["field_hlc"],
        updated_by_device=record["updated_by_device"],
        updated_by=record["updated_by"],
        deleted_at=record["deleted_at"],
    )


@cache
def fetch_sql(table: str, lock: bool) -> str:
    """Rows by id (bind a list of ids); ``lock`` takes them FOR UPDATE, in id order."""
    query = f'SELECT * FROM "{table}" WHERE id = ANY(%s)'
    return query + " ORDER BY id FOR UPDATE" if lock else query


def fetch(conn: Conn, table: str, ids: Iterable[UUID], *, lock: bool = False) -> dict[UUID, StoredRow]:
    records = conn.execute(fetch_sql(table, lock), (list(ids),)).fetchall()
    return {r["id"]: stored(table, r) for r in records}


def fetch_one(conn: Conn, table: str, row_id: UUID, *, lock: bool = False) -> StoredRow | None:
    return fetch(conn, table, [row_id], lock=lock).get(row_id)


def insert(
    conn: Conn,
    table: str,
    row_id: UUID,
    values: dict[str, Any],
    *,
    seq: int,
    hlc: str,
    actor: UUID | None,
    device: str | None,
    deleted: bool = False,
) -> None:
    columns = list(values)
    names = [sql.Identifier(c) for c in columns]
    query = sql.SQL(
        "INSERT INTO {table} (tenant_id, id, {cols}version, field_versions, field_hlc, deleted, deleted_at, "
        "updated_by, updated_by_device) VALUES (nullif(current_setting('app.tenant_id', true), '')::uuid, "
        "%s, {vals}%s, %s, %s, %s, %s, %s, %s)"
    ).format(
        table=sql.Identifier(table),
        cols=sql.SQL("").join(sql.SQL("{}, ").format(n) for n in names),
        vals=sql.SQL("").join(sql.SQL("%s, ") for _ in names),
    )
    conn.execute(
        query,
        (
            row_id,
            *values.values(),
            seq,
            Jsonb(dict.fromkeys(columns, seq)),
            Jsonb(dict.fromkeys(columns, hlc)),
            deleted,
            datetime.now(UTC) if deleted else None,
            actor,
            device,
        ),
    )


def update(
    conn: Conn,
    table: str,
    row_id: UUID,
    values: dict[str, Any],
    *,
    seq: int,
    hlc: str,
    actor: UUID | None,
    device: str | None,
    deleted: bool | None = None,
) -> None:
    columns = list(values)
    sets: list[sql.Composable] = [sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns]
    params: list[Any] = list(values.values())
    if deleted is not None:
        sets.append(sql.SQL("deleted = %s, deleted_at = %s"))
        params += [deleted, datetime.now(UTC) if deleted else None]
    sets.append(
        sql.SQL(
            "version = %s, field_versions = field_versions || %s, field_hlc = field_hlc || %s, "
            "updated_at = now(), updated_by = %s, updated_by_device = %s"
        )
    )
    params += [seq, Jsonb(dict.fromkeys(columns, seq)), Jsonb(dict.fromkeys(columns, hlc)), actor, device]
    query = sql.SQL("UPDATE {} SET {} WHERE id = %s").format(sql.Identifier(table), sql.SQL(", ").join(sets))
    conn.execute(query, (*params, row_id))


def to_server_row(row: StoredRow, hidden: frozenset[str] = frozenset()) -> ServerRow:
    spec = _spec(row.table)
    fields = (
        {}
        if row.deleted
        else {
            name: to_wire(kind, row.values[name]) for name, kind in spec.fields.items() if name not in hidden
        }
    )
    # Built from values the database just returned, so pydantic validation would only repeat the work.
    return ServerRow.model_construct(
        table=row.table, row_id=row.id, version=row.version, deleted=row.deleted, fields=fields
    )


def to_wire_row(row: StoredRow, hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A row as plain JSON-ready data, shaped like ``ServerRow`` (for pages of many rows)."""
    spec = _spec(row.table)
    fields = (
        {}
        if row.deleted
        else {
            name: to_wire(kind, row.values[name]) for name, kind in spec.fields.items() if name not in hidden
        }
    )
    return {
        "table": row.table,
        "row_id": str(row.id),
        "version": row.version,
        "deleted": row.deleted,
        "fields": fields,
    }


def changes_since(conn: Conn, since: int, limit: int, tables: Iterable[str] | None = None) -> list[StoredRow]:
    """Up to ``limit`` rows with version > ``since`` across the synced tables (or only ``tables``: those
    the caller may see, so rows it would be refused are not read at all), in version order.

    Call inside a REPEATABLE READ transaction: the per-table queries must share one snapshot, or a
    commit landing between two of them could let a later number through before an earlier one.
    """
    # All tables' queries go out in one pipeline: one round trip, not one per table.
    cursors = []
    with conn.pipeline():
        for table in SYNCED_TABLES if tables is None else tables:
            cursor = conn.cursor()
            cursor.execute(_changes_sql(table), (since, limit))
            cursors.append((table, cursor))
    found: list[StoredRow] = []
    for table, cursor in cursors:
        names = SYNCED_TABLES[table].fields
        found += [
            StoredRow(
                table=table,
                id=r["id"],
                version=r["version"],
                deleted=r["deleted"],
                values={name: r[name] for name in names},
            )
            for r in cursor.fetchall()
        ]
        cursor.close()
    found.sort(key=lambda r: r.version)
    return found[:limit]


@cache
def _changes_sql(table: str) -> str:
    # Only what a pull sends: the per-field bookkeeping stays on the server.
    columns = ", ".join(f'"{name}"' for name in SYNCED_TABLES[table].fields)
    return (
        f'SELECT id, version, deleted, {columns} FROM "{table}" WHERE version > %s ORDER BY version LIMIT %s'
    )
