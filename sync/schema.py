"""The catalogue of synced tables: one list of names and field types that both sides are built from.

The desktop store (``app.store``) and the central database (``sync.server``) each define their own
tables, and their tests check them against this catalogue, so a field exists under the same name and
type on both sides. Wire encoding of each type: ``text``/``uuid`` strings, ``int`` integers, ``decimal``
strings (exact), ``date`` ``YYYY-MM-DD``, ``datetime`` ISO 8601 with offset (UTC), ``bool``, ``json``
any JSON value.

``SCHEMA_VERSION`` rises whenever a field is added; a client sends its version with every push, and the
server refuses clients older than its minimum. A newer client never pushes fields the server lacks:
every table and field records the version that brought it (``since``), the client learns the server's
version (``/healthz``) and holds back, locally, what is newer, until the server has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

FieldType = Literal["text", "uuid", "int", "decimal", "date", "datetime", "bool", "json"]

SCHEMA_VERSION = 2
MIN_CLIENT_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class SyncedTable:
    name: str
    fields: dict[str, FieldType]
    # Tables the server owns (users, roles, the dealership's settings): desktops pull them but a
    # push that changes them is rejected; they change through the admin API.
    client_writable: bool = True
    # Append-only tables (audit): a push may insert, never update or delete.
    append_only: bool = False
    # The schema version that brought the table, and fields added after it with their own version.
    since: int = 1
    field_since: Mapping[str, int] = field(default_factory=dict)

    def since_of(self, name: str) -> int:
        return self.field_since.get(name, self.since)


SYNCED_TABLES: dict[str, SyncedTable] = {
    t.name: t
    for t in (
        SyncedTable(
            "dealership",
            {
                "name": "text",
                "address_line1": "text",
                "city": "text",
                "state": "text",
                "zip": "text",
                "county": "text",
                "timezone": "text",
                "settings": "json",
            },
            client_writable=False,
        ),
        SyncedTable(
            "app_user",
            {
                "email": "text",
                "display_name": "text",
                "roles": "json",
                "active": "bool",
            },
            client_writable=False,
        ),
        SyncedTable(
            "role",
            {"name": "text", "permissions": "json", "builtin": "bool"},
            client_writable=False,
        ),
        SyncedTable(
            "customer",
            {
                "first_name": "text",
                "last_name": "text",
                "email": "text",
                "phone": "text",
                "address_line1": "text",
                "address_line2": "text",
                "city": "text",
                "state": "text",
                "zip": "text",
                "county": "text",
                "credit_score": "int",
                "annual_income": "decimal",
                "source": "text",
                "assigned_user_id": "uuid",
                "notes": "text",
            },
        ),
        SyncedTable(
            "vehicle",
            {
                "vin": "text",
                "stock_number": "text",
                "model_year": "int",
                "make": "text",
                "model": "text",
                "trim": "text",
                "body": "text",
                "fuel": "text",
                "condition": "text",
                "mileage": "int",
                "color": "text",
                "cost": "decimal",
                "price": "decimal",
                "msrp": "decimal",
                "status": "text",
                "received_on": "date",
                "weight_lbs": "int",
                "city_mpg": "int",
            },
        ),
        SyncedTable(
            "lead",
            {
                "customer_id": "uuid",
                "vehicle_id": "uuid",
                "source": "text",
                "status": "text",
                "assigned_user_id": "uuid",
                "received_at": "datetime",
                "notes": "text",
            },
        ),
        SyncedTable(
            "deal",
            {
                "customer_id": "uuid",
                "vehicle_id": "uuid",
                "salesperson_id": "uuid",
                "manager_id": "uuid",
                "deal_number": "text",
                "status": "text",
                "deal_type": "text",
                "submitted_at": "datetime",
                "approved_at": "datetime",
                "closed_at": "datetime",
                "status_reason": "text",
                "front_gross": "decimal",
                "back_gross": "decimal",
                "selected_scenario_id": "uuid",
            },
        ),
        SyncedTable(
            "deal_scenario",
            {
                "deal_id": "uuid",
                "name": "text",
                "deal_type": "text",
                "inputs": "json",
                "last_quote": "json",
                "monthly_payment": "decimal",
            },
        ),
        SyncedTable(
            "activity",
            {
                "customer_id": "uuid",
                "deal_id": "uuid",
                "user_id": "uuid",
                "kind": "text",
                "subject": "text",
                "due_at": "datetime",
                "done_at": "datetime",
                "notes": "text",
            },
        ),
        SyncedTable(
            "ml_state",
            {"engine": "text", "state": "json", "saved_at": "datetime"},
        ),
        SyncedTable(
            "audit_event",
            {
                "actor_id": "uuid",
                "device_id": "text",
                "action": "text",
                "entity": "text",
                "entity_id": "uuid",
                "before": "json",
                "after": "json",
                "at": "datetime",
            },
            append_only=True,
        ),
        # Schema 2: the assistant's conversations, private to the user who had them (the server accepts
        # and hands out only the caller's own rows). Append-only: a chat line is never edited.
        SyncedTable(
            "assistant_conversation",
            {"user_id": "uuid", "title": "text", "started_at": "datetime"},
            append_only=True,
            since=2,
        ),
        SyncedTable(
            "assistant_message",
            {
                "conversation_id": "uuid",
                "user_id": "uuid",
                "role": "text",
                "content": "text",
                "tool_calls": "json",
                "sources": "json",
                "sent_at": "datetime",
            },
            append_only=True,
            since=2,
        ),
    )
}


def encode_value(kind: FieldType, value: object) -> object:
    """A Python value as it travels on the wire (see the module docstring for each type)."""
    from datetime import date, datetime
    from decimal import Decimal

    if value is None:
        return None
    if kind == "decimal":
        if not isinstance(value, Decimal):
            raise TypeError(f"decimal field needs a Decimal, got {type(value).__name__}")
        return str(value)
    if kind == "datetime":
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise TypeError("datetime field needs a timezone-aware datetime")
        return value.isoformat()
    if kind == "date":
        if not isinstance(value, date):
            raise TypeError("date field needs a date")
        return value.isoformat()
    return value


def decode_value(kind: FieldType, value: object) -> object:
    """The inverse of :func:`encode_value`; raises ``ValueError`` for a value of the wrong shape."""
    from datetime import date, datetime
    from decimal import Decimal, InvalidOperation

    if value is None:
        return None
    if kind == "decimal":
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"not a decimal: {value!r}") from None
        if not result.is_finite():
            raise ValueError("decimal must be finite")
        return result
    if kind == "datetime":
        parsed = datetime.fromisoformat(str(value))
        if parsed.tzinfo is None:
            raise ValueError("datetime must carry a UTC offset")
        return parsed
    if kind == "date":
        return date.fromisoformat(str(value))
    if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
        raise ValueError(f"not an integer: {value!r}")
    if kind == "bool" and not isinstance(value, bool):
        raise ValueError(f"not a boolean: {value!r}")
    if kind in ("text", "uuid") and not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value
