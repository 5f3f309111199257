"""Every worked example of shared/reference/worked_examples.jsonl, quoted through the public API.

Each example is turned into a contract request exactly as a desk would enter the deal; where the
example uses an illustrative local rate, it is sent as ``tax_override`` together with the state's own
embedded rates (so the state's rates still come from the rule data, not from this test).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from calc import quote_deal
from calc.rules import rule_book

REFERENCE = Path("/work/shared/reference/worked_examples.jsonl")
if not REFERENCE.exists():  # the repository copy, when the shared folder is not mounted
    REFERENCE = Path(__file__).with_name("worked_examples.jsonl")
EXAMPLES = [json.loads(line) for line in REFERENCE.read_text(encoding="utf-8").splitlines() if line.strip()]
AS_OF = "2026-11-24"  # the reference's compilation date: the rules it describes are in force

# Illustrative local rates that the example itself splits into named components.
LOCAL_SPLITS: dict[str, list[dict[str, str]]] = {
    "NY": [
        {"level": "city", "rate": "0.045", "name": "NYC"},
        {"level": "district", "rate": "0.00375", "name": "MCTD"},
    ],
    "AZ": [
        {"level": "county", "rate": "0.007", "name": "county"},
        {"level": "city", "rate": "0.023", "name": "city"},
    ],
}
# The Ohio rule's own negative-equity example uses an illustrative 7 % total rate.
RATE_OVERRIDES = {"OH-retail-negative-equity-OAC": [{"level": "state", "rate": "0.07"}]}


def _positive(value: Any) -> bool:
    return value is not None and Decimal(str(value)) > 0


def _override(example: dict[str, Any], as_of: str) -> dict[str, Any] | None:
    if example["id"] in RATE_OVERRIDES:
        return {"rates": RATE_OVERRIDES[example["id"]]}
    local = example["inputs"].get("local_rate")
    if local is None:
        return None
    rules = rule_book().for_state(example["state"], date.fromisoformat(as_of))
    assert rules is not None
    rates = [{"level": c.level, "rate": str(c.rate), "name": c.name} for c in rules.components]
    rates += LOCAL_SPLITS.get(example["state"], [{"level": "county", "rate": local, "name": "local"}])
    return {"rates": rates}


def to_request(example: dict[str, Any]) -> dict[str, Any]:
    i = example["inputs"]
    as_of = i.get("delivery_date", AS_OF)
    lease = example["deal_type"] == "lease"
    vehicle: dict[str, Any] = {"price": i["agreed_price"] if lease else i["vehicle_price"]}
    vehicle["condition"] = i.get("vehicle_condition", "new")
    for key in ("assessment_manual_value", "nada_clean_trade_in_value", "fair_market_value"):
        if key in i:
            vehicle["book_value"] = i[key]
    if "vehicle_weight_lb" in i:
        vehicle["weight_lbs"] = int(i["vehicle_weight_lb"])
    if "city_mpg" in i:
        vehicle["city_mpg"] = int(i["city_mpg"])
    request: dict[str, Any] = {
        "deal_type": "lease" if lease else "cash",
        "as_of": as_of,
        "customer": {"state": example["state"]},
        "vehicle": vehicle,
        "doc_fee": i.get("doc_fee", "0"),
        "cash_down": i.get("cash_cap_reduction" if lease else "cash_down", "0"),
        # Government fees are not part of any example's tax; send zero so no default is added.
        "fees": [{"code": "title", "amount": "0"}, {"code": "registration", "amount": "0"}],
    }
    if _positive(i.get("trade_in_allowance")) or _positive(i.get("trade_payoff")):
        request["trade_ins"] = [{"allowance": i["trade_in_allowance"], "payoff": i.get("trade_payoff", "0")}]
    rebates = []
    sources = {"manufacturer_rebate": "manufacturer", "manufacturer_lease_rebate": "manufacturer"}
    for key, source in (*sources.items(), ("dealer_rebate", "dealer")):
        if _positive(i.get(key)):
            rebates.append({"amount": i[key], "source": source})
    request["rebates"] = rebates
    request["products"] = [
        {"kind": kind, "price": i[kind]} for kind in ("service_contract", "gap") if _positive(i.get(kind))
    ]
    override = _override(example, as_of)
    if override is not None:
        request["tax_override"] = override
    if lease:
        request["lease"] = {
            "term_months": i["term_months"],
            "money_factor": i["money_factor"],
            "residual_value": i["residual_value"],
            "acquisition_fee": i["acquisition_fee_capitalized"],
            "acquisition_fee_capitalized": True,
        }
    return request


def _ids(examples: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in examples]


RETAIL = [e for e in EXAMPLES if e["deal_type"] == "retail"]
LEASES = [e for e in EXAMPLES if e["deal_type"] == "lease"]


def test_reference_has_all_examples() -> None:
    assert len(RETAIL) == 50 and len(LEASES) == 15


@pytest.mark.parametrize("example", RETAIL, ids=_ids(RETAIL))
def test_retail_example(example: dict[str, Any]) -> None:
    result = quote_deal(to_request(example))
    expected = example["expected"]
    taxes = result["taxes"]
    assert taxes["total"] == expected["total_tax"], result["explain"]
    assert taxes["taxable_base"] == expected["taxable_base"]
    got = sorted(c["amount"] for c in taxes["components"])
    want = sorted(c["amount"] for c in expected["components"])
    assert got == want, taxes["components"]
    # Every step is explained with its source, and the rates used are stated.
    assert result["explain"] and result["jurisdiction"]["rates"]
    assert result["jurisdiction"]["rules_version"] == rule_book().rules_version


@pytest.mark.parametrize("example", LEASES, ids=_ids(LEASES))
def test_lease_example(example: dict[str, Any]) -> None:
    result = quote_deal(to_request(example))
    expected = example["expected"]
    lease = result["lease"]
    assert lease["adjusted_cap_cost"] == expected["adjusted_cap_cost"]
    assert lease["base_monthly_payment"] == expected["base_monthly_payment"]
    assert result["taxes"]["upfront"] == expected["upfront_tax"], result["explain"]
    assert result["taxes"]["monthly"] == expected["monthly_tax"]
    assert result["taxes"]["total"] == expected["total_tax_over_term"]
    assert lease["upfront_tax"] == expected["upfront_tax"]
    # Payment shown to the customer = base payment + the tax in each payment.
    assert Decimal(lease["monthly_payment"]) == Decimal(lease["base_monthly_payment"]) + Decimal(
        expected["monthly_tax"]
    )
