"""Keyboard only: every flow here is driven with key presses (``qtbot.keyClick(s)``), never the mouse.

The window is real and active, so shortcuts (Ctrl+1…6 for the screens, Ctrl+S to save) go through Qt's
shortcut handling exactly as a user's keys would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.runtime import AppContext
from app.store.database import Actor
from app.store.models import AppUser, Customer, Deal, Vehicle
from calc import quote_deal
from ui.main_window import MainWindow
from ui.pages.admin import AdminPage
from ui.pages.customers import CustomersPage
from ui.pages.dashboard import DashboardPage
from ui.pages.deals_workspace import DealsWorkspace
from ui.pages.desk import DeskPage, money
from ui.pages.inventory import InventoryPage

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def _open_window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main.show()
    # The assistant docks itself just after the first paint, and on the offscreen platform adding the
    # dock deactivates the window; wait for it, then make the window active again before typing.
    qtbot.waitUntil(lambda: main.assistant is not None, timeout=30_000)  # its imports are slow under load
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    return main


@pytest.fixture
def window(qtbot: QtBot, demo: AppContext) -> Iterator[MainWindow]:
    yield _open_window(qtbot, demo)


def _focus() -> QWidget | None:
    return QApplication.focusWidget()


def _key(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = _focus()
    assert target is not None, "something must have the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def test_customers_search_open_edit_and_save_with_the_keyboard(
    qtbot: QtBot, window: MainWindow, demo: AppContext
) -> None:
    _key(qtbot, Qt.Key.Key_2, CTRL)
    page = window.current_page()
    assert isinstance(page, CustomersPage)
    assert _focus() is page.search  # the screen opens in its search box
    qtbot.keyClicks(page.search, "adams")
    _key(qtbot, Qt.Key.Key_Down)  # into the list, on the first match
    assert _focus() is page.table
    first = page.model.row(page.table.currentIndex().row())
    assert "Adams" in first.full_name
    _key(qtbot, Qt.Key.Key_Down)
    second = page.model.row(page.table.currentIndex().row())
    assert second.id != first.id
    _key(qtbot, Qt.Key.Key_Return)  # opens the profile on its first field
    assert _focus() is page.fields["first_name"].edit
    assert page.current is not None and page.current.id == second.id
    for _ in range(2):  # first name → last name → phone
        _key(qtbot, Qt.Key.Key_Tab)
    phone = page.fields["phone"].edit
    assert _focus() is phone
    assert phone.selectedText() == phone.text()  # tabbing in selects the old number: typing replaces it
    qtbot.keyClicks(phone, "512 555 0199")
    _key(qtbot, Qt.Key.Key_S, CTRL)
    assert page.message.text() == "Saved."
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        stored = session.scalars(select(Customer).where(Customer.id == second.id)).one()
        assert stored.phone == "5125550199"


def _type(qtbot: QtBot, text: str) -> None:
    target = _focus()
    assert target is not None
    qtbot.keyClicks(target, text)


def test_desk_pick_customer_and_vehicle_then_tab_through_price_down_and_term(
    qtbot: QtBot, window: MainWindow, demo: AppContext
) -> None:
    page = window.current_page()  # the desk is the first screen
    assert isinstance(page, DeskPage)
    assert page.customer_box.hasFocus()  # a deal starts with who is buying
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        customer = session.scalars(select(Customer).where(Customer.zip == "78704")).first()
        vehicle = session.scalars(
            select(Vehicle).where(Vehicle.status == "in_stock", Vehicle.condition == "used")
        ).first()
    assert customer is not None and vehicle is not None
    _type(qtbot, customer.full_name)
    _key(qtbot, Qt.Key.Key_Return)
    assert page.current_customer is not None and page.current_customer.id == customer.id
    _key(qtbot, Qt.Key.Key_V, ALT)  # the vehicle picker's mnemonic
    assert page.vehicle_box.hasFocus()
    _type(qtbot, vehicle.stock_number)  # completes to the full entry
    _key(qtbot, Qt.Key.Key_Return)
    assert page.current_vehicle is not None and page.current_vehicle.id == vehicle.id

    _key(qtbot, Qt.Key.Key_Tab)
    assert _focus() is page.fields["vehicle.price"].edit
    _type(qtbot, "25000")  # tabbing in selected the old price: typing replaces it
    for _ in range(6):  # condition, trade allowance and payoff, two rebates, then the cash down
        _key(qtbot, Qt.Key.Key_Tab)
    assert _focus() is page.fields["cash_down"].edit
    _type(qtbot, "3000")
    for _ in range(5):  # doc fee, service contract, GAP, APR, then the term
        _key(qtbot, Qt.Key.Key_Tab)
    assert _focus() is page.fields["finance.term_months"].edit
    qtbot.waitUntil(lambda: page.worksheet.values["cash_down"] == "3000")
    long_term = page.cards["finance"].headline.text()
    with qtbot.waitSignal(page.recomputed, timeout=5000):
        _type(qtbot, "48")
    request = page.worksheet.request("finance")
    assert request["vehicle"]["price"] == "25000" and request["cash_down"] == "3000"
    assert request["finance"]["term_months"] == 48
    shown = page.cards["finance"].headline.text()
    assert shown == f"{money(quote_deal(request)['finance']['monthly_payment'])}/mo"
    assert shown != long_term and "48 months" in page.cards["finance"].detail.text()


def test_inventory_search_open_a_vehicle_change_its_price_and_save(
    qtbot: QtBot, window: MainWindow, demo: AppContext
) -> None:
    _key(qtbot, Qt.Key.Key_3, CTRL)
    page = window.current_page()
    assert isinstance(page, InventoryPage) and _focus() is page.search
    wanted = page.model.row(4)
    _type(qtbot, wanted.stock_number)
    _key(qtbot, Qt.Key.Key_Return)  # runs the search now and goes into the list
    assert _focus() is page.table and page.model.rowCount() == 1
    _key(qtbot, Qt.Key.Key_Return)
    assert page.editor is not None and _focus() is page.editor.fields["price"].edit
    _type(qtbot, "19999")
    _key(qtbot, Qt.Key.Key_S, CTRL)
    assert page.editor.message.text() == "Saved."
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        assert session.get(Vehicle, wanted.id).price == Decimal("19999")  # type: ignore[union-attr]


def test_add_vehicle_dialog_opens_on_the_vin_and_escape_closes_it(qtbot: QtBot, window: MainWindow) -> None:
    _key(qtbot, Qt.Key.Key_3, CTRL)
    page = window.current_page()
    assert isinstance(page, InventoryPage)
    _key(qtbot, Qt.Key.Key_A, ALT)  # "&Add vehicle…" (a mnemonic clicks after a short animation)
    qtbot.waitUntil(lambda: page.add_dialog is not None)
    dialog = page.add_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert _focus() is dialog.fields["vin"].edit
    _key(qtbot, Qt.Key.Key_Escape)
    assert dialog.result() == dialog.DialogCode.Rejected and not dialog.isVisible()


def test_deals_search_a_deal_and_open_it_with_enter(
    qtbot: QtBot, window: MainWindow, demo: AppContext
) -> None:
    _key(qtbot, Qt.Key.Key_4, CTRL)
    page = window.current_page()
    assert isinstance(page, DealsWorkspace) and _focus() is page.search
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        deal = session.scalars(select(Deal).order_by(Deal.deal_number)).first()
    assert deal is not None
    _type(qtbot, deal.deal_number)
    _key(qtbot, Qt.Key.Key_Down)
    assert _focus() is page.table and page.table.selected_id() == deal.id
    _key(qtbot, Qt.Key.Key_Return)
    assert _focus() is page.detail and deal.deal_number in page.detail.toPlainText()


def test_dashboard_filter_then_down_into_the_gross_table(qtbot: QtBot, window: MainWindow) -> None:
    _key(qtbot, Qt.Key.Key_5, CTRL)
    page = window.current_page()
    assert isinstance(page, DashboardPage) and _focus() is page.search
    _key(qtbot, Qt.Key.Key_Down)
    assert _focus() is page.gross_table and page.gross_table.currentRow() == 0
    _key(qtbot, Qt.Key.Key_Tab)
    assert _focus() is page.aging_table  # the charts are skipped


def test_admin_adds_a_user_with_only_the_keyboard(qtbot: QtBot, window: MainWindow, demo: AppContext) -> None:
    _key(qtbot, Qt.Key.Key_6, CTRL)
    page = window.current_page()
    assert isinstance(page, AdminPage) and _focus() is page.search
    users = page.users
    assert users is not None
    _key(qtbot, Qt.Key.Key_M, ALT)  # "E&mail"
    assert _focus() is users.email.edit
    _type(qtbot, "not an address")
    _key(qtbot, Qt.Key.Key_N, ALT)  # "&Name"
    _type(qtbot, "Robin Keys")
    _key(qtbot, Qt.Key.Key_Return)
    assert users.email.error.isVisible() and _focus() is users.email.edit  # back to what is wrong
    users_before = users.model.rowCount()
    _key(qtbot, Qt.Key.Key_A, CTRL)
    _type(qtbot, "robin.keys@example.test")
    _key(qtbot, Qt.Key.Key_Return)
    assert users.email.error.isHidden() and users.model.rowCount() == users_before + 1
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        added = session.scalars(select(AppUser).where(AppUser.email == "robin.keys@example.test")).one()
    assert added.display_name == "Robin Keys" and added.roles == ["salesperson"]
    # Back up the Tab order to the list (on the new user), Enter to their role, pick, Alt+H to change.
    for _ in range(4):  # Deactivate, Change role, the role box, then the list
        _key(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert _focus() is users.table and users.current() is not None and users.current().id == added.id
    _key(qtbot, Qt.Key.Key_Return)
    assert _focus() is users.user_role
    _key(qtbot, Qt.Key.Key_F)  # jumps to finance_manager
    assert users.user_role.currentText() == "finance_manager"
    _key(qtbot, Qt.Key.Key_H, ALT)  # "C&hange role"
    qtbot.waitUntil(lambda: "now finance_manager" in users.message.text())
    assert _focus() in (users.user_role, users.change_role_button)  # the reload left the focus in place
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        assert session.get(AppUser, added.id).roles == ["finance_manager"]  # type: ignore[union-attr]
    # Ctrl+Tab walks the admin tabs; the settings tab publishes with its Alt key.
    page.tabs.setFocus()
    _key(qtbot, Qt.Key.Key_Tab, CTRL)
    assert page.tabs.currentWidget() is page.roles


def _mnemonic(text: str) -> str | None:
    """The Alt key of a control's text ("&Save" → "s"), or None; "&&" is a literal ampersand."""
    plain = text.replace("&&", "")
    at = plain.find("&")
    return plain[at + 1].lower() if 0 <= at < len(plain) - 1 else None


