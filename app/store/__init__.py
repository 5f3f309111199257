"""The local store: SQLite (WAL) via SQLAlchemy, migrated on open, every session scoped to one tenant."""
