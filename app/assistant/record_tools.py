"""Tools over the dealership's records: inventory, customers, deals — through the permission-checked services.

Results leave out what the model does not need and would only put at risk: phone numbers, emails and
street addresses never appear; the dealer's cost only for users allowed to see costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.assistant.quote_schema import MONEY
from app.assistant.tools import ID_SCHEMA, Tool, ToolContext
from app.policy import Permission
from app.services.customers import CustomerService
from app.services.deals import DealService
from app.services.inventory import InventoryFilter, InventoryService, days_in_stock
from app.store.models import Customer, Deal, DealScenario, Vehicle

MAX_ROWS = 25


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def vehicle_summary(vehicle: Vehicle, *, with_cost: bool) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "id": vehicle.id,
        "stock_number": vehicle.stock_number,
        "vin": vehicle.vin,
        "description": " ".join(
            str(part) for part in (vehicle.model_year, vehicle.make, vehicle.model, vehicle.trim) if part
        ),
        "body": vehicle.body,
        "condition": vehicle.condition,
        "mileage": vehicle.mileage,
        "price": _money(vehicle.price),
        "msrp": _money(vehicle.msrp),
        "status": vehicle.status,
        "days_in_stock": days_in_stock(vehicle),
    }
    if with_cost:
        summary["cost"] = _money(vehicle.cost)
    return summary


def customer_summary(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": f"{customer.first_name} {customer.last_name}",
        "city": customer.city,
        "county": customer.county,
        "state": customer.state,
        "zip": customer.zip,
        "credit_score": customer.credit_score,
        "annual_income": _money(customer.annual_income),
    }


def scenario_summary(scenario: DealScenario) -> dict[str, Any]:
    quote = scenario.last_quote or {}
    section = quote.get(scenario.deal_type) if isinstance(quote, Mapping) else None
    return {
        "id": scenario.id,
        "name": scenario.name,
        "deal_type": scenario.deal_type,
        "inputs": scenario.inputs,
        "monthly_payment": _money(scenario.monthly_payment),
        "quote_totals": {
            "taxes": (quote.get("taxes") or {}).get("total") if isinstance(quote, Mapping) else None,
            "deal": section if isinstance(section, Mapping) else None,
        },
    }


def deal_summary(deal: Deal) -> dict[str, Any]:
    return {
        "id": deal.id,
        "deal_number": deal.deal_number,
        "status": deal.status,
        "deal_type": deal.deal_type,
        "customer_id": deal.customer_id,
        "vehicle_id": deal.vehicle_id,
        "created_at": deal.created_at.date().isoformat(),
        "front_gross": _money(deal.front_gross),
        "back_gross": _money(deal.back_gross),
    }


def _money_arg(arguments: Mapping[str, Any], name: str) -> Decimal | None:
    value = arguments.get(name)
    return None if value is None else Decimal(str(value))


def _search_inventory(context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
    criteria = InventoryFilter(
        text=arguments.get("text", ""),
        status=arguments.get("status", "in_stock"),
        condition=arguments.get("condition"),
        body=arguments.get("body"),
        min_price=_money_arg(arguments, "min_price"),
        max_price=_money_arg(arguments, "max_price"),
        min_age_days=arguments.get("min_days_in_stock"),
    )
    limit = int(arguments.get("limit", 10))
    vehicles = InventoryService(context.store, context.principal).find(criteria)
    with_cost = context.principal.can(Permission.COSTS_VIEW)
    return {
        "matches": len(vehicles),
        "vehicles": [vehicle_summary(v, with_cost=with_cost) for v in vehicles[:limit]],
        "oldest_first": True,
    }


def _find_customers(context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
    limit = int(arguments.get("limit", 5))
    found = CustomerService(context.store, context.principal).search(
        arguments["query"], state=arguments.get("state"), limit=limit
    )
    return {"customers": [customer_summary(c) for c in found]}


def _customer_deals(context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
    customer = CustomerService(context.store, context.principal).get(arguments["customer_id"])
    deals = [
        d
        for d in DealService(context.store, context.principal).list(limit=5000)
        if d.customer_id == customer.id
    ]
    return {"customer": customer_summary(customer), "deals": [deal_summary(d) for d in deals]}


def deal_details(context: ToolContext, deal_id: str) -> dict[str, Any]:
    deals = DealService(context.store, context.principal)
    deal = deals.get(deal_id)
    summary = deal_summary(deal)
    if context.principal.can(Permission.CUSTOMERS_VIEW):
        summary["customer"] = customer_summary(
            CustomerService(context.store, context.principal).get(deal.customer_id)
        )
    if deal.vehicle_id and context.principal.can(Permission.INVENTORY_VIEW):
        vehicle = InventoryService(context.store, context.principal).get(deal.vehicle_id)
        summary["vehicle"] = vehicle_summary(vehicle, with_cost=context.principal.can(Permission.COSTS_VIEW))
    scenarios = deals.scenarios(deal.id)
    summary["scenarios"] = [
        {**scenario_summary(s), "selected": s.id == deal.selected_scenario_id} for s in scenarios
    ]
    return summary


def _deal_details(context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
    return deal_details(context, arguments["deal_id"])


INVENTORY_TOOL = Tool(
    "search_inventory",
    "Search the dealership's inventory (oldest units first): by make/model/stock/VIN text, condition, "
    "body style (SUV, Sedan, Pickup), price range and minimum days in stock.",
    {
        "type": "object",
        "properties": {
            "text": {"type": "string", "maxLength": 60},
            "condition": {"type": "string", "enum": ["new", "used"]},
            "body": {"type": "string", "maxLength": 60},
            "status": {"type": "string", "enum": ["in_stock", "on_hold", "in_transit", "sold", "wholesale"]},
            "min_price": MONEY,
            "max_price": MONEY,
            "min_days_in_stock": {"type": "integer", "minimum": 0, "maximum": 3650},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_ROWS},
        },
        "additionalProperties": False,
    },
    _search_inventory,
    Permission.INVENTORY_VIEW,
)

CUSTOMER_TOOL = Tool(
    "find_customers",
    "Find customers by name, email, phone or ZIP. Returns ids, names, location and credit data.",
    {
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 100},
            "state": {"type": "string", "pattern": "[A-Z]{2}"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 10},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
    _find_customers,
    Permission.CUSTOMERS_VIEW,
)

CUSTOMER_DEALS_TOOL = Tool(
    "customer_deals",
    "A customer and the deals you may see for them.",
    {
        "type": "object",
        "properties": {"customer_id": ID_SCHEMA},
        "required": ["customer_id"],
        "additionalProperties": False,
    },
    _customer_deals,
    Permission.DEALS_VIEW,
)

DEAL_TOOL = Tool(
    "deal_details",
    "A deal with its customer, vehicle and desk scenarios (inputs and last quote).",
    {
        "type": "object",
        "properties": {"deal_id": ID_SCHEMA},
        "required": ["deal_id"],
        "additionalProperties": False,
    },
    _deal_details,
    Permission.DEALS_VIEW,
)
