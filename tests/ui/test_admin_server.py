"""The admin screen signed in to the real sync service: every change goes through its admin API.

A desk is signed in as a real user (password, then TOTP for the administrator) with sync running, as
the app does it; what the widgets did is read back through the server's own API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from app.runtime import AppContext
from app.services.administration import SERVER_NOTE, AdministrationService, Mode, administration_for
from sync.client.admin_api import AdminApi
from tests.server.fixtures import *  # noqa: F403
from tests.server.fixtures import SignedIn, TenantHandle
from tests.ui.signed_in_desk import *  # noqa: F403
from ui.pages.admin import AdminPage
from ui.pages.admin_accounts import RolesTab, UsersTab
from ui.pages.admin_settings import SettingsTab


def _page(qtbot: QtBot, ctx: AppContext) -> AdminPage:
    page = AdminPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    return page


def _click(qtbot: QtBot, button: QAbstractButton, tab: UsersTab | RolesTab | SettingsTab) -> None:
    """Click, then wait for the server call it started on a worker thread (the window stays live)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.work.busy, timeout=15_000)


def _server_users(tenant: TenantHandle) -> dict[str, dict[str, Any]]:
    answer = tenant.api.get("/admin/users", headers=tenant.admin.headers)
    assert answer.status_code == 200, answer.text
    return {u["email"]: u for u in answer.json()}


def _server_settings(tenant: TenantHandle) -> dict[str, Any]:
    answer = tenant.api.get("/admin/settings", headers=tenant.admin.headers)
    assert answer.status_code == 200, answer.text
    settings: dict[str, Any] = answer.json()["settings"]
    return settings


def test_an_admin_invites_a_user_changes_their_role_and_deactivates_them(
    qtbot: QtBot, make_tenant: Any, mailbox: Any, sign_in_desk: Callable[[SignedIn], AppContext]
) -> None:
    tenant = make_tenant()
    ctx = sign_in_desk(tenant.admin)
    page = _page(qtbot, ctx)
    users = page.users
    assert users is not None and users.note.text() == SERVER_NOTE
    assert users.invite_button.text().replace("&", "") == "Invite user"
    assert [u.email for u in users.rows] == [tenant.admin.email]
    sent_before = mailbox.count()

    qtbot.keyClicks(users.email.edit, "Jo.Porter@Example.test")
    qtbot.keyClicks(users.name.edit, "Jo Porter")
    users.new_role.setCurrentText("bdc")
    _click(qtbot, users.invite_button, users)
    assert "invitation was e-mailed" in users.message.text(), users.message.text()
    on_server = _server_users(tenant)["jo.porter@example.test"]
    assert on_server["roles"] == ["bdc"] and on_server["active"] and on_server["display_name"] == "Jo Porter"
    invitation = mailbox.wait_for("jo.porter@example.test", subject="invited", after=sent_before)
    assert "Accept invitation" in mailbox.body(invitation)
    assert users.current() is not None and users.current().email == "jo.porter@example.test"  # type: ignore[union-attr]
    sent = mailbox.count()
    _click(qtbot, users.resend_button, users)
    again = mailbox.wait_for("jo.porter@example.test", subject="invited", after=sent)
    assert mailbox.body(again) != mailbox.body(invitation)  # a fresh token
    assert "new invitation" in users.message.text()

    users.user_role.setCurrentText("salesperson")
    _click(qtbot, users.change_role_button, users)
    assert _server_users(tenant)["jo.porter@example.test"]["roles"] == ["salesperson"]
    assert "now salesperson" in users.message.text()
    _click(qtbot, users.active_button, users)
    assert _server_users(tenant)["jo.porter@example.test"]["active"] is False
    assert users.active_button.text().replace("&", "") == "Reactivate"

    # Someone who has chosen a password gets no invitation: the server says so.
    assert users.select(str(tenant.admin.user_id))
    sent = mailbox.count()
    _click(qtbot, users.resend_button, users)
    assert "already chosen a password" in users.message.text() and mailbox.count() == sent

    audit = tenant.api.get(
        "/admin/audit", params={"entity_id": on_server["id"]}, headers=tenant.admin.headers
    ).json()["events"]
    assert {"user.update", "user.deactivate"} <= {e["action"] for e in audit}
    assert all(e["actor_id"] == str(tenant.admin.user_id) for e in audit if e["action"].startswith("user."))


