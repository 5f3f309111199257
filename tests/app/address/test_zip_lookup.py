"""ZIP -> city/state/county against the real USPS-derived data in the ``zipcodes`` package."""

from __future__ import annotations

import pytest

from app.address import AddressError, counties_in_state, lookup_zip, parse_zip, zips_in_state
from app.errors import ValidationError


@pytest.mark.parametrize(
    ("zip5", "city", "state", "county", "timezone"),
    [
        ("78701", "AUSTIN", "TX", "TRAVIS COUNTY", "America/Chicago"),
        ("60601", "CHICAGO", "IL", "COOK COUNTY", "America/Chicago"),
        ("90012", "LOS ANGELES", "CA", "LOS ANGELES COUNTY", "America/Los_Angeles"),
        ("30303", "ATLANTA", "GA", "FULTON COUNTY", "America/New_York"),
        ("70112", "NEW ORLEANS", "LA", "ORLEANS PARISH", "America/Chicago"),
        ("20500", "WASHINGTON", "DC", "DISTRICT OF COLUMBIA", "America/New_York"),
    ],
)
def test_known_zips(zip5: str, city: str, state: str, county: str, timezone: str) -> None:
    info = lookup_zip(zip5)
    found = (info.zip5, info.city, info.state, info.county, info.timezone)
    assert found == (zip5, city, state, county, timezone)
    assert info.active


def test_acceptable_alternative_city_names() -> None:
    assert "RAMEY" in lookup_zip("00603").acceptable_cities


def test_independent_city_county_has_no_periods() -> None:
    # The data spells it "St. Louis city"; USPS style drops the period.
    assert lookup_zip("63101").county == "ST LOUIS CITY"


@pytest.mark.parametrize("typed", ["78701-1234", "787011234", "78701 1234", "  78701  "])
def test_zip_plus_four_and_spacing_accepted(typed: str) -> None:
    assert lookup_zip(typed).city == "AUSTIN"


def test_parse_zip_keeps_the_plus_four() -> None:
    assert parse_zip("78701-1234") == ("78701", "1234")
    assert parse_zip("78701") == ("78701", None)


def test_unknown_zip_is_an_error_not_a_default() -> None:
    with pytest.raises(AddressError) as caught:
        lookup_zip("00000")
    assert caught.value.field == "zip"
    assert "00000" in caught.value.message
    assert "does not exist" in caught.value.message


def test_retired_zip_is_an_error() -> None:
    # 01133 (a former unique ZIP in Springfield MA) is in the list but inactive.
    with pytest.raises(AddressError) as caught:
        lookup_zip("01133")
    assert caught.value.field == "zip"
    assert "no longer in service" in caught.value.message


@pytest.mark.parametrize("typed", ["7870", "787012", "ABCDE", "", "   ", "78701-12", "78701-ABCD", "78 701"])
def test_malformed_zip_names_the_zip_field(typed: str) -> None:
    with pytest.raises(AddressError) as caught:
        lookup_zip(typed)
    assert caught.value.field == "zip"


def test_zip_in_another_state_names_the_state_field() -> None:
    with pytest.raises(AddressError) as caught:
        lookup_zip("78701", state="CA")
    error = caught.value
    assert error.field == "state"
    assert "TX" in error.message and "CA" in error.message


@pytest.mark.parametrize("state", ["TX", "tx", "Texas", " texas "])
def test_matching_state_in_any_spelling(state: str) -> None:
    assert lookup_zip("78701", state=state).state == "TX"


def test_bad_state_while_checking_zip() -> None:
    with pytest.raises(AddressError) as caught:
        lookup_zip("78701", state="Texass")
    assert caught.value.field == "state"


def test_errors_are_field_validation_errors() -> None:
    with pytest.raises(ValidationError):
        lookup_zip("nope")
    with pytest.raises(ValueError):
        lookup_zip("00000")


def test_zips_in_state_are_deliverable_and_in_that_state() -> None:
    texas = zips_in_state("Texas")
    assert len(texas) > 1000
    assert {z.state for z in texas} == {"TX"}
    assert all(z.active and z.county and z.kind == "STANDARD" for z in texas)
    assert [z.zip5 for z in texas] == sorted(z.zip5 for z in texas)
    assert "78701" in {z.zip5 for z in texas}


def test_counties_in_state() -> None:
    counties = counties_in_state("TX")
    assert "TRAVIS COUNTY" in counties
    assert "COOK COUNTY" not in counties
    assert "ORLEANS PARISH" in counties_in_state("LA")


def test_zip_given_as_a_number_is_refused() -> None:
    # 02134 stored as an int is 2134: guessing the lost zero could pick the wrong town.
    with pytest.raises(AddressError) as caught:
        lookup_zip(2134)  # type: ignore[arg-type]
    assert caught.value.field == "zip"
    assert "text" in caught.value.message
