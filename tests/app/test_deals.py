"""Deals move draft → submitted → approved → closed (or lost), each move by someone allowed to make it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import IllegalTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from app.policy import Principal
from app.services.deal_states import TRANSITIONS, DealStatus, next_statuses, required_permission
from app.services.deals import DealService
from app.store.database import Actor, Store
from app.store.models import AuditEvent, Customer, Deal, Vehicle


def _customer_and_vehicle(store: Store, tenant: str) -> tuple[str, str]:
    with store.session(Actor(tenant, None, "dev")) as session:
        customer = Customer(first_name="Dee", last_name="Buyer")
        vehicle = Vehicle(
            vin="5YJ3E1EA7KF317000", stock_number="U100", condition="used", price=Decimal("28999.00")
        )
        session.add_all([customer, vehicle])
    return customer.id, vehicle.id


def _ready_deal(store: Store, salesperson: Principal) -> Deal:
    customer_id, vehicle_id = _customer_and_vehicle(store, salesperson.tenant_id)
    deals = DealService(store, salesperson)
    deal = deals.create(customer_id, vehicle_id=vehicle_id, deal_type="finance")
    deals.save_scenario(
        deal.id,
        name="72 mo",
        deal_type="finance",
        inputs={"cash_down": "3000"},
        quote={"finance": {"monthly_payment": "512.34"}},
    )
    return deal


def test_the_full_happy_path(store: Store, salesperson: Principal, manager: Principal) -> None:
    deal = _ready_deal(store, salesperson)
    assert deal.status == "draft" and deal.deal_number == "D000001"
    DealService(store, salesperson).submit(deal.id)
    approved = DealService(store, manager).approve(deal.id)
    assert approved.status == "approved" and approved.manager_id == manager.user_id
    closed = DealService(store, manager).close(deal.id, front_gross=Decimal("1800.00"))
    assert closed.status == "closed" and closed.closed_at is not None
    with store.session(Actor(salesperson.tenant_id, None, "dev")) as session:
        vehicle = session.get(Vehicle, deal.vehicle_id)
        assert vehicle is not None and vehicle.status == "sold"
        moves = [
            (e.after or {}).get("status")
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.entity == "deal").order_by(AuditEvent.at)
            )
        ]
        assert [m for m in moves if m] == ["draft", "submitted", "approved", "closed"]


def test_a_salesperson_cannot_approve_their_own_deal(store: Store, salesperson: Principal) -> None:
    deal = _ready_deal(store, salesperson)
    service = DealService(store, salesperson)
    service.submit(deal.id)
    with pytest.raises(PermissionDeniedError) as raised:
        service.approve(deal.id)
    assert raised.value.permission == "deals.approve"
    assert service.get(deal.id).status == "submitted"


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], DealStatus.APPROVED),
        ([], DealStatus.CLOSED),
        (["submit"], DealStatus.CLOSED),
        (["submit", "approve", "close"], DealStatus.DRAFT),
        (["submit", "approve", "close"], DealStatus.LOST),
    ],
)
def test_illegal_transitions_raise_and_change_nothing(
    store: Store, salesperson: Principal, manager: Principal, path: list[str], illegal: DealStatus
) -> None:
    deal = _ready_deal(store, salesperson)
    service = DealService(store, manager)
    for step in path:
        getattr(service, step)(deal.id)
    before = service.get(deal.id).status
    with pytest.raises(IllegalTransitionError) as raised:
        service._move(deal.id, illegal, reason="because")
    assert raised.value.field == "status"
    assert service.get(deal.id).status == before


def test_returning_a_deal_needs_a_reason(store: Store, salesperson: Principal, manager: Principal) -> None:
    deal = _ready_deal(store, salesperson)
    DealService(store, salesperson).submit(deal.id)
    with pytest.raises(ValidationError) as raised:
        DealService(store, manager).return_to_draft(deal.id, "  ")
    assert raised.value.field == "reason"
    returned = DealService(store, manager).return_to_draft(deal.id, "Need proof of income")
    assert returned.status == "draft" and returned.status_reason == "Need proof of income"


def test_submitting_needs_a_vehicle_and_a_scenario(store: Store, salesperson: Principal) -> None:
    customer_id, _ = _customer_and_vehicle(store, salesperson.tenant_id)
    service = DealService(store, salesperson)
    deal = service.create(customer_id)
    with pytest.raises(ValidationError) as raised:
        service.submit(deal.id)
    assert raised.value.field == "vehicle_id"
    assert service.get(deal.id).status == "draft"


def test_a_lost_deal_is_final_and_keeps_its_reason(store: Store, salesperson: Principal) -> None:
    deal = _ready_deal(store, salesperson)
    service = DealService(store, salesperson)
    lost = service.mark_lost(deal.id, "bought elsewhere")
    assert lost.status == "lost" and next_statuses("lost") == []
    with pytest.raises(IllegalTransitionError):
        service.submit(deal.id)


def test_every_transition_names_a_permission_and_only_those_exist() -> None:
    for (frm, to), permission in TRANSITIONS.items():
        assert required_permission(frm, to) == permission
    for frm in DealStatus:
        for to in DealStatus:
            if (frm, to) not in TRANSITIONS:
                with pytest.raises(IllegalTransitionError):
                    required_permission(frm, to)


def test_salespeople_see_only_their_own_deals(
    store: Store, salesperson: Principal, manager: Principal, make_person: Callable[..., Principal]
) -> None:
    mine = _ready_deal(store, salesperson)
    colleague = make_person(salesperson.tenant_id, "salesperson")
    with pytest.raises(PermissionDeniedError):
        DealService(store, colleague).get(mine.id)
    assert DealService(store, colleague).list() == []
    assert [d.id for d in DealService(store, manager).list()] == [mine.id]


def test_deals_of_another_dealership_are_not_found(
    store: Store, salesperson: Principal, other_dealer: Principal
) -> None:
    deal = _ready_deal(store, salesperson)
    with pytest.raises(NotFoundError):
        DealService(store, other_dealer).get(deal.id)
    with pytest.raises(NotFoundError):
        DealService(store, other_dealer).approve(deal.id)
    assert DealService(store, salesperson).get(deal.id).status == "draft"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"deal_type": "barter"}, "deal_type"),
        ({"vehicle_id": "no-such-vehicle"}, "vehicle_id"),
    ],
)
def test_bad_deal_input_names_the_field(
    store: Store, salesperson: Principal, kwargs: dict[str, str], field: str
) -> None:
    customer_id, _ = _customer_and_vehicle(store, salesperson.tenant_id)
    with pytest.raises(ValidationError) as raised:
        DealService(store, salesperson).create(customer_id, **kwargs)
    assert raised.value.field == field
    assert DealService(store, salesperson).list() == []


def test_bad_scenario_input_names_the_field_and_saves_nothing(store: Store, salesperson: Principal) -> None:
    deal = _ready_deal(store, salesperson)
    service = DealService(store, salesperson)
    with pytest.raises(ValidationError) as raised:
        service.save_scenario(deal.id, name="", deal_type="finance", inputs={}, quote=None)
    assert raised.value.field == "name"
    with pytest.raises(ValidationError) as raised:
        service.save_scenario(
            deal.id, name="x", deal_type="finance", inputs={}, quote={"finance": {"monthly_payment": "-5"}}
        )
    assert raised.value.field == "quote.monthly_payment"
    assert len(service.scenarios(deal.id)) == 1
