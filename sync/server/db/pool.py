"""The service's connection pool and the one way to open a transaction: scoped to a tenant.

The tenant is set with ``set_config('app.tenant_id', ..., true)`` as the transaction's first statement,
so it vanishes at COMMIT/ROLLBACK and can never leak to the next request on a pooled connection (a
session-level ``SET`` would).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

Conn = psycopg.Connection[DictRow]


def _reset(conn: psycopg.Connection[Any]) -> None:
    # Safety net for code that (wrongly) used a session-level SET: wipe it before reuse. Autocommit for
    # the one statement, so it costs a single round trip.
    conn.autocommit = True
    conn.execute("RESET ALL")
    conn.autocommit = False


class Database:
    def __init__(self, conninfo: str, *, min_size: int = 2, max_size: int = 20) -> None:
        self.pool: ConnectionPool[Conn] = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            kwargs={"row_factory": dict_row, "autocommit": False},
            reset=_reset,
            open=False,
            name="autolytiq",
        )

    def open(self) -> None:
        self.pool.open(wait=True, timeout=30)

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def tenant(self, tenant_id: UUID | str, *, snapshot: bool = False) -> Iterator[Conn]:
        """One transaction that sees and writes only ``tenant_id``'s rows; commits on normal exit.

        ``snapshot`` makes it a read-only REPEATABLE READ transaction: all its queries see one moment.
        """
        with self.pool.connection() as conn:
            if snapshot:
                # Sent with the BEGIN itself, so it costs no extra round trip.
                conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                conn.read_only = True
            try:
                conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
                yield conn
            finally:
                if snapshot:
                    _end_snapshot(conn)

    @contextmanager
    def login_lookup(self, email: str) -> Iterator[Conn]:
        """A transaction that can see the credential rows of one e-mail address across dealerships."""
        with self.pool.connection() as conn:
            conn.execute("SELECT set_config('app.login_email', %s, true)", (normalise_email(email),))
            yield conn

    def ping(self) -> bool:
        with self.pool.connection() as conn:
            return conn.execute("SELECT 1").fetchone() is not None


def _end_snapshot(conn: Conn) -> None:
    # Changing these needs no open transaction; end it first (commit, or roll back after an error).
    status = conn.info.transaction_status
    if status == psycopg.pq.TransactionStatus.INERROR:
        conn.rollback()
    elif status != psycopg.pq.TransactionStatus.IDLE:
        conn.commit()
    conn.isolation_level = None
    conn.read_only = None


def set_tenant(conn: Conn, tenant_id: UUID | str) -> None:
    """Switch an open login-lookup transaction to the dealership the credentials belong to."""
    conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))


def normalise_email(email: str) -> str:
    return email.strip().lower()
