"""Dealership settings through their service: clean pairs saved as stored, a bad one names its key."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from app.errors import PermissionDeniedError, ValidationError
from app.policy import Principal
from app.services.settings import SettingEntry, SettingsService
from app.store.database import Actor, Store
from app.store.models import Dealership, OutboxOp

START = {"doc_fee": "150.00", "default_apr": "0.0699", "default_term_months": 72, "logo": "kept.png"}


@pytest.fixture
def service(store: Store, tenant_a: str, make_person: Callable[..., Principal]) -> SettingsService:
    with store.session(Actor(tenant_a, None, "test")) as session:
        session.add(Dealership(id=tenant_a, tenant_id=tenant_a, name="Lot A", settings=dict(START)))
    return SettingsService(store, make_person(tenant_a, "general_manager"))


def _stored(store: Store, tenant: str) -> dict[str, object]:
    with store.session(Actor(tenant, None, "test")) as session:
        return dict(session.scalars(select(Dealership)).one().settings)


def test_editor_pairs_are_saved_in_the_stored_shape(
    service: SettingsService, store: Store, tenant_a: str
) -> None:
    saved = service.save(
        {
            "doc_fee": "$199.5",
            "default_apr": "0.0549",
            "default_term_months": "60",
            "lender": "  Hill Country  Credit Union ",
            "tax_rate.tx/travis county": "0.0825",
            "fee.Title": "33",
        }
    )
    assert _stored(store, tenant_a) == {
        "doc_fee": "199.50",
        "default_apr": "0.0549",
        "default_term_months": 60,
        "lender": "Hill Country Credit Union",
        "tax_rate_overrides": {"TX/TRAVIS COUNTY": "0.0825"},
        "fee_overrides": {"title": "33.00"},
        "logo": "kept.png",  # a key the editor does not show survives
    }
    assert SettingEntry("tax_rate.TX/TRAVIS COUNTY", "0.0825") in saved
    assert service.entries() == saved


def test_removing_a_pair_removes_the_setting(service: SettingsService, store: Store, tenant_a: str) -> None:
    service.save({"doc_fee": "150.00", "fee.title": "33.00"})
    service.save({"doc_fee": "150.00"})
    stored = _stored(store, tenant_a)
    assert "fee_overrides" not in stored and "default_apr" not in stored
    assert stored["doc_fee"] == "150.00"


@pytest.mark.parametrize(
    ("entries", "field", "words"),
    [
        ({"doc_fee": "lots"}, "doc_fee", "not an amount"),
        ({"doc_fee": "-5"}, "doc_fee", "negative"),
        ({"default_apr": "6.99"}, "default_apr", "0.0699"),
        ({"default_term_months": "120"}, "default_term_months", "between 12 and 96"),
        ({"tax_rate.TX": "abc"}, "tax_rate.TX", "not a number"),
        ({"tax_rate.": "0.05"}, "tax_rate.", "needs a name"),
        ({"fee.title": "12.345"}, "fee.title", "whole cents"),
        ({"colour": "red"}, "colour", "not a dealership setting"),
        ({"fee.Title": "1", "fee.title ": "2"}, "fee.title", "twice"),
    ],
)
def test_a_bad_value_names_its_key_and_nothing_is_saved(
    service: SettingsService, store: Store, tenant_a: str, entries: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        service.save({"doc_fee": "999.00", **entries})
    assert raised.value.field == field
    assert words in raised.value.message
    assert _stored(store, tenant_a) == START


def test_settings_need_the_admin_settings_permission(
    service: SettingsService, store: Store, tenant_a: str, make_person: Callable[..., Principal]
) -> None:
    manager = SettingsService(store, make_person(tenant_a, "sales_manager"))
    with pytest.raises(PermissionDeniedError):
        manager.save({"doc_fee": "1.00"})
    with pytest.raises(PermissionDeniedError):
        manager.entries()
    assert _stored(store, tenant_a) == START


def test_each_dealership_edits_only_its_own_settings(
    service: SettingsService,
    store: Store,
    tenant_a: str,
    tenant_b: str,
    make_person: Callable[..., Principal],
) -> None:
    with store.session(Actor(tenant_b, None, "test")) as session:
        session.add(Dealership(id=tenant_b, tenant_id=tenant_b, name="Lot B", settings={"doc_fee": "75.00"}))
    SettingsService(store, make_person(tenant_b, "admin")).save({"doc_fee": "80.00"})
    assert _stored(store, tenant_a) == START
    assert _stored(store, tenant_b) == {"doc_fee": "80.00"}


def _queued_dealership_changes(store: Store, tenant: str) -> int:
    with store.session(Actor(tenant, None, "test")) as session:
        return len(session.scalars(select(OutboxOp).where(OutboxOp.table_name == "dealership")).all())


def test_signed_in_settings_go_to_the_server_first(
    store: Store, tenant_a: str, make_person: Callable[..., Principal]
) -> None:
    with store.session(Actor(tenant_a, None, "test"), capture_changes=False) as session:
        session.add(Dealership(id=tenant_a, tenant_id=tenant_a, name="Lot A", settings=dict(START)))
    server: list[dict[str, object]] = []  # what the admin API received, in order
    service = SettingsService(store, make_person(tenant_a, "admin"), publish=server.append)
    service.save({"doc_fee": "180"})
    assert server == [{"doc_fee": "180.00", "logo": "kept.png"}]
    assert _stored(store, tenant_a) == server[0]
    # The server owns the row: the local copy is not queued for a push it would refuse.
    assert _queued_dealership_changes(store, tenant_a) == 0


def test_settings_the_server_refuses_are_not_kept_locally(
    store: Store, tenant_a: str, make_person: Callable[..., Principal]
) -> None:
    with store.session(Actor(tenant_a, None, "test"), capture_changes=False) as session:
        session.add(Dealership(id=tenant_a, tenant_id=tenant_a, name="Lot A", settings=dict(START)))

    def offline(_settings: dict[str, object]) -> None:
        raise ConnectionError("sync server unreachable")

    service = SettingsService(store, make_person(tenant_a, "admin"), publish=offline)
    with pytest.raises(ConnectionError):
        service.save({"doc_fee": "180"})
    assert _stored(store, tenant_a) == START


def test_demo_settings_are_saved_locally_like_any_change(
    service: SettingsService, store: Store, tenant_a: str
) -> None:
    queued = _queued_dealership_changes(store, tenant_a)
    service.save({"doc_fee": "160"})
    assert _queued_dealership_changes(store, tenant_a) == queued + 1
