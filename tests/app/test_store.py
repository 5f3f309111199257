"""The local store: migrations, tenant scoping, and audit + outbox written with every change."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from app.store.database import Actor, Store, open_store
from app.store.migrate import HEAD_REVISION, current_revision, head_revision
from app.store.models import (
    SYNCED_MODELS,
    AuditEvent,
    Base,
    Customer,
    OutboxOp,
    TenantScoped,
    Vehicle,
)
from sync.schema import SYNCED_TABLES


def test_migrations_build_the_models_schema_from_an_empty_file(tmp_path: Path) -> None:
    store = open_store(tmp_path / "fresh.sqlite3", "dev")
    assert current_revision(store.engine) == head_revision() == HEAD_REVISION
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    store.close()


def test_reopening_a_migrated_store_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    first = open_store(path, "dev")
    actor = Actor("t1", "u1", "dev")
    with first.session(actor) as session:
        session.add(Customer(first_name="Ada", last_name="Byron"))
    first.close()
    second = open_store(path, "dev")
    with second.session(actor) as session:
        assert session.scalars(select(Customer.first_name)).all() == ["Ada"]
    second.close()


def test_local_tables_match_the_synced_catalogue() -> None:
    assert set(SYNCED_MODELS) == set(SYNCED_TABLES)
    for name, table in SYNCED_TABLES.items():
        columns = set(SYNCED_MODELS[name].__table__.columns.keys())
        missing = set(table.fields) - columns
        assert not missing, f"{name} lacks {missing}"


def test_every_table_carries_tenant_id() -> None:
    for table in Base.metadata.tables.values():
        assert "tenant_id" in table.columns, table.name


def _seed_two_tenants(store: Store) -> tuple[Actor, Actor]:
    a, b = Actor("tenant-a", "ua", "dev"), Actor("tenant-b", "ub", "dev")
    with store.session(a) as session:
        session.add(Customer(first_name="Alice", last_name="A"))
        session.add(
            Vehicle(vin="1HGCM82633A004352", stock_number="A1", condition="used", price=Decimal("9000.00"))
        )
    with store.session(b) as session:
        session.add(Customer(first_name="Bob", last_name="B"))
        session.add(
            Vehicle(vin="1HGCM82633A004352", stock_number="A1", condition="used", price=Decimal("9500.00"))
        )
    return a, b


@pytest.mark.parametrize("model", sorted({*SYNCED_MODELS.values(), OutboxOp}, key=lambda m: m.__name__))
def test_a_tenant_never_sees_another_tenants_rows(store: Store, model: type[TenantScoped]) -> None:
    a, b = _seed_two_tenants(store)
    with store.session(a) as session:
        rows = session.scalars(select(model)).all()
        assert all(row.tenant_id == "tenant-a" for row in rows)
        count = session.scalar(select(func.count()).select_from(model))
        assert count == len(rows)
    with store.session(b) as session:
        assert all(row.tenant_id == "tenant-b" for row in session.scalars(select(model)))


def test_get_by_id_and_bulk_update_stay_inside_the_tenant(store: Store) -> None:
    a, b = _seed_two_tenants(store)
    with store.session(b) as session:
        bobs_id = session.scalars(select(Customer.id)).one()
    with store.session(a) as session:
        assert session.get(Customer, bobs_id) is None
        session.execute(update(Customer).values(source="scoped"))
        session.execute(delete(Vehicle))
    with store.session(b) as session:
        assert session.scalars(select(Customer.source)).one() is None
        assert len(session.scalars(select(Vehicle)).all()) == 1


def test_writing_another_tenants_row_is_refused(store: Store) -> None:
    a, _ = _seed_two_tenants(store)
    with pytest.raises(PermissionError), store.session(a) as session:
        session.add(Customer(tenant_id="tenant-b", first_name="Mallory", last_name="M"))
    with store.session(Actor("tenant-b", None, "dev")) as session:
        assert session.scalars(select(Customer.first_name)).all() == ["Bob"]


def test_create_update_delete_each_write_audit_and_outbox(store: Store) -> None:
    actor = Actor("t", "user-1", "dev")
    with store.session(actor) as session:
        customer = Customer(first_name="Cy", last_name="Young", annual_income=Decimal("64000.50"))
        session.add(customer)
    with store.session(actor) as session:
        loaded = session.get(Customer, customer.id)
        assert loaded is not None
        loaded.phone = "5125550111"
    with store.session(actor) as session:
        loaded = session.get(Customer, customer.id)
        session.delete(loaded)
    with store.session(actor) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.at)).all()
        assert [(e.action, e.entity, e.actor_id, e.device_id) for e in events] == [
            ("create", "customer", "user-1", "dev"),
            ("update", "customer", "user-1", "dev"),
            ("delete", "customer", "user-1", "dev"),
        ]
        assert events[0].after is not None and events[0].after["annual_income"] == "64000.50"
        assert events[1].before == {"phone": None} and events[1].after == {"phone": "5125550111"}
        ops = session.scalars(select(OutboxOp).order_by(OutboxOp.seq)).all()
        customer_ops = [(o.kind, o.fields) for o in ops if o.table_name == "customer"]
        assert customer_ops[1:] == [("upsert", {"phone": "5125550111"}), ("delete", {})]
        # Audit events travel too, append-only.
        assert sum(1 for o in ops if o.table_name == "audit_event") == 3
        assert [o.seq for o in ops] == list(range(1, len(ops) + 1))
        assert len({o.hlc for o in ops}) == len(ops) and [o.hlc for o in ops] == sorted(o.hlc for o in ops)


def test_a_failed_change_leaves_no_audit_or_outbox_rows(store: Store) -> None:
    actor = Actor("t", "u", "dev")
    with store.session(actor) as session:
        session.add(
            Vehicle(vin="1HGCM82633A004352", stock_number="S1", condition="used", price=Decimal("1.00"))
        )
    with store.session(actor) as session:
        before = (
            session.scalar(select(func.count()).select_from(AuditEvent)),
            session.scalar(select(func.count()).select_from(OutboxOp)),
        )
    with pytest.raises(IntegrityError), store.session(actor) as session:
        session.add(Customer(first_name="Ok", last_name="Row"))
        # Same VIN in the same dealership violates the unique key: the whole transaction goes.
        session.add(
            Vehicle(vin="1HGCM82633A004352", stock_number="S2", condition="used", price=Decimal("1.00"))
        )
    with store.session(actor) as session:
        after = (
            session.scalar(select(func.count()).select_from(AuditEvent)),
            session.scalar(select(func.count()).select_from(OutboxOp)),
        )
        assert after == before
        assert session.scalars(select(Customer)).all() == []


def test_audit_events_cannot_be_edited_or_deleted(store: Store) -> None:
    actor = Actor("t", "u", "dev")
    with store.session(actor) as session:
        session.add(Customer(first_name="A", last_name="B"))
    with pytest.raises(PermissionError), store.session(actor) as session:
        event = session.scalars(select(AuditEvent)).first()
        session.delete(event)
    with pytest.raises(PermissionError), store.session(actor) as session:
        event = session.scalars(select(AuditEvent)).first()
        assert event is not None
        event.action = "nothing happened"
    with store.session(actor) as session:
        assert session.scalars(select(AuditEvent.action)).all() == ["create"]


def test_rows_from_the_server_are_not_pushed_back(store: Store) -> None:
    actor = Actor("t", None, "dev")
    with store.session(actor, capture_changes=False) as session:
        session.add(Customer(first_name="From", last_name="Server", server_version=12))
    with store.session(actor) as session:
        assert session.scalar(select(func.count()).select_from(OutboxOp)) == 0


def test_money_is_stored_exactly(store: Store) -> None:
    actor = Actor("t", None, "dev")
    with store.session(actor) as session:
        session.add(
            Vehicle(
                vin="5YJ3E1EA7KF317000",
                stock_number="T1",
                condition="used",
                price=Decimal("31999.99"),
                cost=Decimal("0.10") + Decimal("0.20"),
            )
        )
    with store.session(actor) as session:
        vehicle = session.scalars(select(Vehicle)).one()
        assert vehicle.price == Decimal("31999.99")
        assert vehicle.cost == Decimal("0.30")
        assert inspect(vehicle).persistent
