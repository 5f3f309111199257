"""The manager dashboard against a real store: every figure is recomputed here from the rows themselves."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from app.demo.generator import build_demo
from app.demo.summary import DemoSummary
from app.policy import Permission, PermissionDeniedError, Principal, permissions_for_roles
from app.services.dashboard import ENGINE, FED_KEY, DashboardService
from app.services.deals import DealService
from app.store.database import Actor, Store, open_store
from app.store.models import AppUser, Customer, Deal, Dealership, Lead, MlState, Vehicle
from ml.oscillator import TeamNetwork

# Noon in Austin on a weekday: the demo's salespeople (floor hours 09:00-21:00) are all on.
NOON_AUSTIN = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
THREE_AM_AUSTIN = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _as(store: Store, tenant_id: str, role: str) -> Principal:
    with store.session(Actor(tenant_id, None, "test")) as session:
        user = session.scalars(select(AppUser).where(AppUser.roles == [role])).first()
        assert user is not None
        return Principal(user.id, tenant_id, permissions_for_roles(user.roles))


def _rows(store: Store, tenant_id: str, model: Any) -> list[Any]:
    with store.session(Actor(tenant_id, None, "test")) as session:
        return list(session.scalars(select(model)).all())


@pytest.fixture
def demo(store: Store) -> DemoSummary:
    return build_demo(store, seed=7, today=date(2026, 11, 24))


@pytest.fixture
def manager(store: Store, demo: DemoSummary) -> Principal:
    return _as(store, demo.tenant_id, "sales_manager")


def test_pipeline_and_units_match_the_deals_in_the_store(
    store: Store, demo: DemoSummary, manager: Principal
) -> None:
    board = DashboardService(store, manager).overview(now=NOON_AUSTIN)
    statuses = Counter(d.status for d in _rows(store, demo.tenant_id, Deal))
    assert {p.status: p.count for p in board.pipeline} == {
        s: statuses.get(s, 0) for s in ("draft", "submitted", "approved", "closed", "lost")
    }
    assert board.units_sold == statuses["closed"] > 0


def test_gross_by_salesperson_is_front_plus_back_of_closed_deals_named_from_users(
    store: Store, demo: DemoSummary, manager: Principal
) -> None:
    board = DashboardService(store, manager).overview(now=NOON_AUSTIN)
    names = {u.id: u.display_name for u in _rows(store, demo.tenant_id, AppUser)}
    expected: dict[str, Decimal] = defaultdict(Decimal)
    units: Counter[str] = Counter()
    for deal in _rows(store, demo.tenant_id, Deal):
        if deal.status == "closed":
            expected[names[deal.salesperson_id]] += (deal.front_gross or 0) + (deal.back_gross or 0)
            units[names[deal.salesperson_id]] += 1
    assert {g.name: g.gross for g in board.gross} == expected
    assert {g.name: g.units for g in board.gross} == units
    shown = [g.gross for g in board.gross]
    assert shown == sorted(shown, reverse=True)
    assert board.gross[0].name == max(expected, key=lambda name: expected[name])


def _bucket(days: int) -> str:
    return "0-30" if days <= 30 else "31-60" if days <= 60 else "61-90" if days <= 90 else "90+"


def test_inventory_aging_counts_value_and_cost_of_unsold_vehicles(
    store: Store, demo: DemoSummary, manager: Principal
) -> None:
    today = NOON_AUSTIN.date()
    # Put vehicles right on the bucket edges, where an off-by-one would show.
    with store.session(Actor(demo.tenant_id, None, "test")) as session:
        unsold = session.scalars(select(Vehicle).where(Vehicle.status == "in_stock").limit(4)).all()
        for vehicle, days in zip(unsold, (30, 31, 90, 91), strict=True):
            vehicle.received_on = today - timedelta(days=days)
    board = DashboardService(store, manager).overview(now=NOON_AUSTIN)
    count: Counter[str] = Counter()
    value: dict[str, Decimal] = defaultdict(Decimal)
    cost: dict[str, Decimal] = defaultdict(Decimal)
    for vehicle in _rows(store, demo.tenant_id, Vehicle):
        if vehicle.status in ("sold", "wholesale"):
            continue
        label = _bucket((today - vehicle.received_on).days)
        count[label] += 1
        value[label] += vehicle.price
        cost[label] += vehicle.cost
    assert [a.label for a in board.aging] == ["0-30", "31-60", "61-90", "90+"]
    assert {a.label: a.count for a in board.aging} == count
    assert {a.label: a.value for a in board.aging} == value
    assert {a.label: a.cost for a in board.aging} == cost


def test_cost_is_left_out_for_a_viewer_without_costs_view(
    store: Store, demo: DemoSummary, manager: Principal
) -> None:
    viewer = Principal(manager.user_id, demo.tenant_id, manager.permissions - {Permission.COSTS_VIEW})
    board = DashboardService(store, viewer).overview(now=NOON_AUSTIN)
    full = DashboardService(store, manager).overview(now=NOON_AUSTIN)
    assert all(a.cost is None for a in board.aging)
    assert [(a.count, a.value) for a in board.aging] == [(a.count, a.value) for a in full.aging]


def test_a_salesperson_is_refused_and_nothing_is_saved(store: Store, demo: DemoSummary) -> None:
    salesperson = _as(store, demo.tenant_id, "salesperson")
    with pytest.raises(PermissionDeniedError) as refused:
        DashboardService(store, salesperson).overview(now=NOON_AUSTIN)
    assert refused.value.permission == "dashboard.view"
    assert _rows(store, demo.tenant_id, MlState) == []


def test_each_dealership_sees_only_its_own_figures(
    store: Store, demo: DemoSummary, manager: Principal
) -> None:
    other = build_demo(store, seed=11, today=date(2026, 11, 24))
    other_manager = _as(store, other.tenant_id, "sales_manager")
    before = DashboardService(store, manager).overview(now=NOON_AUSTIN)
    # A deal closed at the other dealership changes its figures, not ours.
    approved = next(d for d in _rows(store, other.tenant_id, Deal) if d.status == "approved")
    DealService(store, other_manager).close(approved.id, front_gross=Decimal("999.00"))
    theirs = DashboardService(store, other_manager).overview(now=NOON_AUSTIN)
    ours = DashboardService(store, manager).overview(now=NOON_AUSTIN)
    assert ours == before
    assert theirs.units_sold == Counter(d.status for d in _rows(store, other.tenant_id, Deal))["closed"]
    our_reps = {u.id for u in _rows(store, demo.tenant_id, AppUser)}
    assert {r.user_id for r in ours.routing.reps} <= our_reps
    assert not {g.user_id for g in theirs.gross} & our_reps
    with store.engine.connect() as connection:
        saved = set(connection.execute(text("SELECT tenant_id, engine FROM ml_state")).all())
    assert {tuple(pair) for pair in saved} == {(demo.tenant_id, ENGINE), (other.tenant_id, ENGINE)}


def test_routing_rows_show_every_active_salesperson_with_load_and_queue(
    store: Store, demo: DemoSummary, manager: Principal
) -> None:
    board = DashboardService(store, manager).overview(now=NOON_AUSTIN)
    users = _rows(store, demo.tenant_id, AppUser)
    reps = {u.id: u.display_name for u in users if u.roles == ["salesperson"] and u.active}
    load: Counter[str] = Counter()
    queue: Counter[str] = Counter()
    for deal in _rows(store, demo.tenant_id, Deal):
        if deal.status in ("draft", "submitted", "approved"):
            load[deal.salesperson_id] += 1
    for lead in _rows(store, demo.tenant_id, Lead):
        if lead.status in ("contacted", "appointment", "working"):
            load[lead.assigned_user_id] += 1
        elif lead.status == "new":
            queue[lead.assigned_user_id] += 1
    rows = {r.user_id: r for r in board.routing.reps}
    assert set(rows) == set(reps)
    for rep_id, row in rows.items():
        assert (row.name, row.on_floor, row.load, row.queue) == (
            reps[rep_id],
            True,
            load[rep_id],
            queue[rep_id],
        )
    assert board.routing.suggested_rep in reps.values()
    assert 0.0 <= board.routing.coherence <= 1.0


def test_nobody_is_suggested_when_the_floor_is_closed(
    store: Store, demo: DemoSummary, manager: Principal
) -> None:
    board = DashboardService(store, manager).overview(now=THREE_AM_AUSTIN)
    assert board.routing.reps and not any(r.on_floor for r in board.routing.reps)
    assert board.routing.suggested_rep is None


def test_a_deactivated_salesperson_leaves_the_floor(
    store: Store, demo: DemoSummary, manager: Principal
) -> None:
    service = DashboardService(store, manager)
    first = service.overview(now=NOON_AUSTIN)
    gone = first.routing.reps[0]
    with store.session(Actor(demo.tenant_id, None, "test")) as session:
        user = session.get(AppUser, gone.user_id)
        assert user is not None
        user.active = False
    after = service.overview(now=NOON_AUSTIN)
    assert gone.user_id not in {r.user_id for r in after.routing.reps}
    assert after.routing.suggested_rep not in (None, gone.name)


def test_floor_model_is_measured_from_ended_deals_and_saved_in_ml_state(
    store: Store, demo: DemoSummary, manager: Principal, tmp_path: Path
) -> None:
    DashboardService(store, manager).overview(now=NOON_AUSTIN)
    deals = _rows(store, demo.tenant_id, Deal)
    ended = {d.id for d in deals if d.status in ("closed", "lost")}
    [row] = _rows(store, demo.tenant_id, MlState)
    assert row.engine == ENGINE
    assert set(row.state[FED_KEY]) == ended
    saved = {p.rep_id: p for p in TeamNetwork.from_state(row.state).performance()}
    for rep_id, perf in saved.items():
        mine = [d for d in deals if d.salesperson_id == rep_id]
        assert perf.wins == sum(d.status == "closed" for d in mine)
        assert perf.losses == sum(d.status == "lost" for d in mine)

    # Closing one more deal after a restart adds exactly that outcome to the saved model.
    store.close()
    reopened = open_store(Path(str(store.engine.url.database)), "test-device")
    try:
        approved = next(d for d in deals if d.status == "approved")
        DealService(reopened, manager).close(approved.id, front_gross=Decimal("1200.00"))
        board = DashboardService(reopened, manager).overview(now=NOON_AUSTIN)
        [row] = _rows(reopened, demo.tenant_id, MlState)
        assert set(row.state[FED_KEY]) == ended | {approved.id}
        after = {p.rep_id: p for p in TeamNetwork.from_state(row.state).performance()}
        rep = approved.salesperson_id
        assert after[rep].wins == saved[rep].wins + 1
        assert (
            next(r.decided for r in board.routing.reps if r.user_id == rep)
            == after[rep].wins + after[rep].losses
        )
    finally:
        reopened.close()


def test_an_unreadable_saved_model_is_rebuilt_from_the_history(
    store: Store, demo: DemoSummary, manager: Principal
) -> None:
    service = DashboardService(store, manager)
    good = service.overview(now=NOON_AUSTIN)
    with store.session(Actor(demo.tenant_id, None, "test")) as session:
        row = session.scalars(select(MlState)).one()
        row.state = {"format": "something else"}
    rebuilt = service.overview(now=NOON_AUSTIN)
    assert [(r.name, r.decided) for r in rebuilt.routing.reps] == [
        (r.name, r.decided) for r in good.routing.reps
    ]
    [row] = _rows(store, demo.tenant_id, MlState)
    assert sum(r.decided for r in rebuilt.routing.reps) == good.pipeline_count(
        "closed"
    ) + good.pipeline_count("lost")


def _small_dealership(store: Store, outcomes: dict[str, tuple[int, int]]) -> tuple[str, Principal]:
    """A dealership whose salespeople have the given (closed, lost) records and nothing else."""
    tenant_id = "00000000-0000-7000-8000-00000000abcd"
    start = NOON_AUSTIN - timedelta(days=60)
    with store.session(Actor(tenant_id, None, "test")) as session:
        session.add(Dealership(id=tenant_id, name="Small Lot", timezone="America/Chicago", settings={}))
        manager = AppUser(email="boss@small.example", display_name="Boss", roles=["sales_manager"])
        session.add(manager)
        customer = Customer(first_name="Pat", last_name="Buyer")
        session.add(customer)
        session.flush()
        number = 0
        for name, (closed, lost) in outcomes.items():
            rep = AppUser(email=f"{name.lower()}@small.example", display_name=name, roles=["salesperson"])
            session.add(rep)
            session.flush()
            for status in ["closed"] * closed + ["lost"] * lost:
                number += 1
                opened = start + timedelta(hours=3 * number)
                session.add(
                    Deal(
                        customer_id=customer.id,
                        salesperson_id=rep.id,
                        deal_number=f"D{number:06d}",
                        status=status,
                        created_at=opened,
                        updated_at=opened + timedelta(minutes=50),
                        closed_at=opened + timedelta(minutes=50) if status == "closed" else None,
                        front_gross=Decimal("1000.00") if status == "closed" else None,
                    )
                )
        manager_id = manager.id
    return tenant_id, Principal(manager_id, tenant_id, permissions_for_roles(["sales_manager"]))


def test_mentoring_pairs_a_measured_closer_with_a_struggling_rep(store: Store) -> None:
    _, boss = _small_dealership(store, {"Ace": (22, 3), "Rookie": (3, 22), "Middle": (12, 4)})
    board = DashboardService(store, boss).overview(now=NOON_AUSTIN)
    assert [(m.mentor, m.mentee) for m in board.routing.mentoring] == [("Ace", "Rookie")]
    rates = {r.name: r.close_rate for r in board.routing.reps}
    assert rates["Ace"] > rates["Middle"] > rates["Rookie"]
    assert {r.name: r.decided for r in board.routing.reps} == {"Ace": 25, "Rookie": 25, "Middle": 16}


def test_no_mentoring_without_enough_evidence(store: Store) -> None:
    _, boss = _small_dealership(store, {"Ace": (5, 0), "Rookie": (0, 5)})
    board = DashboardService(store, boss).overview(now=NOON_AUSTIN)
    assert board.routing.mentoring == ()


def test_filter_narrows_salesperson_rows_only(store: Store, demo: DemoSummary, manager: Principal) -> None:
    board = DashboardService(store, manager).overview(now=NOON_AUSTIN)
    name = board.gross[-1].name
    narrowed = board.for_salesperson(f"  {name.split()[0].upper()} ")
    assert [g.name for g in narrowed.gross] == [name]
    assert [r.name for r in narrowed.routing.reps] == [name]
    assert narrowed.pipeline == board.pipeline and narrowed.aging == board.aging
    assert board.for_salesperson("") is board


def test_the_saved_fed_list_stays_bounded_and_nothing_is_learnt_twice(store: Store) -> None:
    tenant_id, boss = _small_dealership(store, {"Ace": (4, 1)})
    service = DashboardService(store, boss)
    service.overview(now=NOON_AUSTIN)
    with store.session(Actor(tenant_id, None, "test")) as session:
        old = session.scalars(select(Deal)).all()
        ace = old[0].salesperson_id
        later = NOON_AUSTIN + timedelta(days=200)
        session.add(
            Deal(
                customer_id=old[0].customer_id,
                salesperson_id=ace,
                deal_number="D999999",
                status="closed",
                created_at=later,
                updated_at=later + timedelta(hours=1),
                closed_at=later + timedelta(hours=1),
                front_gross=Decimal("500.00"),
            )
        )
    for _ in range(2):  # the second read must not learn the old deals again
        board = service.overview(now=later + timedelta(hours=2))
        assert [(r.name, r.decided) for r in board.routing.reps] == [("Ace", 6)]
    [row] = _rows(store, tenant_id, MlState)
    assert len(row.state[FED_KEY]) == 1  # the old deals are behind the horizon, not listed one by one
    wins = {p.rep_id: p.wins for p in TeamNetwork.from_state(row.state).performance()}
    assert wins == {ace: 5}


def test_a_reps_own_shift_setting_decides_whether_they_are_on_the_floor(
    store: Store, demo: DemoSummary, manager: Principal
) -> None:
    rep = DashboardService(store, manager).overview(now=NOON_AUSTIN).routing.reps[0]
    with store.session(Actor(demo.tenant_id, None, "test")) as session:
        dealership = session.scalars(select(Dealership)).one()
        dealership.settings = {**dealership.settings, "shifts": {rep.user_id: ["22:00", "06:00"]}}
    noon = DashboardService(store, manager).overview(now=NOON_AUSTIN)
    on_floor = {r.name: r.on_floor for r in noon.routing.reps}
    assert on_floor.pop(rep.name) is False and all(on_floor.values())
    assert noon.routing.suggested_rep not in (None, rep.name)
    night = DashboardService(store, manager).overview(now=THREE_AM_AUSTIN)
    assert [r.name for r in night.routing.reps if r.on_floor] == [rep.name]
    assert night.routing.suggested_rep == rep.name
