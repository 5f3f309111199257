"""Desk tools: a quote, a payment grid and a tax explanation, all computed by the calc engine."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

import calc
from app.assistant.quote_schema import DATE, MONEY, QUOTE_INPUT_SCHEMA, STATE
from app.assistant.tools import Tool, ToolContext, ToolRefusedError
from app.policy import Permission

MAX_GRID_CELLS = 30


def _quote(_context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
    return calc.quote_deal(arguments)


def _payment(quote: Mapping[str, Any], deal_type: str) -> str | None:
    section = quote.get(deal_type)
    if isinstance(section, Mapping):
        value = section.get("monthly_payment")
        return None if value is None else str(value)
    return None


def _grid(_context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = copy.deepcopy(dict(arguments["deal"]))
    deal_type = base.get("deal_type", "finance")
    if deal_type not in ("finance", "lease"):
        raise ToolRefusedError("deal.deal_type", "a payment grid needs a finance or lease deal")
    section = dict(base.get(deal_type) or {})
    terms: list[int] = list(arguments.get("terms") or [section.get("term_months") or 72])
    downs: list[Any] = list(arguments.get("down_payments") or [base.get("cash_down", "0")])
    if len(terms) * len(downs) > MAX_GRID_CELLS:
        raise ToolRefusedError("terms", f"a grid has at most {MAX_GRID_CELLS} cells")
    rows = []
    for down in downs:
        cells = []
        for term in terms:
            deal = copy.deepcopy(base)
            deal["cash_down"] = down
            deal[deal_type] = {**section, "term_months": term}
            try:
                quote = calc.quote_deal(deal)
            except calc.CalcInputError as exc:
                raise ToolRefusedError(f"deal.{exc.field}", exc.message) from exc
            cells.append({"term_months": term, "monthly_payment": _payment(quote, deal_type)})
        rows.append({"cash_down": str(down), "payments": cells})
    return {"deal_type": deal_type, "terms": terms, "rows": rows}


def _explain_tax(context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
    customer = {key: arguments[key] for key in ("state", "county", "city", "zip") if key in arguments}
    deal: dict[str, Any] = {
        "deal_type": "cash",
        "customer": customer,
        "vehicle": {"price": arguments["price"], "condition": arguments.get("condition", "used")},
    }
    if "as_of" in arguments:
        deal["as_of"] = arguments["as_of"]
    if "dealer_state" in arguments:
        deal["dealer_state"] = arguments["dealer_state"]
    if "trade_in_allowance" in arguments:
        deal["trade_ins"] = [{"allowance": arguments["trade_in_allowance"]}]
    quote = calc.quote_deal(deal)
    taxes = quote["taxes"]
    note = context.knowledge.get(f"state-tax/{arguments['state']}")
    return {
        "as_of": arguments.get("as_of", date.today().isoformat()),
        "jurisdiction": quote["jurisdiction"],
        "taxes": taxes,
        "explain": quote.get("explain", []),
        "warnings": quote.get("warnings", []),
        "state_rules": note.text if note is not None else None,
        "source": note.id if note is not None else None,
    }


QUOTE_TOOL = Tool(
    "quote_deal",
    "Quote a cash, finance or lease deal with the calc engine: taxes, fees, payment, amounts due. "
    "Arguments are the calc quote input; money as strings, rates as decimal fractions (0.069 = 6.9 %).",
    QUOTE_INPUT_SCHEMA,
    _quote,
    Permission.DESK_QUOTE,
)

GRID_TOOL = Tool(
    "payment_grid",
    "Monthly payments for several down payments (rows) and terms (columns) of one finance or lease deal.",
    {
        "type": "object",
        "properties": {
            "deal": QUOTE_INPUT_SCHEMA,
            "terms": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": 120},
                "minItems": 1,
                "maxItems": 6,
            },
            "down_payments": {"type": "array", "items": MONEY, "minItems": 1, "maxItems": 5},
        },
        "required": ["deal"],
        "additionalProperties": False,
    },
    _grid,
    Permission.DESK_QUOTE,
)

TAX_TOOL = Tool(
    "explain_tax",
    "Explain the sales tax on a vehicle for a customer's location: each rate, the taxable base, the "
    "trade-in credit and the state's rules, as the calc engine applies them.",
    {
        "type": "object",
        "properties": {
            "state": STATE,
            "county": {"type": "string", "maxLength": 100},
            "city": {"type": "string", "maxLength": 100},
            "zip": {"type": "string", "pattern": r"\d{5}(-\d{4})?"},
            "price": MONEY,
            "condition": {"type": "string", "enum": ["new", "used"]},
            "trade_in_allowance": MONEY,
            "dealer_state": STATE,
            "as_of": DATE,
        },
        "required": ["state", "price"],
        "additionalProperties": False,
    },
    _explain_tax,
    Permission.DESK_QUOTE,
)
