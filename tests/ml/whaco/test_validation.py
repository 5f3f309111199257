"""The shared field checks: every rejection names the field; missing stays missing; 0 stays 0."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal

import numpy as np
import pytest

from ml.validation import FieldError, choice, flag, identifier, number, record


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, "finite"),
        (math.inf, "finite"),
        (-math.inf, "finite"),
        (Decimal("NaN"), "finite"),
        (Decimal("Infinity"), "finite"),
        ("720", "number"),
        (True, "boolean"),
        ([720], "number"),
        (299, "at least 300"),
        (851, "at most 850"),
        (10**400, "too large"),
        (Decimal("1e400"), "finite"),
    ],
)
def test_bad_numbers_are_refused_with_the_field_name(value: object, message: str) -> None:
    with pytest.raises(FieldError) as caught:
        number(value, "fico_score", minimum=300, maximum=850)
    assert caught.value.field == "fico_score"
    assert str(caught.value).startswith("fico_score:")
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_numbers_of_every_numeric_type_are_accepted() -> None:
    assert number(720, "f") == 720.0
    assert number(719.5, "f") == 719.5
    assert number(Decimal("719.50"), "f") == 719.5
    assert number(np.float64(3.5), "f") == 3.5
    assert number(np.int64(4), "f") == 4.0


def test_missing_is_none_and_zero_is_zero() -> None:
    assert number(None, "down") is None
    assert number(0, "down", minimum=0) == 0.0
    assert flag(None, "co_buyer") is None
    assert flag(False, "co_buyer") is False
    assert flag(0, "co_buyer") is False


def test_required_values_must_be_present() -> None:
    with pytest.raises(FieldError, match="seed: is required"):
        number(None, "seed", required=True)
    with pytest.raises(FieldError, match="success: is required"):
        flag(None, "success", required=True)


def test_whole_numbers_and_flags_and_ids() -> None:
    with pytest.raises(FieldError, match="previous_visits: must be a whole number"):
        number(2.5, "previous_visits", integer=True)
    with pytest.raises(FieldError, match="co_buyer"):
        flag("yes", "co_buyer")
    with pytest.raises(FieldError, match="co_buyer"):
        flag(2, "co_buyer")
    assert identifier(7, "deal_id") == identifier(" 7 ", "deal_id") == "7"
    deal = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")
    assert identifier(deal, "deal_id") == identifier(str(deal), "deal_id")
    for bad in (None, "", "   ", True, 1.5):
        with pytest.raises(FieldError, match="deal_id"):
            identifier(bad, "deal_id")


def test_choice_and_record() -> None:
    assert choice("a", "strategy", {"a", "b"}) == "a"
    with pytest.raises(FieldError, match="strategy: must be one of a, b"):
        choice("c", "strategy", {"a", "b"})
    with pytest.raises(FieldError, match="customer: must be a mapping"):
        record([("fico_score", 700)], "customer")
    with pytest.raises(FieldError, match="customer: field names must be strings"):
        record({1: 700}, "customer")
