"""Dealership administration over HTTP: users, roles, settings, audit — each change audited."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.server.fixtures import Desktop, Mailbox, SignedIn, TenantHandle, sign_in


def _audit(api: TestClient, tenant: TenantHandle, **filters: Any) -> list[dict[str, Any]]:
    answer = api.get("/admin/audit", params=filters, headers=tenant.admin.headers)
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def test_invite_accept_sign_in_change_roles_and_deactivate(
    api: TestClient, make_tenant: Any, mailbox: Mailbox
) -> None:
    tenant: TenantHandle = make_tenant()
    headers = tenant.admin.headers
    seen = mailbox.count()
    invited = api.post(
        "/admin/users",
        json={"email": "New.Hire@Example.test", "display_name": "New Hire", "roles": ["salesperson"]},
        headers=headers,
    )
    assert invited.status_code == 201, invited.text
    user = invited.json()
    assert user["email"] == "new.hire@example.test" and user["roles"] == ["salesperson"] and user["active"]
    body = Mailbox.body(mailbox.wait_for("new.hire@example.test", subject="invited", after=seen))
    token = re.search(r"([0-9a-f-]{36}\.[A-Za-z0-9_-]{20,})", body)
    assert token
    accepted = api.post(
        "/auth/invite/accept", json={"token": token.group(1), "new_password": "my own passphrase"}
    )
    assert accepted.status_code == 204
    hire = SignedIn(
        user_id=user["id"],
        tenant_id=tenant.id,
        email=user["email"],
        password="my own passphrase",
        roles=["salesperson"],
    )
    sign_in(api, hire)
    assert api.get("/admin/users", headers=hire.headers).status_code == 403  # not an admin

    duplicate = api.post(
        "/admin/users",
        json={"email": "new.hire@example.test", "display_name": "X", "roles": ["bdc"]},
        headers=headers,
    )
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "email"
    bad_role = api.patch(f"/admin/users/{user['id']}", json={"roles": ["emperor"]}, headers=headers)
    assert bad_role.status_code == 422 and bad_role.json()["field"] == "roles"

    promoted = api.patch(f"/admin/users/{user['id']}", json={"roles": ["sales_manager"]}, headers=headers)
    assert promoted.status_code == 200 and promoted.json()["roles"] == ["sales_manager"]
    me = api.get("/auth/me", headers=hire.headers).json()
    assert "deals.approve" in me["permissions"] and me["mfa_required"]

    deactivated = api.post(f"/admin/users/{user['id']}/deactivate", headers=headers)
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False
    assert api.get("/auth/me", headers=hire.headers).status_code == 401
    login = api.post("/auth/login", json={"email": hire.email, "password": hire.password, "device_id": "d"})
    assert login.status_code == 401
    assert api.post(f"/admin/users/{tenant.admin.user_id}/deactivate", headers=headers).status_code == 409

    actions = [e["action"] for e in _audit(api, tenant, entity_id=user["id"])]
    for expected in ("user.create", "auth.invite_accepted", "user.update", "user.deactivate"):
        assert expected in actions
    update = _audit(api, tenant, entity_id=user["id"], action="user.update")[0]
    assert update["before"]["roles"] == ["salesperson"] and update["after"]["roles"] == ["sales_manager"]
    assert update["actor_id"] == str(tenant.admin.user_id)


def test_custom_roles_grant_exactly_their_permissions(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    headers = tenant.admin.headers
    bad = api.post("/admin/roles", json={"name": "lot_porter", "permissions": ["cars.wash"]}, headers=headers)
    assert (
        bad.status_code == 422
        and bad.json()["field"] == "permissions"
        and "cars.wash" in bad.json()["detail"]
    )
    made = api.post(
        "/admin/roles",
        json={"name": "lot_porter", "permissions": ["inventory.view", "sync.use"]},
        headers=headers,
    )
    assert made.status_code == 201
    role = made.json()
    assert role["builtin"] is False and role["permissions"] == ["inventory.view", "sync.use"]
    assert (
        api.post("/admin/roles", json={"name": "admin", "permissions": []}, headers=headers).status_code
        == 409
    )

    porter = tenant.add_user(["lot_porter"])
    assert api.get("/auth/me", headers=porter.headers).json()["permissions"] == ["inventory.view", "sync.use"]
    desk = Desktop(api, porter, "desk-porter")
    from app.ids import uuid7

    refused = desk.push([desk.op("vehicle", uuid7(), {"vin": "X"})])[0]
    assert refused["status"] == "rejected" and "inventory.edit" in refused["reason"]
    widened = api.patch(
        f"/admin/roles/{role['id']}",
        json={"permissions": ["inventory.view", "inventory.edit", "sync.use"]},
        headers=headers,
    )
    assert widened.status_code == 200
    assert desk.push([desk.op("vehicle", uuid7(), {"vin": "Y"})])[0]["status"] == "applied"

    builtin = next(r for r in api.get("/admin/roles", headers=headers).json() if r["name"] == "salesperson")
    assert (
        api.patch(f"/admin/roles/{builtin['id']}", json={"permissions": []}, headers=headers).status_code
        == 409
    )
    assert api.delete(f"/admin/roles/{role['id']}", headers=headers).status_code == 409  # still held
    api.patch(f"/admin/users/{porter.user_id}", json={"roles": ["salesperson"]}, headers=headers)
    assert api.delete(f"/admin/roles/{role['id']}", headers=headers).status_code == 204
    assert "lot_porter" not in {r["name"] for r in api.get("/admin/roles", headers=headers).json()}
    assert [e["action"] for e in _audit(api, tenant, entity_id=role["id"])] == [
        "role.delete",
        "role.update",
        "role.create",
    ]


def test_settings_with_tax_and_fee_overrides_are_validated_synced_and_audited(
    api: TestClient, make_tenant: Any
) -> None:
    tenant: TenantHandle = make_tenant("Hill Country Motors")
    headers = tenant.admin.headers
    current = api.get("/admin/settings", headers=headers).json()
    assert current["name"] == "Hill Country Motors"
    wanted = {
        **current,
        "state": "TX",
        "timezone": "America/Chicago",
        "settings": {
            "doc_fee": "150.00",
            "tax_overrides": [
                {
                    "state": "TX",
                    "city": "Austin",
                    "rates": [
                        {"level": "state", "rate": "0.0625"},
                        {"level": "city", "rate": "0.02", "name": "Austin"},
                    ],
                }
            ],
            "fee_overrides": [{"code": "inspection", "amount": "7.50", "state": "TX"}],
        },
    }
    saved = api.put("/admin/settings", json=wanted, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["settings"]["tax_overrides"][0]["rates"][1]["rate"] == "0.02"
    assert saved.json()["settings"]["doc_fee"] == "150.00"

    for field, value in (("rate", "1.5"), ("rate", "-0.01"), ("level", "galactic")):
        broken = {**wanted, "settings": {**wanted["settings"]}}
        rate = {"level": "state", "rate": "0.0625", field: value}
        broken["settings"]["tax_overrides"] = [{"state": "TX", "rates": [rate]}]
        refused = api.put("/admin/settings", json=broken, headers=headers)
        assert refused.status_code == 422 and field in str(refused.json()["detail"])
    assert (
        api.put("/admin/settings", json={**wanted, "timezone": "Mars/Olympus"}, headers=headers).status_code
        == 422
    )
    assert api.get("/admin/settings", headers=headers).json() == saved.json()  # refusals changed nothing

    # Desktops receive the overrides with the dealership row.
    seller = tenant.add_user(["salesperson"])
    desk = Desktop(api, seller, "desk-set")
    desk.pull_all()
    pulled = desk.row("dealership", str(tenant.id))["fields"]
    assert pulled["settings"]["fee_overrides"] == [
        {"code": "inspection", "amount": "7.50", "state": "TX", "name": None}
    ]
    [event] = _audit(api, tenant, action="settings.update")
    assert (
        event["before"]["settings"]["doc_fee"] is None and event["after"]["settings"]["doc_fee"] == "150.00"
    )
    assert api.put("/admin/settings", json=wanted, headers=seller.headers).status_code == 403


def test_audit_log_filters_and_pages_without_gaps(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    for i in range(7):
        api.post(
            "/admin/users",
            json={"email": f"p{i}-{tenant.id}@example.test", "display_name": f"P{i}", "roles": ["bdc"]},
            headers=tenant.admin.headers,
        )
    everything = _audit(api, tenant, limit=500)
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "action": "user.create"}
        if cursor:
            params["before"] = cursor
        page = api.get("/admin/audit", params=params, headers=tenant.admin.headers).json()
        pages += page["events"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    created = [e for e in everything if e["action"] == "user.create"]
    assert [e["id"] for e in pages] == [e["id"] for e in created]
    assert len(created) == 8  # the admin from create-tenant and the seven invited
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True)
    salesperson = tenant.add_user(["salesperson"])
    assert api.get("/admin/audit", headers=salesperson.headers).status_code == 403
