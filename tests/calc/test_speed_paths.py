"""The short cuts the quote batch takes must behave exactly like the general paths they skip.

- ``python -m calc quote [FILE]`` is read without argparse; every other command line still gets
  argparse's usage, help and errors.
- A state code as sent is remembered once known; unknown ones are still refused every time.
- Explanation steps are filled in printf style; templates only ``str.format`` can fill, a literal
  ``%`` and a wrong argument count read as ``str.format`` would make them.
- A flat state fee's explain step is rendered when the fee table is compiled; it reads the same as a
  step rendered for the quote.
- A line is read by orjson unless it holds a number with a fraction or exponent (or orjson refuses it):
  the result, and any error, is the exact standard decoder's.
- Money already in whole cents is written as its own text; every amount reads as the half-up
  quantized one would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calc import parse_quote_request, quote, quote_deal
from calc.cli import decode_line
from calc.errors import CalcInputError
from calc.fees import default_fee
from calc.model import Explanation, render_step
from calc.money import CENT, format_money, format_percent, format_rate

ROOT = Path(__file__).resolve().parents[2]
DEAL: dict[str, Any] = {
    "deal_type": "cash",
    "as_of": "2026-03-02",
    "customer": {"state": "TX"},
    "vehicle": {"price": "30000.00", "condition": "used", "model_year": 2021},
}


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "calc", *args], cwd=ROOT, input=stdin, capture_output=True, text=True,
        check=False, timeout=60,
    )  # fmt: skip


def test_quote_reads_a_file_or_standard_input_alike(tmp_path: Path) -> None:
    path = tmp_path / "deal.json"
    path.write_text(json.dumps(DEAL), encoding="utf-8")
    from_file = _cli("quote", str(path))
    from_stdin = _cli("quote", stdin=json.dumps(DEAL))
    assert from_file.returncode == from_stdin.returncode == 0
    assert from_file.stdout == from_stdin.stdout
    assert json.loads(from_file.stdout)["taxes"]["total"] == quote_deal(DEAL)["taxes"]["total"]


def test_other_command_lines_still_get_usage_help_and_errors() -> None:
    helped = _cli("--help")
    assert helped.returncode == 0
    assert "usage: python -m calc" in helped.stdout
    unknown = _cli("price")
    assert unknown.returncode == 2
    assert "invalid choice: 'price'" in unknown.stderr
    extra = _cli("quote", "a.json", "b.json")
    assert extra.returncode == 2
    assert "unrecognized arguments: b.json" in extra.stderr


def test_a_state_code_is_read_the_same_every_time_and_unknown_ones_stay_refused() -> None:
    for _ in range(2):
        assert parse_quote_request({**DEAL, "customer": {"state": " tx "}}).customer.state == "TX"
        with pytest.raises(CalcInputError) as refused:
            parse_quote_request({**DEAL, "customer": {"state": "ZZ"}})
        assert refused.value.field == "customer.state"
        with pytest.raises(CalcInputError) as refused:
            parse_quote_request({**DEAL, "dealer_state": 48})
        assert refused.value.field == "dealer_state"


def test_explanation_text_matches_str_format_for_every_template_shape() -> None:
    steps = (
        ("Price ${} at {}% of ${}", (Decimal("100.50"), "5", Decimal("2010.00")), "rule A"),
        ("Twice {0} and {0}", (Decimal("1.005"),), ""),  # an indexed field: str.format fills it
        ("Only {} here", ("one", "two"), "rule B"),  # more arguments than fields
        ("Two {} and {}", ("one",), ""),  # fewer: str.format refuses, and so must the step
        ("Already text", (), "rule C"),
    )
    explanation = Explanation(steps[:3] + steps[4:])
    assert list(explanation) == [
        "Price $100.50 at 5% of $2010.00 [source: rule A]",
        "Twice 1.005 and 1.005",
        "Only one here [source: rule B]",
        "Already text [source: rule C]",
    ]
    assert list(explanation) == [render_step(step) for step in steps[:3] + steps[4:]]
    with pytest.raises(IndexError):
        list(Explanation(steps[3:4]))


def test_a_flat_state_fee_step_reads_as_the_fee_table_says() -> None:
    request = parse_quote_request(DEAL)
    explain = list(quote(request).explain)
    for code in ("title", "registration"):
        default = default_fee("TX", code, request.as_of)
        assert default is not None and default.fixed_item is not None
        expected = render_step(
            (
                "Default {} {} fee ${} = {} [{} confidence]",
                ("TX", code, default.fixed_item.amount, default.fixed_details, default.confidence),
                default.source,
            )
        )
        assert expected in explain
        assert f"Default TX {code} fee ${default.fixed_item.amount} = " in expected


_LEAVES = (
    st.none() | st.booleans() | st.text(max_size=8)
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.decimals(allow_nan=False, allow_infinity=False, places=4).map(lambda d: _RawNumber(str(d)))
)  # fmt: skip


class _RawNumber(str):
    """A JSON number written as given (``30000.10`` stays ``30000.10``)."""


def _json_text(value: object) -> str:
    if isinstance(value, _RawNumber):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(v) for v in value) + "]"
    return json.dumps(value)


@given(
    st.recursive(
        _LEAVES,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
        max_leaves=12,
    )
)
def test_a_line_decodes_exactly_as_the_standard_decoder_reads_it(value: object) -> None:
    text = _json_text(value)
    exact = json.JSONDecoder(parse_float=Decimal).decode(text)
    decoded = decode_line(text)
    assert decoded == exact
    assert repr(decoded) == repr(exact)  # same types too: Decimal('1.10'), never a float or 1.1


@pytest.mark.parametrize(
    "text", ['{"a": NaN}', '{"a": 1e400}', '{"a": "\\ud800"}', "{not json", '{"a": 1} x', "[1, 2"]
)
def test_lines_orjson_refuses_or_reads_loosely_get_the_standard_decoders_answer(text: str) -> None:
    exact = json.JSONDecoder(parse_float=Decimal)
    try:
        expected: object = exact.decode(text)
    except json.JSONDecodeError as error:
        with pytest.raises(json.JSONDecodeError) as raised:
            decode_line(text)
        assert (raised.value.msg, raised.value.pos) == (error.msg, error.pos)
    else:
        assert repr(decode_line(text)) == repr(expected)


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**12), max_value=10**12)
)
def test_money_text_reads_as_the_amount_rounded_half_up_to_the_cent(amount: Decimal) -> None:
    assert format_money(amount) == str(amount.quantize(CENT, ROUND_HALF_UP))


@pytest.mark.parametrize("text", ["0", "-0.00", "1E+3", "1.5E-7", "12.345", "100.10", "-0.005"])
def test_money_text_of_edge_amounts(text: str) -> None:
    assert format_money(Decimal(text)) == str(Decimal(text).quantize(CENT, ROUND_HALF_UP))


def test_rate_text_is_kept_per_rate_object_and_always_reads_its_own_value() -> None:
    rates = [Decimal("0.0725"), Decimal("0.07250"), Decimal("0.1"), Decimal("0.0000001"), Decimal("1")]
    for _ in range(2):  # the second pass reads what the first kept
        assert [format_rate(r) for r in rates] == ["0.0725", "0.0725", "0.1", "0.0000001", "1"]
        assert [format_percent(r) for r in rates] == ["7.25%", "7.25%", "10%", "0.00001%", "100%"]
    for cents in range(1, 200):  # new objects (as a deal's own rates are) never read a stale text
        assert format_rate(Decimal(cents) / 10000) == f"{(Decimal(cents) / 10000).normalize():f}"
