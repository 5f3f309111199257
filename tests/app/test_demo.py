"""The demo dealership: realistic, valid, and the same for the same seed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.address import lookup_zip
from app.demo.generator import build_demo
from app.services.deal_states import DealStatus
from app.store.database import Actor, open_store
from app.store.models import AppUser, Customer, Deal, Vehicle
from app.vin import decode_vin, validate_vin

TODAY = date(2026, 11, 24)


def _snapshot(path: Path, seed: int) -> tuple[list[tuple[str, ...]], str]:
    store = open_store(path, "dev")
    summary = build_demo(store, seed=seed, today=TODAY)
    with store.session(Actor(summary.tenant_id, None, "dev")) as session:
        vehicles = [
            (v.id, v.vin, str(v.price)) for v in session.scalars(select(Vehicle).order_by(Vehicle.id))
        ]
        customers = [
            (c.id, c.last_name, c.zip or "") for c in session.scalars(select(Customer).order_by(Customer.id))
        ]
    store.close()
    return vehicles + customers, summary.tenant_id


def test_same_seed_same_dealership_other_seed_other_one(tmp_path: Path) -> None:
    first, tenant = _snapshot(tmp_path / "a.sqlite3", seed=11)
    again, tenant_again = _snapshot(tmp_path / "b.sqlite3", seed=11)
    other, _ = _snapshot(tmp_path / "c.sqlite3", seed=12)
    assert first == again and tenant == tenant_again
    assert first != other


def test_the_demo_is_realistic_and_valid(tmp_path: Path) -> None:
    store = open_store(tmp_path / "demo.sqlite3", "dev")
    summary = build_demo(store, seed=7, today=TODAY)
    assert summary.vehicles == 200 and summary.customers == 500
    assert set(summary.deals) == {s.value for s in DealStatus} and all(summary.deals.values())
    with store.session(Actor(summary.tenant_id, None, "dev")) as session:
        users = session.scalars(select(AppUser)).all()
        assert len(users) == 12
        assert {r for u in users for r in u.roles} >= {
            "admin",
            "sales_manager",
            "salesperson",
            "finance_manager",
        }
        vehicles = session.scalars(select(Vehicle)).all()
        for vehicle in vehicles:
            assert validate_vin(vehicle.vin) == vehicle.vin
            decoded = decode_vin(vehicle.vin)
            assert decoded.model_year == vehicle.model_year
            assert vehicle.cost is not None and vehicle.cost < vehicle.price
        assert sum(decode_vin(v.vin).make == v.make for v in vehicles) > 150
        assert {v.condition for v in vehicles} == {"new", "used"}
        customers = session.scalars(select(Customer)).all()
        assert len({c.state for c in customers}) >= 5
        for customer in customers:
            info = lookup_zip(customer.zip or "")
            assert (info.state, info.county) == (customer.state, customer.county), customer.zip
        closed = session.scalars(select(Deal).where(Deal.status == "closed")).all()
        sold = {v.id for v in vehicles if v.status == "sold"}
        assert {d.vehicle_id for d in closed} == sold
    store.close()
