"""A :class:`calc.model.QuoteResult` as the contract's JSON object (money as two-decimal strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from calc.model import QuoteResult
from calc.money import format_money, format_rate


def _rate(rate: Decimal | None) -> str | None:
    return None if rate is None else format_rate(rate)


def quote_to_dict(result: QuoteResult) -> dict[str, Any]:
    j = result.jurisdiction
    t = result.taxes
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
            "total": format_money(t.total),
            "taxable_base": format_money(t.taxable_base),
            "trade_in_credit": format_money(t.trade_in_credit),
            "reciprocity_credit": format_money(t.reciprocity_credit),
            "method": t.method,
            "components": [
                {
                    "level": c.level,
                    "name": c.name,
                    "rate": _rate(c.rate),
                    "base": format_money(c.base),
                    "amount": format_money(c.amount),
                    "timing": c.timing,
                }
                for c in t.components
            ],
            "upfront": format_money(t.upfront),
            "monthly": format_money(t.monthly),
        },
        "fees": {
            "total": format_money(result.fees.total),
            "items": [
                {"code": i.code, "amount": format_money(i.amount), "taxable": i.taxable, "source": i.source}
                for i in result.fees.items
            ],
        },
        "products_total": format_money(result.products_total),
    }
    if result.cash is not None:
        out["cash"] = {"total_due": format_money(result.cash.total_due)}
    if result.finance is not None:
        f = result.finance
        out["finance"] = {
            "amount_financed": format_money(f.amount_financed),
            "monthly_payment": format_money(f.monthly_payment),
            "finance_charge": format_money(f.finance_charge),
            "total_of_payments": format_money(f.total_of_payments),
            "apr": str(round(f.apr, 6)),
            "apr_percent": str(round(f.apr * 100, 2)),
            "total_sale_price": format_money(f.total_sale_price),
            "term_months": f.term_months,
            "down_payment": format_money(f.down_payment),
            "buy_rate": _rate(f.buy_rate),
            "rate_markup": _rate(f.rate_markup),
            "dealer_reserve": None if f.dealer_reserve is None else format_money(f.dealer_reserve),
        }
    if result.lease is not None:
        le = result.lease
        out["lease"] = {
            "gross_cap_cost": format_money(le.gross_cap_cost),
            "cap_cost_reduction": format_money(le.cap_cost_reduction),
            "adjusted_cap_cost": format_money(le.adjusted_cap_cost),
            "residual_value": format_money(le.residual_value),
            "depreciation": format_money(le.depreciation),
            "rent_charge": format_money(le.rent_charge),
            "base_monthly_payment": format_money(le.base_monthly_payment),
            "monthly_tax": format_money(le.monthly_tax),
            "monthly_payment": format_money(le.monthly_payment),
            "upfront_tax": format_money(le.upfront_tax),
            "due_at_signing": format_money(le.due_at_signing),
            "due_at_signing_items": [
                {"label": i.label, "amount": format_money(i.amount)} for i in le.due_at_signing_items
            ],
            "total_of_payments": format_money(le.total_of_payments),
            "money_factor": _rate(le.money_factor),
            "term_months": le.term_months,
        }
    out["explain"] = list(result.explain)
    out["warnings"] = list(result.warnings)
    return out
