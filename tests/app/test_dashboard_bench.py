"""Dashboard speed on the demo dealership; target well under 200 ms.

Figures with `pytest tests/app/test_dashboard_bench.py --benchmark-enable`; CI runs each once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import delete, select

from app.demo.generator import build_demo
from app.policy import Principal, permissions_for_roles
from app.services.dashboard import DashboardService
from app.store.database import Actor, Store
from app.store.models import AppUser, MlState

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def _manager(store: Store) -> Principal:
    summary = build_demo(store, seed=7, today=date(2026, 11, 24))
    with store.session(Actor(summary.tenant_id, None, "bench")) as session:
        user = session.scalars(select(AppUser).where(AppUser.roles == ["sales_manager"])).first()
        assert user is not None
    return Principal(user.id, summary.tenant_id, permissions_for_roles(user.roles))


def test_dashboard_with_saved_floor_model(benchmark: BenchmarkFixture, store: Store) -> None:
    service = DashboardService(store, _manager(store))
    service.overview(now=NOW)  # the floor model is learnt once and saved; later reads resume from it
    board = benchmark(service.overview, now=NOW)
    assert board.units_sold == 60


def test_dashboard_first_read_learns_the_floor_model(benchmark: BenchmarkFixture, store: Store) -> None:
    principal = _manager(store)
    service = DashboardService(store, principal)

    def forget_and_read() -> int:
        with store.session(Actor(principal.tenant_id, None, "bench"), capture_changes=False) as session:
            session.execute(delete(MlState))
        return len(service.overview(now=NOW).routing.reps)

    assert benchmark(forget_and_read) == 5
