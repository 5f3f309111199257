"""SIGTERM while a push is in flight: the server stops taking requests but finishes the push first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import psycopg

from app.ids import uuid7
from tests.server.fixtures import (
    SERVICE_PASSWORD,
    DatabaseUrls,
    Desktop,
    TenantHandle,
    free_port,
    private_tempdir,
)


def test_a_push_in_flight_at_sigterm_completes_and_is_kept(
    make_tenant: Any, test_database: DatabaseUrls
) -> None:
    tenant: TenantHandle = make_tenant()
    user = tenant.create_user(["salesperson"])
    with private_tempdir("autolytiq-test-shutdown-") as data_dir:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": test_database.admin_conninfo,
            "AUTOLYTIQ_DATA_DIR": str(data_dir),
            "AUTOLYTIQ_SERVICE_DB_PASSWORD": SERVICE_PASSWORD,
            "AUTOLYTIQ_BCRYPT_COST": "4",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/healthz", timeout=2)
                    break
                except httpx.TransportError:
                    assert server.poll() is None and time.monotonic() < deadline, "server did not start"
                    time.sleep(0.2)
            with httpx.Client(base_url=base, timeout=60) as http:
                login = http.post(
                    "/auth/login",
                    json={"email": user.email, "password": user.password, "device_id": "desk-t"},
                ).json()
                user.access_token = login["tokens"]["access_token"]
                desk = Desktop(http, user, "desk-t")
                held = str(uuid7())
                assert (
                    desk.push([desk.op("customer", held, {"first_name": "Held"})])[0]["status"] == "applied"
                )
                ops = [desk.op("customer", uuid7(), {"first_name": "InFlight"}) for _ in range(10)]
                ops.append(desk.op("customer", held, {"notes": "last op"}, base_version=10**6))
                answers: list[httpx.Response] = []
                with psycopg.connect(test_database.admin_conninfo) as holder:
                    holder.execute("SELECT 1 FROM customer WHERE id = %s FOR UPDATE", (held,))
                    pusher = threading.Thread(target=lambda: answers.append(desk.push_raw(ops)))
                    pusher.start()
                    _wait_until_blocked(test_database)
                    server.send_signal(signal.SIGTERM)  # the push is mid-batch, waiting for the row
                    time.sleep(1.0)
                    assert server.poll() is None  # still finishing the in-flight request
                    holder.rollback()  # let the push go on
                pusher.join(timeout=60)
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            _, stderr = server.communicate(timeout=60)
        assert server.returncode == 0, stderr
    [answer] = answers
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["applied"] * len(ops)
    with psycopg.connect(test_database.admin_conninfo) as conn:
        row = conn.execute(
            "SELECT count(*) FROM customer WHERE tenant_id = %s AND first_name = 'InFlight'", (tenant.id,)
        ).fetchone()
    assert row == (10,)


def _wait_until_blocked(test_database: DatabaseUrls) -> None:
    with psycopg.connect(test_database.admin_conninfo, autocommit=True) as conn:
        deadline = time.monotonic() + 30
        while not conn.execute(
            "SELECT 1 FROM pg_stat_activity "
            "WHERE application_name = 'autolytiq-server' AND wait_event_type = 'Lock'"
        ).fetchone():
            assert time.monotonic() < deadline, "the push never reached the held row"
            time.sleep(0.05)
