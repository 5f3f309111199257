"""Sign-in, lockout, second factors, refresh rotation, sessions and password reset, end to end over HTTP."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pyotp
import pytest
from fastapi.testclient import TestClient

from sync.server.app import create_app
from sync.server.auth.passwords import PasswordHasher
from sync.server.context import ServerContext
from sync.server.settings import ServerSettings
from tests.server.fixtures import DatabaseUrls, Mailbox, SignedIn, TenantHandle, sign_in

GENERIC = "email or password not accepted (or the account is temporarily locked)"


def _login(api: TestClient, email: str, password: str, device: str = "dev-1") -> Any:
    return api.post("/auth/login", json={"email": email, "password": password, "device_id": device})


def _admin_sql(test_database: DatabaseUrls, statement: str, *params: object) -> None:
    with psycopg.connect(test_database.admin_conninfo, autocommit=True) as conn:
        conn.execute(statement, params)


def test_default_bcrypt_cost_is_12() -> None:
    assert ServerSettings().bcrypt_cost == 12
    hashed = PasswordHasher().hash("a long enough password")
    assert hashed.startswith("$2b$12$")
    assert PasswordHasher().verify("a long enough password", hashed)


def test_new_admin_must_change_password_and_enrol_totp_before_getting_tokens(
    api: TestClient, make_tenant: Any
) -> None:
    tenant: TenantHandle = make_tenant()
    admin = tenant.admin  # signed in by the fixture through every step
    assert admin.totp_secret and len(admin.backup_codes) == 10 and len(set(admin.backup_codes)) == 10
    me = api.get("/auth/me", headers=admin.headers).json()
    assert me["mfa_required"] and me["mfa_verified"] and me["totp_enabled"]
    assert "admin.users" in me["permissions"]
    # Signing in again now asks for the second factor, never handing out tokens on the password alone.
    first = _login(api, admin.email, admin.password).json()
    assert first["status"] == "mfa_required" and first["tokens"] is None
    assert set(first["mfa_methods"]) == {"totp", "email", "backup_code"}


def test_enrolment_uri_is_a_totp_provisioning_uri(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    manager = tenant.create_user(["sales_manager"])
    step = _login(api, manager.email, manager.password).json()
    assert step["status"] == "mfa_enrollment_required" and step["tokens"] is None
    enrol = api.post("/auth/mfa/totp/enroll", json={"step_token": step["step_token"]}).json()
    assert enrol["provisioning_uri"].startswith("otpauth://totp/")
    assert pyotp.parse_uri(enrol["provisioning_uri"]).secret == enrol["secret"]
    wrong = api.post("/auth/mfa/totp/confirm", json={"step_token": step["step_token"], "code": "000000"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "code"


def test_wrong_password_and_unknown_address_look_the_same(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    user = tenant.create_user(["salesperson"])
    wrong = _login(api, user.email, "not the password")
    unknown = _login(api, "nobody-at-all@example.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": GENERIC}


def test_five_failures_lock_the_account_for_15_minutes(
    api: TestClient, make_tenant: Any, mailbox: Mailbox, test_database: DatabaseUrls
) -> None:
    tenant: TenantHandle = make_tenant()
    user = tenant.create_user(["salesperson"])
    seen = mailbox.count()
    for _ in range(5):
        assert _login(api, user.email, "wrong password!").status_code == 401
    locked = _login(api, user.email, user.password)
    assert locked.status_code == 401 and locked.json()["detail"] == GENERIC
    notice = mailbox.wait_for(user.email, subject="locked", after=seen)
    assert "15 minutes" in Mailbox.body(notice)
    # Move the lock 15 minutes into the past, as time would.
    _admin_sql(
        test_database,
        "UPDATE user_credential SET locked_until = now() - interval '1 second' WHERE user_id = %s",
        user.user_id,
    )
    assert _login(api, user.email, user.password).json()["status"] == "ok"
    audit = api.get(
        "/admin/audit",
        params={"entity_id": str(user.user_id), "action": "auth.locked"},
        headers=tenant.admin.headers,
    )
    if audit.status_code == 200:  # the audit query exists once the admin API is in
        assert len(audit.json()["events"]) == 1


def test_four_failures_then_success_resets_the_counter(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    user = tenant.create_user(["salesperson"])
    for _ in range(4):
        _login(api, user.email, "wrong password!")
    assert _login(api, user.email, user.password).json()["status"] == "ok"
    for _ in range(4):
        _login(api, user.email, "wrong password!")
    assert _login(api, user.email, user.password).json()["status"] == "ok"


def test_a_totp_code_works_only_once(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    admin = tenant.admin
    code = admin.totp_code()
    first = _login(api, admin.email, admin.password).json()
    ok = api.post(
        "/auth/mfa/verify", json={"step_token": first["step_token"], "method": "totp", "code": code}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "ok"
    second = _login(api, admin.email, admin.password).json()
    replay = api.post(
        "/auth/mfa/verify", json={"step_token": second["step_token"], "method": "totp", "code": code}
    )
    assert replay.status_code == 422 and replay.json()["field"] == "code"


def test_a_backup_code_works_only_once(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    admin = tenant.admin
    code = admin.backup_codes[3]
    for expected in (200, 422):
        step = _login(api, admin.email, admin.password).json()["step_token"]
        answer = api.post(
            "/auth/mfa/verify", json={"step_token": step, "method": "backup_code", "code": code}
        )
        assert answer.status_code == expected
    # The other nine still work, written in upper case with spaces as people type them.
    step = _login(api, admin.email, admin.password).json()["step_token"]
    spaced = admin.backup_codes[4].upper().replace("-", " ")
    assert (
        api.post(
            "/auth/mfa/verify", json={"step_token": step, "method": "backup_code", "code": spaced}
        ).status_code
        == 200
    )


def test_emailed_code_is_a_one_time_fallback(api: TestClient, make_tenant: Any, mailbox: Mailbox) -> None:
    tenant: TenantHandle = make_tenant()
    admin = tenant.admin
    step = _login(api, admin.email, admin.password).json()["step_token"]
    seen = mailbox.count()
    assert api.post("/auth/mfa/email-code", json={"step_token": step}).status_code == 202
    body = Mailbox.body(mailbox.wait_for(admin.email, subject="sign-in code", after=seen))
    match = re.search(r"\b(\d{6})\b", body)
    assert match
    code = match.group(1)
    ok = api.post("/auth/mfa/verify", json={"step_token": step, "method": "email", "code": code})
    assert ok.status_code == 200 and ok.json()["tokens"]["access_token"]
    again = api.post("/auth/mfa/verify", json={"step_token": step, "method": "email", "code": code})
    assert again.status_code == 422


def test_refresh_rotates_and_reuse_revokes_the_whole_family(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    user = tenant.add_user(["salesperson"])
    first_refresh = user.refresh_token
    rotated = api.post("/auth/refresh", json={"refresh_token": first_refresh})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first_refresh and second["session_id"] == user.session_id
    assert (
        api.get("/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 200
    )
    # The first token was copied and is replayed: refused, and the session is ended for everyone.
    reuse = api.post("/auth/refresh", json={"refresh_token": first_refresh})
    assert reuse.status_code == 401 and "already used" in reuse.json()["detail"]
    assert api.post("/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401
    assert (
        api.get("/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 401
    )


def test_sessions_are_listed_per_device_and_revocable(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    laptop = tenant.add_user(["salesperson"])
    tablet = SignedIn(**{**laptop.__dict__})
    sign_in(api, tablet, device_id="tablet-2")
    listed = api.get("/auth/sessions", headers=laptop.headers).json()
    assert {s["device_id"] for s in listed} == {"test-device", "tablet-2"}
    assert [s["current"] for s in listed if s["device_id"] == "test-device"] == [True]
    gone = api.delete(f"/auth/sessions/{tablet.session_id}", headers=laptop.headers)
    assert gone.status_code == 204
    assert api.get("/auth/me", headers=tablet.headers).status_code == 401
    assert api.post("/auth/refresh", json={"refresh_token": tablet.refresh_token}).status_code == 401
    assert api.get("/auth/me", headers=laptop.headers).status_code == 200
    # Someone else's session id is not found, whatever it is.
    other = tenant.add_user(["salesperson"])
    assert api.delete(f"/auth/sessions/{other.session_id}", headers=laptop.headers).status_code == 404
    assert api.get("/auth/me", headers=other.headers).status_code == 200


def test_logout_and_logout_everywhere(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    one = tenant.add_user(["salesperson"])
    assert api.post("/auth/logout", headers=one.headers).status_code == 204
    assert api.get("/auth/me", headers=one.headers).status_code == 401
    sign_in(api, one, device_id="a")
    two = SignedIn(**{**one.__dict__})
    sign_in(api, two, device_id="b")
    assert api.post("/auth/logout-all", headers=two.headers).status_code == 204
    for who in (one, two):
        assert api.get("/auth/me", headers=who.headers).status_code == 401


def test_password_reset_token_is_single_use_and_expires(
    api: TestClient, make_tenant: Any, mailbox: Mailbox, test_database: DatabaseUrls
) -> None:
    tenant: TenantHandle = make_tenant()
    user = tenant.add_user(["salesperson"])

    def request_token() -> str:
        seen = mailbox.count()
        assert api.post("/auth/password-reset/request", json={"email": user.email.upper()}).status_code == 202
        body = Mailbox.body(mailbox.wait_for(user.email, subject="password reset", after=seen))
        assert "30 minutes" in body
        token = re.search(r"([0-9a-f-]{36}\.[A-Za-z0-9_-]{20,})", body)
        assert token
        return token.group(1)

    token = request_token()
    weak = api.post("/auth/password-reset/confirm", json={"token": token, "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["field"] == "new_password"
    new_password = "a brand new passphrase"
    assert (
        api.post(
            "/auth/password-reset/confirm", json={"token": token, "new_password": new_password}
        ).status_code
        == 204
    )
    assert api.get("/auth/me", headers=user.headers).status_code == 401  # sessions ended by the reset
    assert _login(api, user.email, user.password).status_code == 401
    assert _login(api, user.email, new_password).json()["status"] == "ok"
    again = api.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "yet another passphrase"}
    )
    assert again.status_code == 422 and again.json()["field"] == "token"

    expired = request_token()
    _admin_sql(
        test_database,
        "UPDATE one_time_token SET expires_at = now() - interval '1 second' "
        "WHERE user_id = %s AND used_at IS NULL",
        user.user_id,
    )
    late = api.post(
        "/auth/password-reset/confirm", json={"token": expired, "new_password": "yet another passphrase"}
    )
    assert late.status_code == 422
    assert _login(api, user.email, new_password).json()["status"] == "ok"


def test_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(
    api: TestClient, mailbox: Mailbox
) -> None:
    seen = mailbox.count()
    answer = api.post("/auth/password-reset/request", json={"email": "ghost@example.test"})
    assert answer.status_code == 202
    with pytest.raises(AssertionError):
        mailbox.wait_for("ghost@example.test", after=seen, timeout=0.5)


def test_roles_needing_mfa_cannot_act_on_a_token_without_it(
    api: TestClient, make_tenant: Any, test_database: DatabaseUrls
) -> None:
    tenant: TenantHandle = make_tenant()
    user = tenant.add_user(["salesperson"])
    assert (
        api.post(
            "/auth/password/change",
            json={"current_password": user.password, "new_password": "another fine passphrase"},
            headers=user.headers,
        ).status_code
        == 204
    )
    # Promoted to general manager: the token from a password-only sign-in no longer suffices.
    _admin_sql(
        test_database, "UPDATE app_user SET roles = '[\"general_manager\"]' WHERE id = %s", user.user_id
    )
    refused = api.post(
        "/auth/password/change",
        json={"current_password": "another fine passphrase", "new_password": "a third fine passphrase"},
        headers=user.headers,
    )
    assert refused.status_code == 403 and "second factor" in refused.json()["detail"]


def test_per_address_rate_limit(server_settings: ServerSettings, test_database: DatabaseUrls) -> None:
    from dataclasses import replace

    settings = replace(server_settings, rate_limit_requests=3, rate_limit_window_s=60)
    app = create_app(ServerContext.build(settings, test_database.service_conninfo))
    with TestClient(app) as client:
        codes = [_login(client, "someone@example.test", "whatever pw").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        limited = _login(client, "someone@example.test", "whatever pw")
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert client.get("/healthz").status_code == 200  # only the sign-in steps are limited
