"""Customers and inventory screens driven through their real widgets."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.runtime import AppContext
from app.store.database import Actor
from app.store.models import AuditEvent, Customer
from ui.pages.customers import CustomersPage, customers_page


def _customers(qtbot: QtBot, ctx: AppContext) -> CustomersPage:
    page = customers_page(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    return page


def _stored(ctx: AppContext, customer_id: str) -> Customer:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        customer = session.get(Customer, customer_id)
    assert customer is not None
    return customer


def _audit_count(ctx: AppContext) -> int:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _retype(qtbot: QtBot, page: CustomersPage, field: str, text: str) -> None:
    edit = page.fields[field].edit
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _pick_by_search(qtbot: QtBot, page: CustomersPage, text: str) -> Customer:
    qtbot.keyClicks(page.search, text)
    needle = text.lower()
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1 and needle in page.model.row(0).full_name.lower())
    page.table.selectRow(0)
    assert page.current is not None
    return page.current


def test_edit_a_customer_through_the_profile(qtbot: QtBot, as_user: Callable[[str], AppContext]) -> None:
    ctx = as_user("salesperson")
    page = _customers(qtbot, ctx)
    first = page.model.row(0)
    customer = _pick_by_search(qtbot, page, first.last_name)
    assert page.fields["last_name"].edit.text() == customer.last_name
    _retype(qtbot, page, "phone", "(512) 555-0199")
    _retype(qtbot, page, "address_line1", "1100 congress avenue")
    _retype(qtbot, page, "city", "austin")
    _retype(qtbot, page, "state", "tx")
    _retype(qtbot, page, "zip", "78701")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "Saved."
    stored = _stored(ctx, customer.id)
    assert (stored.phone, stored.address_line1, stored.city, stored.state, stored.zip) == (
        "5125550199",
        "1100 CONGRESS AVE",
        "AUSTIN",
        "TX",
        "78701",
    )
    # The profile shows what was stored (normalised), not what was typed.
    assert page.fields["address_line1"].edit.text() == "1100 CONGRESS AVE"


def test_an_invalid_zip_shows_inline_and_nothing_is_saved(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("salesperson")
    page = _customers(qtbot, ctx)
    customer = _pick_by_search(qtbot, page, page.model.row(3).last_name)
    before = _stored(ctx, customer.id)
    audit_before = _audit_count(ctx)
    _retype(qtbot, page, "phone", "(737) 555-0123")
    _retype(qtbot, page, "zip", "00000")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    error = page.fields["zip"].error
    assert error.isVisible() and error.text()
    assert "zip" in page.message.text().lower() and "Not saved" in page.message.text()
    after = _stored(ctx, customer.id)
    assert (after.phone, after.zip, after.updated_at) == (before.phone, before.zip, before.updated_at)
    assert _audit_count(ctx) == audit_before
    # Typing in the field clears its error; the other edits are still there to save.
    qtbot.keyClicks(page.fields["zip"].edit, "1")
    assert not error.isVisible()
    assert page.fields["phone"].edit.text() == "(737) 555-0123"


def test_state_filter_and_history(qtbot: QtBot, as_user: Callable[[str], AppContext]) -> None:
    ctx = as_user("sales_manager")
    page = _customers(qtbot, ctx)
    assert page.state_filter.count() > 1
    page.state_filter.setCurrentText("TX")
    shown = [page.model.row(r) for r in range(page.model.rowCount())]
    assert shown and all(c.state == "TX" for c in shown)
    with_deals = next(
        r for r in range(page.model.rowCount()) if page.history_service.history(page.model.row(r).id).deals
    )
    page.table.selectRow(with_deals)
    assert page.deals_model.rowCount() >= 1


def _customer_count(ctx: AppContext) -> int:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def test_a_new_customer_is_saved_only_once_the_email_is_right(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("bdc")
    page = _customers(qtbot, ctx)
    count = _customer_count(ctx)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.fields["first_name"].edit, "Ana")
    qtbot.keyClicks(page.fields["last_name"].edit, "Quintero")
    qtbot.keyClicks(page.fields["email"].edit, "ana.quintero@example")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.fields["email"].error.isVisible()
    assert _customer_count(ctx) == count
    qtbot.keyClicks(page.fields["email"].edit, ".com")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "Saved."
    assert _customer_count(ctx) == count + 1
    assert page.current is not None and page.current.email == "ana.quintero@example.com"
