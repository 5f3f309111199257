"""The one permission policy: the desktop uses it to hide what a user may not do, the server to refuse it.

Pure Python with no imports of ours, so both the desktop and ``sync.server`` can depend on it.
Permissions are plain strings (``deals.approve``); a role is a named set of them. Custom roles a
dealership defines are stored as data and checked by the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    CUSTOMERS_VIEW = "customers.view"
    CUSTOMERS_EDIT = "customers.edit"
    CUSTOMERS_DELETE = "customers.delete"
    INVENTORY_VIEW = "inventory.view"
    INVENTORY_EDIT = "inventory.edit"
    COSTS_VIEW = "costs.view"
    LEADS_VIEW = "leads.view"
    LEADS_EDIT = "leads.edit"
    LEADS_ASSIGN = "leads.assign"
    DEALS_VIEW = "deals.view"
    DEALS_VIEW_ALL = "deals.view_all"
    DEALS_EDIT = "deals.edit"
    DEALS_SUBMIT = "deals.submit"
    DEALS_APPROVE = "deals.approve"
    DEALS_CLOSE = "deals.close"
    DESK_QUOTE = "desk.quote"
    DESK_OVERRIDE_TAX = "desk.override_tax"
    DASHBOARD_VIEW = "dashboard.view"
    TEAM_VIEW = "team.view"
    ASSISTANT_USE = "assistant.use"
    SYNC_USE = "sync.use"  # push and pull through the sync service
    SYNC_RESOLVE_CONFLICTS = "sync.resolve_conflicts"
    ADMIN_USERS = "admin.users"
    ADMIN_ROLES = "admin.roles"
    ADMIN_SETTINGS = "admin.settings"
    AUDIT_VIEW = "audit.view"


ALL_PERMISSIONS: frozenset[str] = frozenset(p.value for p in Permission)

_SALES = frozenset(
    {
        Permission.CUSTOMERS_VIEW,
        Permission.CUSTOMERS_EDIT,
        Permission.INVENTORY_VIEW,
        Permission.LEADS_VIEW,
        Permission.LEADS_EDIT,
        Permission.DEALS_VIEW,
        Permission.DEALS_EDIT,
        Permission.DEALS_SUBMIT,
        Permission.DESK_QUOTE,
        Permission.ASSISTANT_USE,
        Permission.SYNC_USE,
    }
)
_MANAGER = _SALES | {
    Permission.CUSTOMERS_DELETE,
    Permission.INVENTORY_EDIT,
    Permission.COSTS_VIEW,
    Permission.LEADS_ASSIGN,
    Permission.DEALS_VIEW_ALL,
    Permission.DEALS_APPROVE,
    Permission.DEALS_CLOSE,
    Permission.DESK_OVERRIDE_TAX,
    Permission.DASHBOARD_VIEW,
    Permission.TEAM_VIEW,
    Permission.SYNC_RESOLVE_CONFLICTS,
    Permission.AUDIT_VIEW,
}

BUILTIN_ROLES: dict[str, frozenset[str]] = {
    "admin": ALL_PERMISSIONS,
    "general_manager": frozenset(_MANAGER | {Permission.ADMIN_SETTINGS}),
    "sales_manager": frozenset(_MANAGER),
    "finance_manager": frozenset(
        _SALES | {Permission.COSTS_VIEW, Permission.DEALS_VIEW_ALL, Permission.DEALS_CLOSE}
    ),
    "salesperson": frozenset(_SALES),
    "bdc": frozenset(
        {
            Permission.CUSTOMERS_VIEW,
            Permission.CUSTOMERS_EDIT,
            Permission.LEADS_VIEW,
            Permission.LEADS_EDIT,
            Permission.INVENTORY_VIEW,
            Permission.ASSISTANT_USE,
            Permission.SYNC_USE,
        }
    ),
}

# Roles whose holders can approve money or change who may do what: they must use a second factor.
MFA_REQUIRED_PERMISSIONS: frozenset[str] = frozenset(
    {Permission.ADMIN_USERS, Permission.ADMIN_ROLES, Permission.ADMIN_SETTINGS, Permission.DEALS_APPROVE}
)


class PermissionDeniedError(PermissionError):
    def __init__(self, permission: str) -> None:
        super().__init__(f"permission required: {permission}")
        self.permission = permission


def validate_permissions(permissions: Iterable[str]) -> frozenset[str]:
    """Permission strings for a custom role; unknown strings are refused, not silently kept."""
    granted = frozenset(permissions)
    unknown = sorted(granted - ALL_PERMISSIONS)
    if unknown:
        raise ValueError(f"permissions: unknown permission(s) {', '.join(unknown)}")
    return granted


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: the user, their dealership, and what their roles grant."""

    user_id: str
    tenant_id: str
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise PermissionDeniedError(permission)

    @property
    def mfa_required(self) -> bool:
        return bool(self.permissions & MFA_REQUIRED_PERMISSIONS)

    def owns(self, owner_id: object) -> bool:
        """The rule for private rows (assistant chats): only the user a row names reads, continues or
        syncs it. No permission reaches past it, a manager's included: nothing gives a chat to the team."""
        return str(owner_id) == self.user_id


def permissions_for_roles(
    role_names: Iterable[str], custom_roles: dict[str, frozenset[str]] | None = None
) -> frozenset[str]:
    """Union of what the named roles grant; custom roles of the dealership override built-ins by name."""
    table = {**BUILTIN_ROLES, **(custom_roles or {})}
    granted: set[str] = set()
    for name in role_names:
        if name not in table:
            raise ValueError(f"roles: unknown role {name!r}")
        granted |= table[name]
    return frozenset(granted)
