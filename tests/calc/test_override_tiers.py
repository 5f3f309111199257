"""A single-item tier entered in ``tax_override`` (``threshold`` / ``rate_above`` on a rate entry): quoted
exactly as the same tier on a rate file row, old overrides unchanged, bad entries refused through
``python -m calc quote`` naming the field while the other deals still quote.

Expected figures are worked by hand in the comments: each tax line is rounded half-up to the cent.
"""

from __future__ import annotations

from typing import Any

import pytest

from calc import quote_deal
from tests.calc.fee_quotes import quote_lines_through_cli

NO_FEES = [{"code": "title", "amount": "0"}, {"code": "registration", "amount": "0"}]
PHOENIX = {"state": "AZ", "county": "Maricopa", "city": "Phoenix"}
STATE = {"level": "state", "rate": "0.056"}
COUNTY = {"level": "county", "rate": "0.007", "name": "Maricopa County excise (TPT)"}
CITY = {"level": "city", "rate": "0.023", "name": "Phoenix city TPT (retail)"}
TIERED_CITY = {**CITY, "threshold": "13886", "rate_above": "0.02"}


def _deal(rates: list[dict[str, Any]] | None, *, price: str = "30000.00", **extra: Any) -> dict[str, Any]:
    deal: dict[str, Any] = {
        "deal_type": "cash",
        "as_of": "2024-05-01",
        "customer": PHOENIX,
        "vehicle": {"price": price},
        "fees": NO_FEES,
    }
    if rates is not None:
        deal["tax_override"] = {"rates": rates}
    deal.update(extra)
    return deal


def _city(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (c["name"], c["base"], c["rate"], c["amount"])
        for c in result["taxes"]["components"]
        if c["level"] == "city"
    ]


def test_tax_on_a_30000_car_is_split_at_the_entered_threshold() -> None:
    # state 30,000 x 5.6 % = 1,680; county x 0.7 % = 210; city 13,886 x 2.3 % = 319.378 -> 319.38 and
    # 16,114 x 2 % = 322.28: 2,531.66
    result = quote_deal(_deal([STATE, COUNTY, TIERED_CITY]))
    assert _city(result) == [
        ("Phoenix city TPT (retail) (first $13,886)", "13886.00", "0.023", "319.38"),
        ("Phoenix city TPT (retail) (portion over $13,886)", "16114.00", "0.02", "322.28"),
    ]
    assert result["taxes"]["total"] == "2531.66"
    assert result["jurisdiction"]["source"] == "override"
    explain = "\n".join(result["explain"])
    assert (
        "Phoenix city TPT (retail) (2.3% up to $13,886 of a single item, 2% on the portion over)" in explain
    )
    assert "(portion over $13,886): 2% x $16114.00 = $322.28" in explain


def test_an_entered_tier_quotes_like_the_same_tier_on_the_embedded_row() -> None:
    # The embedded Phoenix row in force on 2024-05-01 is 2.3 % up to $13,886, 2 % over: same lines,
    # same total, with a trade-in (prorated) and a product (a separate item at the regular rate).
    extra = {
        "trade_ins": [{"allowance": "10000.00"}],
        "products": [{"kind": "service_contract", "price": "2000.00"}],
    }
    entered = quote_deal(_deal([STATE, COUNTY, TIERED_CITY], **extra))
    embedded = quote_deal(_deal(None, **extra))
    assert [line[1:] for line in _city(entered)] == [line[1:] for line in _city(embedded)]
    assert entered["taxes"]["total"] == embedded["taxes"]["total"]
    assert any("prorated" in step for step in entered["explain"])


def test_price_at_or_below_the_threshold_gives_one_city_line() -> None:
    result = quote_deal(_deal([STATE, COUNTY, TIERED_CITY], price="13886.00"))
    assert _city(result) == [("Phoenix city TPT (retail) (first $13,886)", "13886.00", "0.023", "319.38")]


def test_rate_above_zero_taxes_only_up_to_the_threshold() -> None:
    # 2 % of the first $5,000 = 100.00 and nothing on the remaining 25,000
    capped = {"level": "city", "rate": "0.02", "name": "Town tax", "threshold": "5,000.00", "rate_above": 0}
    result = quote_deal(_deal([STATE, capped]))
    assert _city(result) == [("Town tax (first $5,000)", "5000.00", "0.02", "100.00")]
    assert result["taxes"]["total"] == "1780.00"  # 1,680 + 100


def test_an_override_without_a_tier_is_quoted_as_before() -> None:
    flat = quote_deal(_deal([STATE, COUNTY, CITY]))
    # 30,000 x 2.3 % = 690 on one line; explanation lists the entered rate as a percentage
    assert _city(flat) == [("Phoenix city TPT (retail)", "30000.00", "0.023", "690.00")]
    assert flat["taxes"]["total"] == "2580.00"
    assert any(
        "tax_override replaces" in s and "Phoenix city TPT (retail) 2.3%" in s for s in flat["explain"]
    )
    # explicit nulls are the same as leaving the fields out
    nulls = quote_deal(_deal([STATE, COUNTY, {**CITY, "threshold": None, "rate_above": None}]))
    assert nulls == flat


