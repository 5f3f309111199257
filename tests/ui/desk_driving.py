"""Driving the desk page as a salesperson does, shared by the desk's UI tests."""

from __future__ import annotations

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.runtime import AppContext
from app.store.database import Actor
from app.store.models import Customer, Vehicle
from ui.pages.desk import DeskPage


def open_desk(qtbot: QtBot, ctx: AppContext) -> DeskPage:
    page = DeskPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    return page


def type_into(qtbot: QtBot, page: DeskPage, field: str, text: str, *, timeout: int = 2000) -> None:
    """Replace a field's text key by key and wait for the quotes it changes."""
    edit = page.fields[field].edit
    edit.clear()
    with qtbot.waitSignal(page.recomputed, timeout=timeout):
        qtbot.keyClicks(edit, text)


def customer_at(ctx: AppContext, zip_code: str) -> Customer:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        customer = session.scalars(select(Customer).where(Customer.zip == zip_code)).first()
    assert customer is not None
    return customer


def used_car(ctx: AppContext) -> Vehicle:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        vehicle = session.scalars(
            select(Vehicle).where(Vehicle.status == "in_stock", Vehicle.condition == "used")
        ).first()
    assert vehicle is not None
    return vehicle


def register_in(qtbot: QtBot, page: DeskPage, state: str, *, clear: tuple[str, ...] = ()) -> None:
    """Move the buyer's registration to another state: the place fields (and ``clear``) emptied as a
    user would empty them, then the state typed."""
    for name in ("customer.county", "customer.city", "customer.zip", *clear):
        page.set_field(name, "")
    type_into(qtbot, page, "customer.state", state)
