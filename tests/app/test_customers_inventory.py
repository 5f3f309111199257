"""Customers and inventory through their services: clean input saved, bad input named and nothing saved."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from app.policy import Principal
from app.services.customers import CustomerService
from app.services.inventory import InventoryFilter, InventoryService
from app.store.database import Actor, Store
from app.store.models import AuditEvent, Customer, OutboxOp

GOOD_CUSTOMER: dict[str, Any] = {
    "first_name": "  Maria ",
    "last_name": "Garcia",
    "email": "Maria.Garcia@Example.com",
    "phone": "(512) 555-0142",
    "address_line1": "1100 congress avenue",
    "address_line2": "apartment 4",
    "city": "austin",
    "state": "Texas",
    "zip": "78701",
    "credit_score": "712",
    "annual_income": "68,500.00",
}


def _counts(store: Store, tenant: str) -> tuple[int, int, int]:
    with store.session(Actor(tenant, None, "dev")) as session:
        return (
            session.scalar(select(func.count()).select_from(Customer)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            session.scalar(select(func.count()).select_from(OutboxOp)) or 0,
        )


def test_a_new_customer_is_normalised_and_placed_in_a_county(store: Store, salesperson: Principal) -> None:
    customer = CustomerService(store, salesperson).create(GOOD_CUSTOMER)
    assert customer.first_name == "Maria"
    assert customer.email == "maria.garcia@example.com"
    assert customer.phone == "5125550142"
    assert customer.state == "TX" and customer.zip.startswith("78701")
    assert customer.county == "TRAVIS COUNTY"
    assert customer.credit_score == 712 and customer.annual_income == Decimal("68500.00")
    assert customer.address_line1 is not None and "CONGRESS" in customer.address_line1.upper()
    assert _counts(store, salesperson.tenant_id) == (1, 1, 2)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "555-12"}, "phone"),
        ({"credit_score": "9000"}, "credit_score"),
        ({"credit_score": "seven hundred"}, "credit_score"),
        ({"annual_income": "-1"}, "annual_income"),
        ({"annual_income": "NaN"}, "annual_income"),
        ({"zip": "00000"}, "zip"),
        ({"zip": "7870"}, "zip"),
        ({"state": "ZZ"}, "state"),
        ({"state": "CA"}, "state"),  # ZIP 78701 is in Texas
        ({"favourite_color": "red"}, "favourite_color"),
    ],
)
def test_bad_customer_input_names_the_field_and_saves_nothing(
    store: Store, salesperson: Principal, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        CustomerService(store, salesperson).create({**GOOD_CUSTOMER, **change})
    assert raised.value.field == field
    assert _counts(store, salesperson.tenant_id) == (0, 0, 0)


def test_editing_a_customer_keeps_the_rest_and_rejects_bad_values(
    store: Store, salesperson: Principal
) -> None:
    service = CustomerService(store, salesperson)
    customer = service.create(GOOD_CUSTOMER)
    service.update(customer.id, {"phone": "512-555-0199", "notes": "Prefers texts"})
    with pytest.raises(ValidationError) as raised:
        service.update(customer.id, {"zip": "99999"})
    assert raised.value.field == "zip"
    reloaded = service.get(customer.id)
    assert reloaded.phone == "5125550199" and reloaded.notes == "Prefers texts"
    assert reloaded.zip is not None and reloaded.zip.startswith("78701")


def test_search_finds_by_name_phone_and_zip_within_the_dealership(
    store: Store, salesperson: Principal, other_dealer: Principal
) -> None:
    CustomerService(store, salesperson).create(GOOD_CUSTOMER)
    CustomerService(store, other_dealer).create({**GOOD_CUSTOMER, "first_name": "Other"})
    service = CustomerService(store, salesperson)
    assert [c.first_name for c in service.search("garcia")] == ["Maria"]
    assert [c.first_name for c in service.search("555-0142")] == ["Maria"]
    assert [c.first_name for c in service.search("78701")] == ["Maria"]
    assert service.search("nobody") == []


def test_a_salesperson_cannot_delete_customers(
    store: Store, salesperson: Principal, manager: Principal
) -> None:
    customer = CustomerService(store, salesperson).create(GOOD_CUSTOMER)
    with pytest.raises(PermissionDeniedError):
        CustomerService(store, salesperson).delete(customer.id)
    CustomerService(store, manager).delete(customer.id)
    with pytest.raises(NotFoundError):
        CustomerService(store, manager).get(customer.id)


VEHICLE = {
    "stock_number": "u2001",
    "price": "18995.00",
    "cost": "16100.00",
    "condition": "used",
    "mileage": "41200",
}


def test_adding_a_vehicle_by_vin_decodes_it(store: Store, manager: Principal) -> None:
    vehicle = InventoryService(store, manager).add_by_vin("5fnyf5h59hb011946", VEHICLE)
    assert vehicle.vin == "5FNYF5H59HB011946"
    assert (vehicle.model_year, vehicle.make, vehicle.model) == (2017, "Honda", "Pilot")
    assert vehicle.stock_number == "U2001" and vehicle.price == Decimal("18995.00")


@pytest.mark.parametrize(
    ("vin", "form", "field"),
    [
        ("5FNYF5H59HB01194", VEHICLE, "vin"),  # 16 characters
        ("5FNYF5H58HB011946", VEHICLE, "vin"),  # check digit wrong
        ("5FNYF5H59HB0I1946", VEHICLE, "vin"),  # I is never used in a VIN
        ("5FNYF5H59HB011946", {**VEHICLE, "price": "-100"}, "price"),
        ("5FNYF5H59HB011946", {**VEHICLE, "price": "12.345"}, "price"),
        ("5FNYF5H59HB011946", {**VEHICLE, "condition": "mint"}, "condition"),
        ("5FNYF5H59HB011946", {k: v for k, v in VEHICLE.items() if k != "stock_number"}, "stock_number"),
        ("5FNYF5H59HB011946", {**VEHICLE, "mileage": "-3"}, "mileage"),
    ],
)
def test_bad_vehicle_input_names_the_field_and_saves_nothing(
    store: Store, manager: Principal, vin: str, form: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        InventoryService(store, manager).add_by_vin(vin, form)
    assert raised.value.field == field
    assert InventoryService(store, manager).find(InventoryFilter(status=None)) == []


def test_a_vin_already_in_stock_is_refused(store: Store, manager: Principal) -> None:
    service = InventoryService(store, manager)
    service.add_by_vin("5FNYF5H59HB011946", VEHICLE)
    with pytest.raises(ConflictError) as raised:
        service.add_by_vin("5FNYF5H59HB011946", {**VEHICLE, "stock_number": "U2002"})
    assert raised.value.field == "vin"


def test_filters_and_cost_visibility(store: Store, manager: Principal, salesperson: Principal) -> None:
    service = InventoryService(store, manager)
    service.add_by_vin("5FNYF5H59HB011946", VEHICLE)
    service.add_by_vin("5YJ3E1EA2KF317000", {**VEHICLE, "stock_number": "U2002", "price": "31500.00"})
    cheap = service.find(InventoryFilter(max_price=Decimal("20000")))
    assert [v.stock_number for v in cheap] == ["U2001"]
    assert [v.make for v in service.find(InventoryFilter(text="tesla"))] == ["Tesla"]
    as_sales = InventoryService(store, salesperson).find()
    assert {v.cost for v in as_sales} == {None}
    assert {v.cost for v in service.find()} == {Decimal("16100.00")}
    # The salesperson's redacted view never reaches the store.
    assert {v.cost for v in service.find()} == {Decimal("16100.00")}


def test_inventory_edits_are_permission_checked(store: Store, salesperson: Principal) -> None:
    with pytest.raises(PermissionDeniedError):
        InventoryService(store, salesperson).add_by_vin("5FNYF5H59HB011946", VEHICLE)


def test_vehicles_of_another_dealership_stay_invisible(
    store: Store, manager: Principal, other_dealer: Principal
) -> None:
    vehicle = InventoryService(store, manager).add_by_vin("5FNYF5H59HB011946", VEHICLE)
    assert InventoryService(store, other_dealer).find() == []
    with pytest.raises(NotFoundError):
        InventoryService(store, other_dealer).update(vehicle.id, {"price": "1.00"})
    assert InventoryService(store, manager).get(vehicle.id).price == Decimal("18995.00")
