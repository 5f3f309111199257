"""Lender defaults in the dealership's settings: bounds checked by the model, stored, audited, synced."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from sync.server.admin.models import DealershipSettings
from tests.server.fixtures import Desktop, TenantHandle

# ---------------------------------------------------------------- the model's bounds


def _parsed(**fields: object) -> DealershipSettings:
    """Parsed as the service parses a request body: from JSON text."""
    return DealershipSettings.model_validate_json(json.dumps(fields))


def test_lender_defaults_within_their_bounds_are_kept_as_given() -> None:
    settings = _parsed(default_apr="0.0549", default_term_months=60, lender="Hill Country Credit Union")
    assert settings.default_apr == Decimal("0.0549")
    assert settings.default_term_months == 60
    assert settings.lender == "Hill Country Credit Union"
    edges = _parsed(default_apr="0", default_term_months=1, lender="X")
    assert (edges.default_apr, edges.default_term_months, edges.lender) == (Decimal(0), 1, "X")
    top = _parsed(default_apr="0.36", default_term_months=96, lender="L" * 100)
    assert (top.default_apr, top.default_term_months, len(top.lender or "")) == (Decimal("0.36"), 96, 100)
    # Stored as the service stores it: the rate as exact decimal text, the term as a JSON integer.
    dumped = settings.model_dump(mode="json")
    assert (dumped["default_apr"], dumped["default_term_months"]) == ("0.0549", 60)


def test_a_rate_is_stored_without_trailing_zeros() -> None:
    assert _parsed(default_apr="0.054900").model_dump(mode="json")["default_apr"] == "0.0549"
    assert _parsed(default_apr="0.0000").model_dump(mode="json")["default_apr"] == "0"


def test_lender_defaults_are_optional_and_older_stored_settings_still_load() -> None:
    older = DealershipSettings.model_validate({"doc_fee": "150.00", "tax_overrides": [], "fee_overrides": []})
    assert (older.default_apr, older.default_term_months, older.lender) == (None, None, None)


def test_spacing_around_and_inside_a_lender_name_is_not_kept() -> None:
    assert _parsed(lender="  Hill  Country   CU ").lender == "Hill Country CU"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("default_apr", "0.3601", "less than or equal to 0.36"),
        ("default_apr", "5.49", "less than or equal to 0.36"),  # a percentage typed for a fraction
        ("default_apr", "-0.01", "greater than or equal to 0"),
        ("default_apr", "0.05495", "4 decimal places"),
        ("default_apr", "NaN", "finite"),
        ("default_apr", "six percent", "decimal"),
        ("default_term_months", 0, "greater than or equal to 1"),
        ("default_term_months", 97, "less than or equal to 96"),
        ("default_term_months", 60.5, "integer"),
        ("default_term_months", 60.0, "integer"),
        ("default_term_months", "60", "integer"),
        ("default_term_months", True, "integer"),
        ("lender", "", "at least 1 character"),
        ("lender", "   ", "not only spaces"),
        ("lender", "L" * 101, "at most 100 characters"),
        ("lender", "Hill\nCountry", "match pattern"),
        ("lender", 42, "string"),
    ],
)
def test_a_lender_default_out_of_bounds_is_refused_naming_the_field(
    field: str, value: object, words: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _parsed(**{field: value})
    [error] = refused.value.errors()
    assert error["loc"] == (field,)
    assert words in error["msg"]


# ---------------------------------------------------------------- over HTTP against the real database

LENDER_DEFAULTS = {"default_apr": "0.0549", "default_term_months": 60, "lender": "Hill Country Credit Union"}


def _settings(api: TestClient, tenant: TenantHandle) -> dict[str, Any]:
    answer = api.get("/admin/settings", headers=tenant.admin.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _audit(api: TestClient, tenant: TenantHandle) -> list[dict[str, Any]]:
    answer = api.get("/admin/audit", params={"action": "settings.update"}, headers=tenant.admin.headers)
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def test_published_lender_defaults_are_read_back_audited_and_pulled_by_desks(
    api: TestClient, make_tenant: Any
) -> None:
    tenant: TenantHandle = make_tenant()
    current = _settings(api, tenant)
    assert {k: current["settings"][k] for k in LENDER_DEFAULTS} == dict.fromkeys(LENDER_DEFAULTS)
    wanted = {**current, "settings": {**current["settings"], "doc_fee": "199.00", **LENDER_DEFAULTS}}
    saved = api.put("/admin/settings", json=wanted, headers=tenant.admin.headers)
    assert saved.status_code == 200, saved.text
    read_back = _settings(api, tenant)
    assert read_back == saved.json()
    assert {k: read_back["settings"][k] for k in LENDER_DEFAULTS} == LENDER_DEFAULTS

    [event] = _audit(api, tenant)
    assert event["actor_id"] == str(tenant.admin.user_id)
    assert event["before"]["settings"]["default_apr"] is None
    assert {k: event["after"]["settings"][k] for k in LENDER_DEFAULTS} == LENDER_DEFAULTS

    seller = tenant.add_user(["salesperson"])
    desk = Desktop(api, seller, "desk-lender")
    desk.pull_all()
    pulled = desk.row("dealership", str(tenant.id))["fields"]["settings"]
    assert {k: pulled[k] for k in LENDER_DEFAULTS} == LENDER_DEFAULTS
    # Only someone allowed to change settings may change them.
    refused = api.put(
        "/admin/settings",
        json={**wanted, "settings": {**wanted["settings"], "default_apr": "0.0199"}},
        headers=seller.headers,
    )
    assert refused.status_code == 403
    assert _settings(api, tenant) == read_back


@pytest.mark.parametrize(
    ("field", "value"),
    [("default_apr", "0.45"), ("default_term_months", 120), ("default_term_months", 60.5), ("lender", "  ")],
)
def test_a_bad_lender_default_is_refused_naming_it_and_nothing_changes(
    api: TestClient, make_tenant: Any, field: str, value: object
) -> None:
    tenant: TenantHandle = make_tenant()
    current = _settings(api, tenant)
    good = {**current, "settings": {**current["settings"], **LENDER_DEFAULTS}}
    assert api.put("/admin/settings", json=good, headers=tenant.admin.headers).status_code == 200
    before, events_before = _settings(api, tenant), _audit(api, tenant)

    bad = {**good, "settings": {**good["settings"], "doc_fee": "250.00", field: value}}
    refused = api.put("/admin/settings", json=bad, headers=tenant.admin.headers)
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["loc"][-1] == field
    assert _settings(api, tenant) == before  # the doc fee sent alongside was not taken either
    assert _audit(api, tenant) == events_before
