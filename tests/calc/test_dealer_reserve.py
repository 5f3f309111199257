"""Buy rate, rate markup and dealer reserve in the finance quote (contract §1 optional extension)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from calc import CalcInputError, quote_deal

ROOT = Path(__file__).resolve().parents[2]


def _deal(**finance: Any) -> dict[str, Any]:
    """NH (no sales tax) with every fee given as zero: amount financed = price - cash down = 12,000."""
    return {
        "deal_type": "finance",
        "as_of": "2026-06-01",
        "customer": {"state": "NH"},
        "vehicle": {"price": "13000.00"},
        "cash_down": "1000.00",
        "fees": [{"code": "title", "amount": "0"}, {"code": "registration", "amount": "0"}],
        "finance": finance,
    }


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_reserve_of_a_single_payment_loan_worked_by_hand() -> None:
    result = quote_deal(_deal(apr="0.12", term_months=1, buy_rate="0.06"))
    finance = result["finance"]
    assert finance["amount_financed"] == "12000.00"
    # One month: 12,000 x 12 %/12 = 120.00 at the sell rate, 60.00 at the buy rate; the dealer gets
    # the default 75 % of the 60.00 difference.
    assert finance["finance_charge"] == "120.00"
    assert finance["dealer_reserve"] == "45.00"
    assert finance["buy_rate"] == "0.06"
    assert finance["rate_markup"] == "0.06"
    assert any(
        "Dealer reserve $45.00" in step and "$60.00 at the buy rate" in step for step in result["explain"]
    )


@pytest.mark.parametrize(("split", "days"), [(None, None), ("0.8", None), ("0.65", 45)])
def test_reserve_is_the_split_of_the_finance_charge_above_the_buy_rate_quote(
    split: str | None, days: int | None
) -> None:
    terms: dict[str, Any] = {"apr": "0.0899", "term_months": 60}
    if days is not None:
        terms["days_to_first_payment"] = days
    marked_up = quote_deal(_deal(**terms, buy_rate="0.0649", **({"reserve_split": split} if split else {})))
    # The lender's side, quoted on its own: the same deal written at the buy rate.
    at_buy = quote_deal(_deal(**{**terms, "apr": "0.0649"}))
    sell_charge = Decimal(marked_up["finance"]["finance_charge"])
    buy_charge = Decimal(at_buy["finance"]["finance_charge"])
    share = Decimal(split or "0.75")
    assert Decimal(marked_up["finance"]["dealer_reserve"]) == _cents(share * (sell_charge - buy_charge))
    assert marked_up["finance"]["rate_markup"] == "0.025"
    # The customer's figures do not change because a buy rate was given.
    plain = quote_deal(_deal(**terms))
    assert {
        k: v
        for k, v in marked_up["finance"].items()
        if k not in ("buy_rate", "rate_markup", "dealer_reserve")
    } == {k: v for k, v in plain["finance"].items() if k not in ("buy_rate", "rate_markup", "dealer_reserve")}


def test_no_buy_rate_means_no_reserve_figures() -> None:
    finance = quote_deal(_deal(apr="0.0899", term_months=60))["finance"]
    assert (
        finance["buy_rate"] is None and finance["rate_markup"] is None and finance["dealer_reserve"] is None
    )


def test_sell_rate_equal_to_buy_rate_pays_no_reserve() -> None:
    finance = quote_deal(_deal(apr="0.0649", term_months=72, buy_rate="0.0649"))["finance"]
    assert finance["dealer_reserve"] == "0.00"
    assert finance["rate_markup"] == "0"


def test_markup_above_the_default_cap_warns_and_within_it_does_not() -> None:
    over = quote_deal(_deal(apr="0.0999", term_months=60, buy_rate="0.0649"))
    assert any("Rate markup 3.5%" in w and "2.5% markup cap" in w for w in over["warnings"])
    within = quote_deal(_deal(apr="0.0899", term_months=60, buy_rate="0.0649"))
    assert not any("markup cap" in w for w in within["warnings"])


def test_markup_above_the_lenders_own_cap_warns() -> None:
    result = quote_deal(_deal(apr="0.0849", term_months=72, buy_rate="0.0649", markup_cap="0.0125"))
    assert any("1.25% markup cap given for this lender" in w for w in result["warnings"])
    # The reserve is still computed on the markup actually written.
    assert Decimal(result["finance"]["dealer_reserve"]) > 0


def test_present_value_method_pays_less_than_the_difference_in_charges() -> None:
    terms = {"apr": "0.0899", "term_months": 72, "buy_rate": "0.0649"}
    difference = Decimal(quote_deal(_deal(**terms))["finance"]["dealer_reserve"])
    level = quote_deal(_deal(**terms, reserve_method="level"))
    present_value = Decimal(level["finance"]["dealer_reserve"])
    # The lender advances the reserve now and collects the spread over six years.
    assert 0 < present_value < difference
    assert any("present value" in step for step in level["explain"])


def test_buy_rate_above_the_sell_rate_is_an_error_naming_the_field() -> None:
    deal = _deal(apr="0.0599", term_months=60, buy_rate="0.0649")
    before = json.dumps(deal, sort_keys=True)
    with pytest.raises(CalcInputError) as caught:
        quote_deal(deal)
    assert caught.value.field == "finance.buy_rate"
    assert "above the contract rate" in caught.value.message
    assert json.dumps(deal, sort_keys=True) == before  # the input is left as it was


@pytest.mark.parametrize(
    ("finance", "field"),
    [
        ({"buy_rate": "-0.01"}, "finance.buy_rate"),
        ({"buy_rate": "abc"}, "finance.buy_rate"),
        ({"buy_rate": "0.05", "reserve_split": "1.5"}, "finance.reserve_split"),
        ({"buy_rate": "0.05", "markup_cap": "-1"}, "finance.markup_cap"),
        ({"buy_rate": "0.05", "reserve_method": "guess"}, "finance.reserve_method"),
        ({"reserve_split": "0.7"}, "finance.buy_rate"),  # reserve terms without a buy rate
        ({"buy_rate": "0.05", "reserve_pct": "0.7"}, "finance.reserve_pct"),  # unknown fields still refused
    ],
)
def test_bad_reserve_input_names_the_field(finance: dict[str, str], field: str) -> None:
    with pytest.raises(CalcInputError) as caught:
        quote_deal(_deal(apr="0.0899", term_months=60, **finance))
    assert caught.value.field == field


def test_cli_reports_a_bad_buy_rate_on_its_line_and_runs_the_others() -> None:
    good = _deal(apr="0.0899", term_months=60, buy_rate="0.0649")
    bad = _deal(apr="0.0599", term_months=60, buy_rate="0.0649")
    proc = subprocess.run(
        [sys.executable, "-m", "calc", "quote"],
        input=f"{json.dumps(good)}\n{json.dumps(bad)}\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert Decimal(first["finance"]["dealer_reserve"]) > 0
    assert second["error"]["field"] == "finance.buy_rate"