def _visible_alt_keys(root: QWidget) -> dict[str, list[str]]:
    from PySide6.QtWidgets import QAbstractButton, QLabel, QTabBar

    keys: dict[str, list[str]] = {}

    def add(text: str) -> None:
        key = _mnemonic(text)
        if key is not None:
            keys.setdefault(key, []).append(text)

    for button in root.window().findChildren(QAbstractButton):
        if button.isVisible() and button.isEnabled():
            add(button.text())
    for label in root.window().findChildren(QLabel):
        if label.isVisible() and label.buddy() is not None:
            add(label.text())
    for bar in root.window().findChildren(QTabBar):
        if bar.isVisible():
            for index in range(bar.count()):
                add(bar.tabText(index))
    return keys


def test_no_two_visible_controls_share_an_alt_key(qtbot: QtBot, window: MainWindow) -> None:
    """On every screen and every tab of it, each Alt+letter reaches exactly one control."""
    from PySide6.QtWidgets import QTabWidget

    clashes: dict[str, dict[str, list[str]]] = {}
    for row, title in enumerate(window.screens):
        window.nav.setCurrentRow(row)
        page = window.current_page()
        all_tabs = page.findChildren(QTabWidget)
        views = [page, *(tabs.widget(i) for tabs in all_tabs for i in range(tabs.count()))]
        for view in views:
            for tabs in all_tabs:
                if tabs.indexOf(view) >= 0:
                    tabs.setCurrentWidget(view)
            QApplication.processEvents()
            for key, texts in _visible_alt_keys(page).items():
                if len(texts) > 1:
                    clashes.setdefault(title, {})[key] = texts
    assert clashes == {}


