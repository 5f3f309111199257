"""The deals workspace driven through its widgets: approvals, returns, lost deals, conflicts, paperwork."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.documents import DocumentKind
from app.runtime import AppContext
from app.services.deals import DealService
from app.store.database import Actor
from app.store.models import AuditEvent, Customer, Deal, SyncConflict, Vehicle
from calc import quote_deal
from ui.pages.deals_workspace import DealsWorkspace, deals_page


def _submitted_by_salesperson(seller: AppContext) -> Deal:
    """A salesperson builds, quotes and submits a deal through DealService."""
    with seller.store.session(Actor(seller.principal.tenant_id, None, "test")) as session:
        customer = session.scalars(select(Customer).where(Customer.state == "TX")).first()
        vehicle = session.scalars(select(Vehicle).where(Vehicle.status == "in_stock")).first()
    assert customer is not None and vehicle is not None
    data = {
        "deal_type": "finance",
        "vehicle": {"price": str(vehicle.price), "condition": vehicle.condition},
        "customer": {"state": "TX", "zip": customer.zip},
        "dealer_state": "TX",
        "cash_down": "1500.00",
        "finance": {"apr": "0.0599", "term_months": 60},
    }
    deals = DealService(seller.store, seller.principal)
    deal = deals.create(customer.id, vehicle_id=vehicle.id)
    deals.save_scenario(deal.id, name="Desk 1", deal_type="finance", inputs=data, quote=quote_deal(data))
    return deals.submit(deal.id)


def _page(qtbot: QtBot, ctx: AppContext) -> DealsWorkspace:
    page = deals_page(ctx)
    assert isinstance(page, DealsWorkspace)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    return page


def _audit_count(ctx: AppContext) -> int:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_a_manager_approves_a_submitted_deal_from_the_queue(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    deal = _submitted_by_salesperson(as_user("salesperson"))
    manager = as_user("sales_manager")
    page = _page(qtbot, manager)
    queue = page.approvals
    assert queue is not None
    page.tabs.setCurrentWidget(queue)
    assert deal.id in queue.table.ids()
    assert page.tabs.tabText(page.tabs.indexOf(queue)) == f"Approvals ({len(queue.table.ids())})"
    assert queue.table.select_id(deal.id)
    assert deal.deal_number in queue.summary.toPlainText()
    QTest.mouseClick(queue.approve_button, Qt.MouseButton.LeftButton)
    approved = DealService(manager.store, manager.principal).get(deal.id)
    assert approved.status == "approved" and approved.manager_id == manager.principal.user_id
    assert deal.id not in queue.table.ids()
    assert "approved" in queue.message.text()
    # The pipeline shows it under Approved, with the status history read from the audit trail.
    page.tabs.setCurrentIndex(0)
    page.status_tabs.setCurrentIndex(3)
    assert page.status_tabs.tabText(3).startswith("Approved (")
    assert page.table.select_id(deal.id)
    history = page.detail.toPlainText()
    assert "draft → submitted" in history and "submitted → approved" in history


def test_returning_without_a_reason_shows_the_error_and_changes_nothing(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    deal = _submitted_by_salesperson(as_user("salesperson"))
    manager = as_user("sales_manager")
    page = _page(qtbot, manager)
    queue = page.approvals
    assert queue is not None
    page.tabs.setCurrentWidget(queue)
    assert queue.table.select_id(deal.id)
    before = _audit_count(manager)
    QTest.keyClicks(queue.reason.edit, "   ")
    QTest.mouseClick(queue.return_button, Qt.MouseButton.LeftButton)
    assert queue.reason.error.isVisible() and queue.reason.error.text()
    assert DealService(manager.store, manager.principal).get(deal.id).status == "submitted"
    assert _audit_count(manager) == before
    assert deal.id in queue.table.ids()

    queue.reason.edit.clear()
    QTest.keyClicks(queue.reason.edit, "Payment is over the bank's PTI limit")
    QTest.mouseClick(queue.return_button, Qt.MouseButton.LeftButton)
    returned = DealService(manager.store, manager.principal).get(deal.id)
    assert returned.status == "draft" and returned.status_reason == "Payment is over the bank's PTI limit"
    assert not queue.reason.error.isVisible()
    assert deal.id not in queue.table.ids()


def test_a_salesperson_sees_no_approvals_queue_and_only_their_deals(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    seller = as_user("salesperson")
    deal = _submitted_by_salesperson(seller)
    page = _page(qtbot, seller)
    assert page.approvals is None and page.conflicts is None
    assert page.tabs.count() == 1
    own = DealService(seller.store, seller.principal).list()
    assert sorted(page.table.ids()) == sorted(d.id for d in own)
    QTest.keyClicks(page.search, deal.deal_number)
    qtbot.waitUntil(lambda: page.table.ids() == [deal.id])


def test_mark_lost_needs_a_reason(qtbot: QtBot, as_user: Callable[[str], AppContext]) -> None:
    deal = _submitted_by_salesperson(as_user("salesperson"))
    manager = as_user("sales_manager")
    page = _page(qtbot, manager)
    assert page.table.select_id(deal.id)
    assert page.lost_button.isEnabled() and not page.close_button.isEnabled()
    QTest.mouseClick(page.lost_button, Qt.MouseButton.LeftButton)
    assert page.lost_reason.error.isVisible()
    assert DealService(manager.store, manager.principal).get(deal.id).status == "submitted"
    QTest.keyClicks(page.lost_reason.edit, "Bought elsewhere")
    QTest.mouseClick(page.lost_button, Qt.MouseButton.LeftButton)
    assert DealService(manager.store, manager.principal).get(deal.id).status == "lost"
    assert page.status_tabs.tabText(5).startswith("Lost (")


def test_close_an_approved_deal_marks_its_vehicle_sold(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    deal = _submitted_by_salesperson(as_user("salesperson"))
    manager = as_user("sales_manager")
    DealService(manager.store, manager.principal).approve(deal.id)
    page = _page(qtbot, manager)
    assert page.table.select_id(deal.id) and page.close_button.isEnabled()
    QTest.mouseClick(page.close_button, Qt.MouseButton.LeftButton)
    with manager.store.session(Actor(manager.principal.tenant_id, None, "test")) as session:
        closed = session.get(Deal, deal.id)
        vehicle = session.get(Vehicle, deal.vehicle_id)
    assert closed is not None and closed.status == "closed"
    assert vehicle is not None and vehicle.status == "sold"


def test_the_selected_deals_paperwork_exports_to_pdf(
    qtbot: QtBot, as_user: Callable[[str], AppContext], tmp_path: Path
) -> None:
    deal = _submitted_by_salesperson(as_user("salesperson"))
    manager = as_user("sales_manager")
    page = _page(qtbot, manager)
    assert page.table.select_id(deal.id)
    assert page.worksheet_button.isEnabled() and page.worksheet_button.text().startswith("Finance")
    for kind in (DocumentKind.BUYERS_ORDER, DocumentKind.FINANCE_WORKSHEET):
        written = page.export_document(kind, tmp_path / f"{kind}.pdf")
        assert written is not None and written.read_bytes().startswith(b"%PDF")
    assert page.export_document(DocumentKind.LEASE_WORKSHEET, tmp_path / "lease.pdf") is None
    assert "lease worksheet" in page.message.text()
    assert not (tmp_path / "lease.pdf").exists()


def test_keeping_the_server_value_resolves_the_conflict(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    manager = as_user("sales_manager")
    with manager.store.session(Actor(manager.principal.tenant_id, None, "sync"), capture_changes=False) as s:
        conflicts = [
            SyncConflict(
                table_name="customer",
                row_id=f"row-{n}",
                kind="field",
                field="phone",
                local_value=f"512555010{n}",
                server_value="5125550199",
                winner="server",
            )
            for n in range(2)
        ]
        s.add_all(conflicts)
    page = _page(qtbot, manager)
    review = page.conflicts
    assert review is not None
    page.tabs.setCurrentWidget(review)
    assert page.tabs.tabText(page.tabs.indexOf(review)) == "Conflicts (2)"
    first = conflicts[0].id
    assert review.table.select_id(first)
    row = review.table.currentRow()
    cells = [review.table.item(row, c).text() for c in range(4)]  # type: ignore[union-attr]
    assert cells == ["customer", "phone", "5125550100", "5125550199"]
    QTest.mouseClick(review.keep_button, Qt.MouseButton.LeftButton)
    assert review.table.ids() == [conflicts[1].id]
    assert page.tabs.tabText(page.tabs.indexOf(review)) == "Conflicts (1)"
    with manager.store.session(Actor(manager.principal.tenant_id, None, "test")) as session:
        stored = session.get(SyncConflict, first)
    assert stored is not None and stored.resolution == "server"
    assert stored.resolved_by == manager.principal.user_id
