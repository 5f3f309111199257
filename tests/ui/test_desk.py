"""The desk, driven through its real widgets as a salesperson would."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.runtime import AppContext
from app.services.deals import DealService
from app.store.database import Actor
from app.store.models import Customer, Dealership, DealScenario, Vehicle
from calc import quote_deal
from tests.ui.desk_driving import customer_at, open_desk, register_in, type_into, used_car


def _texas_customer_and_used_car(ctx: AppContext) -> tuple[Customer, Vehicle]:
    return customer_at(ctx, "78704"), used_car(ctx)


def test_finance_and_lease_payments_shown_match_the_engine(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("salesperson")
    page = open_desk(qtbot, ctx)
    customer, vehicle = _texas_customer_and_used_car(ctx)
    page.use_customer(customer)
    page.use_vehicle(vehicle)
    type_into(qtbot, page, "cash_down", "2500")
    finance_shown = page.cards["finance"].headline.text()
    lease_shown = page.cards["lease"].headline.text()
    expected = quote_deal(page.worksheet.request("finance"))["finance"]["monthly_payment"]
    expected_lease = quote_deal(page.worksheet.request("lease"))["lease"]["monthly_payment"]
    assert finance_shown == f"${Decimal(expected):,.2f}/mo"
    assert lease_shown == f"${Decimal(expected_lease):,.2f}/mo"
    assert "72 months at 6.99% APR" in page.cards["finance"].detail.text()
    assert "TX motor vehicle sales and use tax" in page.explain.toPlainText()


def test_the_grid_follows_a_price_change(qtbot: QtBot, demo: AppContext) -> None:
    page = open_desk(qtbot, demo)
    customer, vehicle = _texas_customer_and_used_car(demo)
    page.use_customer(customer)
    page.use_vehicle(vehicle)
    type_into(qtbot, page, "vehicle.price", "20000")
    before = page.finance_grid.item(0, 0).text()
    type_into(qtbot, page, "vehicle.price", "30000")
    after = page.finance_grid.item(0, 0).text()
    assert page.finance_grid.rowCount() == 5 and page.finance_grid.columnCount() == 5
    assert Decimal(after.strip("$").replace(",", "")) > Decimal(before.strip("$").replace(",", ""))


def test_an_invalid_price_shows_inline_and_nothing_is_saved(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("salesperson")
    page = open_desk(qtbot, ctx)
    customer, vehicle = _texas_customer_and_used_car(ctx)
    page.use_customer(customer)
    page.use_vehicle(vehicle)
    type_into(qtbot, page, "vehicle.price", "-500")
    error = page.fields["vehicle.price"].error
    assert error.isVisible() and "negative" in error.text()
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        before = session.scalar(select(func.count()).select_from(DealScenario))
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "Fix the highlighted fields" in page.message.text()
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        assert session.scalar(select(func.count()).select_from(DealScenario)) == before
    type_into(qtbot, page, "vehicle.price", "25000")
    assert not page.fields["vehicle.price"].error.isVisible()


def test_submit_and_approve_as_two_users(qtbot: QtBot, as_user: Callable[[str], AppContext]) -> None:
    seller = as_user("salesperson")
    page = open_desk(qtbot, seller)
    customer, vehicle = _texas_customer_and_used_car(seller)
    page.use_customer(customer)
    page.use_vehicle(vehicle)
    type_into(qtbot, page, "cash_down", "3000")
    qtbot.mouseClick(page.submit_button, Qt.MouseButton.LeftButton)
    assert "submitted for approval" in page.message.text()
    assert page.deal is not None
    manager = as_user("sales_manager")
    queue = DealService(manager.store, manager.principal).list(status="submitted")
    assert page.deal.id in {d.id for d in queue}
    approved = DealService(manager.store, manager.principal).approve(page.deal.id)
    assert approved.status == "approved"
    scenario = DealService(manager.store, manager.principal).scenarios(page.deal.id)[0]
    assert scenario.monthly_payment is not None
    assert page.cards["finance"].headline.text().startswith(f"${scenario.monthly_payment:,.2f}")


def test_solve_for_price_meets_the_target(qtbot: QtBot, demo: AppContext) -> None:
    page = open_desk(qtbot, demo)
    customer, vehicle = _texas_customer_and_used_car(demo)
    page.use_customer(customer)
    page.use_vehicle(vehicle)
    qtbot.keyClicks(page.target, "400")
    page.solve()
    qtbot.waitUntil(lambda: page.result is not None and page.result.payment("finance") is not None)
    page.recompute()
    payment = page.result.payment("finance") if page.result else None
    assert payment is not None and Decimal(payment) <= Decimal("400")
    assert "meets the target" in page.message.text()


def test_advice_names_a_segment_and_a_structure_and_saved_inputs_requote(
    qtbot: QtBot, as_user: Callable[[str], AppContext]
) -> None:
    ctx = as_user("salesperson")
    page = open_desk(qtbot, ctx)
    customer, vehicle = _texas_customer_and_used_car(ctx)
    page.use_customer(customer)
    page.use_vehicle(vehicle)
    type_into(qtbot, page, "cash_down", "4000")
    text = page.advice.text()
    assert "Customer looks like a" in text and "Structure to try" in text and "you decide" in text
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.deal is not None
    scenario = DealService(ctx.store, ctx.principal).scenarios(page.deal.id)[0]
    # The scenario keeps the calc request itself: quoting it again gives the payment it saved.
    requoted = quote_deal(scenario.inputs)["finance"]["monthly_payment"]
    assert scenario.monthly_payment == Decimal(requoted)


def test_the_desk_starts_from_the_dealerships_defaults(qtbot: QtBot, demo: AppContext) -> None:
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        dealership = session.get(Dealership, demo.principal.tenant_id)
        assert dealership is not None
        dealership.settings = {
            **dealership.settings,
            "doc_fee": "199.00",
            "default_apr": "0.0549",
            "default_term_months": 60,
        }
    page = open_desk(qtbot, demo)
    assert page.fields["doc_fee"].edit.text() == "199.00"
    assert page.fields["finance.apr_percent"].edit.text() == "5.49"
    assert page.fields["finance.term_months"].edit.text() == "60"


def test_an_electric_car_picked_from_stock_is_quoted_as_electric(qtbot: QtBot, demo: AppContext) -> None:
    # The stock record's fuel and MSRP go with the car: DC exempts fully electric cars from its excise.
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        electric = session.scalars(
            select(Vehicle).where(Vehicle.status == "in_stock", Vehicle.fuel == "electric")
        ).first()
        new_car = session.scalars(
            select(Vehicle).where(Vehicle.status == "in_stock", Vehicle.msrp.is_not(None))
        ).first()
        petrol = session.scalars(
            select(Vehicle).where(Vehicle.status == "in_stock", Vehicle.fuel != "electric")
        ).first()
    assert electric is not None and petrol is not None and new_car is not None
    page = open_desk(qtbot, demo)
    customer, _ = _texas_customer_and_used_car(demo)
    page.use_customer(customer)
    page.use_vehicle(petrol)
    register_in(qtbot, page, "DC")
    assert "Fully electric vehicle" not in page.explain.toPlainText()

    with qtbot.waitSignal(page.recomputed, timeout=2000):
        page.use_vehicle(electric)
    assert page.worksheet.request("cash")["vehicle"]["fuel"] == "electric"
    assert "Fully electric vehicle: exempt from DC excise" in page.explain.toPlainText()
    assert quote_deal(page.worksheet.request("cash"))["taxes"]["total"] == "0.00"

    with qtbot.waitSignal(page.recomputed, timeout=2000):
        page.use_vehicle(new_car)  # a car that was never titled carries its MSRP (fees on MSRP use it)
    assert Decimal(page.worksheet.request("cash")["vehicle"]["msrp"]) == new_car.msrp


def test_missouri_horsepower_typed_on_the_desk_sets_the_registration_bracket(
    qtbot: QtBot, demo: AppContext
) -> None:
    page = open_desk(qtbot, demo)
    customer, vehicle = _texas_customer_and_used_car(demo)
    page.use_customer(customer)
    page.use_vehicle(vehicle)
    register_in(qtbot, page, "MO", clear=("fees.title", "fees.registration"))

    def registration() -> str:
        cash = page.result.quotes["cash"] if page.result else {}
        return next(i["amount"] for i in cash["fees"]["items"] if i["code"] == "registration")

    assumed = registration()
    assert "vehicle.taxable_horsepower not given" in " ".join(page.result.quotes["cash"]["warnings"])
    type_into(qtbot, page, "vehicle.taxable_horsepower", "30")  # 24-35 HP: $24.25 + $6 processing
    assert registration() == "30.25" != assumed
    assert "vehicle.taxable_horsepower not given" not in " ".join(page.result.quotes["cash"]["warnings"])

    type_into(qtbot, page, "vehicle.taxable_horsepower", "lots")
    assert page.fields["vehicle.taxable_horsepower"].error.isVisible()
    assert page.worksheet.values["vehicle.taxable_horsepower"] == "lots"  # what was typed stays to fix

    with qtbot.waitSignal(page.recomputed, timeout=2000):
        page.use_vehicle(vehicle)  # another pick: the typed horsepower belonged to the last car
    assert page.fields["vehicle.taxable_horsepower"].edit.text() == ""
    assert not page.fields["vehicle.taxable_horsepower"].error.isVisible()
