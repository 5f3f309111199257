"""VIN validation: the 49 CFR 565.15 check digit on real VINs, and the typos people actually make."""

from __future__ import annotations

import pytest
import vin as vin_package
from hypothesis import given
from hypothesis import strategies as st
from vininfo import Vin as VininfoVin

from app.errors import ValidationError
from app.vin import InvalidVinError, check_digit, validate_vin, with_check_digit

# Real VINs whose ninth character is the check digit the regulation's arithmetic gives.
REAL_VINS = [
    "1HGCM82633A004352",  # 2003 Honda Accord
    "KNDCE3LG2L5073161",  # 2020 Kia Niro EV
    "JH4KA7561PC008269",  # 1993 Acura Legend
    "5FNYF5H59HB011946",  # 2017 Honda Pilot
    "1G4AH59H45G118341",  # 49 CFR 565.15(c) worked example (sum 411, remainder 4)
    "1J9RP1A36A1644345",  # NHTSA new-manufacturer guide, Table V example (check digit 6)
]

ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
vins = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@pytest.mark.parametrize("vin", REAL_VINS)
def test_real_vins_validate_unchanged(vin: str) -> None:
    assert validate_vin(vin) == vin
    assert check_digit(vin) == vin[8]


def test_regulation_examples_give_their_published_digits() -> None:
    assert check_digit("1G4AH59H?5G118341") == "4"
    assert check_digit("1J9RP1A3?A1644345") == "6"


def test_remainder_ten_is_written_x() -> None:
    # Try placeholders until the arithmetic lands on remainder 10; the VIN must then carry "X".
    vin = next(v for v in (f"1FTFW1E5?EFA{n:05d}" for n in range(1000)) if check_digit(v) == "X")
    fixed = with_check_digit(vin)
    assert fixed[8] == "X"
    assert validate_vin(fixed) == fixed


def test_tesla_example_often_quoted_has_wrong_check_digit() -> None:
    # 5YJ3E1EA7KF317000 circulates in documentation but its digits call for "2", not "7".
    with pytest.raises(InvalidVinError) as caught:
        validate_vin("5YJ3E1EA7KF317000")
    assert caught.value.problem == "check_digit"
    assert caught.value.expected_check_digit == "2"
    assert validate_vin("5YJ3E1EA2KF317000") == "5YJ3E1EA2KF317000"


@pytest.mark.parametrize("vin", REAL_VINS)
def test_one_character_changed_is_caught(vin: str) -> None:
    # Change the last serial digit to another digit: every single-character change alters the sum by
    # weight x difference, never a multiple of 11, so the check digit must disagree.
    last = vin[-1]
    corrupted = vin[:-1] + ("1" if last != "1" else "2")
    with pytest.raises(InvalidVinError) as caught:
        validate_vin(corrupted)
    error = caught.value
    assert error.field == "vin"
    assert error.problem == "check_digit"
    assert error.expected_check_digit == check_digit(corrupted)
    assert error.expected_check_digit != vin[8]
    assert repr(error.expected_check_digit) in error.reason
    assert error.vin == corrupted  # what the user typed is kept for the message, not altered


def test_bad_check_digit_accepted_when_overridden() -> None:
    grey_import = "WVWZZZ1JZXW000001"  # European VINs do not use the North American check digit
    with pytest.raises(InvalidVinError):
        validate_vin(grey_import)
    assert validate_vin(grey_import, allow_bad_check_digit=True) == grey_import


@pytest.mark.parametrize(
    ("typed", "position", "hint"),
    [("1HGCM82633AOO4352", 12, "0"), ("1HGCM8Z6I3A004352", 9, "1"), ("QHGCM82633A004352", 1, "0")],
)
def test_i_o_q_rejected_with_hint(typed: str, position: int, hint: str) -> None:
    with pytest.raises(InvalidVinError) as caught:
        validate_vin(typed)
    error = caught.value
    assert error.problem == "character"
    assert f"position {position}" in error.reason
    assert f"did you mean {hint!r}" in error.reason


def test_o_for_zero_suggests_the_valid_vin() -> None:
    with pytest.raises(InvalidVinError) as caught:
        validate_vin("1HGCM82633AOO4352")
    assert caught.value.suggestion == "1HGCM82633A004352"


def test_no_suggestion_when_replacing_lookalikes_does_not_give_a_valid_vin() -> None:
    with pytest.raises(InvalidVinError) as caught:
        validate_vin("1HGCM82633AOO4353")
    assert caught.value.suggestion is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1HGCM82633A00435", "this one has 16"),
        ("1HGCM82633A0043521", "this one has 18"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_wrong_length(typed: str, expected: str) -> None:
    with pytest.raises(InvalidVinError) as caught:
        validate_vin(typed)
    assert expected in caught.value.reason
    assert caught.value.field == "vin"


@pytest.mark.parametrize(("typed", "what"), [("1HGCM826 3A004352", "space"), ("1HGCM8263-A004352", "'-'")])
def test_other_illegal_characters(typed: str, what: str) -> None:
    with pytest.raises(InvalidVinError) as caught:
        validate_vin(typed)
    assert what in caught.value.reason


def test_lowercase_and_surrounding_spaces_normalised() -> None:
    assert validate_vin("  1hgcm82633a004352\n") == "1HGCM82633A004352"


def test_error_is_a_field_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_vin("nope")
    assert caught.value.field == "vin"
    assert isinstance(caught.value, ValueError)


def test_with_check_digit_keeps_the_other_characters() -> None:
    fixed = with_check_digit("5fnyf5h5?hb000123")
    assert fixed[:8] + fixed[9:] == "5FNYF5H5HB000123"
    assert validate_vin(fixed) == fixed


def test_with_check_digit_still_rejects_bad_characters() -> None:
    with pytest.raises(InvalidVinError):
        with_check_digit("5FNYF5H5?HB00O123")


@given(vins)
def test_check_digit_agrees_with_two_independent_implementations(vin: str) -> None:
    expected = vin_package.VIN.calculate_check_digit(vin)
    assert check_digit(vin) == expected
    fixed = with_check_digit(vin)
    # vininfo also refuses U/Z/0 as a year code, which is not what we are comparing here.
    assert VininfoVin(fixed).verify_checksum(check_year=False)


# 49 CFR 565.15(c)(1), written out again here so the test does not borrow the code's table.
TRANSLITERATION = {
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8, "J": 1, "K": 2, "L": 3, "M": 4,
    "N": 5, "P": 7, "R": 9, "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}  # fmt: skip


@given(vins, st.integers(min_value=0, max_value=16), st.sampled_from(ALPHABET))
def test_any_single_substitution_with_a_different_value_is_caught(vin: str, index: int, char: str) -> None:
    valid = with_check_digit(vin)
    if index == 8:
        return  # the check digit itself: covered by the real-VIN cases
    original = valid[index]
    changed = valid[:index] + char + valid[index + 1:]
    if _value(char) == _value(original):
        # Letters sharing a value (A/J, B/K/S...) cannot be told apart by any check digit.
        assert validate_vin(changed) == changed
        return
    with pytest.raises(InvalidVinError):
        validate_vin(changed)


def _value(char: str) -> int:
    return int(char) if char.isdigit() else TRANSLITERATION[char]