def test_a_manager_approves_the_first_submitted_deal_with_the_keyboard(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    manager = as_user("sales_manager")
    main = _open_window(qtbot, manager)
    deals_key = Qt.Key(Qt.Key.Key_1.value + main.screens.index("Deals"))
    _key(qtbot, deals_key, CTRL)
    page = main.current_page()
    assert isinstance(page, DealsWorkspace) and page.approvals is not None
    queue = page.approvals
    _key(qtbot, Qt.Key.Key_Tab)  # from the search to the workspace's tabs
    assert _focus() is page.tabs.tabBar()
    _key(qtbot, Qt.Key.Key_Right)  # Pipeline → Approvals
    assert page.tabs.currentWidget() is queue
    _key(qtbot, Qt.Key.Key_Tab)
    assert _focus() is queue.table
    _key(qtbot, Qt.Key.Key_Down)  # onto the first submitted deal
    deal_id = queue.table.selected_id()
    assert deal_id is not None
    _key(qtbot, Qt.Key.Key_Return)
    assert _focus() is queue.approve_button
    _key(qtbot, Qt.Key.Key_Return)
    with manager.store.session(Actor(manager.principal.tenant_id, None, "test")) as session:
        assert session.get(Deal, deal_id).status == "approved"  # type: ignore[union-attr]
    assert deal_id not in queue.table.ids()
