"""Customers, inventory and deals as searchable lists."""

from __future__ import annotations

from app.runtime import AppContext
from app.services.customers import CustomerService
from app.services.deals import DealService
from app.services.inventory import InventoryFilter, InventoryService, days_in_stock
from app.store.models import Customer, Deal, Vehicle
from ui.pages.list_page import ListPage
from ui.table_model import Column


def customers_page(ctx: AppContext) -> ListPage[Customer]:
    service = CustomerService(ctx.store, ctx.principal)
    columns: list[Column[Customer]] = [
        Column("Name", lambda c: c.full_name),
        Column("Phone", lambda c: c.phone),
        Column("Email", lambda c: c.email),
        Column("City", lambda c: c.city),
        Column("State", lambda c: c.state),
        Column("ZIP", lambda c: c.zip),
        Column("Credit", lambda c: c.credit_score, numeric=True),
    ]
    return ListPage(
        "Customers", columns, lambda text: service.search(text), "Search name, phone, email or ZIP"
    )


def inventory_page(ctx: AppContext) -> ListPage[Vehicle]:
    service = InventoryService(ctx.store, ctx.principal)
    columns: list[Column[Vehicle]] = [
        Column("Stock", lambda v: v.stock_number),
        Column("Year", lambda v: v.model_year, numeric=True),
        Column("Make", lambda v: v.make),
        Column("Model", lambda v: v.model),
        Column("Body", lambda v: v.body),
        Column("Cond.", lambda v: v.condition),
        Column("Miles", lambda v: f"{v.mileage:,}" if v.mileage is not None else None, numeric=True),
        Column("Price", lambda v: v.price, numeric=True),
        Column("Days", lambda v: days_in_stock(v), numeric=True),
        Column("VIN", lambda v: v.vin),
    ]
    return ListPage(
        "Inventory",
        columns,
        lambda text: service.find(InventoryFilter(text=text)),
        "Search stock number, VIN, make or model",
    )


def deals_page(ctx: AppContext) -> ListPage[Deal]:
    service = DealService(ctx.store, ctx.principal)
    columns: list[Column[Deal]] = [
        Column("Deal", lambda d: d.deal_number),
        Column("Status", lambda d: d.status),
        Column("Type", lambda d: d.deal_type),
        Column("Front gross", lambda d: d.front_gross, numeric=True),
        Column("Back gross", lambda d: d.back_gross, numeric=True),
        Column("Created", lambda d: d.created_at.strftime("%Y-%m-%d %H:%M")),
    ]

    def load(text: str) -> list[Deal]:
        needle = text.strip().lower()
        return [
            d for d in service.list() if not needle or needle in d.deal_number.lower() or needle in d.status
        ]

    return ListPage("Deals", columns, load, "Search deal number or status")
