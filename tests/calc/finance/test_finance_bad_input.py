"""Every refused argument of the typed finance API raises CalcInputError naming that argument."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from calc.errors import CalcInputError
from calc.finance import (
    PaymentStream,
    apr_from_money_factor,
    dealer_reserve,
    finance_terms,
    lease_payment,
    money_factor_from_apr,
    monthly_payment,
    reg_z_apr,
)

D = Decimal
GOOD_LOAN = (D("20000"), D("0.06"), 60)
GOOD_LEASE = (D("30000"), D("18000"), 36, D("0.0025"))
STREAM = PaymentStream(D("400"), 60, date(2025, 2, 1))


def loan(**changes: Any) -> Callable[[], object]:
    args = {"principal": GOOD_LOAN[0], "apr": GOOD_LOAN[1], "term_months": GOOD_LOAN[2]} | changes
    return lambda: monthly_payment(**args)


def terms(**changes: Any) -> Callable[[], object]:
    args = {"amount_financed": GOOD_LOAN[0], "apr": GOOD_LOAN[1], "term_months": GOOD_LOAN[2]} | changes
    return lambda: finance_terms(**args)


def lease(**changes: Any) -> Callable[[], object]:
    args = (
        dict(
            zip(
                ("adjusted_cap_cost", "residual_value", "term_months", "money_factor"),
                GOOD_LEASE,
                strict=True,
            )
        )
        | changes
    )
    return lambda: lease_payment(**args)


def reserve(**changes: Any) -> Callable[[], object]:
    args = {
        "amount_financed": D("20000"),
        "buy_rate": D("0.05"),
        "sell_rate": D("0.06"),
        "term_months": 60,
    } | changes
    return lambda: dealer_reserve(**args)


def apr(amount: Decimal = GOOD_LOAN[0], stream: PaymentStream = STREAM) -> Callable[[], object]:
    return lambda: reg_z_apr(amount, date(2025, 1, 1), [stream])


CASES: list[tuple[str, Callable[[], object], str]] = [
    ("term 0", loan(term_months=0), "term_months"),
    ("term negative", terms(term_months=-12), "term_months"),
    ("term too long", terms(term_months=601), "term_months"),
    ("term float", loan(term_months=60.0), "term_months"),
    ("term bool", loan(term_months=True), "term_months"),
    ("negative amount", loan(principal=D("-1")), "amount_financed"),
    ("zero amount", terms(amount_financed=D("0")), "amount_financed"),
    ("NaN amount", terms(amount_financed=D("NaN")), "amount_financed"),
    ("infinite amount", loan(principal=D("Infinity")), "amount_financed"),
    ("float amount", loan(principal=20000.5), "amount_financed"),
    ("sub-cent amount", terms(amount_financed=D("100.001")), "amount_financed"),
    ("negative apr", loan(apr=D("-0.01")), "apr"),
    ("percent typed as apr", terms(apr=D("5.99")), "apr"),
    ("NaN apr", terms(apr=D("NaN")), "apr"),
    ("days 0", terms(days_to_first_payment=0), "days_to_first_payment"),
    ("days too many", loan(days_to_first_payment=400), "days_to_first_payment"),
    (
        "too small to amortize",
        terms(amount_financed=D("0.05"), apr=D("0"), term_months=10),
        "amount_financed",
    ),
    ("residual above cap cost", lease(residual_value=D("30000.01")), "residual_value"),
    ("negative residual", lease(residual_value=D("-1")), "residual_value"),
    ("NaN residual", lease(residual_value=D("NaN")), "residual_value"),
    ("zero cap cost", lease(adjusted_cap_cost=D("0")), "adjusted_cap_cost"),
    ("infinite cap cost", lease(adjusted_cap_cost=D("-Infinity")), "adjusted_cap_cost"),
    ("lease term 0", lease(term_months=0), "term_months"),
    ("APR typed as money factor", lease(money_factor=D("0.06")), "money_factor"),
    ("negative money factor", lease(money_factor=D("-0.001")), "money_factor"),
    ("APR → MF negative", lambda: money_factor_from_apr(D("-0.05")), "apr"),
    ("MF → APR too large", lambda: apr_from_money_factor(D("2.5")), "money_factor"),
    ("sell below buy", reserve(sell_rate=D("0.04")), "sell_rate"),
    ("unknown reserve method", reserve(method="percent"), "method"),
    ("split above 1", reserve(split=D("1.5")), "split"),
    ("reserve term 0", reserve(term_months=0), "term_months"),
    ("apr amount negative", apr(amount=D("-1")), "amount_financed"),
    ("apr count 0", apr(stream=PaymentStream(D("400"), 0, date(2025, 2, 1))), "payments[0].count"),
    ("apr amount NaN", apr(stream=PaymentStream(D("NaN"), 60, date(2025, 2, 1))), "payments[0].amount"),
    (
        "apr bad unit",
        apr(stream=PaymentStream(D("400"), 60, date(2025, 2, 1), "year")),
        "payments[0].every.unit",
    ),
    (
        "apr before advance",
        apr(stream=PaymentStream(D("400"), 60, date(2024, 12, 1))),
        "payments[0].first_date",
    ),
    ("apr underpaid", apr(stream=PaymentStream(D("100"), 60, date(2025, 2, 1))), "payments"),
]


@pytest.mark.parametrize(("name", "call", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_argument_is_refused_naming_the_field(name: str, call: Callable[[], object], field: str) -> None:
    with pytest.raises(CalcInputError) as error:
        call()
    assert error.value.field == field, name
    assert error.value.message


def test_refusal_leaves_good_calls_unaffected() -> None:
    before = monthly_payment(*GOOD_LOAN)
    with pytest.raises(CalcInputError):
        monthly_payment(D("NaN"), D("0.06"), 60)
    assert monthly_payment(*GOOD_LOAN) == before
