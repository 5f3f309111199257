"""`autolytiq-server migrate`: roles, then the Alembic revisions, run as the owner role.

Safe to run repeatedly and from several processes at once: an advisory lock serialises them.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from sync.server.settings import OWNER_ROLE, SERVICE_ROLE

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_ADVISORY_LOCK = 0x4175746F  # "Auto": any constant shared by every migrating process


def ensure_roles(admin_conninfo: str, service_password: str) -> None:
    """Create the owner (no login) and service (login, no privileges beyond rows) roles."""
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK,))
        try:
            existing = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles").fetchall()}
            if OWNER_ROLE not in existing:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(OWNER_ROLE)))
            if SERVICE_ROLE not in existing:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(SERVICE_ROLE)))
            # Re-asserted every time, so a role someone altered by hand is put back.
            conn.execute(
                sql.SQL(
                    "ALTER ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT "
                    "PASSWORD {}"
                ).format(sql.Identifier(SERVICE_ROLE), sql.Literal(service_password))
            )
            me = conn.execute("SELECT current_user").fetchone()
            assert me is not None
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(OWNER_ROLE), sql.Identifier(me[0])))
            conn.execute(
                sql.SQL("GRANT CREATE, USAGE ON SCHEMA public TO {}").format(sql.Identifier(OWNER_ROLE))
            )
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS autolytiq_meta AUTHORIZATION {}").format(
                    sql.Identifier(OWNER_ROLE)
                )
            )
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK,))


def upgrade(admin_conninfo: str, service_password: str, revision: str = "head") -> None:
    ensure_roles(admin_conninfo, service_password)
    engine = create_engine(
        "postgresql+psycopg://", creator=lambda: psycopg.connect(admin_conninfo), poolclass=NullPool
    )
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})")
            # Tables created in this transaction belong to the owner role, not to whoever ran migrate.
            conn.exec_driver_sql(f'SET LOCAL ROLE "{OWNER_ROLE}"')
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def current_revision(admin_conninfo: str) -> str | None:
    with psycopg.connect(admin_conninfo) as conn:
        row = conn.execute("SELECT to_regclass('autolytiq_meta.alembic_version') IS NOT NULL").fetchone()
        if not row or not row[0]:
            return None
        version = conn.execute("SELECT version_num FROM autolytiq_meta.alembic_version").fetchone()
        return None if version is None else str(version[0])
