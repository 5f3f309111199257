"""Signing in on the desktop: each second factor, refresh, revocation, offline unlock, keyring fallback."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from app.auth.secrets import SecretStore
from app.auth.session import AuthSession, OfflineUnlockError
from app.store.database import Store
from sync.client.auth_api import AuthApi, AuthRefusedError
from tests.desktop.conftest import MemoryKeyring


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _session(
    http: httpx.Client,
    store: Store,
    keyring: MemoryKeyring | None = None,
    clock: Clock | None = None,
    grace_hours: int = 72,
) -> AuthSession:
    secrets = SecretStore(trusted_backend=keyring) if keyring is not None else SecretStore()
    return AuthSession(
        AuthApi(http), secrets, store, "desk-1", grace_hours=grace_hours, clock=clock or time.time
    )


def _totp(secret: str, used: set[str]) -> str:
    """A current code not used before (a code works once)."""
    while True:
        code = pyotp.TOTP(secret).now()
        if code not in used:
            used.add(code)
            return code
        time.sleep(1)


def test_salesperson_without_mfa_signs_in_with_a_password(
    http: httpx.Client, device_store: Store, make_tenant: Any
) -> None:
    tenant = make_tenant()
    user = tenant.create_user(["salesperson"])
    auth = _session(http, device_store, MemoryKeyring())
    step = auth.login(user.email.upper(), user.password)
    assert step.status == "ok"
    assert auth.user is not None and auth.user.principal.can("deals.submit")
    assert not auth.user.principal.can("deals.approve")
    assert str(auth.user.principal.tenant_id) == str(tenant.id)


def test_manager_enrols_totp_then_uses_totp_email_and_backup_codes(
    http: httpx.Client, device_store: Store, make_tenant: Any, mailbox: Any
) -> None:
    tenant = make_tenant()
    user = tenant.create_user(["sales_manager"])
    keyring = MemoryKeyring()
    used: set[str] = set()
    auth = _session(http, device_store, keyring)
    step = auth.login(user.email, user.password)
    assert step.status == "mfa_enrollment_required"
    secret, uri = auth.enroll_totp(step)
    assert uri.startswith("otpauth://totp/")
    with pytest.raises(AuthRefusedError):
        auth.confirm_totp(step, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    done = auth.confirm_totp(step, _totp(secret, used))
    assert done.status == "ok" and len(done.backup_codes) == 10
    backup_codes = list(done.backup_codes)
    auth.sign_out()

    step = auth.login(user.email, user.password)
    assert step.status == "mfa_required" and set(step.mfa_methods) >= {"totp", "email", "backup_code"}
    assert auth.verify(step, "totp", _totp(secret, used)).status == "ok"
    auth.sign_out()

    seen = len(mailbox.messages)
    step = auth.login(user.email, user.password)
    auth.send_email_code(step)
    message = mailbox.wait_for(user.email, subject="sign-in code", after=seen)
    code = next(
        word.strip(".")
        for word in str(message.get_payload(decode=True).decode()).split()
        if word.strip(".").isdigit() and len(word.strip(".")) == 6
    )
    assert auth.verify(step, "email", code).status == "ok"
    auth.sign_out()

    step = auth.login(user.email, user.password)
    assert auth.verify(step, "backup_code", backup_codes[0]).status == "ok"
    auth.sign_out()
    step = auth.login(user.email, user.password)
    with pytest.raises(AuthRefusedError):
        auth.verify(step, "backup_code", backup_codes[0])  # each backup code works once


def test_wrong_password_is_refused_with_the_servers_reason(
    http: httpx.Client, device_store: Store, make_tenant: Any
) -> None:
    user = make_tenant().create_user(["salesperson"])
    auth = _session(http, device_store, MemoryKeyring())
    with pytest.raises(AuthRefusedError) as refused:
        auth.login(user.email, "not the password")
    assert refused.value.status == 401
    assert auth.user is None


def test_access_token_is_refreshed_before_it_expires(
    http: httpx.Client, device_store: Store, make_tenant: Any
) -> None:
    user = make_tenant().create_user(["salesperson"])
    clock = Clock()
    keyring = MemoryKeyring()
    auth = _session(http, device_store, keyring, clock)
    auth.login(user.email, user.password)
    first = auth.access_token()
    refresh_before = next(v for (s, k), v in keyring.items.items() if k.startswith("refresh-token"))
    clock.now += 15 * 60 - 30  # within the refresh margin
    second = auth.access_token()
    assert second is not None and second != first
    refresh_after = next(v for (s, k), v in keyring.items.items() if k.startswith("refresh-token"))
    assert refresh_after != refresh_before  # rotated
    assert AuthApi(http).me(second).email == user.email


def test_a_revoked_session_forces_sign_in(
    http: httpx.Client, device_store: Store, make_tenant: Any, api: Any
) -> None:
    tenant = make_tenant()
    user = tenant.create_user(["salesperson"])
    auth = _session(http, device_store, MemoryKeyring())
    signed_out: list[bool] = []
    auth.on_signed_out = lambda: signed_out.append(True)
    auth.login(user.email, user.password)
    token = auth.access_token()
    assert token is not None
    assert api.post("/auth/logout-all", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert auth.refresh() is False
    assert signed_out == [True]
    assert auth.access_token() is None


def test_resume_signs_the_last_user_back_in_from_the_keyring(
    http: httpx.Client, device_store: Store, make_tenant: Any
) -> None:
    user = make_tenant().create_user(["salesperson"])
    keyring = MemoryKeyring()
    _session(http, device_store, keyring).login(user.email, user.password)
    restarted = _session(http, device_store, keyring)
    assert restarted.resume() is True
    assert restarted.user is not None and restarted.user.email == user.email


def test_offline_unlock_within_and_after_the_grace_period(
    http: httpx.Client, device_store: Store, make_tenant: Any
) -> None:
    user = make_tenant().create_user(["salesperson"])
    clock = Clock()
    _session(http, device_store, MemoryKeyring(), clock).login(user.email, user.password)
    offline = httpx.Client(base_url="http://127.0.0.1:9", timeout=0.5)  # nothing listens there
    later = Clock()
    later.now = clock.now + 71 * 3600
    unlocked = _session(offline, device_store, MemoryKeyring(), later).unlock_offline(
        user.email, user.password
    )
    assert unlocked.online is False and unlocked.principal.can("deals.submit")
    with pytest.raises(OfflineUnlockError, match="Wrong password"):
        _session(offline, device_store, MemoryKeyring(), later).unlock_offline(user.email, "guess")
    later.now = clock.now + 73 * 3600
    with pytest.raises(OfflineUnlockError, match="over 72 hours"):
        _session(offline, device_store, MemoryKeyring(), later).unlock_offline(user.email, user.password)
    with pytest.raises(OfflineUnlockError, match="not signed in on this computer"):
        _session(offline, device_store, MemoryKeyring(), later).unlock_offline("someone@else.test", "x")


def test_without_a_secure_keyring_the_token_stays_in_memory(
    http: httpx.Client, device_store: Store, make_tenant: Any, tmp_path: Path
) -> None:
    user = make_tenant().create_user(["salesperson"])
    auth = _session(http, device_store)  # tests run with keyring's null backend: not secure
    secrets = auth._secrets
    assert secrets.secure is False and secrets.notice is not None and "memory only" in secrets.notice
    auth.login(user.email, user.password)
    token = secrets.get(f"refresh-token:{user.email}")
    assert token
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), f"refresh token written to {path}"
    assert _session(http, device_store).resume() is False  # a restart has nothing to resume from
