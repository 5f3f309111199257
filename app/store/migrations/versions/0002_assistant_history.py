"""assistant history becomes synced store tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Until now the assistant kept its history in a table of its own (``assistant_message``, created by the
assistant, never synced). Conversations and messages are now ordinary synced tables of the store. A
store that has the old table keeps every line of it: each old conversation becomes a conversation row
(titled by its first question), each line a message with the same id, and every moved row is queued in
the outbox so it reaches the user's other devices with the next sync. No audit events are written for
the move: it is the app changing its schema, not anyone changing data.

Written against table descriptions of its own (not the app's models), so it never changes when they do.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import app.store.types
from app.ids import new_id

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TABLE = "assistant_message"
MOVED_TABLE = "assistant_message_0001"
TITLE_CHARS = 80
# The stamp node of rows queued by this migration; sorts like any device's stamps (``sync.hlc``).
HLC_NODE = "store-migration-0002"


def _bookkeeping() -> list[sa.Column[Any]]:
    return [
        sa.Column("server_version", sa.Integer(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", app.store.types.UtcDateTime(length=40), nullable=False),
        sa.Column("updated_at", app.store.types.UtcDateTime(length=40), nullable=False),
    ]


def _old_history_present() -> bool:
    inspector = sa.inspect(op.get_bind())
    if OLD_TABLE not in inspector.get_table_names():
        return False
    # The old table has no sync bookkeeping; the new one (same name) does.
    return "server_version" not in {c["name"] for c in inspector.get_columns(OLD_TABLE)}


def upgrade() -> None:
    moving = _old_history_present()
    if moving:
        # Out of the way of the new table of the same name; dropped once its rows are moved.
        op.rename_table(OLD_TABLE, MOVED_TABLE)
    op.create_table(
        "assistant_conversation",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("started_at", app.store.types.UtcDateTime(length=40), nullable=False),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assistant_conversation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assistant_conversation_owner", ["tenant_id", "user_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assistant_conversation_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "assistant_message",
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("tool_calls", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("sent_at", app.store.types.UtcDateTime(length=40), nullable=False),
        *_bookkeeping(),
        sa.ForeignKeyConstraint(["conversation_id"], ["assistant_conversation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assistant_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assistant_message_conversation", ["tenant_id", "conversation_id", "sent_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assistant_message_tenant_id"), ["tenant_id"], unique=False)

    if moving:
        _move_old_history()
        op.drop_table(MOVED_TABLE)


def _decoded(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return list(value) if isinstance(value, list) else []


def _move_old_history() -> None:
    bind = op.get_bind()
    old = bind.execute(
        sa.text(
            f"SELECT id, tenant_id, user_id, conversation_id, role, content, tool_calls, sources, created_at "
            f"FROM {MOVED_TABLE} ORDER BY tenant_id, created_at, id"
        )
    ).all()
    if not old:
        return
    conversations: dict[str, dict[str, Any]] = {}
    messages: list[dict[str, Any]] = []
    for row in old:
        sent_at = str(row.created_at)  # already UTC ISO 8601 text, exactly as the new column stores it
        conversation = conversations.get(row.conversation_id)
        if conversation is None:
            conversation = conversations[row.conversation_id] = {
                "id": row.conversation_id,
                "tenant_id": row.tenant_id,
                "user_id": row.user_id,
                "title": "",
                "started_at": sent_at,
            }
        if not conversation["title"] and row.role == "user":
            conversation["title"] = " ".join(str(row.content).split())[:TITLE_CHARS]
        messages.append(
            {
                "id": row.id,
                "tenant_id": row.tenant_id,
                "conversation_id": row.conversation_id,
                "user_id": row.user_id,
                "role": row.role,
                "content": row.content,
                "tool_calls": _decoded(row.tool_calls),
                "sources": _decoded(row.sources),
                "sent_at": sent_at,
            }
        )
    for conversation in conversations.values():
        conversation["title"] = conversation["title"] or "Conversation"
    _insert("assistant_conversation", list(conversations.values()))
    _insert("assistant_message", messages)
    _queue(
        [("assistant_conversation", c, ("user_id", "title", "started_at")) for c in conversations.values()]
        + [
            (
                "assistant_message",
                m,
                ("conversation_id", "user_id", "role", "content", "tool_calls", "sources", "sent_at"),
            )
            for m in messages
        ]
    )


def _insert(table: str, rows: list[dict[str, Any]]) -> None:
    """Raw rows into a new table; the time columns take the old text as it is."""
    bind = op.get_bind()
    for row in rows:
        values = {**row, "created_at": row.get("started_at") or row["sent_at"], "server_version": None}
        values["updated_at"] = values["created_at"]
        for name in ("tool_calls", "sources"):
            if name in values:
                values[name] = json.dumps(values[name])
        names = list(values)
        bind.execute(
            sa.text(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"),
            values,
        )


def _queue(rows: list[tuple[str, dict[str, Any], tuple[str, ...]]]) -> None:
    """One outbox op per moved row (conversations first, so a message never arrives before its
    conversation), numbered after whatever each dealership already has waiting."""
    bind = op.get_bind()
    next_seq: dict[str, int] = {}
    for tenant_id, highest in bind.execute(
        sa.text("SELECT tenant_id, max(seq) FROM outbox GROUP BY tenant_id")
    ):
        next_seq[tenant_id] = int(highest or 0) + 1
    now_ms = time.time_ns() // 1_000_000
    for counter, (table, row, fields) in enumerate(rows):
        tenant_id = row["tenant_id"]
        seq = next_seq.get(tenant_id, 1)
        next_seq[tenant_id] = seq + 1
        now = row.get("started_at") or row["sent_at"]
        bind.execute(
            sa.text(
                "INSERT INTO outbox (id, tenant_id, created_at, updated_at, seq, table_name, row_id, kind, "
                "fields, base_version, hlc, attempts) VALUES (:id, :tenant_id, :now, :now, :seq, :table, "
                ":row_id, 'upsert', :fields, NULL, :hlc, 0)"
            ),
            {
                "id": new_id(),
                "tenant_id": tenant_id,
                "now": now,
                "seq": seq,
                "table": table,
                "row_id": row["id"],
                "fields": json.dumps({name: row[name] for name in fields}),
                "hlc": f"{now_ms}-{counter}-{HLC_NODE}",
            },
        )


def downgrade() -> None:
    # History written since the upgrade stays with the synced tables' data on the server; locally the
    # assistant recreates its old table when it next opens the store.
    op.drop_table("assistant_message")
    op.drop_table("assistant_conversation")
