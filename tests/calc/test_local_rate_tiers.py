"""Single-item tiers on local rate rows: Phoenix's two city levels in each period, the CSV columns that
carry them (old files still import, bad values are refused naming the column and line), and the lines
that must stay flat (Maricopa County, Tennessee's state-wide local cap).

Expected figures are worked by hand in the comments: each tax line is rounded half-up to the cent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from calc import parse_quote_request, quote, quote_deal
from calc.rules import RuleDataError
from calc.rules.local_rates import embedded_local_rates, parse_local_rates_csv

NO_FEES = [{"code": "title", "amount": "0"}, {"code": "registration", "amount": "0"}]
PHOENIX = {"state": "AZ", "county": "Maricopa", "city": "Phoenix"}
HEADER = "state,county,city,zip,level,name,rate,effective_from,source"


def _cash(as_of: str, price: str, customer: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    deal: dict[str, Any] = {
        "deal_type": "cash",
        "as_of": as_of,
        "customer": customer or PHOENIX,
        "vehicle": {"price": price},
        "fees": NO_FEES,
    }
    deal.update(extra)
    return deal


def _lines(result: dict[str, Any], level: str) -> list[tuple[str, str, str]]:
    return [(c["base"], c["rate"], c["amount"]) for c in result["taxes"]["components"] if c["level"] == level]


# (as_of, price, city lines [(base, rate, amount)], total tax)
PHOENIX_CASES = [
    # 2016-2017: threshold $10,000. $9,000: 5.6 % 504 + 0.7 % 63 + 2.3 % 207 = 774
    ("2017-03-01", "9000.00", [("9000.00", "0.023", "207.00")], "774.00"),
    # $25,000: 1,400 + 175 + 10,000 x 2.3 % = 230 + 15,000 x 2 % = 300 -> 2,105
    ("2017-03-01", "25000.00", [("10000.00", "0.023", "230.00"), ("15000.00", "0.02", "300.00")], "2105.00"),
    # 2022-2023: threshold $11,631. $10,000: 560 + 70 + 230 = 860
    ("2023-06-01", "10000.00", [("10000.00", "0.023", "230.00")], "860.00"),
    # $30,000: 1,680 + 210 + 11,631 x 2.3 % = 267.513 -> 267.51 + 18,369 x 2 % = 367.38 -> 2,524.89
    ("2023-06-01", "30000.00", [("11631.00", "0.023", "267.51"), ("18369.00", "0.02", "367.38")], "2524.89"),
    # 2024-01-01 to 2025-06-30: threshold $13,886. $12,000: 672 + 84 + 276 = 1,032
    ("2024-05-01", "12000.00", [("12000.00", "0.023", "276.00")], "1032.00"),
    # $30,000: 1,680 + 210 + 13,886 x 2.3 % = 319.378 -> 319.38 + 16,114 x 2 % = 322.28 -> 2,531.66
    ("2024-05-01", "30000.00", [("13886.00", "0.023", "319.38"), ("16114.00", "0.02", "322.28")], "2531.66"),
    # 2025-07-01 to 2025-12-31: 2.8 %, threshold still $13,886. $12,000: 672 + 84 + 336 = 1,092
    ("2025-08-01", "12000.00", [("12000.00", "0.028", "336.00")], "1092.00"),
    # $30,000: 1,680 + 210 + 13,886 x 2.8 % = 388.808 -> 388.81 + 322.28 -> 2,601.09
    ("2025-08-01", "30000.00", [("13886.00", "0.028", "388.81"), ("16114.00", "0.02", "322.28")], "2601.09"),
    # 2026: threshold $14,338. $14,000: 784 + 98 + 392 = 1,274
    ("2026-06-01", "14000.00", [("14000.00", "0.028", "392.00")], "1274.00"),
    # $30,000: 1,680 + 210 + 14,338 x 2.8 % = 401.464 -> 401.46 + 15,662 x 2 % = 313.24 -> 2,604.70
    ("2026-06-01", "30000.00", [("14338.00", "0.028", "401.46"), ("15662.00", "0.02", "313.24")], "2604.70"),
]


@pytest.mark.parametrize(("as_of", "price", "city", "total"), PHOENIX_CASES)
def test_phoenix_city_tax_in_each_period(
    as_of: str, price: str, city: list[tuple[str, str, str]], total: str
) -> None:
    result = quote_deal(_cash(as_of, price))
    assert _lines(result, "city") == city
    assert result["taxes"]["total"] == total
    # Maricopa County's 0.7 % is not tiered: one line on the whole price
    assert [(base, rate) for base, rate, _ in _lines(result, "county")] == [(price, "0.007")]


def test_explanation_names_the_tier_each_city_line_used() -> None:
    result = quote_deal(_cash("2024-05-01", "30000.00"))
    names = [c["name"] for c in result["taxes"]["components"] if c["level"] == "city"]
    assert names == [
        "Phoenix city TPT (retail) (first $13,886)",
        "Phoenix city TPT (retail) (portion over $13,886)",
    ]
    explain = "\n".join(result["explain"])
    assert "2.3% up to $13,886 of a single item, 2% on the portion over" in explain
    assert "portion over $13,886): 2% x $16114.00 = $322.28" in explain


def test_threshold_moves_on_its_effective_date() -> None:
    before = quote_deal(_cash("2023-12-31", "30000.00"))
    after = quote_deal(_cash("2024-01-01", "30000.00"))
    # 2,255 more dollars at 2.3 % instead of 2 %: 2,531.66 - 2,524.89 = 6.77
    assert Decimal(after["taxes"]["total"]) - Decimal(before["taxes"]["total"]) == Decimal("6.77")


def test_price_exactly_at_the_threshold_stays_in_the_first_level() -> None:
    result = quote_deal(_cash("2024-05-01", "13886.00"))
    assert _lines(result, "city") == [("13886.00", "0.023", "319.38")]


def test_unconfirmed_2025_figures_warn_and_earlier_ones_do_not() -> None:
    confirmed = quote_deal(_cash("2024-05-01", "30000.00"))
    assert not any("Phoenix" in w for w in confirmed["warnings"])
    for as_of in ("2025-08-01", "2026-06-01"):
        warned = quote_deal(_cash(as_of, "30000.00"))
        assert any(w.startswith("Phoenix city TPT") and "ADOR" in w for w in warned["warnings"])
    jul_2025 = quote_deal(_cash("2025-08-01", "30000.00"))
    assert any("portion of a single item over $13,886 is not confirmed" in w for w in jul_2025["warnings"])


def test_trade_in_credit_is_prorated_between_the_two_levels() -> None:
    # $30,000 with a $10,000 trade (2024): taxable 20,000. Portion over: 16,114 x 20,000 / 30,000 =
    # 10,742.666... -> 10,742.67 at 2 % = 214.8534 -> 214.85; the rest 9,257.33 at 2.3 % = 212.91859 ->
    # 212.92. State 1,120 + county 140 -> total 1,687.77.
    result = quote_deal(_cash("2024-05-01", "30000.00", trade_ins=[{"allowance": "10000.00"}]))
    assert _lines(result, "city") == [("9257.33", "0.023", "212.92"), ("10742.67", "0.02", "214.85")]
    assert result["taxes"]["total"] == "1687.77"
    assert any("prorated" in step for step in result["explain"])


def test_products_stay_at_the_regular_city_rate() -> None:
    # A $2,000 service contract is a separate item: the $30,000 vehicle alone is split at $13,886.
    # City: (13,886 + 2,000) x 2.3 % = 365.378 -> 365.38; 16,114 x 2 % = 322.28.
    deal = _cash("2024-05-01", "30000.00", products=[{"kind": "service_contract", "price": "2000.00"}])
    result = quote_deal(deal)
    assert _lines(result, "city") == [("15886.00", "0.023", "365.38"), ("16114.00", "0.02", "322.28")]


def test_unincorporated_maricopa_has_only_the_flat_county_line() -> None:
    result = quote_deal(_cash("2024-05-01", "30000.00", {"state": "AZ", "county": "Maricopa"}))
    assert _lines(result, "county") == [("30000.00", "0.007", "210.00")]
    assert _lines(result, "city") == []
    assert result["taxes"]["total"] == "1890.00"  # 1,680 + 210


def test_phoenix_lease_splits_the_amount_at_signing_and_warns_that_the_tier_is_a_retail_rule() -> None:
    deal = {
        "deal_type": "lease",
        "as_of": "2026-06-01",
        "customer": PHOENIX,
        "vehicle": {"price": "40000.00"},
        "cash_down": "20000.00",  # adjusted cap cost 20,000 > residual 14,000
        "fees": NO_FEES,
        "lease": {"term_months": 36, "money_factor": "0.00125", "residual_value": "14000.00"},
    }
    result = quote_deal(deal)
    city = [c for c in result["taxes"]["components"] if c["level"] == "city"]
    upfront = [(c["base"], c["rate"], c["amount"]) for c in city if c["timing"] == "upfront"]
    # $20,000 at signing: 14,338 x 2.8 % = 401.46; 5,662 x 2 % = 113.24
    assert upfront == [("14338.00", "0.028", "401.46"), ("5662.00", "0.02", "113.24")]
    monthly = [c for c in city if c["timing"] == "monthly"]
    payment = Decimal(result["lease"]["base_monthly_payment"])
    assert payment < Decimal("14338")
    assert [(c["base"], c["amount"]) for c in monthly] == [
        (f"{payment:.2f}", f"{(payment * Decimal('0.028')).quantize(Decimal('0.01')):.2f}")
    ]
    assert any("retail-sale rule" in w for w in result["warnings"])


def test_tennessee_local_cap_is_unchanged() -> None:
    # TN: 7 % state; Davidson's 2.25 % local rate reaches only the first $1,600 (state-wide local_base_cap):
    # 36.00; 2.75 % state band on $1,600.01-$3,200: 44.00. 2,100 + 36 + 44 = 2,180.
    result = quote_deal(_cash("2026-06-01", "30000.00", {"state": "TN", "county": "Davidson"}))
    assert _lines(result, "county") == [("1600.00", "0.0225", "36.00")]
    assert result["taxes"]["total"] == "2180.00"
    assert not any("first $" in c["name"] for c in result["taxes"]["components"])


def test_a_file_without_the_new_columns_still_imports_and_quotes_flat() -> None:
    table = parse_local_rates_csv(
        HEADER + "\nAZ,Maricopa,,,county,Maricopa County,0.007,2000-01-01,ADOR\n"
        "AZ,Maricopa,Phoenix,,city,Phoenix flat,0.023,2016-01-01,ADOR\n",
        label="old.csv",
    )
    rows = table.rates_for("AZ", "Maricopa", "Phoenix", None, date(2024, 5, 1))
    assert [(r.name, r.tier) for r in rows] == [("Maricopa County", None), ("Phoenix flat", None)]
    result = quote(parse_quote_request(_cash("2024-05-01", "30000.00")), local_rates=table)
    city = [c for c in result.taxes.components if c.level == "city"]
    assert [(c.base, c.amount) for c in city] == [(Decimal("30000.00"), Decimal("690.00"))]  # 2.3 % flat


def test_imported_tier_columns_including_a_per_row_cap() -> None:
    table = parse_local_rates_csv(
        HEADER + ",threshold,rate_above,warning\n"
        "AZ,Maricopa,,,county,Maricopa County,0.007,2000-01-01,ADOR\n"
        'AZ,Maricopa,Mesa,,city,Mesa capped,0.02,2020-01-01,src,"5,000.00",0,check Mesa\n',
        label="tiers.csv",
    )
    request = parse_quote_request(_cash("2024-05-01", "30000.00", {**PHOENIX, "city": "Mesa"}))
    result = quote(request, local_rates=table)
    city = [(c.base, c.rate, c.amount) for c in result.taxes.components if c.level == "city"]
    # rate_above 0 is a base cap: 2 % of the first $5,000 = 100.00, nothing on the rest
    assert city == [(Decimal("5000.00"), Decimal("0.02"), Decimal("100.00"))]
    assert "check Mesa" in result.warnings


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("abc,0.02", "line 3: threshold is not a number"),
        ("-100,0.02", "line 3: threshold must be a positive dollar amount"),
        ("0,0.02", "line 3: threshold must be a positive dollar amount"),
        ("100.005,0.02", "line 3: threshold must be a positive dollar amount"),
        ("Infinity,0.02", "line 3: threshold must be a positive dollar amount"),
        ("13886,", "line 3: threshold needs rate_above"),
        (",0.02", "line 3: rate_above needs a threshold"),
        ("13886,0.5", "line 3: rate_above must be a fraction"),
        ("13886,x", "line 3: rate_above is not a number"),
    ],
)
def test_bad_tier_in_an_imported_file_is_refused_naming_the_column_and_line(cells: str, message: str) -> None:
    text = (
        HEADER + ",threshold,rate_above\n"
        "AZ,Maricopa,,,county,Maricopa County,0.007,2000-01-01,ADOR\n"
        f"AZ,Maricopa,Phoenix,,city,Phoenix,0.023,2016-01-01,ADOR,{cells}\n"
    )
    with pytest.raises(RuleDataError, match=f"dealer.csv {message}"):
        parse_local_rates_csv(text, label="dealer.csv")
    # nothing changed: the embedded table still answers with its own tiered Phoenix row
    embedded = embedded_local_rates().rates_for("AZ", "Maricopa", "Phoenix", None, date(2024, 5, 1))
    tiers = [r.tier.threshold for r in embedded if r.tier is not None]
    assert tiers == [Decimal("13886")]


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (HEADER + ",cap", "", "unknown column 'cap'"),
        (HEADER + ",threshold,threshold", "", "appears twice"),
        (HEADER, ",13886,0.02", "line 2: more cells than header columns"),
    ],
)
def test_bad_header_or_extra_cells_are_refused(header: str, row: str, message: str) -> None:
    with pytest.raises(RuleDataError, match=message):
        parse_local_rates_csv(f"{header}\nAZ,Maricopa,,,county,M,0.007,2000-01-01,ADOR{row}\n", label="f")


def test_trailing_empty_cells_are_accepted() -> None:
    table = parse_local_rates_csv(f"{HEADER}\nAZ,Maricopa,,,county,M,0.007,2000-01-01,ADOR,,\n", label="f")
    assert len(table.rates_for("AZ", "Maricopa", None, None, date(2024, 1, 1))) == 1


def _city(city: str) -> dict[str, str]:
    return {"state": "AZ", "county": "Maricopa", "city": city}


# Maricopa County cities other than Phoenix: (city, as_of, city lines [(base, rate, amount)], total tax on a
# $30,000 car, warned). State 5.6 % = 1,680 and county 0.7 % = 210 in every case.
AZ_CITY_CASES = [
    # Glendale from 2012-08-01: an item over $5,000 pays 2.2 % on its whole price: 660 -> 2,550
    ("Glendale", "2024-05-01", [("30000.00", "0.022", "660.00")], "2550.00", False),
    # Gilbert 1.5 % (450) until 2024, 2.0 % (600) from 2025-01-01; no single-item code at ADOR
    ("Gilbert", "2024-05-01", [("30000.00", "0.015", "450.00")], "2340.00", False),
    ("Gilbert", "2025-02-01", [("30000.00", "0.02", "600.00")], "2490.00", False),
    # Mesa 1.75 % (525) before 2019-03-01, 2.0 % (600) after; no single-item code at ADOR
    ("Mesa", "2018-06-01", [("30000.00", "0.0175", "525.00")], "2415.00", False),
    ("Mesa", "2024-05-01", [("30000.00", "0.02", "600.00")], "2490.00", False),
    # Tempe 1.8 % (540), Chandler 1.5 % (450), Scottsdale 1.75 % (525) then 1.70 % (510): flat, and warned
    # that no single-item tier could be confirmed
    ("Tempe", "2024-05-01", [("30000.00", "0.018", "540.00")], "2430.00", True),
    ("Chandler", "2024-05-01", [("30000.00", "0.015", "450.00")], "2340.00", True),
    ("Scottsdale", "2024-05-01", [("30000.00", "0.0175", "525.00")], "2415.00", True),
    ("Scottsdale", "2026-06-01", [("30000.00", "0.017", "510.00")], "2400.00", True),
]


@pytest.mark.parametrize(("city", "as_of", "lines", "total", "warned"), AZ_CITY_CASES)
def test_tax_on_a_30000_car_in_other_maricopa_cities(
    city: str, as_of: str, lines: list[tuple[str, str, str]], total: str, warned: bool
) -> None:
    result = quote_deal(_cash(as_of, "30000.00", _city(city)))
    assert _lines(result, "city") == lines
    assert result["taxes"]["total"] == total
    city_warnings = [w for w in result["warnings"] if w.startswith(city)]
    assert bool(city_warnings) is warned
    if warned:
        assert "not checked" in city_warnings[0] or "not seen" in city_warnings[0]


def test_glendale_names_the_single_item_rate_in_components_and_explanation() -> None:
    result = quote_deal(_cash("2024-05-01", "30000.00", _city("Glendale")))
    names = [c["name"] for c in result["taxes"]["components"] if c["level"] == "city"]
    assert names == ["Glendale city TPT (retail) (single item over $5,000)"]
    explain = "\n".join(result["explain"])
    assert "2.9%, or 2.2% on the whole price of a single item over $5,000" in explain
    assert "single item $30000.00 is over the threshold, so its whole amount is taxed at 2.2%" in explain


def test_glendale_applies_its_single_item_rate_from_august_2012() -> None:
    # Before 2012-08-01 one flat 2.2 %; from then 2.9 % up to $5,000 a single item, 2.2 % on the whole of a
    # dearer one. A $4,000 car: 88.00 on 2012-07-31, 116.00 on 2012-08-01.
    before = quote_deal(_cash("2012-07-31", "4000.00", _city("Glendale")))
    after = quote_deal(_cash("2012-08-01", "4000.00", _city("Glendale")))
    assert _lines(before, "city") == [("4000.00", "0.022", "88.00")]
    assert _lines(after, "city") == [("4000.00", "0.029", "116.00")]


def test_glendale_threshold_is_exclusive_and_the_whole_item_moves_to_the_lower_rate() -> None:
    at = quote_deal(_cash("2024-05-01", "5000.00", _city("Glendale")))
    over = quote_deal(_cash("2024-05-01", "5000.01", _city("Glendale")))
    assert _lines(at, "city") == [("5000.00", "0.029", "145.00")]  # 5,000 x 2.9 %
    assert _lines(over, "city") == [("5000.01", "0.022", "110.00")]  # 5,000.01 x 2.2 % = 110.00022


def test_glendale_trade_in_reduces_the_whole_item_at_the_single_item_rate() -> None:
    # 30,000 - 10,000 = 20,000 x 2.2 % = 440; state 1,120 + county 140 -> 1,700
    result = quote_deal(
        _cash("2024-05-01", "30000.00", _city("Glendale"), trade_ins=[{"allowance": "10000.00"}])
    )
    assert _lines(result, "city") == [("20000.00", "0.022", "440.00")]
    assert result["taxes"]["total"] == "1700.00"


def test_glendale_product_stays_at_the_regular_rate_and_shares_the_trade_in() -> None:
    # $30,000 car + $2,000 service contract - $10,000 trade: base 22,000. The car's share is
    # 30,000 x 22,000 / 32,000 = 20,625 at 2.2 % = 453.75; the rest 1,375 at 2.9 % = 39.875 -> 39.88.
    deal = _cash(
        "2024-05-01",
        "30000.00",
        _city("Glendale"),
        trade_ins=[{"allowance": "10000.00"}],
        products=[{"kind": "service_contract", "price": "2000.00"}],
    )
    result = quote_deal(deal)
    assert _lines(result, "city") == [("1375.00", "0.029", "39.88"), ("20625.00", "0.022", "453.75")]
    assert any("deductions shared in proportion" in step for step in result["explain"])


def test_a_file_with_a_single_item_over_row_imports_and_bad_kinds_are_refused() -> None:
    header = HEADER + ",threshold,rate_above,tier_kind"
    table = parse_local_rates_csv(
        header + "\nAZ,Maricopa,Glendale,,city,G,0.029,2012-08-01,ADOR,5000,0.022,single_item_over\n"
        "AZ,Maricopa,Phoenix,,city,P,0.023,2016-01-01,ADOR,10000,0.02,\n",
        label="kinds.csv",
    )
    glendale = table.rates_for("AZ", "Maricopa", "Glendale", None, date(2024, 1, 1))
    phoenix = table.rates_for("AZ", "Maricopa", "Phoenix", None, date(2024, 1, 1))
    assert [r.tier.whole_item for r in glendale if r.tier] == [True]
    assert [r.tier.whole_item for r in phoenix if r.tier] == [False]
    for cells, message in (
        ("5000,0.022,whole", "line 2: tier_kind must be one of portion_over, single_item_over"),
        (",,single_item_over", "line 2: tier_kind needs a threshold and rate_above"),
    ):
        with pytest.raises(RuleDataError, match=message):
            parse_local_rates_csv(
                f"{header}\nAZ,Maricopa,Glendale,,city,G,0.029,2012-08-01,ADOR,{cells}\n", label="f"
            )
