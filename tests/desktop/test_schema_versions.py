"""A desktop newer than the server never pushes what the server does not know, and loses none of it.

The server under test is the real one at this build's schema. To pose as a newer app, the desktop's
engine gets a catalogue in which the customer's ``notes`` came with a later schema (3) than the
server's: for this server, ``notes`` is then a field it does not have yet.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from sqlalchemy import func, select

from app.replica import StoreReplica
from app.store.models import Customer, OutboxOp
from sync.client.engine import SyncEngine
from sync.client.schema_gate import SchemaGate, gate_for
from sync.schema import SCHEMA_VERSION, SYNCED_TABLES
from tests.desktop.desktops import Desktop, make_desktop
from tests.desktop.keyrings import MemoryKeyring

NEWER = SCHEMA_VERSION + 1
NEWER_TABLES = {
    **SYNCED_TABLES,
    "customer": dataclasses.replace(SYNCED_TABLES["customer"], field_since={"notes": NEWER}),
}


def test_every_table_and_field_is_at_most_this_schema_version() -> None:
    for table in SYNCED_TABLES.values():
        assert 1 <= table.since <= SCHEMA_VERSION, table.name
        assert all(table.since <= since <= SCHEMA_VERSION for since in table.field_since.values()), table.name
    assert gate_for(SCHEMA_VERSION) is None  # a server at this version takes everything


def test_a_gate_splits_known_from_newer_fields() -> None:
    gate = SchemaGate(SCHEMA_VERSION, NEWER_TABLES)
    assert gate.split("customer", "upsert", {"first_name": "Ann", "notes": "VIP"}) == (
        {"first_name": "Ann"},
        {"notes": "VIP"},
    )
    assert gate.split("customer", "upsert", {"notes": "VIP"}) is None  # nothing it could take: waits
    assert gate.split("customer", "delete", {}) == ({}, {})
    older = SchemaGate(1, SYNCED_TABLES)
    assert older.split("assistant_message", "upsert", {"content": "hi"}) is None  # a table of schema 2


@pytest.fixture
def seller(live_server: Any, make_tenant: Any, tmp_path: Path) -> Any:
    tenant = make_tenant()
    user = tenant.create_user(["salesperson"])

    def desktop(name: str) -> Desktop:
        return make_desktop(
            live_server.url, tmp_path, f"{name}-{uuid4().hex[:8]}", user.email, user.password, MemoryKeyring()
        )

    return desktop


def _newer_engine(desk: Desktop, tables: Any, version: int) -> SyncEngine:
    return SyncEngine(
        StoreReplica(desk.store, desk.principal.tenant_id),
        desk.engine._transport,
        desk.store.device_id,
        schema_version=version,
        tables=tables,
    )


def _outbox(desk: Desktop) -> list[dict[str, Any]]:
    with desk.store.session(desk.actor) as session:
        return [dict(op.fields) for op in session.scalars(select(OutboxOp).order_by(OutboxOp.seq))]


def _server_notes(admin: str, customer_id: str) -> tuple[str | None, str | None]:
    with psycopg.connect(admin) as conn:
        row = conn.execute("SELECT first_name, notes FROM customer WHERE id = %s", (customer_id,)).fetchone()
    assert row is not None, "the customer never reached the server"
    return row[0], row[1]


def test_a_newer_desktop_holds_back_fields_the_server_lacks_until_it_has_them(
    seller: Any, test_database: Any
) -> None:
    desk = seller("desk-new")
    with desk.store.session(desk.actor) as session:
        customer = Customer(first_name="Ann", last_name="Newer", phone="5125550100", notes="VIP")
        session.add(customer)
        session.flush()
        customer_id = customer.id

    newer = _newer_engine(desk, NEWER_TABLES, NEWER)
    newer.sync_once()
    # The server took the customer (and its audit event) without the field it does not know...
    assert _server_notes(test_database.admin_conninfo, customer_id) == ("Ann", None)
    assert newer.status.last_error is None
    # ...and the note is still here: on the customer, and waiting in the outbox, alone.
    assert desk.customers()[customer_id]["notes"] == "VIP"
    assert _outbox(desk) == [{"notes": "VIP"}]
    assert newer.status.waiting == 1

    # A change of that field alone waits whole; syncing again sends nothing the server lacks.
    with desk.store.session(desk.actor) as session:
        row = session.get(Customer, customer_id)
        assert row is not None
        row.notes = "VIP since 2019"
    newer.sync_once()
    assert _server_notes(test_database.admin_conninfo, customer_id) == ("Ann", None)
    assert _outbox(desk) == [{"notes": "VIP"}, {"notes": "VIP since 2019"}]
    assert desk.customers()[customer_id]["notes"] == "VIP since 2019"  # the pull did not undo it

    # The server upgrades (here: the field is one it knows): the held changes go, in their order.
    upgraded = _newer_engine(desk, SYNCED_TABLES, SCHEMA_VERSION)
    upgraded.sync_once()
    assert _server_notes(test_database.admin_conninfo, customer_id) == ("Ann", "VIP since 2019")
    with desk.store.session(desk.actor) as session:
        assert session.scalar(select(func.count()).select_from(OutboxOp)) == 0
    other = seller("desk-other")
    other.engine.sync_once()
    assert other.customers()[customer_id]["notes"] == "VIP since 2019"
