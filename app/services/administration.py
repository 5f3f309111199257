"""Users, roles and the dealership's settings, read and changed for the admin screen.

Where a change goes depends on how the app runs:

- **Signed in** (``Mode.SERVER``): accounts, roles and settings belong to the sync server, so every
  change is a call to its admin API (:mod:`sync.client.admin_api`), which checks the caller's permission
  again and audits the change; desks receive it on their next pull. Invited people get their
  invitation token by e-mail from the server. When the server cannot be reached, or this session was
  unlocked offline, nothing can be changed and the screen shows the copy last synced with
  :data:`SIGN_IN_NOTE`.
- **Demo** (``Mode.LOCAL``): there is no server, so users, custom roles and settings are changed in the
  local store (the demo stays useful to try the screen out). The store's change capture writes an audit
  event for each change, as for any other edit. No invitation is sent; the user simply exists.
- **Neither** (``Mode.READ_ONLY``, a store opened without a connection): read-only, with the same note.

Every call checks its permission through :mod:`app.policy` first; bad input raises
:class:`~app.errors.ValidationError` naming the field before anything is sent or saved.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlalchemy import select

from app.errors import AppError, ConflictError, NotFoundError, ValidationError
from app.policy import BUILTIN_ROLES, Permission, Principal, validate_permissions
from app.services import fields
from app.services.accounts import AccountsService, RoleRow, UserRow
from app.services.settings import SettingEntry, SettingsService, parse_entries
from app.services.settings_server import parse_server_entries, server_entries
from app.store.database import Actor, Store
from app.store.models import AppUser, Role
from sync.client.admin_api import AdminApi, AdminRefusedError, AdminRole, AdminUser, ServerSettings
from sync.client.transport import AuthRequiredError, OfflineError, ProtocolError

if TYPE_CHECKING:
    from app.runtime import AppContext

T = TypeVar("T")

SIGN_IN_NOTE = (
    "Sign in to the dealership server to manage users, roles and settings. "
    "Shown here is the copy last synced to this desk."
)
DEMO_NOTE = (
    "Demo dealership: there is no server, so changes here are made on this computer only "
    "(audited like any other change). In a real dealership they are made on the dealership server."
)
SERVER_NOTE = (
    "Connected to the dealership server: changes take effect there and reach every desk on its next sync."
)
RETRY_AFTER_S = 30.0
_ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Mode(StrEnum):
    SERVER = "server"
    LOCAL = "local"
    READ_ONLY = "read_only"


class AdminUnavailableError(AppError):
    """The server is needed for this change and cannot be used now (offline, or not signed in to it)."""


class RefusedError(AppError):
    """The server refused a change for a reason that is not one field's (e.g. a permission)."""


@dataclass(frozen=True, slots=True)
class Listing(Generic[T]):
    """What the screen shows: the rows, whether they can be changed now, and a note saying where from."""

    rows: list[T]
    editable: bool
    note: str


def _user_row(user: AdminUser) -> UserRow:
    return UserRow(user.id, user.display_name or user.email, user.email, user.roles, user.active)


def _role_row(role: AdminRole) -> RoleRow:
    return RoleRow(role.name, role.permissions, role.builtin)


def _refused(error: AdminRefusedError) -> AppError:
    message = error.detail
    if error.field and message.startswith(f"{error.field}: "):
        message = message[len(error.field) + 2 :]
    if error.field and error.status in (400, 404, 409, 422):
        return ValidationError(error.field, message)
    return RefusedError(f"the server refused: {message}")


