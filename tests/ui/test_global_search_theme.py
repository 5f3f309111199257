"""The global search box and the themes, through real widgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.runtime import AppContext
from app.services.search import SearchHit
from app.store.database import Actor
from app.store.models import Deal, Vehicle
from ui.global_search import GlobalSearch
from ui.pages.customers import customers_page
from ui.pages.inventory import inventory_page
from ui.theme import apply_theme, current_theme, palette, saved_theme, toggle_theme


def _box(qtbot: QtBot, ctx: AppContext) -> GlobalSearch:
    box = GlobalSearch(ctx)
    qtbot.addWidget(box)
    box.show()
    box.edit.setFocus()
    return box


def _type(qtbot: QtBot, box: GlobalSearch, text: str) -> None:
    with qtbot.waitSignal(box.searched, timeout=2000):
        qtbot.keyClicks(box.edit, text)


def test_typing_a_stock_number_and_enter_opens_the_vehicle(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("salesperson")
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        vehicle = session.scalars(select(Vehicle).order_by(Vehicle.stock_number)).first()
    assert vehicle is not None
    box = _box(qtbot, ctx)
    _type(qtbot, box, vehicle.stock_number)
    assert box.popup.isVisible()
    assert box.popup.item(0).text().startswith(f"Vehicle: {vehicle.stock_number}")
    with qtbot.waitSignal(box.hit_chosen, timeout=1000) as chosen:
        qtbot.keyClick(box.edit, Qt.Key.Key_Return)
    hit = chosen.args[0]
    assert isinstance(hit, SearchHit) and (hit.kind, hit.id) == ("vehicle", vehicle.id)
    assert not box.popup.isVisible()


def test_arrow_keys_pick_among_hits_and_escape_closes(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("sales_manager")
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        numbers = sorted(session.scalars(select(Deal.deal_number)).all())
    prefix = numbers[0][:-1]  # the first ten or so deals share all but the last character
    box = _box(qtbot, ctx)
    _type(qtbot, box, prefix)
    assert box.popup.count() >= 2 and all(h.kind == "deal" for h in box.hits)
    qtbot.keyClick(box.edit, Qt.Key.Key_Down)
    assert box.popup.currentRow() == 1
    with qtbot.waitSignal(box.hit_chosen, timeout=1000) as chosen:
        qtbot.keyClick(box.edit, Qt.Key.Key_Return)
    assert chosen.args[0] == box.hits[1]
    qtbot.keyClick(box.edit, Qt.Key.Key_Backspace)
    qtbot.waitUntil(box.popup.isVisible)
    qtbot.keyClick(box.edit, Qt.Key.Key_Escape)
    assert not box.popup.isVisible()


def test_nothing_found_shows_no_list(qtbot: QtBot, demo: AppContext) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    other = QLineEdit(window)
    box = GlobalSearch(demo, window)
    box.move(0, 40)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    other.setFocus()
    qtbot.keyClick(other, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert box.edit.hasFocus()
    _type(qtbot, box, "zzqqxx")
    assert box.hits == [] and not box.popup.isVisible()


@pytest.fixture
def app_state(qapp: QApplication) -> Iterator[QApplication]:
    before = (qapp.palette(), qapp.property("theme"))
    yield qapp
    qapp.setPalette(before[0])
    qapp.setProperty("theme", before[1])


def test_dark_theme_is_applied_and_remembered(app_state: QApplication, tmp_path: Path) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    assert saved_theme(settings=store) == "light"
    apply_theme(app_state, "dark", store)
    window = app_state.palette().color(QPalette.ColorRole.Window)
    text = app_state.palette().color(QPalette.ColorRole.WindowText)
    assert window.lightness() < 60 < 200 < text.lightness()
    assert current_theme(app_state) == "dark"
    reopened = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    assert saved_theme(settings=reopened) == "dark"
    assert toggle_theme(app_state, store) == "light"
    assert app_state.palette().color(QPalette.ColorRole.Window).lightness() > 200
    assert saved_theme(settings=store) == "light"


def test_an_unknown_theme_changes_nothing(app_state: QApplication, tmp_path: Path) -> None:
    store = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    apply_theme(app_state, "light", store)
    with pytest.raises(ValueError, match="theme"):
        apply_theme(app_state, "sepia", store)
    assert saved_theme(settings=store) == "light"
    assert app_state.palette().color(QPalette.ColorRole.Base) == QColor("#ffffff")
    assert palette("dark").color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text) != palette(
        "dark"
    ).color(QPalette.ColorRole.Text)


def test_a_chosen_hit_opens_on_its_screen(qtbot: QtBot, as_user: Callable[[str], AppContext]) -> None:
    ctx = as_user("sales_manager")
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        sold = session.scalars(select(Vehicle).where(Vehicle.status == "sold")).first()
    assert sold is not None
    customers, inventory = customers_page(ctx), inventory_page(ctx)
    for page in (customers, inventory):
        qtbot.addWidget(page)
        page.refresh()
    box = _box(qtbot, ctx)
    box.hit_chosen.connect(
        lambda hit: (customers if hit.kind == "customer" else inventory).open_record(hit.id)
    )
    _type(qtbot, box, sold.vin[-8:])
    qtbot.keyClick(box.edit, Qt.Key.Key_Return)
    assert inventory.current is not None and inventory.current.id == sold.id
    assert inventory.status.currentText() == "sold" and inventory.model.rowCount() == 1
    assert sold.vin in inventory.detail.text()
    box.edit.clear()
    _type(qtbot, box, "garcia")
    qtbot.keyClick(box.edit, Qt.Key.Key_Down)
    wanted = box.hits[1]
    qtbot.keyClick(box.edit, Qt.Key.Key_Return)
    assert customers.current is not None and customers.current.id == wanted.id
    assert customers.fields["last_name"].edit.text() == "Garcia"
    assert customers.table.selectionModel().selectedRows()[0].row() == next(
        r for r in range(customers.model.rowCount()) if customers.model.row(r).id == wanted.id
    )
