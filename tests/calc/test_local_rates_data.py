"""The embedded local rate table: still in the documented import format, every row sourced and dated,
and the added jurisdictions give the combined rates their state tables publish."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from calc import quote_deal
from calc.rules.local_rates import COLUMNS, OPTIONAL_COLUMNS, embedded_local_rates, parse_local_rates_csv

TEXT = resources.files("calc.rules").joinpath("local_rates.csv").read_text(encoding="utf-8")
NO_FEES = [{"code": "title", "amount": "0"}, {"code": "registration", "amount": "0"}]


def _quote(state: str, county: str, city: str | None = None, as_of: str = "2026-06-01") -> dict[str, Any]:
    customer = {"state": state, "county": county} | ({"city": city} if city else {})
    return quote_deal(
        {
            "deal_type": "cash",
            "as_of": as_of,
            "customer": customer,
            "vehicle": {"price": "30000.00"},
            "fees": NO_FEES,
        }
    )


def _combined(result: dict[str, Any]) -> Decimal:
    return sum((Decimal(r["rate"]) for r in result["jurisdiction"]["rates"]), Decimal(0))


def test_embedded_file_keeps_the_import_format_and_every_row_has_a_source_and_date() -> None:
    rows = list(csv.DictReader(io.StringIO(TEXT)))
    assert tuple(rows[0])[: len(COLUMNS)] == COLUMNS
    assert set(tuple(rows[0])[len(COLUMNS) :]) <= set(OPTIONAL_COLUMNS)
    assert len(rows) >= 100
    for row in rows:
        assert row["source"].strip(), row
        date.fromisoformat(row["effective_from"])
        assert "verify against the current table" not in row["source"]
    # the same text loads as a dealer's import would
    assert len(parse_local_rates_csv(TEXT).rates_for("NY", "Kings", None, None, date(2026, 6, 1))) == 2


@pytest.mark.parametrize(
    ("state", "county", "city", "combined"),
    [
        ("NY", "Kings", None, "0.08875"),  # Pub 718: New York City 8.875% in every borough
        ("NY", "Richmond", None, "0.08875"),
        ("NY", "Rockland", None, "0.08375"),
        ("NY", "Monroe", None, "0.08"),
        ("OH", "Cuyahoga", "Cleveland", "0.08"),  # 5.75% + 1.25% county + 1.00% transit
        ("OH", "Hamilton", None, "0.078"),
        ("CA", "Alameda", "Hayward", "0.1075"),
        ("CA", "Alameda", "Fremont", "0.1025"),  # no city district tax on file: county rate only
        ("CA", "Fresno", "Fresno", "0.0835"),
        ("CA", "Los Angeles", "Burbank", "0.105"),  # 9.75% county (Measure A) + 0.75% city
    ],
)
def test_combined_rates_match_the_published_tables(
    state: str, county: str, city: str | None, combined: str
) -> None:
    result = _quote(state, county, city)
    assert _combined(result) == Decimal(combined)
    assert not any("no local rate is on file" in w for w in result["warnings"])
    assert result["jurisdiction"]["rate_sources"]


def test_florida_surtax_reaches_only_the_first_5000() -> None:
    # Duval 1.5% surtax on the first $5,000 (Fla. Stat. 212.055): 6% x 30,000 + 1.5% x 5,000.
    assert _quote("FL", "Duval")["taxes"]["total"] == "1875.00"
    assert _quote("FL", "Collier")["taxes"]["total"] == "1800.00"  # no surtax


def test_tennessee_county_rate_with_the_single_article_limits() -> None:
    # Blount 2.75%: 7% x 30,000 + 2.75% x first 1,600 + 2.75% state band on 1,600.01-3,200.
    assert _quote("TN", "Blount")["taxes"]["total"] == "2188.00"


def test_rates_apply_from_their_effective_date_only() -> None:
    before = _quote("OH", "Cuyahoga", as_of="2024-06-30")
    assert any("no local rate is on file" in w for w in before["warnings"])
    after = _quote("OH", "Cuyahoga", as_of="2024-07-01")
    assert _combined(after) == Decimal("0.08")


def test_embedded_table_is_indexed_once() -> None:
    assert embedded_local_rates() is embedded_local_rates()


def test_quotes_on_either_side_of_a_local_rate_change_take_the_rates_in_force_on_their_dates() -> None:
    # Los Angeles County's Measure A raised the district rate on 2025-04-01. The engine remembers each
    # place's rates per period of unchanged rows; dates asked in any order must still land in the right
    # period. A table parsed afresh for each date (a new object, so nothing remembered) is the reference.
    deal: dict[str, Any] = {
        "deal_type": "cash",
        "customer": {"state": "CA", "county": "Los Angeles"},
        "vehicle": {"price": "30000.00"},
        "fees": NO_FEES,
    }
    taxes: dict[str, str] = {}
    for as_of in ("2025-05-01", "2025-03-31", "2025-04-01", "2017-09-30", "2025-03-01", "2026-01-01"):
        remembered = quote_deal({**deal, "as_of": as_of})
        fresh = quote_deal({**deal, "as_of": as_of}, local_rates=parse_local_rates_csv(TEXT))
        assert remembered["jurisdiction"]["rates"] == fresh["jurisdiction"]["rates"]
        assert remembered["taxes"] == fresh["taxes"]
        taxes[as_of] = remembered["taxes"]["total"]
    assert Decimal(taxes["2025-04-01"]) > Decimal(taxes["2025-03-31"]) == Decimal(taxes["2025-03-01"])
    assert taxes["2025-05-01"] == taxes["2025-04-01"] == taxes["2026-01-01"]


def test_a_table_tells_the_period_its_rows_are_in_force() -> None:
    table = parse_local_rates_csv(TEXT)

    def in_force(day: date) -> tuple[Any, date, date | None]:
        return table.rates_in_force("CA", "Los Angeles", None, None, day)

    rows, start, end = in_force(date(2025, 3, 31))
    assert (start, end) == (date(2017, 10, 1), date(2025, 4, 1))
    assert rows == table.rates_for("CA", "Los Angeles", None, None, date(2025, 3, 31))
    assert in_force(date(2025, 4, 1))[1:] == (date(2025, 4, 1), None)
    assert in_force(date(2010, 1, 1)) == ((), date.min, date(2017, 10, 1))
