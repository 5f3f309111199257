"""The signed-in session: the online sign-in steps, token refresh, and offline unlock.

Online: password, then (if the account has one) a second factor — TOTP, an e-mailed code, or a backup
code. On success the refresh token goes to the :class:`SecretStore`, the access token stays in memory
and is refreshed shortly before it expires, and a bcrypt verifier of the password is kept on this
device so the same person can unlock it offline within the grace period (default 72 hours).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import bcrypt

from app.auth.secrets import SecretStore
from app.errors import ValidationError
from app.policy import Principal
from app.store.database import Store
from app.store.models import LocalCredential
from sync.client.auth_api import AuthApi, AuthRefusedError, MfaMethod, SignInStep, Tokens
from sync.client.transport import OfflineError, TokenSource

REFRESH_KEY = "refresh-token:{email}"
LAST_USER_KEY = "last-user"
# Refresh this long before the access token runs out, so a request never carries an expired one.
REFRESH_MARGIN_S = 60
VERIFIER_COST = 12  # bcrypt cost of the offline verifier (tests may lower it through AuthSession)


class OfflineUnlockError(Exception):
    """Offline unlock refused; ``reason`` says why in words for the sign-in dialog."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SignedInUser:
    principal: Principal
    email: str
    display_name: str | None
    online: bool


