"""State title/registration defaults: every state on file shows up in a quote with its source, each fee
shape (flat, by weight, by age, by value) gives the amount worked by hand from its schedule, and a
dealership's own fees still win, with bad fee data refused by field."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from calc import parse_quote_request, quote, quote_deal
from calc.errors import CalcInputError
from calc.fees import compile_fee_defaults, fee_defaults
from calc.model import replace
from calc.rules import RuleDataError
from tests.calc.fee_quotes import fee_amounts

FEE_FILE: dict[str, Any] = json.loads(
    resources.files("calc.rules").joinpath("fees.json").read_text(encoding="utf-8")
)
ALL_JURISDICTIONS = sorted(
    json.loads(resources.files("calc.rules").joinpath("states.json").read_text(encoding="utf-8"))["states"]
)


def _deal(state: str, as_of: str = "2026-06-01", **vehicle: Any) -> dict[str, Any]:
    car = {"price": "30000.00", "msrp": "30000.00", "model_year": 2026, "weight_lbs": 3400} | vehicle
    return {"deal_type": "cash", "as_of": as_of, "customer": {"state": state}, "vehicle": car, "fees": []}



def _source_of(result: dict[str, Any], code: str) -> str:
    return next(item["source"] for item in result["fees"]["items"] if item["code"] == code)


@pytest.mark.parametrize("state", sorted(FEE_FILE["states"]))
def test_each_state_default_appears_in_a_quote_with_its_source(state: str) -> None:
    result = quote_deal(_deal(state))
    rows = FEE_FILE["states"][state]
    for code in {row["code"] for row in rows}:
        source = _source_of(result, code)
        assert any(row["source"] in source for row in rows if row["code"] == code)
        assert Decimal(fee_amounts(result)[code]) > 0
        # the explanation names the default, its confidence and its source
        assert any(f"Default {state} {code} fee" in step and source in step for step in result["explain"])


def test_every_jurisdiction_has_a_title_default() -> None:
    assert set(ALL_JURISDICTIONS) == set(FEE_FILE["states"])
    assert all(any(row["code"] == "title" for row in FEE_FILE["states"][s]) for s in ALL_JURISDICTIONS)


def test_a_deal_dated_before_a_states_title_default_warns_instead_of_inventing_one() -> None:
    # North Carolina's title fee is on file from 2023-01-01 only; its registration default is older.
    nc_title_from = min(row.effective_from for row in fee_defaults()["NC"] if row.code == "title")
    before = quote_deal(_deal("NC", as_of=(nc_title_from - timedelta(days=1)).isoformat()))
    assert set(fee_amounts(before)) == {"registration"}
    assert any("No default title fee on file for NC" in w for w in before["warnings"])
    from_then = quote_deal(_deal("NC", as_of=nc_title_from.isoformat()))
    assert set(fee_amounts(from_then)) == {"title", "registration"}
    assert not any("No default title fee" in w for w in from_then["warnings"])


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        (4500, "42.25"),  # K.S.A. 8-143: $30 up to 4,500 lb + $12.25 added fees
        (4501, "52.25"),  # $40 over 4,500 lb + $12.25
    ],
)
def test_kansas_registration_by_weight_with_its_added_fees(weight: int, expected: str) -> None:
    result = quote_deal(_deal("KS", weight_lbs=weight))
    assert fee_amounts(result) == {"title": "10.00", "registration": expected}
    # county property tax is billed separately at registration: the quote says it is left out
    assert any("KS registration fee is approximate" in w and "property" in w for w in result["warnings"])


def test_states_without_a_registration_default_warn_instead_of_inventing_one() -> None:
    result = quote_deal(_deal("MI"))
    assert set(fee_amounts(result)) == {"title"}
    assert any("No default registration fee on file for MI" in w for w in result["warnings"])


def test_approximate_defaults_say_what_they_leave_out() -> None:
    result = quote_deal(_deal("CO"))
    assert any("CO registration fee is approximate" in w and "42-3-306" in w for w in result["warnings"])
    assert fee_amounts(result)["registration"] == "535.50"


# ------------------------------------------------------------------------------------ shapes by hand


@pytest.mark.parametrize(
    ("state", "weight", "expected"),
    [
        ("NY", 3400, "55.00"),  # two-year fee, 3,351-3,450 lb row
        ("NY", 1650, "26.00"),  # the first row includes its upper limit
        ("NY", 7200, "140.00"),  # 6,951 lb and over
        ("FL", 2600, "247.50"),  # $225 initial registration + $22.50 for 2,500-3,499 lb
        ("HI", 3000, "97.50"),  # $45 + 1.75 cents x 3,000 lb
        ("HI", 5000, "145.00"),  # $45 + 2.00 cents x 5,000 lb
        ("VA", 4001, "35.75"),  # over 4,000 lb
        ("SD", 4000, "72.00"),  # SDCL 32-5-6: 2,001-4,000 lb
        ("SD", 4001, "108.00"),
    ],
)
def test_registration_by_weight(state: str, weight: int, expected: str) -> None:
    assert fee_amounts(quote_deal(_deal(state, weight_lbs=weight)))["registration"] == expected


def test_registration_by_weight_without_a_weight_is_a_warning_not_a_guess() -> None:
    deal = _deal("NY")
    del deal["vehicle"]["weight_lbs"]
    result = quote_deal(deal)
    assert "registration" not in fee_amounts(result)
    assert any(
        "NY registration fee depends on the vehicle but vehicle.weight_lbs" in w for w in result["warnings"]
    )


@pytest.mark.parametrize(
    ("state", "model_year", "expected"),
    [
        ("OK", 2026, "96.00"),  # years 1-4 of life
        ("OK", 2020, "86.00"),  # 6 years old: years 5-8
        ("OK", 2005, "26.00"),  # 17th year and later
        ("UT", 2022, "154.00"),  # $44 + $110 age-based fee (3-5 years old)
        ("ID", 2025, "69.00"),
        ("ID", 2018, "45.00"),
        ("MT", 2022, "217.00"),  # 4 years old
        ("MT", 2021, "87.00"),  # 5 years old
        ("ND", 2021, "93.00"),  # N.D.C.C. 39-04-19: 3,400 lb in its 6th year registered
        ("ND", 2020, "81.00"),  # 7th year
        ("ND", 2014, "57.00"),  # 13th year and later
    ],
)
def test_registration_by_age(state: str, model_year: int, expected: str) -> None:
    assert fee_amounts(quote_deal(_deal(state, model_year=model_year)))["registration"] == expected


def test_age_counts_from_the_delivery_date_and_a_new_car_without_model_year_is_current() -> None:
    january = quote_deal(_deal("OK", as_of="2030-01-02", model_year=2026))  # 4 years old: $86
    assert fee_amounts(january)["registration"] == "86.00"
    deal = _deal("OK")
    del deal["vehicle"]["model_year"]
    assumed = quote_deal(deal)
    assert fee_amounts(assumed)["registration"] == "96.00"
    assert any("current model year assumed" in step for step in assumed["explain"])
    used = _deal("OK", condition="used")
    del used["vehicle"]["model_year"]
    assert any("vehicle.model_year was not given" in w for w in quote_deal(used)["warnings"])


def test_arizona_vehicle_license_tax_follows_the_statute() -> None:
    # A.R.S. 28-5801: 60% of the $30,000 base retail price = $18,000 assessed.
    # First year: $2.80 per $100 -> $504.00; plus $8 registration and $1.50 air quality fee.
    assert fee_amounts(quote_deal(_deal("AZ")))["registration"] == "513.50"
    # Second year: $18,000 x (1 - 16.25%) = $15,075 at $2.89 per $100 = $435.6675 -> $435.67 (ADOT's own
    # brochure example); + $9.50.
    assert fee_amounts(quote_deal(_deal("AZ", model_year=2025)))["registration"] == "445.17"
    # The $10 minimum: a $2,000 MSRP car 20 years on is worth far less than $10 of tax.
    old = quote_deal(_deal("AZ", msrp="2000", model_year=2006))
    assert fee_amounts(old)["registration"] == "19.50"


def test_colorado_specific_ownership_tax_by_year_of_service() -> None:
    # C.R.S. 42-3-107: taxable value 85% of MSRP; 2.1% in year one, 1.2% in year three, $3 from year ten.
    assert fee_amounts(quote_deal(_deal("CO")))["registration"] == "535.50"  # 25,500 x 2.1%
    assert fee_amounts(quote_deal(_deal("CO", model_year=2024)))["registration"] == "306.00"  # 25,500 x 1.2%
    assert fee_amounts(quote_deal(_deal("CO", model_year=2016)))["registration"] == "3.00"


def test_value_fee_uses_the_price_when_no_msrp_is_given_and_says_so() -> None:
    deal = _deal("AZ")
    del deal["vehicle"]["msrp"]
    result = quote_deal(deal)
    assert fee_amounts(result)["registration"] == "513.50"
    assert any("price (no MSRP given) $30000.00" in step for step in result["explain"])


def test_minnesota_registration_tax_depreciates_the_base_value() -> None:
    # Minn. Stat. 168.013 (since 2020-11-16): $10 + 1.285% of MSRP; third year of life = 80% of $28,000
    # -> $22,400 x 1.285% = $287.84.
    assert fee_amounts(quote_deal(_deal("MN", msrp="28000", model_year=2024)))["registration"] == "297.84"
    # Before 2020-11-16 the rate was 1.25%: 80% of $28,000 x 1.25% = $280.
    earlier = _deal("MN", as_of="2020-06-01", msrp="28000", model_year=2018)
    assert fee_amounts(quote_deal(earlier))["registration"] == "290.00"
    # Eleventh year and later: $10 + $25.
    assert fee_amounts(quote_deal(_deal("MN", msrp="28000", model_year=2015)))["registration"] == "35.00"


def test_iowa_registration_adds_weight_and_list_price_parts() -> None:
    # Iowa Code 321.109 as the county treasurers publish it: 3,000 lb and $18,500 list -> $12 + $185.
    deal = _deal("IA", msrp="18500", weight_lbs=3000, model_year=2024)
    assert fee_amounts(quote_deal(deal))["registration"] == "197.00"
    assert fee_amounts(quote_deal(_deal("IA", model_year=2014)))["registration"] == "50.00"  # 12+ years: flat


@pytest.mark.parametrize(
    ("msrp", "model_year", "expected"),
    [
        ("160000", 2024, "1042.00"),  # $217 + $825 luxury fee
        ("150000", 2026, "1042.00"),  # the fee starts at $150,000
        ("149999.99", 2026, "217.00"),
        ("160000", 2015, "28.00"),  # 11 years old: no luxury fee
    ],
)
def test_montana_luxury_registration_fee(msrp: str, model_year: int, expected: str) -> None:
    deal = _deal("MT", price=msrp, msrp=msrp, model_year=model_year)
    assert fee_amounts(quote_deal(deal))["registration"] == expected


def test_montana_luxury_fee_needs_the_msrp_and_says_so() -> None:
    deal = _deal("MT", price="200000")
    del deal["vehicle"]["msrp"]
    result = quote_deal(deal)
    assert fee_amounts(result)["registration"] == "217.00"
    assert any("luxury" in w and "vehicle.msrp not given" in w for w in result["warnings"])


@pytest.mark.parametrize(
    ("state", "code", "day_before", "before", "day", "after"),
    [
        ("NC", "registration", "2024-06-30", "38.75", "2024-07-01", "46.25"),
        ("MD", "title", "2025-06-30", "100.00", "2025-07-01", "200.00"),
    ],
)
def test_defaults_are_effective_dated(
    state: str, code: str, day_before: str, before: str, day: str, after: str
) -> None:
    assert fee_amounts(quote_deal(_deal(state, as_of=day_before)))[code] == before
    assert fee_amounts(quote_deal(_deal(state, as_of=day)))[code] == after


# ------------------------------------------------------------------------------- overrides and errors


def test_the_deal_and_the_dealership_template_override_state_defaults() -> None:
    deal = _deal("AZ") | {"fees": [{"code": "registration", "amount": "420.00"}]}
    request = parse_quote_request(deal)
    fees = quote(request, fee_defaults={"title": Decimal("9.00"), "registration": Decimal("1.00")}).fees
    assert {(i.code, i.amount, i.source) for i in fees.items} == {
        ("registration", Decimal("420.00"), "deal"),
        ("title", Decimal("9.00"), "dealership fee template"),
    }


@pytest.mark.parametrize(
    ("fee", "field"),
    [
        ({"code": "registration", "amount": "-5"}, "fees[0].amount"),
        ({"code": "registration", "amount": "NaN"}, "fees[0].amount"),
        ({"code": "registration", "amount": "abc"}, "fees[0].amount"),
        ({"code": "lunch", "amount": "5"}, "fees[0].code"),
    ],
)
def test_bad_fee_override_in_a_deal_names_the_field(fee: dict[str, str], field: str) -> None:
    with pytest.raises(CalcInputError) as caught:
        quote_deal(_deal("AZ") | {"fees": [fee]})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("template", "field"),
    [
        ({"registration": Decimal("-1")}, "fee_defaults.registration"),
        ({"registration": Decimal("Infinity")}, "fee_defaults.registration"),
        ({"title": 12.5}, "fee_defaults.title"),
        ({"parking": Decimal("5")}, "fee_defaults.parking"),
    ],
)
def test_bad_dealership_fee_template_names_the_entry_and_changes_nothing(
    template: dict[str, Any], field: str
) -> None:
    request = parse_quote_request(_deal("AZ"))
    before = quote(request)
    with pytest.raises(CalcInputError) as caught:
        quote(request, fee_defaults=template)
    assert caught.value.field == field
    assert quote(request).fees == before.fees  # the request and the default table are untouched


def test_fee_data_without_a_source_or_with_bad_brackets_is_refused() -> None:
    no_source = {"states": {"ZZ": [{"code": "title", "effective_from": "2020-01-01", "amount": "5"}]}}
    with pytest.raises(RuleDataError, match=r"ZZ\[0\]\.source"):
        compile_fee_defaults(no_source)
    falling = {
        "states": {
            "ZZ": [
                {
                    "code": "registration",
                    "effective_from": "2020-01-01",
                    "source": "test",
                    "basis": "weight_lbs",
                    "brackets": [{"up_to": 4000, "amount": "5"}, {"up_to": 3000, "amount": "6"}],
                }
            ]
        }
    }
    with pytest.raises(RuleDataError, match="brackets must rise"):
        compile_fee_defaults(falling)


def test_fee_table_is_compiled_once() -> None:
    assert fee_defaults() is fee_defaults()
    request = parse_quote_request(_deal("CA"))
    first = quote(request).fees
    assert quote(replace(request)).fees == first


@pytest.mark.parametrize(
    ("as_of", "weight", "expected"),
    [
        ("2024-06-30", 4000, "93.50"),  # $187 for two years before the 2024 change
        ("2024-07-01", 3400, "70.50"),  # Transportation 13-912(b)(1)(i)
        ("2025-07-01", 3600, "85.50"),  # (b)(2)(ii)
        ("2026-06-30", 4000, "126.50"),  # (b)(3)(ii)
        ("2026-07-01", 4000, "151.50"),  # (b)(3)(iii)
    ],
)
def test_maryland_registration_by_weight_follows_the_statutes_dates(
    as_of: str, weight: int, expected: str
) -> None:
    assert fee_amounts(quote_deal(_deal("MD", as_of=as_of, weight_lbs=weight)))["registration"] == expected
