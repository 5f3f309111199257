"""Tax mechanics beyond the reference's worked examples: schemes, new residents, reciprocity, local
rates and their sources, effective dates, CSV import, fees, and what the engine says when unsure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from calc import parse_quote_request, quote, quote_deal
from calc.fees import fee_defaults
from calc.rules import RuleDataError, rule_book
from calc.rules.book import compile_rule_book
from calc.rules.local_rates import load_local_rates_csv, parse_local_rates_csv

Deal = Callable[..., dict[str, Any]]
NO_FEES = [{"code": "title", "amount": "0"}, {"code": "registration", "amount": "0"}]


def _total(result: dict[str, Any]) -> Decimal:
    return Decimal(result["taxes"]["total"])


def _simple(state: str, price: str = "30000.00", **extra: Any) -> dict[str, Any]:
    deal: dict[str, Any] = {
        "deal_type": "cash",
        "as_of": "2026-06-01",
        "customer": {"state": state},
        "vehicle": {"price": price},
        "fees": NO_FEES,
    }
    deal.update(extra)
    return deal


def test_ga_new_resident_pays_the_reduced_tavt_rate() -> None:
    regular = quote_deal(_simple("GA"))
    newcomer = quote_deal(_simple("GA", customer={"state": "GA", "new_resident": True}))
    assert _total(regular) == Decimal("2100.00")  # 7 % of 30,000
    assert _total(newcomer) == Decimal("900.00")  # 3 %
    assert any("New resident" in step for step in newcomer["explain"])


def test_ga_tavt_uses_book_value_when_it_is_higher() -> None:
    result = quote_deal(_simple("GA", vehicle={"price": "20000", "book_value": "25000"}))
    assert result["taxes"]["taxable_base"] == "25000.00"


def test_nc_hut_is_capped_for_a_new_resident_and_sc_charges_a_flat_fee() -> None:
    assert _total(quote_deal(_simple("NC"))) == Decimal("900.00")
    assert _total(quote_deal(_simple("NC", customer={"state": "NC", "new_resident": True}))) == Decimal(
        "250.00"
    )
    assert _total(quote_deal(_simple("SC", customer={"state": "SC", "new_resident": True}))) == Decimal(
        "250.00"
    )
    assert _total(quote_deal(_simple("SC"))) == Decimal("500.00")


def test_reciprocity_credit_is_limited_to_this_states_tax() -> None:
    plain = quote_deal(_simple("TX"))
    credited = quote_deal(_simple("TX", origin_tax_paid={"state": "OK", "amount": "1000.00"}))
    over = quote_deal(_simple("TX", origin_tax_paid={"state": "OK", "amount": "99999.00"}))
    assert _total(plain) - _total(credited) == Decimal("1000.00")
    assert credited["taxes"]["reciprocity_credit"] == "1000.00"
    assert _total(over) == 0


def test_no_reciprocity_where_the_state_gives_none_and_a_warning_where_unverified() -> None:
    ms = quote_deal(_simple("MS", origin_tax_paid={"state": "AL", "amount": "500"}))
    assert ms["taxes"]["reciprocity_credit"] == "0.00"
    assert any("no credit" in step for step in ms["explain"])
    ga = quote_deal(_simple("GA", origin_tax_paid={"state": "FL", "amount": "500"}))
    assert ga["taxes"]["reciprocity_credit"] == "0.00"
    assert any("not verified" in w for w in ga["warnings"])


def test_out_of_state_buyer_uses_the_registration_states_rules_and_warns(make_deal: Deal) -> None:
    result = quote_deal(make_deal(customer={"state": "OK"}, fees=NO_FEES))
    assert result["jurisdiction"]["state"] == "OK"
    assert any("dealer is in TX" in w for w in result["warnings"])


def test_unverified_rules_are_flagged_not_guessed() -> None:
    ak = quote_deal(_simple("AK", trade_ins=[{"allowance": "5000"}]))
    assert any("Trade-in credit in AK is not verified" in w for w in ak["warnings"])
    assert any("low-confidence" in w for w in ak["warnings"])
    ky = quote_deal(_simple("KY", doc_fee="300"))
    assert any("Doc fee taxability in KY is not verified" in w for w in ky["warnings"])


def test_chicago_local_rates_and_their_sources_are_stated() -> None:
    result = quote_deal(_simple("IL", customer={"state": "IL", "county": "Cook County", "city": "Chicago"}))
    rates = result["jurisdiction"]["rates"]
    # A titled vehicle pays 9.5 %, not Chicago's 10.25 % general merchandise rate: Cook County's 1.75 %
    # home rule ROT excludes titled items (55 ILCS 5/5-1006); the county's 1 % use tax applies instead.
    assert sum(Decimal(r["rate"]) for r in rates) == Decimal("0.095")
    county = [r for r in rates if r["level"] == "county"]
    assert [Decimal(r["rate"]) for r in county] == [Decimal("0.01")]
    assert "use tax" in county[0]["name"]
    assert result["jurisdiction"]["source"] == "embedded"
    assert any("Illinois DOR" in s for s in result["jurisdiction"]["rate_sources"])
    assert any("55 ILCS 5/5-1006" in s for s in result["jurisdiction"]["rate_sources"])
    # 6.25 % state + 1 % Cook County use tax + 1 % RTA + 1.25 % Chicago = 9.5 % of 30,000
    assert _total(result) == Decimal("2850.00")


@pytest.mark.parametrize(
    ("state", "county", "city", "combined"),
    [
        ("CA", "Los Angeles", "Los Angeles", "0.0975"),
        ("AZ", "Maricopa", "Phoenix", "0.091"),  # 5.6 % + 0.7 % + Phoenix 2.8 % (from 2025-07-01; tiered)
        ("FL", "Miami-Dade", "Miami", "0.07"),
        ("WA", "King", "Seattle", "0.1085"),  # 6.5 % + 3.85 % local + 0.5 % motor vehicle tax (2026)
        ("OH", "Franklin", "Columbus", "0.075"),
        ("NY", "New York", "New York", "0.08875"),
        ("TX", "Travis", "Austin", "0.0625"),  # local sales taxes do not reach motor vehicles in TX
        ("GA", "Fulton", "Atlanta", "0.07"),  # TAVT replaces sales tax
        ("NC", "Mecklenburg", "Charlotte", "0.03"),  # HUT replaces sales tax
    ],
)
def test_demo_jurisdictions_have_embedded_rates(state: str, county: str, city: str, combined: str) -> None:
    result = quote_deal(_simple(state, customer={"state": state, "county": county, "city": city}))
    assert sum(Decimal(r["rate"]) for r in result["jurisdiction"]["rates"]) == Decimal(combined)
    assert not any("no local rate is on file" in w for w in result["warnings"])


def test_local_rate_changes_on_its_effective_date() -> None:
    before = quote_deal(_simple("CA", as_of="2025-03-31", customer={"state": "CA", "county": "Los Angeles"}))
    after = quote_deal(_simple("CA", as_of="2025-04-01", customer={"state": "CA", "county": "Los Angeles"}))
    assert _total(after) - _total(before) == Decimal("75.00")  # 0.25 % of 30,000


def test_missing_local_rate_is_a_warning() -> None:
    result = quote_deal(_simple("CO", customer={"state": "CO", "county": "Nowhere"}))
    assert any("no local rate is on file" in w for w in result["warnings"])


def test_state_rules_follow_the_delivery_date() -> None:
    md_before = quote_deal(_simple("MD", as_of="2025-06-30"))
    md_after = quote_deal(_simple("MD", as_of="2025-07-01"))
    assert (_total(md_before), _total(md_after)) == (Decimal("1800.00"), Decimal("1950.00"))
    wa_2025 = quote_deal(_simple("WA", as_of="2025-12-31"))
    wa_2026 = quote_deal(_simple("WA", as_of="2026-01-01"))
    assert _total(wa_2026) - _total(wa_2025) == Decimal("60.00")  # 0.3 % -> 0.5 % of 30,000
    mi_trade = {"trade_ins": [{"allowance": "15000"}]}
    mi_2025 = quote_deal(_simple("MI", as_of="2025-05-01", **mi_trade))
    assert mi_2025["taxes"]["trade_in_credit"] == "11000.00"


def test_dealer_rate_file_in_csv_format_is_used() -> None:
    table = parse_local_rates_csv(
        "state,county,city,zip,level,name,rate,effective_from,source\n"
        "CO,Denver,,,county,Denver RTD + city,0.0481,2024-01-01,Colorado DOR DR 1002\n"
        "CO,,,80202,city,Denver ZIP 80202,0.05,2024-01-01,Colorado DOR DR 1002\n",
        label="dealer.csv",
    )
    request = parse_quote_request(_simple("CO", customer={"state": "CO", "county": "Denver"}))
    result = quote(request, local_rates=table)
    assert [r.rate for r in result.jurisdiction.rates] == [Decimal("0.029"), Decimal("0.0481")]
    by_zip = quote(
        parse_quote_request(_simple("CO", customer={"state": "CO", "zip": "80202"})), local_rates=table
    )
    assert by_zip.jurisdiction.rates[-1].name == "Denver ZIP 80202"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("CO,Denver,,,county,x,abc,2024-01-01,src", "line 2: rate"),
        ("CO,Denver,,,planet,x,0.01,2024-01-01,src", "line 2: level"),
        ("CO,Denver,,,county,x,0.01,2024-01-01,", "line 2: source"),
        ("CO,Denver,,,county,x,0.01,01/01/2024,src", "line 2: effective_from"),
    ],
)
def test_bad_rate_file_names_the_line(row: str, message: str) -> None:
    with pytest.raises(RuleDataError, match=message):
        parse_local_rates_csv(
            "state,county,city,zip,level,name,rate,effective_from,source\n" + row, label="f"
        )


def test_rule_data_is_validated_when_compiled() -> None:
    bad = {
        "rules_version": "x",
        "states": {
            "TX": {
                "name": "Texas",
                "tax_name": "t",
                "confidence": "high",
                "versions": [
                    {
                        "effective_from": "2000-01-01",
                        "state_components": [{"level": "state", "name": "t", "rate": "0.0625"}],
                    }
                ],
            }
        },
    }
    with pytest.raises(RuleDataError, match="source"):
        compile_rule_book(bad)


def test_every_state_rate_carries_a_source() -> None:
    book = rule_book()
    assert len(book.states) == 51
    for timeline in book.states.values():
        for version in timeline.versions:
            assert all(c.source for c in version.components)
            assert version.sources


def test_electric_vehicle_is_exempt_from_dc_excise() -> None:
    ev = quote_deal(
        _simple("DC", vehicle={"price": "40000", "fuel": "electric", "weight_lbs": 4000, "city_mpg": 100})
    )
    assert _total(ev) == 0


def test_used_vehicle_tiers_and_excise() -> None:
    ar = quote_deal(_simple("AR", vehicle={"price": "8000", "condition": "used"}))
    assert _total(ar) == Decimal("280.00")  # 3.5 % tier for $4,000-$10,000
    ok = quote_deal(_simple("OK", vehicle={"price": "11500", "condition": "used"}))
    # $20 on the first $1,500 + 3.25 % of $10,000, plus 1.25 % sales tax on $11,500
    assert _total(ok) == Decimal("20.00") + Decimal("325.00") + Decimal("143.75")


def test_tennessee_single_article_on_a_cheap_car() -> None:
    override = {"rates": [{"level": "state", "rate": "0.07"}, {"level": "county", "rate": "0.0225"}]}
    deal = _simple("TN", price="2000.00", tax_override=override)
    taxes = quote_deal(deal)["taxes"]
    # 7 % of 2,000 + 2.25 % of the first 1,600 + 2.75 % of the 400 between 1,600 and 3,200
    assert taxes["total"] == "187.00"


def test_state_fee_defaults_apply_unless_the_deal_gives_them() -> None:
    defaulted = quote_deal({**_simple("TX"), "fees": []})
    assert {i["code"]: i["amount"] for i in defaulted["fees"]["items"]} == {
        "title": "33.00",
        "registration": "50.75",
    }
    given = quote_deal({**_simple("TX"), "fees": [{"code": "title", "amount": "28.00"}]})
    assert {i["code"]: i["amount"] for i in given["fees"]["items"]} == {
        "title": "28.00",
        "registration": "50.75",
    }
    # Pennsylvania's title and registration defaults are on file from 2023-07-01 only: a deal dated the
    # day before gets no invented fee, just a warning for each.
    pa_from = min(row.effective_from for row in fee_defaults()["PA"])
    unknown = quote_deal({**_simple("PA"), "as_of": (pa_from - timedelta(days=1)).isoformat(), "fees": []})
    assert unknown["fees"]["items"] == [] and unknown["fees"]["total"] == "0.00"
    assert any("No default title fee on file for PA" in w for w in unknown["warnings"])
    assert any("No default registration fee on file for PA" in w for w in unknown["warnings"])
    in_force = quote_deal({**_simple("PA"), "as_of": pa_from.isoformat(), "fees": []})
    assert {i["code"] for i in in_force["fees"]["items"]} == {"title", "registration"}


def test_cash_total_due_adds_up(make_deal: Deal) -> None:
    result = quote_deal(
        make_deal(fees=[{"code": "title", "amount": "33"}, {"code": "registration", "amount": "50"}])
    )
    # 35,000 + 150 doc + 83 fees + 2,000 product + tax - 2,000 rebates - 4,000 net trade equity
    expected = Decimal("31233.00") + _total(result)
    assert Decimal(result["cash"]["total_due"]) == expected


def test_finance_amount_financed_builds_from_the_cash_price(make_deal: Deal) -> None:
    cash = quote_deal(make_deal(fees=NO_FEES))
    financed = quote_deal(
        make_deal(fees=NO_FEES, deal_type="finance", finance={"apr": "0.0699", "term_months": 72})
    )
    f = financed["finance"]
    assert Decimal(f["amount_financed"]) == Decimal(cash["cash"]["total_due"]) - Decimal("3000.00")
    assert Decimal(f["total_of_payments"]) == Decimal(f["amount_financed"]) + Decimal(f["finance_charge"])


def test_lease_due_at_signing_is_itemised_once(make_deal: Deal) -> None:
    deal = make_deal(
        deal_type="lease",
        customer={"state": "CA", "county": "Los Angeles"},
        fees=[{"code": "registration", "amount": "400"}, {"code": "title", "amount": "0"}],
        products=[],
        trade_ins=[],
        rebates=[],
        lease={
            "term_months": 36,
            "money_factor": "0.00125",
            "residual_value": "21000",
            "acquisition_fee": "695",
            "acquisition_fee_capitalized": False,
            "security_deposit": "500",
        },
    )
    lease = quote_deal(deal)["lease"]
    items = {i["label"]: Decimal(i["amount"]) for i in lease["due_at_signing_items"]}
    assert sum(items.values()) == Decimal(lease["due_at_signing"])
    assert items["acquisition fee"] == Decimal("695.00")
    assert items["upfront tax"] == Decimal(lease["upfront_tax"])
    assert items["first monthly payment"] == Decimal(lease["monthly_payment"])
    # Not capitalized, so not in the cap cost as well.
    assert lease["gross_cap_cost"] == "35000.00"


def test_lease_apr_converts_to_the_money_factor(make_deal: Deal) -> None:
    by_apr = quote_deal(
        make_deal(deal_type="lease", lease={"term_months": 36, "apr": "0.03", "residual_value": "20000"})
    )
    by_mf = quote_deal(
        make_deal(
            deal_type="lease", lease={"term_months": 36, "money_factor": "0.00125", "residual_value": "20000"}
        )
    )
    assert by_apr["lease"]["base_monthly_payment"] == by_mf["lease"]["base_monthly_payment"]


def test_rules_in_force_are_looked_up_once_per_date() -> None:
    book = rule_book()
    assert book.for_state("MD", date(2025, 7, 1)) is book.for_state("MD", date(2026, 1, 1))


def test_phoenix_quote_taxes_the_portion_over_the_single_item_threshold_at_the_lower_city_rate() -> None:
    # Phoenix: 2.8 % on the first $14,338 of a single item, 2 % on the rest (2026); the county's 0.7 % stays
    # flat. The figures after 2025-07-01 are not confirmed on ADOR's table, so the quote says so.
    result = quote_deal(_simple("AZ", customer={"state": "AZ", "county": "Maricopa", "city": "Phoenix"}))
    city = [c for c in result["taxes"]["components"] if c["level"] == "city"]
    assert [(c["base"], c["rate"], c["amount"]) for c in city] == [
        ("14338.00", "0.028", "401.46"),  # 14,338 x 2.8 %
        ("15662.00", "0.02", "313.24"),  # (30,000 - 14,338) x 2 %
    ]
    assert "portion over $14,338" in city[1]["name"]
    assert any("Phoenix" in w and "ADOR" in w for w in result["warnings"])
    assert any("portion over $14,338" in step for step in result["explain"])


def test_zip_alone_finds_the_county_and_its_rates() -> None:
    result = quote_deal(_simple("IL", customer={"state": "IL", "zip": "60601"}))
    assert result["jurisdiction"]["county"] == "Cook County"
    assert _total(result) == Decimal("2850.00")  # Chicago's 9.5 % vehicle rate on 30,000
    wrong_state = quote_deal(_simple("TX", customer={"state": "TX", "zip": "60601"}))
    assert any("is in IL, not TX" in w for w in wrong_state["warnings"])


@pytest.mark.parametrize(
    ("as_of", "rate"), [("2023-06-30", "0.045"), ("2026-06-01", "0.042"), ("2027-07-01", "0.045")]
)
def test_sd_leases_pay_the_gross_receipts_tax_not_the_excise(as_of: str, rate: str) -> None:
    deal = _simple(
        "SD",
        price="40000.00",
        as_of=as_of,
        deal_type="lease",
        lease={"term_months": 36, "money_factor": "0.00125", "residual_value": "24000"},
    )
    result = quote_deal(deal)
    monthly = [c for c in result["taxes"]["components"] if c["timing"] == "monthly"]
    assert [c["rate"] for c in monthly] == [rate]
    base_payment = Decimal(result["lease"]["base_monthly_payment"])
    assert Decimal(result["taxes"]["monthly"]) == (base_payment * Decimal(rate)).quantize(Decimal("0.01"))
    # A sale still pays the 4 % excise.
    assert _total(quote_deal(_simple("SD", as_of=as_of))) == Decimal("1200.00")


def test_arkansas_used_vehicle_band_starts_in_2022() -> None:
    used = {"price": "8000", "condition": "used"}
    assert _total(quote_deal(_simple("AR", as_of="2021-12-31", vehicle=used))) == Decimal("520.00")  # 6.5 %
    assert _total(quote_deal(_simple("AR", as_of="2022-01-01", vehicle=used))) == Decimal("280.00")  # 3.5 %
    assert _total(quote_deal(_simple("AR", as_of="2021-12-31", vehicle={**used, "price": "3000"}))) == 0


def test_dealership_fee_template_overrides_state_defaults_but_not_the_deal() -> None:
    template = {"title": Decimal("40.00"), "registration": Decimal("60.00"), "inspection": Decimal("7.50")}
    request = parse_quote_request({**_simple("TX"), "fees": [{"code": "registration", "amount": "55.00"}]})
    fees = quote(request, fee_defaults=template).fees
    assert {i.code: i.amount for i in fees.items} == {
        "registration": Decimal("55.00"),
        "title": Decimal("40.00"),
        "inspection": Decimal("7.50"),
    }
    assert fees.total == Decimal("102.50")


def test_fee_defaults_by_weight_and_by_age() -> None:
    dc = quote_deal(
        {**_simple("DC", vehicle={"price": "30000", "weight_lbs": 4200, "city_mpg": 30}), "fees": []}
    )
    assert {i["code"]: i["amount"] for i in dc["fees"]["items"]} == {
        "title": "26.00",
        "registration": "175.00",
    }
    mt_new = quote_deal({**_simple("MT", vehicle={"price": "30000", "model_year": 2025}), "fees": []})
    mt_old = quote_deal({**_simple("MT", vehicle={"price": "9000", "model_year": 2012}), "fees": []})
    assert [i["amount"] for i in mt_new["fees"]["items"] if i["code"] == "registration"] == ["217.00"]
    assert [i["amount"] for i in mt_old["fees"]["items"] if i["code"] == "registration"] == ["28.00"]
    unknown_weight = quote_deal({**_simple("DC"), "fees": []})
    assert any("vehicle.weight_lbs was not given" in w for w in unknown_weight["warnings"])


@pytest.mark.parametrize(
    ("as_of", "tax"), [("2024-09-30", "0.00"), ("2025-01-15", "1656.25"), ("2025-07-01", "3312.50")]
)
def test_nj_zero_emission_vehicle_rate_follows_the_phase_in(as_of: str, tax: str) -> None:
    # $50,000 EV: exempt, then half rate (3.3125 %), then the full 6.625 %; never the LFIVS surcharge.
    result = quote_deal(_simple("NJ", as_of=as_of, vehicle={"price": "50000", "fuel": "electric"}))
    assert result["taxes"]["total"] == tax


def test_dealer_rate_file_loads_from_disk_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(
        "\ufeffstate,county,city,zip,level,name,rate,effective_from,source\n"
        "KS,Johnson,,,county,Johnson County,0.01475,2024-01-01,Kansas DOR Pub KS-1700\n",
        encoding="utf-8",
    )
    table = load_local_rates_csv(path)
    result = quote(
        parse_quote_request(_simple("KS", customer={"state": "KS", "county": "Johnson County"})),
        local_rates=table,
    )
    assert result.jurisdiction.rates[-1].rate == Decimal("0.01475")
    assert "Kansas DOR Pub KS-1700" in result.jurisdiction.rate_sources


def test_same_request_gives_the_same_quote_and_is_not_changed() -> None:
    request = parse_quote_request(_simple("CA", customer={"state": "CA", "county": "Los Angeles"}))
    first, second = quote(request), quote(request)
    assert first == second
    assert list(first.explain) == list(second.explain)
    assert any("rounded half-up" in step for step in first.explain)
    with pytest.raises(AttributeError):
        request.cash_down = Decimal("1")  # type: ignore[misc]


def test_override_rates_equal_to_the_states_keep_their_treatment() -> None:
    override = {"rates": [{"level": "state", "rate": "0.0325"}, {"level": "state", "rate": "0.0125"}]}
    deal = _simple("OK", price="30000", trade_ins=[{"allowance": "10000"}])
    embedded = quote_deal(deal)
    overridden = quote_deal({**deal, "tax_override": override})
    # The 3.25 % excise still takes no trade-in credit: 975.00 + 1.25 % of 20,000.
    assert embedded["taxes"]["total"] == overridden["taxes"]["total"] == "1225.00"
    assert overridden["jurisdiction"]["source"] == "override"


def test_total_sale_price_is_cash_price_plus_finance_charge(make_deal: Deal) -> None:
    result = quote_deal(
        make_deal(fees=NO_FEES, deal_type="finance", finance={"apr": "0.0599", "term_months": 60})
    )
    f = result["finance"]
    # Cash price: 35,000 - 500 dealer discount + 150 doc + 2,000 product + tax (no negative equity here).
    cash_price = Decimal("36650.00") + _total(result)
    assert Decimal(f["total_sale_price"]) == cash_price + Decimal(f["finance_charge"])
    # Downpayment: 3,000 cash + 1,500 manufacturer rebate + 4,000 trade equity.
    assert f["down_payment"] == "8500.00"


def _book(versions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rules_version": "t",
        "states": {"TX": {"name": "Texas", "tax_name": "t", "confidence": "high", "versions": versions}},
    }


_BASE_VERSION: dict[str, Any] = {
    "effective_from": "2000-01-01",
    "state_components": [{"level": "state", "name": "t", "rate": "0.0625", "source": "s"}],
}


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        ([{**_BASE_VERSION, "surprise": 1}], "unknown fields"),
        ([_BASE_VERSION, {"effective_from": "1999-01-01"}], "increasing effective_from"),
        ([{**_BASE_VERSION, "mechanics": [{"kind": "mystery", "source": "s"}]}], "unknown mechanic"),
        ([{**_BASE_VERSION, "trade_in": "capped"}], "trade_in_cap"),
        ([{**_BASE_VERSION, "lease": {"method": "whenever"}}], "unknown lease method"),
        (
            [{**_BASE_VERSION, "state_components": [{"name": "t", "rate": "1.5", "source": "s"}]}],
            "out of range",
        ),
    ],
)
def test_malformed_rule_data_is_refused_with_the_place_named(
    versions: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(RuleDataError, match=message):
        compile_rule_book(_book(versions))


def test_rule_versions_merge_only_the_fields_they_change() -> None:
    book = compile_rule_book(
        _book([{**_BASE_VERSION, "trade_in": "full"}, {"effective_from": "2030-01-01", "trade_in": "none"}])
    )
    before, after = book.for_state("TX", date(2029, 12, 31)), book.for_state("TX", date(2030, 1, 1))
    assert before is not None and after is not None
    assert (before.trade_in, after.trade_in) == ("full", "none")
    assert before.components == after.components
    assert book.for_state("TX", date(1999, 12, 31)) is None
