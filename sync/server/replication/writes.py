"""Writing a merged push batch set-wise: one statement per table and field set, whatever the batch size.

A statement receives its rows as one JSON array and expands it with ``jsonb_to_recordset``, so 500 new
rows are one ``INSERT ... SELECT``: one plan, one round trip, and the values are turned into column
types by PostgreSQL's own input functions. The alternatives cost more: one-row statements run 500 times
(per-statement overhead on both sides), or one array parameter per column (psycopg builds arrays
element by element in Python). ``COPY FROM`` is not an option: PostgreSQL refuses it for tables with
row-level security, and these tables have it forced.

The tenant comes from the transaction's ``app.tenant_id`` setting, as everywhere else: no statement
here names a tenant, so the policies stay the only thing that decides which rows a batch can reach.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any

from psycopg.types.json import Jsonb
from pydantic_core import to_json

from sync.schema import SYNCED_TABLES, FieldType
from sync.server.db.pool import Conn
from sync.server.db.rows import StoredRow

_TENANT = "nullif(current_setting('app.tenant_id', true), '')::uuid"

# Column type each catalogue type is read as from the JSON rows (strings for uuid, decimal and dates
# go through PostgreSQL's input functions, so decimals stay exact).
_SQL_TYPE: dict[FieldType, str] = {
    "text": "text",
    "uuid": "uuid",
    "int": "bigint",
    "decimal": "numeric",
    "date": "date",
    "datetime": "timestamptz",
    "bool": "boolean",
    "json": "jsonb",
}

# Bookkeeping every written row carries.
_BOOK: tuple[tuple[str, str], ...] = (
    ("version", "bigint"),
    ("field_versions", "jsonb"),
    ("field_hlc", "jsonb"),
    ("deleted", "boolean"),
    ("deleted_at", "timestamptz"),
    ("updated_by", "uuid"),
    ("updated_by_device", "text"),
)


def _jsonb_value(value: object) -> object:
    if isinstance(value, Jsonb):
        return value.obj
    raise TypeError(f"cannot send {type(value).__name__} to the database as JSON")


def _encode(records: Sequence[dict[str, Any]]) -> str:
    """Rows as one JSON array, by pydantic-core's serialiser: UUIDs, exact decimals (as strings) and
    ISO 8601 dates come out as PostgreSQL's input functions read them, five times faster than ``json``."""
    return to_json(records, fallback=_jsonb_value).decode()


def _quoted(name: str) -> str:
    # Names come from the catalogue (identifiers we defined), never from a request.
    return '"' + name.replace('"', '""') + '"'


def _recordset(columns: Sequence[tuple[str, str]]) -> str:
    definition = ", ".join(f"{_quoted(name)} {sql_type}" for name, sql_type in columns)
    return f"jsonb_to_recordset(%s::jsonb) AS v({definition})"


def _columns(table: str, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    kinds = SYNCED_TABLES[table].fields
    return [("id", "uuid"), *((name, _SQL_TYPE[kinds[name]]) for name in fields), *_BOOK]


@cache
def insert_sql(table: str, fields: tuple[str, ...]) -> str:
    columns = _columns(table, fields)
    names = ", ".join(_quoted(name) for name, _ in columns)
    reads = ", ".join(f"v.{_quoted(name)}" for name, _ in columns)
    source = _recordset(columns)
    return f"INSERT INTO {_quoted(table)} (tenant_id, {names}) SELECT {_TENANT}, {reads} FROM {source}"


@cache
def update_sql(table: str, fields: tuple[str, ...]) -> str:
    columns = _columns(table, fields)
    sets = ", ".join(f"{_quoted(name)} = v.{_quoted(name)}" for name, _ in columns[1:])
    return (
        f"UPDATE {_quoted(table)} AS t SET {sets}, updated_at = now() FROM {_recordset(columns)} "
        f'WHERE t.tenant_id = {_TENANT} AND t.id = v."id"'
    )


def _record(row: StoredRow, fields: tuple[str, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {name: row.values[name] for name in fields}
    record.update(
        id=row.id,
        version=row.version,
        field_versions=row.field_versions,
        field_hlc=row.field_hlc,
        deleted=row.deleted,
        deleted_at=row.deleted_at,
        updated_by=row.updated_by,
        updated_by_device=row.updated_by_device,
    )
    return record


def write_rows(conn: Conn, new: list[StoredRow], changed: list[tuple[StoredRow, set[str]]]) -> None:
    """Insert ``new`` rows (their non-null fields) and update ``changed`` rows (the named fields).

    Rows are grouped by table and by the set of fields written, so a batch of similar changes is one
    statement, and fields a row leaves unset cost nothing.
    """
    inserts: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = defaultdict(list)
    updates: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = defaultdict(list)
    for row in new:
        fields = tuple(name for name in SYNCED_TABLES[row.table].fields if row.values[name] is not None)
        inserts[(row.table, fields)].append(_record(row, fields))
    for row, names in changed:
        fields = tuple(name for name in SYNCED_TABLES[row.table].fields if name in names)
        updates[(row.table, fields)].append(_record(row, fields))
    for (table, fields), records in inserts.items():
        conn.execute(insert_sql(table, fields), (_encode(records),))
    for (table, fields), records in updates.items():
        conn.execute(update_sql(table, fields), (_encode(records),))


_CONFLICT_COLUMNS = (
    ("id", "uuid"),
    ("table_name", "text"),
    ("row_id", "uuid"),
    ("kind", "text"),
    ("field", "text"),
    ("winner_value", "jsonb"),
    ("loser_value", "jsonb"),
    ("winner_hlc", "text"),
    ("loser_hlc", "text"),
    ("losing_op_id", "uuid"),
    ("losing_device", "text"),
    ("losing_user", "uuid"),
)
_ANSWER_COLUMNS = (("op_id", "uuid"), ("table_name", "text"), ("row_id", "uuid"), ("result", "jsonb"))


def _insert_records_sql(table: str, columns: Sequence[tuple[str, str]]) -> str:
    names = ", ".join(name for name, _ in columns)
    return f"INSERT INTO {table} (tenant_id, {names}) SELECT {_TENANT}, {names} FROM {_recordset(columns)}"


_CONFLICT_SQL = _insert_records_sql("sync_conflict", _CONFLICT_COLUMNS)
_ANSWER_SQL = _insert_records_sql("applied_op", _ANSWER_COLUMNS)


def write_conflicts(conn: Conn, conflicts: Sequence[dict[str, Any]]) -> None:
    """Conflict records, each a dict with the keys of ``_CONFLICT_COLUMNS`` (a null value reads back as
    None, as JSON null did)."""
    if conflicts:
        conn.execute(_CONFLICT_SQL, (_encode(conflicts),))


def write_answers(conn: Conn, answers: Sequence[dict[str, Any]]) -> None:
    """The answer to each op (``op_id``, ``table_name``, ``row_id``, ``result``), kept for repeated pushes."""
    if answers:
        conn.execute(_ANSWER_SQL, (_encode(answers),))