class AuthSession:
    def __init__(
        self,
        api: AuthApi,
        secrets: SecretStore,
        store: Store,
        device_id: str,
        *,
        grace_hours: int = 72,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._api = api
        self._secrets = secrets
        self._store = store
        self._device_id = device_id
        self._grace = timedelta(hours=grace_hours)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: Tokens | None = None
        self._expires_at = 0.0
        self._email: str | None = None
        self._password: str | None = None  # held only between the password step and success
        self.user: SignedInUser | None = None
        self.on_signed_out: Callable[[], None] | None = None

    @property
    def secrets_notice(self) -> str | None:
        """Shown at sign-in when tokens cannot be kept in a secure keyring."""
        return self._secrets.notice

    # --- online sign-in --------------------------------------------------------------------------

    def login(self, email: str, password: str) -> SignInStep:
        clean = email.strip().lower()
        if not clean:
            raise ValidationError("email", "is required")
        if not password:
            raise ValidationError("password", "is required")
        step = self._api.login(clean, password, self._device_id)
        self._email, self._password = clean, password
        return self._advance(step)

    def set_initial_password(self, step: SignInStep, new_password: str) -> SignInStep:
        result = self._api.initial_password(self._step_token(step), new_password)
        self._password = new_password
        return self._advance(result)

    def enroll_totp(self, step: SignInStep) -> tuple[str, str]:
        """A new authenticator secret and its otpauth:// URI (show it as a QR code)."""
        return self._api.enroll_totp(self._step_token(step))

    def confirm_totp(self, step: SignInStep, code: str) -> SignInStep:
        return self._advance(self._api.confirm_totp(self._step_token(step), code.strip()))

    def send_email_code(self, step: SignInStep) -> None:
        self._api.send_email_code(self._step_token(step))

    def verify(self, step: SignInStep, method: MfaMethod, code: str) -> SignInStep:
        if not code.strip():
            raise ValidationError("code", "is required")
        return self._advance(self._api.verify(self._step_token(step), method, code.strip()))

    @staticmethod
    def _step_token(step: SignInStep) -> str:
        if step.step_token is None:
            raise ValidationError("step", "this sign-in step is already complete")
        return step.step_token

    def _advance(self, step: SignInStep) -> SignInStep:
        if step.status == "ok" and step.tokens is not None:
            self._signed_in(step.tokens)
        return step

    def _signed_in(self, tokens: Tokens) -> None:
        assert self._email is not None
        self._set_tokens(tokens)
        me = self._api.me(tokens.access_token)
        principal = Principal(me.user_id, me.tenant_id, me.permissions)
        if self._password is not None:
            verifier = bcrypt.hashpw(self._password.encode(), bcrypt.gensalt(VERIFIER_COST)).decode()
            self._password = None
            with self._store.device_session() as session:
                row = session.get(LocalCredential, self._email) or LocalCredential(email=self._email)
                row.user_id, row.tenant_id = me.user_id, me.tenant_id
                row.permissions = sorted(me.permissions)
                row.verifier = verifier
                row.last_online_at = datetime.fromtimestamp(self._clock(), UTC)
                session.add(row)
        self._secrets.set(LAST_USER_KEY, self._email)
        self.user = SignedInUser(principal, self._email, None, online=True)

    def _set_tokens(self, tokens: Tokens) -> None:
        with self._lock:
            self._tokens = tokens
            self._expires_at = self._clock() + tokens.expires_in
        assert self._email is not None
        self._secrets.set(REFRESH_KEY.format(email=self._email), tokens.refresh_token)

    # --- tokens for the sync engine --------------------------------------------------------------

    def access_token(self) -> str | None:
        with self._lock:
            tokens, expires_at = self._tokens, self._expires_at
        if tokens is None:
            return None
        if self._clock() > expires_at - REFRESH_MARGIN_S and not self.refresh():
            return None
        with self._lock:
            return self._tokens.access_token if self._tokens else None

    def refresh(self) -> bool:
        """Trade the refresh token for new tokens. False (and signed out) if the server refuses it."""
        if self._email is None:
            return False
        stored = self._secrets.get(REFRESH_KEY.format(email=self._email))
        if stored is None:
            return False
        try:
            tokens = self._api.refresh(stored)
        except AuthRefusedError:
            self._forget()
            return False
        self._set_tokens(tokens)
        return True

    def token_source(self) -> TokenSource:
        return TokenSource(self.access_token, self.refresh)

    def resume(self) -> bool:
        """At start: sign the last user back in with the refresh token from the keyring, if there is one."""
        email = self._secrets.get(LAST_USER_KEY)
        if email is None:
            return False
        self._email = email
        try:
            if not self.refresh():
                return False
            with self._lock:
                assert self._tokens is not None
                access = self._tokens.access_token
            me = self._api.me(access)
        except OfflineError:
            return False
        self.user = SignedInUser(
            Principal(me.user_id, me.tenant_id, me.permissions), email, None, online=True
        )
        return True

    def _forget(self) -> None:
        with self._lock:
            self._tokens = None
        if self._email is not None:
            self._secrets.delete(REFRESH_KEY.format(email=self._email))
        if self.on_signed_out is not None:
            self.on_signed_out()

    def sign_out(self) -> None:
        with self._lock:
            tokens = self._tokens
        if tokens is not None:
            # Unreachable or already ended on the server: it expires there; here it ends now.
            with contextlib.suppress(OfflineError, AuthRefusedError):
                self._api.logout(tokens.access_token)
        self._forget()
        self.user = None

    # --- offline ---------------------------------------------------------------------------------

    def unlock_offline(self, email: str, password: str) -> SignedInUser:
        """Unlock without the server: only for someone who signed in online here within the grace period."""
        clean = email.strip().lower()
        with self._store.device_session() as session:
            row = session.get(LocalCredential, clean)
        if row is None:
            raise OfflineUnlockError(
                "This person has not signed in on this computer while online; connect first."
            )
        if not bcrypt.checkpw(password.encode(), row.verifier.encode()):
            raise OfflineUnlockError("Wrong password.")
        age = datetime.fromtimestamp(self._clock(), UTC) - row.last_online_at
        if age > self._grace:
            hours = int(self._grace.total_seconds() // 3600)
            raise OfflineUnlockError(
                f"The last online sign-in here was over {hours} hours ago; connect to sign in again."
            )
        self._email = clean
        principal = Principal(row.user_id, row.tenant_id, frozenset(row.permissions))
        self.user = SignedInUser(principal, clean, row.display_name, online=False)
        return self.user
