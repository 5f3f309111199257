"""Tax jurisdiction: the ZIP gives defaults, what the user confirms wins."""

from __future__ import annotations

import pytest

from app.address import AddressError, Jurisdiction, normalize_address, state_code, tax_jurisdiction


def test_defaults_come_from_the_zip_and_are_marked_unconfirmed() -> None:
    address = normalize_address("1100 Congress Ave", None, "Austin", "TX", "78701")
    assert tax_jurisdiction(address) == Jurisdiction(
        state="TX", county="TRAVIS COUNTY", city="AUSTIN", zip5="78701",
        county_confirmed=False, city_confirmed=False,
    )  # fmt: skip


def test_confirmed_county_and_city_are_kept() -> None:
    # 78701 defaults to Travis; a user who confirms another county and an unincorporated place keeps them.
    address = normalize_address("1 Main St", None, "Austin", "TX", "78701")
    jurisdiction = tax_jurisdiction(address, county="Williamson County", city="Round Rock")
    assert (jurisdiction.county, jurisdiction.city) == ("WILLIAMSON COUNTY", "ROUND ROCK")
    assert jurisdiction.county_confirmed and jurisdiction.city_confirmed
    assert (jurisdiction.state, jurisdiction.zip5) == ("TX", "78701")


@pytest.mark.parametrize(
    ("state", "city", "zip5", "typed", "county"),
    [
        ("TX", "Austin", "78701", "travis", "TRAVIS COUNTY"),
        ("LA", "New Orleans", "70112", "Orleans", "ORLEANS PARISH"),
        ("MO", "St Louis", "63101", "St. Louis City", "ST LOUIS CITY"),
    ],
)
def test_confirmed_county_without_the_word_county(
    state: str, city: str, zip5: str, typed: str, county: str
) -> None:
    address = normalize_address("1 Main St", None, city, state, zip5)
    assert tax_jurisdiction(address, county=typed).county == county


def test_blank_confirmation_means_not_confirmed() -> None:
    address = normalize_address("1 Main St", None, "Chicago", "IL", "60601")
    jurisdiction = tax_jurisdiction(address, county="  ", city="")
    assert (jurisdiction.county, jurisdiction.city) == ("COOK COUNTY", "CHICAGO")
    assert not jurisdiction.county_confirmed and not jurisdiction.city_confirmed


def test_county_of_another_state_is_rejected() -> None:
    address = normalize_address("1 Main St", None, "Atlanta", "GA", "30303")
    with pytest.raises(AddressError) as caught:
        tax_jurisdiction(address, county="Travis")
    assert caught.value.field == "county"
    assert "GA" in caught.value.message


@pytest.mark.parametrize(
    ("typed", "code"),
    [("CA", "CA"), ("california", "CA"), ("District of Columbia", "DC"), ("Washington D.C.", "DC"),
     ("Puerto Rico", "PR"), ("ae", "AE"), ("West Virginia", "WV")],
)  # fmt: skip
def test_state_codes(typed: str, code: str) -> None:
    assert state_code(typed) == code


@pytest.mark.parametrize("typed", ["XX", "Calif", "Virginia West", "12"])
def test_unknown_states(typed: str) -> None:
    with pytest.raises(AddressError) as caught:
        state_code(typed)
    assert caught.value.field == "state"
    assert repr(typed) in caught.value.message
