"""Cross-check the stream shortcuts against a literal, payment-by-payment reading of Appendix J.

The engine measures the first payment of a stream and steps the rest by whole unit-periods, and sums
each stream as a geometric series. The oracle here does neither: it counts months back from every
payment date separately ((b)(5)(ii)), discounts each payment on its own, and bisects. For monthly
schedules on days 1-28 both readings must give the same APR.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from calc.finance import PaymentStream, reg_z_apr


def months_back(later: date, earlier: date) -> tuple[int, int]:
    """Whole months from ``earlier`` to ``later`` counted back from ``later``, and leftover days."""
    months = 0
    year, month = later.year, later.month
    while True:
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        candidate = date(year, month, later.day)  # days 1-28 exist in every month
        if candidate < earlier:
            break
        months += 1
        anchor = candidate
    if months == 0:
        return 0, (later - earlier).days
    return months, (anchor - earlier).days


def literal_apr(amount: Decimal, advanced: date, payments: list[tuple[date, Decimal]]) -> Decimal:
    spans = []
    for when, value in payments:
        months, days = months_back(when, advanced)
        extra, rest = divmod(days, 30)
        spans.append((value, months + extra, Decimal(rest) / 30))
    with localcontext() as ctx:
        ctx.prec = 40
        low, high = Decimal(0), Decimal(1)
        for _ in range(110):
            mid = (low + high) / 2
            pv = sum(value / ((1 + f * mid) * (1 + mid) ** t) for value, t, f in spans)
            if pv > amount:
                low = mid
            else:
                high = mid
        return (low + high) / 2 * 12


@settings(max_examples=25, deadline=None)
@given(
    advanced=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    first_after=st.integers(min_value=5, max_value=75),
    count=st.integers(min_value=3, max_value=84),  # two payments have no common period
    payment_cents=st.integers(min_value=10_000, max_value=200_000),
    markup=st.integers(min_value=1, max_value=40),
)
def test_stream_apr_equals_the_payment_by_payment_reading(
    advanced: date, first_after: int, count: int, payment_cents: int, markup: int
) -> None:
    first = advanced + timedelta(days=first_after)
    if first.day > 28:
        first = first.replace(day=28)
    payment = Decimal(payment_cents).scaleb(-2)
    total = payment * count
    amount = (total * 100 / (100 + markup)).quantize(Decimal("0.01"))  # finance charge of ~markup %
    stream = PaymentStream(payment, count, first)
    engine = reg_z_apr(amount, advanced, [stream])
    oracle = literal_apr(amount, advanced, [(when, payment) for when in stream.dates()])
    assert abs(engine.apr - oracle) < Decimal("1e-20")
