"""The JSON Schema of a quote request: exactly the calc contract's quote input (contracts §1).

The schema tells the model the shape; ``calc.quote_deal`` stays the judge of the values (it names the
field of anything it refuses), so ranges here are only the obvious ones.
"""

from __future__ import annotations

from typing import Any

MONEY: dict[str, Any] = {
    "type": ["string", "number"],
    "pattern": r"\d{1,9}(\.\d{1,2})?",
    "minimum": 0,
    "description": 'US dollars, e.g. "3000.00"',
}
RATE: dict[str, Any] = {
    "type": ["string", "number"],
    "pattern": r"(0|1)?(\.\d{1,8})?",
    "minimum": 0,
    "maximum": 1,
    "description": "decimal fraction: 0.069 = 6.9 %",
}
STATE: dict[str, Any] = {"type": "string", "pattern": "[A-Z]{2}", "description": "two-letter state code"}
DATE: dict[str, Any] = {"type": "string", "pattern": r"\d{4}-\d{2}-\d{2}", "description": "YYYY-MM-DD"}
TERM: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 120}


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


QUOTE_INPUT_SCHEMA: dict[str, Any] = _object(
    {
        "deal_type": {"type": "string", "enum": ["cash", "finance", "lease"]},
        "as_of": {**DATE, "description": "rules in force on this date (default today)"},
        "dealer_state": STATE,
        "customer": _object(
            {
                "state": STATE,
                "zip": {"type": "string", "pattern": r"\d{5}(-\d{4})?"},
                "county": {"type": "string", "maxLength": 100},
                "city": {"type": "string", "maxLength": 100},
                "new_resident": {"type": "boolean"},
            },
            ("state",),
        ),
        "vehicle": _object(
            {
                "price": MONEY,
                "msrp": MONEY,
                "condition": {"type": "string", "enum": ["new", "used"]},
                "model_year": {"type": "integer", "minimum": 1950, "maximum": 2100},
                "accessories": MONEY,
                "weight_lbs": {"type": "integer", "minimum": 500, "maximum": 30000},
                "fuel": {"type": "string", "maxLength": 40},
                "city_mpg": {"type": "integer", "minimum": 1, "maximum": 250},
                "book_value": MONEY,
                "taxable_horsepower": {"type": ["string", "number"], "minimum": 0, "maximum": 1000},
                "combined_mpg": {"type": "integer", "minimum": 1, "maximum": 500},
            },
            ("price",),
        ),
        "trade_ins": {
            "type": "array",
            "maxItems": 5,
            "items": _object({"allowance": MONEY, "payoff": MONEY}, ("allowance",)),
        },
        "rebates": {
            "type": "array",
            "maxItems": 10,
            "items": _object(
                {"amount": MONEY, "source": {"type": "string", "enum": ["manufacturer", "dealer"]}},
                ("amount", "source"),
            ),
        },
        "cash_down": MONEY,
        "doc_fee": MONEY,
        "fees": {
            "type": "array",
            "maxItems": 20,
            "items": _object(
                {
                    "code": {
                        "type": "string",
                        "enum": ["title", "registration", "plate", "inspection", "tire", "other"],
                    },
                    "amount": MONEY,
                },
                ("code", "amount"),
            ),
        },
        "products": {
            "type": "array",
            "maxItems": 10,
            "items": _object(
                {
                    "kind": {
                        "type": "string",
                        "enum": ["service_contract", "gap", "tire_wheel", "maintenance", "theft", "other"],
                    },
                    "price": MONEY,
                },
                ("kind", "price"),
            ),
        },
        "tax_override": _object(
            {
                "rates": {
                    "type": "array",
                    "minItems": 1,
                    "items": _object(
                        {
                            "level": {
                                "type": "string",
                                "enum": ["state", "county", "city", "district", "special"],
                            },
                            "rate": RATE,
                            "name": {"type": "string", "maxLength": 100},
                            "threshold": MONEY,
                            "rate_above": RATE,
                            "tier_kind": {"type": "string", "enum": ["portion_over", "single_item_over"]},
                        },
                        ("level", "rate"),
                    ),
                }
            },
            ("rates",),
        ),
        "origin_tax_paid": _object({"state": STATE, "amount": MONEY}, ("state", "amount")),
        "finance": _object(
            {
                "apr": RATE,
                "term_months": TERM,
                "days_to_first_payment": {"type": "integer", "minimum": 0, "maximum": 90},
                "buy_rate": {**RATE, "description": "the lender's buy rate, for the rate markup and reserve"},
                "reserve_split": {**RATE, "description": "dealer's share of the reserve (default 0.75)"},
                "markup_cap": {**RATE, "description": "the lender's cap on apr - buy_rate (default 0.025)"},
                "reserve_method": {"type": "string", "enum": ["finance_charge", "level"]},
            },
            ("apr", "term_months"),
        ),
        "lease": _object(
            {
                "term_months": TERM,
                "money_factor": {"type": ["string", "number"], "minimum": 0, "maximum": 1},
                "apr": RATE,
                "residual_percent": RATE,
                "residual_value": MONEY,
                "acquisition_fee": MONEY,
                "acquisition_fee_capitalized": {"type": "boolean"},
                "security_deposit": MONEY,
                "miles_per_year": {"type": "integer", "minimum": 0, "maximum": 100000},
            },
            ("term_months",),
        ),
    },
    ("customer", "vehicle"),
)