def test_a_lease_with_an_entered_tier_warns_that_the_tier_is_a_retail_rule() -> None:
    deal = _deal(
        [STATE, COUNTY, TIERED_CITY],
        price="40000.00",
        deal_type="lease",
        cash_down="20000.00",
        lease={"term_months": 36, "money_factor": "0.00125", "residual_value": "14000.00"},
    )
    result = quote_deal(deal)
    upfront = [c for c in result["taxes"]["components"] if c["level"] == "city" and c["timing"] == "upfront"]
    # $20,000 at signing: 13,886 x 2.3 % = 319.378 -> 319.38; 6,114 x 2 % = 122.28
    assert [(c["base"], c["amount"]) for c in upfront] == [("13886.00", "319.38"), ("6114.00", "122.28")]
    assert any("retail-sale rule" in w for w in result["warnings"])


def test_an_entered_single_item_over_tier_quotes_like_glendales_embedded_row() -> None:
    # Glendale from 2012-08-01: 2.9 %, or 2.2 % on the whole of an item over $5,000. With a $10,000 trade
    # the car's 20,000 pays 2.2 % = 440 on one line.
    glendale = {"state": "AZ", "county": "Maricopa", "city": "Glendale"}
    entered_city = {
        "level": "city",
        "rate": "0.029",
        "name": "Glendale city TPT (retail)",
        "threshold": "5000",
        "rate_above": "0.022",
        "tier_kind": "single_item_over",
    }
    trade = {"trade_ins": [{"allowance": "10000.00"}]}
    entered = quote_deal(_deal([STATE, COUNTY, entered_city], customer=glendale, **trade))
    embedded = quote_deal(_deal(None, customer=glendale, **trade))
    assert _city(entered) == _city(embedded)
    assert _city(entered) == [
        ("Glendale city TPT (retail) (single item over $5,000)", "20000.00", "0.022", "440.00")
    ]
    assert entered["taxes"]["total"] == embedded["taxes"]["total"] == "1700.00"


BAD_ENTRIES = [
    ({"threshold": "-100", "rate_above": "0.02"}, "threshold", "must not be negative"),
    ({"threshold": "0", "rate_above": "0.02"}, "threshold", "positive amount of money"),
    ({"threshold": "13886.005", "rate_above": "0.02"}, "threshold", "positive amount of money"),
    ({"threshold": "1e40", "rate_above": "0.02"}, "threshold", "positive amount of money"),
    ({"threshold": "Infinity", "rate_above": "0.02"}, "threshold", "finite"),
    ({"threshold": "lots", "rate_above": "0.02"}, "threshold", "not a number"),
    ({"threshold": True, "rate_above": "0.02"}, "threshold", "boolean"),
    ({"threshold": "13886"}, "rate_above", "is required with threshold"),
    ({"rate_above": "0.02"}, "threshold", "is required with rate_above"),
    ({"threshold": "13886", "rate_above": "2"}, "rate_above", "fraction"),
    ({"threshold": "13886", "rate_above": "-0.01"}, "rate_above", "must not be negative"),
    ({"threshold": "13886", "rate_above": "x"}, "rate_above", "not a number"),
    ({"threshold": "13886", "rate_above": "0.02", "cap": "1"}, "cap", "unknown field"),
    ({"threshold": "5000", "rate_above": "0.022", "tier_kind": "whole"}, "tier_kind", "must be one of"),
    ({"tier_kind": "single_item_over"}, "threshold", "is required with rate_above or tier_kind"),
]


def test_bad_tier_entries_are_refused_naming_the_field_and_the_other_deals_still_quote() -> None:
    good = _deal([STATE, COUNTY, TIERED_CITY])
    bad = [_deal([STATE, {**CITY, **entry}]) for entry, _, _ in BAD_ENTRIES]
    status, results = quote_lines_through_cli([good, *bad, good])
    assert status == 2
    assert len(results) == len(bad) + 2
    for result, (_, field, message) in zip(results[1:-1], BAD_ENTRIES, strict=True):
        assert result["error"]["field"] == f"tax_override.rates[1].{field}"
        assert message in result["error"]["message"]
    # nothing lost or changed around them: both good lines give the in-process quote
    assert results[0] == results[-1] == quote_deal(good)


@pytest.mark.parametrize("entry", [{"threshold": "13886", "rate_above": "0.02"}, {}])
def test_good_overrides_exit_zero(entry: dict[str, Any]) -> None:
    status, results = quote_lines_through_cli([_deal([STATE, {**CITY, **entry}])])
    assert status == 0
    assert "error" not in results[0]
