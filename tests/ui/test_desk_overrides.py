"""Tax and fee overrides set on the Admin screen, on the desk's quotes (real widgets, demo dealership)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.runtime import AppContext
from app.services.deals import DealService
from app.store.database import Actor
from app.store.models import Customer, Dealership, Vehicle
from calc import quote_deal
from tests.ui.desk_driving import customer_at, open_desk, type_into, used_car
from ui.pages.admin import admin_page
from ui.pages.desk import DeskPage

CENT = Decimal("0.01")


def _admin_sets(qtbot: QtBot, ctx: AppContext, pairs: dict[str, str]) -> None:
    page = admin_page(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    tab = page.settings
    assert tab is not None
    for key, value in pairs.items():
        tab.set_value(key, value)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.message.text() == "Saved.", timeout=5000)








def _pick(qtbot: QtBot, page: DeskPage, customer: Customer, vehicle: Vehicle) -> None:
    with qtbot.waitSignal(page.recomputed, timeout=5000):
        page.use_customer(customer)
        page.use_vehicle(vehicle)




def _amount(text: str) -> Decimal:
    return Decimal(text.strip("$").replace(",", ""))


def test_a_county_override_set_by_the_admin_prices_a_buyer_there_and_not_elsewhere(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    _admin_sets(qtbot, as_user("general_manager"), {"tax_rate.TX/TRAVIS COUNTY": "0.0825"})
    seller = as_user("salesperson")
    page = open_desk(qtbot, seller)
    travis, vehicle = customer_at(seller, "78704"), used_car(seller)
    assert travis.county == "TRAVIS COUNTY"
    _pick(qtbot, page, travis, vehicle)

    shown = page.explain.toPlainText()
    assert "Rates: override" in shown
    assert "the dealership's override tax_rate.TX/TRAVIS COUNTY (8.25 % in all)" in shown
    assert "TX/TRAVIS COUNTY county rate (dealership override)" in shown
    # Texas taxes the price and the doc fee ($150 in the demo) at the one overriding rate.
    expected = ((vehicle.price + Decimal("150")) * Decimal("0.0825")).quantize(CENT, ROUND_HALF_UP)
    assert f"Tax ${expected:,.2f}" in shown
    assert f"Tax ${expected:,.2f}" in page.cards["cash"].detail.text()

    williamson = customer_at(seller, "78664")
    with qtbot.waitSignal(page.recomputed, timeout=5000):
        page.use_customer(williamson)
    elsewhere = page.explain.toPlainText()
    assert "Rates: embedded" in elsewhere and "dealership override" not in elsewhere
    embedded = ((vehicle.price + Decimal("150")) * Decimal("0.0625")).quantize(CENT, ROUND_HALF_UP)
    assert f"Tax ${embedded:,.2f}" in elsewhere  # Texas's own 6.25 %, no local motor vehicle tax


def test_the_dealership_title_fee_shows_and_a_fee_typed_on_the_desk_wins(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    _admin_sets(qtbot, as_user("general_manager"), {"fee.title": "95"})
    seller = as_user("salesperson")
    page = open_desk(qtbot, seller)
    _pick(qtbot, page, customer_at(seller, "78704"), used_car(seller))
    shown = page.explain.toPlainText()
    assert "\ntitle\n$95.00\n" in shown  # the fees table's row
    assert "Dealership title fee $95.00 (fee.title)" in shown
    fees_before = _amount(page.cards["cash"].detail.text().split("Fees ")[1])

    type_into(qtbot, page, "fees.title", "40", timeout=5000)
    shown = page.explain.toPlainText()
    assert "Dealership title fee $95.00" not in shown
    assert "title fee typed on the desk ($40) is used instead of the dealership's $95.00" in shown
    fees_after = _amount(page.cards["cash"].detail.text().split("Fees ")[1])
    assert fees_before - fees_after == Decimal("55.00")


def test_a_malformed_stored_override_leaves_the_desk_working_with_a_warning(
    qtbot: QtBot, as_user: Callable[[str], AppContext], demo: AppContext
) -> None:
    seller = as_user("salesperson")
    travis, vehicle = customer_at(seller, "78704"), used_car(seller)
    plain = open_desk(qtbot, seller)
    _pick(qtbot, plain, travis, vehicle)
    built_in_payment = plain.cards["finance"].headline.text()
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        row = session.scalars(select(Dealership)).one()
        row.settings = {**row.settings, "tax_rate_overrides": {"TX/TRAVIS COUNTY": "8.25 percent"}}

    page = open_desk(qtbot, seller)
    _pick(qtbot, page, travis, vehicle)
    assert page.cards["finance"].headline.text() == built_in_payment
    assert not any(field.error.isVisible() for field in page.fields.values())
    shown = page.explain.toPlainText()
    assert "Rates: embedded" in shown
    warnings = shown.split("Warnings")[1].split("How it was worked out")[0]
    assert "tax_rate.TX/TRAVIS COUNTY" in warnings and "Fix it on the Admin screen" in warnings


def test_a_saved_scenario_keeps_the_overrides_it_was_quoted_with(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    manager = as_user("general_manager")
    _admin_sets(qtbot, manager, {"tax_rate.TX/TRAVIS COUNTY": "0.0825", "fee.title": "95"})
    seller = as_user("salesperson")
    page = open_desk(qtbot, seller)
    _pick(qtbot, page, customer_at(seller, "78704"), used_car(seller))
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.deal is not None and "Saved" in page.message.text()
    _admin_sets(qtbot, manager, {"tax_rate.TX/TRAVIS COUNTY": "0.09", "fee.title": "20"})

    scenario = DealService(seller.store, seller.principal).scenarios(page.deal.id)[0]
    assert scenario.inputs["tax_override"]["rates"][0]["rate"] == "0.0825"
    assert scenario.last_quote is not None
    again = quote_deal(scenario.inputs)
    assert again["taxes"] == scenario.last_quote["taxes"]
    assert again["fees"] == scenario.last_quote["fees"]
    assert again["finance"]["monthly_payment"] == scenario.last_quote["finance"]["monthly_payment"]
