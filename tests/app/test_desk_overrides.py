"""The desk applies the dealership's tax-rate and fee overrides for the buyer's registration place.

A real store per test; the overrides are saved as the Admin screen saves them (``SettingsService``), or
written as stored by the server or by another version, and read back by ``worksheet_for``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from app.desk import DeskWorksheet, worksheet_for
from app.policy import Principal
from app.services.settings import SettingsService
from app.store.database import Actor, Store
from app.store.models import Dealership
from calc import parse_quote_request, quote_deal
from calc.desking import payment_grid

TRAVIS = {"customer.state": "TX", "customer.county": "TRAVIS COUNTY", "customer.city": "AUSTIN",
          "customer.zip": "78704"}  # fmt: skip
WILLIAMSON = {"customer.state": "TX", "customer.county": "WILLIAMSON COUNTY", "customer.city": "ROUND ROCK",
              "customer.zip": "78664"}  # fmt: skip
START = {"doc_fee": "150.00", "default_apr": "0.0699", "default_term_months": 72}


@pytest.fixture
def dealership(store: Store, tenant_a: str) -> str:
    with store.session(Actor(tenant_a, None, "test")) as session:
        session.add(
            Dealership(id=tenant_a, tenant_id=tenant_a, name="Lot A", state="TX", settings=dict(START))
        )
    return tenant_a


@pytest.fixture
def admin_saves(
    store: Store, dealership: str, make_person: Callable[..., Principal]
) -> Callable[[Mapping[str, str]], None]:
    """Save editor pairs on top of the current ones, as the Admin screen does in the demo."""

    def save(pairs: Mapping[str, str]) -> None:
        service = SettingsService(store, make_person(dealership, "general_manager"))
        current = {entry.key: entry.value for entry in service.entries()}
        service.save({**current, **pairs})

    return save


@pytest.fixture
def desk(
    store: Store, dealership: str, make_person: Callable[..., Principal]
) -> Callable[..., DeskWorksheet]:
    def open_for(place: Mapping[str, str], price: str = "20000", **typed: str) -> DeskWorksheet:
        sheet = worksheet_for(store, make_person(dealership, "salesperson"))
        sheet.as_of = date(2026, 11, 24)
        sheet.load({**place, "vehicle.price": price, **typed})
        return sheet

    return open_for


def _store_settings(store: Store, tenant: str, settings: dict[str, Any]) -> None:
    """Settings written as stored (by the server's pull or another version), not through the editor."""
    with store.session(Actor(tenant, None, "test")) as session:
        row = session.get(Dealership, tenant)
        assert row is not None
        row.settings = settings


def _fees(quote: Mapping[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in quote["fees"]["items"]:
        found.setdefault(item["code"], []).append(item["amount"])
    return found


def test_a_county_override_is_used_for_a_buyer_there_and_not_elsewhere(
    admin_saves: Callable[[Mapping[str, str]], None], desk: Callable[..., DeskWorksheet]
) -> None:
    before = desk(WILLIAMSON).compute(with_grid=False).quotes["cash"]
    admin_saves({"tax_rate.TX/TRAVIS COUNTY": "0.0825"})

    result = desk(TRAVIS).compute(with_grid=False)
    assert result.errors == {}
    cash = result.quotes["cash"]
    assert cash["jurisdiction"]["source"] == "override"
    assert [c["rate"] for c in cash["taxes"]["components"]] == ["0.0825"]
    assert "dealership override" in cash["taxes"]["components"][0]["name"]
    # Texas taxes the doc fee with the price: (20,000 + 150) x 8.25 % = 1,662.375, to the cent 1,662.38.
    assert cash["taxes"]["total"] == "1662.38"
    assert any("override tax_rate.TX/TRAVIS COUNTY" in step for step in cash["explain"])
    assert all(quote["jurisdiction"]["source"] == "override" for quote in result.quotes.values())

    elsewhere = desk(WILLIAMSON).compute(with_grid=False).quotes["cash"]
    assert elsewhere["jurisdiction"]["source"] == "embedded"
    assert elsewhere["taxes"] == before["taxes"]
    assert not any("tax_rate." in step for step in elsewhere["explain"])


def test_the_county_matches_without_its_trailing_word_and_a_zip_override_is_more_specific(
    admin_saves: Callable[[Mapping[str, str]], None], desk: Callable[..., DeskWorksheet]
) -> None:
    admin_saves({"tax_rate.TX/TRAVIS": "0.0825", "tax_rate.TX/78704": "0.07"})
    assert desk(TRAVIS).request("cash")["tax_override"]["rates"][0]["rate"] == "0.07"
    other_zip = desk({**TRAVIS, "customer.zip": "78745"}).request("cash")
    assert other_zip["tax_override"]["rates"][0]["rate"] == "0.0825"


def test_a_dealership_title_fee_replaces_the_state_default_and_registration_stays(
    admin_saves: Callable[[Mapping[str, str]], None], desk: Callable[..., DeskWorksheet]
) -> None:
    state_fees = _fees(desk(TRAVIS).compute(with_grid=False).quotes["cash"])
    admin_saves({"fee.title": "95", "fee.electronic filing": "12.50"})
    quote = desk(TRAVIS).compute(with_grid=False).quotes["cash"]
    fees = _fees(quote)
    assert fees["title"] == ["95.00"]
    assert fees["registration"] == state_fees["registration"]  # no dealership figure: the state's
    assert fees["other"] == ["12.50"]
    expected_total = sum(Decimal(a) for amounts in fees.values() for a in amounts)
    assert Decimal(quote["fees"]["total"]) == expected_total
    assert any("Dealership title fee $95.00 (fee.title)" in step for step in quote["explain"])
    assert any("electronic filing" in step for step in quote["explain"])


def test_a_fee_typed_on_the_desk_wins_over_the_dealership_default(
    admin_saves: Callable[[Mapping[str, str]], None], desk: Callable[..., DeskWorksheet]
) -> None:
    admin_saves({"fee.title": "95"})
    quote = desk(TRAVIS, **{"fees.title": "40"}).compute(with_grid=False).quotes["cash"]
    assert _fees(quote)["title"] == ["40.00"]
    assert any("typed on the desk ($40)" in step for step in quote["explain"])


def test_a_bad_fee_typed_on_the_desk_is_named_on_its_own_field(
    admin_saves: Callable[[Mapping[str, str]], None], desk: Callable[..., DeskWorksheet]
) -> None:
    admin_saves({"fee.title": "95"})
    result = desk(TRAVIS, **{"fees.registration": "-5"}).compute(with_grid=False)
    assert set(result.errors) == {"fees.registration"}
    assert result.quotes == {}


def test_grid_and_solve_use_the_same_overrides_as_the_quote(
    admin_saves: Callable[[Mapping[str, str]], None], desk: Callable[..., DeskWorksheet]
) -> None:
    admin_saves({"tax_rate.TX/TRAVIS COUNTY": "0.0825", "fee.title": "95"})
    sheet = desk(TRAVIS, cash_down="1000")
    result = sheet.compute()
    assert result.grid is not None
    cell = next(c for c in result.grid.finance if c.cash_down == Decimal("1000") and c.term_months == 72)
    assert str(cell.monthly_payment) == result.quotes["finance"]["finance"]["monthly_payment"]
    # The same request without the overrides pays differently: the grid did not just ignore them.
    plain = {k: v for k, v in sheet.request("finance").items() if k not in ("tax_override", "fees")}
    plain_grid = payment_grid(parse_quote_request(plain), (72,), (Decimal("1000"),))
    assert plain_grid.finance[0].monthly_payment != cell.monthly_payment


def test_a_saved_request_re_quotes_the_same_after_the_settings_change(
    admin_saves: Callable[[Mapping[str, str]], None], desk: Callable[..., DeskWorksheet]
) -> None:
    admin_saves({"tax_rate.TX/TRAVIS COUNTY": "0.0825", "fee.title": "95"})
    sheet = desk(TRAVIS)
    saved_request = sheet.request("finance")
    saved_quote = sheet.compute(with_grid=False).quotes["finance"]
    admin_saves({"tax_rate.TX/TRAVIS COUNTY": "0.09", "fee.title": "20"})
    again = quote_deal(saved_request)
    assert again["taxes"] == saved_quote["taxes"] and again["fees"] == saved_quote["fees"]
    assert again["finance"] == saved_quote["finance"]
    assert desk(TRAVIS).compute(with_grid=False).quotes["finance"]["taxes"] != saved_quote["taxes"]


def test_server_shaped_overrides_keep_their_levels_and_state_fees(
    store: Store, dealership: str, desk: Callable[..., DeskWorksheet]
) -> None:
    _store_settings(
        store,
        dealership,
        {
            **START,
            "tax_overrides": [
                {"state": "TX", "county": "TRAVIS COUNTY", "source": "county file",
                 "rates": [{"level": "state", "rate": "0.0625"}, {"level": "county", "rate": "0.01",
                                                                   "name": "Travis surtax"}]},
                {"state": "TX", "county": "TRAVIS COUNTY", "effective_from": "2027-01-01",
                 "rates": [{"level": "state", "rate": "0.2"}]},
            ],
            "fee_overrides": [
                {"code": "title", "amount": "28.00"},
                {"code": "title", "amount": "33.00", "state": "TX"},
                {"code": "title", "amount": "77.00", "state": "OK"},
            ],
        },
    )  # fmt: skip
    quote = desk(TRAVIS).compute(with_grid=False).quotes["cash"]
    components = {c["level"]: c for c in quote["taxes"]["components"]}
    assert components["state"]["rate"] == "0.0625" and components["county"]["rate"] == "0.01"
    assert components["county"]["name"] == "Travis surtax (dealership override)"
    base = Decimal(components["state"]["base"])
    expected = sum(
        ((base * Decimal(rate)).quantize(Decimal("0.01"), ROUND_HALF_UP) for rate in ("0.0625", "0.01")),
        Decimal(0),
    )
    assert Decimal(quote["taxes"]["total"]) == expected  # the 2027 row is not in force yet
    assert _fees(quote)["title"] == ["33.00"]  # Texas's own beats the general one; Oklahoma's is not used


def test_malformed_stored_overrides_leave_built_in_behaviour_and_a_warning(
    store: Store, dealership: str, desk: Callable[..., DeskWorksheet]
) -> None:
    built_in = desk(TRAVIS).compute(with_grid=False).quotes["cash"]
    _store_settings(
        store,
        dealership,
        {
            **START,
            "tax_rate_overrides": {"TX/TRAVIS COUNTY": "eight percent"},
            "fee_overrides": {"title": []},
        },
    )
    result = desk(TRAVIS).compute(with_grid=False)
    assert result.errors == {}
    cash = result.quotes["cash"]
    assert cash["jurisdiction"]["source"] == "embedded"
    assert cash["taxes"] == built_in["taxes"] and cash["fees"] == built_in["fees"]
    assert any("tax_rate.TX/TRAVIS COUNTY" in w and "Admin screen" in w for w in cash["warnings"])
    assert any("fee.title" in w for w in cash["warnings"])


def test_an_override_the_engine_would_refuse_is_left_out_and_the_good_ones_still_apply(
    store: Store, dealership: str, desk: Callable[..., DeskWorksheet]
) -> None:
    _store_settings(
        store,
        dealership,
        {
            **START,
            "tax_overrides": [{"state": "TX", "county": "TRAVIS COUNTY", "rates": [{"level": "county",
                                                                                    "rate": "8.25"}]},
                              {"state": "TX", "rates": [{"level": "bogus", "rate": "0.05"}]}],
            "fee_overrides": [{"code": "title", "amount": "-3"}, {"code": "plate", "amount": "10"}],
        },
    )  # fmt: skip
    result = desk(TRAVIS).compute(with_grid=False)
    assert result.errors == {}
    cash = result.quotes["cash"]
    assert cash["jurisdiction"]["source"] == "embedded"
    assert _fees(cash)["plate"] == ["10.00"] and "-3.00" not in _fees(cash).get("title", [])
    warnings = " | ".join(cash["warnings"])
    assert "tax_rate.TX/TRAVIS COUNTY" in warnings and "tax_overrides[1]" in warnings
    assert "fee.title" in warnings


def test_no_registration_state_means_no_overrides(
    admin_saves: Callable[[Mapping[str, str]], None], desk: Callable[..., DeskWorksheet]
) -> None:
    admin_saves({"tax_rate.TX": "0.05", "fee.title": "95"})
    request = desk({"customer.state": ""}).request("cash")
    assert "tax_override" not in request and "fees" not in request
