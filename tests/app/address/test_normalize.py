"""Address normalisation (USPS Publication 28 style) and the errors a clerk sees."""

from __future__ import annotations

import pytest

from app.address import Address, AddressError, normalize_address


@pytest.mark.parametrize(
    ("line1", "expected"),
    [
        ("123 north main street", "123 N MAIN ST"),
        ("123 Main Street North", "123 MAIN ST N"),
        ("500 N.E. 5th Avenue", "500 NE 5TH AVE"),
        ("742 Evergreen Terrace Southwest", "742 EVERGREEN TER SW"),
        ("1600 Pennsylvania Ave., N.W.", "1600 PENNSYLVANIA AVE NW"),
        ("9 Sunset Boulevard", "9 SUNSET BLVD"),
        ("77  Lakeview   Drive", "77 LAKEVIEW DR"),
        ("10 Sycamore Parkway", "10 SYCAMORE PKWY"),
        ("22 Maple Court", "22 MAPLE CT"),
        ("4 Harbor Highway", "4 HARBOR HWY"),
        ("31 Old Mill Road", "31 OLD MILL RD"),
        ("8 Willow Lane", "8 WILLOW LN"),
        ("123 1/2 W. Elm Ave.", "123 1/2 W ELM AVE"),
    ],
)
def test_suffixes_and_directionals(line1: str, expected: str) -> None:
    assert normalize_address(line1, None, "Austin", "TX", "78701").line1 == expected


@pytest.mark.parametrize(
    ("line1", "expected"),
    [
        ("100 North St", "100 NORTH ST"),  # the street is named North
        ("100 West Avenue", "100 WEST AVE"),
        ("1 Avenue of the Americas", "1 AVENUE OF THE AMERICAS"),  # Avenue is part of the name
        ("12 Ocean Front", "12 OCEAN FRONT"),  # not the "front" unit
        ("55 Court Street", "55 COURT ST"),  # only the last suffix word is the suffix
        ("8 Circle", "8 CIRCLE"),
        ("200 Pier Rd", "200 PIER RD"),
    ],
)
def test_words_that_are_part_of_the_name_are_kept(line1: str, expected: str) -> None:
    assert normalize_address(line1, None, "Austin", "TX", "78701").line1 == expected


@pytest.mark.parametrize(
    ("line1", "expected"),
    [
        ("123 Main St Apartment 4B", "123 MAIN ST APT 4B"),
        ("123 Main St Apt. #4", "123 MAIN ST APT 4"),
        ("123 Main St #4", "123 MAIN ST # 4"),
        ("123 Main St, Suite 200", "123 MAIN ST STE 200"),
        ("123 Main St Building 5 Room 12", "123 MAIN ST BLDG 5 RM 12"),
        ("123 Main St Floor 3", "123 MAIN ST FL 3"),
        ("123 Main St Rear", "123 MAIN ST REAR"),
        ("123 Main St Unit C", "123 MAIN ST UNIT C"),
    ],
)
def test_unit_designators(line1: str, expected: str) -> None:
    assert normalize_address(line1, None, "Austin", "TX", "78701").line1 == expected


@pytest.mark.parametrize(
    ("line1", "expected"),
    [
        ("P.O. Box 55", "PO BOX 55"),
        ("Post Office Box 1200", "PO BOX 1200"),
        ("p o box 9", "PO BOX 9"),
        ("Rural Route 2 Box 5", "RR 2 BOX 5"),
    ],
)
def test_po_boxes_and_rural_routes(line1: str, expected: str) -> None:
    assert normalize_address(line1, None, "Austin", "TX", "78701").line1 == expected


