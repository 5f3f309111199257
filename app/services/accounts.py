"""Who works here and what each role may do, read for the admin screen.

Accounts and roles are created and changed on the sync server (it signs people in); the desktop only
shows the copies it has synced, so this service reads and never writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.policy import BUILTIN_ROLES, Permission
from app.services.base import Service
from app.store.models import AppUser, Role


@dataclass(frozen=True, slots=True)
class UserRow:
    id: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    active: bool


@dataclass(frozen=True, slots=True)
class RoleRow:
    name: str
    permissions: frozenset[str]
    builtin: bool


class AccountsService(Service):
    def users(self) -> list[UserRow]:
        with self.unit_of_work(Permission.ADMIN_USERS) as session:
            users = session.scalars(select(AppUser).order_by(AppUser.display_name)).all()
            return [
                UserRow(u.id, u.display_name, u.email, tuple(str(r) for r in u.roles), bool(u.active))
                for u in users
            ]

    def roles(self) -> list[RoleRow]:
        """Built-ins, then the dealership's own; a stored role of the same name wins (policy rule)."""
        with self.unit_of_work(Permission.ADMIN_ROLES) as session:
            stored = session.scalars(select(Role).order_by(Role.name)).all()
            table = {name: RoleRow(name, perms, True) for name, perms in BUILTIN_ROLES.items()}
            for role in stored:
                table[role.name] = RoleRow(
                    role.name, frozenset(str(p) for p in role.permissions), bool(role.builtin)
                )
        builtin = [table[name] for name in BUILTIN_ROLES]
        custom = sorted((r for r in table.values() if r.name not in BUILTIN_ROLES), key=lambda r: r.name)
        return builtin + custom
