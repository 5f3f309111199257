"""The sign-in dialog against the real service (password + TOTP, offline unlock) and the offline indicator."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pyotp
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.auth.secrets import SecretStore
from app.auth.session import AuthSession
from app.config import Settings
from app.connection import Connection, start_signed_in
from app.store.database import open_store
from sync.client.auth_api import AuthApi
from tests.desktop.conftest import MemoryKeyring
from tests.server.fixtures import *  # noqa: F403
from ui.main_window import MainWindow
from ui.sign_in import SignInDialog


def _fresh_code(secret: str, used: set[str]) -> str:
    while True:
        code = pyotp.TOTP(secret).now()
        if code not in used:
            used.add(code)
            return code
        time.sleep(1)


def test_a_manager_signs_in_with_password_then_totp(
    qtbot: QtBot, live_server: Any, make_tenant: Any, tmp_path: Path
) -> None:
    tenant = make_tenant()
    manager = tenant.create_user(["sales_manager"])
    store = open_store(tmp_path / "desk.sqlite3", "desk-ui")
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        auth = AuthSession(AuthApi(http), SecretStore(trusted_backend=MemoryKeyring()), store, "desk-ui")
        dialog = SignInDialog(auth)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.keyClicks(dialog.email, manager.email)
        qtbot.keyClicks(dialog.password, "wrong password")
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
        assert "not accepted" in dialog.message.text()
        dialog.password.clear()
        qtbot.keyClicks(dialog.password, manager.password)
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
        assert dialog.pages.currentIndex() == 2  # first time: set up the authenticator
        secret = dialog.enrol_text.text().split("\n")[0].removeprefix("Key: ").strip()
        used: set[str] = set()
        qtbot.keyClicks(dialog.enrol_code, _fresh_code(secret, used))
        dialog.confirm_enrolment()
        assert dialog.result() == SignInDialog.DialogCode.Accepted
        assert dialog.user is not None and dialog.user.principal.can("deals.approve")

        auth.sign_out()
        again = SignInDialog(auth)
        qtbot.addWidget(again)
        qtbot.keyClicks(again.email, manager.email)
        qtbot.keyClicks(again.password, manager.password)
        again.submit_password()
        assert again.pages.currentIndex() == 1 and again.method.currentData() == "totp"
        qtbot.keyClicks(again.code, "000000")
        again.submit_code()
        assert again.message.text()  # refused, with the server's words
        again.code.clear()
        qtbot.keyClicks(again.code, _fresh_code(secret, used))
        again.submit_code()
        assert again.result() == SignInDialog.DialogCode.Accepted
    store.close()


def test_offline_unlock_from_the_dialog_and_the_offline_indicator(
    qtbot: QtBot, live_server: Any, make_tenant: Any, tmp_path: Path
) -> None:
    seller = make_tenant().create_user(["salesperson"])
    store = open_store(tmp_path / "desk.sqlite3", "desk-ui")
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        AuthSession(AuthApi(http), SecretStore(trusted_backend=MemoryKeyring()), store, "desk-ui").login(
            seller.email, seller.password
        )
    # The server is now out of reach (nothing listens on this port).
    dead = httpx.Client(base_url="http://127.0.0.1:9", timeout=0.5)
    auth = AuthSession(AuthApi(dead), SecretStore(trusted_backend=MemoryKeyring()), store, "desk-ui")
    dialog = SignInDialog(auth)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.email, seller.email)
    qtbot.keyClicks(dialog.password, seller.password)
    dialog.submit_password()
    assert dialog.offline_button.isVisible() and "cannot be reached" in dialog.message.text()
    qtbot.mouseClick(dialog.offline_button, Qt.MouseButton.LeftButton)
    assert dialog.user is not None and dialog.user.online is False

    ctx = start_signed_in(
        Settings(server_url="http://127.0.0.1:9"), store, Connection(dead, auth), dialog.user
    )
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    assert ctx.sync is not None
    qtbot.waitUntil(lambda: "Offline since" in window.sync_status.text(), timeout=10_000)
    ctx.close()