@pytest.mark.parametrize(
    ("line2", "expected"),
    [
        ("Apartment 12", "APT 12"),
        ("suite 200", "STE 200"),
        ("#7", "# 7"),
        ("Floor 3", "FL 3"),
        ("c/o J. Smith", "C/O J SMITH"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_second_line(line2: str | None, expected: str | None) -> None:
    assert normalize_address("1 Main St", line2, "Austin", "TX", "78701").line2 == expected


def test_full_address() -> None:
    address = normalize_address("123 north main street", "apt #4", "austin", "texas", "78701-1234")
    assert address == Address(
        line1="123 N MAIN ST",
        line2="APT 4",
        city="AUSTIN",
        state="TX",
        zip5="78701",
        zip4="1234",
        county="TRAVIS COUNTY",
    )
    assert address.zip == "78701-1234"
    assert address.lines() == ("123 N MAIN ST", "APT 4", "AUSTIN TX 78701-1234")


def test_normalising_twice_changes_nothing() -> None:
    first = normalize_address("1600 Pennsylvania Ave., N.W.", "Suite 2", "Washington", "D.C.", "20500")
    again = normalize_address(first.line1, first.line2, first.city, first.state, first.zip)
    assert again == first


@pytest.mark.parametrize(
    ("state", "code"), [("Texas", "TX"), ("tx", "TX"), ("T.X.", "TX"), ("new york", "NY"), ("N.Y.", "NY")]
)
def test_state_names_become_codes(state: str, code: str) -> None:
    city, zip5 = {"TX": ("Austin", "78701"), "NY": ("New York", "10001")}[code]
    assert normalize_address("1 Main St", None, city, state, zip5).state == code


@pytest.mark.parametrize(
    ("city", "zip5", "expected"),
    [
        ("St. Louis", "63101", "SAINT LOUIS"),  # USPS spells the preferred name out
        ("ST LOUIS", "63101", "SAINT LOUIS"),
        ("Manhattan", "10001", "NEW YORK"),  # a local name USPS does not deliver under
        ("Ramey", "00603", "RAMEY"),  # an accepted alternative name is kept
        ("los angeles", "90012", "LOS ANGELES"),
    ],
)
def test_city_takes_the_usps_spelling(city: str, zip5: str, expected: str) -> None:
    state = {"63101": "MO", "10001": "NY", "00603": "PR", "90012": "CA"}[zip5]
    address = normalize_address("1 Main St", None, city, state, zip5)
    assert address.city == expected
    assert address.city_matches_zip


def test_city_not_named_for_the_zip_is_kept_and_flagged() -> None:
    address = normalize_address("1 Main St", None, "Dallas", "TX", "78701")
    assert address.city == "DALLAS"
    assert not address.city_matches_zip
    assert address.county == "TRAVIS COUNTY"  # still the ZIP's county: the user has to confirm


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        (("", None, "Austin", "TX", "78701"), "line1", "missing"),
        (("  , . ", None, "Austin", "TX", "78701"), "line1", "missing"),
        (("123", None, "Austin", "TX", "78701"), "line1", "no street name"),
        (("1 Main St", None, "", "TX", "78701"), "city", "missing"),
        (("1 Main St", None, "Austin 78701", "TX", "78701"), "city", "digits"),
        (("1 Main St", None, "Austin", "", "78701"), "state", "missing"),
        (("1 Main St", None, "Austin", "Tejas", "78701"), "state", "'Tejas'"),
        (("1 Main St", None, "Austin", "CA", "78701"), "state", "TX"),
        (("1 Main St", None, "Austin", "TX", ""), "zip", "missing"),
        (("1 Main St", None, "Austin", "TX", "7870"), "zip", "'7870'"),
        (("1 Main St", None, "Austin", "TX", "00000"), "zip", "does not exist"),
    ],
)
def test_errors_name_the_field(args: tuple[str, None, str, str, str], field: str, words: str) -> None:
    with pytest.raises(AddressError) as caught:
        normalize_address(*args)
    assert caught.value.field == field
    assert words in caught.value.message
    assert str(caught.value).startswith(f"{field}: ")


def test_first_bad_field_in_form_order_is_reported() -> None:
    with pytest.raises(AddressError) as caught:
        normalize_address("", None, "", "XX", "0")
    assert caught.value.field == "line1"
