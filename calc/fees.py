"""Government and dealer fees on a quote: the deal's own fees, plus state defaults for title and
registration when the deal does not itemise them (``calc/rules/fees.json``, each with its source).

A default is a flat ``amount`` or a bracket table on a ``basis``: ``weight_lbs`` (DC registration by
weight) or ``age_years`` (MT registration by vehicle age = delivery year - model year); each bracket
applies up to and including ``up_to`` (``null`` = no upper limit).

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


BASES = ("weight_lbs", "age_years")


@dataclass(frozen=True, slots=True)
class FeeDefault:
    code: str
    effective_from: date
    source: str
    amount: Decimal | None = None
    basis: str | None = None
    brackets: tuple[tuple[int | None, Decimal], ...] = ()

    def amount_for(self, request: QuoteRequest) -> tuple[Decimal | None, str]:
        """The fee for this vehicle, or None with the reason when the vehicle lacks the basis."""
        if self.amount is not None:
            return self.amount, ""
        vehicle = request.vehicle
        if self.basis == "weight_lbs":
            measure, what = vehicle.weight_lbs, f"{vehicle.weight_lbs} lb"
        else:
            year = vehicle.model_year
            measure = None if year is None else max(request.as_of.year - year, 0)
            what = f"{measure} years old"
        if measure is None:
            needed = "vehicle.weight_lbs" if self.basis == "weight_lbs" else "vehicle.model_year"
            return None, f"{needed} was not given"
        for up_to, amount in self.brackets:
            if up_to is None or measure <= up_to:
                return amount, what
        return None, f"no bracket for {what}"


def _fee_row(state: str, row: Mapping[str, object]) -> FeeDefault:
    code, source = row.get("code"), row.get("source")
    if code not in DEFAULTED_CODES or not isinstance(source, str) or not source:
        raise RuleDataError(f"fees.json {state}: each row needs a title/registration code and a source")
    effective = date.fromisoformat(str(row["effective_from"]))
    if "amount" in row:
        return FeeDefault(str(code), effective, source, amount=Decimal(str(row["amount"])))
    basis = row.get("basis")
    raw = row.get("brackets")
    if basis not in BASES or not isinstance(raw, list) or not raw:
        raise RuleDataError(f"fees.json {state}: a fee needs an amount, or a basis in {BASES} and brackets")
    brackets = tuple(
        (None if b["up_to"] is None else int(b["up_to"]), Decimal(str(b["amount"]))) for b in raw
    )
    if brackets[-1][0] is not None:
        raise RuleDataError(f"fees.json {state}: the last bracket must have no upper limit")
    return FeeDefault(str(code), effective, source, basis=str(basis), brackets=brackets)


@cache
def fee_defaults() -> Mapping[str, tuple[FeeDefault, ...]]:
    """State fee defaults, validated and sorted by date once."""
    text = resources.files("calc.rules").joinpath("fees.json").read_text(encoding="utf-8")
    table: dict[str, tuple[FeeDefault, ...]] = {}
    for state, rows in json.loads(text)["states"].items():
        parsed = [_fee_row(state, row) for row in rows]
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
        fee, basis = default.amount_for(request)
        if fee is None:
            trace.warn(f"The {state} {code} fee depends on the vehicle but {basis}; enter it in fees.")
            continue
        items.append(FeeItem(code, fee, False, default.source))
        if basis:
            trace.step("Default {} {} fee ${} ({})", state, code, fee, basis, source=default.source)
        else:
            trace.step("Default {} {} fee ${}", state, code, fee, source=default.source)
    total = sum((item.amount for item in items), ZERO)
    return Fees(total, tuple(items))
