"""Per-state tax notes for the knowledge base, written from the calc engine's rule data.

Generated when the index is built, never copied into ``resources/knowledge``: when a rule version
changes in ``calc/rules/states.json``, the assistant's notes change with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from calc.rules import StateRules, rule_book


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    if value is None:
        return "not verified in our rule data"
    return yes if value else no


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


_TRADE_IN = {
    "full": "the full trade-in allowance reduces the taxable price",
    "none": "a trade-in does not reduce the taxable price",
    "capped": "the trade-in credit is capped",
    "new_only": "the trade-in credit applies only when buying a new vehicle",
    "partial": "only part of the trade-in allowance reduces the taxable price",
}


def state_note(rules: StateRules, rules_version: str) -> str:
    lines = [f"{rules.name} ({rules.state}) vehicle sales tax: {rules.tax_name}."]
    if rules.components:
        labels = [c.name or c.level for c in rules.components]
        parts = ", ".join(
            label if "%" in label else f"{label} {_percent(c.rate)}"
            for label, c in zip(labels, rules.components, strict=True)
        )
        lines.append(f"State-level rates: {parts}.")
    else:
        lines.append("No state-level rate on vehicle sales.")
    lines.append(
        "Local (county/city) taxes: "
        + _yes_no(rules.local_taxes_apply, "apply", "do not apply")
        + (f". {rules.local_note}" if rules.local_note else ".")
    )
    trade = _TRADE_IN.get(rules.trade_in or "", "trade-in treatment is not verified")
    if rules.trade_in == "capped" and rules.trade_in_cap is not None:
        trade += f" at ${rules.trade_in_cap:,.2f}"
    lines.append(f"Trade-in: {trade}." + (f" {rules.trade_in_note}" if rules.trade_in_note else ""))
    lines.append(
        "Rebates: manufacturer rebates "
        + _yes_no(rules.manufacturer_rebate_reduces_base, "reduce", "do not reduce")
        + " the taxable price; dealer rebates "
        + _yes_no(rules.dealer_rebate_reduces_base, "reduce", "do not reduce")
        + " it."
        + (f" {rules.rebate_note}" if rules.rebate_note else "")
    )
    doc = "Doc fee: " + _yes_no(rules.doc_fee_taxable, "taxable", "not taxable")
    if rules.doc_fee_cap is not None:
        doc += f"; capped at ${rules.doc_fee_cap:,.2f}"
    lines.append(doc + ".")
    lines.append(
        "F&I products: service contracts "
        + _yes_no(rules.service_contract_taxable, "taxable", "not taxable")
        + "; GAP "
        + _yes_no(rules.gap_taxable, "taxable", "not taxable")
        + "; negative equity "
        + _yes_no(rules.negative_equity_taxable, "taxable", "not taxable")
        + "."
        + (f" {rules.fi_note}" if rules.fi_note else "")
    )
    if rules.lease.method is not None:
        lines.append(
            f"Leases: taxed by the {rules.lease.method.replace('_', ' ')} method."
            + (f" {rules.lease.note}" if rules.lease.note else "")
        )
    lines.append(
        "Credit for tax paid in another state: "
        + _yes_no(rules.reciprocity_credit, "yes", "no")
        + "."
        + (f" {rules.reciprocity_note}" if rules.reciprocity_note else "")
    )
    lines.append(
        f"Rules in force from {rules.effective_from.isoformat()} (rules version {rules_version}, "
        f"confidence {rules.confidence}). Source: {rules.source}."
    )
    return "\n".join(lines)


def state_notes(as_of: date | None = None) -> Iterator[tuple[str, str, str]]:
    """(state code, title, note) for every state the calc engine knows, as of the given date."""
    book = rule_book()
    day = as_of or date.today()
    for code in sorted(book.states):
        rules = book.for_state(code, day)
        if rules is not None:
            yield code, f"{rules.name} vehicle tax rules", state_note(rules, book.rules_version)
