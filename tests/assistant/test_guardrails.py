"""Rate limit, budgets, cache, redaction on the wire, and a provider that is down or misbehaves."""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path

import pytest

from app.assistant.ledger import Limits
from app.assistant.provider import ProviderConfig
from app.assistant.service import AssistantService
from app.runtime import AppContext
from tests.assistant.conftest import AssistantFactory, PersonFactory
from tests.assistant.fake_provider import FakeProvider, Reply


def test_the_hourly_rate_limit_stops_the_user_before_anything_is_sent(
    server: FakeProvider, make_assistant: AssistantFactory, person: PersonFactory
) -> None:
    server.script(*(Reply(text=f"Answer {n}.") for n in range(4)))
    salesperson = person("salesperson")
    assistant = make_assistant(salesperson, limits=Limits(messages_per_hour=3))
    answers = [assistant.ask(f"Question number {n}?") for n in range(4)]
    assert [a.error for a in answers[:3]] == [None, None, None]
    refused = answers[3]
    assert refused.error is not None and refused.error.kind == "rate_limit"
    assert "3 questions in the last hour" in refused.answer
    assert len(server.requests) == 3
    # The limit is per user: a colleague can still ask.
    colleague = make_assistant(person("salesperson"), limits=Limits(messages_per_hour=3))
    assert colleague.ask("Question number 4?").error is None
    # A new assistant for the same user (an app restart) remembers the hour.
    again = make_assistant(salesperson, limits=Limits(messages_per_hour=3))
    assert again.ask("Question number 5?").error.kind == "rate_limit"  # type: ignore[union-attr]


def _priced(**limits: Decimal) -> dict[str, object]:
    # 1000 prompt + 500 completion tokens at $100 / $200 per million = $0.20 a turn.
    return {
        "limits": Limits(**limits),  # type: ignore[arg-type]
        "input_price_per_mtok": Decimal("100"),
        "output_price_per_mtok": Decimal("200"),
    }


def test_the_user_budget_warns_then_stops(
    server: FakeProvider, make_assistant: AssistantFactory, person: PersonFactory
) -> None:
    server.script(*(Reply(text="Fine.", usage=(1000, 500)) for _ in range(4)))
    assistant = make_assistant(person("salesperson"), **_priced(user_monthly_budget=Decimal("0.50")))
    first, second, third, fourth = (assistant.ask(f"Question {n}?") for n in range(4))
    assert first.cost == Decimal("0.2") and not first.warnings
    assert any("80%" in w and "$0.40 of $0.50" in w for w in second.warnings)
    assert third.error is None  # $0.40 spent: still under the budget when asked
    assert fourth.error is not None and fourth.error.kind == "budget"
    assert "$0.60 of $0.50" in fourth.answer
    assert len(server.requests) == 3


def test_the_dealership_budget_covers_all_its_users(
    server: FakeProvider, make_assistant: AssistantFactory, person: PersonFactory, demo: AppContext
) -> None:
    server.script(Reply(text="Fine.", usage=(1000, 500)))
    spender = make_assistant(person("salesperson"), **_priced(dealership_monthly_budget=Decimal("0.01")))
    spent_before = spender.ledger.spend().dealership
    limits = Limits(dealership_monthly_budget=spent_before + Decimal("0.10"))
    spender = make_assistant(spender.principal, **{**_priced(), "limits": limits})
    assert spender.ask("One question?").error is None
    colleague = make_assistant(person("sales_manager"), limits=limits)
    refused = colleague.ask("Another question?")
    assert refused.error is not None and refused.error.kind == "budget"
    assert "dealership's monthly budget" in refused.answer
    assert len(server.requests) == 1


