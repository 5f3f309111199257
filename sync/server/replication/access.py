"""Which permission each synced change needs, from the one policy module.

A permission missing for an op rejects that op alone; the rest of the batch goes on.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import JsonValue

from app.policy import Permission, Principal

WRITE: dict[str, str] = {
    "customer": Permission.CUSTOMERS_EDIT,
    "vehicle": Permission.INVENTORY_EDIT,
    "lead": Permission.LEADS_EDIT,
    "deal": Permission.DEALS_EDIT,
    "deal_scenario": Permission.DESK_QUOTE,
    "activity": Permission.CUSTOMERS_EDIT,
    "ml_state": Permission.SYNC_USE,
    "audit_event": Permission.SYNC_USE,
    "assistant_conversation": Permission.ASSISTANT_USE,
    "assistant_message": Permission.ASSISTANT_USE,
}
DELETE: dict[str, str] = {**WRITE, "customer": Permission.CUSTOMERS_DELETE}

# Moving a deal along its state machine is a decision of its own.
DEAL_STATUS: dict[str, str] = {
    "submitted": Permission.DEALS_SUBMIT,
    "approved": Permission.DEALS_APPROVE,
    "closed": Permission.DEALS_CLOSE,
}

# Fields a user without the permission does not receive on pull (dealer cost and gross).
HIDDEN_WITHOUT: dict[str, dict[str, str]] = {
    "vehicle": {"cost": Permission.COSTS_VIEW},
    "deal": {"front_gross": Permission.COSTS_VIEW, "back_gross": Permission.COSTS_VIEW},
}


def missing_permission(
    principal: Principal, table: str, kind: str, fields: Mapping[str, JsonValue]
) -> str | None:
    needed = [DELETE[table] if kind == "delete" else WRITE[table]]
    if table == "deal" and isinstance(fields.get("status"), str):
        status_permission = DEAL_STATUS.get(str(fields["status"]))
        if status_permission:
            needed.append(status_permission)
    for table_fields in (HIDDEN_WITHOUT.get(table, {}),):
        needed += [perm for name, perm in table_fields.items() if name in fields]
    for permission in needed:
        if not principal.can(permission):
            return permission
    return None


# Whole tables a user without the permission does not receive on pull.
TABLE_NEEDS: dict[str, str] = {"audit_event": Permission.AUDIT_VIEW}


def may_pull(principal: Principal, table: str) -> bool:
    needed = TABLE_NEEDS.get(table)
    return needed is None or principal.can(needed)


def hidden_fields(principal: Principal, table: str) -> frozenset[str]:
    return frozenset(name for name, perm in HIDDEN_WITHOUT.get(table, {}).items() if not principal.can(perm))


# Rows that belong to one user (assistant chats), by the field naming them: only that user pushes or
# pulls them (Principal.owns).
OWNER_FIELD: dict[str, str] = {"assistant_conversation": "user_id", "assistant_message": "user_id"}


def not_own_row(principal: Principal, table: str, fields: Mapping[str, JsonValue]) -> str | None:
    """Why a pushed row of a per-user table is refused (it names someone else, or no one), or None."""
    owner = OWNER_FIELD.get(table)
    if owner is None or principal.owns(str(fields.get(owner)).lower()):
        return None
    return f"{owner}: {table} rows can only be written by the user they belong to"


def may_pull_row(principal: Principal, table: str, values: Mapping[str, object]) -> bool:
    """Whether a pull hands this row to the caller: tables they may see, and only their own private rows."""
    if not may_pull(principal, table):
        return False
    owner = OWNER_FIELD.get(table)
    return owner is None or principal.owns(values.get(owner))
