"""The global search: typed hits for customers, vehicles and deals, only what the person may see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from app.policy import Principal
from app.services.search import SearchService
from app.store.database import Actor, Store
from app.store.models import Customer, Deal, Vehicle

VIN_A = "1HGCM82633A004352"


def _lot(store: Store, tenant: str, *, salesperson: str | None = None) -> None:
    with store.session(Actor(tenant, None, "test")) as session:
        maria = Customer(
            first_name="Maria",
            last_name="Garcia",
            phone="5125550142",
            email="maria@example.com",
            city="AUSTIN",
        )
        other = Customer(first_name="John", last_name="Smith", phone="2145550199", email="js@example.org")
        session.add_all([maria, other])
        session.add(
            Vehicle(
                vin=VIN_A,
                stock_number="A1001",
                model_year=2003,
                make="Honda",
                model="Accord",
                condition="used",
                price=Decimal("6995.00"),
                received_on=date(2026, 1, 5),
            )
        )
        session.flush()
        session.add(Deal(customer_id=maria.id, deal_number="D-2026-0042", salesperson_id=salesperson))
        session.add(Deal(customer_id=other.id, deal_number="D-2026-0043", salesperson_id=None))


@pytest.mark.parametrize(
    ("typed", "kind", "title"),
    [
        ("garcia", "customer", "Maria Garcia"),
        ("Maria Garc", "customer", "Maria Garcia"),
        ("Garcia Maria", "customer", "Maria Garcia"),
        ("(512) 555-01", "customer", "Maria Garcia"),
        ("MARIA@EXAMPLE", "customer", "Maria Garcia"),
        ("a1001", "vehicle", "A1001 2003 Honda Accord"),
        ("82633a00", "vehicle", "A1001 2003 Honda Accord"),
        ("0042", "deal", "Deal D-2026-0042"),
    ],
)
def test_each_kind_is_found_by_what_people_type(
    store: Store, tenant_a: str, make_person: Callable[..., Principal], typed: str, kind: str, title: str
) -> None:
    _lot(store, tenant_a)
    hits = SearchService(store, make_person(tenant_a, "sales_manager")).find(typed)
    assert [(h.kind, h.title) for h in hits] == [(kind, title)]


def test_a_deal_hit_says_whose_it_is(
    store: Store, tenant_a: str, make_person: Callable[..., Principal]
) -> None:
    _lot(store, tenant_a)
    (hit,) = SearchService(store, make_person(tenant_a, "admin")).find("D-2026-0042")
    assert hit.detail == "Maria Garcia · draft"


def test_one_letter_finds_nothing(store: Store, tenant_a: str, make_person: Callable[..., Principal]) -> None:
    _lot(store, tenant_a)
    assert SearchService(store, make_person(tenant_a, "admin")).find(" a ") == []


def test_another_dealerships_rows_are_never_found(
    store: Store, tenant_a: str, tenant_b: str, make_person: Callable[..., Principal]
) -> None:
    _lot(store, tenant_a)
    _lot(store, tenant_b)
    search_a = SearchService(store, make_person(tenant_a, "admin"))
    with store.session(Actor(tenant_a, None, "test")) as session:
        ids_a = {row.id for model in (Customer, Vehicle, Deal) for row in session.query(model)}
    for typed in ("garcia", "A1001", VIN_A, "D-2026"):
        hits = search_a.find(typed)
        assert hits, typed
        assert {h.id for h in hits} <= ids_a
    assert len(search_a.find("D-2026")) == 2


def test_people_only_find_what_they_may_see(
    store: Store, tenant_a: str, make_person: Callable[..., Principal]
) -> None:
    seller = make_person(tenant_a, "salesperson")
    _lot(store, tenant_a, salesperson=seller.user_id)
    assert [h.title for h in SearchService(store, seller).find("D-2026")] == ["Deal D-2026-0042"]
    bdc = SearchService(store, make_person(tenant_a, "bdc"))
    assert bdc.find("D-2026") == []
    assert [h.kind for h in bdc.find("garcia")] == ["customer"]
