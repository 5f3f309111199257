"""Government and dealer fees on a quote: the deal's own fees, plus state defaults for title and
registration when the deal does not itemise them (``calc/rules/fees.json``, each with its source).

A dealership overrides a default simply by sending that fee in the deal (``fees: [{code, amount}]``);
a default is only used for a code the deal leaves out. Government fees are not taxable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from calc.model import FeeItem, Fees, QuoteRequest
from calc.money import ZERO
from calc.rules.book import RuleDataError
from calc.tax.trace import Trace

DEFAULTED_CODES = ("title", "registration")


@dataclass(frozen=True, slots=True)
class FeeDefault:
    code: str
    amount: Decimal
    effective_from: date
    source: str


@cache
def fee_defaults() -> Mapping[str, tuple[FeeDefault, ...]]:
    """State fee defaults, validated and sorted by date once."""
    text = resources.files("calc.rules").joinpath("fees.json").read_text(encoding="utf-8")
    table: dict[str, tuple[FeeDefault, ...]] = {}
    for state, rows in json.loads(text)["states"].items():
        parsed = []
        for row in rows:
            if row["code"] not in DEFAULTED_CODES or not row.get("source"):
                raise RuleDataError(f"fees.json {state}: bad row {row!r}")
            parsed.append(
                FeeDefault(
                    row["code"],
                    Decimal(row["amount"]),
                    date.fromisoformat(row["effective_from"]),
                    row["source"],
                )
            )
        table[state] = tuple(sorted(parsed, key=lambda d: d.effective_from))
    return table


def default_fee(state: str, code: str, as_of: date) -> FeeDefault | None:
    found = None
    for row in fee_defaults().get(state, ()):
        if row.code == code and row.effective_from <= as_of:
            found = row
    return found


DEALERSHIP_SOURCE = "dealership fee template"


def build_fees(
    request: QuoteRequest, trace: Trace, dealership_defaults: Mapping[str, Decimal] | None = None
) -> Fees:
    """The deal's fees; title/registration left out come from the dealership's template, else the state."""
    state = request.customer.state
    items = [FeeItem(fee.code, fee.amount, False, "deal") for fee in request.fees]
    given: set[str] = {fee.code for fee in request.fees}
    for code, amount in (dealership_defaults or {}).items():
        if code not in given:
            items.append(FeeItem(code, amount, False, DEALERSHIP_SOURCE))
            given.add(code)
            trace.step("Dealership default {} fee ${}", code, amount, source=DEALERSHIP_SOURCE)
    for code in DEFAULTED_CODES:
        if code in given:
            continue
        default = default_fee(state, code, request.as_of)
        if default is None:
            trace.warn(f"No default {code} fee on file for {state}; enter it in fees (none was added).")
            continue
        items.append(FeeItem(code, default.amount, False, default.source))
        trace.step("Default {} {} fee ${}", state, code, default.amount, source=default.source)
    total = sum((item.amount for item in items), ZERO)
    return Fees(total, tuple(items))
