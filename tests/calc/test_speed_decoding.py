"""Quote lines are read with orjson when that gives the very objects the exact decoder gives (numbers
with a fraction or exponent as Decimal, ints of any size as int, the json module's error text)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.cli import decode_exact, decode_line

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**9, min_value=-(10**9))
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
    | st.sampled_from(["x: 1.5", ", 2e5", "[1.0]", '"quoted"', "back\\slash"])
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _text(value: Any, spacing: bool) -> str:
    return json.dumps(value, separators=(", ", ": ") if spacing else (",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # only for writing the test document; the read-back is compared exactly
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@settings(max_examples=300, deadline=None)
@given(documents, st.booleans())
def test_fast_reading_gives_the_exact_decoders_objects(value: Any, spacing: bool) -> None:
    text = _text(_plain(value), spacing)
    fast, exact = decode_exact(text), decode_line(text)
    assert fast == exact
    assert repr(fast) == repr(exact)  # same types too: Decimal('1.50') is not 1.5, 10**20 stays an int


@pytest.mark.parametrize(
    "text",
    ['{"a": NaN}', '{"a": 1} x', '{"a": 01}', '{"a": "\\ud800"}', '{"a": 1e400}', "[1.5, 2]", "0.0",
     '{"a": 123456789012345678901}', '{"a": -0.0, "b": [1E2, 2.50]}', '"deal"'],
)  # fmt: skip
def test_lines_orjson_reads_differently_or_refuses_go_through_the_exact_decoder(text: str) -> None:
    try:
        exact = decode_line(text)
    except json.JSONDecodeError as error:
        with pytest.raises(json.JSONDecodeError) as fast_error:
            decode_exact(text)
        assert (fast_error.value.msg, fast_error.value.colno) == (error.msg, error.colno)
        return
    fast = decode_exact(text)
    assert repr(fast) == repr(exact)
