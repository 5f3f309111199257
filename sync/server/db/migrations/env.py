"""Alembic environment: always driven from ``sync.server.db.migrate`` with an open connection."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, version_table_schema="autolytiq_meta")
with context.begin_transaction():
    context.run_migrations()
