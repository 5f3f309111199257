"""Whole turns through the real openai SDK against the scripted loopback server."""

from __future__ import annotations

import json
from typing import Any

import calc
from app.assistant.service import AskContext
from app.runtime import AppContext
from app.services.deals import DealService
from app.services.inventory import InventoryFilter, InventoryService
from tests.assistant.conftest import AssistantFactory, PersonFactory
from tests.assistant.fake_provider import FakeProvider, Reply, tool_results

AS_OF = "2026-11-24"


def _deal(price: str, down: str = "3000", term: int = 72) -> dict[str, Any]:
    return {
        "deal_type": "finance",
        "as_of": AS_OF,
        "dealer_state": "TX",
        "customer": {"state": "TX", "zip": "78701"},
        "vehicle": {"price": price, "condition": "used"},
        "cash_down": down,
        "doc_fee": "150.00",
        "finance": {"apr": "0.069", "term_months": term},
    }


def test_multi_step_tool_conversation_answers_with_the_quoted_payment(
    server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    # Step 1 searches inventory; step 2 quotes the first unit the search returned (its price read from the
    # tool result the app sent back); step 3 answers with the payment read from the quote result.
    def quote_first_vehicle(body: dict[str, Any]) -> Reply:
        vehicle = tool_results(body)[-1]["vehicles"][0]
        return Reply(tool_calls=[("quote_deal", _deal(vehicle["price"]))])

    def answer(body: dict[str, Any]) -> Reply:
        payment = tool_results(body)[-1]["finance"]["monthly_payment"]
        return Reply(text=f"At 72 months with $3,000 down the payment is ${payment} a month.", pieces=4)

    server.script(
        Reply(tool_calls=[("search_inventory", {"body": "SUV", "condition": "used", "limit": 3})]),
        quote_first_vehicle,
        answer,
    )
    assistant = make_assistant()
    events: list[Any] = []
    result = assistant.ask(
        "What's the payment at 72 months with 3k down on our oldest used SUV?", on_event=events.append
    )

    assert result.error is None, result.error
    oldest = InventoryService(assistant.store, assistant.principal).find(
        InventoryFilter(condition="used", body="SUV")
    )[0]
    expected = calc.quote_deal(_deal(f"{oldest.price:.2f}"))["finance"]["monthly_payment"]
    assert f"${expected}" in result.answer
    assert [c.name for c in result.tool_calls] == ["search_inventory", "quote_deal"]
    assert result.tool_calls[1].result == calc.quote_deal(_deal(f"{oldest.price:.2f}"))
    assert not any("Not from any tool result" in w for w in result.warnings)
    # What streamed into the panel is the answer, piece by piece, with both tools reported as they ran.
    texts = [e.text for e in events if e.kind == "text"]
    assert len(texts) >= 3 and "".join(texts).strip() == result.answer
    assert [e.text for e in events if e.kind == "tool_finished"] == ["search_inventory", "quote_deal"]
    # On the wire: three requests, tools offered, each tool result sent back under its call id.
    assert len(server.requests) == 3
    offered = {t["function"]["name"] for t in server.requests[0]["tools"]}
    assert {"quote_deal", "payment_grid", "explain_tax", "search_inventory"} <= offered
    last = server.requests[2]["messages"]
    calls = [m for m in last if m["role"] == "assistant" and m.get("tool_calls")]
    returned = [m["tool_call_id"] for m in last if m["role"] == "tool"]
    assert [c["tool_calls"][0]["id"] for c in calls] == returned
    assert result.prompt_tokens == 3 * 120 and result.completion_tokens == 3 * 30


def test_a_figure_no_tool_produced_is_flagged(server: FakeProvider, make_assistant: AssistantFactory) -> None:
    server.script(Reply(text="The payment would be about $512.37 a month."))
    result = make_assistant().ask("Roughly what would a payment be on a 30k truck?")
    assert result.error is None
    assert any("$512.37" in w for w in result.warnings)


def test_invalid_tool_arguments_are_refused_and_the_model_is_told_why(
    server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    bad_price = _deal("twenty grand")
    unknown_field = {**_deal("20000"), "discount": "500"}
    server.script(
        Reply(
            tool_calls=[
                ("quote_deal", bad_price),
                ("quote_deal", unknown_field),
                ("quote_deal", '{"deal_type": "finance", "vehicle": '),  # truncated JSON
                ("quote_deal", {**_deal("20000"), "finance": {"apr": "0.069", "term_months": 0}}),
                ("delete_everything", {}),
            ]
        ),
        Reply(text="I need the vehicle's price as a number to quote it."),
    )
    result = make_assistant().ask("Quote it")
    errors = [c.result["error"] for c in result.tool_calls]
    assert [e["field"] for e in errors] == [
        "vehicle.price",
        "discount",
        "arguments",
        "finance.term_months",
        "name",
    ]
    assert not any(c.ok for c in result.tool_calls)
    sent_back = [json.loads(m["content"]) for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert [r["error"]["field"] for r in sent_back] == [e["field"] for e in errors]
    assert result.answer == "I need the vehicle's price as a number to quote it."


def test_cross_tenant_ids_are_refused_and_nothing_of_the_other_dealership_leaks(
    server: FakeProvider, make_assistant: AssistantFactory, demo: AppContext, person: PersonFactory
) -> None:
    from app.ids import new_id
    from app.policy import Principal, permissions_for_roles
    from app.services.customers import CustomerService

    other_tenant = new_id()
    outsider = Principal(new_id(), other_tenant, permissions_for_roles(["general_manager"]))
    stranger = CustomerService(demo.store, outsider).create(
        {"first_name": "Zebulon", "last_name": "Quartermaine"}
    )
    foreign_deal = DealService(demo.store, outsider).create(stranger.id)

    server.script(
        Reply(
            tool_calls=[
                ("deal_details", {"deal_id": foreign_deal.id}),
                ("customer_deals", {"customer_id": stranger.id}),
                ("whaco_segment", {"customer_id": stranger.id}),
                ("prime_recommendation", {"deal_id": foreign_deal.id}),
            ]
        ),
        Reply(text="I can't find that deal in your dealership."),
    )
    result = make_assistant(person("general_manager")).ask("Tell me about that deal")
    fields = [c.result["error"]["field"] for c in result.tool_calls]
    assert fields == ["deal_id", "customer_id", "customer_id", "deal_id"]
    assert all("in your dealership" in c.result["error"]["message"] for c in result.tool_calls)
    assert all("Quartermaine" not in body for body in server.raw_bodies)


def test_tools_the_role_lacks_are_neither_offered_nor_run(
    server: FakeProvider, make_assistant: AssistantFactory, person: PersonFactory
) -> None:
    server.script(
        Reply(tool_calls=[("team_status", {}), ("quote_deal", _deal("20000"))]), Reply(text="Done.")
    )
    result = make_assistant(person("bdc")).ask("How is the team doing?")
    offered = {t["function"]["name"] for t in server.requests[0]["tools"]}
    assert "team_status" not in offered and "quote_deal" not in offered
    assert "search_inventory" in offered
    assert [c.result["error"]["field"] for c in result.tool_calls] == ["permission", "permission"]


def test_the_open_deal_is_passed_as_context(
    server: FakeProvider, make_assistant: AssistantFactory, demo_salesperson: Any, demo: AppContext
) -> None:
    deal = next(d for d in DealService(demo.store, demo_salesperson).list() if d.selected_scenario_id)
    server.script(Reply(text="Noted."))
    make_assistant(demo_salesperson).ask("What should I do next?", context=AskContext(deal_id=deal.id))
    system = server.requests[0]["messages"][0]["content"]
    assert deal.id in system and deal.deal_number in system


def test_history_is_kept_per_conversation_and_sent_with_the_next_question(
    server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    server.script(Reply(text="Texas charges 6.25 % on the total consideration."), Reply(text="Yes."))
    assistant = make_assistant()
    first = assistant.ask("What is the tax rate in TX?")
    second = assistant.ask("Does that include the doc fee?", conversation_id=first.conversation_id)
    assert second.conversation_id == first.conversation_id
    sent = [(m["role"], m["content"]) for m in server.requests[1]["messages"][1:]]
    assert sent == [
        ("user", "What is the tax rate in TX?"),
        ("assistant", "Texas charges 6.25 % on the total consideration."),
        ("user", "Does that include the doc fee?"),
    ]
    stored = assistant.history(first.conversation_id)
    assert [m["role"] for m in stored] == ["user", "assistant", "user", "assistant"]
    # Another user of the same dealership does not see it.
    assert make_assistant().history(first.conversation_id) == []


def test_knowledge_sources_are_cited(server: FakeProvider, make_assistant: AssistantFactory) -> None:
    server.script(
        Reply(text="Ask what part they want to think over [objections.md#i-need-to-think-about-it].")
    )
    result = make_assistant().ask("How do I handle 'I need to think about it'?")
    assert {
        "id": "objections.md#i-need-to-think-about-it",
        "title": 'Handling objections: "I need to think about it"',
    } in result.sources
    assert "objections.md#i-need-to-think-about-it" in server.requests[0]["messages"][0]["content"]


def test_a_cancelled_turn_stops_reading_and_is_not_cached(
    server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    import threading

    words = " ".join(f"w{n}" for n in range(30))
    server.script(Reply(text=words, pieces=30, chunk_delay=0.05), Reply(text="Complete answer."))
    cancel = threading.Event()
    seen: list[str] = []

    def on_event(event: Any) -> None:
        if event.kind == "text":
            seen.append(event.text)
            if len(seen) == 3:
                cancel.set()

    assistant = make_assistant()
    result = assistant.ask("Tell me everything", on_event=on_event, cancel=cancel)
    assert result.cancelled and result.error is None
    assert result.answer == "".join(seen).strip() and "w29" not in result.answer
    assert "Cancelled: the answer is incomplete." in result.warnings
    again = assistant.ask("Tell me everything")
    assert not again.cached and again.answer == "Complete answer."