class AdministrationService:
    def __init__(self, store: Store, principal: Principal, api: AdminApi | None, *, local: bool) -> None:
        self.store = store
        self.principal = principal
        self.api = api
        self.mode = Mode.SERVER if api is not None else Mode.LOCAL if local else Mode.READ_ONLY
        self._accounts = AccountsService(store, principal)
        self._role_ids: dict[str, str] = {}
        # After the server failed to answer, listings show the local copy for a while instead of each
        # waiting out its own timeout (the screen reads four of them when it opens). Changes still try.
        self._unreachable: tuple[float, str] | None = None

    @property
    def _actor(self) -> Actor:
        return Actor(self.principal.tenant_id, self.principal.user_id, self.store.device_id)

    def _call(self, request: Callable[[AdminApi], T]) -> T:
        """One admin API call, its failures turned into errors the screen can show."""
        if self.api is None:
            raise AdminUnavailableError(SIGN_IN_NOTE)
        try:
            answer = request(self.api)
        except AdminRefusedError as error:
            raise _refused(error) from error
        except AuthRequiredError as error:
            raise self._unavailable(SIGN_IN_NOTE) from error
        except OfflineError as error:
            raise self._unavailable(
                f"The dealership server cannot be reached ({error}); nothing was changed. {SIGN_IN_NOTE}"
            ) from error
        except ProtocolError as error:
            raise RefusedError(f"the server's answer was not understood: {error}") from error
        self._unreachable = None
        return answer

    def _unavailable(self, message: str) -> AdminUnavailableError:
        self._unreachable = (time.monotonic() + RETRY_AFTER_S, message)
        return AdminUnavailableError(message)

    def _recently_unreachable(self) -> str | None:
        if self._unreachable is not None and time.monotonic() < self._unreachable[0]:
            return self._unreachable[1]
        return None

    def _listing(self, remote: Callable[[], list[T]], local: Callable[[], list[T]]) -> Listing[T]:
        if self.mode is Mode.LOCAL:
            return Listing(local(), True, DEMO_NOTE)
        if self.mode is Mode.SERVER:
            known = self._recently_unreachable()
            if known is not None:
                return Listing(local(), False, known)
            try:
                return Listing(remote(), True, SERVER_NOTE)
            except AdminUnavailableError as error:
                return Listing(local(), False, str(error))
        return Listing(local(), False, SIGN_IN_NOTE)

    # ------------------------------------------------------------ users

    def users(self) -> Listing[UserRow]:
        self.principal.require(Permission.ADMIN_USERS)
        return self._listing(
            lambda: sorted(
                (_user_row(u) for u in self._call(lambda api: api.users())),
                key=lambda u: u.display_name.lower(),
            ),
            self._accounts.users,
        )

    def role_names(self) -> list[str]:
        """Roles a user can be given (built-ins first); needs only ``admin.users``."""
        self.principal.require(Permission.ADMIN_USERS)
        if self.mode is Mode.SERVER and self._recently_unreachable() is None:
            try:
                return [r.name for r in self._server_roles()]
            except AdminUnavailableError:
                pass
        with self.store.session(self._actor) as session:
            stored = [str(name) for name in session.scalars(select(Role.name).order_by(Role.name))]
        return list(BUILTIN_ROLES) + [name for name in stored if name not in BUILTIN_ROLES]

    def invite(self, email: str, display_name: str, roles: Sequence[str]) -> UserRow:
        """A new account; signed in, the server e-mails the person an invitation token."""
        self.principal.require(Permission.ADMIN_USERS)
        address = fields.email(email)
        if address is None:
            raise ValidationError("email", "is required")
        name = fields.required_text(display_name, "display_name", max_length=200)
        chosen = self._known_roles(roles)
        if self.mode is Mode.SERVER:
            return _user_row(self._call(lambda api: api.invite_user(address, name, chosen)))
        self._require_local()
        with self.store.session(self._actor) as session:
            if session.scalars(select(AppUser.id).where(AppUser.email == address)).first() is not None:
                raise ConflictError("email", f"{address} already has an account")
            user = AppUser(email=address, display_name=name, roles=chosen, active=True)
            session.add(user)
            session.flush()
            return UserRow(user.id, name, address, tuple(chosen), True)

    def change_roles(self, user_id: str, roles: Sequence[str]) -> UserRow:
        self.principal.require(Permission.ADMIN_USERS)
        chosen = self._known_roles(roles)
        if (
            user_id == self.principal.user_id
            and "admin" not in chosen
            and "admin" in self._current_roles(user_id)
        ):
            raise ValidationError("roles", "you cannot remove your own admin role")
        if self.mode is Mode.SERVER:
            return _user_row(self._call(lambda api: api.update_user(user_id, roles=chosen)))
        return self._local_user_update(user_id, roles=chosen)

    def set_active(self, user_id: str, active: bool) -> UserRow:
        """Deactivate (signed in: their sessions end at once) or reactivate a user."""
        self.principal.require(Permission.ADMIN_USERS)
        if user_id == self.principal.user_id:
            raise ValidationError("user", "you cannot deactivate or reactivate yourself")
        if self.mode is Mode.SERVER:
            return _user_row(
                self._call(
                    lambda api: api.reactivate_user(user_id) if active else api.deactivate_user(user_id)
                )
            )
        return self._local_user_update(user_id, active=active)

    def resend_invitation(self, user_id: str) -> None:
        self.principal.require(Permission.ADMIN_USERS)
        if self.mode is not Mode.SERVER:
            raise AdminUnavailableError("Invitations are e-mailed by the dealership server. " + SIGN_IN_NOTE)
        self._call(lambda api: api.resend_invitation(user_id))

    def _known_roles(self, roles: Sequence[str]) -> list[str]:
        chosen = sorted({r.strip() for r in roles if r.strip()})
        if not chosen:
            raise ValidationError("roles", "choose at least one role")
        known = set(self.role_names())
        unknown = [r for r in chosen if r not in known]
        if unknown:
            raise ValidationError("roles", f"unknown role(s) {', '.join(unknown)}")
        return chosen

    def _current_roles(self, user_id: str) -> tuple[str, ...]:
        return next((u.roles for u in self.users().rows if u.id == user_id), ())

    def _require_local(self) -> None:
        if self.mode is not Mode.LOCAL:
            raise AdminUnavailableError(SIGN_IN_NOTE)

    def _local_user_update(self, user_id: str, **values: object) -> UserRow:
        self._require_local()
        with self.store.session(self._actor) as session:
            user = session.get(AppUser, user_id)
            if user is None:
                raise NotFoundError("user", user_id)
            for key, value in values.items():
                setattr(user, key, value)
            return UserRow(
                user.id, user.display_name, user.email, tuple(str(r) for r in user.roles), bool(user.active)
            )

    # ------------------------------------------------------------ roles

    def roles(self) -> Listing[RoleRow]:
        self.principal.require(Permission.ADMIN_ROLES)
        return self._listing(lambda: [_role_row(r) for r in self._server_roles()], self._accounts.roles)

    def _server_roles(self) -> list[AdminRole]:
        found = self._call(lambda api: api.roles())
        self._role_ids = {r.name: r.id for r in found}
        builtin = [r for r in found if r.builtin]
        return builtin + sorted((r for r in found if not r.builtin), key=lambda r: r.name)

    def save_role(self, name: str, permissions: Sequence[str], *, new: bool = False) -> RoleRow:
        """Replace the permissions of custom role ``name`` (or create it); built-in roles are fixed.

        With ``new`` the role must not exist yet, so a typo cannot overwrite another role.
        """
        self.principal.require(Permission.ADMIN_ROLES)
        role_name = name.strip()
        if not _ROLE_NAME.match(role_name):
            raise ValidationError(
                "name", "a role name is lower-case letters, digits and _ , starting with a letter"
            )
        if role_name in BUILTIN_ROLES:
            raise ValidationError(
                "name", f"{role_name} is a built-in role and cannot be changed; create a custom role"
            )
        try:
            granted = sorted(validate_permissions(permissions))
        except ValueError as error:
            raise ValidationError("permissions", str(error).removeprefix("permissions: ")) from None
        if new and any(r.name == role_name for r in self.roles().rows):
            raise ValidationError("name", "a role with this name already exists")
        if self.mode is Mode.SERVER:
            self._server_roles()
            role_id = self._role_ids.get(role_name)
            saved = self._call(
                lambda api: (
                    api.update_role(role_id, granted) if role_id else api.create_role(role_name, granted)
                )
            )
            return _role_row(saved)
        self._require_local()
        with self.store.session(self._actor) as session:
            role = session.scalars(select(Role).where(Role.name == role_name)).first()
            if role is None:
                session.add(Role(name=role_name, permissions=granted, builtin=False))
            else:
                role.permissions = granted
        return RoleRow(role_name, frozenset(granted), False)

    def delete_role(self, name: str) -> None:
        """Remove a custom role; refused while anyone still holds it, and for built-in roles."""
        self.principal.require(Permission.ADMIN_ROLES)
        if name in BUILTIN_ROLES:
            raise ValidationError("role", f"{name} is a built-in role and cannot be removed")
        if self.mode is Mode.SERVER:
            self._server_roles()
            role_id = self._role_ids.get(name)
            if role_id is None:
                raise ValidationError("role", f"there is no role {name!r}")
            self._call(lambda api: api.delete_role(role_id))
            return
        self._require_local()
        with self.store.session(self._actor) as session:
            role = session.scalars(select(Role).where(Role.name == name)).first()
            if role is None:
                raise ValidationError("role", f"there is no role {name!r}")
            holders = [u for u in session.scalars(select(AppUser)) if name in (u.roles or [])]
            if holders:
                raise ValidationError("role", f"{len(holders)} user(s) still hold this role")
            session.delete(role)

    # ------------------------------------------------------------ dealership settings

    def settings(self) -> Listing[SettingEntry]:
        self.principal.require(Permission.ADMIN_SETTINGS)
        local = SettingsService(self.store, self.principal).entries
        return self._listing(lambda: server_entries(self._call(lambda api: api.dealership()).settings), local)

    def check_settings(self, entries: dict[str, str]) -> None:
        """Raise for the first bad pair, naming its key, without sending or saving anything."""
        self.principal.require(Permission.ADMIN_SETTINGS)
        if self.mode is Mode.SERVER:
            parse_server_entries(entries, ServerSettings())
        else:
            parse_entries(entries, {})

    def publish_settings(self, entries: dict[str, str]) -> list[SettingEntry]:
        """Replace the dealership's settings; a bad pair raises naming its key and nothing is sent or saved.

        Signed in, the answer is what the server now holds (read back from its reply to the PUT).
        """
        self.principal.require(Permission.ADMIN_SETTINGS)
        if self.mode is Mode.SERVER:
            profile = self._call(lambda api: api.dealership())
            wanted = parse_server_entries(entries, profile.settings)
            saved = self._call(lambda api: api.put_dealership(replace(profile, settings=wanted)))
            return server_entries(saved.settings)
        self._require_local()
        return SettingsService(self.store, self.principal).save(entries)


def administration_for(ctx: AppContext) -> AdministrationService:
    """The service for the running app: the server's admin API when signed in, else the local store."""
    api = None
    if ctx.connection is not None:
        api = AdminApi(ctx.connection.http, ctx.connection.auth.token_source())
    return AdministrationService(ctx.store, ctx.principal, api, local=ctx.demo is not None)
