"""A store as the app left it before history was synced: revision 0001 plus the assistant's own table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine, text

from app.ids import new_id
from app.store.migrate import alembic_config

OLD_TABLE = """
CREATE TABLE assistant_message (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    tenant_id VARCHAR(36) NOT NULL,
    user_id VARCHAR(36) NOT NULL,
    conversation_id VARCHAR(36) NOT NULL,
    role VARCHAR(10) NOT NULL,
    content TEXT NOT NULL,
    tool_calls JSON NOT NULL,
    sources JSON NOT NULL,
    created_at VARCHAR(40) NOT NULL
)
"""


def make_old_store(path: Path, *owners: tuple[str, str, str]) -> list[dict[str, Any]]:
    """A store at revision 0001 with, per (tenant, user, conversation), a question and its answer in the
    assistant's old, unsynced table; returns the lines as stored there."""
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text(OLD_TABLE))
        lines = [
            {
                "id": new_id(),
                "tenant_id": tenant_id,
                "user_id": user_id,
                "conversation_id": conversation_id,
                "role": role,
                "content": content,
                "tool_calls": json.dumps(calls),
                "sources": json.dumps(sources),
                "created_at": f"2026-11-2{index}T15:0{n}:00.000000+00:00",
            }
            for index, (tenant_id, user_id, conversation_id) in enumerate(owners)
            for n, (role, content, calls, sources) in enumerate(
                [
                    ("user", "Payment on stock A12 at 72 months?", [], []),
                    (
                        "assistant",
                        "It is $512.34 a month.",
                        [{"name": "quote_deal", "arguments": {"term": 72}, "result": {"payment": "512.34"}}],
                        [{"id": "desking.md#payments", "title": "Payments"}],
                    ),
                ]
            )
        ]
        for line in lines:
            connection.execute(
                text(
                    "INSERT INTO assistant_message VALUES (:id, :tenant_id, :user_id, :conversation_id, "
                    ":role, :content, :tool_calls, :sources, :created_at)"
                ),
                line,
            )
    engine.dispose()
    return lines
