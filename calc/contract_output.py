"""A :class:`calc.model.QuoteResult` as the contract's JSON object (money as two-decimal strings)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from operator import methodcaller
from typing import Any

from calc.model import QuoteResult
from calc.money import CENT

# calc.money.format_money as a C-level callable: str(_cents(x)) is the same text without a Python
# frame per amount (a quote writes some twenty amounts).
_cents = methodcaller("quantize", CENT, ROUND_HALF_UP)


_RATE_TEXT: dict[Decimal, str] = {}


def _rate(rate: Decimal | None) -> str | None:
    """``0.0725`` as written in the contract; the few distinct rates in use are formatted once each."""
    if rate is None:
        return None
    text = _RATE_TEXT.get(rate)
    if text is None:
        text = f"{rate.normalize():f}"
        if len(_RATE_TEXT) < 4096:
            _RATE_TEXT[rate] = text
    return text


def quote_to_dict(result: QuoteResult) -> dict[str, Any]:
    j = result.jurisdiction
    t = result.taxes
    total, taxable_base, trade_in_credit, reciprocity_credit, upfront, monthly, fees_total, products = map(
        str,
        map(
            _cents,
            (
                t.total, t.taxable_base, t.trade_in_credit, t.reciprocity_credit, t.upfront, t.monthly,
                result.fees.total, result.products_total,
            ),
        ),
    )  # fmt: skip
    out: dict[str, Any] = {
        "deal_type": result.deal_type,
        "jurisdiction": {
            "state": j.state,
            "county": j.county,
            "city": j.city,
            "rates": [{"level": r.level, "name": r.name, "rate": _rate(r.rate)} for r in j.rates],
            "source": j.source,
            "rules_version": j.rules_version,
            "rate_sources": list(j.rate_sources),
        },
        "taxes": {
            "total": total,
            "taxable_base": taxable_base,
            "trade_in_credit": trade_in_credit,
            "reciprocity_credit": reciprocity_credit,
            "method": t.method,
            "components": [
                {
                    "level": c.level,
                    "name": c.name,
                    "rate": _rate(c.rate),
                    "base": str(_cents(c.base)),
                    "amount": str(_cents(c.amount)),
                    "timing": c.timing,
                }
                for c in t.components
            ],
            "upfront": upfront,
            "monthly": monthly,
        },
        "fees": {
            "total": fees_total,
            "items": [
                {"code": i.code, "amount": str(_cents(i.amount)), "taxable": i.taxable, "source": i.source}
                for i in result.fees.items
            ],
        },
        "products_total": products,
    }
    if result.cash is not None:
        out["cash"] = {"total_due": str(_cents(result.cash.total_due))}
    if result.finance is not None:
        f = result.finance
        out["finance"] = {
            "amount_financed": str(_cents(f.amount_financed)),
            "monthly_payment": str(_cents(f.monthly_payment)),
            "finance_charge": str(_cents(f.finance_charge)),
            "total_of_payments": str(_cents(f.total_of_payments)),
            "apr": str(round(f.apr, 6)),
            "apr_percent": str(round(f.apr * 100, 2)),
            "total_sale_price": str(_cents(f.total_sale_price)),
            "term_months": f.term_months,
            "down_payment": str(_cents(f.down_payment)),
            "buy_rate": _rate(f.buy_rate),
            "rate_markup": _rate(f.rate_markup),
            "dealer_reserve": None if f.dealer_reserve is None else str(_cents(f.dealer_reserve)),
        }
    if result.lease is not None:
        le = result.lease
        out["lease"] = {
            "gross_cap_cost": str(_cents(le.gross_cap_cost)),
            "cap_cost_reduction": str(_cents(le.cap_cost_reduction)),
            "adjusted_cap_cost": str(_cents(le.adjusted_cap_cost)),
            "residual_value": str(_cents(le.residual_value)),
            "depreciation": str(_cents(le.depreciation)),
            "rent_charge": str(_cents(le.rent_charge)),
            "base_monthly_payment": str(_cents(le.base_monthly_payment)),
            "monthly_tax": str(_cents(le.monthly_tax)),
            "monthly_payment": str(_cents(le.monthly_payment)),
            "upfront_tax": str(_cents(le.upfront_tax)),
            "due_at_signing": str(_cents(le.due_at_signing)),
            "due_at_signing_items": [
                {"label": i.label, "amount": str(_cents(i.amount))} for i in le.due_at_signing_items
            ],
            "total_of_payments": str(_cents(le.total_of_payments)),
            "money_factor": _rate(le.money_factor),
            "term_months": le.term_months,
        }
    out["explain"] = list(result.explain)
    out["warnings"] = list(result.warnings)
    return out
