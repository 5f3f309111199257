"""Audit events: every state change on the server writes one, in the same transaction as the change.

Events are rows of the synced, append-only ``audit_event`` table, so desktops pull them too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from app.ids import uuid7
from sync.server.clock import server_hlc
from sync.server.db import rows
from sync.server.db.pool import Conn


def record(
    conn: Conn,
    seq: rows.Sequence,
    *,
    actor: UUID | None,
    action: str,
    entity: str,
    entity_id: UUID | None,
    before: Any = None,
    after: Any = None,
    device: str | None = None,
) -> UUID:
    event_id = uuid7()
    rows.insert(
        conn,
        "audit_event",
        event_id,
        {
            "actor_id": actor,
            "device_id": device,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": Jsonb(before) if before is not None else None,
            "after": Jsonb(after) if after is not None else None,
            "at": datetime.now(UTC),
        },
        seq=seq.next(),
        hlc=server_hlc(),
        actor=actor,
        device=device,
    )
    return event_id