def test_an_invalid_email_is_shown_inline_and_nothing_is_sent(
    qtbot: QtBot, make_tenant: Any, mailbox: Any, sign_in_desk: Callable[[SignedIn], AppContext]
) -> None:
    tenant = make_tenant()
    page = _page(qtbot, sign_in_desk(tenant.admin))
    users = page.users
    assert users is not None
    sent_before, known_before = mailbox.count(), _server_users(tenant)
    qtbot.keyClicks(users.email.edit, "jo.porter-at-example")
    qtbot.keyClicks(users.name.edit, "Jo Porter")
    _click(qtbot, users.invite_button, users)
    assert users.email.error.isVisible() and "not an email address" in users.email.error.text()
    assert users.name.error.isHidden()
    assert users.email.edit.text() == "jo.porter-at-example"  # kept for correcting
    assert _server_users(tenant) == known_before and mailbox.count() == sent_before
    # A name left out is named too.
    users.email.edit.clear()
    users.name.edit.clear()
    qtbot.keyClicks(users.email.edit, "jo@example.test")
    _click(qtbot, users.invite_button, users)
    assert users.name.error.isVisible() and users.email.error.isHidden()
    assert _server_users(tenant) == known_before


def test_a_custom_role_is_created_and_its_permissions_changed_on_the_server(
    qtbot: QtBot, make_tenant: Any, sign_in_desk: Callable[[SignedIn], AppContext]
) -> None:
    tenant = make_tenant()
    page = _page(qtbot, sign_in_desk(tenant.admin))
    roles = page.roles
    assert roles is not None
    page.tabs.setCurrentWidget(roles)
    roles.select("bdc")
    qtbot.keyClicks(roles.new_name.edit, "lot_porter")
    _click(qtbot, roles.create_button, roles)
    assert "created" in roles.message.text(), roles.message.text()
    roles.set_granted("inventory.edit", True)
    roles.set_granted("customers.edit", False)
    _click(qtbot, roles.save_button, roles)
    found = tenant.api.get("/admin/roles", headers=tenant.admin.headers).json()
    porter = next(r for r in found if r["name"] == "lot_porter")
    bdc = next(r for r in found if r["name"] == "bdc")
    assert set(porter["permissions"]) == (set(bdc["permissions"]) - {"customers.edit"}) | {"inventory.edit"}
    # Creating it again is refused by name, under the name field.
    qtbot.keyClicks(roles.new_name.edit, "lot_porter")
    _click(qtbot, roles.create_button, roles)
    assert roles.new_name.error.isVisible() and "already exists" in roles.new_name.error.text()
    roles.select("lot_porter")
    _click(qtbot, roles.delete_button, roles)
    assert "deleted" in roles.message.text(), roles.message.text()
    names = {r["name"] for r in tenant.api.get("/admin/roles", headers=tenant.admin.headers).json()}
    assert "lot_porter" not in names and "bdc" in names


def test_published_settings_reach_the_server_after_confirmation(
    qtbot: QtBot, make_tenant: Any, sign_in_desk: Callable[[SignedIn], AppContext]
) -> None:
    tenant = make_tenant()
    # Detail the editor cannot show (a state/county split with a source) must survive a publish.
    profile = tenant.api.get("/admin/settings", headers=tenant.admin.headers).json()
    profile["settings"]["tax_overrides"] = [
        {
            "state": "TX",
            "county": "TRAVIS",
            "source": "comptroller 2026",
            "rates": [{"level": "state", "rate": "0.0625"}, {"level": "county", "rate": "0.02"}],
        }
    ]
    assert tenant.api.put("/admin/settings", json=profile, headers=tenant.admin.headers).status_code == 200
    page = _page(qtbot, sign_in_desk(tenant.admin))
    tab = page.settings
    assert tab is not None and tab.editable
    page.tabs.setCurrentWidget(tab)
    assert ("tax_rate.TX/TRAVIS", "0.0825") in tab.pairs()
    tab.set_value("doc_fee", "249")
    tab.set_value("fee.title/TX", "33")
    tab.set_value("fee.smog", "12.50")
    tab.set_value("tax_rate.OK/TULSA", "0.0852")

    _click(qtbot, tab.save_button, tab)
    assert tab.confirm.isVisible() and _server_settings(tenant)["doc_fee"] is None  # asked, not sent
    _click(qtbot, tab.cancel_button, tab)
    assert not tab.confirm.isVisible() and tab.message.text() == "Not published."
    assert _server_settings(tenant).get("doc_fee") is None

    _click(qtbot, tab.save_button, tab)
    _click(qtbot, tab.confirm_button, tab)
    assert tab.message.text().startswith("Published"), tab.message.text()
    stored = _server_settings(tenant)
    assert stored["doc_fee"] == "249.00"
    assert {(f["code"], f["amount"], f.get("state"), f.get("name")) for f in stored["fee_overrides"]} == {
        ("title", "33.00", "TX", None),
        ("other", "12.50", None, "smog"),
    }
    travis = next(o for o in stored["tax_overrides"] if o.get("county") == "TRAVIS")
    assert travis["source"] == "comptroller 2026" and len(travis["rates"]) == 2
    tulsa = next(o for o in stored["tax_overrides"] if o.get("county") == "TULSA")
    assert tulsa["state"] == "OK"
    assert [(r["level"], r["rate"]) for r in tulsa["rates"]] == [("county", "0.0852")]
    assert ("doc_fee", "249.00") in tab.pairs()  # the screen shows what the server now holds


