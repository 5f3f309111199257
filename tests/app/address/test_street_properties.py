"""Properties of delivery-line normalisation over generated street addresses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.address import normalize_address

# Names that do not end in a suffix word: "Lake View" alone rightly becomes "LAKE VW".
NAMES = ["MAIN", "Oak", "martin luther king", "Elm", "5th", "Sunset", "Magnolia"]
SUFFIXES = ["Street", "St.", "Avenue", "ave", "Boulevard", "Road", "Drive", "Lane", "Court", "Parkway", ""]
DIRECTIONS = ["North", "s", "East", "W.", "Northeast", "SW", ""]
UNITS = ["", "Apt 4", "Apartment 12B", "Suite 200", "# 7", "#7", "Unit C", "Floor 3"]

lines = st.builds(
    lambda number, pre, name, suffix, post, unit: " ".join(
        part for part in (str(number), pre, name, suffix, post, unit) if part
    ),
    st.integers(min_value=1, max_value=99999),
    st.sampled_from(DIRECTIONS),
    st.sampled_from(NAMES),
    st.sampled_from(SUFFIXES),
    st.sampled_from(DIRECTIONS),
    st.sampled_from(UNITS),
)


@given(lines)
def test_normalising_is_idempotent_and_upper_case(line: str) -> None:
    once = normalize_address(line, None, "Austin", "TX", "78701")
    twice = normalize_address(once.line1, None, "Austin", "TX", "78701")
    assert twice.line1 == once.line1
    assert once.line1 == once.line1.upper()
    assert "." not in once.line1 and "  " not in once.line1


@given(lines)
def test_house_number_and_street_name_survive(line: str) -> None:
    normalized = normalize_address(line, None, "Austin", "TX", "78701").line1
    number = line.split()[0]
    assert normalized.split()[0] == number
    name_words = [w for name in NAMES for w in name.upper().split() if name.lower() in line.lower()]
    assert all(word in normalized.split() for word in name_words)
