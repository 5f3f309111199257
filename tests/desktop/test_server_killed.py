"""The sync service killed (SIGKILL) in the middle of a large push, restarted on the same database.

The service runs in a process of its own here (the other tests run it in-process), so the crash is real:
no graceful shutdown, connections cut, the transaction in progress rolled back by PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from app.store.models import Customer, OutboxOp
from sync.client.transport import OfflineError
from tests.desktop.desktops import make_desktop
from tests.desktop.keyrings import MemoryKeyring
from tests.desktop.service_process import ServiceProcess
from tests.server.fixtures import free_port

CUSTOMERS = 2_500  # 5,000 ops with their audit events: many batches, so the kill lands mid-push


@pytest.fixture
def service(server_settings: Any, test_database: Any) -> Iterator[ServiceProcess]:
    process = ServiceProcess(server_settings, test_database.service_conninfo, free_port())
    process.start()
    yield process
    process.stop()


def _server_count(admin: str, sql: str, *params: object) -> int:
    with psycopg.connect(admin) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.slow
def test_server_killed_mid_push_loses_and_duplicates_nothing(
    service: ServiceProcess, make_tenant: Any, test_database: Any, tmp_path: Path
) -> None:
    admin = test_database.admin_conninfo
    tenant = make_tenant()
    seller = tenant.create_user(["salesperson"])
    desk = make_desktop(service.url, tmp_path, "desk-crash", seller.email, seller.password, MemoryKeyring())
    with desk.store.session(desk.actor) as session:
        session.add_all(
            Customer(first_name=f"Crash{i}", last_name="Test", phone="5125550100") for i in range(CUSTOMERS)
        )
    with desk.store.session(desk.actor) as session:
        total_ops = session.scalar(select(func.count()).select_from(OutboxOp)) or 0
    assert total_ops == 2 * CUSTOMERS

    failures: list[BaseException] = []

    def push() -> None:
        try:
            desk.engine.sync_once()
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)

    pusher = threading.Thread(target=push)
    pusher.start()
    answered = 0
    deadline = time.monotonic() + 120
    while answered == 0 and time.monotonic() < deadline:  # the first batches are in: kill it now
        time.sleep(0.01)
        answered = _server_count(admin, "SELECT count(*) FROM applied_op WHERE tenant_id = %s", tenant.id)
    service.kill()
    pusher.join(60)
    # What the server committed before it died (its last transaction rolled back with it).
    answered = _server_count(admin, "SELECT count(*) FROM applied_op WHERE tenant_id = %s", tenant.id)
    assert 0 < answered < total_ops, "the kill must land while the push is still going"
    assert len(failures) == 1 and isinstance(failures[0], OfflineError)
    with desk.store.session(desk.actor) as session:
        waiting = session.scalar(select(func.count()).select_from(OutboxOp)) or 0
    # Whatever the server never answered is still waiting here (answers lost with the kill may add more).
    assert total_ops - answered <= waiting <= total_ops

    service.start()  # same database, same port: the desktop just syncs again
    desk.engine.sync_once()

    with desk.store.session(desk.actor) as session:
        assert (session.scalar(select(func.count()).select_from(OutboxOp)) or 0) == 0
    local = {
        cid: (row["first_name"], row["last_name"], row["phone"]) for cid, row in desk.customers().items()
    }
    with psycopg.connect(admin) as conn:
        on_server = {
            str(r[0]): (r[1], r[2], r[3])
            for r in conn.execute(
                "SELECT id, first_name, last_name, phone FROM customer WHERE tenant_id = %s AND NOT deleted",
                (tenant.id,),
            )
        }
    assert len(local) == CUSTOMERS
    assert on_server == local  # nothing lost, nothing changed
    # Each op applied exactly once: one answer per op, one audit event per customer created here.
    assert (
        _server_count(admin, "SELECT count(*) FROM applied_op WHERE tenant_id = %s", tenant.id) == total_ops
    )
    assert (
        _server_count(
            admin,
            "SELECT count(*) FROM audit_event "
            "WHERE tenant_id = %s AND device_id = %s AND entity = 'customer'",
            tenant.id,
            desk.store.device_id,
        )
        == CUSTOMERS
    )
