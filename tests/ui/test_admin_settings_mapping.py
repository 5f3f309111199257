"""The admin editor's key/value rows against the server's settings shape, and the admin API's wire format.

Pure functions, no widgets: what a signed-in admin types becomes exactly the body the server accepts,
a bad row is refused naming its key, and detail the editor cannot show survives a round trip.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.errors import ValidationError
from app.services.settings import SettingEntry
from app.services.settings_server import parse_server_entries, server_entries
from sync.client.admin_api import (
    FeeOverride,
    ServerSettings,
    TaxOverride,
    TaxRate,
    settings_from_json,
    settings_to_json,
)


def test_each_kind_of_key_becomes_the_servers_shape() -> None:
    settings = parse_server_entries(
        {
            "doc_fee": "$1,199.5",
            "tax_rate.tx": "0.0625",
            "tax_rate.TX/Travis/Austin": "0.0825",
            "tax_rate.CA/90210": "0.095",
            "fee.title/tx": "33",
            "fee.Smog Check": "12.50",
            "lease_miles_per_year": "12,000",
            "offline_grace_hours": "72",
        },
        ServerSettings(),
    )
    assert settings.doc_fee == Decimal("1199.50")
    taxes = {(o.state, o.county, o.city, o.zip): o.rates for o in settings.tax_overrides}
    assert taxes == {
        ("TX", None, None, None): (TaxRate("state", Decimal("0.0625")),),
        ("TX", "TRAVIS", "AUSTIN", None): (TaxRate("city", Decimal("0.0825")),),
        ("CA", None, None, "90210"): (TaxRate("special", Decimal("0.095")),),
    }
    assert set(settings.fee_overrides) == {
        FeeOverride("title", Decimal("33.00"), "TX"),
        FeeOverride("other", Decimal("12.50"), None, "smog check"),
    }
    assert settings.default_lease_miles_per_year == 12000 and settings.offline_grace_hours == 72
    # What the editor shows next time names the same places.
    assert {e.key for e in server_entries(settings)} == {
        "doc_fee",
        "tax_rate.TX",
        "tax_rate.TX/TRAVIS/AUSTIN",
        "tax_rate.CA/90210",
        "fee.title/TX",
        "fee.smog check",
        "lease_miles_per_year",
        "offline_grace_hours",
    }


@pytest.mark.parametrize(
    ("rows", "key", "words"),
    [
        ({"tax_rate.TX": "8.25"}, "tax_rate.TX", "write 0.0825 for 8.25%"),
        ({"tax_rate.TEXAS": "0.0625"}, "tax_rate.TEXAS", "two-letter state"),
        ({"tax_rate.TX": "0.123456789"}, "tax_rate.TX", "8 decimal places"),
        ({"fee.title": "12.345"}, "fee.title", "whole cents"),
        ({"fee.title/Texas": "5"}, "fee.title/Texas", "two-letter state"),
        ({"doc_fee": "-1"}, "doc_fee", "not be negative"),
        ({"lease_miles_per_year": "100"}, "lease_miles_per_year", "between 5000 and 30000"),
        ({"default_apr": "0.40"}, "default_apr", "from 0 to 0.36"),
        ({"default_term_months": "97"}, "default_term_months", "between 1 and 96"),
        ({"lender": "   "}, "lender", "is required"),
        ({"tax_rate.tx": "0.06", "tax_rate.TX": "0.07"}, "tax_rate.TX", "listed twice"),
        ({"colour": "red"}, "colour", "not a dealership setting"),
    ],
)
def test_a_bad_row_is_refused_naming_its_key(rows: dict[str, str], key: str, words: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_server_entries(rows, ServerSettings())
    assert refused.value.field == key and words in refused.value.message


def test_an_unchanged_override_keeps_the_detail_the_editor_cannot_show() -> None:
    split = TaxOverride(
        state="TX",
        county="Travis",  # as the server holds it; the editor's keys are upper case
        rates=(TaxRate("state", Decimal("0.0625")), TaxRate("county", Decimal("0.02"), "Travis")),
        effective_from="2026-01-01",
        source="comptroller",
    )
    before = ServerSettings(tax_overrides=(split,))
    shown = server_entries(before)
    assert shown == [SettingEntry("tax_rate.TX/Travis", "0.0825")]
    kept = parse_server_entries({e.key: e.value for e in shown}, before)
    assert kept.tax_overrides == (split,)
    assert parse_server_entries({"tax_rate.tx/travis": "0.0825"}, before).tax_overrides == (split,)
    changed = parse_server_entries({"tax_rate.TX/TRAVIS": "0.08"}, before)
    assert changed.tax_overrides == (
        TaxOverride(state="TX", county="TRAVIS", rates=(TaxRate("county", Decimal("0.08")),)),
    )


def test_settings_travel_as_decimal_strings_and_read_back_the_same() -> None:
    settings = ServerSettings(
        doc_fee=Decimal("150.00"),
        tax_overrides=(
            TaxOverride(state="OK", county="TULSA", rates=(TaxRate("county", Decimal("0.0852")),)),
        ),
        fee_overrides=(FeeOverride("other", Decimal("7.50"), "OK", "tag"),),
        offline_grace_hours=48,
    )
    body = settings_to_json(settings)
    assert body == {
        "doc_fee": "150.00",
        "tax_overrides": [
            {"state": "OK", "county": "TULSA", "rates": [{"level": "county", "rate": "0.0852"}]}
        ],
        "fee_overrides": [{"code": "other", "amount": "7.50", "state": "OK", "name": "tag"}],
        "offline_grace_hours": 48,
    }
    assert settings_from_json(body) == settings
