"""Every endpoint needs a token (but health and sign-in steps); a token never reaches another tenant."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.ids import uuid7
from tests.server.fixtures import Desktop, TenantHandle

PUBLIC = {
    ("get", "/healthz"),
    ("post", "/auth/login"),
    ("post", "/auth/password/initial"),
    ("post", "/auth/mfa/totp/enroll"),
    ("post", "/auth/mfa/totp/confirm"),
    ("post", "/auth/mfa/email-code"),
    ("post", "/auth/mfa/verify"),
    ("post", "/auth/refresh"),
    ("post", "/auth/password-reset/request"),
    ("post", "/auth/password-reset/confirm"),
    ("post", "/auth/invite/accept"),
}


def _operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    schema = app.openapi()
    return [
        (method, path, spec)
        for path, methods in schema["paths"].items()
        for method, spec in methods.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _fill(path: str, value: str) -> str:
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + value + path[end + 1 :]
    return path


def test_no_endpoint_answers_without_a_token_except_health_and_sign_in(
    api: TestClient, server_app: FastAPI
) -> None:
    operations = _operations(server_app)
    assert {(m, p) for m, p, _ in operations} >= PUBLIC
    for method, path, spec in operations:
        declared_secure = bool(spec.get("security"))
        if (method, path) in PUBLIC:
            assert not declared_secure, path
            continue
        assert declared_secure, f"{method} {path} does not declare the bearer scheme"
        url = _fill(path, str(uuid4()))
        for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
            answer = api.request(method.upper(), url, json={}, headers=headers)
            assert answer.status_code == 401, (method, path, headers, answer.text)
            assert answer.headers.get("www-authenticate") == "Bearer"


def test_an_expired_or_forged_token_is_refused(api: TestClient, make_tenant: Any) -> None:
    import time

    import jwt

    tenant: TenantHandle = make_tenant()
    claims = jwt.decode(tenant.admin.access_token, options={"verify_signature": False})
    expired = jwt.encode(
        {**claims, "exp": int(time.time()) - 5}, "test-secret-" + "x" * 40, algorithm="HS256"
    )
    forged = jwt.encode(claims, "some other secret that is long enough", algorithm="HS256")
    for token in (expired, forged):
        assert api.get("/admin/users", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def _tenant_with_data(api: TestClient, make_tenant: Any) -> tuple[TenantHandle, dict[str, str]]:
    tenant: TenantHandle = make_tenant()
    headers = tenant.admin.headers
    manager = tenant.add_user(["sales_manager"])
    one, two = Desktop(api, manager, "iso-1"), Desktop(api, manager, "iso-2")
    customer = str(uuid7())
    one.push([one.op("customer", customer, {"first_name": "Secret", "email": "secret@b.test"})])
    one.pull_all()
    two.pull_all()
    one.push([one.op("customer", customer, {"phone": "1"})])
    two.push([two.op("customer", customer, {"phone": "2"})])
    conflicts = api.get("/sync/conflicts", headers=headers).json()["conflicts"]
    role = api.post(
        "/admin/roles", json={"name": "secret_role", "permissions": ["sync.use"]}, headers=headers
    ).json()
    return tenant, {
        "user_id": str(manager.user_id),
        "session_id": manager.session_id,
        "role_id": role["id"],
        "conflict_id": conflicts[0]["id"],
        "customer_id": customer,
        "tenant_id": str(tenant.id),
    }


def test_a_token_of_tenant_a_with_ids_of_tenant_b_gets_404_or_403_never_data(
    api: TestClient, server_app: FastAPI, make_tenant: Any
) -> None:
    b, b_ids = _tenant_with_data(api, make_tenant)
    a: TenantHandle = make_tenant()
    headers = a.admin.headers  # all permissions, second factor done
    secrets = set(b_ids.values()) | {"Secret", "secret@b.test", "secret_role"}

    bodies = {
        ("patch", "/admin/users/{user_id}"): {"display_name": "Taken over"},
        ("patch", "/admin/roles/{role_id}"): {"permissions": ["sync.use"]},
        ("post", "/sync/conflicts/{conflict_id}/resolve"): {"choice": "apply_loser"},
    }
    param_of = {
        "user_id": b_ids["user_id"],
        "role_id": b_ids["role_id"],
        "conflict_id": b_ids["conflict_id"],
        "session_id": b_ids["session_id"],
    }
    for method, path, _ in _operations(server_app):
        if (method, path) in PUBLIC or "{" not in path:
            continue
        name = path[path.index("{") + 1 : path.index("}")]
        url = path.replace("{" + name + "}", param_of[name])
        answer = api.request(method.upper(), url, json=bodies.get((method, path), {}), headers=headers)
        assert answer.status_code in (403, 404), (method, path, answer.status_code, answer.text)
        assert not any(s in answer.text for s in secrets), (method, path)

    # Listing endpoints answer with A's data only.
    for method, path in (
        ("get", "/admin/users"),
        ("get", "/admin/roles"),
        ("get", "/admin/settings"),
        ("get", "/admin/audit"),
        ("get", "/sync/conflicts"),
        ("get", "/auth/sessions"),
        ("get", "/auth/me"),
    ):
        answer = api.request(method.upper(), path, headers=headers)
        assert answer.status_code == 200, path
        assert not any(s in answer.text for s in secrets), path
    for params in ({"entity_id": b_ids["user_id"]}, {"actor_id": b_ids["user_id"]}):
        assert api.get("/admin/audit", params=params, headers=headers).json()["events"] == []
    desk = Desktop(api, a.admin, "iso-a")
    pulled = json.dumps(desk.pull_all())
    assert not any(s in pulled for s in secrets)

    # Pushing with B's row id creates A's own row; B's row is untouched.
    result = desk.push([desk.op("customer", b_ids["customer_id"], {"notes": "from A"}, base_version=10**6)])[
        0
    ]
    assert result["status"] == "applied" and result["row"] is None
    desk.pull_all()
    assert desk.row("customer", b_ids["customer_id"])["fields"]["first_name"] is None
    b_desk = Desktop(api, b.admin, "iso-b")
    b_desk.pull_all()
    b_row = b_desk.row("customer", b_ids["customer_id"])["fields"]
    assert b_row["first_name"] == "Secret" and b_row["notes"] is None
    # B's ids are still B's: B's admin sees them all.
    assert api.get("/admin/users", headers=b.admin.headers).text.count(b_ids["user_id"]) == 1
