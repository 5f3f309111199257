"""The admin screen through its widgets: accounts read-only in the demo, settings saved or refused, audit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.policy import BUILTIN_ROLES
from app.runtime import AppContext
from app.services.customers import CustomerService
from app.store.database import Actor
from app.store.models import Customer, Dealership
from ui.pages.admin import ONLINE_NOTE, SERVER_NOTE, SETTINGS_ON_SERVER_NOTE, AdminPage, admin_page


def _admin(qtbot: QtBot, ctx: AppContext) -> AdminPage:
    page = admin_page(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    return page


def _tabs(page: AdminPage) -> list[str]:
    return [page.tabs.tabText(i).replace("&", "") for i in range(page.tabs.count())]


def _settings(ctx: AppContext) -> dict[str, object]:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        return dict(session.scalars(select(Dealership)).one().settings)


def test_each_tab_needs_its_permission(qtbot: QtBot, as_user: Callable[[str], AppContext]) -> None:
    assert _tabs(_admin(qtbot, as_user("admin"))) == ["Users", "Roles", "Dealership settings", "Audit log"]
    assert _tabs(_admin(qtbot, as_user("general_manager"))) == ["Dealership settings", "Audit log"]
    assert _tabs(_admin(qtbot, as_user("sales_manager"))) == ["Audit log"]
    assert _tabs(_admin(qtbot, as_user("salesperson"))) == []


def test_users_and_roles_are_shown_read_only_in_the_demo(qtbot: QtBot, demo: AppContext) -> None:
    page = _admin(qtbot, demo)
    assert page.users is not None and page.roles is not None
    assert page.users.note.text() == SERVER_NOTE
    assert page.users.model.rowCount() == 12
    assert page.users.table.editTriggers() == page.users.table.EditTrigger.NoEditTriggers
    qtbot.keyClicks(page.search, "finance_manager")
    shown = [page.users.model.row(r) for r in range(page.users.model.rowCount())]
    assert shown and all("finance_manager" in u.roles for u in shown)
    page.search.clear()
    names = [r.name for r in page.roles.roles]
    assert names[: len(BUILTIN_ROLES)] == list(BUILTIN_ROLES)
    page.roles.role_list.setCurrentRow(names.index("salesperson"))
    assert set(page.roles.granted()) == set(BUILTIN_ROLES["salesperson"])
    item = page.roles.permission_list.item(0)
    assert not item.flags() & Qt.ItemFlag.ItemIsUserCheckable


def test_settings_are_saved_through_the_editor(qtbot: QtBot, as_user: Callable[[str], AppContext]) -> None:
    ctx = as_user("general_manager")
    page = _admin(qtbot, ctx)
    tab = page.settings
    assert tab is not None
    assert ("doc_fee", "150.00") in tab.pairs()
    tab.set_value("doc_fee", "175")
    tab.set_value("fee.title", "33")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Saved."
    stored = _settings(ctx)
    assert stored["doc_fee"] == "175.00"
    assert stored["fee_overrides"] == {"title": "33.00"}
    assert ("fee.title", "33.00") in tab.pairs()


def test_a_bad_setting_marks_its_row_and_saves_nothing(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("general_manager")
    page = _admin(qtbot, ctx)
    tab = page.settings
    assert tab is not None
    before = _settings(ctx)
    tab.set_value("doc_fee", "199.00")
    tab.set_value("default_apr", "6.99")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.error.isVisible()
    assert tab.error.text().startswith("default_apr:") and "0.0699" in tab.error.text()
    assert [tab.table.item(r, 0).text() for r in tab.error_rows()] == ["default_apr"]  # type: ignore[union-attr]
    assert _settings(ctx) == before
    # Removing the bad row lets the rest save.
    tab.table.setCurrentCell(tab.error_rows()[0], 0)
    qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert not tab.error.isVisible()
    assert _settings(ctx)["doc_fee"] == "199.00" and "default_apr" not in _settings(ctx)


def test_audit_log_filters_and_pages(qtbot: QtBot, as_user: Callable[[str], AppContext]) -> None:
    manager = as_user("sales_manager")
    editor = as_user("salesperson")
    customers = CustomerService(editor.store, editor.principal)
    with editor.store.session(Actor(editor.principal.tenant_id, None, "test")) as session:
        ids = [c.id for c in session.scalars(select(Customer).limit(12))]
    for n, customer_id in enumerate(ids):
        customers.update(customer_id, {"notes": f"called back #{n}"})
    page = _admin(qtbot, manager)
    audit = page.audit
    assert audit is not None
    audit.page_size = 5
    audit.actor.setCurrentIndex(audit.actor.findText(editor.display_name))
    assert audit.total == 12
    assert audit.position.text() == "Page 1 of 3 — 12 events"
    assert not audit.previous.isEnabled() and audit.next.isEnabled()
    seen = [audit.model.row(r).entity_id for r in range(audit.model.rowCount())]
    for _ in range(2):
        qtbot.mouseClick(audit.next, Qt.MouseButton.LeftButton)
        seen += [audit.model.row(r).entity_id for r in range(audit.model.rowCount())]
    assert not audit.next.isEnabled() and audit.previous.isEnabled()
    assert len(seen) == 12 and set(seen) == set(ids)  # every event once, across the pages
    audit.table.selectRow(0)
    assert "called back" in audit.detail.toPlainText()
    audit.entity.setCurrentIndex(audit.entity.findText("dealership"))
    assert audit.page_number == 1 and audit.total == 0  # the editor never touched the dealership
    audit.actor.setCurrentIndex(0)
    assert audit.total >= 1 and {audit.model.row(r).action for r in range(audit.model.rowCount())} >= {
        "demo.seed"
    }


def test_signed_in_without_the_server_settings_are_read_only(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    signed_in = replace(as_user("admin"), demo=None)
    page = _admin(qtbot, signed_in)
    tab = page.settings
    assert tab is not None and page.users is not None
    assert page.users.note.text() == ONLINE_NOTE
    assert tab.save_button.isHidden() and tab.add_button.isHidden()
    assert tab.table.editTriggers() == tab.table.EditTrigger.NoEditTriggers
    assert tab.message.text() == SETTINGS_ON_SERVER_NOTE
    assert ("doc_fee", "150.00") in tab.pairs()


def test_signed_in_settings_are_published_then_kept(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    signed_in = replace(as_user("admin"), demo=None)
    received: list[dict[str, object]] = []  # what the server's admin API was sent
    page = AdminPage(signed_in, publish_settings=received.append)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    tab = page.settings
    assert tab is not None and not tab.save_button.isHidden()
    tab.set_value("default_term_months", "60")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Saved."
    assert len(received) == 1 and received[0]["default_term_months"] == 60
    assert _settings(signed_in) == received[0]