def test_a_bad_setting_is_marked_and_nothing_is_published(
    qtbot: QtBot, make_tenant: Any, sign_in_desk: Callable[[SignedIn], AppContext]
) -> None:
    tenant = make_tenant()
    page = _page(qtbot, sign_in_desk(tenant.admin))
    tab = page.settings
    assert tab is not None
    page.tabs.setCurrentWidget(tab)
    before = _server_settings(tenant)
    tab.set_value("doc_fee", "199")
    tab.set_value("tax_rate.TX", "8.25")  # a percentage where a fraction belongs
    _click(qtbot, tab.save_button, tab)
    assert (
        tab.error.isVisible() and tab.error.text().startswith("tax_rate.TX:") and "0.0825" in tab.error.text()
    )
    assert not tab.confirm.isVisible()
    assert [tab.table.item(r, 0).text() for r in tab.error_rows()] == ["tax_rate.TX"]  # type: ignore[union-attr]
    tab.set_value("tax_rate.TX", "0.0825")
    tab.set_value("default_apr", "0.45")  # a fraction, but above any rate a desk starts from
    _click(qtbot, tab.save_button, tab)
    assert tab.error.text().startswith("default_apr:") and "0.36" in tab.error.text()
    assert _server_settings(tenant) == before


def test_a_salesperson_sees_no_admin_controls_and_the_service_refuses(
    qtbot: QtBot, make_tenant: Any, sign_in_desk: Callable[[SignedIn], AppContext]
) -> None:
    tenant = make_tenant()
    seller = tenant.create_user(["salesperson"])
    ctx = sign_in_desk(seller)
    page = _page(qtbot, ctx)
    assert page.tabs.count() == 0 and page.users is None and page.roles is None and page.settings is None
    service = administration_for(ctx)
    assert service.mode is Mode.SERVER
    with pytest.raises(PermissionError):
        service.invite("x@example.test", "X", ["bdc"])
    assert "x@example.test" not in _server_users(tenant)


def test_with_the_server_out_of_reach_the_screen_is_read_only_and_says_why(
    qtbot: QtBot, make_tenant: Any, sign_in_desk: Callable[[SignedIn], AppContext]
) -> None:
    tenant = make_tenant()
    ctx = sign_in_desk(tenant.admin)
    assert ctx.connection is not None
    attempts: list[str] = []
    dead = httpx.Client(
        base_url="http://127.0.0.1:9",
        timeout=0.5,
        event_hooks={"request": [lambda request: attempts.append(f"{request.method} {request.url.path}")]},
    )
    service = AdministrationService(
        ctx.store, ctx.principal, AdminApi(dead, ctx.connection.auth.token_source()), local=False
    )
    page = AdminPage(ctx, service)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    assert page.users is not None and page.settings is not None
    assert "cannot be reached" in page.users.note.text() and "Sign in to the dealership server" in (
        page.users.note.text()
    )
    assert page.users.new_user.isHidden() and page.settings.buttons.isHidden()
    # Opening the screen tried the server once, not once per tab (each would wait out its timeout).
    assert attempts == ["GET /admin/users"]
    with pytest.raises(Exception, match="cannot be reached"):
        service.invite("x@example.test", "X", ["bdc"])
    assert attempts[-1] == "POST /admin/users"  # a change is always tried
    dead.close()
