"""Keyboard only: every flow here is driven with key presses (``qtbot.keyClick(s)``), never the mouse.

The window is real and active, so shortcuts (Ctrl+1…6 for the screens, Ctrl+S to save) go through Qt's
shortcut handling exactly as a user's keys would.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.runtime import AppContext
from app.store.database import Actor
from app.store.models import Customer
from ui.main_window import MainWindow
from ui.pages.customers import CustomersPage

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot: QtBot, demo: AppContext) -> Iterator[MainWindow]:
    main = MainWindow(demo)
    qtbot.addWidget(main)
    main.show()
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    yield main


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
