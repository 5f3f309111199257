"""Audit log paging, the accounts listing and a customer's history, read through their services."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.policy import BUILTIN_ROLES, Principal
from app.services.accounts import AccountsService
from app.services.audit_log import AuditLogService, AuditQuery
from app.services.customer_history import CustomerHistoryService
from app.services.customers import CustomerService
from app.store.database import Actor, Store
from app.store.models import Activity, AppUser, Deal, Role


def _customers(store: Store, who: Principal, count: int) -> list[str]:
    service = CustomerService(store, who)
    return [service.create({"first_name": "Pat", "last_name": f"Lee{n}"}).id for n in range(count)]


def test_audit_pages_cover_every_event_once_newest_first(
    store: Store, tenant_a: str, make_person: Callable[..., Principal]
) -> None:
    seller = make_person(tenant_a, "salesperson")
    ids = _customers(store, seller, 7)
    log = AuditLogService(store, make_person(tenant_a, "sales_manager"))
    pages = [log.page(AuditQuery(actor_id=seller.user_id, page=n, page_size=3)) for n in (1, 2, 3)]
    assert [p.total for p in pages] == [7, 7, 7] and pages[0].pages == 3
    assert [len(p.events) for p in pages] == [3, 3, 1]
    seen = [e.entity_id for p in pages for e in p.events]
    assert seen == list(reversed(ids))
    assert (pages[0].has_previous, pages[0].has_next, pages[2].has_next) == (False, True, False)
    only_one = log.page(AuditQuery(entity="customer", entity_id=ids[2]))
    assert [e.entity_id for e in only_one.events] == [ids[2]]
    assert log.page(AuditQuery(action="delete")).total == 0
    assert log.page(AuditQuery(action="create")).total == 7


def test_audit_filters_list_what_is_there(
    store: Store, tenant_a: str, make_person: Callable[..., Principal]
) -> None:
    admin = make_person(tenant_a, "admin")
    with store.session(Actor(tenant_a, None, "test")) as session:
        session.add(
            AppUser(id=admin.user_id, email="a@example.com", display_name="Avery Admin", roles=["admin"])
        )
    _customers(store, admin, 1)
    choices = AuditLogService(store, admin).filters()
    assert "customer" in choices.entities and choices.actions == ["create"]
    assert choices.actors[admin.user_id] == "Avery Admin"


@pytest.mark.parametrize(
    ("query", "field"), [(AuditQuery(page=0), "page"), (AuditQuery(page_size=501), "page_size")]
)
def test_bad_paging_is_refused_by_name(
    store: Store, tenant_a: str, make_person: Callable[..., Principal], query: AuditQuery, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        AuditLogService(store, make_person(tenant_a, "admin")).page(query)
    assert raised.value.field == field


def test_audit_needs_permission_and_stays_in_the_dealership(
    store: Store, tenant_a: str, tenant_b: str, make_person: Callable[..., Principal]
) -> None:
    _customers(store, make_person(tenant_b, "admin"), 3)
    with pytest.raises(PermissionDeniedError):
        AuditLogService(store, make_person(tenant_a, "salesperson")).page()
    assert AuditLogService(store, make_person(tenant_a, "admin")).page().total == 0


def test_roles_list_builtins_then_custom_and_stored_ones_win(
    store: Store, tenant_a: str, make_person: Callable[..., Principal]
) -> None:
    with store.session(Actor(tenant_a, None, "test")) as session:
        session.add(Role(name="porter", permissions=["inventory.view"], builtin=False))
        session.add(Role(name="bdc", permissions=["leads.view"], builtin=False))
    roles = AccountsService(store, make_person(tenant_a, "admin")).roles()
    assert [r.name for r in roles] == [*BUILTIN_ROLES, "porter"]
    assert next(r for r in roles if r.name == "bdc").permissions == {"leads.view"}
    with pytest.raises(PermissionDeniedError):
        AccountsService(store, make_person(tenant_a, "general_manager")).users()


def test_history_shows_only_deals_the_person_may_open(
    store: Store, tenant_a: str, make_person: Callable[..., Principal]
) -> None:
    seller = make_person(tenant_a, "salesperson")
    (customer_id,) = _customers(store, seller, 1)
    with store.session(Actor(tenant_a, None, "test")) as session:
        session.add(Deal(customer_id=customer_id, deal_number="D-1", salesperson_id=seller.user_id))
        session.add(Deal(customer_id=customer_id, deal_number="D-2", salesperson_id="someone-else"))
        session.add(Activity(customer_id=customer_id, kind="call", subject="Follow up"))
    mine = CustomerHistoryService(store, seller).history(customer_id)
    assert [d.deal_number for d in mine.deals] == ["D-1"] and mine.hidden_deals == 1
    assert [a.subject for a in mine.activities] == ["Follow up"]
    everything = CustomerHistoryService(store, make_person(tenant_a, "sales_manager")).history(customer_id)
    assert sorted(d.deal_number for d in everything.deals) == ["D-1", "D-2"] and everything.hidden_deals == 0
    with pytest.raises(NotFoundError):
        CustomerHistoryService(store, make_person(tenant_a, "sales_manager")).history("no-such-id")
