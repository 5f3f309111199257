"""Keyboard only, against the real sync service: signing in (password, then TOTP) and publishing settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from app.auth.secrets import SecretStore
from app.auth.session import AuthSession
from app.runtime import AppContext
from app.store.database import open_store
from sync.client.auth_api import AuthApi
from tests.desktop.conftest import MemoryKeyring
from tests.server.fixtures import *  # noqa: F403
from tests.server.fixtures import SignedIn
from tests.ui.test_admin_server import sign_in_desk  # noqa: F401 (a fixture)
from ui.pages.admin import AdminPage
from ui.sign_in import SignInDialog

ALT = Qt.KeyboardModifier.AltModifier


def _key(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "something must have the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def _type(qtbot: QtBot, text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClicks(target, text)


def _open(qtbot: QtBot, dialog: QWidget) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)


def test_sign_in_with_password_and_authenticator_codes_by_keyboard(
    qtbot: QtBot, live_server: Any, make_tenant: Any, tmp_path: Path
) -> None:
    manager: SignedIn = make_tenant().create_user(["sales_manager"])
    store = open_store(tmp_path / "desk.sqlite3", "desk-keys")
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        auth = AuthSession(AuthApi(http), SecretStore(trusted_backend=MemoryKeyring()), store, "desk-keys")
        first = SignInDialog(auth)
        _open(qtbot, first)
        assert QApplication.focusWidget() is first.email
        _type(qtbot, manager.email)
        _key(qtbot, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is first.password
        _type(qtbot, manager.password)
        _key(qtbot, Qt.Key.Key_Return)
        # First sign-in of a manager: set up the authenticator, cursor already in the code field.
        assert first.pages.currentIndex() == 2 and QApplication.focusWidget() is first.enrol_code
        manager.totp_secret = first.enrol_text.text().split("\n")[0].removeprefix("Key: ").strip()
        _type(qtbot, manager.totp_code())
        _key(qtbot, Qt.Key.Key_Return)
        assert first.result() == QDialog.DialogCode.Accepted and first.user is not None
        auth.sign_out()

        again = SignInDialog(auth)
        _open(qtbot, again)
        _type(qtbot, manager.email)
        _key(qtbot, Qt.Key.Key_P, ALT)  # "&Password"
        _type(qtbot, manager.password)
        _key(qtbot, Qt.Key.Key_Return)
        assert again.pages.currentIndex() == 1 and QApplication.focusWidget() is again.code
        _type(qtbot, "000000")
        _key(qtbot, Qt.Key.Key_Return)  # Enter verifies this step's code (not the hidden password step)
        assert again.message.text() and again.result() != QDialog.DialogCode.Accepted
        _key(qtbot, Qt.Key.Key_C, ALT)  # "&Code": back to the field, to type a fresh one
        assert QApplication.focusWidget() is again.code
        again.code.selectAll()
        _type(qtbot, manager.totp_code())
        _key(qtbot, Qt.Key.Key_Return)
        assert again.result() == QDialog.DialogCode.Accepted

        cancelled = SignInDialog(auth)
        _open(qtbot, cancelled)
        _key(qtbot, Qt.Key.Key_Escape)
        assert cancelled.result() == QDialog.DialogCode.Rejected and cancelled.user is None
    store.close()


def test_publish_settings_by_keyboard_escape_cancels_enter_confirms(
    qtbot: QtBot,
    make_tenant: Any,
    sign_in_desk: Callable[[SignedIn], AppContext],  # noqa: F811
) -> None:
    tenant = make_tenant()
    page = AdminPage(sign_in_desk(tenant.admin))
    _open(qtbot, page)
    page.refresh()
    tab = page.settings
    assert tab is not None
    page.tabs.setFocus()
    _key(qtbot, Qt.Key.Key_T, ALT)  # "Dealership se&ttings"
    assert page.tabs.currentWidget() is tab
    tab.set_value("doc_fee", "225")

    def published() -> dict[str, Any]:
        answer = tenant.api.get("/admin/settings", headers=tenant.admin.headers)
        settings: dict[str, Any] = answer.json()["settings"]
        return settings

    _key(qtbot, Qt.Key.Key_P, ALT)  # "&Publish settings…"
    qtbot.waitUntil(lambda: tab.confirm.isVisible())
    assert QApplication.focusWidget() is tab.confirm_button
    _key(qtbot, Qt.Key.Key_Escape)
    assert not tab.confirm.isVisible() and tab.message.text() == "Not published."
    assert published().get("doc_fee") is None

    _key(qtbot, Qt.Key.Key_P, ALT)
    qtbot.waitUntil(lambda: tab.confirm.isVisible())
    _key(qtbot, Qt.Key.Key_Return)  # on "Publish now"
    qtbot.waitUntil(lambda: tab.message.text().startswith("Published"), timeout=15_000)
    assert published()["doc_fee"] == "225.00"
