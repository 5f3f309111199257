"""Push, merge and pull against the real database, as desktops use them."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from app.ids import uuid7
from tests.server.fixtures import Desktop, TenantHandle


def _shop(api: TestClient, make_tenant: Any) -> tuple[TenantHandle, Desktop, Desktop]:
    tenant: TenantHandle = make_tenant()
    one = Desktop(api, tenant.add_user(["sales_manager"]), "desk-one")
    two = Desktop(api, tenant.add_user(["sales_manager"]), "desk-two")
    return tenant, one, two


def _shared_customer(one: Desktop, two: Desktop) -> str:
    row_id = str(uuid7())
    assert (
        one.push(
            [one.op("customer", row_id, {"first_name": "Ana", "last_name": "Lopez", "email": "a@x.test"})]
        )[0]["status"]
        == "applied"
    )
    one.pull_all()
    two.pull_all()
    return row_id


def test_a_repeated_push_is_applied_once(api: TestClient, make_tenant: Any) -> None:
    _, one, _ = _shop(api, make_tenant)
    ops = [one.op("customer", uuid7(), {"first_name": f"C{i}", "credit_score": 700 + i}) for i in range(3)]
    first = one.push_raw(ops).json()
    again = one.push_raw(ops).json()
    assert [r["status"] for r in first["results"]] == ["applied"] * 3
    assert [r["duplicate"] for r in again["results"]] == [True] * 3
    assert [r["version"] for r in again["results"]] == [r["version"] for r in first["results"]]
    assert again["server_seq"] == first["server_seq"]  # nothing new was written
    customers = [c for c in one.pull_all() if c["table"] == "customer"]
    assert sorted(c["fields"]["first_name"] for c in customers) == ["C0", "C1", "C2"]
    # The same op twice inside one batch is also applied once.
    op = one.op("customer", uuid7(), {"first_name": "Twice"})
    results = one.push([op, op])
    assert results[0]["status"] == "applied" and results[1]["duplicate"] is True


def test_two_desktops_editing_different_fields_both_win(api: TestClient, make_tenant: Any) -> None:
    _, one, two = _shop(api, make_tenant)
    row_id = _shared_customer(one, two)
    assert one.push([one.op("customer", row_id, {"phone": "555-0101"})])[0]["status"] == "applied"
    result = two.push([two.op("customer", row_id, {"city": "Austin"})])[0]
    assert result["status"] == "applied" and result["conflicts"] == []
    one.pull_all()
    two.pull_all()
    for desk in (one, two):
        fields = desk.row("customer", row_id)["fields"]
        assert (fields["phone"], fields["city"], fields["first_name"]) == ("555-0101", "Austin", "Ana")


def test_same_field_later_clock_wins_and_the_loser_is_kept(api: TestClient, make_tenant: Any) -> None:
    tenant, one, two = _shop(api, make_tenant)
    row_id = _shared_customer(one, two)
    early = one.op("customer", row_id, {"email": "one@x.test"})
    late = two.op("customer", row_id, {"email": "two@x.test"})
    late["hlc"] = f"{int(early['hlc'].split('-')[0]) + 5000}-0-desk-two"
    assert one.push([early])[0]["status"] == "applied"
    result = two.push([late])[0]
    assert result["status"] == "conflict"
    [conflict] = result["conflicts"]
    assert (conflict["field"], conflict["winner"], conflict["server_value"]) == (
        "email",
        "client",
        "one@x.test",
    )
    one.pull_all()
    assert one.row("customer", row_id)["fields"]["email"] == "two@x.test"
    records = api.get("/sync/conflicts", headers=tenant.admin.headers).json()["conflicts"]
    [record] = [r for r in records if r["row_id"] == row_id]
    assert (record["winner_value"], record["loser_value"]) == ("two@x.test", "one@x.test")

    # The other way round: a stale write with an older clock loses, and says so.
    stale = one.op(
        "customer", row_id, {"email": "stale@x.test"}, base_version=one.row("customer", row_id)["version"] - 1
    )
    stale["hlc"] = f"{int(early['hlc'].split('-')[0]) + 1}-0-desk-one"
    lost = one.push([stale])[0]
    assert lost["status"] == "conflict" and lost["conflicts"][0]["winner"] == "server"
    assert lost["row"]["fields"]["email"] == "two@x.test"
    records = api.get("/sync/conflicts", headers=tenant.admin.headers).json()["conflicts"]
    assert any(r["loser_value"] == "stale@x.test" and r["losing_device"] == "desk-one" for r in records)


def test_delete_wins_over_a_concurrent_edit_in_either_order(api: TestClient, make_tenant: Any) -> None:
    tenant, one, two = _shop(api, make_tenant)
    # Delete first, then the edit arrives.
    first = _shared_customer(one, two)
    assert one.push([one.op("customer", first, kind="delete")])[0]["status"] == "applied"
    edit = two.push([two.op("customer", first, {"notes": "called back"})])[0]
    assert edit["status"] == "conflict" and edit["conflicts"][0]["kind"] == "edit_vs_delete"
    assert edit["row"]["deleted"] is True
    # Edit first, then a delete made without having seen the edit.
    second = _shared_customer(one, two)
    assert two.push([two.op("customer", second, {"notes": "called back"})])[0]["status"] == "applied"
    delete = one.push([one.op("customer", second, kind="delete")])[0]
    assert delete["status"] == "conflict" and delete["conflicts"][0]["kind"] == "delete_vs_edit"
    one.pull_all()
    for row_id in (first, second):
        assert one.row("customer", row_id)["deleted"] is True and one.row("customer", row_id)["fields"] == {}
    records = api.get("/sync/conflicts", headers=tenant.admin.headers).json()["conflicts"]
    kept = {r["row_id"]: r["loser_value"] for r in records}
    assert kept[first] == {"notes": "called back"} and kept[second] == {"notes": "called back"}
    # An explicit restore brings a row back.
    assert (
        one.push([one.op("customer", first, {"notes": "restored"}, kind="restore")])[0]["status"] == "applied"
    )
    one.pull_all()
    assert one.row("customer", first)["deleted"] is False
    assert one.row("customer", first)["fields"]["first_name"] == "Ana"


def test_a_manager_resolves_a_conflict_by_applying_the_losing_value(
    api: TestClient, make_tenant: Any
) -> None:
    tenant, one, two = _shop(api, make_tenant)
    row_id = _shared_customer(one, two)
    one.push([one.op("customer", row_id, {"phone": "111"})])
    late = two.op("customer", row_id, {"phone": "222"})
    two.push([late])
    conflicts = api.get("/sync/conflicts", headers=tenant.admin.headers).json()["conflicts"]
    [record] = [c for c in conflicts if c["row_id"] == row_id]
    salesperson = tenant.add_user(["salesperson"])
    assert api.get("/sync/conflicts", headers=salesperson.headers).status_code == 403
    resolved = api.post(
        f"/sync/conflicts/{record['id']}/resolve",
        json={"choice": "apply_loser"},
        headers=tenant.admin.headers,
    )
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "apply_loser"
    one.pull_all()
    assert one.row("customer", row_id)["fields"]["phone"] == record["loser_value"]
    again = api.post(
        f"/sync/conflicts/{record['id']}/resolve",
        json={"choice": "keep_winner"},
        headers=tenant.admin.headers,
    )
    assert again.status_code == 409
    open_now = api.get("/sync/conflicts", headers=tenant.admin.headers).json()["conflicts"]
    assert record["id"] not in {c["id"] for c in open_now}


def test_bad_ops_are_rejected_alone_with_the_reason_and_nothing_stored(
    api: TestClient, make_tenant: Any
) -> None:
    tenant: TenantHandle = make_tenant()
    bdc = Desktop(api, tenant.add_user(["bdc"]), "desk-bdc")
    good = bdc.op("customer", uuid7(), {"first_name": "Kept"})
    newer_client = bdc.op("customer", uuid7(), {"first_name": "X", "loyalty_tier": "gold"})
    wrong_type = bdc.op("customer", uuid7(), {"credit_score": "seven hundred"})
    server_owned = bdc.op("app_user", uuid7(), {"email": "x@y.test"})
    no_permission = bdc.op("deal", uuid7(), {"status": "draft"})
    unknown_table = bdc.op("spaceship", uuid7(), {"name": "x"})
    missing_parent = bdc.op("lead", uuid7(), {"customer_id": str(uuid4()), "source": "web"})
    bad_decimal = bdc.op("customer", uuid7(), {"annual_income": "12,000"})
    nul_text = bdc.op("customer", uuid7(), {"notes": "a\u0000b"})
    results = bdc.push(
        [
            good,
            newer_client,
            wrong_type,
            server_owned,
            no_permission,
            unknown_table,
            missing_parent,
            bad_decimal,
            nul_text,
        ]
    )
    statuses = [(r["status"], r["field"]) for r in results]
    assert statuses == [
        ("applied", None),
        ("rejected", "loyalty_tier"),
        ("rejected", "credit_score"),
        ("rejected", "table"),
        ("rejected", None),
        ("rejected", "table"),
        ("rejected", "customer_id"),
        ("rejected", "annual_income"),
        ("rejected", "notes"),
    ]
    assert "schema version" in results[1]["reason"] and "deals.edit" in results[4]["reason"]
    pulled = {(c["table"], c["row_id"]) for c in bdc.pull_all()}
    assert ("customer", good["row_id"]) in pulled
    for op in (newer_client, wrong_type, server_owned, no_permission, missing_parent, bad_decimal, nul_text):
        assert (op["table"], op["row_id"]) not in pulled
    # Rejections are not remembered as answers: fixed and re-sent, the op goes through.
    newer_client["fields"].pop("loyalty_tier")
    assert bdc.push([newer_client])[0]["status"] == "applied"


def test_audit_events_are_insert_only(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    desk = Desktop(api, tenant.add_user(["sales_manager"]), "desk-a")  # audit.view, to pull it back
    event = str(uuid7())
    fields = {"action": "quote.printed", "entity": "deal", "at": "2026-01-31T15:00:00+00:00"}
    assert desk.push([desk.op("audit_event", event, fields)])[0]["status"] == "applied"
    update = desk.push([desk.op("audit_event", event, {"action": "tampered"})])[0]
    delete = desk.push([desk.op("audit_event", event, kind="delete")])[0]
    assert update["status"] == delete["status"] == "rejected"
    desk.pull_all()
    assert desk.row("audit_event", event)["fields"]["action"] == "quote.printed"


def test_deal_approval_needs_the_approve_permission(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    seller = Desktop(api, tenant.add_user(["salesperson"]), "desk-s")
    deal = str(uuid7())
    assert seller.push([seller.op("deal", deal, {"status": "submitted"})])[0]["status"] == "applied"
    refused = seller.push([seller.op("deal", deal, {"status": "approved"})])[0]
    assert refused["status"] == "rejected" and "deals.approve" in refused["reason"]


def test_an_outdated_client_is_told_to_update(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    desk = Desktop(api, tenant.add_user(["salesperson"]), "desk-old")
    answer = desk.push_raw([desk.op("customer", uuid7(), {"first_name": "X"})], schema_version=0)
    assert answer.status_code == 426
    body = answer.json()
    assert "Update Autolytiq" in body["detail"] and body["min_schema_version"] >= 1
    pulled = api.get("/sync/pull", params={"schema_version": 0}, headers=desk.user.headers)
    assert pulled.status_code == 426
    assert not [c for c in desk.pull_all() if c["table"] == "customer"]


def test_pull_pages_in_order_with_tombstones_and_hides_cost_from_sales(
    api: TestClient, make_tenant: Any
) -> None:
    tenant, manager, _ = _shop(api, make_tenant)
    vehicles = [str(uuid7()) for _ in range(30)]
    manager.push(
        [
            manager.op("vehicle", v, {"vin": f"VIN{i:05d}", "cost": "18000.50", "price": "21999"})
            for i, v in enumerate(vehicles)
        ]
    )
    manager.push([manager.op("vehicle", vehicles[0], kind="delete")])
    seller = Desktop(api, tenant.add_user(["salesperson"]), "desk-s")
    pages, seen = 0, []
    while True:
        page = seller.pull_page(limit=7)
        pages += 1
        seen += page["changes"]
        if not page["has_more"]:
            break
    versions = [c["version"] for c in seen]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert pages >= 5
    pulled_vehicles = {c["row_id"]: c for c in seen if c["table"] == "vehicle"}
    assert set(pulled_vehicles) == set(vehicles)
    assert pulled_vehicles[vehicles[0]]["deleted"] is True
    live = pulled_vehicles[vehicles[1]]["fields"]
    assert live["price"] == "21999" and "cost" not in live
    manager.pull_all()
    assert manager.row("vehicle", vehicles[1])["fields"]["cost"] == "18000.50"
    # The audit trail goes only to those allowed to read it (audit.view); paging still passes over it.
    assert not [c for c in seen if c["table"] == "audit_event"]
    assert any(table == "audit_event" for table, _ in manager.rows)


def test_a_changed_epoch_tells_the_client_to_start_over(api: TestClient, make_tenant: Any) -> None:
    tenant: TenantHandle = make_tenant()
    desk = Desktop(api, tenant.add_user(["salesperson"]), "desk-e")
    page = desk.pull_page()
    same = api.get(
        "/sync/pull", params={"schema_version": 1, "epoch": page["epoch"]}, headers=desk.user.headers
    )
    assert same.status_code == 200
    other = api.get(
        "/sync/pull", params={"schema_version": 1, "epoch": str(uuid4())}, headers=desk.user.headers
    )
    assert other.status_code == 410 and "since=0" in other.json()["detail"]


def test_each_push_that_changes_something_is_audited_once(api: TestClient, make_tenant: Any) -> None:
    tenant, one, _ = _shop(api, make_tenant)
    ops = [one.op("customer", uuid7(), {"first_name": f"A{i}"}) for i in range(3)]
    one.push(ops)
    one.push(ops)  # a repeat changes nothing and is not audited again
    events = api.get("/admin/audit", params={"action": "sync.push"}, headers=tenant.admin.headers).json()[
        "events"
    ]
    assert len(events) == 1
    assert events[0]["after"] == {"device_id": "desk-one", "applied": 3, "conflicts": 0, "rejected": 0}
    assert events[0]["actor_id"] == str(one.user.user_id)
