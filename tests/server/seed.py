"""A row in every table for one dealership, written as the service role (used by the isolation tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from psycopg.types.json import Jsonb

from app.ids import uuid7
from sync.server.db import rows
from sync.server.db.pool import Conn

DOMAIN_ROWS: dict[str, dict[str, object]] = {
    "customer": {"first_name": "Ana", "last_name": "Lopez"},
    "vehicle": {"vin": "1HGCM82633A004352", "price": 25000},
    "lead": {"source": "web"},
    "deal": {"status": "draft"},
    "deal_scenario": {"name": "cash"},
    "activity": {"kind": "call"},
    "ml_state": {"engine": "whaco", "state": Jsonb({})},
    "assistant_conversation": {"title": "Payment at 72 months"},
    "assistant_message": {"role": "user", "content": "What is the payment at 72 months?"},
}


def seed_everything(conn: Conn, user_id: UUID) -> dict[str, UUID]:
    """Fill every table (besides those create-tenant fills) and return the ids written, per table."""
    ids: dict[str, UUID] = {}
    with rows.sequence(conn) as seq:
        for table, values in DOMAIN_ROWS.items():
            ids[table] = uuid7()
            extra: dict[str, object] = {}
            if table in ("lead", "deal"):
                extra = {"customer_id": ids["customer"], "vehicle_id": ids["vehicle"]}
            if table == "deal_scenario":
                extra = {"deal_id": ids["deal"]}
            if table == "activity":
                extra = {"customer_id": ids["customer"], "deal_id": ids["deal"], "user_id": user_id}
            if table == "assistant_conversation":
                extra = {"user_id": user_id}
            if table == "assistant_message":
                extra = {"conversation_id": ids["assistant_conversation"], "user_id": user_id}
            rows.insert(
                conn,
                table,
                ids[table],
                {**values, **extra},
                seq=seq.next(),
                hlc="1-0-seed",
                actor=user_id,
                device="seed",
            )
    session_id = uuid7()
    conn.execute(
        "INSERT INTO auth_session (tenant_id, id, user_id, device_id) "
        "VALUES (nullif(current_setting('app.tenant_id'), '')::uuid, %s, %s, 'seed')",
        (session_id, user_id),
    )
    ids["auth_session"] = session_id
    later = datetime.now(UTC) + timedelta(days=1)
    conn.execute(
        "INSERT INTO refresh_token (tenant_id, token_hash, session_id, expires_at) "
        "VALUES (nullif(current_setting('app.tenant_id'), '')::uuid, %s, %s, %s)",
        (uuid4().hex, session_id, later),
    )
    conn.execute(
        "INSERT INTO one_time_token (tenant_id, token_hash, user_id, purpose, expires_at) "
        "VALUES (nullif(current_setting('app.tenant_id'), '')::uuid, %s, %s, 'password_reset', %s)",
        (uuid4().hex, user_id, later),
    )
    conn.execute(
        "INSERT INTO backup_code (tenant_id, user_id, code_hash) "
        "VALUES (nullif(current_setting('app.tenant_id'), '')::uuid, %s, %s)",
        (user_id, uuid4().hex),
    )
    conflict_id = uuid7()
    conn.execute(
        "INSERT INTO sync_conflict (tenant_id, id, table_name, row_id, kind, field) "
        "VALUES (nullif(current_setting('app.tenant_id'), '')::uuid, %s, 'customer', %s, 'field', 'email')",
        (conflict_id, ids["customer"]),
    )
    ids["sync_conflict"] = conflict_id
    op_id = uuid7()
    conn.execute(
        "INSERT INTO applied_op (tenant_id, op_id, table_name, row_id, result) "
        "VALUES (nullif(current_setting('app.tenant_id'), '')::uuid, %s, 'customer', %s, '{}')",
        (op_id, ids["customer"]),
    )
    return ids
