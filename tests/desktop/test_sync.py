"""Sync through faults, against the real service: outages, lost answers, broken pages, offline days."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.replica import StoreReplica
from app.store.models import Customer, OutboxOp, SyncCheckpoint
from sync.client.engine import SyncEngine
from sync.client.transport import OfflineError, ProtocolError, UpdateRequiredError
from tests.desktop.conftest import MemoryKeyring
from tests.desktop.desktops import Desktop, make_desktop


@pytest.fixture
def dealership(live_server: Any, make_tenant: Any, tmp_path: Path) -> Any:
    tenant = make_tenant()
    seller = tenant.create_user(["salesperson"])

    def desktop(name: str) -> Desktop:
        # A new device each time (hypothesis reuses this fixture across its examples).
        device = f"{name}-{uuid4().hex[:8]}"
        return make_desktop(live_server.url, tmp_path, device, seller.email, seller.password, MemoryKeyring())

    return desktop


def _add_customers(desk: Desktop, count: int, prefix: str = "C") -> list[str]:
    ids = []
    with desk.store.session(desk.actor) as session:
        for index in range(count):
            customer = Customer(
                first_name=f"{prefix}{index}", last_name="Offline", phone=f"51255501{index % 100:02d}"
            )
            session.add(customer)
            session.flush()
            ids.append(customer.id)
    return ids


def _outbox(desk: Desktop) -> int:
    with desk.store.session(desk.actor) as session:
        return session.scalar(select(func.count()).select_from(OutboxOp)) or 0


def test_server_down_all_session_then_back_everything_arrives_once(dealership: Any) -> None:
    seller = dealership("desk-a")
    seller.network.down = True
    ids = _add_customers(seller, 40)
    with pytest.raises(OfflineError):
        seller.engine.sync_once()
    status = seller.engine.status
    assert (
        status.online is False and status.offline_since is not None and status.waiting == _outbox(seller) > 0
    )
    assert "Offline since" in status.describe()
    with pytest.raises(OfflineError):
        seller.engine.sync_once()  # still down: still nothing lost
    seller.network.down = False
    report = seller.engine.sync_once()
    assert report.pushed > 0 and _outbox(seller) == 0 and seller.engine.status.online is True
    fresh = dealership("desk-fresh")
    fresh.engine.sync_once()
    assert set(fresh.customers()) == set(ids)
    assert fresh.customers() == seller.customers()


def test_answer_lost_mid_push_nothing_lost_or_duplicated(dealership: Any) -> None:
    seller = dealership("desk-a")
    ids = _add_customers(seller, 25)
    seller.network.lose_answer_to.add("/sync/push")  # the server applies the batch, the answer never arrives
    with pytest.raises(OfflineError):
        seller.engine.sync_once()
    assert _outbox(seller) > 0  # not acknowledged, so still waiting
    seller.engine.sync_once()  # the same op ids again: answered as duplicates
    assert _outbox(seller) == 0
    fresh = dealership("desk-fresh")
    fresh.engine.sync_once()
    assert sorted(fresh.customers()) == sorted(ids)
    assert len(fresh.customers()) == 25


def test_broken_pull_page_applies_nothing(dealership: Any) -> None:
    seller = dealership("desk-a")
    _add_customers(seller, 10)
    seller.engine.sync_once()
    other = dealership("desk-b")
    other.network.truncate_answer_to.add("/sync/pull")
    with pytest.raises(ProtocolError):
        other.engine.sync_once()
    assert other.customers() == {}
    with other.store.session(other.actor) as session:
        assert session.scalars(select(SyncCheckpoint)).first() is None
    other.engine.sync_once()
    assert len(other.customers()) == 10


def test_a_pulled_value_never_overwrites_an_unpushed_local_change(dealership: Any) -> None:
    a, b = dealership("desk-a"), dealership("desk-b")
    [customer_id] = _add_customers(a, 1)
    a.engine.sync_once()
    b.engine.sync_once()
    with b.store.session(b.actor) as session:
        row = session.get(Customer, customer_id)
        assert row is not None
        row.notes = "from B"
    b.engine.sync_once()
    with a.store.session(a.actor) as session:
        row = session.get(Customer, customer_id)
        assert row is not None
        row.notes = "from A, not pushed yet"
    # Pull only (as if a pull ran between the edit and the push): A's pending note must survive.
    a.engine._pull_all()
    assert a.customers()[customer_id]["notes"] == "from A, not pushed yet"


edit = st.tuples(
    st.sampled_from(["a", "b"]),
    st.integers(min_value=0, max_value=4),
    st.sampled_from(["phone", "notes", "last_name", "delete"]),
    st.integers(min_value=0, max_value=99),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(edit, min_size=1, max_size=30))
def test_two_desktops_editing_offline_converge(
    dealership: Any, edits: list[tuple[str, int, str, int]]
) -> None:
    a, b = dealership("desk-a"), dealership("desk-b")
    ids = _add_customers(a, 5, prefix="Shared")
    a.engine.sync_once()
    b.engine.sync_once()
    desks = {"a": a, "b": b}
    for desk in desks.values():
        desk.network.down = True  # days offline
    for who, index, field, value in edits:
        desk = desks[who]
        with desk.store.session(desk.actor) as session:
            row = session.get(Customer, ids[index])
            if row is None:
                continue
            if field == "delete":
                session.delete(row)
            elif field == "phone":
                row.phone = f"51255502{value:02d}"
            else:
                setattr(row, field, f"{field}-{who}-{value}")
    for desk in desks.values():
        desk.network.down = False
    for desk in (a, b, a, b):
        desk.engine.sync_once()
    assert a.customers() == b.customers()
    fresh = dealership("desk-fresh")
    fresh.engine.sync_once()
    assert fresh.customers() == a.customers()
    edited_by = {who: {(i, f) for w, i, f, _ in edits if w == who and f != "delete"} for who in desks}
    if edited_by["a"] & edited_by["b"]:
        # The same field written on both sides: the losing value is kept for review.
        assert a.conflicts() or b.conflicts()


def test_a_change_the_server_refuses_is_undone_and_kept_for_review(dealership: Any) -> None:
    a, b = dealership("desk-a"), dealership("desk-b")
    [customer_id] = _add_customers(a, 1)
    a.engine.sync_once()
    b.engine.sync_once()
    with b.store.session(b.actor) as session:
        session.delete(
            session.get(Customer, customer_id)
        )  # a salesperson may not delete customers: the server will refuse
    b.engine.sync_once()
    assert customer_id in b.customers()  # the server's row is back
    [refusal] = [c for c in b.conflicts() if c.kind == "rejected"]
    assert refusal.row_id == customer_id and "customers.delete" in (refusal.reason or "")


def test_an_outdated_app_is_told_to_update_and_keeps_its_changes(dealership: Any) -> None:
    desk = dealership("desk-old")
    _add_customers(desk, 2)
    outdated = SyncEngine(
        StoreReplica(desk.store, desk.principal.tenant_id),
        desk.engine._transport,
        "desk-old",
        schema_version=0,
    )
    with pytest.raises(UpdateRequiredError) as raised:
        outdated.sync_once()
    assert "too old" in str(raised.value)
    assert outdated.status.update_required and outdated.status.describe() == "Update required to sync"
    assert _outbox(desk) > 0  # nothing is thrown away; the updated app pushes it
