"""Each tool against the real demo store and engines, called as the model would call it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

import calc
from app.assistant.arg_schema import ArgumentError, validate
from app.assistant.quote_schema import QUOTE_INPUT_SCHEMA
from app.assistant.service import AssistantService
from app.runtime import AppContext
from app.services.dashboard import DashboardService
from app.services.deals import DealService
from app.services.inventory import InventoryFilter, InventoryService, days_in_stock
from calc.request_parsing import INPUT_FIELDS
from ml.prime import STRATEGIES
from ml.whaco import SEGMENT_NAMES, UNASSIGNED
from tests.assistant.conftest import PersonFactory

QUOTE = {
    "deal_type": "lease",
    "as_of": "2026-11-24",
    "dealer_state": "TX",
    "customer": {"state": "TX", "zip": "78613"},
    "vehicle": {"price": "32000.00", "msrp": "33500.00", "condition": "new"},
    "trade_ins": [{"allowance": "6000", "payoff": "7500"}],
    "rebates": [{"amount": "1000", "source": "manufacturer"}],
    "cash_down": "2000",
    "doc_fee": "150",
    "products": [{"kind": "gap", "price": "695"}],
    "lease": {"term_months": 36, "money_factor": "0.00125", "residual_percent": "0.58"},
}


@pytest.fixture
def manager(demo: AppContext, person: PersonFactory) -> AssistantService:
    return AssistantService(demo.store, person("sales_manager"), None)


def test_quote_deal_takes_the_calc_input_and_returns_the_calc_output(manager: AssistantService) -> None:
    call = manager.run_tool("quote_deal", QUOTE)
    assert call.ok
    assert call.result == calc.quote_deal(QUOTE)
    validate(QUOTE, QUOTE_INPUT_SCHEMA)  # the full contract example fits the schema


def test_quote_deal_errors_name_the_field(manager: AssistantService) -> None:
    call = manager.run_tool("quote_deal", {**QUOTE, "lease": {"term_months": 36}})
    assert call.result["error"]["field"] == "lease.money_factor"
    with pytest.raises(ArgumentError) as caught:
        validate({**QUOTE, "vehicle": {"price": "-5"}}, QUOTE_INPUT_SCHEMA)
    assert caught.value.field == "vehicle.price"


def test_payment_grid_cells_match_single_quotes(manager: AssistantService) -> None:
    deal = {**QUOTE, "deal_type": "finance", "finance": {"apr": "0.059", "term_months": 60}}
    del deal["lease"]
    call = manager.run_tool("payment_grid", {"deal": deal, "terms": [60, 72], "down_payments": ["0", "3000"]})
    assert call.ok, call.result
    for row in call.result["rows"]:
        for cell in row["payments"]:
            single = calc.quote_deal(
                {
                    **deal,
                    "cash_down": row["cash_down"],
                    "finance": {"apr": "0.059", "term_months": cell["term_months"]},
                }
            )
            assert cell["monthly_payment"] == single["finance"]["monthly_payment"]
    grid = call.result["rows"]
    assert Decimal(grid[1]["payments"][0]["monthly_payment"]) < Decimal(
        grid[0]["payments"][0]["monthly_payment"]
    )


def test_explain_tax_reports_the_engines_components_and_the_state_note(manager: AssistantService) -> None:
    call = manager.run_tool("explain_tax", {"state": "TX", "price": "30000", "trade_in_allowance": "5000"})
    assert call.ok, call.result
    quote = calc.quote_deal(
        {
            "deal_type": "cash",
            "customer": {"state": "TX"},
            "vehicle": {"price": "30000", "condition": "used"},
            "trade_ins": [{"allowance": "5000"}],
        }
    )
    assert call.result["taxes"] == quote["taxes"]
    assert call.result["source"] == "state-tax/TX" and "Texas" in call.result["state_rules"]


def test_inventory_search_finds_aged_used_suvs_under_a_price(
    demo: AppContext, manager: AssistantService
) -> None:
    call = manager.run_tool(
        "search_inventory",
        {"condition": "used", "body": "SUV", "max_price": "25000", "min_days_in_stock": 60, "limit": 25},
    )
    assert call.ok
    every = InventoryService(demo.store, manager.principal).find(InventoryFilter(status="in_stock"))
    expected = [
        v
        for v in every
        if v.condition == "used"
        and v.body == "SUV"
        and v.price <= Decimal("25000")
        and (days_in_stock(v, date.today()) or 0) >= 60
    ]
    assert call.result["matches"] == len(expected)
    assert {v["id"] for v in call.result["vehicles"]} == {v.id for v in expected[:25]}
    assert all(v["days_in_stock"] >= 60 and Decimal(v["price"]) <= 25000 for v in call.result["vehicles"])


def test_costs_only_for_users_who_may_see_them(demo: AppContext, person: PersonFactory) -> None:
    seller = AssistantService(demo.store, person("salesperson"), None)
    manager = AssistantService(demo.store, person("sales_manager"), None)
    assert "cost" not in seller.run_tool("search_inventory", {"limit": 1}).result["vehicles"][0]
    assert "cost" in manager.run_tool("search_inventory", {"limit": 1}).result["vehicles"][0]


def test_customer_lookup_and_their_deals_leave_out_contact_details(
    demo: AppContext, manager: AssistantService
) -> None:
    deal = DealService(demo.store, manager.principal).list(limit=1)[0]
    found = manager.run_tool("customer_deals", {"customer_id": deal.customer_id})
    assert found.ok
    assert deal.id in [d["id"] for d in found.result["deals"]]
    search = manager.run_tool("find_customers", {"query": found.result["customer"]["name"], "limit": 10})
    assert deal.customer_id in [c["id"] for c in search.result["customers"]]
    for customer in search.result["customers"]:
        assert "phone" not in customer and "email" not in customer and "address_line1" not in customer


def test_a_salesperson_sees_only_their_own_deals(
    demo: AppContext, demo_salesperson: Any, person: PersonFactory
) -> None:
    mine = AssistantService(demo.store, demo_salesperson, None)
    other = next(
        d
        for d in DealService(demo.store, person("sales_manager")).list()
        if d.salesperson_id != demo_salesperson.user_id
    )
    refused = mine.run_tool("deal_details", {"deal_id": other.id})
    assert refused.result["error"]["field"] == "permission"
    own = DealService(demo.store, demo_salesperson).list(limit=1)[0]
    assert mine.run_tool("deal_details", {"deal_id": own.id}).result["deal_number"] == own.deal_number


def test_whaco_and_prime_read_the_deal(demo: AppContext, manager: AssistantService) -> None:
    deal = next(d for d in DealService(demo.store, manager.principal).list() if d.selected_scenario_id)
    whaco = manager.run_tool("whaco_segment", {"deal_id": deal.id})
    assert whaco.ok, whaco.result
    assert whaco.result["whaco"]["segment"] in {*SEGMENT_NAMES, UNASSIGNED}
    assert 0.0 <= whaco.result["whaco"]["confidence"] <= 1.0
    assert whaco.result["inputs"]["vehicle_price"] > 0
    prime = manager.run_tool("prime_recommendation", {"deal_id": deal.id})
    assert prime.ok, prime.result
    assert prime.result["prime"]["strategy"] in STRATEGIES
    assert prime.result["context"]["vehicle_price"] == whaco.result["inputs"]["vehicle_price"]


def test_team_status_is_for_managers_and_counts_each_reps_deals(
    demo: AppContext, manager: AssistantService, person: PersonFactory
) -> None:
    seller = AssistantService(demo.store, person("salesperson"), None)
    assert seller.run_tool("team_status", {}).result["error"]["field"] == "permission"
    status = manager.run_tool("team_status", {})
    assert status.ok, status.result
    deals = DealService(demo.store, manager.principal).list(limit=5000)
    closed = sum(1 for d in deals if d.status == "closed")
    assert sum(rep["closed"] for rep in status.result["reps"]) == closed
    assert 0.0 <= status.result["floor"]["coherence"] <= 1.0
    # The manager hears what the dashboard shows: the same floor model, suggestion and bottlenecks.
    routing = DashboardService(demo.store, manager.principal).overview().routing
    assert status.result["floor"]["coherence"] == round(routing.coherence, 3)
    assert status.result["floor"]["suggested_rep"] == routing.suggested_rep
    assert [b["name"] for b in status.result["floor"]["bottlenecks"]] == [b.name for b in routing.bottlenecks]


def test_knowledge_search_returns_cited_passages(manager: AssistantService) -> None:
    call = manager.run_tool("search_knowledge", {"query": "customer says the payment is too high"})
    assert call.ok
    sources = [p["source"] for p in call.result["passages"]]
    assert "objections.md#the-payment-is-too-high" in sources
    assert all(p["text"] and p["title"] for p in call.result["passages"])


def _nodes(schema: Any) -> list[dict[str, Any]]:
    found = [schema]
    for child in schema.get("properties", {}).values():
        found += _nodes(child)
    if "items" in schema:
        found += _nodes(schema["items"])
    return found


def test_every_tool_schema_is_checkable_and_offered_as_openai_expects(manager: AssistantService) -> None:
    import json

    from app.assistant.arg_schema import _SUPPORTED

    tools = manager.toolbox.available(manager.principal)
    assert {t.name for t in tools} == set(manager.toolbox.names())  # a manager may use every tool
    for tool in tools:
        for node in _nodes(dict(tool.parameters)):
            assert set(node) <= _SUPPORTED, (tool.name, set(node) - _SUPPORTED)
        spec = json.loads(json.dumps(tool.spec()))
        assert spec["type"] == "function" and spec["function"]["name"] == tool.name
        assert spec["function"]["parameters"]["type"] == "object"
        assert len(spec["function"]["description"]) > 20


def test_the_tool_schema_offers_every_field_the_engine_accepts() -> None:
    # The model can only send what the schema lists: a field the engine takes but the schema lacks is
    # one the assistant can never use (and one it lists but the engine refuses fails every call).
    def node_at(path: str) -> dict[str, Any]:
        node: dict[str, Any] = QUOTE_INPUT_SCHEMA
        for part in filter(None, path.split(".")):
            node = node["properties"][part]
            if node.get("type") == "array":
                node = node["items"]
        return node

    for path, accepted in INPUT_FIELDS.items():
        assert set(node_at(path)["properties"]) == accepted, path or "top level"
