"""Sync under real concurrency and failure, over a real loopback server and real connections."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from app.ids import uuid7
from tests.server.fixtures import DatabaseUrls, Desktop, LiveServer, TenantHandle


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


def _customer_count(test_database: DatabaseUrls, tenant_id: object, names: list[str]) -> int:
    with psycopg.connect(test_database.admin_conninfo) as conn:
        row = conn.execute(
            "SELECT count(*) FROM customer WHERE tenant_id = %s AND first_name = ANY(%s)", (tenant_id, names)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_push_killed_mid_batch_keeps_nothing_half_done_and_a_re_push_completes(
    api: TestClient, http: httpx.Client, make_tenant: Any, test_database: DatabaseUrls
) -> None:
    tenant: TenantHandle = make_tenant()
    desk = Desktop(http, tenant.add_user(["sales_manager"]), "desk-kill")
    blocker = str(uuid7())
    assert desk.push([desk.op("customer", blocker, {"first_name": "Blocker"})])[0]["status"] == "applied"
    desk.pull_all()
    names = [f"Batch{i}" for i in range(40)]
    ops = [desk.op("customer", uuid7(), {"first_name": n}) for n in names[:20]]
    ops.append(desk.op("customer", blocker, {"notes": "edited mid-batch"}))
    ops += [desk.op("customer", uuid7(), {"first_name": n}) for n in names[20:]]

    answers: list[httpx.Response] = []
    with psycopg.connect(test_database.admin_conninfo) as holder:
        # Hold the row op 21 needs, so the push stops there with 20 ops done inside its transaction.
        holder.execute("SELECT 1 FROM customer WHERE id = %s FOR UPDATE", (blocker,))
        pusher = threading.Thread(target=lambda: answers.append(desk.push_raw(ops)))
        pusher.start()
        with psycopg.connect(test_database.admin_conninfo, autocommit=True) as killer:
            deadline = time.monotonic() + 30
            while True:
                waiting = killer.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'autolytiq-server' "
                    "AND wait_event_type = 'Lock'"
                ).fetchall()
                if waiting:
                    break
                assert time.monotonic() < deadline, "the push never reached the held row"
                time.sleep(0.05)
            killer.execute("SELECT pg_terminate_backend(%s)", (waiting[0][0],))
        pusher.join(timeout=60)
        holder.rollback()
    [answer] = answers
    assert answer.status_code == 503, answer.text
    assert _customer_count(test_database, tenant.id, names) == 0  # the batch left no trace

    results = desk.push(ops)
    assert [r["status"] for r in results] == ["applied"] * len(ops)
    assert not any(r["duplicate"] for r in results)
    assert _customer_count(test_database, tenant.id, names) == len(names)
    assert all(r["duplicate"] for r in desk.push(ops))  # and a third time changes nothing
    assert _customer_count(test_database, tenant.id, names) == len(names)


def test_a_client_that_drops_the_connection_mid_push_can_re_push_safely(
    live_server: LiveServer, http: httpx.Client, make_tenant: Any, test_database: DatabaseUrls
) -> None:
    tenant: TenantHandle = make_tenant()
    desk = Desktop(http, tenant.add_user(["sales_manager"]), "desk-drop")
    names = [f"Dropped{i}" for i in range(200)]
    ops = [desk.op("customer", uuid7(), {"first_name": n, "notes": "x" * 200}) for n in names]
    body = json.dumps({"device_id": desk.device_id, "schema_version": 1, "ops": ops}).encode()
    url = urlparse(live_server.url)
    with socket.create_connection((url.hostname, url.port)) as raw:
        head = (
            f"POST /sync/push HTTP/1.1\r\nHost: {url.hostname}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {desk.user.access_token}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        raw.sendall(head.encode() + body)
        # Gone before any answer, as when a laptop lid closes.
    results = desk.push(ops)
    assert {r["status"] for r in results} == {"applied"}
    assert _customer_count(test_database, tenant.id, names) == len(names)
    time.sleep(0.5)
    assert _customer_count(test_database, tenant.id, names) == len(names)


def test_pull_pages_never_skip_or_repeat_a_row_under_concurrent_writers(
    http: httpx.Client, make_tenant: Any
) -> None:
    tenant: TenantHandle = make_tenant()
    writers = [Desktop(http, tenant.add_user(["salesperson"]), f"desk-w{i}") for i in range(3)]
    reader = Desktop(http, tenant.add_user(["salesperson"]), "desk-r")
    reader.pull_all()
    written: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def write(desk: Desktop) -> None:
        try:
            for _ in range(15):
                ops = [desk.op("customer", uuid7(), {"first_name": desk.device_id}) for _ in range(4)]
                assert {r["status"] for r in desk.push(ops)} == {"applied"}
                with lock:
                    written.extend(op["row_id"] for op in ops)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(d,)) for d in writers]
    for thread in threads:
        thread.start()
    seen: list[dict[str, Any]] = []
    while any(t.is_alive() for t in threads):
        seen += reader.pull_page(limit=5)["changes"]
    for thread in threads:
        thread.join()
    assert not errors, errors
    seen += reader.pull_all(limit=5)
    customers = [c["row_id"] for c in seen if c["table"] == "customer"]
    versions = [c["version"] for c in seen]
    assert versions == sorted(versions) and len(versions) == len(set(versions))
    assert len(customers) == len(set(customers))  # no repeats
    assert set(customers) == set(written) and len(written) == 3 * 15 * 4  # no gaps


def test_the_same_batch_pushed_twice_at_once_is_applied_once(
    http: httpx.Client, make_tenant: Any, test_database: DatabaseUrls
) -> None:
    tenant: TenantHandle = make_tenant()
    desk = Desktop(http, tenant.add_user(["salesperson"]), "desk-twice")
    names = [f"Twice{i}" for i in range(30)]
    ops = [desk.op("customer", uuid7(), {"first_name": n}) for n in names]
    answers: list[list[dict[str, Any]]] = []
    threads = [threading.Thread(target=lambda: answers.append(desk.push(ops))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = answers
    duplicates = [a["duplicate"] or b["duplicate"] for a, b in zip(first, second, strict=True)]
    assert all(duplicates) and not any(
        a["duplicate"] and b["duplicate"] for a, b in zip(first, second, strict=True)
    )
    assert _customer_count(test_database, tenant.id, names) == len(names)
