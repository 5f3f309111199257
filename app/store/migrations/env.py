"""Alembic environment for the desktop store; the connection comes from ``app.store.migrate``."""

from __future__ import annotations

from alembic import context

from app.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through app.store.migrate, which passes the connection")

# render_as_batch: SQLite alters tables by copy-and-rename; Alembic's batch mode does that for us.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
