"""The admin screen through its widgets in the demo: users and roles edited locally, settings, audit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.policy import BUILTIN_ROLES
from app.runtime import AppContext
from app.services.administration import DEMO_NOTE, SIGN_IN_NOTE
from app.services.customers import CustomerService
from app.store.database import Actor
from app.store.models import AppUser, AuditEvent, Customer, Dealership, Role
from ui.pages.admin import AdminPage, admin_page


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


def _audited(ctx: AppContext, entity: str, entity_id: str) -> list[str]:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        found = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        )
        return [e.action for e in found]


def _user(ctx: AppContext, email: str) -> AppUser:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        return session.scalars(select(AppUser).where(AppUser.email == email)).one()


def test_the_demo_admin_adds_a_user_changes_a_role_and_deactivates_locally(
    qtbot: QtBot, demo: AppContext
) -> None:
    page = _admin(qtbot, demo)
    users = page.users
    assert users is not None and users.note.text() == DEMO_NOTE
    assert users.model.rowCount() == 12 and users.new_user.isVisibleTo(page)
    qtbot.keyClicks(users.email.edit, "Casey.Lot@Demo-Motors.test")
    qtbot.keyClicks(users.name.edit, "Casey Lot")
    users.new_role.setCurrentText("bdc")
    qtbot.mouseClick(users.invite_button, Qt.MouseButton.LeftButton)
    assert users.model.rowCount() == 13
    added = _user(demo, "casey.lot@demo-motors.test")
    assert added.roles == ["bdc"] and added.active
    assert "Added Casey Lot" in users.message.text()
    assert users.current() is not None and users.current().id == added.id  # type: ignore[union-attr]

    users.user_role.setCurrentText("salesperson")
    qtbot.mouseClick(users.change_role_button, Qt.MouseButton.LeftButton)
    assert _user(demo, added.email).roles == ["salesperson"]
    assert "now salesperson" in users.message.text()
    qtbot.mouseClick(users.active_button, Qt.MouseButton.LeftButton)
    assert not _user(demo, added.email).active
    assert users.active_button.text().replace("&", "") == "Reactivate"
    assert _audited(demo, "app_user", added.id) == ["create", "update", "update"]


def test_the_demo_admin_may_not_demote_or_deactivate_themselves(qtbot: QtBot, demo: AppContext) -> None:
    page = _admin(qtbot, demo)
    users = page.users
    assert users is not None
    assert users.select(demo.principal.user_id)
    users.user_role.setCurrentText("salesperson")
    qtbot.mouseClick(users.change_role_button, Qt.MouseButton.LeftButton)
    assert users.roles_error.isVisible() and "your own admin role" in users.roles_error.text()
    qtbot.mouseClick(users.active_button, Qt.MouseButton.LeftButton)
    assert "yourself" in users.message.text()
    me = _user(demo, users.current().email)  # type: ignore[union-attr]
    assert me.roles == ["admin"] and me.active


def test_a_custom_role_is_created_and_edited_built_ins_stay_fixed(qtbot: QtBot, demo: AppContext) -> None:
    page = _admin(qtbot, demo)
    roles = page.roles
    assert roles is not None and roles.note.text() == DEMO_NOTE
    page.tabs.setCurrentWidget(roles)
    names = [r.name for r in roles.roles]
    assert names[: len(BUILTIN_ROLES)] == list(BUILTIN_ROLES)
    roles.select("salesperson")
    assert set(roles.granted()) == set(BUILTIN_ROLES["salesperson"])
    assert not roles.permission_list.item(0).flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert not roles.save_button.isEnabled() and not roles.hint.isHidden()
    qtbot.keyClicks(roles.new_name.edit, "Lot Porter")  # not a role name
    qtbot.mouseClick(roles.create_button, Qt.MouseButton.LeftButton)
    assert roles.new_name.error.isVisible() and "lower-case" in roles.new_name.error.text()
    roles.new_name.edit.clear()
    qtbot.keyClicks(roles.new_name.edit, "lot_porter")
    qtbot.mouseClick(roles.create_button, Qt.MouseButton.LeftButton)
    assert roles.current() is not None and roles.current().name == "lot_porter"  # type: ignore[union-attr]
    assert roles.permission_list.item(0).flags() & Qt.ItemFlag.ItemIsUserCheckable
    roles.set_granted("inventory.edit", True)
    qtbot.mouseClick(roles.save_button, Qt.MouseButton.LeftButton)
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        stored = session.scalars(select(Role).where(Role.name == "lot_porter")).one()
        assert set(stored.permissions) == set(BUILTIN_ROLES["salesperson"]) | {"inventory.edit"}
        assert not stored.builtin
    assert "saved" in roles.message.text()
    # The new role can be given to a user at once, and cannot be deleted while someone holds it.
    users = page.users
    assert users is not None
    users.refresh()
    assert "lot_porter" in [users.new_role.itemText(i) for i in range(users.new_role.count())]
    holder = next(u for u in users.rows if u.roles == ("bdc",))
    users.select(holder.id)
    users.user_role.setCurrentText("lot_porter")
    qtbot.mouseClick(users.change_role_button, Qt.MouseButton.LeftButton)
    roles.refresh()
    roles.select("lot_porter")
    qtbot.mouseClick(roles.delete_button, Qt.MouseButton.LeftButton)
    assert roles.permissions_error.isVisible() and "1 user(s) still hold" in roles.permissions_error.text()
    users.select(holder.id)
    users.user_role.setCurrentText("bdc")
    qtbot.mouseClick(users.change_role_button, Qt.MouseButton.LeftButton)
    roles.select("lot_porter")
    qtbot.mouseClick(roles.delete_button, Qt.MouseButton.LeftButton)
    assert "deleted" in roles.message.text() and "lot_porter" not in [r.name for r in roles.roles]
    assert _audited(demo, "role", stored.id) == ["create", "update", "delete"]
    roles.select("salesperson")
    assert not roles.delete_button.isEnabled()  # built-in roles stay


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


def test_without_a_server_connection_everything_is_read_only(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    signed_in = replace(as_user("admin"), demo=None)  # a device store opened with no connection
    page = _admin(qtbot, signed_in)
    tab, users, roles = page.settings, page.users, page.roles
    assert tab is not None and users is not None and roles is not None
    assert users.note.text() == SIGN_IN_NOTE and roles.note.text() == SIGN_IN_NOTE
    assert users.new_user.isHidden() and users.selected.isHidden()
    assert roles.controls.isHidden() and tab.buttons.isHidden()
    assert tab.table.editTriggers() == tab.table.EditTrigger.NoEditTriggers
    assert tab.note.text() == SIGN_IN_NOTE
    assert ("doc_fee", "150.00") in tab.pairs()
    assert users.model.rowCount() == 12  # the copy last synced is still shown


def test_a_server_call_runs_off_the_gui_thread_with_the_tab_disabled(qtbot: QtBot) -> None:
    import threading

    from PySide6.QtWidgets import QLabel, QWidget

    from app.errors import ValidationError
    from ui.pages.admin_work import Background

    tab = QWidget()
    message = QLabel(tab)
    qtbot.addWidget(tab)
    tab.show()
    work = Background(tab, message, threaded=True)
    release = threading.Event()
    seen: list[object] = []
    callers: list[str] = []

    def slow() -> str:
        callers.append(threading.current_thread().name)
        release.wait(10)
        return "answer"

    work.run(slow, seen.append)
    assert work.busy and not tab.isEnabled() and message.text() == "Working…"
    qtbot.wait(50)  # the window keeps processing events meanwhile
    assert seen == [] and work.busy
    release.set()
    qtbot.waitUntil(lambda: not work.busy)
    assert seen == ["answer"] and tab.isEnabled() and message.text() == ""
    assert callers == ["admin-call"]
    refused = ValidationError("email", "is required")

    def refuse() -> None:
        raise refused

    work.run(refuse, seen.append)
    qtbot.waitUntil(lambda: not work.busy)
    assert seen[-1] is refused
