"""Customers and inventory screens driven through their real widgets."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.runtime import AppContext
from app.services.inventory import days_in_stock
from app.store.database import Actor
from app.store.models import AuditEvent, Customer, Vehicle
from ui.pages.customers import CustomersPage, customers_page
from ui.pages.inventory import InventoryPage, inventory_page


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


# --- inventory ------------------------------------------------------------------------------------

ACCORD_VIN = "1HGCM82633A004352"  # a 2003 Honda Accord EX-V6 coupe in NHTSA's data


def _inventory(qtbot: QtBot, ctx: AppContext) -> InventoryPage:
    page = inventory_page(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    return page


def _vehicle_count(ctx: AppContext) -> int:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        return session.scalar(select(func.count()).select_from(Vehicle)) or 0


def test_add_a_vehicle_by_vin_and_see_it_in_the_list(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("sales_manager")
    page = _inventory(qtbot, ctx)
    count = _vehicle_count(ctx)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.add_dialog
    assert dialog is not None and dialog.isVisible()
    vin = dialog.fields["vin"].edit
    qtbot.keyClicks(vin, ACCORD_VIN[:10])
    assert dialog.decoded.text() == "10 of 17 characters"
    qtbot.keyClicks(vin, ACCORD_VIN[10:])
    assert dialog.decoded.text().startswith("2003 Honda Accord EX-V6")
    qtbot.keyClicks(dialog.fields["stock_number"].edit, "u9001")
    qtbot.keyClicks(dialog.fields["price"].edit, "7,450")
    qtbot.keyClicks(dialog.fields["mileage"].edit, "141000")
    qtbot.keyClicks(dialog.fields["cost"].edit, "5200")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert _vehicle_count(ctx) == count + 1
    assert page.current is not None and page.current.stock_number == "U9001"
    stocks = [page.model.row(r).stock_number for r in range(page.model.rowCount())]
    assert stocks == ["U9001"]
    detail = page.detail.text()
    assert "2003 Honda Accord EX-V6" in detail and "Days in stock" in detail and "$5,200.00" in detail
    # Back to the whole lot: the new car is in it.
    page.search.clear()
    page.refresh()
    assert "U9001" in {page.model.row(r).stock_number for r in range(page.model.rowCount())}


def test_a_mistyped_vin_is_explained_and_nothing_is_added(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("sales_manager")
    page = _inventory(qtbot, ctx)
    count = _vehicle_count(ctx)
    dialog = page.open_add_dialog()
    typo = ACCORD_VIN[:8] + "7" + ACCORD_VIN[9:]  # wrong check digit
    qtbot.keyClicks(dialog.fields["vin"].edit, typo)
    assert "check digit" in dialog.decoded.text()
    assert dialog.accept_check_digit.isVisible()
    qtbot.keyClicks(dialog.fields["stock_number"].edit, "U9002")
    qtbot.keyClicks(dialog.fields["price"].edit, "7450")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.fields["vin"].error.isVisible()
    assert _vehicle_count(ctx) == count
    # A letter O where a zero belongs: the dialog offers the fixed VIN.
    dialog.fields["vin"].edit.clear()
    qtbot.keyClicks(dialog.fields["vin"].edit, ACCORD_VIN.replace("00", "O0"))
    assert dialog.use_suggestion.isVisible()
    qtbot.mouseClick(dialog.use_suggestion, Qt.MouseButton.LeftButton)
    assert dialog.fields["vin"].edit.text() == ACCORD_VIN
    assert dialog.decoded.text().startswith("2003 Honda Accord")


def test_filters_narrow_the_lot_and_cost_shows_only_with_permission(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("salesperson")
    page = _inventory(qtbot, ctx)
    headers = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(page.model.columnCount())]
    assert "Cost" not in headers
    page.table.selectRow(0)
    assert "Cost" not in page.detail.text() and "Days in stock" in page.detail.text()
    all_in_stock = page.model.rowCount()
    page.condition.setCurrentText("used")
    rows = [page.model.row(r) for r in range(page.model.rowCount())]
    assert rows and all(v.condition == "used" and v.status == "in_stock" for v in rows)
    page.min_age.setValue(60)
    page.refresh()
    aged = [page.model.row(r) for r in range(page.model.rowCount())]
    assert aged and len(aged) < len(rows)
    assert all((days_in_stock(v) or 0) >= 60 for v in aged)
    page.min_age.setValue(0)
    qtbot.keyClicks(page.min_price.edit, "20000")
    qtbot.keyClicks(page.max_price.edit, "30000")
    page.refresh()
    priced = [page.model.row(r).price for r in range(page.model.rowCount())]
    assert priced and all(20000 <= p <= 30000 for p in priced)
    assert len(priced) < all_in_stock
    page.body.setCurrentText("Sedan")
    sedans = [page.model.row(r) for r in range(page.model.rowCount())]
    assert sedans and all(v.body == "Sedan" and 20000 <= v.price <= 30000 for v in sedans)
    page.body.setCurrentIndex(0)
    page.max_price.edit.setText("cheap")
    page.refresh()
    assert page.max_price.error.isVisible()
    assert [page.model.row(r).price for r in range(page.model.rowCount())] == priced  # list kept as it was
    manager = _inventory(qtbot, as_user("finance_manager"))
    headers = [
        manager.model.headerData(c, Qt.Orientation.Horizontal) for c in range(manager.model.columnCount())
    ]
    assert "Cost" in headers


def _stored_vehicle(ctx: AppContext, vehicle_id: str) -> Vehicle:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        vehicle = session.get(Vehicle, vehicle_id)
    assert vehicle is not None
    return vehicle


def test_a_manager_reprices_and_sells_a_vehicle_from_its_detail(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    assert _inventory(qtbot, as_user("salesperson")).editor is None
    ctx = as_user("sales_manager")
    page = _inventory(qtbot, ctx)
    page.table.selectRow(0)
    editor = page.editor
    assert editor is not None and page.current is not None
    vehicle = page.current
    price = editor.fields["price"].edit
    price.selectAll()
    qtbot.keyClicks(price, "18,999.999")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.fields["price"].error.isVisible() and "cents" in editor.fields["price"].error.text()
    assert _stored_vehicle(ctx, vehicle.id).price == vehicle.price
    price.selectAll()
    qtbot.keyClicks(price, "18999")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.message.text() == "Saved."
    assert _stored_vehicle(ctx, vehicle.id).price == Decimal("18999.00")
    assert "$18,999.00" in page.detail.text()
    editor.status.setCurrentText("sold")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert _stored_vehicle(ctx, vehicle.id).status == "sold"
    listed = {page.model.row(r).id for r in range(page.model.rowCount())}
    assert vehicle.id not in listed and page.current is None  # the in-stock list no longer shows it
