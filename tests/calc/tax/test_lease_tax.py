"""Per-state lease taxation beyond the reference's worked examples, through the public API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc import CalcInputError, quote_deal
from calc.rules import rule_book

NO_FEES = [{"code": "title", "amount": "0"}, {"code": "registration", "amount": "0"}]


def lease_deal(state: str, **changes: Any) -> dict[str, Any]:
    deal: dict[str, Any] = {
        "deal_type": "lease",
        "as_of": "2026-06-01",
        "customer": {"state": state},
        "vehicle": {"price": "40000.00"},
        "cash_down": "3000.00",
        "fees": NO_FEES,
        "lease": {"term_months": 36, "money_factor": "0.00125", "residual_value": "24000.00"},
    }
    deal.update(changes)
    return deal


def D(text: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(text)


def test_monthly_states_tax_the_down_payment_and_trade_equity_only_without_trade_credit() -> None:
    ca = {"state": "CA", "county": "Los Angeles"}
    plain = quote_deal(lease_deal("CA", customer=ca))
    traded = quote_deal(lease_deal("CA", customer=ca, trade_ins=[{"allowance": "2000"}]))
    rate = D("0.0975")
    assert D(plain["taxes"]["upfront"]) == (D("3000") * rate).quantize(D("0.01"))
    # CA gives no trade-in credit, so equity applied to the lease is taxed like cash down.
    assert D(traded["taxes"]["upfront"]) == (D("5000") * rate).quantize(D("0.01"))
    assert D(traded["lease"]["adjusted_cap_cost"]) == D(plain["lease"]["adjusted_cap_cost"]) - 2000
    assert D(traded["taxes"]["monthly"]) < D(plain["taxes"]["monthly"])
    # FL gives trade-in credit: equity is not taxed, and the quote says the lease rule is assumed.
    fl = quote_deal(lease_deal("FL", trade_ins=[{"allowance": "2000"}]))
    assert fl["taxes"]["upfront"] == str((D("3000") * D("0.06")).quantize(D("0.01")))
    assert any("Lease trade-in treatment in FL" in w for w in fl["warnings"])


def test_acquisition_fee_paid_at_signing_is_taxed_at_signing() -> None:
    terms = {
        "term_months": 36,
        "money_factor": "0.00125",
        "residual_value": "24000.00",
        "acquisition_fee": "695",
    }
    paid = quote_deal(lease_deal("FL", lease={**terms, "acquisition_fee_capitalized": False}))
    assert paid["taxes"]["upfront"] == str((D("3695") * D("0.06")).quantize(D("0.01")))
    items = {i["label"] for i in paid["lease"]["due_at_signing_items"]}
    assert "acquisition fee" in items


def test_florida_surtax_on_a_large_down_payment_stops_at_5000() -> None:
    override = {"rates": [{"level": "state", "rate": "0.06"}, {"level": "county", "rate": "0.01"}]}
    result = quote_deal(lease_deal("FL", cash_down="8000.00", tax_override=override))
    surtax = [c for c in result["taxes"]["components"] if c["level"] == "county" and c["timing"] == "upfront"]
    assert surtax[0]["base"] == "5000.00" and surtax[0]["amount"] == "50.00"


def test_states_without_lease_tax_say_so() -> None:
    result = quote_deal(lease_deal("NH"))
    assert result["taxes"]["total"] == "0.00"
    assert any("No state tax on long-term vehicle leases in NH" in step for step in result["explain"])


def test_unverified_lease_method_warns_and_taxes_monthly() -> None:
    result = quote_deal(lease_deal("WY"))
    assert any("How WY taxes leases is not verified" in w for w in result["warnings"])
    assert D(result["taxes"]["monthly"]) > 0


def test_ga_tavt_lease_and_nc_alternate_report_their_alternative() -> None:
    ga = quote_deal(lease_deal("GA"))
    assert any("value method" in w for w in ga["warnings"])
    nc = quote_deal(lease_deal("NC"))
    assert any("$1200.00" in w for w in nc["warnings"])  # 3 % of the $40,000 vehicle at titling


def test_tx_lease_tax_is_on_the_price_whatever_the_down_payment() -> None:
    small = quote_deal(lease_deal("TX", cash_down="0"))
    large = quote_deal(lease_deal("TX", cash_down="8000.00"))
    assert small["taxes"]["upfront"] == large["taxes"]["upfront"] == "2500.00"
    assert small["taxes"]["monthly"] == "0.00"


@st.composite
def leases(draw: st.DrawFn) -> dict[str, Any]:
    # From $40,000 the largest cap reductions drawn ($11,000) never push the cap cost below a 70 % residual.
    price = D(draw(st.integers(40_000_00, 120_000_00))) / 100
    residual = (price * D(draw(st.integers(30, 70))) / 100).quantize(D("0.01"))
    down = D(draw(st.integers(0, 5_000_00))) / 100
    return lease_deal(
        draw(st.sampled_from(sorted(rule_book().states))),
        vehicle={"price": str(price)},
        cash_down=str(down),
        doc_fee=str(D(draw(st.integers(0, 500_00))) / 100),
        trade_ins=[{"allowance": str(D(draw(st.integers(0, 4_000_00))) / 100), "payoff": "0"}],
        rebates=[{"amount": str(D(draw(st.integers(0, 2_000_00))) / 100), "source": "manufacturer"}],
        lease={
            "term_months": draw(st.sampled_from([24, 36, 39, 48])),
            "money_factor": str(D(draw(st.integers(0, 300))) / 100000),
            "residual_value": str(residual),
            "acquisition_fee": "695",
            "acquisition_fee_capitalized": draw(st.booleans()),
        },
    )


@settings(max_examples=120, deadline=None)
@given(leases())
def test_lease_tax_and_due_at_signing_add_up(deal: dict[str, Any]) -> None:
    result = quote_deal(deal)
    taxes, lease = result["taxes"], result["lease"]
    assert D(taxes["upfront"]) >= 0 and D(taxes["monthly"]) >= 0
    term = deal["lease"]["term_months"]
    assert D(taxes["total"]) == D(taxes["upfront"]) + D(taxes["monthly"]) * term
    assert D(lease["monthly_payment"]) == D(lease["base_monthly_payment"]) + D(taxes["monthly"])
    items = lease["due_at_signing_items"]
    assert sum(D(i["amount"]) for i in items) == D(lease["due_at_signing"])
    labels = [i["label"] for i in items]
    assert len(labels) == len(set(labels))  # nothing charged twice
    assert D(lease["depreciation"]) + D(lease["rent_charge"]) == D(lease["base_monthly_payment"]) * term


def test_reductions_that_push_the_cap_cost_below_the_residual_are_refused() -> None:
    with pytest.raises(CalcInputError) as caught:
        quote_deal(lease_deal("CA", cash_down="18000.00"))
    assert caught.value.field == "lease.residual_value"


def test_missouri_lease_is_taxed_on_receipts_and_says_the_lessor_may_elect_otherwise() -> None:
    result = quote_deal(lease_deal("MO"))
    assert D(result["taxes"]["monthly"]) > 0
    assert any("RSMo 144.070" in w for w in result["warnings"])


def test_researched_lease_methods_for_nv_wv_ky() -> None:
    nv = quote_deal(lease_deal("NV"))
    assert D(nv["taxes"]["monthly"]) > 0 and any("NAC 372.938" in w for w in nv["warnings"])
    for state in ("WV", "KY"):
        result = quote_deal(lease_deal(state))
        assert result["taxes"]["monthly"] == "0.00"
        assert result["taxes"]["upfront"] == "2400.00"  # 6 % of the $40,000 price at titling


def test_north_dakota_lease_excise_is_on_the_total_consideration_without_doc_fee_or_rebates() -> None:
    result = quote_deal(
        lease_deal("ND", doc_fee="250.00", rebates=[{"amount": "1000.00", "source": "manufacturer"}])
    )
    payments = D(result["lease"]["base_monthly_payment"]) * 36
    assert result["taxes"]["taxable_base"] == str(payments + D("3000.00"))
    assert D(result["taxes"]["upfront"]) == ((payments + D("3000.00")) * D("0.05")).quantize(D("0.01"))


def test_dc_lease_uses_the_weight_and_mpg_excise_rate_and_warns() -> None:
    result = quote_deal(lease_deal("DC", vehicle={"price": "40000.00", "weight_lbs": 3800, "city_mpg": 28}))
    assert result["taxes"]["upfront"] == "1640.00"  # 4.1 % row for 3,500-4,999 lb at 26-30 mpg
    assert any("DC lease taxation is not verified" in w for w in result["warnings"])


def test_researched_lease_methods_for_la_ms_de() -> None:
    ms = quote_deal(lease_deal("MS"))
    assert ms["taxes"]["upfront"] == "150.00"  # 5 % of the $3,000 down payment
    assert D(ms["taxes"]["monthly"]) == (D(ms["lease"]["base_monthly_payment"]) * D("0.05")).quantize(
        D("0.01")
    )
    la = quote_deal(lease_deal("LA"))
    assert any("R.S. 47:305.36" in w for w in la["warnings"])
    de = quote_deal(lease_deal("DE"))
    assert de["taxes"]["upfront"] == "1700.00" and de["taxes"]["monthly"] == "0.00"  # 4.25 % of $40,000


@pytest.mark.parametrize(
    ("as_of", "rate"), [("2022-06-30", "0.05125"), ("2022-07-01", "0.05"), ("2026-06-01", "0.04875")]
)
def test_new_mexico_lease_receipts_pay_the_state_gross_receipts_rate(as_of: str, rate: str) -> None:
    result = quote_deal(lease_deal("NM", as_of=as_of))
    monthly = [c for c in result["taxes"]["components"] if c["timing"] == "monthly"]
    assert [c["rate"] for c in monthly] == [rate]
    assert any("gross receipts tax" in w for w in result["warnings"])


def test_arkansas_lease_defaults_to_tax_at_registration_and_names_the_other_option() -> None:
    result = quote_deal(lease_deal("AR"))
    assert (
        result["taxes"]["upfront"] == "2600.00" and result["taxes"]["monthly"] == "0.00"
    )  # 6.5 % of $40,000
    assert any("GR-20" in w for w in result["warnings"])


def test_unverified_rebate_treatment_in_an_upfront_lease_state_is_flagged() -> None:
    rebate = [{"amount": "1000.00", "source": "manufacturer"}]
    il = quote_deal(lease_deal("IL", rebates=rebate))
    assert any("part of IL's taxed lease amount" in w for w in il["warnings"])
    nd = quote_deal(lease_deal("ND", rebates=rebate))
    assert not any("manufacturer rebate" in w for w in nd["warnings"])


def test_trade_equity_in_an_upfront_lease_state_is_flagged_unless_sourced() -> None:
    trade = [{"allowance": "2000.00"}]
    ny = quote_deal(lease_deal("NY", trade_ins=trade))
    assert any("trade-in equity applied to the lease is part of NY's" in w for w in ny["warnings"])
    nj = quote_deal(lease_deal("NJ", trade_ins=trade))
    assert not any("trade-in equity applied to the lease" in w for w in nj["warnings"])
