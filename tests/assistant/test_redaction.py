"""Redaction: what is personal data and what must survive (money, dates of deals, ids, VINs)."""

from __future__ import annotations

import pytest

from app.assistant.redaction import redact


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("call (512) 555-0142 today", "phone"),
        ("cell 512.555.0199", "phone"),
        ("+1 512-555-0100", "phone"),
        ('{"phone": "5125550142"}', "phone"),
        ("mail jo.doe+cars@mail.example.co.uk", "email"),
        ("SSN 123-45-6789", "ssn"),
        ("social security number: 123456789", "ssn"),
        ("his ssn is 123 45 6789", "ssn"),
        ("DOB: 04/12/1980", "dob"),
        ("date of birth 1975-03-02", "dob"),
        ("born on March 2, 1975", "dob"),
        ("driver's license number TX12345678", "license"),
        ("DL# D1234-5678-9012", "license"),
    ],
)
def test_personal_data_is_replaced(text: str, kind: str) -> None:
    result = redact(text)
    assert result.counts[kind] == 1, result
    assert f"[{kind.upper()}]" in result.text


@pytest.mark.parametrize(
    "text",
    [
        "price 28628.00, payment $470.25 at 6.9 % for 72 months",
        "as_of 2026-11-24, delivered 11/24/2026",
        "VIN 1HGCM82633A004352 stock A1234",
        "deal 019a0222-6581-752e-89a7-834df2a74de4 zip 78613-1234",
        '{"stock_number": "5125550142", "mileage": 123456789}',
        "license plate fee 50.75 and title 33.00",
    ],
)
def test_deal_figures_are_left_alone(text: str) -> None:
    result = redact(text)
    assert result.text == text and not result.counts