def test_an_identical_question_on_identical_context_comes_from_the_cache(
    server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    server.script(
        Reply(tool_calls=[("search_inventory", {"body": "Pickup"})]),
        Reply(text="We have pickups."),
        Reply(text="Fresh answer."),
    )
    assistant = make_assistant()
    first = assistant.ask("Which pickups are in stock?")
    again = assistant.ask("which  pickups are in stock?")
    assert again.cached and again.answer == first.answer
    assert [c.as_dict() for c in again.tool_calls] == [c.as_dict() for c in first.tool_calls]
    assert len(server.requests) == 2
    other = assistant.ask("Which sedans are in stock?")
    assert not other.cached and other.answer == "Fresh answer."


PII_QUESTION = (
    "Customer Dana Smith, phone (512) 555-0142, email dana.smith@example.com, SSN 123-45-6789, "
    "DOB: 04/12/1980, driver license number TX12345678, wants the 2022 SUV at 28628.00 with 3000 down."
)


def test_personal_data_is_redacted_on_the_wire_for_a_remote_provider(
    server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    server.script(Reply(text="Let me quote that."))
    assistant = make_assistant(always_redact=True)
    result = assistant.ask(PII_QUESTION)
    wire = server.raw_bodies[0]
    for secret in ("555-0142", "dana.smith@example.com", "123-45-6789", "04/12/1980", "TX12345678"):
        assert secret not in wire
    user = server.requests[0]["messages"][-1]["content"]
    for placeholder in ("[PHONE]", "[EMAIL]", "[SSN]", "[DOB]", "[LICENSE]"):
        assert placeholder in user
    # What a quote needs survives: the vehicle, the price and the down payment.
    assert "2022 SUV at 28628.00 with 3000 down" in user
    assert result.redacted == {"phone": 1, "email": 1, "ssn": 1, "dob": 1, "license": 1}
    # The local history (never sent anywhere) keeps what the user typed.
    assert "(512) 555-0142" in assistant.history(result.conversation_id)[0]["content"]


def test_a_local_provider_receives_the_text_as_typed(
    server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    server.script(Reply(text="Ok."))
    result = make_assistant().ask(PII_QUESTION)
    assert "(512) 555-0142" in server.requests[0]["messages"][-1]["content"]
    assert result.redacted == {}


def test_remote_providers_always_redact() -> None:
    assert ProviderConfig("https://api.openai.com/v1", "gpt-4o-mini").redacts
    assert ProviderConfig("http://192.168.1.20:11434/v1", "llama3.1").redacts
    assert not ProviderConfig("http://127.0.0.1:11434/v1", "llama3.1").redacts
    assert not ProviderConfig("http://localhost:8080/v1", "llama3.1").redacts


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_provider_down_gives_a_clear_message_and_the_app_keeps_working(
    make_assistant: AssistantFactory, person: PersonFactory
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    assistant = make_assistant(
        person("salesperson"), provider=ProviderConfig(url, "llama3.1", timeout_seconds=2)
    )
    result = assistant.ask("Which used SUVs under 25k have been on the lot over 60 days?")
    assert result.error is not None and result.error.kind == "offline"
    assert url in result.answer and "keep working" in result.answer
    # Tools still run directly, and a failed question does not use up the hour.
    direct = assistant.run_tool(
        "search_inventory", {"body": "SUV", "condition": "used", "max_price": "25000"}
    )
    assert direct.ok and direct.result["matches"] >= 1
    assert assistant.ledger.messages_last_hour() == 0


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, "auth"), (404, "model"), (429, "rate_limited"), (500, "server"), (503, "server")],
)
def test_provider_errors_become_plain_messages(
    server: FakeProvider, make_assistant: AssistantFactory, status: int, kind: str
) -> None:
    server.script(Reply(status=status))
    result = make_assistant().ask("Anything?")
    assert result.error is not None and result.error.kind == kind
    assert "HTTP" in result.answer or "key" in result.answer or "model" in result.answer


def test_a_slow_provider_times_out(server: FakeProvider, make_assistant: AssistantFactory) -> None:
    server.script(Reply(text="Too late.", delay=2.5))
    result = make_assistant(timeout_seconds=1.0).ask("Anything?")
    assert result.error is not None and result.error.kind == "timeout"
    assert "did not answer within 1 s" in result.answer


def test_nothing_is_sent_until_a_provider_is_configured(demo: AppContext, person: PersonFactory) -> None:
    assistant = AssistantService(demo.store, person("salesperson"), None)
    result = assistant.ask("What's the payment at 72 months?")
    assert result.error is not None and result.error.kind == "not_configured"
    assert assistant.run_tool("explain_tax", {"state": "TX", "price": "20000"}).ok


def test_a_role_without_the_assistant_is_refused(
    server: FakeProvider, make_assistant: AssistantFactory, demo: AppContext
) -> None:
    from app.ids import new_id
    from app.policy import Principal

    nobody = Principal(new_id(), demo.principal.tenant_id, frozenset({"inventory.view"}))
    result = make_assistant(nobody).ask("Hello?")
    assert result.error is not None and result.error.kind == "permission"
    assert server.requests == []


def test_a_server_that_trickles_forever_is_stopped(
    server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    server.script(Reply(text="x" * 200, pieces=200, chunk_delay=0.05))
    result = make_assistant(timeout_seconds=1.0).ask("Anything?")
    assert result.error is not None and result.error.kind == "timeout"
    assert "kept streaming" in result.answer


def test_limits_come_from_the_dealership_settings_and_bad_ones_name_the_field() -> None:
    from app.assistant.ledger import limits_from_settings
    from app.errors import ValidationError

    limits = limits_from_settings(
        {
            "messages_per_hour": 40,
            "user_monthly_budget": "5.00",
            "dealership_monthly_budget": 50,
            "cache_minutes": 5,
        }
    )
    assert (limits.messages_per_hour, limits.user_monthly_budget, limits.dealership_monthly_budget) == (
        40,
        Decimal("5.00"),
        Decimal("50"),
    )
    assert limits_from_settings(None) == Limits()
    for bad, field in (
        ({"messages_per_hour": 0}, "settings.assistant.messages_per_hour"),
        ({"user_monthly_budget": "lots"}, "settings.assistant.user_monthly_budget"),
        ({"warn_fraction": "1.5"}, "settings.assistant.warn_fraction"),
        ({"budget": 5}, "settings.assistant.budget"),
    ):
        with pytest.raises(ValidationError) as caught:
            limits_from_settings(bad)
        assert caught.value.field == field


@pytest.mark.parametrize(
    ("settings", "per_hour", "problem"),
    [
        ({"assistant": {"messages_per_hour": 2}}, 2, False),
        ({"assistant": {"messages_per_hour": "x"}}, 100, True),
    ],
)
def test_the_service_reads_limits_from_the_dealership(
    tmp_path: Path, settings: dict[str, object], per_hour: int, problem: bool
) -> None:
    from app.ids import new_id
    from app.policy import Principal, permissions_for_roles
    from app.store.database import Actor, open_store
    from app.store.models import Dealership

    store = open_store(tmp_path / "store.sqlite3", "test")
    tenant = new_id()
    with store.session(Actor(tenant, None, "test")) as session:
        session.add(Dealership(name="Lakeside Auto", state="MN", settings=settings))
    try:
        service = AssistantService(
            store, Principal(new_id(), tenant, permissions_for_roles(["salesperson"])), None
        )
        assert service.ledger.limits.messages_per_hour == per_hour
        assert (service.settings_problem is not None) == problem
        if problem:
            assert "settings.assistant.messages_per_hour" in (service.settings_problem or "")
    finally:
        store.close()


def test_the_cache_is_per_user_and_per_conversation_history(
    server: FakeProvider, make_assistant: AssistantFactory, person: PersonFactory
) -> None:
    server.script(*(Reply(text=f"Answer {n}.") for n in range(6)))
    first_user, second_user = make_assistant(person("salesperson")), make_assistant(person("salesperson"))
    assert first_user.ask("Show my open deals").answer == "Answer 0."
    # Same question, same permissions, another person: their own answer, never the first user's.
    assert second_user.ask("Show my open deals").answer == "Answer 1."
    # A follow-up means something else after a different conversation.
    one = first_user.ask("What is the tax in TX?")
    two = first_user.ask("What is the tax in CA?")
    follow_one = first_user.ask("And with a trade-in?", conversation_id=one.conversation_id)
    follow_two = first_user.ask("And with a trade-in?", conversation_id=two.conversation_id)
    assert (follow_one.answer, follow_two.answer) == ("Answer 4.", "Answer 5.")
    assert not follow_two.cached and len(server.requests) == 6


def test_a_server_that_refuses_the_usage_option_still_answers_and_is_counted(
    server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    server.script(
        Reply(status=400, error="Unrecognized request argument supplied: stream_options"),
        Reply(text="Here it is.", usage=None),
        Reply(text="Again.", usage=None),
    )
    assistant = make_assistant()
    result = assistant.ask("Anything?")
    assert result.error is None and result.answer == "Here it is."
    assert "stream_options" in server.requests[0] and "stream_options" not in server.requests[1]
    # No usage reported: tokens are estimated from the characters sent and received, never zero.
    assert result.prompt_tokens > 100 and result.completion_tokens >= 1
    # The assistant remembers: the next question does not pay for the refusal again.
    assert assistant.ask("Anything else?").answer == "Again."
    assert len(server.requests) == 3 and "stream_options" not in server.requests[2]


def test_tool_results_survive_a_provider_that_fails_mid_turn(
    server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    import calc

    deal = {
        "deal_type": "finance",
        "customer": {"state": "TX"},
        "vehicle": {"price": "24000", "condition": "used"},
        "finance": {"apr": "0.07", "term_months": 60},
    }
    server.script(Reply(tool_calls=[("quote_deal", deal)]), Reply(status=502))
    result = make_assistant().ask("Quote it")
    assert result.error is not None and result.error.kind == "server" and "HTTP 502" in result.answer
    assert [c.name for c in result.tool_calls] == ["quote_deal"]
    assert result.tool_calls[0].result == calc.quote_deal(deal)
