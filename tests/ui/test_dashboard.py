"""The manager dashboard page, driven through its real widgets on the demo dealership."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.policy import Permission, Principal
from app.runtime import AppContext
from app.services.deals import DealService
from app.store.database import Actor
from app.store.models import AppUser, Deal
from ui.pages.dashboard import DashboardPage, dashboard_page


def _page(qtbot: QtBot, ctx: AppContext) -> DashboardPage:
    page = dashboard_page(ctx)
    assert isinstance(page, DashboardPage)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    return page


def _store_figures(ctx: AppContext) -> tuple[Counter[str], dict[str, Decimal]]:
    """Deal counts by status and gross by salesperson name, read straight from the store."""
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        deals = session.scalars(select(Deal)).all()
        names = {u.id: u.display_name for u in session.scalars(select(AppUser))}
    gross: dict[str, Decimal] = defaultdict(Decimal)
    for deal in deals:
        if deal.status == "closed":
            gross[names[deal.salesperson_id or ""]] += (deal.front_gross or 0) + (deal.back_gross or 0)
    return Counter(d.status for d in deals), gross


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None, f"no cell at {row}, {column}"
    return item.text()


def _gross_rows(page: DashboardPage) -> dict[str, str]:
    table = page.gross_table
    return {_cell(table, r, 0): _cell(table, r, 4) for r in range(table.rowCount())}


def test_shows_pipeline_counts_and_the_top_salespersons_gross(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    page = _page(qtbot, as_user("sales_manager"))
    statuses, gross = _store_figures(as_user("sales_manager"))
    for status in ("draft", "submitted", "approved", "closed", "lost"):
        assert page.pipeline_labels[status].text() == f"{status.title()}: {statuses[status]}"
    assert page.pipeline_chart.values == [
        (s.title(), float(statuses[s])) for s in ("draft", "submitted", "approved", "closed", "lost")
    ]
    top = max(gross, key=lambda name: gross[name])
    assert page.top_salesperson.text().startswith(f"Top: {top} ${gross[top]:,.2f}")
    assert _cell(page.gross_table, 0, 0) == top
    assert _gross_rows(page) == {name: f"${value:,.2f}" for name, value in gross.items()}
    assert page.units_sold.text() == f"Units sold: {statuses['closed']}"
    assert page.routing_table.rowCount() == len(gross)
    assert page.aging_table.rowCount() == 4
    assert page.suggested.text().startswith("Next lead: ")


def test_refresh_after_closing_a_deal_updates_the_numbers(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("sales_manager")
    page = _page(qtbot, ctx)
    before, gross_before = _store_figures(ctx)
    approved = next(d for d in DealService(ctx.store, ctx.principal).list(status="approved"))
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        user = session.get(AppUser, approved.salesperson_id)
        assert user is not None
        seller = user.display_name
    DealService(ctx.store, ctx.principal).close(
        approved.id, front_gross=Decimal("1500.00"), back_gross=Decimal("725.50")
    )
    # Not refreshed yet: the page still shows what it read.
    assert page.pipeline_labels["closed"].text() == f"Closed: {before['closed']}"
    page.refresh()
    assert page.pipeline_labels["closed"].text() == f"Closed: {before['closed'] + 1}"
    assert page.pipeline_labels["approved"].text() == f"Approved: {before['approved'] - 1}"
    assert page.units_sold.text() == f"Units sold: {before['closed'] + 1}"
    expected = gross_before[seller] + Decimal("2225.50")
    assert _gross_rows(page)[seller] == f"${expected:,.2f}"


def test_filter_box_narrows_the_salesperson_rows(qtbot: QtBot, as_user: Callable[[str], AppContext]) -> None:
    page = _page(qtbot, as_user("general_manager"))
    everyone = list(_gross_rows(page))
    wanted = everyone[-1]
    qtbot.keyClicks(page.search, wanted.split()[1].lower())  # type: ignore[no-untyped-call]
    assert list(_gross_rows(page)) == [wanted]
    assert [_cell(page.routing_table, r, 0) for r in range(page.routing_table.rowCount())] == [wanted]
    assert [label for label, _ in page.gross_chart.values] == [wanted]
    page.search.clear()
    assert list(_gross_rows(page)) == everyone


def test_cost_column_is_blank_without_costs_view(qtbot: QtBot, demo: AppContext) -> None:
    manager = _page(qtbot, demo)
    assert all(_cell(manager.aging_table, r, 3).startswith("$") for r in range(4))
    limited = Principal(
        demo.principal.user_id, demo.principal.tenant_id, frozenset({Permission.DASHBOARD_VIEW})
    )
    page = _page(qtbot, replace(demo, principal=limited))
    assert [_cell(page.aging_table, r, 3) for r in range(4)] == ["—"] * 4
    assert [_cell(page.aging_table, r, 1) for r in range(4)] == [
        _cell(manager.aging_table, r, 1) for r in range(4)
    ]


def test_a_salesperson_sees_why_the_dashboard_is_empty(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    page = _page(qtbot, as_user("salesperson"))
    assert page.error.isVisible()
    assert "dashboard.view" in page.error.text()
    assert page.gross_table.rowCount() == 0
