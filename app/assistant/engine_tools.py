"""Tools over the ML engines: WHACO segment, Prime strategy, and the sales floor for managers.

Each engine is the dealership's saved one (``ml_state``) when there is one, else a fresh seeded engine.
The assistant only reads: ``predict_one``/``recommend`` never train on a question someone asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from app.assistant.record_tools import customer_summary
from app.assistant.tools import ID_SCHEMA, Tool, ToolContext, ToolRefusedError
from app.ml_engines import (
    PRIME,
    WHACO,
    load_prime,
    load_whaco,
    prime_context,
    saved_state,
    whaco_record,
)
from app.policy import Permission
from app.services.customers import CustomerService
from app.services.dashboard import DashboardService
from app.services.deals import DealService
from app.services.inventory import InventoryService
from app.store.database import Actor
from app.store.models import AppUser, Deal, DealScenario


def _saved_state(context: ToolContext, engine: str) -> dict[str, Any] | None:
    return saved_state(context.store, context.principal, engine)


def _engine(context: ToolContext, name: str) -> Any:
    if name not in context.engines:
        if name == WHACO:
            context.engines[name] = load_whaco(context.store, context.principal)
        elif name == PRIME:
            context.engines[name] = load_prime(context.store, context.principal)
        else:
            raise KeyError(name)
    return context.engines[name]


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _selected_scenario(context: ToolContext, deal: Deal) -> DealScenario | None:
    scenarios = DealService(context.store, context.principal).scenarios(deal.id)
    chosen = [s for s in scenarios if s.id == deal.selected_scenario_id]
    return chosen[0] if chosen else (scenarios[-1] if scenarios else None)


def _deal_numbers(context: ToolContext, deal: Deal) -> dict[str, float | None]:
    """Price, down, trade and term from the deal's desk scenario (or the vehicle's price)."""
    scenario = _selected_scenario(context, deal)
    inputs: Mapping[str, Any] = scenario.inputs if scenario is not None else {}
    quote: Mapping[str, Any] = (scenario.last_quote or {}) if scenario is not None else {}
    vehicle = inputs.get("vehicle") or {}
    price = _number(vehicle.get("price"))
    if price is None and deal.vehicle_id:
        price = _number(InventoryService(context.store, context.principal).get(deal.vehicle_id).price)
    trades = inputs.get("trade_ins") or []
    section = inputs.get(deal.deal_type) or {}
    quoted = quote.get(deal.deal_type) or {}
    return {
        "price": price,
        "down": _number(inputs.get("cash_down")),
        "trade_value": _number(trades[0].get("allowance")) if trades else None,
        "trade_payoff": _number(trades[0].get("payoff")) if trades else None,
        "term": _number(section.get("term_months")),
        "apr": _number(section.get("apr")),
        "amount_financed": _number(quoted.get("amount_financed")),
        "monthly_payment": _number(quoted.get("monthly_payment")),
    }


def _whaco(context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
    customers = CustomerService(context.store, context.principal)
    deal: Deal | None = None
    if "deal_id" in arguments:
        deal = DealService(context.store, context.principal).get(arguments["deal_id"])
        customer = customers.get(deal.customer_id)
    elif "customer_id" in arguments:
        customer = customers.get(arguments["customer_id"])
    else:
        raise ToolRefusedError("customer_id", "give a customer_id or a deal_id")
    numbers = _deal_numbers(context, deal) if deal is not None else {}
    clean = whaco_record(
        customer,
        price=numbers.get("price"),
        down=numbers.get("down"),
        trade_value=numbers.get("trade_value"),
        term=numbers.get("term"),
    )
    result = _engine(context, WHACO).predict_one(clean).to_dict()
    return {"customer": customer_summary(customer), "inputs": clean, "whaco": result}


def _prime(context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
    deal = DealService(context.store, context.principal).get(arguments["deal_id"])
    customer = CustomerService(context.store, context.principal).get(deal.customer_id)
    numbers = _deal_numbers(context, deal)
    clean = prime_context(
        customer,
        price=numbers["price"],
        down=numbers["down"],
        trade_value=numbers["trade_value"],
        trade_payoff=numbers["trade_payoff"],
        term=numbers["term"],
        apr=numbers["apr"],
        amount_financed=numbers["amount_financed"],
        monthly_payment=numbers["monthly_payment"],
    )
    result = _engine(context, PRIME).recommend(clean).to_dict()
    return {"deal_number": deal.deal_number, "context": clean, "prime": result}


def _team(context: ToolContext, _arguments: Mapping[str, Any]) -> dict[str, Any]:
    """Per-rep deal counts, and the floor model exactly as the manager dashboard shows it."""
    actor = Actor(context.principal.tenant_id, context.principal.user_id, context.store.device_id)
    with context.store.session(actor, capture_changes=False) as session:
        users = {u.id: u.display_name for u in session.scalars(select(AppUser).where(AppUser.active))}
    deals = DealService(context.store, context.principal).list(limit=5000)
    routing = DashboardService(context.store, context.principal).overview().routing
    month = datetime.now(UTC).strftime("%Y-%m")
    reps: dict[str, dict[str, Any]] = {}
    for deal in deals:
        if deal.salesperson_id not in users:
            continue
        rep = reps.setdefault(
            deal.salesperson_id,
            {"name": users[deal.salesperson_id], "open": 0, "closed_this_month": 0, "closed": 0, "lost": 0},
        )
        if deal.status in ("draft", "submitted", "approved"):
            rep["open"] += 1
        elif deal.status == "closed":
            rep["closed"] += 1
            if deal.closed_at is not None and deal.closed_at.strftime("%Y-%m") == month:
                rep["closed_this_month"] += 1
        elif deal.status == "lost":
            rep["lost"] += 1
    for rep in reps.values():
        decided = rep["closed"] + rep["lost"]
        rep["close_rate"] = round(rep["closed"] / decided, 3) if decided else None
    return {
        "reps": list(reps.values()),
        "floor": {
            "source": "the manager dashboard's floor model",
            "on_floor": [
                {
                    "name": r.name,
                    "load": r.load,
                    "queue": r.queue,
                    "estimated_close_rate": round(r.close_rate, 3),
                }
                for r in routing.reps
                if r.on_floor
            ],
            "suggested_rep": routing.suggested_rep,
            "coherence": round(routing.coherence, 3),
            "coherence_advice": routing.coherence_advice,
            "bottlenecks": [{"name": b.name, "reason": b.reason} for b in routing.bottlenecks],
            "mentoring": [{"mentor": m.mentor, "mentee": m.mentee} for m in routing.mentoring],
        },
    }


WHACO_TOOL = Tool(
    "whaco_segment",
    "The customer's WHACO segment (buyer type), how sure it is, why, and the recommended approach. "
    "Give the open deal's id for the deal's numbers too, or just a customer id.",
    {
        "type": "object",
        "properties": {"customer_id": ID_SCHEMA, "deal_id": ID_SCHEMA},
        "additionalProperties": False,
    },
    _whaco,
    Permission.CUSTOMERS_VIEW,
)

PRIME_TOOL = Tool(
    "prime_recommendation",
    "Prime's recommended deal structure (more down, longer term, better rate, trade, price, co-signer, "
    "balanced) for a deal, with its expected success and uncertainty.",
    {
        "type": "object",
        "properties": {"deal_id": ID_SCHEMA},
        "required": ["deal_id"],
        "additionalProperties": False,
    },
    _prime,
    Permission.DEALS_VIEW,
)

TEAM_TOOL = Tool(
    "team_status",
    "For managers: each salesperson's open, closed and lost deals and close rate, floor coherence, "
    "bottlenecks and suggested mentoring pairs.",
    {"type": "object", "properties": {}, "additionalProperties": False},
    _team,
    Permission.TEAM_VIEW,
)
