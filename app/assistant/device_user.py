"""Who ``autolytiq ask`` (without ``--demo``) asks as: the user last signed in on this device.

The desktop keeps that user's refresh token in the OS keyring. With it the command signs the user back
in (the server confirms the session and says what their roles allow today). If the server cannot be
reached, the token is still there and the user's last online sign-in here is within the offline grace
period, the command runs offline with the permissions of that sign-in, as an offline unlock would.
Anything else — no server configured, no store on this device, no token (never signed in, signed out,
or kept in memory only), a token the server refused — means the user has to sign in in the app first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from app.auth.secrets import SecretStore
from app.auth.session import LAST_USER_KEY, REFRESH_KEY, AuthSession
from app.config import Settings, data_dir
from app.policy import Principal
from app.store.database import Store
from app.store.models import LocalCredential
from sync.client.auth_api import AuthApi, AuthRefusedError
from sync.client.transport import SyncError

STORE_FILE = "autolytiq.sqlite3"  # the file ``app.runtime.open_device_store`` opens


class NotSignedInError(Exception):
    """No usable sign-in on this device; the message says what to do."""


@dataclass(frozen=True, slots=True)
class DeviceUser:
    principal: Principal
    email: str
    online: bool


def _sign_in_first(reason: str) -> NotSignedInError:
    return NotSignedInError(
        f"{reason} Open Autolytiq and sign in to your dealership on this computer, then ask again "
        '(or run `autolytiq ask --demo "..."` to ask about the demo dealership).'
    )


def device_store_exists() -> bool:
    return (data_dir() / STORE_FILE).is_file()


def check_configured(settings: Settings) -> None:
    if not settings.server_configured:
        raise _sign_in_first(
            "No sync server is configured on this computer (server_url), so no one is signed in."
        )
    if not device_store_exists():
        raise _sign_in_first("No one has signed in on this computer yet.")


def signed_in_user(settings: Settings, store: Store, secrets: SecretStore) -> DeviceUser:
    """The last signed-in user of this device, signed back in; ``NotSignedInError`` if there is none."""
    email = secrets.get(LAST_USER_KEY)
    if email is None or secrets.get(REFRESH_KEY.format(email=email)) is None:
        notice = (
            " Your sign-in is not kept between runs on this computer (no secure keyring)."
            if not secrets.secure
            else ""
        )
        raise _sign_in_first(f"No one is signed in on this computer.{notice}")
    assert settings.server_url is not None
    with httpx.Client(base_url=settings.server_url, timeout=httpx.Timeout(15.0, connect=5.0)) as http:
        auth = AuthSession(
            AuthApi(http), secrets, store, store.device_id, grace_hours=settings.offline_grace_hours
        )
        try:
            resumed = auth.resume()
        except AuthRefusedError as exc:  # the token was fine but the account or session is not
            raise _sign_in_first(f"The server refused your sign-in ({exc}).") from None
        except (SyncError, httpx.HTTPError, ValueError, KeyError):
            resumed = False  # an answer that made no sense: treated like no answer
        if resumed and auth.user is not None:
            return DeviceUser(auth.user.principal, email, online=True)
    if secrets.get(REFRESH_KEY.format(email=email)) is None:
        # The server refused the token (signed out elsewhere, revoked, expired) and it was forgotten.
        raise _sign_in_first("Your sign-in on this computer has ended.")
    return _offline_user(settings, store, email)


def _offline_user(settings: Settings, store: Store, email: str) -> DeviceUser:
    with store.device_session() as session:
        credential = session.get(LocalCredential, email)
        if credential is None:
            raise _sign_in_first("The server cannot be reached and this sign-in was never completed here.")
        age = datetime.now(UTC) - credential.last_online_at
        principal = Principal(credential.user_id, credential.tenant_id, frozenset(credential.permissions))
    if age > timedelta(hours=settings.offline_grace_hours):
        raise _sign_in_first(
            f"The server cannot be reached and the last online sign-in here was over "
            f"{settings.offline_grace_hours} hours ago."
        )
    return DeviceUser(principal, email, online=False)
